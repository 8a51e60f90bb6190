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
 * Schema 2 (written when a workspace is shared by path claims, config.h
 * "scope": "paths") keeps every session's part in one record:
 *
 *   {"schema_version": 2, "workspace": W, "holders": [H, ...]}
 *
 * where each H has the holder fields above (session_id through busy, but
 * not schema_version and workspace) and:
 *   whole            true: this holder has the whole workspace
 *   claims           the resolved paths it has claimed (files or directories)
 *   wants            present while it waits for more (and may close a
 *                    cycle, claim.h): {pid, pid_start, since, whole, paths},
 *                    pid being the waiting process (a hook or `session-lock
 *                    wait`), whose death ends the wait; and told: true
 *                    once a holder it waits for has been told (once)
 * A schema-1 record reads as a set of one holder with the whole workspace,
 * and a set that is just that is written as schema 1: a workspace that
 * uses no claims keeps the format older versions read.
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

#define RECORD_SCHEMA_VERSION 2		/* the newest this program reads */
#define RECORD_SCHEMA_SINGLE 1		/* one holder with the whole workspace */
/* Room for every claim of a busy workspace (a thousand paths and more). */
#define RECORD_MAX_BYTES (4 << 20)
#define RECORD_MAX_HOLDERS 64
#define RECORD_MAX_CLAIMS 16384
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

/* What a waiting holder waits for (schema 2). */
struct record_wants {
	pid_t pid;			/* the waiting process; 0: not waiting */
	uint64_t pid_start;
	int64_t since;			/* epoch ms: earlier waiters go first */
	int whole;
	size_t npaths;
	char **paths;			/* owned by the holder */
	int told;			/* a holder in its way has told its model */
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
	/*
	 * What it holds: the whole workspace (every schema-1 record), or the
	 * claims, resolved absolute paths. claims and wants.paths are malloc()ed
	 * and owned by the record: copy a record with record_copy(), free it
	 * with record_free(). A record copied with plain assignment must not
	 * outlive the one it was copied from.
	 */
	int whole;
	size_t nclaims;
	char **claims;
	struct record_wants wants;
};

/* The records of one workspace: its holders (schema 2), or one (schema 1). */
struct record_set {
	int schema_version;		/* as read */
	char workspace[PATH_MAX];
	size_t n;
	struct record *h;		/* n holders, malloc()ed */
};
#define RECORD_SET_INIT { 0, "", 0, NULL }

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
 * Parses a record of either schema into a set (out must be empty or
 * RECORD_SET_INIT; it is freed and refilled). Same errors as record_parse(),
 * plus a holder list that is not an array of valid holders, more than
 * RECORD_MAX_HOLDERS holders or RECORD_MAX_CLAIMS claims, a relative claim,
 * or one session listed twice.
 */
int record_set_parse(struct record_set *out, const char *buf, size_t len, int *newer);

/*
 * The re-entrant path's shortcut: from a schema-2 record, parses only the
 * holder of session key (found as an element of "holders", where
 * record_set_format() writes it) into out, a set of that one holder.
 * Returns 1 when it did, else 0 (not schema 2, not there, or anything
 * unusual: the caller parses the whole record, which also judges whether it
 * is corrupt). A set of one holder says nothing about the others.
 */
int record_set_parse_one(struct record_set *out, const char *buf, size_t len, const char *key);

/*
 * Formats the set: schema 1 when it is one holder of the whole workspace
 * that claims and wants nothing, else schema 2. NULL (err_set) when out of
 * memory or when the set is empty.
 */
char *record_set_format(const struct record_set *s);

/* Frees what s owns; s is then empty. */
void record_set_free(struct record_set *s);

/* Appends a copy of r to s (deep). Returns the new holder, or NULL (err_set). */
struct record *record_set_add(struct record_set *s, const struct record *r);

/* Removes holder i (freeing it), keeping the order of the others. */
void record_set_remove(struct record_set *s, size_t i);

/* The holder of s with session key id, or -1. */
int record_set_find(const struct record_set *s, const char *session_id);

/* Deep copy: dst = src. Returns 0, or -1 (err_set) when out of memory. */
int record_copy(struct record *dst, const struct record *src);

/*
 * Shallow copy without what r owns: dst gets src's fields, no claims and no
 * wants paths (for outcomes and messages that outlive the set).
 */
void record_bare(struct record *dst, const struct record *src);

/* Frees the claims and wants that r owns (r's other fields stay). */
void record_free(struct record *r);

/* Adds path to r's claims (a copy). Returns 0 or -1 (err_set). */
int record_claim_add(struct record *r, const char *path);

/* Sets r's wants (a deep copy of paths), or clears them when pid is 0. */
int record_wants_set(struct record *r, pid_t pid, uint64_t pid_start, int64_t since,
    int whole, const char *const *paths, size_t npaths);

/*
 * Formats r as one JSON object followed by '\n' into a malloc()ed string.
 * Returns NULL (err_set) only when out of memory. The caller frees.
 */
char *record_format(const struct record *r);

#endif
