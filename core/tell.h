/*
 * tell.h - what the lock says to the model and the user, as pure functions.
 *
 * A blocked model reads one paragraph and must be able to act on it alone:
 * who holds the workspace and what it is doing, why this call needs the
 * lock, and the one thing to do next (run `session-lock wait`, which queues
 * this session and takes the lock for it in its turn). Nothing here does
 * I/O or reads a clock: the caller passes the record, the decision and the
 * time, so every sentence can be tested (tests/unit/test_tell.c).
 *
 * Advice is only what can work: never "release it" (a live holder's lock
 * cannot be released by another session, and a dead one's is taken over by
 * the hook itself).
 */
#ifndef SL_TELL_H
#define SL_TELL_H

#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "record.h"

/* How long `session-lock wait` waits by default inside a session: under the Bash tool's 120 s. */
#define TELL_WAIT_DEFAULT_S 110

/* The call that was blocked. */
struct tell_call {
	const char *tool;	/* "Write", "Bash", ...; NULL: unknown */
	const char *target;	/* Write/Edit/NotebookEdit: the resolved target */
	const char *why;	/* Bash: the classifier's reason ("redirection to a file") */
	const char *lock_cmd;	/* absolute path of the session-lock program */
	int skill;		/* a skill's or slash command's shell command */
	/*
	 * What to wait for: the caller's own workspace (NULL: the one held),
	 * and no_take when the lock waited for is not one this session should
	 * take (a target in another, unrelated workspace).
	 */
	const char *wait_ws;
	int no_take;
	/*
	 * The "paths" scope (claim.h): what the call needs is a claim on target,
	 * or the whole workspace (target NULL); claims are the blocker's claims
	 * in the way ("p1, p2"), NULL or "" when it has the whole workspace.
	 */
	int paths;
	const char *claims;
};

/*
 * A wait refused because it would close a cycle (claim.h): who waits for
 * whom, from the session in our way to the one that waits for us.
 */
struct tell_cycle {
	size_t n;
	const char *const *sessions;	/* n session keys */
	const pid_t *pids;
	const char *mine;	/* our claims the last one waits for ("p1, p2") */
};

/*
 * "session 3f2a9c1e (pid 48213, running a Bash command for 7 s, holding the
 * lock since 14:03:12)", or "(pid 48213, idle 42 s, holding ...)", or for
 * `session-lock run`: "'session-lock run' of 'make deploy' (pid 9, running
 * for 12 s)". ", on host H" follows the pid for a holder on another host.
 * now_* are the current wall clock and CLOCK_BOOTTIME in ms.
 */
void tell_holder(char *buf, size_t size, const struct record *h, const struct decision *d,
    const struct holder *me, int64_t now_wall, int64_t now_boot);

/*
 * The block reason for a call blocked by the holder h of workspace ws.
 * took_over_from_us adds when and why h took this session's lock.
 */
void tell_block(char *buf, size_t size, const struct tell_call *c, const char *ws,
    const struct record *h, const struct decision *d, const struct holder *me,
    int took_over_from_us, int64_t now_wall, int64_t now_boot);

/*
 * The reason a call (or a wait) is refused at once: waiting would deadlock.
 * Names the cycle and our claims in it, and the way out: give up this
 * session's claims (`session-lock release`), then retry.
 */
void tell_refused(char *buf, size_t size, const struct tell_call *c, const char *ws,
    const struct record *h, const struct tell_cycle *cy);

/*
 * One line for a session that reads a file another session has claimed
 * (paths scope): "claude-session-lock: /w/a.c is claimed by session ...
 * (pid N): it may be changing; ...".
 */
void tell_claimed(char *buf, size_t size, const char *path, const char *claim,
    const struct record *h);

/* The block reason when the lock is free but queued sessions came first. */
void tell_queued(char *buf, size_t size, const struct tell_call *c, const char *ws,
    int queued_ahead);

/*
 * The holder's note (PostToolUse additionalContext) that a session waits:
 * "session 9b1e22aa has been waiting for this workspace since 14:05:01 ...".
 */
void tell_waiting(char *buf, size_t size, const char *ws, const char *waiter_session,
    int64_t since_wall);

/* "'/a/b c' " quoted for a POSIX shell (single quotes, ' as '\''). */
void tell_shell_quote(char *buf, size_t size, const char *s);

/* "14:03:12" in local time (the epoch ms as a number when it cannot). Returns buf. */
const char *tell_clock(char buf[32], int64_t epoch_ms);

#endif
