/*
 * report.h - what the subcommands share: finding the workspace, the
 * runtime directory, the configuration and our identity the way the hooks
 * do, and showing a lock record to people (text) and scripts (JSON).
 *
 * Nothing here exits; functions that can fail return -1 with err_set().
 */
#ifndef SL_REPORT_H
#define SL_REPORT_H

#include <cJSON.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "decide.h"
#include "inventory.h"

/*
 * Parses SECONDS ("10", "0.5") into ms: a non-negative decimal number of
 * at most a year. Returns 0, or -1 when it is not one.
 */
int report_seconds(const char *text, int64_t *ms);

/*
 * Resolves the workspace as the hooks do: path when given, else
 * $CLAUDE_PROJECT_DIR when set, else the current directory; or, inside a
 * Claude Code session (CLAUDE_CODE_SESSION_ID, as in the Bash tool, which
 * has no $CLAUDE_PROJECT_DIR and whose directory follows the model's `cd`),
 * the nearest directory above whose lock record lists that session.
 * Returns 0 or -1 with err_set().
 */
int report_workspace(char out[PATH_MAX], const char *path);

/*
 * Finds the runtime directory without creating it. *exists is 0 when it
 * does not exist yet (then nothing is locked). Returns 0, or -1 with
 * err_set() when it cannot be used (unsafe mode, owner, symlink, no HOME):
 * the message says how to fix it.
 */
int report_dir(char dir[PATH_MAX], int *exists);

/*
 * Loads the configuration of workspace (may be NULL: the user's file and
 * the environment only) over the defaults. A bad source is reported on
 * stderr as a warning and ignored, as the hooks ignore it; the rest still
 * applies. Returns 0, or -1 when out of memory.
 */
int report_config(struct config *c, const char *workspace);

/*
 * Fills me with the identity a command acts as. With as_session, inside a
 * Claude Code session (CLAUDE_CODE_SESSION_ID set) that session and its
 * process ($CLAUDE_PID), so its own lock counts as "ours"; otherwise
 * "cli:<pid>", this process, which holds nothing. Returns 0 or -1.
 */
int report_me(struct holder *me, int as_session);

/*
 * Prepares ctx to act for the Claude Code session session_id (the raw id
 * of CLAUDE_CODE_SESSION_ID, turned into its key here) in workspace ws, as
 * its hooks do: the owner is $CLAUDE_PID, else found as a hook finds it
 * (proc_owner). Creates the runtime directory when needed. Returns 0, or
 * -1 with err_set(); on 0 the caller frees ctx (lock_ctx_free).
 */
int report_session_ctx(struct lock_ctx *ctx, const char *ws, const char *session_id,
    int64_t ttl_ms);

/*
 * Resolves a PATH given on the command line (relative to the current
 * directory) as the hooks resolve a Write's target (workspace.h: it need
 * not exist yet). Returns 0, or -1 with err_set().
 */
int report_resolve_path(char out[PATH_MAX], const char *path);

/*
 * Tells on `to` why a session's claim or wait on ws did not go through, in
 * the words a blocked hook uses (tell.h): the refusal of a wait that would
 * deadlock, the holder in the way and what to run next, or the sessions
 * that came first. target is the resolved path needed (NULL: the whole
 * workspace); lock_cmd the path of this program for the advice.
 */
void report_blocked(FILE *to, const struct lock_ctx *ctx, const struct lock_outcome *o,
    const char *ws, const char *target, const char *lock_cmd);

/*
 * Makes l describe the record r as the core decided about it (a lock
 * outcome's holder or previous), finding its liveness again.
 */
void report_as_found(struct inventory_look *l, const struct record *r,
    const struct decision *d, const struct holder *me);

/*
 * printf for people: the formatted text with its control characters made
 * visible (text.h, TEXT_LINE), a final newline kept. Every line that can
 * carry a session id, a path, a host name or a command is printed so.
 */
void report_printf(FILE *to, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void report_vprintf(FILE *to, const char *fmt, va_list ap);

/*
 * Prints a JSON document (cJSON's output, or a log line) and a newline on
 * stdout, with DEL, C1 and bytes that are not UTF-8 escaped (TEXT_JSON).
 * Returns 0, or -1 when out of memory.
 */
int report_puts_json(const char *json);

/* "2.5s", "45s", "2m03s", "1h02m", "3d04h" (negative counts as 0). Returns buf. */
const char *report_duration(char *buf, size_t size, int64_t ms);

/* The first 8 characters of a session id. Returns buf. */
const char *report_short_id(char buf[16], const char *session_id);

/*
 * The verdict as people read it: "free", "ours", "held", "stale: dead
 * owner", "stale: lease ended", "corrupt", "unsafe", "newer version".
 */
const char *report_verdict(const struct inventory_look *l);

/* "alive", "dead" or "unknown" (another host, or no record). */
const char *report_alive(const struct inventory_look *l);

/*
 * One phrase naming the holder of a FOUND record: "session 3f2a9c1e (pid
 * 48213, alive, idle 12s)" or "'session-lock run' of 'make deploy' (pid 9,
 * alive, running for 12s)", with " on host H" for another host.
 */
void report_holder(char *buf, size_t size, const struct inventory_look *l);

/*
 * The JSON object of one look (the schema is in docs/cli.md). workspace
 * is the path asked about, or NULL to take the record's. NULL when out of
 * memory.
 */
cJSON *report_json(const struct inventory_look *l, const char *workspace, const char *hash);

/* The "key: value" lines of one workspace, for `status PATH`. */
void report_text(FILE *to, const struct inventory_look *l, const char *workspace);

/* The heading and one row per look, for `status --all`. */
void report_table_head(FILE *to);
void report_table_row(FILE *to, const struct inventory_look *l);

#endif
