/*
 * config.h - settings of the lock, from files and the environment.
 *
 * Sources, each overriding the one before it key by key:
 *   1. built-in defaults
 *   2. ~/.claude/session-lock.json            (the user's)
 *   3. <workspace>/.claude/session-lock.json  (the project's)
 *   4. environment: SESSION_LOCK_DISABLE, SESSION_LOCK_TTL_MS,
 *      SESSION_LOCK_WAIT_MS, SESSION_LOCK_SCOPE, SESSION_LOCK_RELEASE_ON,
 *      SESSION_LOCK_TOOLS
 *
 * A bad source is ignored whole, and every other source still applies: a
 * file that cannot be read, does not parse, or has an unknown key or a bad
 * value changes nothing (it is applied to a scratch copy first), and a bad
 * variable is skipped. A typo must never switch the lock off; the caller
 * tells the user (SessionStart, `session-lock doctor`).
 *
 * Keys of the JSON files (all optional; unknown keys are errors, so that a
 * typo does not silently do nothing):
 *   "disable":        true turns every hook into a no-op
 *   "ttl_ms":         lease length after each renewal (default 300000)
 *   "wait_ms":        how long a blocked PreToolUse waits for the lock
 *                     before blocking (default 0: block at once; at most
 *                     8000, under the registered 10 s hook timeout);
 *                     waiters are served first come, first served (queue.h)
 *   "scope":          "workspace" (default: a session that changes files
 *                     holds the whole workspace) or "paths" (a Write, Edit,
 *                     ... claims only the file it changes; a changing Bash
 *                     command still needs the whole workspace; claim.h).
 *                     A bad value is a bad source: the stricter default
 *                     applies
 *   "release_on":     "stop" (end of each turn and of the session, default)
 *                     or "session_end" (only when the session ends)
 *   "tools":          tool names that need the lock (default Write, Edit,
 *                     MultiEdit, NotebookEdit, Bash)
 *   "readonly_commands", "mutating_commands": extra PCRE2 patterns for the
 *                     Bash classifier (classify.h)
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_TTL_DEFAULT_MS 300000
/*
 * A hook killed at its timeout lets the tool run (PROTOCOL.md section 4), so
 * a wait must end well before the PreToolUse timeout the installer registers
 * (10 s): waits are capped at 8 s.
 */
#define CONFIG_WAIT_MAX_MS 8000
#define CONFIG_MAX_TOOLS 32
#define CONFIG_MAX_PATTERNS 64

struct config {
	int disabled;
	int64_t ttl_ms;
	int64_t wait_ms;
	int scope_paths;		/* "scope": "paths" */
	int release_on_stop;		/* 0: only at SessionEnd */
	char *tools[CONFIG_MAX_TOOLS];
	size_t ntools;
	char *readonly[CONFIG_MAX_PATTERNS];
	size_t nreadonly;
	char *mutating[CONFIG_MAX_PATTERNS];
	size_t nmutating;
};

/* Fills c with the built-in defaults. Returns 0, or -1 when out of memory. */
int config_defaults(struct config *c);

/*
 * Loads all sources into c (which must hold the defaults or an earlier
 * load). workspace may be NULL (then the project file is skipped). Returns
 * 0, or -1 with err_set() naming each bad source and its problem, joined by
 * "; " ("'/h/.claude/session-lock.json': not valid JSON (at byte 12)"); c
 * then holds the defaults and every good source.
 */
int config_load(struct config *c, const char *home, const char *workspace);

/*
 * Applies one JSON file, all or nothing; absent is fine. Returns 0, or -1
 * with err_set() and c unchanged. Exposed for tests and doctor.
 */
int config_load_file(struct config *c, const char *path);

/*
 * Applies the environment variables, each on its own. Returns 0, or -1 with
 * err_set() naming the bad ones (which were skipped; the others applied).
 */
int config_load_env(struct config *c);

/* True when tool is in c->tools. */
int config_tool_needs_lock(const struct config *c, const char *tool);

/* Frees what c owns. */
void config_free(struct config *c);

#endif
