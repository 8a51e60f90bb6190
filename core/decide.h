/*
 * decide.h - who may hold a workspace: the rules, as one pure function.
 *
 * Given the record on disk (or none), the caller's identity and the time,
 * decide() says what the caller may do. It does no I/O: the owner's
 * liveness is computed by the caller (proc_liveness) and passed in, so the
 * rules can be tested exhaustively, clocks and all.
 *
 * The rules, in order:
 *  1. No record: FREE.
 *  2. The record is ours: the same session_id (a subagent, or `--resume` in
 *     a new process), or the same owner process (same host, boot, PID and
 *     start time: `/clear` gives the process a new session_id): OURS.
 *  3. The owner is dead: on our host and boot, its PID is gone, a zombie, or
 *     another process with another start time; or the record is from an
 *     earlier boot of our host: STALE_DEAD, taken over at once.
 *  4. The lease ended: STALE_EXPIRED. Idle time is measured on
 *     CLOCK_BOOTTIME when the record is from our boot (wall-clock jumps
 *     cannot change it), else on the wall clock. A holder on another host
 *     (shared home) cannot be checked by PID: only its lease counts. A
 *     renewal stamped further in the future than its own lease (a clock
 *     ahead of ours by more than the lease) cannot be trusted either, and
 *     counts as ended.
 *  5. Otherwise: HELD by someone else; the caller must not change files.
 */
#ifndef SL_DECIDE_H
#define SL_DECIDE_H

#include <stdint.h>
#include <sys/types.h>

#include "proc.h"
#include "record.h"

/* The caller: the process whose hooks are asking. */
struct holder {
	char session_id[RECORD_SESSION_LEN + 1];
	pid_t pid;			/* the Claude Code process */
	uint64_t pid_start;
	char boot_id[PROC_BOOT_ID_LEN + 1];
	char host[PROC_HOST_LEN + 1];
};

enum verdict {
	VERDICT_FREE,
	VERDICT_OURS,
	VERDICT_HELD,
	VERDICT_STALE_DEAD,
	VERDICT_STALE_EXPIRED,
};

struct decision {
	enum verdict verdict;
	int64_t idle_ms;	/* since the holder's last renewal (>= 0) */
	int64_t lease_left_ms;	/* until its lease ends (<= 0 once ended) */
	const char *why;	/* a few words for messages and the log */
};

/*
 * Is the record's owner on our host and boot (so its PID can be checked)?
 * Unknown host or boot in an older record counts as local.
 */
int decide_is_local(const struct record *r, const struct holder *me);

/* Is the record ours by rule 2? */
int decide_is_ours(const struct record *r, const struct holder *me);

/*
 * Applies the rules. r may be NULL (no record). owner is the liveness of
 * r->pid as the caller found it (ignored when !decide_is_local: a remote
 * owner is PROC_UNKNOWN by definition). now_wall and now_boot are the
 * current wall clock and CLOCK_BOOTTIME in ms.
 */
void decide(struct decision *out, const struct record *r, const struct holder *me,
    enum proc_liveness owner, int64_t now_wall, int64_t now_boot);

/* A short name for a verdict ("free", "ours", "held", ...). */
const char *decide_verdict_name(enum verdict v);

#endif
