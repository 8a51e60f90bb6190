/*
 * workspace.h - which directory a session works in, and its lock's name.
 *
 * The workspace is the directory whose files one session at a time may
 * change. For a hook it is the realpath of CLAUDE_PROJECT_DIR (the launch
 * directory, fixed for the session) when set, else of the input's `cwd`,
 * else of the process's own working directory. `cwd` alone is never used
 * when CLAUDE_PROJECT_DIR is set: it follows the Bash tool's `cd`.
 *
 * The workspace hash is the first 12 lower-case hex digits of the MD5 of
 * the resolved path's bytes; it names the lock record
 * session-lock-<hash>.json. MD5 is an identifier here, not a defence.
 */
#ifndef SL_WORKSPACE_H
#define SL_WORKSPACE_H

#include <limits.h>
#include <stddef.h>

#define WORKSPACE_HASH_LEN 12

/*
 * Resolves the workspace into out (PATH_MAX bytes). project_dir and cwd may
 * be NULL or empty. Returns 0, or -1 with err_set() naming the path that
 * could not be resolved.
 */
int workspace_resolve(char out[PATH_MAX], const char *project_dir, const char *cwd);

/* Writes the 12-digit hash of path and a terminating NUL into out. Cannot fail. */
void workspace_hash(char out[WORKSPACE_HASH_LEN + 1], const char *path);

/*
 * Resolves a path that may not exist yet (the target of a Write): the
 * longest existing ancestor is resolved with realpath(), the rest is
 * appended with "." and ".." folded lexically. A dangling symbolic link as
 * the last component is followed first: a write through it creates the file
 * at its destination. path must be absolute, or is taken relative to base.
 * Returns 0, or -1 with err_set().
 */
int workspace_resolve_target(char out[PATH_MAX], const char *path, const char *base);

/* True when path is dir itself or lies below it (both resolved). */
int workspace_contains(const char *dir, const char *path);

#endif
