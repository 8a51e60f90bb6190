/*
 * record.h - the lock record: who holds a workspace, and until when.
 *
 * One JSON object per workspace, in session-lock-<hash>.json:
 *
 *   schema_version   1
 *   session_id       the holder's Claude Code session (or "run:<pid>:<n>"),
 *                    as its key (record_session_key below)
 *   pid              the holder process (the Claude Code process)
 *   acquired_at      when this holder took the lock, epoch ms
 *   ttl_ms           the configured lease length
 *     (the five above are the established format older readers expect)
 *   workspace        the resolved workspace path
 *   pid_start        the holder PID's start time (/proc/<pid>/stat field 22)
 *   boot_id          the boot the PID belongs to
 *   host             the host name the PID belongs to
 *   renewed_at       the last renewal, epoch ms
 *   renewed_boot_ms  the last renewal on CLOCK_BOOTTIME (same boot only)
 *   lease_ms         the lease length granted at the last renewal (ttl_ms,
 *                    or longer to cover a Bash call's own timeout)
 *   lease_until      renewed_at + lease_ms, for people and other hosts
 *   kind             "claude" (a session's hooks) or "run" (session-lock run)
 *   command          for kind "run": the command line being run
 *   previous         present after a takeover: the holder it replaced, as
 *                    {session_id, pid, host, reason, idle_ms, at}
 *   busy             present while the holder runs a changing Bash command:
 *                    {tool, id, since, since_boot_ms, background}, so a
 *                    blocked session can be told "running a Bash command
 *                    for 7 s" rather than "idle 7 s"
 *
 * Parsing is strict and bounded: a record that is not a JSON object, lacks
 * one of the five established fields, or has a field of the wrong type or
 * range is corrupt. A record without the newer fields (written by an older
 * version) is valid: the missing values read as unknown.
 */
#ifndef SL_RECORD_H
#define SL_RECORD_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc.h"

#define RECORD_SCHEMA_VERSION 1
#define RECORD_MAX_BYTES 65536
#define RECORD_SESSION_LEN 127
#define RECORD_COMMAND_LEN 255
#define RECORD_REASON_LEN 31
#define RECORD_TOOL_LEN 31

struct record_prev {
	char session_id[RECORD_SESSION_LEN + 1];	/* "" when there was none */
	pid_t pid;
	char host[PROC_HOST_LEN + 1];
	char reason[RECORD_REASON_LEN + 1];	/* "dead", "lease ended", ... */
	int64_t idle_ms;
	int64_t at;
};

/* What the holder is running, when it is in a long tool call (Bash). */
struct record_busy {
	char tool[RECORD_TOOL_LEN + 1];		/* "" when not busy */
	char id[RECORD_SESSION_LEN + 1];	/* the call's tool_use_id */
	int64_t since;				/* epoch ms */
	int64_t since_boot_ms;			/* CLOCK_BOOTTIME, -1: unknown */
	int background;				/* run_in_background */
};

struct record {
	int schema_version;
	char session_id[RECORD_SESSION_LEN + 1];
	pid_t pid;
	int64_t acquired_at;
	int64_t ttl_ms;
	char workspace[PATH_MAX];
	uint64_t pid_start;		/* 0: unknown */
	char boot_id[PROC_BOOT_ID_LEN + 1];	/* "": unknown */
	char host[PROC_HOST_LEN + 1];	/* "": unknown */
	int64_t renewed_at;
	int64_t renewed_boot_ms;	/* -1: unknown */
	int64_t lease_ms;
	int64_t lease_until;
	char kind[16];
	char command[RECORD_COMMAND_LEN + 1];
	struct record_prev previous;
	struct record_busy busy;
};

/*
 * Session ids are opaque strings of any length and any bytes (a JSON
 * "\u0000" escape puts a NUL inside one). They are compared and stored as
 * their key: the id itself when it fits the record's field whole (at most
 * RECORD_SESSION_LEN bytes, no NUL, not starting with "sha256:"), else
 * "sha256:" and the 64 hex digits of the SHA-256 of all its len bytes. Two
 * ids have the same key only when they are the same bytes, so a long id,
 * or one that differs from another only after a NUL, is a session of its
 * own. Every id that enters (hook input, CLAUDE_CODE_SESSION_ID) is turned
 * into its key once, where it enters; records, the queue and the audit log
 * hold keys.
 */
#define RECORD_KEY_PREFIX "sha256:"

void record_session_key(char out[RECORD_SESSION_LEN + 1], const char *id, size_t len);

/*
 * Parses len bytes (not necessarily NUL-terminated). Returns 0, or -1 with
 * err_set() describing the first problem ("not valid JSON at byte 17",
 * "'pid' must be a positive integer", "schema_version 2 is newer than this
 * program understands"). *newer is set to 1 in that last case, so callers
 * can tell a record they must not replace from one that is merely broken.
 */
int record_parse(struct record *out, const char *buf, size_t len, int *newer);

/*
 * Formats r as one JSON object followed by '\n' into a malloc()ed string.
 * Returns NULL (err_set) only when out of memory. The caller frees.
 */
char *record_format(const struct record *r);

#endif
