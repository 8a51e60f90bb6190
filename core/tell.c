/*
 * tell.c - the lock's messages (see tell.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tell.h"

const char *
tell_clock(char buf[32], int64_t epoch_ms)
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, 32, "%H:%M:%S", &tm) == 0)
		snprintf(buf, 32, "%lld", (long long)epoch_ms);
	return buf;
}

void
tell_shell_quote(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	if (size < 3) {
		if (size > 0)
			buf[0] = '\0';
		return;
	}
	buf[n++] = '\'';
	for (; *s != '\0' && n + 6 < size; s++) {
		if (*s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

/* Seconds since a moment stamped on both clocks; the boot clock when it can. */
static long long
seconds_since(int64_t wall, int64_t boot, const struct record *h, const struct holder *me,
    int64_t now_wall, int64_t now_boot)
{
	int64_t ms;

	if (boot >= 0 && h->boot_id[0] != '\0' && strcmp(h->boot_id, me->boot_id) == 0)
		ms = now_boot - boot;
	else
		ms = now_wall - wall;
	return ms > 0 ? (long long)(ms / 1000) : 0;
}

void
tell_holder(char *buf, size_t size, const struct record *h, const struct decision *d,
    const struct holder *me, int64_t now_wall, int64_t now_boot)
{
	char where[PROC_HOST_LEN + 16] = "", since[32], sid[16];
	/* A holder of path claims (claim.h) holds no lock on the whole workspace. */
	const char *holding = h->whole ? "holding the lock" : "holding claims";
	long long busy;

	if (h->host[0] != '\0' && strcmp(h->host, me->host) != 0)
		snprintf(where, sizeof(where), ", on host %s", h->host);
	if (strcmp(h->kind, "run") == 0) {
		snprintf(buf, size, "'session-lock run' of '%s' (pid %d%s, running for %lld s)",
		    h->command, (int)h->pid, where,
		    (long long)((now_wall - h->acquired_at) > 0 ? (now_wall - h->acquired_at) / 1000
		    : 0));
		return;
	}
	snprintf(sid, sizeof(sid), "%.8s", h->session_id);
	tell_clock(since, h->acquired_at);
	if (h->busy.tool[0] != '\0') {
		busy = seconds_since(h->busy.since, h->busy.since_boot_ms, h, me, now_wall, now_boot);
		snprintf(buf, size, "session %s (pid %d%s, running a %s%s command for %lld s, "
		    "%s since %s)", sid, (int)h->pid, where,
		    h->busy.background ? "background " : "", h->busy.tool, busy, holding, since);
	} else {
		snprintf(buf, size, "session %s (pid %d%s, idle %lld s, %s since %s)",
		    sid, (int)h->pid, where, (long long)(d->idle_ms / 1000), holding, since);
	}
}

/* "This Write needs the lock: it changes /w/a.txt." and the like. */
static void
tell_need(char *buf, size_t size, const struct tell_call *c)
{
	const char *what = c->skill ? "skill's shell command" : c->tool != NULL &&
	    strcmp(c->tool, "Bash") == 0 ? "Bash command" : c->tool != NULL ? c->tool : "call";
	int claim = c->paths && c->target != NULL && c->target[0] != '\0';
	const char *needs = !c->paths ? "the lock" : claim ? "a claim on the file it changes" :
	    "the whole workspace";

	if (c->why != NULL && c->why[0] != '\0')
		snprintf(buf, size, "This %s needs %s (%s).", what, needs, c->why);
	else if (c->target != NULL && c->target[0] != '\0')
		snprintf(buf, size, "This %s needs %s: it changes %s.", what,
		    claim ? "a claim on that file" : needs, c->target);
	else
		snprintf(buf, size, "This %s needs %s: it may change files there.", what, needs);
}

/* The one thing to do next. */
static void
tell_next(char *buf, size_t size, const struct tell_call *c, const char *ws)
{
	char quoted[PATH_MAX + 64], path[PATH_MAX + 80] = "";
	const char *cmd = c->lock_cmd != NULL ? c->lock_cmd : "session-lock";

	tell_shell_quote(quoted, sizeof(quoted), c->wait_ws != NULL ? c->wait_ws : ws);
	if (c->paths && !c->no_take && c->target != NULL && c->target[0] != '\0') {
		memcpy(path, " --path ", 8);
		tell_shell_quote(path + 8, sizeof(path) - 8, c->target);
	}
	if (c->no_take)
		snprintf(buf, size, "Next: run `%s wait --no-take %s` (it waits, up to %d s, until "
		    "that workspace is free) and %s; or carry on with read-only work; or tell the "
		    "user.", cmd, quoted, TELL_WAIT_DEFAULT_S,
		    c->skill ? "run the command again" : "retry");
	else if (c->paths)
		snprintf(buf, size, "Next: run `%s wait %s%s` (it waits for this session's turn, up "
		    "to %d s, then takes %s for this session) and %s; or work on other files; or "
		    "tell the user.", cmd, quoted, path, TELL_WAIT_DEFAULT_S,
		    path[0] != '\0' ? "the claim" : "the whole workspace",
		    c->skill ? "run the command again" : "retry");
	else
		snprintf(buf, size, "Next: run `%s wait %s` (it waits for this session's turn, up "
		    "to %d s, then takes the lock for this session) and %s; or carry on with "
		    "read-only work; or tell the user.", cmd, quoted, TELL_WAIT_DEFAULT_S,
		    c->skill ? "run the command again" : "retry");
}

void
tell_block(char *buf, size_t size, const struct tell_call *c, const char *ws,
    const struct record *h, const struct decision *d, const struct holder *me,
    int took_over_from_us, int64_t now_wall, int64_t now_boot)
{
	char who[1024], need[PATH_MAX + 320], next[PATH_MAX + 512], taken[256] = "", at[32];

	tell_holder(who, sizeof(who), h, d, me, now_wall, now_boot);
	if (took_over_from_us) {
		snprintf(taken, sizeof(taken), " It took over this session's lock at %s because %s",
		    tell_clock(at, h->previous.at), strcmp(h->previous.reason, "dead") == 0 ?
		    "this session's process was gone" : "this session's lease ended");
		if (h->previous.idle_ms > 0)
			snprintf(taken + strlen(taken), sizeof(taken) - strlen(taken),
			    " after %lld s idle", (long long)(h->previous.idle_ms / 1000));
		snprintf(taken + strlen(taken), sizeof(taken) - strlen(taken), ".");
	}
	tell_need(need, sizeof(need), c);
	tell_next(next, sizeof(next), c, ws);
	if (c->paths && c->claims != NULL && c->claims[0] != '\0')
		snprintf(buf, size, "Parallel session lock: in the workspace %s, Claude Code %s has "
		    "claimed %s.%s %s %s", ws, who, c->claims, taken, need, next);
	else if (c->paths)
		snprintf(buf, size, "Parallel session lock: the whole workspace %s is held by "
		    "%s%s.%s %s %s", ws, strcmp(h->kind, "run") == 0 ? "" : "Claude Code ", who,
		    taken, need, next);
	else
		snprintf(buf, size, "Parallel session lock: the workspace %s is held by %s%s.%s %s %s",
		    ws, strcmp(h->kind, "run") == 0 ? "" : "Claude Code ", who, taken, need, next);
}

void
tell_refused(char *buf, size_t size, const struct tell_call *c, const char *ws,
    const struct record *h, const struct tell_cycle *cy)
{
	char need[PATH_MAX + 320], chain[512] = "", sid[16];
	const char *cmd = c->lock_cmd != NULL ? c->lock_cmd : "session-lock";
	size_t i, len = 0;

	tell_need(need, sizeof(need), c);
	/* "That session waits for session C (pid 3), which waits for this session's ..." */
	len = (size_t)snprintf(chain, sizeof(chain), "That session");
	for (i = 1; i < cy->n && len < sizeof(chain); i++) {
		snprintf(sid, sizeof(sid), "%.8s", cy->sessions[i]);
		len += (size_t)snprintf(chain + len, sizeof(chain) - len,
		    " waits for session %s (pid %d), which", sid, (int)cy->pids[i]);
	}
	snprintf(sid, sizeof(sid), "%.8s", h->session_id);
	snprintf(buf, size, "Parallel session lock: refused at once, because waiting would "
	    "deadlock. In the workspace %s, Claude Code session %s (pid %d) has claimed %s. %s "
	    "%s waits for this session's claims on %s. Next: give up this session's claims with "
	    "`%s release` (it releases only this session's own claims; re-read those files "
	    "before changing them again), then retry; or end your turn, which releases them; or "
	    "tell the user.", ws, sid, (int)h->pid, c->claims != NULL && c->claims[0] != '\0' ?
	    c->claims : "the whole workspace", need, chain,
	    cy->mine != NULL && cy->mine[0] != '\0' ? cy->mine : "its files", cmd);
}

void
tell_claimed(char *buf, size_t size, const char *path, const char *claim,
    const struct record *h)
{
	char sid[16];

	snprintf(sid, sizeof(sid), "%.8s", h->session_id);
	if (strcmp(path, claim) == 0)
		snprintf(buf, size, "claude-session-lock: %s is claimed by session %s (pid %d), "
		    "which may be changing it; re-read it before relying on it.", path, sid,
		    (int)h->pid);
	else
		snprintf(buf, size, "claude-session-lock: %s is inside %s, claimed by session %s "
		    "(pid %d), which may be changing it; re-read it before relying on it.", path,
		    claim, sid, (int)h->pid);
}

void
tell_queued(char *buf, size_t size, const struct tell_call *c, const char *ws,
    int queued_ahead)
{
	char need[PATH_MAX + 320], next[PATH_MAX + 512];

	tell_need(need, sizeof(need), c);
	tell_next(next, sizeof(next), c, ws);
	if (c->paths)
		snprintf(buf, size, "Parallel session lock: in the workspace %s, what this call "
		    "needs is free, but a session that waits for it (or for the whole workspace) "
		    "came first. %s %s", ws, need, next);
	else
		snprintf(buf, size, "Parallel session lock: the workspace %s is free, but %d other "
		    "session%s waiting for it came first. %s %s", ws, queued_ahead,
		    queued_ahead == 1 ? "" : "s", need, next);
}

void
tell_waiting(char *buf, size_t size, const char *ws, const char *waiter_session,
    int64_t since_wall)
{
	char at[32];

	snprintf(buf, size, "claude-session-lock: session %.8s has been waiting since %s to "
	    "change files in %s, which this session holds. Finish the step you are on and end "
	    "your turn when you can, so that it can go on; nothing changes for your own tools.",
	    waiter_session, since_wall > 0 ? tell_clock(at, since_wall) : "just now", ws);
}
