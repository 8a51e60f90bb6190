/*
 * report.c - the workspace, runtime directory, configuration and identity
 * of a command, and lock records shown as text and JSON (see report.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "report.h"
#include "store.h"
#include "sys.h"
#include "tell.h"
#include "text.h"
#include "workspace.h"

int
report_seconds(const char *text, int64_t *ms)
{
	char *end;
	double v;

	if (text == NULL || *text == '\0' || *text == '-' || *text == '+' ||
	    strspn(text, "0123456789.") != strlen(text))
		return -1;
	errno = 0;
	v = strtod(text, &end);
	if (errno != 0 || *end != '\0' || v != v || v < 0 || v > 366.0 * 86400)
		return -1;
	*ms = (int64_t)(v * 1000 + 0.5);
	return 0;
}

/*
 * Does the record of workspace ws list the session key as a holder? (For
 * the Bash tool, which has no $CLAUDE_PROJECT_DIR: its current directory
 * follows the model's `cd`.)
 */
static int
record_lists(const char *dir, const char *ws, const char *key)
{
	struct record_set set = RECORD_SET_INIT;
	char hash[WORKSPACE_HASH_LEN + 1];
	struct store s;
	int found;

	workspace_hash(hash, ws);
	store_init(&s, dir, hash);
	found = store_read_set(&s, &set, NULL) == STORE_FOUND && record_set_find(&set, key) >= 0;
	record_set_free(&set);
	return found;
}

int
report_workspace(char out[PATH_MAX], const char *path)
{
	const char *project = getenv("CLAUDE_PROJECT_DIR"), *sid = getenv("CLAUDE_CODE_SESSION_ID");
	char dir[PATH_MAX], up[PATH_MAX], key[RECORD_SESSION_LEN + 1], *slash;
	int exists;

	if (path != NULL)
		return workspace_resolve(out, path, NULL);
	if (workspace_resolve(out, project, NULL) != 0)
		return -1;
	if ((project != NULL && *project != '\0') || sid == NULL || *sid == '\0' ||
	    report_dir(dir, &exists) != 0 || !exists)
		return 0;
	/* Inside a session: the nearest directory up whose record holds this session. */
	record_session_key(key, sid, strlen(sid));
	snprintf(up, sizeof(up), "%s", out);
	for (;;) {
		if (record_lists(dir, up, key)) {
			snprintf(out, PATH_MAX, "%s", up);
			return 0;
		}
		slash = strrchr(up, '/');
		if (slash == NULL || strcmp(up, "/") == 0)
			return 0;
		if (slash == up)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

int
report_dir(char dir[PATH_MAX], int *exists)
{
	const char *home = getenv("HOME");
	struct stat st;

	*exists = 0;
	if (home != NULL && home[0] == '/' &&
	    snprintf(dir, PATH_MAX, "%s/.claude/runtime", home) < PATH_MAX &&
	    lstat(dir, &st) != 0 && errno == ENOENT)
		return 0;
	if (store_dir_check(dir, home) != 0)
		return -1;
	*exists = 1;
	return 0;
}

int
report_config(struct config *c, const char *workspace)
{
	if (config_defaults(c) != 0)
		return err_set("out of memory");
	if (config_load(c, getenv("HOME"), workspace) != 0)
		report_printf(stderr, "session-lock: warning: ignoring a bad configuration: %s (the "
		    "hooks ignore it too, and lock with the defaults and the other settings)\n",
		    err_last());
	return 0;
}

int
report_me(struct holder *me, int as_session)
{
	const char *sid = getenv("CLAUDE_CODE_SESSION_ID"), *pidtext = getenv("CLAUDE_PID");
	char own[64];
	char *end;
	long pid = 0;

	if (as_session && sid != NULL && *sid != '\0') {
		if (pidtext != NULL && *pidtext != '\0') {
			errno = 0;
			pid = strtol(pidtext, &end, 10);
			if (errno != 0 || *end != '\0' || pid <= 0 || pid > INT32_MAX)
				pid = 0;
		}
		return inventory_self(me, sid, (pid_t)pid);
	}
	snprintf(own, sizeof(own), "cli:%ld", (long)getpid());
	return inventory_self(me, own, 0);
}

int
report_session_ctx(struct lock_ctx *ctx, const char *ws, const char *session_id,
    int64_t ttl_ms)
{
	char dir[PATH_MAX], key[RECORD_SESSION_LEN + 1];

	record_session_key(key, session_id, strlen(session_id));
	if (store_dir_open(dir, getenv("HOME")) != 0)
		return -1;
	return lock_ctx_init(ctx, dir, ws, key, ttl_ms);
}

int
report_resolve_path(char out[PATH_MAX], const char *path)
{
	char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return err_set("cannot find the current directory:");
	return workspace_resolve_target(out, path, cwd);
}

void
report_blocked(FILE *to, const struct lock_ctx *ctx, const struct lock_outcome *o,
    const char *ws, const char *target, const char *lock_cmd)
{
	char text[2 * PATH_MAX + 2 * LOCK_PATHS_TEXT + 2048];
	const char *ids[LOCK_CYCLE_MAX];
	struct tell_cycle cy = { o->ncycle, ids, o->cycle_pid, o->mine };
	struct tell_call c = {
		.target = target,
		.lock_cmd = lock_cmd,
		.wait_ws = ws,
		.paths = 1,
		.claims = o->claims,
	};
	size_t i;

	for (i = 0; i < o->ncycle; i++)
		ids[i] = o->cycle[i];
	/* The lines said before this (claims made) come first in a pipe too. */
	fflush(stdout);
	/* Blocked by a workspace nested with ours: name it; the wait is still for ours. */
	if (o->nested_ws[0] != '\0')
		ws = o->nested_ws;
	if (o->action == LOCK_REFUSED && o->have_holder)
		tell_refused(text, sizeof(text), &c, ws, &o->holder, &cy);
	else if (o->action == LOCK_BUSY)
		snprintf(text, sizeof(text), "Parallel session lock: the lock on %s is being "
		    "changed by another process right now (%s); retry in a moment.", ws,
		    err_last());
	else if (o->have_holder && o->decision.verdict == VERDICT_HELD)
		tell_block(text, sizeof(text), &c, ws, &o->holder, &o->decision, &ctx->me,
		    o->took_over_from_us, sys.now_wall_ms(), sys.now_boot_ms());
	else
		tell_queued(text, sizeof(text), &c, ws, o->queued_ahead > 0 ? o->queued_ahead : 1);
	report_printf(to, "%s\n", text);
}

void
report_as_found(struct inventory_look *l, const struct record *r, const struct decision *d,
    const struct holder *me)
{
	if (l->now_wall == 0)
		l->now_wall = sys.now_wall_ms();
	l->status = STORE_FOUND;
	l->error[0] = '\0';
	l->rec = *r;
	l->decision = *d;
	l->local = decide_is_local(r, me);
	l->owner = l->local ? proc_liveness(r->pid, r->pid_start) : PROC_UNKNOWN;
}

void
report_vprintf(FILE *to, const char *fmt, va_list ap)
{
	char *text = NULL, *safe = NULL;
	size_t len;
	int newline = 0;

	if (vasprintf(&text, fmt, ap) < 0) {
		fputs("(out of memory)\n", to);
		return;
	}
	len = strlen(text);
	if (len > 0 && text[len - 1] == '\n') {
		text[len - 1] = '\0';
		newline = 1;
	}
	safe = text_escaped(text, TEXT_LINE);
	fputs(safe != NULL ? safe : "(out of memory)", to);
	if (newline)
		fputc('\n', to);
	free(safe);
	free(text);
}

void
report_printf(FILE *to, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_vprintf(to, fmt, ap);
	va_end(ap);
}

int
report_puts_json(const char *json)
{
	char *safe = text_escaped(json, TEXT_JSON);

	if (safe == NULL)
		return -1;
	puts(safe);
	free(safe);
	return 0;
}

const char *
report_duration(char *buf, size_t size, int64_t ms)
{
	long long s = ms > 0 ? (long long)(ms / 1000) : 0;

	if (ms > 0 && ms < 10000 && ms % 1000 >= 100)
		snprintf(buf, size, "%lld.%llds", s, (long long)(ms % 1000 / 100));
	else if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, size, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

const char *
report_short_id(char buf[16], const char *session_id)
{
	snprintf(buf, 16, "%.8s", session_id);
	return buf;
}

const char *
report_verdict(const struct inventory_look *l)
{
	switch (l->status) {
	case STORE_ABSENT:
		return "free";
	case STORE_CORRUPT:
		return "corrupt";
	case STORE_NEWER:
		return "newer version";
	case STORE_UNSAFE:
		return "unsafe";
	}
	return decide_verdict_name(l->decision.verdict);
}

/* "alive", "dead" or "unknown" for a holder's process as found. */
static const char *
alive_word(int local, enum proc_liveness owner)
{
	if (!local)
		return "unknown";
	return owner == PROC_ALIVE ? "alive" : owner == PROC_DEAD ? "dead" : "unknown";
}

const char *
report_alive(const struct inventory_look *l)
{
	return l->status == STORE_FOUND ? alive_word(l->local, l->owner) : "unknown";
}

/* report_holder() of any holder r, as found (local, owner) and decided (d). */
static void
holder_phrase(char *buf, size_t size, const struct record *r, int local,
    enum proc_liveness owner, const struct decision *d, int64_t now_wall)
{
	char sid[16], t[32], where[PROC_HOST_LEN + 16] = "";

	if (!local)
		snprintf(where, sizeof(where), " on host %s", r->host);
	if (strcmp(r->kind, "run") == 0)
		snprintf(buf, size, "'session-lock run' of '%s' (pid %d%s, %s, running for %s)",
		    r->command, (int)r->pid, where, alive_word(local, owner),
		    report_duration(t, sizeof(t), now_wall - r->acquired_at));
	else
		snprintf(buf, size, "session %s (pid %d%s, %s, idle %s)",
		    report_short_id(sid, r->session_id), (int)r->pid, where,
		    alive_word(local, owner), report_duration(t, sizeof(t), d->idle_ms));
}

void
report_holder(char *buf, size_t size, const struct inventory_look *l)
{
	holder_phrase(buf, size, &l->rec, l->local, l->owner, &l->decision, l->now_wall);
}

/* Does the look show a record of path claims (schema 2), whose holders are listed? */
static int
has_holders(const struct inventory_look *l)
{
	return l->status == STORE_FOUND && l->set.n > 0 &&
	    l->set.schema_version > RECORD_SCHEMA_SINGLE;
}

/*
 * One holder of a record of path claims, on one line after indent: its
 * verdict, who it is, what it holds and what it waits for ("held  session
 * 3f2a9c1e (pid 4821, alive, idle 2s): claims /w/a.c, /w/src; waits for
 * /w/b.c since 14:05:01"). Claims are printed one by one: there may be
 * thousands.
 */
static void
holder_line(FILE *to, const struct inventory_look *l, size_t i, const char *indent)
{
	const struct record *r = &l->set.h[i];
	const struct inventory_holder *h = &l->holders[i];
	char who[1024], at[32];
	size_t j;

	holder_phrase(who, sizeof(who), r, h->local, h->owner, &h->decision, l->now_wall);
	report_printf(to, "%s%-19s %s: ", indent, decide_verdict_name(h->decision.verdict), who);
	if (r->whole)
		fputs("the whole workspace", to);
	else if (r->nclaims == 0)
		fputs("holds nothing", to);
	for (j = 0; !r->whole && j < r->nclaims; j++)
		report_printf(to, "%s%s", j == 0 ? "claims " : ", ", r->claims[j]);
	if (r->wants.pid != 0) {
		fputs("; waits for ", to);
		if (r->wants.whole)
			fputs("the whole workspace", to);
		for (j = 0; !r->wants.whole && j < r->wants.npaths; j++)
			report_printf(to, "%s%s", j == 0 ? "" : ", ", r->wants.paths[j]);
		if (h->waiting)
			report_printf(to, " since %s (pid %d)", tell_clock(at, r->wants.since),
			    (int)r->wants.pid);
		else
			report_printf(to, " (no longer: its waiting process %d is gone)",
			    (int)r->wants.pid);
	}
	fputc('\n', to);
}

/* A state word for scripts: free, ours, held, stale, corrupt, unsafe, newer. */
static const char *
state_name(const struct inventory_look *l)
{
	switch (l->status) {
	case STORE_ABSENT:
		return "free";
	case STORE_CORRUPT:
		return "corrupt";
	case STORE_NEWER:
		return "newer";
	case STORE_UNSAFE:
		return "unsafe";
	}
	switch (l->decision.verdict) {
	case VERDICT_OURS:
		return "ours";
	case VERDICT_HELD:
		return "held";
	case VERDICT_STALE_DEAD:
	case VERDICT_STALE_EXPIRED:
		return "stale";
	case VERDICT_FREE:
		break;
	}
	return "free";
}

static const char *
why(const struct inventory_look *l)
{
	if (l->status == STORE_CORRUPT && l->corrupt_old)
		return "corrupt record older than the TTL: the next session replaces it";
	if (l->status == STORE_CORRUPT)
		return "corrupt record younger than the TTL: the hooks let tools run "
		    "until it is replaced or removed";
	if (l->status == STORE_NEWER)
		return "written by a newer version of claude-session-lock";
	if (l->status == STORE_UNSAFE)
		return "not a regular file of ours: never read or replaced";
	return l->decision.why != NULL ? l->decision.why : "";
}

/* The fields of one holder, as found (local, owner) and decided (d), into h. */
static void
holder_fields(cJSON *h, const struct record *r, int local, enum proc_liveness owner,
    const struct decision *d, int64_t now_wall)
{
	cJSON *p;
	char sid[16];

	cJSON_AddStringToObject(h, "session_id", r->session_id);
	cJSON_AddStringToObject(h, "short_id", report_short_id(sid, r->session_id));
	cJSON_AddStringToObject(h, "kind", r->kind);
	if (r->command[0] != '\0')
		cJSON_AddStringToObject(h, "command", r->command);
	else
		cJSON_AddNullToObject(h, "command");
	cJSON_AddNumberToObject(h, "pid", r->pid);
	cJSON_AddStringToObject(h, "host", r->host);
	cJSON_AddBoolToObject(h, "this_host", local);
	cJSON_AddStringToObject(h, "alive", alive_word(local, owner));
	cJSON_AddNumberToObject(h, "acquired_at", (double)r->acquired_at);
	cJSON_AddNumberToObject(h, "renewed_at", (double)r->renewed_at);
	cJSON_AddNumberToObject(h, "lease_until", (double)r->lease_until);
	cJSON_AddNumberToObject(h, "held_ms", (double)(now_wall - r->acquired_at));
	cJSON_AddNumberToObject(h, "idle_ms", (double)d->idle_ms);
	cJSON_AddNumberToObject(h, "lease_left_ms", (double)d->lease_left_ms);
	if (r->previous.session_id[0] != '\0') {
		p = cJSON_AddObjectToObject(h, "previous");
		if (p != NULL) {
			cJSON_AddStringToObject(p, "session_id", r->previous.session_id);
			cJSON_AddNumberToObject(p, "pid", r->previous.pid);
			cJSON_AddStringToObject(p, "reason", r->previous.reason);
			cJSON_AddNumberToObject(p, "at", (double)r->previous.at);
		}
	}
}

/*
 * Holder i of a record of path claims: the fields of "holder", its
 * verdict, what it holds and what it waits for. NULL when out of memory.
 */
static cJSON *
holder_json(const struct inventory_look *l, size_t i)
{
	const struct record *r = &l->set.h[i];
	const struct inventory_holder *in = &l->holders[i];
	cJSON *h = cJSON_CreateObject(), *w;

	if (h == NULL)
		return NULL;
	holder_fields(h, r, in->local, in->owner, &in->decision, l->now_wall);
	cJSON_AddStringToObject(h, "verdict", decide_verdict_name(in->decision.verdict));
	cJSON_AddBoolToObject(h, "whole", r->whole);
	cJSON_AddItemToObject(h, "claims", cJSON_CreateStringArray(
	    (const char *const *)r->claims, (int)r->nclaims));
	if (r->wants.pid == 0) {
		cJSON_AddNullToObject(h, "wants");
		return h;
	}
	w = cJSON_AddObjectToObject(h, "wants");
	if (w == NULL)
		return h;
	cJSON_AddNumberToObject(w, "pid", r->wants.pid);
	cJSON_AddBoolToObject(w, "waiting", in->waiting);
	cJSON_AddNumberToObject(w, "since", (double)r->wants.since);
	cJSON_AddBoolToObject(w, "whole", r->wants.whole);
	cJSON_AddItemToObject(w, "paths", cJSON_CreateStringArray(
	    (const char *const *)r->wants.paths, (int)r->wants.npaths));
	return h;
}

cJSON *
report_json(const struct inventory_look *l, const char *workspace, const char *hash)
{
	const struct record *r = &l->rec;
	cJSON *o = cJSON_CreateObject(), *h, *all;
	size_t i;

	if (o == NULL)
		return NULL;
	if (workspace == NULL && l->status == STORE_FOUND && r->workspace[0] != '\0')
		workspace = r->workspace;
	if (workspace != NULL)
		cJSON_AddStringToObject(o, "workspace", workspace);
	else
		cJSON_AddNullToObject(o, "workspace");
	cJSON_AddStringToObject(o, "hash", hash);
	cJSON_AddStringToObject(o, "lock_file", l->path);
	cJSON_AddStringToObject(o, "state", state_name(l));
	cJSON_AddStringToObject(o, "verdict", report_verdict(l));
	cJSON_AddStringToObject(o, "why", why(l));
	cJSON_AddBoolToObject(o, "takeable", inventory_takeable(l));
	if (l->error[0] != '\0')
		cJSON_AddStringToObject(o, "error", l->error);
	else
		cJSON_AddNullToObject(o, "error");
	if (l->have_mtime)
		cJSON_AddNumberToObject(o, "file_age_ms", (double)(l->now_wall - l->mtime_ms));
	if (l->status != STORE_FOUND) {
		cJSON_AddNullToObject(o, "holder");
		return o;
	}
	h = cJSON_AddObjectToObject(o, "holder");
	if (h == NULL)
		return o;
	holder_fields(h, r, l->local, l->owner, &l->decision, l->now_wall);
	/* Path claims (schema 2): "holder" is the one in the way; "holders" lists them all. */
	if (!has_holders(l))
		return o;
	cJSON_AddNumberToObject(o, "schema_version", l->set.schema_version);
	all = cJSON_AddArrayToObject(o, "holders");
	for (i = 0; all != NULL && i < l->set.n; i++)
		cJSON_AddItemToArray(all, holder_json(l, i));
	return o;
}

/* "in 4m48s" or "ended 3s ago" */
static const char *
lease_text(char *buf, size_t size, int64_t left_ms)
{
	char t[32];

	if (left_ms > 0)
		snprintf(buf, size, "in %s", report_duration(t, sizeof(t), left_ms));
	else
		snprintf(buf, size, "ended %s ago", report_duration(t, sizeof(t), -left_ms));
	return buf;
}

void
report_text(FILE *to, const struct inventory_look *l, const char *workspace)
{
	const struct record *r = &l->rec;
	char t[64], sid[16];
	size_t i;

	report_printf(to, "workspace:   %s\n", workspace);
	report_printf(to, "lock file:   %s\n", l->path);
	report_printf(to, "verdict:     %s", report_verdict(l));
	if (l->status != STORE_ABSENT && l->status != STORE_FOUND)
		report_printf(to, " (%s)\n", why(l));
	else if (l->status == STORE_FOUND && l->decision.verdict != VERDICT_HELD)
		report_printf(to, " (%s)\n", why(l));
	else
		fputc('\n', to);
	if (l->error[0] != '\0')
		report_printf(to, "problem:     %s\n", l->error);
	if (l->status != STORE_FOUND)
		return;
	if (strcmp(r->kind, "run") == 0)
		report_printf(to, "holder:      'session-lock run' of '%s'\n", r->command);
	else
		report_printf(to, "holder:      session %s\n", report_short_id(sid, r->session_id));
	report_printf(to, "session id:  %s\n", r->session_id);
	report_printf(to, "pid:         %d (%s)\n", (int)r->pid, report_alive(l));
	report_printf(to, "host:        %s%s\n", r->host[0] != '\0' ? r->host : "(unknown)",
	    l->local ? " (this host)" : "");
	report_printf(to, "held for:    %s\n",
	    report_duration(t, sizeof(t), l->now_wall - r->acquired_at));
	report_printf(to, "idle for:    %s\n",
	    report_duration(t, sizeof(t), l->decision.idle_ms));
	report_printf(to, "lease ends:  %s\n",
	    lease_text(t, sizeof(t), l->decision.lease_left_ms));
	if (r->previous.session_id[0] != '\0')
		report_printf(to, "took over:   from %s (pid %d): %s\n", r->previous.session_id,
		    (int)r->previous.pid, r->previous.reason);
	/* Path claims: the holder above is the one in the way; here is every one. */
	if (has_holders(l)) {
		report_printf(to, "holders:     %zu\n", l->set.n);
		for (i = 0; i < l->set.n; i++)
			holder_line(to, l, i, "  ");
	}
}

void
report_table_head(FILE *to)
{
	fprintf(to, "%-19s %-9s %-8s %-12s %-8s %-7s %-7s %-13s %s\n", "VERDICT", "SESSION",
	    "PID", "HOST", "ALIVE", "HELD", "IDLE", "LEASE ENDS", "WORKSPACE");
}

void
report_table_row(FILE *to, const struct inventory_look *l)
{
	const struct record *r = &l->rec;
	char held[32], idle[32], lease[48], sid[16], pid[16];
	size_t i;

	if (l->status != STORE_FOUND) {
		report_printf(to, "%-19s %-9s %-8s %-12s %-8s %-7s %-7s %-13s %s: %s\n",
		    report_verdict(l), "-", "-", "-", "-", "-", "-", "-", l->path, l->error);
		return;
	}
	snprintf(pid, sizeof(pid), "%d", (int)r->pid);
	report_printf(to, "%-19s %-9s %-8s %-12.12s %-8s %-7s %-7s %-13s %s", report_verdict(l),
	    report_short_id(sid, r->session_id), pid, r->host[0] != '\0' ? r->host : "?",
	    report_alive(l), report_duration(held, sizeof(held), l->now_wall - r->acquired_at),
	    report_duration(idle, sizeof(idle), l->decision.idle_ms),
	    lease_text(lease, sizeof(lease), l->decision.lease_left_ms),
	    r->workspace[0] != '\0' ? r->workspace : "(unknown)");
	if (strcmp(r->kind, "run") == 0)
		report_printf(to, "  [session-lock run: %s]", r->command);
	fputc('\n', to);
	for (i = 0; has_holders(l) && i < l->set.n; i++)
		holder_line(to, l, i, "    ");
}
