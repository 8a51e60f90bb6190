/*
 * hook.h - what each hook program does with one event, and how it answers.
 *
 * A hook program's main() is hook_run() then hook_emit(): the first reads
 * the event, decides and changes the lock; the second writes the answer in
 * the client's protocol (PROTOCOL.md section 3) and returns the exit status:
 *
 *   pass       exit 0, nothing on stdout (never "allow": that would skip
 *              the user's permission rules), at most a note on stderr
 *   block      exit 2, the reason on stderr, and on stdout one JSON object
 *              that denies with the same reason and carries a short
 *              systemMessage for the user. Measured in the real clients
 *              (2.1.330, 2.1.332; docs/e2e.md): with the JSON the model
 *              reads the reason without the hook's command path in front,
 *              and the systemMessage is the only text a user sees when the
 *              terminal folds several blocked Bash calls into "N actions not
 *              run"; exit 2 keeps the call blocked even by a client that
 *              did not understand the JSON
 *   fail open  exit 0, nothing on stdout, one line on stderr naming the
 *              problem: an internal error never stops the user's work
 *   context    exit 0, exactly one JSON object on stdout (SessionStart's
 *              additionalContext/systemMessage, PostToolUse's warning)
 *
 * Event by event:
 *   pretooluse-lock      PreToolUse: takes or renews the workspace lock for
 *                        a tool that can change files; blocks when another
 *                        live session holds it. PreSkillShellCommand (the
 *                        `!`cmd`` of a skill or slash command) is judged as
 *                        a Bash call: exit 2 with the reason stops it
 *   posttooluse-refresh  PostToolUse, PostToolUseFailure: renews our lease
 *   stop-release         Stop (unless configured to keep the lock across
 *                        turns, or background tasks still run), SessionEnd:
 *                        removes our lock; never blocks
 *   session-start        SessionStart: clears a dead holder's lock; tells the
 *                        model and the user when another session holds it
 */
#ifndef SL_HOOK_H
#define SL_HOOK_H

#include <limits.h>

enum hook_kind {
	HOOK_PRETOOLUSE,
	HOOK_POSTTOOLUSE,
	HOOK_STOP,
	HOOK_SESSIONSTART,
};

enum hook_status {
	HOOK_PASS,
	HOOK_BLOCK,
	HOOK_FAIL_OPEN,
};

/*
 * Each hook answers within one deadline (sys.h), well under the timeout it
 * is registered with (settings/hooks.json), since a hook the client kills
 * at its timeout lets the tool run: every wait (the workspace mutex, the
 * audit log, stdin, a PreToolUse's wait for the lock) ends by then, and
 * the answer is what is known at that point (a conflict seen is a block).
 * SessionEnd hooks share a budget of 1.5 s in the client.
 */
#define HOOK_DEADLINE_PRETOOLUSE_MS 8000	/* registered: 10 s */
#define HOOK_DEADLINE_POSTTOOLUSE_MS 4000	/* 5 s */
#define HOOK_DEADLINE_STOP_MS 4000		/* 5 s */
#define HOOK_DEADLINE_SESSIONEND_MS 800	/* 1.5 s shared */
#define HOOK_DEADLINE_SESSIONSTART_MS 8000	/* 10 s */

/* Bash calls get a lease covering their own timeout plus this much. */
#define HOOK_BASH_GRACE_MS 30000
#define HOOK_BASH_DEFAULT_TIMEOUT_MS 120000
/* run_in_background without a timeout may run this long (the Bash tool's description). */
#define HOOK_BASH_BACKGROUND_TIMEOUT_MS 600000

struct hook_reply {
	enum hook_status status;
	char *json;		/* malloc()ed object to print on stdout, or NULL */
	char text[2 * PATH_MAX];	/* block reason, fail-open problem, or a note */
	/* block: the event answered (hookEventName) and a short line for the user */
	const char *event;
	char user[PATH_MAX + 512];
};

/*
 * Handles one event read from in_fd. Never fails: every problem becomes a
 * HOOK_FAIL_OPEN reply. The caller frees reply->json.
 */
void hook_run(enum hook_kind kind, int in_fd, struct hook_reply *reply);

/*
 * Writes the reply (stdout JSON, stderr text prefixed with prog) and
 * returns the exit status the program must end with (0 or 2).
 */
int hook_emit(const char *prog, struct hook_reply *reply);

#endif
