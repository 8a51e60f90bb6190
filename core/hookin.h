/*
 * hookin.h - the JSON object Claude Code writes on a hook's stdin.
 *
 * The client writes one object, a newline, then closes the pipe. Reading is
 * bounded in size (HOOKIN_MAX_BYTES: a Write's content travels in the input,
 * so this is generous) and in time (HOOKIN_TIMEOUT_MS, or less when the
 * process's deadline comes first, sys.h: a hook started by hand on a
 * terminal, or by a client that never closes the pipe, must not hang). Parsing is strict: one object, nothing but white space after it.
 *
 * The fields the lock needs are extracted into a struct hook_input whose
 * strings point into the parsed tree; they live until hookin_free(). The
 * session id is taken whole, also past a "\u0000" escape (cJSON's strings
 * end at the first NUL: "a\u0000b" would read as "a", the session "a"), and
 * kept as its key (record_session_key): a long or NUL-holding id is a
 * session of its own, never another one's.
 */
#ifndef SL_HOOKIN_H
#define SL_HOOKIN_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

#define HOOKIN_MAX_BYTES (64 * 1024 * 1024)
#define HOOKIN_TIMEOUT_MS 5000

struct hook_input {
	void *root;			/* the cJSON tree */
	const char *session_id;		/* required: its key (record.h), never cut at a NUL */
	char session_key[RECORD_SESSION_LEN + 1];	/* what session_id points to */
	const char *event;		/* hook_event_name */
	const char *cwd;
	const char *tool_name;		/* tool events */
	const char *tool_use_id;	/* tool events: pairs a PostToolUse with its PreToolUse */
	const char *agent_id;		/* inside a subagent */
	const char *command;		/* Bash tool_input.command */
	const char *file_path;		/* Write/Edit file_path, NotebookEdit notebook_path */
	int64_t timeout_ms;		/* Bash tool_input.timeout, -1 when absent */
	int run_in_background;		/* Bash tool_input.run_in_background */
	const char *source;		/* SessionStart: startup, resume, clear, ... */
	const char *reason;		/* SessionEnd */
	int background_tasks;		/* Stop: background tasks still running */
};

/*
 * Reads fd to EOF (bounded) and parses it. Returns 0, or -1 with err_set()
 * ("stdin is empty", "stdin is not valid JSON (at byte 40)", "stdin has no
 * 'session_id'", "stdin is larger than 64 MiB", "no input on stdin within
 * 5 s"). On failure there is nothing to free.
 */
int hookin_read(struct hook_input *out, int fd);

/* Parses a buffer as hookin_read() does (for tests and fuzzing). */
int hookin_parse(struct hook_input *out, const char *buf, size_t len);

void hookin_free(struct hook_input *in);

#endif
