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
	ctx->claim = NULL;
	ctx->paths = 0;
	ctx->wait_since = 0;
	ctx->set.schema_version = 0;
	ctx->set.workspace[0] = '\0';
	ctx->set.n = 0;
	ctx->set.h = NULL;
	ctx->self = -1;
	return 0;
}

void
lock_ctx_free(struct lock_ctx *ctx)
{
	record_set_free(&ctx->set);
	ctx->self = -1;
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

/* Is the wait of holder r (its wants) still on: is the waiting process alive? */
static int
wait_alive(const struct record *r, const struct holder *me)
{
	if (r->wants.pid == 0)
		return 0;
	if (!decide_is_local(r, me))
		return 1;	/* its lease bounds it */
	if (r->wants.pid == getpid())
		return 1;
	return proc_liveness(r->wants.pid, r->wants.pid_start) != PROC_DEAD;
}

/*
 * Our holder in ctx->set: the one of our session, else one of our process
 * (the same Claude Code process after /clear has a new session id); -1.
 */
static int
find_self(const struct lock_ctx *ctx)
{
	int self = record_set_find(&ctx->set, ctx->me.session_id);
	size_t i;

	for (i = 0; i < ctx->set.n && self < 0; i++)
		if (decide_is_ours(&ctx->set.h[i], &ctx->me))
			self = (int)i;
	return self;
}

/* decide() about holder i of the set, into ctx->dec[i] and ctx->st[i]. */
static void
decide_holder(struct lock_ctx *ctx, size_t i, int64_t now_wall, int64_t now_boot)
{
	const struct holder *me = &ctx->me;
	const struct record *r = &ctx->set.h[i];
	enum proc_liveness owner = PROC_UNKNOWN;

	if (!decide_is_ours(r, me) && decide_is_local(r, me)) {
		/* Our own hook process can never be a holder (PostgreSQL's rule). */
		owner = r->pid == getpid() ? PROC_DEAD : proc_liveness(r->pid, r->pid_start);
	}
	decide(&ctx->dec[i], r, me, owner, now_wall, now_boot);
	ctx->st[i].live = ctx->dec[i].verdict == VERDICT_OURS ||
	    ctx->dec[i].verdict == VERDICT_HELD;
	ctx->st[i].waiting = ctx->st[i].live && wait_alive(r, me);
}

/* "p1, p2": those of r's claims that conflict with need (all of them for NULL). */
static void
claims_text(char *out, size_t size, const struct record *r, const struct claim_need *need)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < r->nclaims && len < size; i++) {
		if (need != NULL && !need->whole && !claim_overlaps(r->claims[i], need->path))
			continue;
		len += (size_t)snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "",
		    r->claims[i]);
	}
}

/* Holder i of ctx->set into dst, without what it owns, with the set's workspace. */
static void
copy_holder(struct record *dst, const struct lock_ctx *ctx, int i)
{
	record_bare(dst, &ctx->set.h[i]);
	if (dst->workspace[0] == '\0')
		snprintf(dst->workspace, sizeof(dst->workspace), "%s", ctx->set.workspace);
}

/* Holder pick of ctx->set, and what was decided about it, as out's holder. */
static void
name_as_holder(const struct lock_ctx *ctx, struct lock_outcome *out, int pick)
{
	copy_holder(&out->holder, ctx, pick);
	out->decision = ctx->dec[pick];
}

/* "p1, p2": those of mine's claims that waiter's wait wants ("" when mine is whole). */
static void
wanted_text(char *out, size_t size, const struct record *mine, const struct record *waiter)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; !mine->whole && i < mine->nclaims && len < size; i++) {
		struct claim_need n = { 0, mine->claims[i] };

		if (claim_wanted(waiter, &n))
			len += (size_t)snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "",
			    mine->claims[i]);
	}
}

/* A refusal's cycle and our claims its last waiter waits for, into out. */
static void
fill_cycle(struct lock_ctx *ctx, struct lock_outcome *out, const struct claim_decision *cd)
{
	const struct record *last, *mine;
	size_t i;

	out->ncycle = cd->ncycle < LOCK_CYCLE_MAX ? cd->ncycle : LOCK_CYCLE_MAX;
	for (i = 0; i < out->ncycle; i++) {
		snprintf(out->cycle[i], sizeof(out->cycle[i]), "%s",
		    ctx->set.h[cd->cycle[i]].session_id);
		out->cycle_pid[i] = ctx->set.h[cd->cycle[i]].pid;
	}
	out->mine[0] = '\0';
	if (cd->ncycle == 0 || ctx->self < 0)
		return;
	last = &ctx->set.h[cd->cycle[cd->ncycle - 1]];
	mine = &ctx->set.h[ctx->self];
	if (mine->whole)
		snprintf(out->mine, sizeof(out->mine), "the whole workspace");
	else
		wanted_text(out->mine, sizeof(out->mine), mine, last);
}

/*
 * Reads the record and decides about it for ctx's need (claim.h). Returns
 * the store status (or -1), with ctx->set, dec, st and self filled on
 * STORE_FOUND, *st on FOUND or CORRUPT, and in out: the decision about the
 * holder that matters (ours when covered; the blocker; else the first
 * stale holder in the way, which acquire takes over from) as out->holder,
 * and the claim verdict as out->claim. With partial_ok, a covered need may
 * be answered from our own holder alone (store_read_set_self: a record of
 * a thousand claims costs the re-entrant path no more than one of two);
 * ctx->set then holds only that holder.
 */
static int
read_decide_as(struct lock_ctx *ctx, struct lock_outcome *out, struct stat *st, int partial_ok)
{
	const struct holder *me = &ctx->me;
	struct claim_need need = { ctx->claim == NULL, ctx->claim };
	int64_t now_wall = sys.now_wall_ms(), now_boot = sys.now_boot_ms(), since;
	struct claim_decision cd;
	int status, pick = -1, partial = 0;
	size_t i;

	out->have_holder = 0;
	out->took_over_from_us = 0;
	out->claim = CLAIM_FREE;
	out->claims[0] = '\0';
	ctx->self = -1;
	if (partial_ok) {
		/* The re-entrant path reads our own holder only, if the answer is in it. */
		status = store_read_set_self(&ctx->store, &ctx->set, st, me->session_id, &partial);
		if (status == STORE_FOUND && partial) {
			ctx->self = 0;
			decide_holder(ctx, 0, now_wall, now_boot);
			if (claim_covers(&ctx->set.h[0], &need)) {
				out->claim = CLAIM_COVERED;
				pick = 0;
				goto picked;
			}
			ctx->self = -1;
			status = store_read_set(&ctx->store, &ctx->set, st);
		}
	} else {
		status = store_read_set(&ctx->store, &ctx->set, st);
	}
	if (status != STORE_FOUND) {
		decide(&out->decision, NULL, me, PROC_UNKNOWN, 0, 0);
		return status;
	}
	ctx->self = find_self(ctx);
	/* The re-entrant path: what we hold covers the need; no other holder is looked at. */
	if (ctx->self >= 0) {
		decide_holder(ctx, (size_t)ctx->self, now_wall, now_boot);
		if (claim_covers(&ctx->set.h[ctx->self], &need)) {
			out->claim = CLAIM_COVERED;
			pick = ctx->self;
			goto picked;
		}
	}
	for (i = 0; i < ctx->set.n; i++)
		if ((int)i != ctx->self)
			decide_holder(ctx, i, now_wall, now_boot);
	since = ctx->wait_since > 0 ? ctx->wait_since : now_wall;
	claim_decide(&cd, &ctx->set, ctx->st, ctx->self, &need, since);
	out->claim = cd.verdict;
	if (cd.verdict == CLAIM_BLOCKED || cd.verdict == CLAIM_DEADLOCK) {
		pick = cd.blocker;
		if (pick >= 0)
			claims_text(out->claims, sizeof(out->claims), &ctx->set.h[pick], &need);
		else
			out->queued_ahead = 1;
		if (cd.verdict == CLAIM_DEADLOCK)
			fill_cycle(ctx, out, &cd);
	} else {
		/* FREE: a stale holder in the way is the one taken over from. */
		for (i = 0; i < ctx->set.n && pick < 0; i++)
			if (!ctx->st[i].live && (int)i != ctx->self &&
			    claim_conflicts(&ctx->set.h[i], &need))
				pick = (int)i;
	}
picked:
	if (pick < 0) {
		decide(&out->decision, NULL, me, PROC_UNKNOWN, 0, 0);
		return status;
	}
	out->have_holder = 1;
	name_as_holder(ctx, out, pick);
	out->took_over_from_us = out->decision.verdict == VERDICT_HELD &&
	    strcmp(out->holder.previous.session_id, me->session_id) == 0;
	return status;
}

static int
read_decide(struct lock_ctx *ctx, struct lock_outcome *out, struct stat *st)
{
	return read_decide_as(ctx, out, st, 0);
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
	lock_ctx_free(&other);
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

/*
 * A renewal rewrites the others as they are, without looking up their
 * processes (that is for acquisitions and sweeps).
 */
static void
keep_others(struct lock_ctx *ctx)
{
	size_t i;

	for (i = 0; i < ctx->set.n; i++) {
		if ((int)i == ctx->self)
			continue;
		ctx->st[i].live = 1;
		ctx->st[i].waiting = ctx->set.h[i].wants.pid != 0;
	}
}

/* decide() about every holder not decided yet (read_decide stops at a covered need). */
static void
decide_all(struct lock_ctx *ctx)
{
	int64_t now_wall = sys.now_wall_ms(), now_boot = sys.now_boot_ms();
	size_t i;

	for (i = 0; i < ctx->set.n; i++)
		decide_holder(ctx, i, now_wall, now_boot);
}

/*
 * The set to write: the live holders of the one read, in their order, with
 * the waits whose process is gone forgotten and the holders left with
 * nothing dropped; at self's place (or at the end) *mine, unless NULL.
 */
static int
next_set(struct lock_ctx *ctx, struct record_set *next, const struct record *mine)
{
	struct record *r;
	size_t i;

	memset(next, 0, sizeof(*next));
	next->schema_version = RECORD_SCHEMA_VERSION;
	snprintf(next->workspace, sizeof(next->workspace), "%s", ctx->workspace);
	for (i = 0; i < ctx->set.n; i++) {
		if ((int)i == ctx->self) {
			if (mine != NULL && record_set_add(next, mine) == NULL)
				goto fail;
			continue;
		}
		if (!ctx->st[i].live)
			continue;
		r = record_set_add(next, &ctx->set.h[i]);
		if (r == NULL)
			goto fail;
		if (!ctx->st[i].waiting)
			record_wants_set(r, 0, 0, 0, 0, NULL, 0);
		if (!r->whole && r->nclaims == 0 && r->wants.pid == 0)
			record_set_remove(next, next->n - 1);
	}
	if (ctx->self < 0 && mine != NULL && record_set_add(next, mine) == NULL)
		goto fail;
	return 0;
fail:
	record_set_free(next);
	return -1;
}

/* Writes next (or removes the record when next is empty) and frees it. */
static int
write_next(struct lock_ctx *ctx, struct record_set *next)
{
	int rc = next->n == 0 ? store_remove(&ctx->store) : store_write_set(&ctx->store, next);

	record_set_free(next);
	return rc;
}

/*
 * Our holder as it will be written: renewed for lease_ms (from base, our
 * holder as read, or new), holding what it held and the need, waiting for
 * nothing. The caller frees it (record_free).
 */
static int
make_mine(struct record *mine, struct lock_ctx *ctx, int64_t lease_ms, const struct record *base)
{
	struct claim_need need = { ctx->claim == NULL, ctx->claim };
	size_t i;

	if (base != NULL) {
		if (record_copy(mine, base) != 0)
			return -1;
		make_record(mine, ctx, lease_ms, mine);
	} else {
		make_record(mine, ctx, lease_ms, NULL);	/* holding and wanting nothing yet */
	}
	record_wants_set(mine, 0, 0, 0, 0, NULL, 0);
	if (claim_covers(mine, &need))
		return 0;
	if (need.whole) {
		/* The whole workspace covers every claim. */
		mine->whole = 1;
		for (i = 0; i < mine->nclaims; i++)
			free(mine->claims[i]);
		mine->nclaims = 0;
		return 0;
	}
	/* A directory claim covers the claims below it. */
	for (i = 0; i < mine->nclaims; ) {
		if (claim_overlaps(need.path, mine->claims[i])) {
			free(mine->claims[i]);
			mine->claims[i] = mine->claims[--mine->nclaims];
		} else {
			i++;
		}
	}
	if (record_claim_add(mine, need.path) != 0) {
		record_free(mine);
		return -1;
	}
	return 0;
}

/*
 * A blocked caller that waits in the "paths" scope says what it waits for,
 * in its holder (a new one, holding nothing, when it has none). Written
 * only when it changes: a wait polls.
 */
static int
record_wait(struct lock_ctx *ctx)
{
	const char *path = ctx->claim;
	struct record_set next;
	struct record mine;
	uint64_t start = 0;
	int rc;

	if (ctx->self >= 0) {
		const struct record_wants *w = &ctx->set.h[ctx->self].wants;
		int same = w->pid != 0 && w->whole == (ctx->claim == NULL) &&
		    (ctx->claim == NULL || (w->npaths == 1 && strcmp(w->paths[0], path) == 0));

		if (same && w->pid == getpid())
			return 0;
		/* A wait run again for the same thing keeps its place in line. */
		if (same && w->since < ctx->wait_since)
			ctx->wait_since = w->since;
		if (record_copy(&mine, &ctx->set.h[ctx->self]) != 0)
			return -1;
	} else {
		make_record(&mine, ctx, ctx->ttl_ms, NULL);	/* holding nothing */
	}
	{
		struct proc_stat ps;

		if (proc_stat_read(&ps, getpid()) == 0)
			start = ps.start;
	}
	rc = record_wants_set(&mine, getpid(), start, ctx->wait_since, ctx->claim == NULL,
	    &path, ctx->claim == NULL ? 0 : 1);
	if (rc == 0)
		rc = next_set(ctx, &next, &mine);
	record_free(&mine);
	return rc == 0 ? write_next(ctx, &next) : -1;
}

/* Phase 2 of acquire: under the mutex, re-read, decide again, act. */
static int
acquire_decided(struct lock_ctx *ctx, int64_t lease_ms, struct lock_outcome *out,
    struct held *h)
{
	struct record_set next;
	struct record mine;
	struct queue q;
	struct stat st;
	int status = read_decide(ctx, out, &st), newcomer, rc;

	q.n = 0;
	if (status == STORE_CORRUPT && corrupt_is_old(ctx, &st)) {
		if ((!ctx->paths && !queue_allows(ctx, out, &q)) || nested_held(ctx, out, h)) {
			if (ctx->waiting && !ctx->paths)
				queue_join(&q, &ctx->store, ctx->me.session_id);
			return 0;
		}
		if (make_mine(&mine, ctx, lease_ms, NULL) != 0)
			return -1;
		snprintf(mine.previous.session_id, sizeof(mine.previous.session_id), "(corrupt record)");
		snprintf(mine.previous.reason, sizeof(mine.previous.reason), "corrupt record");
		mine.previous.at = mine.acquired_at;
		rc = next_set(ctx, &next, &mine);
		record_bare(&out->holder, &mine);
		record_free(&mine);
		if (rc != 0 || write_next(ctx, &next) != 0)
			return -1;
		queue_taken(ctx, &q);
		out->action = LOCK_TOOK_OVER;
		out->have_holder = 1;
		return 0;
	}
	if (status < 0 || (status != STORE_ABSENT && status != STORE_FOUND))
		return status < 0 ? -1 : unusable(status);

	switch (out->claim) {
	case CLAIM_COVERED:
		out->action = LOCK_RENEWED;
		if (!needs_write(ctx, &ctx->set.h[ctx->self], lease_ms) &&
		    ctx->set.h[ctx->self].wants.pid == 0)
			return 0;
		break;
	case CLAIM_DEADLOCK:
		out->action = LOCK_REFUSED;
		return 0;
	case CLAIM_BLOCKED:
		out->action = LOCK_BLOCKED;
		if (ctx->waiting && ctx->paths)
			return record_wait(ctx);
		if (ctx->waiting) {
			queue_load(&q, &ctx->store);
			queue_join(&q, &ctx->store, ctx->me.session_id);
		}
		return 0;
	case CLAIM_FREE:
		newcomer = ctx->self < 0;
		if ((!ctx->paths && !queue_allows(ctx, out, &q)) ||
		    (newcomer && nested_held(ctx, out, h))) {
			if (ctx->waiting && !ctx->paths && out->nested_ws[0] != '\0')
				queue_join(&q, &ctx->store, ctx->me.session_id);
			if (ctx->waiting && ctx->paths)
				return record_wait(ctx);
			return 0;
		}
		if (out->have_holder) {
			/* A stale holder was in the way: we take over from it. */
			record_bare(&out->previous, &out->holder);
			out->have_previous = 1;
		}
		out->action = out->have_previous ? LOCK_TOOK_OVER : newcomer ? LOCK_ACQUIRED :
		    LOCK_CLAIMED;
		break;
	}
	/*
	 * A renewal (read_decide() stopped at our covered need and decided no
	 * one else) rewrites the others as they are, as lock_refresh() does;
	 * anything else decides about every holder first. Either way next_set()
	 * reads ctx->st[] of every holder.
	 */
	if (status == STORE_FOUND && out->action != LOCK_RENEWED)
		decide_all(ctx);
	else if (status == STORE_FOUND)
		keep_others(ctx);
	if (make_mine(&mine, ctx, lease_ms, ctx->self >= 0 ? &ctx->set.h[ctx->self] : NULL) != 0)
		return -1;
	if (out->have_previous) {
		/* Whose part we took, so that its PostToolUse can tell it (took_over_from_us). */
		snprintf(mine.previous.session_id, sizeof(mine.previous.session_id), "%s",
		    out->previous.session_id);
		mine.previous.pid = out->previous.pid;
		snprintf(mine.previous.host, sizeof(mine.previous.host), "%s", out->previous.host);
		snprintf(mine.previous.reason, sizeof(mine.previous.reason), "%s",
		    out->decision.verdict == VERDICT_STALE_DEAD ? "dead" : "lease ended");
		mine.previous.idle_ms = out->decision.idle_ms;
		mine.previous.at = mine.renewed_at;
	}
	rc = next_set(ctx, &next, &mine);	/* ABSENT: an empty set read, so ours alone */
	record_bare(&out->holder, &mine);
	out->have_holder = 1;
	record_free(&mine);
	if (rc != 0 || write_next(ctx, &next) != 0)
		return -1;
	queue_taken(ctx, &q);
	return 0;
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
	status = read_decide_as(ctx, out, &st, 1);
	if (status < 0 || status == STORE_UNSAFE || status == STORE_NEWER)
		return -1;
	if (status == STORE_CORRUPT && !corrupt_is_old(ctx, &st))
		return unusable(status);
	if (status == STORE_FOUND && out->claim == CLAIM_DEADLOCK) {
		out->action = LOCK_REFUSED;
		log_block(ctx, out);
		return 0;
	}
	if (status == STORE_FOUND && out->claim == CLAIM_BLOCKED && !ctx->waiting) {
		out->action = LOCK_BLOCKED;
		log_block(ctx, out);
		return 0;
	}
	if (status == STORE_FOUND && out->claim == CLAIM_COVERED &&
	    !needs_write(ctx, &ctx->set.h[ctx->self], lease_ms) &&
	    ctx->set.h[ctx->self].wants.pid == 0) {
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
		log_event(ctx, out, "acquire", ctx->claim);
	else if (out->action == LOCK_CLAIMED)
		log_event(ctx, out, "claim", ctx->claim);
	else if (out->action == LOCK_TOOK_OVER)
		log_event(ctx, out, "takeover", out->holder.previous.reason);
	else if (out->action == LOCK_BLOCKED || out->action == LOCK_REFUSED)
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
	ctx->wait_since = ctx->waiting ? sys.now_wall_ms() : 0;
	for (;;) {
		if (lock_acquire(ctx, lease_ms, out) != 0)
			return -1;
		left = deadline - sys.now_boot_ms();
		if (out->action == LOCK_REFUSED && ctx->waiting)
			lock_queue_leave(ctx);	/* a wait recorded before the cycle closed */
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
	struct lock_outcome o;
	struct record_set next;
	struct record mine;
	struct queue q;
	int rc = 0;

	if (store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS) != 0)
		return -1;
	if (!ctx->paths) {
		queue_load(&q, &ctx->store);
		rc = queue_leave(&q, &ctx->store, ctx->me.session_id);
		store_unlock(&ctx->store);
		return rc;
	}
	/* The "paths" scope waits in the record: forget our wants (and us, if that was all). */
	memset(&o, 0, sizeof(o));
	if (read_decide(ctx, &o, NULL) == STORE_FOUND && ctx->self >= 0 &&
	    ctx->set.h[ctx->self].wants.pid == getpid()) {
		decide_all(ctx);
		rc = record_copy(&mine, &ctx->set.h[ctx->self]);
		if (rc == 0) {
			record_wants_set(&mine, 0, 0, 0, 0, NULL, 0);
			rc = next_set(ctx, &next, !mine.whole && mine.nclaims == 0 ? NULL : &mine);
			record_free(&mine);
		}
		if (rc == 0)
			rc = write_next(ctx, &next);
	}
	store_unlock(&ctx->store);
	return rc;
}

/*
 * Reads the record for refresh and release, which care only about our own
 * holder: no other holder's process is looked up. out->holder is ours; or,
 * when we have none, the one that took over from us, else the first.
 */
static int
read_self(struct lock_ctx *ctx, struct lock_outcome *out)
{
	int64_t now_wall = sys.now_wall_ms(), now_boot = sys.now_boot_ms();
	int status, pick;
	size_t i;

	out->have_holder = 0;
	out->took_over_from_us = 0;
	ctx->self = -1;
	status = store_read_set(&ctx->store, &ctx->set, NULL);
	if (status != STORE_FOUND) {
		decide(&out->decision, NULL, &ctx->me, PROC_UNKNOWN, 0, 0);
		return status;
	}
	ctx->self = find_self(ctx);
	pick = ctx->self;
	for (i = 0; i < ctx->set.n && pick < 0; i++)
		if (strcmp(ctx->set.h[i].previous.session_id, ctx->me.session_id) == 0) {
			pick = (int)i;
			out->took_over_from_us = 1;
		}
	if (pick < 0)
		pick = 0;
	decide_holder(ctx, (size_t)pick, now_wall, now_boot);
	out->have_holder = 1;
	name_as_holder(ctx, out, pick);
	return status;
}

/*
 * Is holder j a waiter our holder is in the way of, not told yet? Its
 * process is looked up only then (rare): a dead wait is no one to tell of.
 */
static int
untold_waiter(struct lock_ctx *ctx, size_t j)
{
	const struct record *w = &ctx->set.h[j];

	return (int)j != ctx->self && w->wants.pid != 0 && !w->wants.told &&
	    claim_wants_from(w, &ctx->set.h[ctx->self]) && wait_alive(w, &ctx->me);
}

/* Marks the untold waiters of next (laid out as ctx->set) told, into out. */
static void
tell_waiters(struct lock_ctx *ctx, struct record_set *next, struct lock_outcome *out)
{
	const struct record *mine = &ctx->set.h[ctx->self];
	size_t j;

	out->nwaiters = 0;
	for (j = 0; j < ctx->set.n && j < next->n && out->nwaiters < LOCK_CYCLE_MAX; j++) {
		if (!untold_waiter(ctx, j))
			continue;
		next->h[j].wants.told = 1;
		snprintf(out->waiter[out->nwaiters], sizeof(out->waiter[0]), "%s",
		    ctx->set.h[j].session_id);
		out->waiter_since[out->nwaiters] = ctx->set.h[j].wants.since;
		wanted_text(out->waited[out->nwaiters], sizeof(out->waited[0]), mine,
		    &ctx->set.h[j]);
		out->nwaiters++;
	}
}

int
lock_refresh(struct lock_ctx *ctx, struct lock_outcome *out)
{
	struct record_set next;
	struct record mine;
	int status, rc = 0, untold = 0;
	size_t j;

	memset(out, 0, sizeof(*out));
	status = read_self(ctx, out);
	if (status < 0 || (status != STORE_ABSENT && status != STORE_FOUND))
		return status < 0 ? -1 : unusable(status);
	if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		return 0;
	}
	if (ctx->self < 0) {
		out->action = LOCK_NOT_OURS;
		return 0;
	}
	out->action = LOCK_RENEWED;
	for (j = 0; j < ctx->set.n && !untold; j++)
		untold = untold_waiter(ctx, j);
	if (!untold && !needs_write(ctx, &ctx->set.h[ctx->self], ctx->ttl_ms))
		return 0;
	sys_step("decided");

	if (store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS) != 0)
		return -1;
	status = read_self(ctx, out);
	if (status == STORE_FOUND && ctx->self >= 0) {
		keep_others(ctx);
		rc = record_copy(&mine, &ctx->set.h[ctx->self]);
		if (rc == 0) {
			make_record(&mine, ctx, ctx->ttl_ms, &mine);
			rc = next_set(ctx, &next, &mine);
			record_bare(&out->holder, &mine);
			record_free(&mine);
		}
		if (rc == 0) {
			tell_waiters(ctx, &next, out);
			rc = write_next(ctx, &next);
			if (rc != 0)
				out->nwaiters = 0;	/* not marked: better told later than twice */
		}
		out->action = LOCK_RENEWED;
	} else if (status == STORE_FOUND) {
		out->action = LOCK_NOT_OURS;
	} else if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
	} else {
		rc = status < 0 ? -1 : unusable(status);
	}
	store_unlock(&ctx->store);
	return rc;
}

/* Which holders a removal drops (release, sweep, break). */
enum drop {
	DROP_OURS,	/* release: ours */
	DROP_DEAD,	/* sweep: those whose process is gone (and an old corrupt record) */
	DROP_STALE,	/* `release`: dead, lease ended, or ours (and any corrupt record) */
	DROP_ALL,	/* `release --force`: everything, whatever it is */
};

static int
drops(enum drop how, enum verdict v)
{
	switch (how) {
	case DROP_OURS:
		return v == VERDICT_OURS;
	case DROP_DEAD:
		return v == VERDICT_STALE_DEAD;
	case DROP_STALE:
		return v == VERDICT_STALE_DEAD || v == VERDICT_STALE_EXPIRED || v == VERDICT_OURS;
	case DROP_ALL:
		return 1;
	}
	return 0;
}

/* May the record, found corrupt (or newer), be removed whole? */
static int
drops_file(const struct lock_ctx *ctx, enum drop how, int status, const struct stat *st)
{
	if (how == DROP_ALL)
		return status == STORE_CORRUPT || status == STORE_NEWER;
	if (how == DROP_DEAD)
		return status == STORE_CORRUPT && corrupt_is_old(ctx, st);
	return how == DROP_STALE && status == STORE_CORRUPT;
}

/*
 * The holder an outcome names when nothing was dropped: another live one
 * first, else ours, else the first.
 */
static void
name_holder(struct lock_ctx *ctx, struct lock_outcome *out)
{
	int pick = -1;
	size_t i;

	for (i = 0; i < ctx->set.n && pick < 0; i++)
		if (ctx->dec[i].verdict == VERDICT_HELD)
			pick = (int)i;
	if (pick < 0)
		pick = ctx->self >= 0 ? ctx->self : 0;
	out->have_holder = ctx->set.n > 0;
	if (!out->have_holder) {
		decide(&out->decision, NULL, &ctx->me, PROC_UNKNOWN, 0, 0);
		return;
	}
	name_as_holder(ctx, out, pick);
}

/*
 * Under the mutex: reads the record again, decides about every holder, and
 * drops those `how` says (removing the record when none is left, or when it
 * is corrupt and may go). Shared by release, sweep and break.
 */
static int
remove_if(struct lock_ctx *ctx, struct lock_outcome *out, enum drop how, const char *event)
{
	struct record_set next;
	struct stat st;
	int status, rc = 0, first = -1;
	size_t i;

	if (store_lock(&ctx->store, LOCK_MUTEX_TIMEOUT_MS) != 0)
		return -1;
	status = store_read_set(&ctx->store, &ctx->set, &st);
	ctx->self = -1;
	if (status == STORE_FOUND) {
		ctx->self = find_self(ctx);
		decide_all(ctx);
		for (i = 0; i < ctx->set.n; i++) {
			if (drops(how, ctx->dec[i].verdict)) {
				if (first < 0)
					first = (int)i;
				ctx->st[i].live = 0;	/* next_set() leaves it out */
			} else {
				ctx->st[i].live = 1;
				ctx->st[i].waiting = ctx->st[i].waiting ||
				    ctx->set.h[i].wants.pid != 0;
			}
		}
	}
	if (status < 0 || status == STORE_UNSAFE) {
		rc = -1;
	} else if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		decide(&out->decision, NULL, &ctx->me, PROC_UNKNOWN, 0, 0);
	} else if (status != STORE_FOUND) {
		if (drops_file(ctx, how, status, &st)) {
			rc = store_remove(&ctx->store);
			out->action = LOCK_RELEASED;
			out->have_holder = 0;
		} else {
			rc = unusable(status);
		}
	} else if (first >= 0) {
		struct record *keep = ctx->self >= 0 && ctx->st[ctx->self].live ?
		    &ctx->set.h[ctx->self] : NULL;

		copy_holder(&out->previous, ctx, first);
		out->have_previous = 1;
		out->decision = ctx->dec[first];
		rc = next_set(ctx, &next, keep);
		if (rc == 0)
			rc = write_next(ctx, &next);
		if (rc == 0)
			out->action = LOCK_RELEASED;
		out->have_holder = 0;
	} else {
		name_holder(ctx, out);
		out->action = out->decision.verdict == VERDICT_OURS ||
		    out->decision.verdict == VERDICT_HELD ||
		    out->decision.verdict == VERDICT_STALE_EXPIRED ? LOCK_LEFT : LOCK_NOT_OURS;
	}
	store_sweep_temp(&ctx->store);
	store_unlock(&ctx->store);
	if (rc == 0 && out->action == LOCK_RELEASED && event != NULL)
		log_event(ctx, out, event, !out->have_previous ? "corrupt record" :
		    out->decision.verdict == VERDICT_OURS ? NULL : out->decision.why);
	return rc;
}

int
lock_release(struct lock_ctx *ctx, struct lock_outcome *out)
{
	int status;

	memset(out, 0, sizeof(*out));
	status = read_self(ctx, out);
	if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		return 0;
	}
	if (status == STORE_FOUND && ctx->self < 0) {
		out->action = LOCK_NOT_OURS;
		return 0;
	}
	if (status != STORE_FOUND)
		return status < 0 ? -1 : unusable(status);
	sys_step("decided");
	if (remove_if(ctx, out, DROP_OURS, "release") != 0)
		return -1;
	if (out->action == LOCK_LEFT)
		out->action = LOCK_NOT_OURS;
	return 0;
}

int
lock_sweep(struct lock_ctx *ctx, struct lock_outcome *out)
{
	struct stat st;
	int status, dead = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	status = store_read_set(&ctx->store, &ctx->set, &st);
	ctx->self = -1;
	if (status == STORE_ABSENT) {
		out->action = LOCK_ABSENT;
		decide(&out->decision, NULL, &ctx->me, PROC_UNKNOWN, 0, 0);
		return 0;
	}
	if (status < 0 || status == STORE_UNSAFE || status == STORE_NEWER)
		return -1;
	if (status == STORE_CORRUPT) {
		if (!corrupt_is_old(ctx, &st))
			return unusable(status);
	} else {
		ctx->self = find_self(ctx);
		decide_all(ctx);
		for (i = 0; i < ctx->set.n; i++)
			dead |= ctx->dec[i].verdict == VERDICT_STALE_DEAD;
		if (!dead) {
			name_holder(ctx, out);
			out->action = LOCK_LEFT;
			return 0;
		}
	}
	sys_step("decided");
	return remove_if(ctx, out, DROP_DEAD, "clear");
}

int
lock_break(struct lock_ctx *ctx, int force, struct lock_outcome *out)
{
	memset(out, 0, sizeof(*out));
	return remove_if(ctx, out, force ? DROP_ALL : DROP_STALE,
	    force ? "force-release" : "release");
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
	decide_all(ctx);
	out->action = out->decision.verdict == VERDICT_HELD ? LOCK_BLOCKED : LOCK_LEFT;
	return 0;
}
