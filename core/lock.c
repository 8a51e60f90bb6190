/*
 * lock.c - the lock operations (see lock.h for the protocol and its steps).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "held.h"
#include "lock.h"
#include "proc.h"
#include "queue.h"
#include "sys.h"

int
lock_ctx_init_as(struct lock_ctx *ctx, const char *dir, const char *workspace,
    const struct holder *me, int64_t ttl_ms)
{
	char hash[WORKSPACE_HASH_LEN + 1];

	/*
	 * Field by field, not memset: the context is ~25 KB of path buffers,
	 * and a PreToolUse makes one per ancestor of its target; zeroing them
	 * was a third of the hook's own instructions. Every string is set.
	 */
	if (strlen(workspace) >= sizeof(ctx->workspace))
		return err_set("the workspace path is too long");
	strcpy(ctx->workspace, workspace);
	workspace_hash(hash, workspace);
	store_init(&ctx->store, dir, hash);
	ctx->me = *me;
	ctx->ttl_ms = ttl_ms;
	ctx->kind = "claude";
	ctx->command = NULL;
	ctx->tool = NULL;
	ctx->waiting = 0;
	ctx->block_logged = 0;
	ctx->busy_tool = NULL;
	ctx->busy_id = NULL;
	ctx->busy_background = 0;
	ctx->done_id = NULL;
	ctx->done_background = 0;
	return 0;
}

int
lock_ctx_init(struct lock_ctx *ctx, const char *dir, const char *workspace,
    const char *session_id, int64_t ttl_ms)
{
	struct holder me;
	pid_t pid;

	memset(&me, 0, sizeof(me));
	/* A key always fits (record.h); anything longer is a caller's bug. */
	if (strlen(session_id) > RECORD_SESSION_LEN)
		return err_set("the session key is longer than %d bytes", RECORD_SESSION_LEN);
	strcpy(me.session_id, session_id);
	pid = proc_owner(&me.pid_start);
	if (pid < 0)
		return -1;
	me.pid = pid;
	proc_boot_id(me.boot_id);
	proc_hostname(me.host);
	return lock_ctx_init_as(ctx, dir, workspace, &me, ttl_ms);
}

/*
 * Reads the record and decides about it. Returns the store status (or -1),
 * with out->holder and out->decision filled on STORE_FOUND and *st on
 * FOUND or CORRUPT.
 */
static int
read_decide(struct lock_ctx *ctx, struct lock_outcome *out, struct stat *st)
{
	enum proc_liveness owner = PROC_UNKNOWN;
	const struct holder *me = &ctx->me;
	struct record *r = &out->holder;
	int status;

	out->have_holder = 0;
	out->took_over_from_us = 0;
	status = store_read(&ctx->store, r, st);
	if (status != STORE_FOUND) {
		decide(&out->decision, NULL, me, PROC_UNKNOWN, 0, 0);
		return status;
	}
	out->have_holder = 1;
	if (!decide_is_ours(r, me) && decide_is_local(r, me)) {
		/* Our own hook process can never be a holder (PostgreSQL's rule). */
		owner = r->pid == getpid() ? PROC_DEAD : proc_liveness(r->pid, r->pid_start);
	}
	decide(&out->decision, r, me, owner, sys.now_wall_ms(), sys.now_boot_ms());
	out->took_over_from_us = out->decision.verdict == VERDICT_HELD &&
	    strcmp(r->previous.session_id, me->session_id) == 0;
	return status;
}

/* A corrupt record may be replaced once it is older than the TTL or the boot. */
static int
corrupt_is_old(const struct lock_ctx *ctx, const struct stat *st)
{
	int64_t now = sys.now_wall_ms();
	int64_t mtime = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
	int64_t boot_wall = now - sys.now_boot_ms();

	return now - mtime >= ctx->ttl_ms || mtime < boot_wall;
}

static int
same_identity(const struct record *r, const struct holder *me)
{
	return strcmp(r->session_id, me->session_id) == 0 && r->pid == me->pid &&
	    r->pid_start == me->pid_start && strcmp(r->boot_id, me->boot_id) == 0 &&
	    strcmp(r->host, me->host) == 0;
}

/* The boot-clock time our record's lease ends, or -1 when not comparable. */
static int64_t
lease_end_boot(const struct record *r, const struct holder *me)
{
	if (r->renewed_boot_ms < 0 || strcmp(r->boot_id, me->boot_id) != 0)
		return -1;
	return r->renewed_boot_ms + r->lease_ms;
}

/*
 * Does this call start or end the holder's busy mark? A new changing Bash
 * call marks it; the end of the marked call clears it (a call that goes on
 * in the background keeps it: it may still be writing).
 */
static int
busy_changes(const struct lock_ctx *ctx, const struct record *r)
{
	if (ctx->busy_tool != NULL)
		return strcmp(r->busy.id, ctx->busy_id != NULL ? ctx->busy_id : "") != 0 ||
		    r->busy.tool[0] == '\0';
	return ctx->done_id != NULL && r->busy.tool[0] != '\0' && !ctx->done_background &&
	    strcmp(r->busy.id, ctx->done_id) == 0;
}

/* Sets r's busy mark as this call leaves it. */
static void
busy_apply(const struct lock_ctx *ctx, struct record *r, int64_t now, int64_t now_boot)
{
	if (ctx->busy_tool != NULL) {
		snprintf(r->busy.tool, sizeof(r->busy.tool), "%s", ctx->busy_tool);
		snprintf(r->busy.id, sizeof(r->busy.id), "%s",
		    ctx->busy_id != NULL ? ctx->busy_id : "");
		r->busy.since = now;
		r->busy.since_boot_ms = ctx->me.boot_id[0] != '\0' ? now_boot : -1;
		r->busy.background = ctx->busy_background;
	} else if (busy_changes(ctx, r)) {
		memset(&r->busy, 0, sizeof(r->busy));
		r->busy.since_boot_ms = -1;
	}
}

/* Must our own record be rewritten to grant a lease of lease_ms from now? */
static int
needs_write(const struct lock_ctx *ctx, const struct record *r, int64_t lease_ms)
{
	int64_t now = sys.now_boot_ms(), end = lease_end_boot(r, &ctx->me);

	if (!same_identity(r, &ctx->me) || end < 0)
		return 1;
	if (now - r->renewed_boot_ms >= LOCK_RENEW_MIN_INTERVAL_MS)
		return 1;
	if (busy_changes(ctx, r))
		return 1;
	return now + lease_ms > end + 1000;
}

/* Fills r as a record of ours, renewed now, keeping base's history if any. */
static void
make_record(struct record *r, const struct lock_ctx *ctx, int64_t lease_ms,
    const struct record *base)
{
	int64_t now = sys.now_wall_ms(), now_boot = sys.now_boot_ms(), end;

	if (base != NULL && r != base)
		*r = *base;
	else if (base == NULL)
		memset(r, 0, sizeof(*r));
	if (base != NULL) {
		/* Never shorten a lease we granted ourselves (a long Bash call). */
		end = lease_end_boot(base, &ctx->me);
		if (end - now_boot > lease_ms)
			lease_ms = end - now_boot;
	} else {
		r->acquired_at = now;
	}
	r->schema_version = RECORD_SCHEMA_VERSION;
	strcpy(r->session_id, ctx->me.session_id);
	r->pid = ctx->me.pid;
	r->pid_start = ctx->me.pid_start;
	strcpy(r->boot_id, ctx->me.boot_id);
	strcpy(r->host, ctx->me.host);
	r->ttl_ms = ctx->ttl_ms;
	snprintf(r->workspace, sizeof(r->workspace), "%s", ctx->workspace);
	r->renewed_at = now;
	r->renewed_boot_ms = ctx->me.boot_id[0] != '\0' ? now_boot : -1;
	r->lease_ms = lease_ms;
	r->lease_until = now + lease_ms;
	if (base == NULL) {
		memset(&r->busy, 0, sizeof(r->busy));
		r->busy.since_boot_ms = -1;
	}
	busy_apply(ctx, r, now, now_boot);
	snprintf(r->kind, sizeof(r->kind), "%s", ctx->kind);
	snprintf(r->command, sizeof(r->command), "%s", ctx->command != NULL ? ctx->command : "");
}

static void
log_event(struct lock_ctx *ctx, struct lock_outcome *out, const char *event,
    const char *reason)
{
	struct audit_event ev = {
		.event = event,
		.workspace = ctx->workspace,
		.session_id = ctx->me.session_id,
		.pid = ctx->me.pid,
		.tool = ctx->tool,
		.reason = reason,
		.holder = out->have_holder ? &out->holder : NULL,
		.previous = out->have_previous ? &out->previous : NULL,
		.idle_ms = out->have_previous || out->action == LOCK_BLOCKED ?
		    out->decision.idle_ms : 0,
	};

	if (audit_append(ctx->store.dir, &ev) != 0)
		snprintf(out->note, sizeof(out->note), "%s", err_last());
	sys_step("logged");
}

/* A wait polls: its first block goes to the log, not every retry. */
static void
log_block(struct lock_ctx *ctx, struct lock_outcome *out)
{
	if (ctx->block_logged)
		return;
	ctx->block_logged = 1;
	log_event(ctx, out, "block", out->decision.why);
}

/* Reports a record we cannot act on as an error; returns -1. */
static int
unusable(int status)
{
	if (status == STORE_CORRUPT)
		return err_set("%s; run 'session-lock gc' to remove it", err_last());
	return -1;
}

/*
 * May we take a free or stale lock now? Only when no one waits, or we are
 * the oldest waiter. Otherwise we are blocked by the queue (and join it
 * when we wait). Called with the mutex held.
 */
static int
queue_allows(struct lock_ctx *ctx, struct lock_outcome *out, struct queue *q)
{
	int pos;

	queue_load(q, &ctx->store);
	pos = queue_find(q, ctx->me.session_id);
	if (q->n == 0 || pos == 0)
		return 1;
	out->action = LOCK_BLOCKED;
	out->queued_ahead = pos < 0 ? (int)q->n : pos;
	if (ctx->waiting)
		queue_join(q, &ctx->store, ctx->me.session_id);
	return 0;
}

/* Taking the lock ends our wait: leave the queue (best effort). */
static void
queue_taken(struct lock_ctx *ctx, struct queue *q)
{
	if (q->n > 0)
		queue_leave(q, &ctx->store, ctx->me.session_id);
}

/* What a nested-workspace check looks at, for held_each(). */
struct nest_scan {
	struct lock_ctx *ctx;
	struct lock_outcome *out;
	int found;
};

/*
 * Is the workspace ws held by another live holder? Then fills the scan's
 * outcome with that holder. Returns 1 when its record is gone (so the
 * registry drops it), else 0.
 */
static int
nest_look(const char *ws, void *arg)
{
	struct nest_scan *n = arg;
	struct lock_outcome o;
	struct lock_ctx other;
	int status;

	if (n->found || strcmp(ws, n->ctx->workspace) == 0)
		return 0;
	if (lock_ctx_init_as(&other, n->ctx->store.dir, ws, &n->ctx->me, n->ctx->ttl_ms) != 0)
		return 0;
	memset(&o, 0, sizeof(o));
	status = read_decide(&other, &o, NULL);
	if (status == STORE_ABSENT)
		return 1;
	if (status == STORE_FOUND && o.decision.verdict == VERDICT_HELD) {
		n->found = 1;
		n->out->holder = o.holder;
		n->out->have_holder = 1;
		n->out->decision = o.decision;
		snprintf(n->out->nested_ws, sizeof(n->out->nested_ws), "%s", ws);
	}
	return 0;
}

/* Registry entries inside our workspace (its descendants) are looked at. */
static int
nest_look_inside(const char *ws, void *arg)
{
	struct nest_scan *n = arg;

	if (!workspace_contains(n->ctx->workspace, ws))
		return 0;
	return nest_look(ws, arg);
}

/*
 * Called under the tree mutex before a new holder is written: blocks (out
 * BLOCKED, returns 1) when another live holder has a workspace that
 * contains ours (one record per parent directory) or lies inside it (the
 * registry, loaded into h for acquire_locked() to list ours in once the
 * record is written), else returns 0.
 */
static int
nested_held(struct lock_ctx *ctx, struct lock_outcome *out, struct held *h)
{
	struct nest_scan n = { .ctx = ctx, .out = out, .found = 0 };
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", ctx->workspace);
	while (!n.found && strcmp(dir, "/") != 0 && (slash = strrchr(dir, '/')) != NULL) {
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		nest_look(dir, &n);
	}
	if (!n.found && held_load(h, ctx->store.dir) == 0)
		held_each(h, nest_look_inside, &n);
	if (n.found)
		out->action = LOCK_BLOCKED;
	return n.found;
}

/* Phase 2 of acquire: under the mutex, re-read, decide again, act. */
static int
acquire_decided(struct lock_ctx *ctx, int64_t lease_ms, struct lock_outcome *out,
    struct held *h)
{
	struct record next;
	struct queue q;
	struct stat st;
	int status = read_decide(ctx, out, &st);

	q.n = 0;
	if ((status == STORE_ABSENT || (status == STORE_CORRUPT && corrupt_is_old(ctx, &st)) ||
	    (status == STORE_FOUND && (out->decision.verdict == VERDICT_STALE_DEAD ||
	    out->decision.verdict == VERDICT_STALE_EXPIRED)))) {
		if (!queue_allows(ctx, out, &q))
			return 0;
		if (nested_held(ctx, out, h)) {
			if (ctx->waiting)
				queue_join(&q, &ctx->store, ctx->me.session_id);
			return 0;
		}
	}
	if (status == STORE_CORRUPT && corrupt_is_old(ctx, &st)) {
		memset(&next, 0, sizeof(next));
		make_record(&next, ctx, lease_ms, NULL);
		snprintf(next.previous.session_id, sizeof(next.previous.session_id), "(corrupt record)");
		snprintf(next.previous.reason, sizeof(next.previous.reason), "corrupt record");
		next.previous.at = next.acquired_at;
		if (store_write(&ctx->store, &next) != 0)
			return -1;
		queue_taken(ctx, &q);
		out->action = LOCK_TOOK_OVER;
		out->holder = next;
		out->have_holder = 1;
		return 0;
	}
	if (status < 0 || (status != STORE_ABSENT && status != STORE_FOUND))
		return status < 0 ? -1 : unusable(status);
	if (status == STORE_ABSENT) {
		make_record(&next, ctx, lease_ms, NULL);
		if (store_write(&ctx->store, &next) != 0)
			return -1;
		queue_taken(ctx, &q);
		out->action = LOCK_ACQUIRED;
		out->holder = next;
		out->have_holder = 1;
		return 0;
	}
	switch (out->decision.verdict) {
	case VERDICT_OURS:
		out->action = LOCK_RENEWED;
		if (!needs_write(ctx, &out->holder, lease_ms))
			return 0;
		make_record(&next, ctx, lease_ms, &out->holder);
		if (store_write(&ctx->store, &next) != 0)
			return -1;
		out->holder = next;
		return 0;
	case VERDICT_HELD:
		out->action = LOCK_BLOCKED;
		if (ctx->waiting) {
			queue_load(&q, &ctx->store);
			queue_join(&q, &ctx->store, ctx->me.session_id);
		}
		return 0;
	case VERDICT_STALE_DEAD:
	case VERDICT_STALE_EXPIRED:
		out->previous = out->holder;
		out->have_previous = 1;
		make_record(&next, ctx, lease_ms, NULL);
		snprintf(next.previous.session_id, sizeof(next.previous.session_id), "%s",
		    out->previous.session_id);
		next.previous.pid = out->previous.pid;
		snprintf(next.previous.host, sizeof(next.previous.host), "%s", out->previous.host);
		snprintf(next.previous.reason, sizeof(next.previous.reason), "%s",
		    out->decision.verdict == VERDICT_STALE_DEAD ? "dead" : "lease ended");
		next.previous.idle_ms = out->decision.idle_ms;
		next.previous.at = next.acquired_at;
		if (store_write(&ctx->store, &next) != 0)
			return -1;
		queue_taken(ctx, &q);
		out->action = LOCK_TOOK_OVER;
		out->holder = next;
		return 0;
	case VERDICT_FREE:
		break;
	}
	return err_set("cannot decide about '%s'", ctx->store.record_path);
}

/*
 * acquire_decided(), then a new holder's workspace is listed in the held
 * registry (after its record: a failure there loses no lock, see held.h).
 */
static int
acquire_locked(struct lock_ctx *ctx, int64_t lease_ms, struct lock_outcome *out)
{
	struct held h = { NULL, 0, 0 };
	int rc = acquire_decided(ctx, lease_ms, out, &h);

	if (rc == 0 && h.text != NULL &&
	    (out->action == LOCK_ACQUIRED || out->action == LOCK_TOOK_OVER)) {
		held_add(&h, ctx->workspace);
		held_save(&h, ctx->store.dir);	/* best effort */
	}
	held_free(&h);
	return rc;
}

int
lock_acquire(struct lock_ctx *ctx, int64_t lease_ms, struct lock_outcome *out)
{
	struct store tree;
	struct stat st;
	int status, rc;

	memset(out, 0, sizeof(*out));
	if (lease_ms < ctx->ttl_ms)
		lease_ms = ctx->ttl_ms;
	status = read_decide(ctx, out, &st);
	if (status < 0 || status == STORE_UNSAFE || status == STORE_NEWER)
		return -1;
	if (status == STORE_CORRUPT && !corrupt_is_old(ctx, &st))
		return unusable(status);
	if (status == STORE_FOUND && out->decision.verdict == VERDICT_HELD && !ctx->waiting) {
		out->action = LOCK_BLOCKED;
		log_block(ctx, out);
		return 0;
	}
	if (status == STORE_FOUND && out->decision.verdict == VERDICT_OURS &&
	    !needs_write(ctx, &out->holder, lease_ms)) {
		out->action = LOCK_RENEWED;
		return 0;
	}
	sys_step("decided");

	/* Tree, then workspace: every acquisition takes both in this order. */
	store_init(&tree, ctx->store.dir, HELD_TREE);
	rc = store_lock(&tree, LOCK_MUTEX_TIMEOUT_MS);
	if (rc == 0) {
		rc = store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS);
		if (rc != 0)
			store_unlock(&tree);
	}
	if (rc == STORE_LOCK_BUSY) {
		out->action = out->have_holder && out->decision.verdict == VERDICT_HELD ?
		    LOCK_BLOCKED : LOCK_BUSY;
		if (out->action == LOCK_BLOCKED)
			log_block(ctx, out);
		return 0;
	}
	if (rc != 0)
		return -1;
	rc = acquire_locked(ctx, lease_ms, out);
	store_unlock(&ctx->store);
	store_unlock(&tree);
	if (rc != 0)
		return -1;
	if (out->action == LOCK_ACQUIRED)
		log_event(ctx, out, "acquire", NULL);
	else if (out->action == LOCK_TOOK_OVER)
		log_event(ctx, out, "takeover", out->holder.previous.reason);
	else if (out->action == LOCK_BLOCKED)
		log_block(ctx, out);
	return 0;
}

int
lock_acquire_wait(struct lock_ctx *ctx, int64_t lease_ms, int64_t wait_ms,
    struct lock_outcome *out)
{
	int64_t deadline = sys.now_boot_ms() + sys_deadline_clamp(wait_ms), pause = 50, left;
	unsigned seed = (unsigned)getpid();

	ctx->waiting = wait_ms > 0;
	for (;;) {
		if (lock_acquire(ctx, lease_ms, out) != 0)
			return -1;
		left = deadline - sys.now_boot_ms();
		if (out->action != LOCK_BLOCKED && out->action != LOCK_BUSY)
			return 0;
		if (left <= 0) {
			if (ctx->waiting)
				lock_queue_leave(ctx);
			return 0;
		}
		/* 0.75x to 1.25x of the pause, so waiters do not wake in step. */
		pause = pause * (75 + (int64_t)(rand_r(&seed) % 51)) / 100;
		if (pause < 20)
			pause = 20;
		sys.sleep_ms(pause < left ? pause : left);
		pause = pause * 2 > 1000 ? 1000 : pause * 2;
	}
}

int
lock_waiters_notice(struct lock_ctx *ctx, struct queue_entry *out, size_t max)
{
	struct queue q;
	size_t i, n = 0;

	/* Without the mutex first: the queue is replaced whole, and usually absent. */
	queue_load(&q, &ctx->store);
	for (i = 0; i < q.n; i++)
		if (!q.e[i].told && strcmp(q.e[i].session_id, ctx->me.session_id) != 0)
			break;
	if (i == q.n)
		return 0;
	if (store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS) != 0)
		return -1;
	queue_load(&q, &ctx->store);
	for (i = 0; i < q.n && n < max; i++) {
		if (q.e[i].told || strcmp(q.e[i].session_id, ctx->me.session_id) == 0)
			continue;
		q.e[i].told = 1;
		out[n++] = q.e[i];
	}
	if (n > 0 && queue_save(&q, &ctx->store) != 0)
		n = 0;	/* not marked: better told again later than twice now */
	store_unlock(&ctx->store);
	return (int)n;
}

int
lock_queue_leave(struct lock_ctx *ctx)
{
	struct queue q;
	int rc;

	if (store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS) != 0)
		return -1;
	queue_load(&q, &ctx->store);
	rc = queue_leave(&q, &ctx->store, ctx->me.session_id);
	store_unlock(&ctx->store);
	return rc;
}

int
lock_refresh(struct lock_ctx *ctx, struct lock_outcome *out)
{
	struct record next;
	int status, rc = 0;

	memset(out, 0, sizeof(*out));
	status = read_decide(ctx, out, NULL);
	if (status < 0 || (status != STORE_ABSENT && status != STORE_FOUND))
		return status < 0 ? -1 : unusable(status);
	if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		return 0;
	}
	if (out->decision.verdict != VERDICT_OURS) {
		out->action = LOCK_NOT_OURS;
		out->took_over_from_us = strcmp(out->holder.previous.session_id,
		    ctx->me.session_id) == 0;
		return 0;
	}
	out->action = LOCK_RENEWED;
	if (!needs_write(ctx, &out->holder, ctx->ttl_ms))
		return 0;
	sys_step("decided");

	if (store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS) != 0)
		return -1;
	status = read_decide(ctx, out, NULL);
	if (status == STORE_FOUND && out->decision.verdict == VERDICT_OURS) {
		make_record(&next, ctx, ctx->ttl_ms, &out->holder);
		rc = store_write(&ctx->store, &next);
		out->holder = next;
		out->action = LOCK_RENEWED;
	} else if (status == STORE_FOUND) {
		out->action = LOCK_NOT_OURS;
		out->took_over_from_us = strcmp(out->holder.previous.session_id,
		    ctx->me.session_id) == 0;
	} else if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
	} else {
		rc = status < 0 ? -1 : unusable(status);
	}
	store_unlock(&ctx->store);
	return rc;
}

/*
 * Removes the record under the mutex if accept() says so about the fresh
 * read. Shared by release, sweep and break.
 */
static int
remove_if(struct lock_ctx *ctx, struct lock_outcome *out,
    int (*accept)(const struct lock_ctx *, const struct lock_outcome *, int status,
	const struct stat *), const char *event, int force)
{
	struct stat st;
	int status, rc = 0;

	if (store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS) != 0)
		return -1;
	status = read_decide(ctx, out, &st);
	if (status < 0) {
		rc = -1;
	} else if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
	} else if (status == STORE_UNSAFE) {
		rc = -1;
	} else if (accept(ctx, out, status, &st) || (force && status != STORE_FOUND)) {
		rc = store_remove(&ctx->store);
		if (rc == 0) {
			out->action = LOCK_RELEASED;
			out->previous = out->holder;
			out->have_previous = out->have_holder;
			out->have_holder = 0;
		}
	} else if (status == STORE_FOUND) {
		out->action = out->decision.verdict == VERDICT_OURS ||
		    out->decision.verdict == VERDICT_HELD ||
		    out->decision.verdict == VERDICT_STALE_EXPIRED ? LOCK_LEFT : LOCK_NOT_OURS;
	} else {
		rc = unusable(status);
	}
	store_sweep_temp(&ctx->store);
	store_unlock(&ctx->store);
	if (rc == 0 && out->action == LOCK_RELEASED && event != NULL)
		log_event(ctx, out, event, !out->have_previous ? "corrupt record" :
		    out->decision.verdict == VERDICT_OURS ? NULL : out->decision.why);
	return rc;
}

static int
accept_ours(const struct lock_ctx *ctx, const struct lock_outcome *out, int status,
    const struct stat *st)
{
	(void)ctx;
	(void)st;
	return status == STORE_FOUND && out->decision.verdict == VERDICT_OURS;
}

static int
accept_dead(const struct lock_ctx *ctx, const struct lock_outcome *out, int status,
    const struct stat *st)
{
	if (status == STORE_CORRUPT)
		return corrupt_is_old(ctx, st);
	return status == STORE_FOUND && out->decision.verdict == VERDICT_STALE_DEAD;
}

static int
accept_stale(const struct lock_ctx *ctx, const struct lock_outcome *out, int status,
    const struct stat *st)
{
	(void)ctx;
	(void)st;
	return status == STORE_CORRUPT || (status == STORE_FOUND &&
	    (out->decision.verdict == VERDICT_STALE_DEAD ||
	    out->decision.verdict == VERDICT_STALE_EXPIRED ||
	    out->decision.verdict == VERDICT_OURS));
}

static int
accept_any(const struct lock_ctx *ctx, const struct lock_outcome *out, int status,
    const struct stat *st)
{
	(void)ctx;
	(void)out;
	(void)st;
	return status == STORE_FOUND || status == STORE_CORRUPT || status == STORE_NEWER;
}

int
lock_release(struct lock_ctx *ctx, struct lock_outcome *out)
{
	int status;

	memset(out, 0, sizeof(*out));
	status = read_decide(ctx, out, NULL);
	if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		return 0;
	}
	if (status == STORE_FOUND && out->decision.verdict != VERDICT_OURS) {
		out->action = LOCK_NOT_OURS;
		return 0;
	}
	if (status != STORE_FOUND)
		return status < 0 ? -1 : unusable(status);
	sys_step("decided");
	if (remove_if(ctx, out, accept_ours, "release", 0) != 0)
		return -1;
	if (out->action == LOCK_LEFT)
		out->action = LOCK_NOT_OURS;
	return 0;
}

int
lock_sweep(struct lock_ctx *ctx, struct lock_outcome *out)
{
	struct stat st;
	int status;

	memset(out, 0, sizeof(*out));
	status = read_decide(ctx, out, &st);
	if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		return 0;
	}
	if (status < 0 || status == STORE_UNSAFE || status == STORE_NEWER)
		return -1;
	if (!accept_dead(ctx, out, status, &st)) {
		if (status == STORE_CORRUPT)
			return unusable(status);
		out->action = LOCK_LEFT;
		return 0;
	}
	sys_step("decided");
	return remove_if(ctx, out, accept_dead, "clear", 0);
}

int
lock_break(struct lock_ctx *ctx, int force, struct lock_outcome *out)
{
	memset(out, 0, sizeof(*out));
	return remove_if(ctx, out, force ? accept_any : accept_stale,
	    force ? "force-release" : "release", force);
}

int
lock_inspect(struct lock_ctx *ctx, struct lock_outcome *out)
{
	int status;

	memset(out, 0, sizeof(*out));
	status = read_decide(ctx, out, NULL);
	if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		return 0;
	}
	if (status != STORE_FOUND)
		return -1;
	out->action = out->decision.verdict == VERDICT_HELD ? LOCK_BLOCKED : LOCK_LEFT;
	return 0;
}
