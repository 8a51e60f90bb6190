/*
 * lock.h - the lock operations: acquire, refresh, release, sweep.
 *
 * Each operation reads the record, decides with decide(), and changes the
 * record only with the workspace's mutex held and after reading it again
 * under the mutex (store.h). The first read takes no mutex: when it shows
 * the lock is ours and fresh, or held by a live holder, nothing needs to be
 * written and the answer is final. Every path that writes re-reads and
 * re-decides under the mutex, so two contenders that both saw a stale lock
 * cannot both take it over: the second one finds the first one's fresh
 * record and backs off (Mercurial's re-read under its .break lock, with a
 * kernel lock in place of a lock file).
 *
 * The record is the set of the workspace's holders (record.h): one that
 * holds the whole workspace (the "workspace" scope, and changing Bash
 * commands), or several that hold path claims (the "paths" scope). Each
 * holder's liveness is decide()'s; what the live ones stand in the way of,
 * and which wait would close a cycle, is claim_decide()'s (claim.h). An
 * operation changes only the caller's holder, drops stale ones, and writes
 * the whole set back with the same atomic replace.
 *
 * Steps, for crash tests (sys_step names, in order):
 *   acquire:  decided -> mutex-locked -> record-read -> temp-created ->
 *             temp-written -> renamed -> logged
 *   refresh:  decided -> mutex-locked -> record-read -> temp-created ->
 *             temp-written -> renamed
 *   release:  decided -> mutex-locked -> record-read -> removed -> logged
 * A process killed after any step leaves either the old record or the new
 * one (rename is atomic), at most one temporary file that the next writer
 * or `session-lock gc` removes, and a free mutex (the kernel drops it).
 *
 * Error handling: an operation returns 0 with the outcome filled in, or -1
 * with err_set() when it could not tell (unsafe directory, I/O error,
 * corrupt record that is too young to replace; refresh, release and sweep
 * also when the mutex stayed busy). Callers in hooks fail open on -1: they
 * let the tool run and say why. A busy mutex is no error of ours: acquire
 * says LOCK_BUSY, and a PreToolUse blocks on it.
 */
#ifndef SL_LOCK_H
#define SL_LOCK_H

#include <limits.h>
#include <stdint.h>

#include "claim.h"
#include "config.h"
#include "decide.h"
#include "record.h"
#include "queue.h"
#include "store.h"

/*
 * How long an operation waits for the workspace mutex (held for microseconds
 * by a live writer), and never past the process's deadline (sys.h).
 */
#define LOCK_MUTEX_TIMEOUT_MS 2000
/* A lock that is ours is rewritten at most this often (unless its lease grows). */
#define LOCK_RENEW_MIN_INTERVAL_MS 2000

struct lock_ctx {
	struct store store;
	struct holder me;
	char workspace[PATH_MAX];
	int64_t ttl_ms;
	const char *kind;	/* "claude" or "run" */
	const char *command;	/* kind "run": the command line */
	const char *tool;	/* the tool being called, for the log */
	int waiting;		/* a blocked acquire joins the waiters' queue */
	int block_logged;	/* a wait logs its first block only */
	/*
	 * acquire: the call that will keep the holder busy (a changing Bash
	 * command), recorded so a blocked session can be told what the holder
	 * is doing; NULL for a quick tool (Write, Edit). refresh: done_id is
	 * the call that just ended: its busy mark is cleared (unless it runs
	 * on in the background).
	 */
	const char *busy_tool;
	const char *busy_id;
	int busy_background;
	const char *done_id;
	int done_background;
	/*
	 * What acquire needs (claim.h): the whole workspace (claim NULL, the
	 * only need in the "workspace" scope) or a claim on a resolved path.
	 * In the "paths" scope (paths set) a wait is recorded in the record as
	 * the holder's wants, rather than in the waiters' queue, so that it
	 * holds back only those who need what it waits for, and so that a wait
	 * that would close a cycle can be seen and refused.
	 */
	const char *claim;
	int paths;
	int64_t wait_since;	/* epoch ms when this wait began (0: not waiting) */
	/*
	 * The record as last read by an operation: every holder, what decide()
	 * said about each, and which are live (for people's tools and the
	 * hooks' messages). Owned; lock_ctx_free() frees it.
	 */
	struct record_set set;
	struct decision dec[RECORD_MAX_HOLDERS];
	struct claim_state st[RECORD_MAX_HOLDERS];
	int self;		/* our holder in set, or -1 */
};

/* The most holders a refusal names, and the longest list of paths a message carries. */
#define LOCK_CYCLE_MAX 4
#define LOCK_PATHS_TEXT 1024

enum lock_action {
	LOCK_ACQUIRED,		/* was free; now ours */
	LOCK_CLAIMED,		/* a holder of claims added one (claim.h) */
	LOCK_TOOK_OVER,		/* was stale; now ours (outcome.previous says whose) */
	LOCK_RENEWED,		/* was ours; renewed (or fresh enough to leave) */
	LOCK_BLOCKED,		/* held by another live holder (outcome.holder) */
	LOCK_RELEASED,		/* was ours (or stale, or forced); removed */
	LOCK_NOT_OURS,		/* refresh/release: someone else's; left alone */
	LOCK_ABSENT,		/* refresh/release: there was no lock */
	LOCK_LEFT,		/* sweep: a live holder's lock, left alone */
	LOCK_REFUSED,		/* acquire: blocked, and waiting would close a cycle
				 * (claim.h): refused at once; outcome.cycle */
	LOCK_BUSY,		/* acquire: another process kept the mutex for the
				 * whole wait, changing the lock right now; nothing
				 * was decided (err_last() says so): retry */
};

struct lock_outcome {
	enum lock_action action;
	struct decision decision;	/* about the record found */
	enum claim_verdict claim;	/* about the need (claim.h) */
	int have_holder;
	struct record holder;		/* the record after the operation, or the blocker */
	int have_previous;
	struct record previous;		/* takeover/release: the record before */
	int took_over_from_us;		/* the holder took our lock while we were away */
	int queued_ahead;		/* BLOCKED by waiters who came first (queue.h) */
	char nested_ws[PATH_MAX];	/* BLOCKED by the holder of this workspace, which
					   contains ours or lies inside it (held.h) */
	char note[256];			/* a warning worth showing (log write failed, ...) */
	/*
	 * BLOCKED or REFUSED by a holder of claims: those of its claims that
	 * are in the way, as "p1, p2" ("" when it has the whole workspace).
	 */
	char claims[LOCK_PATHS_TEXT];
	/*
	 * REFUSED: the sessions on the cycle, starting with the blocker, each
	 * waiting for the next, the last one waiting for us; and our claims
	 * that the last one waits for.
	 */
	size_t ncycle;
	char cycle[LOCK_CYCLE_MAX][RECORD_SESSION_LEN + 1];
	pid_t cycle_pid[LOCK_CYCLE_MAX];
	char mine[LOCK_PATHS_TEXT];
	/*
	 * refresh, in a shared record: the sessions that wait for what we hold
	 * and had not been told yet (now marked told, so each is told once),
	 * since when, and our claims in their way ("" for the whole workspace).
	 */
	size_t nwaiters;
	char waiter[LOCK_CYCLE_MAX][RECORD_SESSION_LEN + 1];
	int64_t waiter_since[LOCK_CYCLE_MAX];
	char waited[LOCK_CYCLE_MAX][LOCK_PATHS_TEXT / 2];
};

/*
 * Prepares ctx for the workspace (resolved) in the runtime directory dir.
 * Fills ctx->me from the session's key (record_session_key: never a raw id,
 * which may be longer or hold a NUL) and the current process: the owner PID
 * (proc_owner), its start time, the boot id and the host. Returns 0, or -1
 * with err_set() when the owner cannot be found.
 */
int lock_ctx_init(struct lock_ctx *ctx, const char *dir, const char *workspace,
    const char *session_id, int64_t ttl_ms);

/* Like lock_ctx_init(), for a caller whose identity is already known. */
int lock_ctx_init_as(struct lock_ctx *ctx, const char *dir, const char *workspace,
    const struct holder *me, int64_t ttl_ms);

/* Frees what ctx owns (the record last read). ctx may be used again. */
void lock_ctx_free(struct lock_ctx *ctx);

/*
 * Takes or renews the lock for a lease of lease_ms (>= ttl_ms: longer for a
 * Bash call with a long timeout). Outcome ACQUIRED, TOOK_OVER, RENEWED,
 * BLOCKED, or BUSY when a mutex stayed busy (BLOCKED instead when the
 * record read before showed another live holder: a conflict seen is a
 * block). Taking a lock that is not ours yet also needs every workspace
 * nested with ours (containing it or inside it) to be free of other live
 * holders, checked under the tree mutex in the same critical section
 * (held.h); else BLOCKED with nested_ws and holder naming that one. A free
 * or stale lock goes to the oldest waiter in the queue
 * first: anyone else is BLOCKED with queued_ahead set (and, when
 * ctx->waiting, joins the queue, as a caller blocked by a holder does). A corrupt record older than the TTL (by mtime) or than this boot
 * is taken over (reason "corrupt record"); a younger one is an error.
 */
int lock_acquire(struct lock_ctx *ctx, int64_t lease_ms, struct lock_outcome *out);

/*
 * lock_acquire(), waiting up to wait_ms while the lock is held by another
 * live holder or other waiters come first: the caller joins the waiters'
 * queue (queue.h), polls with jittered doubling backoff (50 ms to 1 s,
 * git's lockfile backoff), and takes the lock in the same critical section
 * that finds it free, in its turn. Gives up (leaving the queue) when
 * wait_ms runs out: the outcome is then BLOCKED. wait_ms 0 tries once.
 */
int lock_acquire_wait(struct lock_ctx *ctx, int64_t lease_ms, int64_t wait_ms,
    struct lock_outcome *out);

/*
 * A waiter that gives up leaves the waiters' queue (queue.h). Returns 0 or -1.
 */
int lock_queue_leave(struct lock_ctx *ctx);

/*
 * For the holder: the waiters queued for this workspace that it has not
 * been told about yet (at most max, into out), now marked told, so each is
 * told once. Returns how many, 0 when none (the common case costs one
 * failed open), or -1 with err_set().
 */
int lock_waiters_notice(struct lock_ctx *ctx, struct queue_entry *out, size_t max);

/*
 * Renews our lease (never shortening it). Outcome RENEWED, NOT_OURS (with
 * took_over_from_us set when the holder replaced us) or ABSENT. Never
 * creates a lock, never touches another holder's part, except to mark the
 * waits it reports in outcome.waiters as told.
 */
int lock_refresh(struct lock_ctx *ctx, struct lock_outcome *out);

/* Removes our lock. Outcome RELEASED, NOT_OURS or ABSENT. */
int lock_release(struct lock_ctx *ctx, struct lock_outcome *out);

/*
 * Removes the lock when its holder is dead, or a corrupt record old enough
 * to replace, and this workspace's leftover temporary file. Outcome
 * RELEASED (it was stale), LEFT (a live holder, or ours: see decision) or
 * ABSENT.
 */
int lock_sweep(struct lock_ctx *ctx, struct lock_outcome *out);

/*
 * For people (`session-lock release`): removes the lock if its holder is
 * dead or its lease ended, or whatever it is when force is set. Outcome
 * RELEASED, LEFT (alive, not forced) or ABSENT.
 */
int lock_break(struct lock_ctx *ctx, int force, struct lock_outcome *out);

/* Reads the record and decides, without the mutex and without writing. */
int lock_inspect(struct lock_ctx *ctx, struct lock_outcome *out);

#endif
