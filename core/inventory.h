/*
 * inventory.h - every workspace with files in the runtime directory, and a
 * read-only look at one lock record, for the command line.
 *
 * The hooks never list the runtime directory: each of them knows its
 * workspace and opens files by name. Only people's tools do, and they use
 * this module: `session-lock status --all` to show every record, `session-
 * lock gc` to find leftovers. Nothing here writes or removes a file.
 *
 * Files are recognised by their exact names (store.h, queue.h):
 *   session-lock-<hash>.json  .json.tmp  .mutex  .queue  .queue.tmp
 * with <hash> 12 lower-case hex digits; every other name is ignored.
 *
 * Error handling: functions return 0, or -1 with err_set(); nothing prints.
 */
#ifndef SL_INVENTORY_H
#define SL_INVENTORY_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "decide.h"
#include "lock.h"
#include "proc.h"
#include "record.h"
#include "workspace.h"

/* Which files of a workspace exist (struct inventory_item.files). */
#define INVENTORY_RECORD	0x01	/* session-lock-<hash>.json */
#define INVENTORY_TEMP		0x02	/* session-lock-<hash>.json.tmp */
#define INVENTORY_MUTEX		0x04	/* session-lock-<hash>.mutex */
#define INVENTORY_QUEUE		0x08	/* session-lock-<hash>.queue */
#define INVENTORY_QUEUE_TEMP	0x10	/* session-lock-<hash>.queue.tmp */

struct inventory_item {
	char hash[WORKSPACE_HASH_LEN + 1];
	unsigned files;		/* INVENTORY_* bits */
};

struct inventory {
	struct inventory_item *items;	/* sorted by hash; owned */
	size_t n;
};
#define INVENTORY_INIT { NULL, 0 }

/*
 * Lists the workspaces that have at least one file in dir, by hash. A
 * directory that does not exist gives an empty list. Returns 0, or -1 with
 * err_set() (out left empty).
 */
int inventory_scan(struct inventory *out, const char *dir);

/* Frees what inv owns; inv is then empty. */
void inventory_free(struct inventory *inv);

/* What a look found out about one holder of a record (claim.h, decide.h). */
struct inventory_holder {
	int local;			/* on our host: its PID could be checked */
	enum proc_liveness owner;	/* PROC_UNKNOWN when not local */
	struct decision decision;
	int holds;			/* the whole workspace, or at least one claim */
	int waiting;			/* it waits (wants), and the waiting process lives */
};

/* One record as found, and what the rules say about it. */
struct inventory_look {
	char path[PATH_MAX];		/* the record's file */
	int status;			/* enum store_read_status */
	char error[1024];		/* CORRUPT, NEWER, UNSAFE: why */
	/*
	 * FOUND: the holder that decides whether `me` may take the workspace:
	 * the first other live holder that holds something, else ours, else
	 * the first that holds something, else the first (a schema-1 record
	 * has only that one). Without its claims and wants (record_bare):
	 * those are in set.
	 */
	struct record rec;
	int have_mtime;
	int64_t mtime_ms;		/* FOUND, CORRUPT: the file's mtime */
	int local;			/* FOUND: rec is on our host */
	enum proc_liveness owner;	/* FOUND: PROC_UNKNOWN when not local */
	struct decision decision;	/* ABSENT (FREE) and FOUND: about rec */
	int corrupt_old;		/* CORRUPT, and as old as the core replaces */
	int nothing_held;		/* FOUND, and no holder holds anything (waits only) */
	int64_t now_wall;		/* when it was looked at */
	/*
	 * FOUND: every holder as read (set.schema_version says which schema;
	 * schema 1 is a set of one), what was found about each, and rec's
	 * index. Owned: inventory_look_free() frees it.
	 */
	struct record_set set;
	struct inventory_holder holders[RECORD_MAX_HOLDERS];
	size_t pick;
};

/*
 * Reads the record of hash in dir without the mutex and decides about
 * each holder as `me` would (decide.h), also finding whether its process
 * (and that of its wait) is alive. Never writes. out is overwritten
 * whole: free a look used before with inventory_look_free() first.
 * Returns 0 (out->status says what was found), or -1 with err_set() on an
 * I/O error; out must be freed either way.
 */
int inventory_look(struct inventory_look *out, const char *dir, const char *hash,
    const struct holder *me, int64_t ttl_ms);

/* Frees what l owns (its set of holders); rec and the rest stay readable. */
void inventory_look_free(struct inventory_look *l);

/*
 * May `me` take the lock as looked at, now? True when free, ours, stale,
 * or corrupt and old enough to be replaced. (A live holder's, a corrupt
 * record younger than the TTL, a newer version's or an unsafe file: no.)
 * Of a record of path claims: no when another live holder holds anything.
 */
int inventory_takeable(const struct inventory_look *l);

/*
 * Prepares ctx for the workspace whose files are named by hash (rather
 * than by its path, which a corrupt record does not tell): as
 * lock_ctx_init_as(), with workspace (may be NULL or "") used only for
 * the audit log. Returns 0 or -1.
 */
int inventory_ctx(struct lock_ctx *ctx, const char *dir, const char *hash,
    const char *workspace, const struct holder *me, int64_t ttl_ms);

/*
 * Fills me with this process as a holder: the key of session_id (record.h:
 * an id of any length), pid (this process unless pid > 0), its start time,
 * the boot id and the host name. Returns 0.
 */
int inventory_self(struct holder *me, const char *session_id, pid_t pid);

/* The path of a workspace's queue file (queue.h) or, with temp, its temporary file. */
void inventory_queue_path(char *out, size_t size, const char *dir, const char *hash, int temp);

#endif
