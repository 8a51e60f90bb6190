/*
 * store.h - lock records on disk: the runtime directory, the per-workspace
 * mutex, and reading and replacing records without ever exposing a torn one.
 *
 * Files, in $HOME/.claude/runtime (the runtime directory):
 *
 *   session-lock-<hash>.json            the lock record (record.h)
 *   session-lock-<hash>.mutex           an empty file, only ever flock()ed;
 *                                       never removed while in use
 *   session-lock-<hash>.json.tmp        a record being written (writers
 *                                       are serialised by the mutex)
 *   session-lock.log                    the audit log (audit.h)
 *
 * Guarantees:
 * - The runtime directory is trusted before anything in it is used: it must
 *   be a real directory (not a symlink), owned by us, with no permissions
 *   for group or others. It is created 0700 (and ~/.claude with it).
 * - Every change to a record happens with the workspace's mutex held
 *   (store_lock), so read-decide-write sequences of concurrent hooks are
 *   serialised. The mutex is a kernel flock: it dies with its holder, so it
 *   cannot go stale, whatever kills the process.
 * - Records are replaced by writing a temporary file in the same directory
 *   and rename()ing it over the record: a reader that takes no mutex sees
 *   the old record or the new one, never a mix. Nothing is fsync()ed: a
 *   record is meaningless after a reboot (its boot id no longer matches),
 *   and a reader treats an empty or torn file left by a power cut as
 *   corrupt, which is replaced once it predates the boot or the TTL.
 * - Records are opened with O_NOFOLLOW|O_NONBLOCK and must be regular files
 *   owned by us of at most RECORD_MAX_BYTES: a symlink, directory, FIFO or
 *   device at the record's name is reported, never followed, never read.
 *   The mutex file is opened the same way and must be a regular file of
 *   ours; waiting for it is bounded (store_lock).
 *
 * Error handling: functions return 0 (or a non-negative status) on success
 * and -1 with err_set() on failure; a failed write leaves the previous
 * record untouched and removes its temporary file.
 */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>

#include "record.h"
#include "workspace.h"

struct store {
	char dir[PATH_MAX];		/* the runtime directory */
	char hash[WORKSPACE_HASH_LEN + 1];
	char record_path[PATH_MAX];
	char mutex_path[PATH_MAX];
	char temp_path[PATH_MAX];
	int mutex_fd;			/* -1 when not locked */
};

enum store_read_status {
	STORE_ABSENT,		/* no record: the workspace is free */
	STORE_FOUND,		/* *out holds the record */
	STORE_CORRUPT,		/* unparseable; err_last() says why */
	STORE_NEWER,		/* written by a newer schema: do not replace */
	STORE_UNSAFE,		/* not a regular file of ours; never touch it */
};

/*
 * Finds (creating it when absent) and checks the runtime directory under
 * home. Returns 0, or -1 with err_set() saying what is wrong and how to fix
 * it ("... has mode 0777; run 'chmod 700 ...'").
 */
int store_dir_open(char dir[PATH_MAX], const char *home);

/* Like store_dir_open() but never creates anything (for read-only tools). */
int store_dir_check(char dir[PATH_MAX], const char *home);

/* Points s at the records of the workspace with the given hash in dir. */
void store_init(struct store *s, const char *dir, const char *hash);

/*
 * Takes the workspace's mutex, waiting at most timeout_ms (clamped to the
 * process's deadline, sys.h: a hung holder must not hang every hook).
 * Returns 0; STORE_LOCK_BUSY when another process held it for the whole
 * wait (err_set() says so: it is changing the lock right now, which is not
 * an error of ours); or -1 with err_set().
 */
#define STORE_LOCK_BUSY 1
int store_lock(struct store *s, int64_t timeout_ms);

/* Releases the mutex, if held. Cannot fail. */
void store_unlock(struct store *s);

/*
 * Reads the record (of a schema-2 record, its first holder). Returns an enum store_read_status; STORE_CORRUPT,
 * STORE_NEWER and STORE_UNSAFE leave a message in err_last(). When st is
 * not NULL it receives the file's status (for its mtime) on FOUND and
 * CORRUPT. Returns -1 on an I/O error (err_set).
 */
int store_read(const struct store *s, struct record *out, struct stat *st);

/*
 * Reads the record as the set of its holders (record.h: a schema-1 record
 * is a set of one). Same return values as store_read(); out is freed and
 * refilled (empty unless FOUND).
 */
int store_read_set(const struct store *s, struct record_set *out, struct stat *st);
int store_read_path_set(const char *path, struct record_set *out, struct stat *st);

/*
 * store_read_set(), but when the record is a schema-2 set that lists the
 * session key, only that holder is parsed (*partial = 1: out holds just it,
 * and nothing about the others). For the re-entrant path, whose answer
 * depends on our own holder alone; anything else needs the whole set.
 */
int store_read_set_self(const struct store *s, struct record_set *out, struct stat *st,
    const char *key, int *partial);

/*
 * Reads a record file by path, with the same checks (for tools that list
 * every record). Same return values as store_read().
 */
int store_read_path(const char *path, struct record *out, struct stat *st);

/*
 * Replaces the record with r: temp file, write, rename. Returns 0, or -1
 * with err_set(); on failure the previous record is untouched and the
 * temporary file removed.
 */
int store_write(const struct store *s, const struct record *r);

/* Replaces the record with the set (record_set_format), as store_write(). */
int store_write_set(const struct store *s, const struct record_set *set);

/*
 * Replaces the small file path with len bytes of buf through the temporary
 * name tmp (created O_EXCL|O_NOFOLLOW, 0600, then renamed over path), for
 * the files beside the records (the waiters' queue, the held registry).
 * Call with the mutex that guards that file held. Returns 0, or -1 with
 * err_set(); on failure path is untouched and tmp removed.
 */
int store_replace_file(const char *path, const char *tmp, const char *buf, size_t len);

/* Removes the record. Returns 0 (also when it was already gone) or -1. */
int store_remove(const struct store *s);

/*
 * Removes this workspace's temporary file left by a writer that was killed
 * mid-write. Call with the mutex held (a live writer holds it). Never scans
 * the directory. Returns 1 when a file was removed, else 0.
 */
int store_sweep_temp(const struct store *s);

#endif
