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
#include "proc.h"
#include "store.h"
#include "sys.h"
#include "tell.h"
#include "text.h"
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
	char target[PATH_MAX];	/* Write/Edit/NotebookEdit: the resolved target */
	char why[256];		/* Bash: why the command needs the lock */
	int skill;		/* PreSkillShellCommand: a skill's inline shell command */
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

/* The session-lock program beside this hook, for advice the model can run. */
static void
lock_cmd_path(char *out, size_t size)
{
	char self[PATH_MAX], *slash;

	if (proc_self_exe(self) != 0) {
		snprintf(out, size, "session-lock");
		return;
	}
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	if (strlen(self) + sizeof("/session-lock") > size)
		snprintf(out, size, "session-lock");
	else
		snprintf(out, size, "%.*s/session-lock", (int)(size - sizeof("/session-lock")), self);
}

/* What the user's line calls the blocked call: "Write", "a skill's shell command", ... */
static const char *
call_name(const struct hook_env *env)
{
	if (env->skill)
		return "a skill's shell command";
	return env->in.tool_name != NULL ? env->in.tool_name : "a tool";
}

static void
block_reply(struct hook_env *env, const struct lock_outcome *o, const char *ws)
{
	char cmd[PATH_MAX];
	struct tell_call c = {
		.tool = env->in.tool_name,
		.target = env->target[0] != '\0' ? env->target : NULL,
		.why = env->why[0] != '\0' ? env->why : NULL,
		.lock_cmd = cmd,
		.skill = env->skill,
		.wait_ws = env->workspace,
		.paths = env->cfg.scope_paths,
		.claims = o->claims,
	};

	/* Nested with ours: wait for our own, which waits for it. Unrelated: only watch it. */
	if (!workspace_contains(ws, env->workspace) && !workspace_contains(env->workspace, ws)) {
		c.wait_ws = ws;
		c.no_take = 1;
	}

	lock_cmd_path(cmd, sizeof(cmd));
	env->reply->status = HOOK_BLOCK;
	env->reply->event = env->skill ? "PreSkillShellCommand" : "PreToolUse";
	if (o->action == LOCK_REFUSED && o->have_holder) {
		const char *ids[LOCK_CYCLE_MAX];
		struct tell_cycle cy = { o->ncycle, ids, o->cycle_pid, o->mine };
		size_t i;

		for (i = 0; i < o->ncycle; i++)
			ids[i] = o->cycle[i];
		tell_refused(env->reply->text, sizeof(env->reply->text), &c, ws, &o->holder, &cy);
		snprintf(env->reply->user, sizeof(env->reply->user),
		    "claude-session-lock refused %s: waiting would deadlock with session %.8s "
		    "(pid %d) in %s", call_name(env), o->holder.session_id, (int)o->holder.pid, ws);
	} else if (o->have_holder && o->decision.verdict == VERDICT_HELD) {
		tell_block(env->reply->text, sizeof(env->reply->text), &c, ws, &o->holder,
		    &o->decision, &env->me, o->took_over_from_us, sys.now_wall_ms(),
		    sys.now_boot_ms());
		if (o->claims[0] != '\0')
			snprintf(env->reply->user, sizeof(env->reply->user),
			    "claude-session-lock blocked %s: session %.8s (pid %d) has claimed %s",
			    call_name(env), o->holder.session_id, (int)o->holder.pid, o->claims);
		else
			snprintf(env->reply->user, sizeof(env->reply->user),
			    "claude-session-lock blocked %s: %s is held by %s %.8s (pid %d)",
			    call_name(env), ws,
			    strcmp(o->holder.kind, "run") == 0 ? "session-lock run" : "session",
			    strcmp(o->holder.kind, "run") == 0 ? "" : o->holder.session_id,
			    (int)o->holder.pid);
	} else {
		tell_queued(env->reply->text, sizeof(env->reply->text), &c, ws,
		    o->queued_ahead > 0 ? o->queued_ahead : 1);
		snprintf(env->reply->user, sizeof(env->reply->user),
		    "claude-session-lock blocked %s: sessions waiting for %s came first",
		    call_name(env), ws);
	}
}

/*
 * The workspace's lock is being changed by another process that keeps its
 * mutex: not an internal error. A second writer must never slip through,
 * so the call is blocked and told to retry.
 */
static void
busy_reply(struct hook_env *env)
{
	reply_set(env->reply, HOOK_BLOCK, "Parallel session lock: the lock on %s is being "
	    "changed by another process right now (%s); retry in a moment.", env->workspace,
	    err_last());
	env->reply->event = env->skill ? "PreSkillShellCommand" : "PreToolUse";
	snprintf(env->reply->user, sizeof(env->reply->user), "claude-session-lock blocked %s: "
	    "the lock on %s is being changed right now", call_name(env), env->workspace);
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
	int rc;

	if (open_lock(env, &ctx, dir) != 0)
		return 0;
	rc = lock_inspect(&ctx, o) == 0 && o->action == LOCK_BLOCKED;
	lock_ctx_free(&ctx);
	return rc;
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
			block_reply(env, &o, dir);
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
	int needs = 1;

	if (env->in.command == NULL)
		return 1;
	if (classify_new(&c, (const char *const *)env->cfg.readonly, env->cfg.nreadonly,
	    (const char *const *)env->cfg.mutating, env->cfg.nmutating) != 0) {
		/* A bad user pattern: say so, and treat the command as mutating. */
		snprintf(env->reply->text, sizeof(env->reply->text), "%s", err_last());
		return 1;
	}
	needs = classify_bash(c, env->in.command, env->why, sizeof(env->why)) != BASH_READONLY;
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

static void context_reply(struct hook_env *env, const char *event, const char *context,
    const char *system_message);

/*
 * The "paths" scope: a Read of a file that another live session has
 * claimed is let through with a one-line notice that it may be changing.
 * Reads only the record; never writes, never blocks.
 */
static void
on_read(struct hook_env *env)
{
	struct claim_need need = { 0, env->target };
	char line[3 * PATH_MAX];
	struct lock_outcome o;
	struct lock_ctx ctx;
	size_t i, j;

	if (env->in.file_path == NULL || *env->in.file_path == '\0' ||
	    workspace_resolve_target(env->target, env->in.file_path, env->workspace) != 0 ||
	    !workspace_contains(env->workspace, env->target) ||
	    open_lock(env, &ctx, env->workspace) != 0)
		return;
	ctx.claim = env->target;
	if (lock_inspect(&ctx, &o) == 0) {
		for (i = 0; i < ctx.set.n; i++) {
			const struct record *h = &ctx.set.h[i];

			if (ctx.dec[i].verdict != VERDICT_HELD || !claim_conflicts(h, &need))
				continue;
			for (j = 0; j < h->nclaims && !claim_overlaps(h->claims[j], env->target); j++)
				;
			tell_claimed(line, sizeof(line), env->target, j < h->nclaims ? h->claims[j] :
			    env->workspace, h);
			context_reply(env, "PreToolUse", line, NULL);
			break;
		}
	}
	lock_ctx_free(&ctx);
}

static void
on_pretooluse(struct hook_env *env)
{
	struct lock_outcome o;
	struct lock_ctx ctx;
	const char *tool = env->in.tool_name;
	int inside = 1, bash;

	if (tool != NULL && env->cfg.scope_paths && strcmp(tool, "Read") == 0) {
		on_read(env);
		return;
	}
	if (tool == NULL || !config_tool_needs_lock(&env->cfg, tool))
		return;
	bash = strcmp(tool, "Bash") == 0;
	if (bash && !bash_needs_lock(env))
		return;
	if (env->in.file_path != NULL && *env->in.file_path != '\0') {
		if (workspace_resolve_target(env->target, env->in.file_path, env->workspace) != 0) {
			env->target[0] = '\0';
			reply_set(env->reply, HOOK_FAIL_OPEN, "%s; letting the tool run", err_last());
			return;
		}
		inside = workspace_contains(env->workspace, env->target);
		if (check_ancestors(env, env->target))
			return;
	} else if (check_ancestors(env, env->workspace)) {
		return;
	}
	if (!inside)
		return;	/* outside our workspace: not ours to lock */
	if (open_lock(env, &ctx, env->workspace) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; letting the tool run", err_last());
		return;
	}
	ctx.tool = tool;
	/* The "paths" scope: a file tool claims its target; anything else needs the whole. */
	ctx.paths = env->cfg.scope_paths;
	if (ctx.paths && !bash && env->target[0] != '\0')
		ctx.claim = env->target;
	if (bash && !env->skill) {
		/* A Bash call may run long: blocked sessions are told it is busy, not idle. */
		ctx.busy_tool = "Bash";
		ctx.busy_id = env->in.tool_use_id;
		ctx.busy_background = env->in.run_in_background;
	}
	if (lock_acquire_wait(&ctx, lease_for(env), env->cfg.wait_ms, &o) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; letting the tool run", err_last());
	} else if (o.action == LOCK_BLOCKED || o.action == LOCK_REFUSED) {
		block_reply(env, &o, o.nested_ws[0] != '\0' ? o.nested_ws : env->workspace);
	} else if (o.action == LOCK_BUSY) {
		busy_reply(env);
	} else if (o.note[0] != '\0') {
		snprintf(env->reply->text, sizeof(env->reply->text), "%s", o.note);
	}
	lock_ctx_free(&ctx);
}

/*
 * Sets reply->json to {"systemMessage": ..., "hookSpecificOutput": {...}}
 * with additionalContext; either may be NULL (then it is left out). The
 * client shows both texts to the user and the model as they are, so their
 * control characters (from a session id, a path) are escaped first: JSON's
 * own \u001b would reach the terminal as a real ESC.
 */
static void
context_reply(struct hook_env *env, const char *event, const char *context,
    const char *system_message)
{
	char *safe_context = context != NULL ? text_escaped(context, TEXT_LINE) : NULL;
	char *safe_message = NULL;
	cJSON *root = cJSON_CreateObject(), *spec;

	if (system_message != NULL)
		safe_message = text_escaped(system_message, TEXT_LINE);
	if (root == NULL || (context != NULL && safe_context == NULL) ||
	    (system_message != NULL && safe_message == NULL))
		goto out;
	if (safe_message != NULL)
		cJSON_AddStringToObject(root, "systemMessage", safe_message);
	spec = context != NULL ? cJSON_AddObjectToObject(root, "hookSpecificOutput") : NULL;
	if (spec != NULL) {
		cJSON_AddStringToObject(spec, "hookEventName", event);
		cJSON_AddStringToObject(spec, "additionalContext", safe_context);
	}
	env->reply->json = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	free(safe_context);
	free(safe_message);
}

/* Tells the holder about sessions that queued for its workspace, once each. */
static void
notice_waiters(struct hook_env *env, struct lock_ctx *ctx)
{
	struct queue_entry w[4];
	char msg[sizeof(w) / sizeof(w[0])][PATH_MAX + 512], all[sizeof(msg)];
	size_t len = 0;
	int i, n = lock_waiters_notice(ctx, w, sizeof(w) / sizeof(w[0]));

	for (i = 0; i < n; i++) {
		tell_waiting(msg[i], sizeof(msg[i]), env->workspace, w[i].session_id, w[i].since);
		len += (size_t)snprintf(all + len, sizeof(all) - len, "%s%s", i > 0 ? " " : "",
		    msg[i]);
		if (len >= sizeof(all))
			break;
	}
	if (n > 0)
		context_reply(env, env->in.event != NULL ? env->in.event : "PostToolUse", all, NULL);
}

/* Tells the holder about sessions that wait in the record for what it holds (paths scope). */
static void
claim_waiters(struct hook_env *env, const struct lock_outcome *o)
{
	char msg[PATH_MAX + 1024], all[LOCK_CYCLE_MAX * (PATH_MAX + 1024)];
	size_t i, len = 0;

	for (i = 0; i < o->nwaiters && len < sizeof(all); i++) {
		tell_waiting(msg, sizeof(msg), o->waited[i][0] != '\0' ? o->waited[i] :
		    env->workspace, o->waiter[i], o->waiter_since[i]);
		len += (size_t)snprintf(all + len, sizeof(all) - len, "%s%s", i > 0 ? " " : "", msg);
	}
	context_reply(env, env->in.event != NULL ? env->in.event : "PostToolUse", all, NULL);
}

static void
on_posttooluse(struct hook_env *env)
{
	char who[1024], when[32], msg[PATH_MAX + 2048];
	struct lock_outcome o;
	struct lock_ctx ctx;

	if (open_lock(env, &ctx, env->workspace) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; lease not renewed", err_last());
		return;
	}
	ctx.done_id = env->in.tool_use_id;
	ctx.done_background = env->in.run_in_background;
	if (lock_refresh(&ctx, &o) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; lease not renewed", err_last());
		lock_ctx_free(&ctx);
		return;
	}
	lock_ctx_free(&ctx);
	if (o.action == LOCK_RENEWED && o.nwaiters > 0) {
		claim_waiters(env, &o);
		return;
	}
	if (o.action == LOCK_RENEWED) {
		notice_waiters(env, &ctx);
		return;
	}
	if (o.action != LOCK_NOT_OURS || !o.took_over_from_us)
		return;
	/* The tool ran after our lock was taken: the model should know. */
	tell_holder(who, sizeof(who), &o.holder, &o.decision, &ctx.me, sys.now_wall_ms(),
	    sys.now_boot_ms());
	snprintf(msg, sizeof(msg),
	    "Warning from claude-session-lock: while this tool ran, %s took over the parallel "
	    "session lock on %s (at %s, because this session's %s). Another session may now be "
	    "changing files here; re-read files before editing them.",
	    who, env->workspace, tell_clock(when, o.holder.previous.at),
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
	if (open_lock(env, &ctx, env->workspace) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; lock not released", err_last());
		return;
	}
	if (lock_release(&ctx, &o) != 0)
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s; lock not released", err_last());
	lock_ctx_free(&ctx);
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

/*
 * "session 3f2a9c1e (pid 4821) has claimed /w/src/auth, /w/README.md;
 * session ..." for the live holders of claims other than us, as the last
 * read left them in ctx; "" when there are none.
 */
static void
claims_held(char *out, size_t size, const struct lock_ctx *ctx)
{
	size_t i, j, len = 0;

	out[0] = '\0';
	for (i = 0; i < ctx->set.n && len < size; i++) {
		const struct record *h = &ctx->set.h[i];

		if (ctx->dec[i].verdict != VERDICT_HELD || (!h->whole && h->nclaims == 0))
			continue;
		len += (size_t)snprintf(out + len, size - len, "%ssession %.8s (pid %d) has %s",
		    len > 0 ? "; " : "", h->session_id, (int)h->pid,
		    h->whole ? "the whole workspace" : "claimed ");
		for (j = 0; !h->whole && j < h->nclaims && len < size; j++)
			len += (size_t)snprintf(out + len, size - len, "%s%s", j > 0 ? ", " : "",
			    h->claims[j]);
	}
	if (len >= size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

static void
on_sessionstart(struct hook_env *env)
{
	char who[1024], cmd[PATH_MAX], ctxt[5 * PATH_MAX + 2048], sysmsg[4 * PATH_MAX + 4096] = "";
	char held[2 * PATH_MAX];
	const char *context = NULL;
	struct lock_outcome o;
	struct lock_ctx ctx;
	int rc;

	if (open_lock(env, &ctx, env->workspace) != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s", err_last());
		return;
	}
	rc = lock_sweep(&ctx, &o);
	if (rc == 0 && env->cfg.scope_paths)
		claims_held(held, sizeof(held), &ctx);
	else
		held[0] = '\0';
	lock_ctx_free(&ctx);
	if (rc != 0) {
		reply_set(env->reply, HOOK_FAIL_OPEN, "%s", err_last());
		return;
	}
	if (held[0] != '\0' || (o.action == LOCK_LEFT && o.decision.verdict == VERDICT_HELD))
		lock_cmd_path(cmd, sizeof(cmd));
	if (held[0] != '\0') {
		/* The "paths" scope: say which paths others hold, not just that someone does. */
		snprintf(ctxt, sizeof(ctxt),
		    "claude-session-lock (path claims): other Claude Code sessions are working in "
		    "%s: %s. Changing a file inside those paths (or a changing Bash command, which "
		    "needs the whole workspace) will be blocked until they end their turn; other "
		    "files are yours to change, and reading works everywhere. To wait for a path, "
		    "run `%s wait --path PATH`.", env->workspace, held, cmd);
		snprintf(sysmsg, sizeof(sysmsg), "Other sessions hold paths in %s: %s.",
		    env->workspace, held);
		context = ctxt;
	} else if (o.action == LOCK_LEFT && o.decision.verdict == VERDICT_HELD) {
		tell_holder(who, sizeof(who), &o.holder, &o.decision, &ctx.me, sys.now_wall_ms(),
		    sys.now_boot_ms());
		snprintf(ctxt, sizeof(ctxt),
		    "claude-session-lock: the workspace %s is held by another Claude Code session, "
		    "%s. Until it finishes its turn or ends, tools that change files here (Write, "
		    "Edit, NotebookEdit, and Bash commands that are not read-only) will be blocked; "
		    "reading files still works. To take your turn, run `%s wait` (it waits, then "
		    "takes the lock for this session).", env->workspace, who, cmd);
		snprintf(sysmsg, sizeof(sysmsg),
		    "Workspace %s is held by %s: edits will be blocked until it is released.",
		    env->workspace, who);
		context = ctxt;
	}
	config_notice(env, sysmsg, sizeof(sysmsg));
	if (context != NULL || sysmsg[0] != '\0')
		context_reply(env, "SessionStart", context, sysmsg);
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
	/*
	 * The inline shell command of a skill or a custom slash command (the
	 * client's PreSkillShellCommand, 2.1.332 on) is a Bash command in all
	 * but name: the same classifier, target rules, lease and block.
	 */
	env.skill = env.in.event != NULL && strcmp(env.in.event, "PreSkillShellCommand") == 0;
	if (env.skill)
		env.in.tool_name = "Bash";
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

/*
 * Messages are one line with nothing a terminal would obey: control
 * characters from paths and session ids are escaped in place (text.h), the
 * text cut at an escape's boundary when it no longer fits.
 */
static void
one_line(char *s, size_t size)
{
	char copy[2 * PATH_MAX];	/* the size of reply->text, the larger one */

	snprintf(copy, sizeof(copy), "%s", s);
	text_escape(s, size, copy, TEXT_LINE);
}

/*
 * The deny object of a block: {"systemMessage": user, "hookSpecificOutput":
 * {"hookEventName", "permissionDecision": "deny", "permissionDecisionReason"}}.
 * NULL when out of memory (exit 2 with stderr still blocks).
 */
static char *
deny_json(const struct hook_reply *reply)
{
	cJSON *root = cJSON_CreateObject(), *spec;
	char *text = NULL;

	if (root == NULL)
		return NULL;
	if (reply->user[0] != '\0' &&
	    cJSON_AddStringToObject(root, "systemMessage", reply->user) == NULL)
		goto out;
	spec = cJSON_AddObjectToObject(root, "hookSpecificOutput");
	if (spec == NULL ||
	    cJSON_AddStringToObject(spec, "hookEventName",
	    reply->event != NULL ? reply->event : "PreToolUse") == NULL ||
	    cJSON_AddStringToObject(spec, "permissionDecision", "deny") == NULL ||
	    cJSON_AddStringToObject(spec, "permissionDecisionReason", reply->text) == NULL)
		goto out;
	text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return text;
}

int
hook_emit(const char *prog, struct hook_reply *reply)
{
	int status = reply->status == HOOK_BLOCK ? 2 : 0;
	char *deny;

	one_line(reply->text, sizeof(reply->text));
	one_line(reply->user, sizeof(reply->user));
	if (reply->json != NULL && reply->status != HOOK_BLOCK) {
		fputs(reply->json, stdout);
		fputc('\n', stdout);
	}
	if (reply->status == HOOK_BLOCK && (deny = deny_json(reply)) != NULL) {
		fputs(deny, stdout);
		fputc('\n', stdout);
		free(deny);
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
