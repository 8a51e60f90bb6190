/*
 * queue.h - first come, first served among sessions waiting for a lock.
 *
 * When waiting is configured (config.h "wait_ms"), a blocked PreToolUse
 * waits for the lock instead of blocking at once. Without order, a waiter
 * that polls at an unlucky moment could lose to newcomers forever. So
 * waiters take a place in session-lock-<hash>.queue, and a free or stale
 * lock goes to the oldest live waiter: everyone else, newcomers included,
 * is told to wait (lock.c).
 *
 * The queue is one line per waiter, "<ticket> <pid> <start> <session key>
 * <since> <told>", oldest first. The session key (record.h) is what records
 * hold, at most RECORD_SESSION_LEN bytes, so a long id waits as itself; a
 * key with white space cannot be written so, and that session does not
 * queue (it still blocks and retries, without a place in the order). The
 * PID is the waiting process itself (a hook, or `session-lock wait`; not the
 * Claude Code process), so a waiter killed at its hook timeout, or by the
 * Bash tool's, leaves an entry that the next reader drops. <since> is when
 * it joined (epoch ms); <told> is 1 once the holder has been told that it
 * waits (lock_waiters_notice), so it is told once per waiter. Older writers
 * wrote only the first four fields; the others then read as 0. The file is
 * replaced (temp + rename) only with the workspace mutex held, so a reader
 * without the mutex sees a whole one.
 */
#ifndef SL_QUEUE_H
#define SL_QUEUE_H

#include <stddef.h>

#include "record.h"
#include "store.h"

#define QUEUE_MAX_WAITERS 64

struct queue {
	size_t n;
	struct queue_entry {
		unsigned long ticket;
		int pid;
		unsigned long long start;
		char session_id[RECORD_SESSION_LEN + 1];
		long long since;	/* joined, epoch ms (0: unknown) */
		int told;		/* the holder was told */
	} e[QUEUE_MAX_WAITERS];
};

/*
 * Reads the queue, dropping waiters whose process is gone. An absent or
 * unreadable queue is an empty one (the queue only orders waiters; losing
 * it loses no lock). Call with the mutex held.
 */
void queue_load(struct queue *q, const struct store *s);

/* Position of a session (its key) in q (0 = head), or -1 when it is not queued. */
int queue_find(const struct queue *q, const char *session_id);

/* Adds this process for session at the tail, unless queued. Returns 0 or -1. */
int queue_join(struct queue *q, const struct store *s, const char *session_id);

/* Removes session's entries and writes the queue back. Returns 0 or -1. */
int queue_leave(struct queue *q, const struct store *s, const char *session_id);

/* Writes q back as it is (after marking entries told). Returns 0 or -1. */
int queue_save(const struct queue *q, const struct store *s);

#endif
