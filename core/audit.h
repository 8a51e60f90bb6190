/*
 * audit.h - the audit log: one JSON line per change of who holds a lock.
 *
 * $HOME/.claude/runtime/session-lock.log gets a line for each acquire,
 * takeover (with the previous holder and the reason), release, forced
 * release and block; renewals are not logged. Each line is written with a
 * single write() on an O_APPEND descriptor, so lines of concurrent writers
 * never interleave. Past AUDIT_MAX_BYTES the log is renamed to
 * session-lock.log.1 (one old file is kept), under an flock of the log so
 * that two writers cannot rotate twice.
 *
 * Logging never decides anything, and never delays a decision: the log is
 * opened non-blocking and must be a regular file of ours (a FIFO or a
 * directory at its name is refused); its flock is tried for at most
 * AUDIT_LOCK_WAIT_MS (and not past the process's deadline, sys.h), after
 * which the line is appended without rotating. A hook whose log write
 * fails still does what it decided (the caller may mention the failure on
 * stderr).
 */
#ifndef SL_AUDIT_H
#define SL_AUDIT_H

#include <stdint.h>

#include "record.h"

#define AUDIT_MAX_BYTES (1024 * 1024)
#define AUDIT_LOCK_WAIT_MS 100

struct audit_event {
	const char *event;	/* acquire, takeover, release, force-release, block, expire */
	const char *workspace;
	const struct record *holder;	/* the holder after the event, or the blocker */
	const struct record *previous;	/* takeover/release: the holder before */
	const char *session_id;	/* the session that acted */
	int64_t pid;		/* its process */
	const char *reason;	/* takeover: why; block: the verdict */
	const char *tool;	/* the tool being called, when any */
	int64_t idle_ms;	/* previous holder's idle time, when known */
};

/* Appends one line to the log in dir. Returns 0, or -1 with err_set(). */
int audit_append(const char *dir, const struct audit_event *ev);

/* The log's path in dir, into out. */
void audit_path(char *out, size_t size, const char *dir);

#endif
