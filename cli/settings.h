/*
 * settings.h - our hook registration in a Claude Code settings.json.
 *
 * Registers (install), removes (uninstall) and inspects (check) the hooks
 * of claude-session-lock in a settings file that belongs to the user and
 * holds much else: permissions, env, model, other people's hooks. The one
 * promise of this module is that it never loses any of that.
 *
 * Calling sequence for a change:
 *
 *	struct settings_file f = SETTINGS_FILE_INIT;
 *	struct settings_edit e = SETTINGS_EDIT_INIT;
 *	settings_load(&f, path);
 *	settings_install(&e, f.text, f.len, bindir, client);   (or settings_uninstall)
 *	if (e.changed)
 *		settings_store(&f, path, e.text, e.len);
 *	settings_edit_free(&e); settings_file_free(&f);
 *
 * The two forms of a hook. Install writes the exec form,
 *	{"type": "command", "command": "BINDIR/pretooluse-lock", "args": [], "timeout": 10}
 * which the client runs with no shell between it and the program (measured
 * in both 2.1.330 and 2.1.332: the hook's parent is the claude process, and
 * it costs the client less than "exec BINDIR/..." run by /bin/sh -c: see
 * bench/RESULTS.md, "Hook cost as the client sees it"). The shell form
 * ("command" without "args": a /bin/sh command line) is read too: earlier
 * versions of install wrote `exec BINDIR/...`, and people write it by hand.
 *
 * What is ours. A hook entry (an object in a group's "hooks" array) is
 * ours when the program it runs has one of our four hook programs as its
 * basename, whatever directory it names: in the exec form the "command"
 * itself, a path; in the shell form the first word of the "command" --
 * after an `exec ` prefix, with shell quotes removed. So a reinstall into
 * another prefix, or from one form to the other, replaces our entries and
 * never adds a second set.
 *
 * Client versions. An event newer than the oldest supported client
 * (settings_hook.since) is registered only for a client that has it: an
 * older one ignores the entry and shows the user a "Settings Warning" at
 * every interactive start. The client version is the caller's to find
 * (client.h); NULL means unknown, and then install registers only what
 * every client has, while check neither requires nor refuses the newer
 * events.
 *
 * How bytes are kept. The text is validated twice (a strict JSON scanner
 * and cJSON) and then edited in place: every change is the insertion of a
 * rendered group/event/"hooks" member after the last element of its
 * container, or the removal of one element together with the separator
 * before it. Everything else -- other keys, their order, number spelling,
 * whitespace, indentation -- stays byte for byte. Insertion copies the
 * separator of the container's last element, so uninstall after install
 * gives back the original bytes. Exceptions: a container that had no
 * elements comes back as "{}" / "[]" (so "{ }" or "{\n}" lose their inner
 * whitespace), and a "hooks" object, event array or group that our removal
 * empties is removed with it (so a file that had `"hooks": {}` loses that
 * empty object). Before returning, a changed text is parsed again and
 * compared with the original, minus our entries, value by value; if they
 * differ the edit is refused as an internal error rather than written.
 *
 * Error handling. The pure text functions (settings_install, _uninstall,
 * _check) return 0 or -1; on -1 err_last() holds only the reason ("not
 * valid JSON at line 3, column 7"), and the caller names the file:
 * "cannot update '<file>': <reason>". The file functions (settings_load,
 * settings_store) set a whole message ("cannot read '<file>': ...").
 * Nothing here prints or exits.
 */
#ifndef SL_SETTINGS_H
#define SL_SETTINGS_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

/* The suffix of the backup kept beside the settings file on each change. */
#define SETTINGS_BACKUP_SUFFIX ".bak-session-lock"

/* Larger settings files are refused: they are not settings files. */
#define SETTINGS_MAX_SIZE (16L * 1024 * 1024)

/* One registration: an event, the program it runs, and its time limits. */
struct settings_hook {
	const char *event;
	const char *matcher;	/* NULL: the group has no "matcher" key */
	const char *const *tools;	/* tools a matcher must not miss; NULL: it must match all */
	const char *const *noticed;	/* tools it lists only to tell the model something: a
					   matcher that misses one is a note, not a problem */
	const char *program;	/* basename of the executable in bindir */
	int timeout;		/* seconds, written as "timeout" */
	int min_timeout;	/* seconds; check reports less than this */
	const char *since;	/* the first client version with the event; NULL: every one */
};

/*
 * The registrations, in the order install writes them (the order events
 * fire in). settings/hooks.json is this table rendered with the bindir
 * "@BINDIR@"; a unit test keeps the two identical.
 */
extern const struct settings_hook settings_hooks[];
extern const size_t settings_nhooks;

/* The four hook program names, NULL-terminated. */
extern const char *const settings_programs[];

/* Does a client of this version (NULL: unknown) have the event of h? */
int settings_client_has(const struct settings_hook *h, const char *client);

/* The result of an edit: the new text and what changed, one line each. */
struct settings_edit {
	char *text;	/* NUL-terminated, owned; NULL when unchanged */
	size_t len;
	int changed;	/* 0: the file is already as wanted */
	char *log;	/* "add ...\n" / "remove ...\n" lines, owned, never NULL after success */
};
#define SETTINGS_EDIT_INIT { NULL, 0, 0, NULL }

void settings_edit_free(struct settings_edit *e);

/*
 * Returns the exec-form "command" that runs program in bindir, newly
 * allocated: the path, as it is (no shell reads it). bindir must not end
 * in '/'. Returns NULL only when out of memory.
 */
char *settings_command(const char *bindir, const char *program);

/*
 * Copies the executable named by a shell-form hook command into out: its
 * first shell word, skipping an `exec` word, with quotes and backslashes
 * removed. Returns 0, or -1 when there is no word or it does not fit in
 * cap bytes. Does not expand $VARIABLES. Cannot fail otherwise.
 */
int settings_command_path(char *out, size_t cap, const char *command);

/*
 * The same for an entry in either form: with exec_form (the entry has an
 * "args" array) the command is the path itself.
 */
int settings_entry_path(char *out, size_t cap, const char *command, int exec_form);

/*
 * Returns the name of our hook program that an entry's command runs (an
 * element of settings_programs), or NULL when it is not ours (or NULL).
 * settings_command_program() is the same for a shell-form command.
 */
const char *settings_entry_program(const char *command, int exec_form);
const char *settings_command_program(const char *command);

/*
 * Merges our registration, for programs in the directory bindir (absolute
 * for real use; settings/hooks.json is made with "@BINDIR@") and a client
 * of version client (NULL: unknown, so only the events every client has),
 * into the settings text (len bytes; text NULL or only white space: no
 * settings yet). Our entries that differ from the wanted ones, wherever
 * they are and in either form, are removed, and one group per event is
 * appended. When the text already holds exactly the wanted registration,
 * out->changed is 0 and out->text NULL. Returns 0, or -1 (out left empty)
 * when the text is not a JSON object, "hooks" is not an object, an event
 * we register is not an array, a key we need appears twice, or memory runs
 * out.
 */
int settings_install(struct settings_edit *out, const char *text, size_t len, const char *bindir,
    const char *client);

/*
 * Removes every entry of ours from the text, and any group, event array or
 * "hooks" object left empty by that. out->changed is 0 when there was none.
 * Returns 0, or -1 as settings_install.
 */
int settings_uninstall(struct settings_edit *out, const char *text, size_t len);

/*
 * Inspects a registration (in either form) and writes one line per problem
 * into *out (newly allocated, "" when none) and their number into
 * *nproblems: an event of ours not registered (of the events a client of
 * version client has; NULL: unknown, the events every client has), an
 * event registered that that client does not have, the lock registered
 * without the release hooks, an entry of ours on a foreign event, a
 * duplicate, a timeout missing or below min_timeout, a matcher that misses
 * one of the file-changing tools, a program that is missing, not
 * executable or (with bindir non-NULL) not in bindir, hooks disabled by
 * "disableAllHooks". A matcher that lists every tool that changes files
 * but misses one of settings_hook.noticed (an install from before PreToolUse
 * had Read) is no problem: it gets a line that starts with "note: " and is
 * not counted. text NULL means the file does not exist. Returns 0, or -1
 * when the text is not valid settings (as settings_install).
 */
int settings_check(char **out, int *nproblems, const char *text, size_t len, const char *bindir,
    const char *client);

/* A settings file as read, to be replaced later. */
struct settings_file {
	char *text;		/* NUL-terminated, owned; NULL when absent */
	size_t len;
	int exists;
	char target[4096];	/* the path after following symbolic links */
	/* identity of what was read, to notice a concurrent writer */
	struct stat st;
};
#define SETTINGS_FILE_INIT { NULL, 0, 0, { 0 }, { 0 } }

void settings_file_free(struct settings_file *f);

/*
 * Reads the settings file at path. A symbolic link at path (or a chain of
 * them) is followed; out->target names the file finally read or, when it
 * does not exist, the file to create. A missing file is not an error
 * (out->exists = 0). Returns 0, or -1 with err_set() when the file cannot
 * be read, is not a regular file or is larger than SETTINGS_MAX_SIZE.
 */
int settings_load(struct settings_file *out, const char *path);

/*
 * Replaces the file loaded into was (at path) with text: first the
 * previous content goes to path SETTINGS_BACKUP_SUFFIX (when there was a
 * file), then text is written to a new temporary file beside was->target
 * (O_EXCL, the old file's mode, or 0600 for a new one), synced, renamed
 * over was->target, and the directory synced. A symbolic link at path is
 * never replaced: its target is. A missing parent directory is created
 * (0700, one level). The file must still be the one that was loaded, else
 * nothing is written. Returns 0, or -1 with err_set(); on failure the
 * settings file is as it was and no temporary file is left (a directory
 * sync failing after the rename is reported too: the new text is then in
 * place but may not survive a crash).
 */
int settings_store(const struct settings_file *was, const char *path, const char *text, size_t len);

#endif
