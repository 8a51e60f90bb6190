/*
 * held.h - the registry of workspaces that have (or had) a lock record, so
 * that acquiring a workspace can find held workspaces NESTED inside it
 * without listing the runtime directory.
 *
 * Nested workspaces are one lock: while a session holds P/sub, no other
 * session may take P (a Bash command there can change P/sub), and while a
 * session holds P, no other may take P/sub. Ancestors are found by looking
 * up one record per parent directory; descendants through this registry:
 * session-lock-tree.held in the runtime directory, one workspace path per
 * line. It is read and replaced (temp + rename) only under the tree mutex,
 * session-lock-tree.mutex, which every acquisition takes before its
 * workspace's mutex, so that "nothing nested is held" and "now it is ours"
 * happen in one critical section. An entry whose record is gone is dropped
 * by the next acquisition; a lost or corrupt registry loses no lock that
 * was taken under it (its records stay) but may miss a nested holder until
 * that holder's next acquisition lists it again.
 */
#ifndef SL_HELD_H
#define SL_HELD_H

#include <stddef.h>

/* The registry holds at most this many bytes (entries beyond are dropped, oldest first). */
#define HELD_MAX_BYTES (256 * 1024)

struct held {
	char *text;	/* the lines, each ending in '\n' */
	size_t len;
	int changed;
};

/* The tree mutex's name: store_init(&s, dir, HELD_TREE) gives its path. */
#define HELD_TREE "tree"

/*
 * Reads the registry of runtime directory dir. Absent, unsafe or corrupt is
 * empty (and will be replaced). Returns 0, or -1 (out of memory).
 */
int held_load(struct held *h, const char *dir);

/*
 * Calls each(path, arg) for every entry; an entry for which each returns
 * 1 is removed (marking the registry changed). Stops early and returns -1
 * when each returns -1.
 */
int held_each(struct held *h, int (*each)(const char *path, void *arg), void *arg);

/* Adds path unless listed. Returns 0, or -1 when out of memory. */
int held_add(struct held *h, const char *path);

/* Writes the registry back when it changed. Returns 0 or -1 with err_set(). */
int held_save(struct held *h, const char *dir);

void held_free(struct held *h);

#endif
