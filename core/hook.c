/*
 * hook.c - one event in, one answer out (see hook.h).
 */
#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "config.h"
#include "err.h"
#include "hook.h"
#include "hookin.h"
#include "lock.h"
#include "store.h"
#include "sys.h"
#include "workspace.h"

/* Everything one event needs, set up once by hook_run(). */
struct hook_env {
	enum hook_kind kind;
	struct hook_input in;
	struct config cfg;
	char workspace[PATH_MAX];
	char dir[PATH_MAX];
	struct hook_reply *reply;
	int have_me;
	struct holder me;	/* found once, reused for every workspace looked at */
	char config_problem[1024];	/* the bad sources ignored (config.h), or "" */
};

static void
reply_set(struct hook_reply *r, enum hook_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
reply_set(struct hook_reply *r, enum hook_status status, const char *fmt, ...)
{
	va_list ap;

	r->status = status;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
}

/* "3f2a9c1e": the first 8 characters of a session id, for messages. */
static const char *
short_id(const char *session_id, char buf[16])
{
	snprintf(buf, 16, "%.8s", session_id);
	return buf;
}

static const char *
clock_text(int64_t epoch_ms, char buf[32])
{
	time_t t = (time_t)(epoch_ms / 1000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(buf, 32, "%H:%M:%S", &tm) == 0)
		snprintf(buf, 32, "%lld", (long long)epoch_ms);
	return buf;
}

/*
 * Describes a holder: "session 3f2a9c1e (pid 48213, idle 42 s)", or for
 * `session-lock run`: "'session-lock run' of 'make deploy' (pid 9, for 12 s)".
 */
static void
describe_holder(char *out, size_t size, const struct record *h, const struct decision *d,
    const struct holder *me)
{
	char sid[16], where[PROC_HOST_LEN + 16] = "";

	if (h->host[0] != '\0' && strcmp(h->host, me->host) != 0)
		snprintf(where, sizeof(where), " on host %s", h->host);
	if (strcmp(h->kind, "run") == 0)
		snprintf(out, size, "'session-lock run' of '%s' (pid %d%s, running for %lld s)",
		    h->command, (int)h->pid, where,
		    (long long)((sys.now_wall_ms() - h->acquired_at) / 1000));
	else
		snprintf(out, size, "session %s (pid %d%s, idle %lld s)",
		    short_id(h->session_id, sid), (int)h->pid, where,
		    (long long)(d->idle_ms / 1000));
}

static void
block_reply(struct hook_env *env, const struct lock_outcome *o, const char *ws,
    const struct holder *me)
{
	char who[1024], when[32], taken[512] = "";
	const struct record *h = &o->holder;

	describe_holder(who, sizeof(who), h, &o->decision, me);
	if (o->took_over_from_us)
		snprintf(taken, sizeof(taken),
		    "; it took over this session's lock at %s because %s",
		    clock_text(h->previous.at, when),
		    strcmp(h->previous.reason, "dead") == 0 ? "this session's process was gone"
		    : "this session's lease ended");
	if (o->took_over_from_us && h->previous.idle_ms > 0)
		snprintf(taken + strlen(taken), sizeof(taken) - strlen(taken),
		    " after %lld s idle", (long long)(h->previous.idle_ms / 1000));
	if (strcmp(h->kind, "run") == 0)
		reply_set(env->reply, HOOK_BLOCK,
		    "parallel session lock held by %s on %s%s: wait for the command to finish, "
		    "or ask the user to stop it", who, ws, taken);
	else
		reply_set(env->reply, HOOK_BLOCK,
		    "parallel session lock held by %s on %s%s: wait for it to finish its turn, "
		    "or run 'session-lock release' if that session is gone", who, ws, taken);
}

static int
open_lock(struct hook_env *env, struct lock_ctx *ctx, const char *workspace)
{
	if (env->dir[0] == '\0' && store_dir_open(env->dir, getenv("HOME")) != 0) {
		env->dir[0] = '\0';
		return -1;
	}
	if (env->have_me)
		return lock_ctx_init_as(ctx, env->dir, workspace, &env->me, env->cfg.ttl_ms);
	if (lock_ctx_init(ctx, env->dir, workspace, env->in.session_id, env->cfg.ttl_ms) != 0)
		return -1;
	env->me = ctx->me;
	env->have_me = 1;
	return 0;
}

/*
 * Is dir (not our workspace) held by another live session? Reads its
 * record if there is one; never writes. Returns 1 and fills o when so.
 */
static int
foreign_holder(struct hook_env *env, const char *dir, struct lock_outcome *o)
{
	struct lock_ctx ctx;

	if (open_lock(env, &ctx, dir) != 0 || lock_inspect(&ctx, o) != 0)
		return 0;
	return o->action == LOCK_BLOCKED;
}

/*
 * Checks the workspaces that contain path, from its parent up to "/",
 * except our own: one lookup per ancestor, never a directory scan. Blocks
 * (and returns 1) at the first one held by another live session.
 */
static int
check_ancestors(struct hook_env *env, const char *path)
{
	char dir[PATH_MAX], *slash;
	struct lock_outcome o;

	snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		if (strcmp(dir, env->workspace) != 0 && foreign_holder(env, dir, &o)) {
			block_reply(env, &o, dir, &env->me);
			return 1;
		}
		slash = strrchr(dir, '/');
		if (slash == NULL || strcmp(dir, "/") == 0)
			return 0;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
}

/* Does this Bash command need the lock? Read-only commands do not. */
static int
bash_needs_lock(struct hook_env *env)
{
	struct classify *c = NULL;
	char why[256];
	int needs = 1;

	if (env->in.command == NULL)
		return 1;
	if (classify_new(&c, (const char *const *)env->cfg.readonly, env->cfg.nreadonly,
	    (const char *const *)env->cfg.mutating, env->cfg.nmutating) != 0) {
		/* A bad user pattern: say so, and treat the command as mutating. */
		snprintf(env->reply->text, sizeof(env->reply->text), "%s", err_last());
		return 1;
	}
	needs = classify_bash(c, env->in.command, why, sizeof(why)) != BASH_READONLY;
	classify_free(c);
	return needs;
}

static int64_t
lease_for(const struct hook_env *env)
{
	int64_t t;

	if (env->in.tool_name == NULL || strcmp(env->in.tool_name, "Bash") != 0)
		return env->cfg.ttl_ms;
	if (env->in.timeout_ms > 0)
		t = env->in.timeout_ms;
	else if (env->in.run_in_background)
		t = HOOK_BASH_BACKGROUND_TIMEOUT_MS;
	else
		t = HOOK_BASH_DEFAULT_TIMEOUT_MS;
	t += HOOK_BASH_GRACE_MS;
	return t > env->cfg.ttl_ms ? t : env->cfg.ttl_ms;
}

/*
 * Tries to take the lock, waiting up to wait_ms (with jittered backoff)
 * while it is held by another live session.
 */
static int
acquire_waiting(struct hook_env *env, struct lock_ctx *ctx, struct lock_outcome *o)
{
	int64_t deadline = sys.now_boot_ms() + sys_deadline_clamp(env->cfg.wait_ms);
	int64_t pause = 50, left;
	unsigned seed = (unsigned)getpid();

	ctx->waiting = env->cfg.wait_ms > 0;
	for (;;) {
		if (lock_acquire(ctx, lease_for(env), o) != 0)
			return -1;
		left = deadline - sys.now_boot_ms();
		if (o->action != LOCK_BLOCKED && o->action != LOCK_BUSY)
			return 0;
		if (left <= 0) {
			if (ctx->waiting)
				lock_queue_leave(ctx);
			return 0;
		}
		/* 0.75x to 1.25x of the pause, doubling up to 1 s (git's lockfile backoff). */
		pause = pause * (75 + (int64_t)(rand_r(&seed) % 51)) / 100;
		sys.sleep_ms(pause < left ? pause : left);
		pause = pause * 2 > 1000 ? 1000 : pause * 2;
	}
}

static void
on_pretooluse(struct hook_env *env)
{
	char target[PATH_MAX];
	struct lock_outcome o;
	struct lock_ctx ctx;
	const char *tool = env->in.tool_name;
	int inside = 1;

	if (tool == NULL || !config_tool_needs_lock(&env->cfg, tool))
		return;
	if (strcmp(tool, "Bash") == 0 && !bash_needs_lock(env))
		return;
	if (env->in.file_path != NULL && *env->in.file_path != '\0') {
		if (workspace_resolve_target(target, env->in.file_path, env->workspace) != 0) {
			reply_set(env->reply, HOOK_FAIL_OPEN, "%s; letting the tool run", err_last());
			return;
		}
		inside = workspace_contains(env->workspace, target);
	} else {
		snprintf(target, sizeof(target), "%s", env->workspace);
	}
	if (check_ancestors(env, target))
		return;
	if (!inside)
		return;	/* outside our workspace: not ours to lock */
	if (open_lock(env, &ctx, env->workspace) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; letting the tool run", err_last());
		return;
	}
	ctx.tool = tool;
	if (acquire_waiting(env, &ctx, &o) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; letting the tool run", err_last());
		return;
	}
	if (o.action == LOCK_BLOCKED && o.queued_ahead > 0 &&
	    (!o.have_holder || o.decision.verdict != VERDICT_HELD))
		reply_set(env->reply, HOOK_BLOCK,
		    "parallel session lock on %s is free, but %d other session%s waiting for it "
		    "came first: wait for %s to finish its turn, then try again",
		    env->workspace, o.queued_ahead, o.queued_ahead == 1 ? "" : "s",
		    o.queued_ahead == 1 ? "it" : "them");
	else if (o.action == LOCK_BLOCKED)
		block_reply(env, &o, env->workspace, &ctx.me);
	else if (o.action == LOCK_BUSY)
		reply_set(env->reply, HOOK_BLOCK, "parallel session lock on %s: %s; retry in a moment",
		    env->workspace, err_last());
	else if (o.note[0] != '\0')
		snprintf(env->reply->text, sizeof(env->reply->text), "%s", o.note);
}

/*
 * Sets reply->json to {"systemMessage": ..., "hookSpecificOutput": {...}}
 * with additionalContext; either may be NULL (then it is left out).
 */
static void
context_reply(struct hook_env *env, const char *event, const char *context,
    const char *system_message)
{
	cJSON *root = cJSON_CreateObject(), *spec;

	if (root == NULL)
		return;
	if (system_message != NULL)
		cJSON_AddStringToObject(root, "systemMessage", system_message);
	spec = context != NULL ? cJSON_AddObjectToObject(root, "hookSpecificOutput") : NULL;
	if (spec != NULL) {
		cJSON_AddStringToObject(spec, "hookEventName", event);
		cJSON_AddStringToObject(spec, "additionalContext", context);
	}
	env->reply->json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
}

static void
on_posttooluse(struct hook_env *env)
{
	char who[1024], when[32], msg[PATH_MAX + 2048];
	struct lock_outcome o;
	struct lock_ctx ctx;

	if (open_lock(env, &ctx, env->workspace) != 0 || lock_refresh(&ctx, &o) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; lease not renewed", err_last());
		return;
	}
	if (o.action != LOCK_NOT_OURS || !o.took_over_from_us)
		return;
	/* The tool ran after our lock was taken: the model should know. */
	describe_holder(who, sizeof(who), &o.holder, &o.decision, &ctx.me);
	snprintf(msg, sizeof(msg),
	    "Warning from claude-session-lock: while this tool ran, %s took over the parallel "
	    "session lock on %s (at %s, because this session's %s). Another session may now be "
	    "changing files here; re-read files before editing them.",
	    who, env->workspace, clock_text(o.holder.previous.at, when),
	    strcmp(o.holder.previous.reason, "dead") == 0 ? "process looked gone" : "lease ended");
	context_reply(env, env->in.event != NULL ? env->in.event : "PostToolUse", msg, NULL);
}

static void
on_stop(struct hook_env *env)
{
	int session_end = env->in.event != NULL && strcmp(env->in.event, "SessionEnd") == 0;
	struct lock_outcome o;
	struct lock_ctx ctx;

	if (!session_end && !env->cfg.release_on_stop)
		return;
	/* A command still running in the background may still be writing. */
	if (!session_end && env->in.background_tasks > 0)
		return;
	if (open_lock(env, &ctx, env->workspace) != 0 || lock_release(&ctx, &o) != 0)
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; lock not released", err_last());
}

/* The user's notice of a bad configuration, appended to msg (or nothing). */
static void
config_notice(const struct hook_env *env, char *msg, size_t size)
{
	size_t n = strlen(msg);

	if (env->config_problem[0] == '\0')
		return;
	snprintf(msg + n, size - n, "%sclaude-session-lock ignores a bad configuration: %s. "
	    "Until it is fixed, the lock works with the defaults and the other settings "
	    "('session-lock doctor' checks them).", n > 0 ? " " : "", env->config_problem);
}

static void
on_sessionstart(struct hook_env *env)
{
	char who[1024], since[32], ctxt[PATH_MAX + 2048], sysmsg[PATH_MAX + 3072] = "";
	struct lock_outcome o;
	struct lock_ctx ctx;

	if (open_lock(env, &ctx, env->workspace) != 0 || lock_sweep(&ctx, &o) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s", err_last());
		return;
	}
	if (o.action != LOCK_LEFT || o.decision.verdict != VERDICT_HELD) {
		config_notice(env, sysmsg, sizeof(sysmsg));
		if (sysmsg[0] != '\0')
			context_reply(env, "SessionStart", NULL, sysmsg);
		return;
	}
	describe_holder(who, sizeof(who), &o.holder, &o.decision, &ctx.me);
	clock_text(o.holder.acquired_at, since);
	snprintf(ctxt, sizeof(ctxt),
	    "claude-session-lock: another Claude Code session, %s, has held the parallel session "
	    "lock on %s since %s. Until it finishes its turn or ends, tools that change files "
	    "here (Write, Edit, NotebookEdit, and Bash commands that are not read-only) will be "
	    "blocked; reading files still works. If that session is gone, the user can run "
	    "'session-lock release'.", who, env->workspace, since);
	snprintf(sysmsg, sizeof(sysmsg),
	    "Workspace %s is held by %s since %s: edits will be blocked until it is released.",
	    env->workspace, who, since);
	config_notice(env, sysmsg, sizeof(sysmsg));
	context_reply(env, "SessionStart", ctxt, sysmsg);
}

void
hook_run(enum hook_kind kind, int in_fd, struct hook_reply *reply)
{
	static const int64_t deadline_ms[] = {
		[HOOK_PRETOOLUSE] = HOOK_DEADLINE_PRETOOLUSE_MS,
		[HOOK_POSTTOOLUSE] = HOOK_DEADLINE_POSTTOOLUSE_MS,
		[HOOK_STOP] = HOOK_DEADLINE_STOP_MS,
		[HOOK_SESSIONSTART] = HOOK_DEADLINE_SESSIONSTART_MS,
	};
	int64_t started = sys.now_boot_ms();
	struct hook_env env;
	const char *disable = getenv("SESSION_LOCK_DISABLE");

	sys_deadline_set(deadline_ms[kind]);
	memset(reply, 0, sizeof(*reply));
	memset(&env, 0, sizeof(env));
	env.kind = kind;
	env.reply = reply;
	reply->status = HOOK_PASS;
	if (disable != NULL && *disable != '\0' && strcmp(disable, "0") != 0)
		return;
	if (config_defaults(&env.cfg) != 0) {
		reply_set(reply, HOOK_FAIL_OPEN, "out of memory");
		return;
	}
	if (hookin_read(&env.in, in_fd) != 0) {
		reply_set(reply, HOOK_FAIL_OPEN, "cannot use the hook input: %s", err_last());
		goto out;
	}
	if (env.in.event != NULL && strcmp(env.in.event, "SessionEnd") == 0)
		sys_deadline_set(HOOK_DEADLINE_SESSIONEND_MS - (sys.now_boot_ms() - started));
	if (workspace_resolve(env.workspace, getenv("CLAUDE_PROJECT_DIR"), env.in.cwd) != 0) {
		reply_set(reply, HOOK_FAIL_OPEN, "%s", err_last());
		goto out;
	}
	/* A bad source is ignored (config.h): never a reason to let tools run. */
	if (config_load(&env.cfg, getenv("HOME"), env.workspace) != 0)
		snprintf(env.config_problem, sizeof(env.config_problem), "%s", err_last());
	if (env.cfg.disabled)
		goto out;
	switch (kind) {
	case HOOK_PRETOOLUSE:
		on_pretooluse(&env);
		break;
	case HOOK_POSTTOOLUSE:
		on_posttooluse(&env);
		break;
	case HOOK_STOP:
		on_stop(&env);
		break;
	case HOOK_SESSIONSTART:
		on_sessionstart(&env);
		break;
	}
	/* SessionStart told the user; the others say it where only the debug log shows it. */
	if (kind != HOOK_SESSIONSTART && reply->status == HOOK_PASS && reply->text[0] == '\0' &&
	    env.config_problem[0] != '\0')
		reply_set(reply, HOOK_PASS, "ignoring a bad configuration: %s", env.config_problem);
out:
	hookin_free(&env.in);
	config_free(&env.cfg);
	/* A fail-open reply must never leave JSON behind that could be misread. */
	if (reply->status == HOOK_FAIL_OPEN) {
		free(reply->json);
		reply->json = NULL;
	}
}

/* Messages are one line: control characters from paths become '?'. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int
hook_emit(const char *prog, struct hook_reply *reply)
{
	int status = reply->status == HOOK_BLOCK ? 2 : 0;

	one_line(reply->text);
	if (reply->json != NULL && reply->status != HOOK_BLOCK) {
		fputs(reply->json, stdout);
		fputc('\n', stdout);
	}
	if (reply->status == HOOK_BLOCK)
		fprintf(stderr, "%s\n", reply->text);
	else if (reply->text[0] != '\0')
		fprintf(stderr, "%s: %s\n", prog, reply->text);
	if (fflush(stdout) != 0 || fflush(stderr) != 0)
		status = reply->status == HOOK_BLOCK ? 2 : 0;
	free(reply->json);
	reply->json = NULL;
	return status;
}
