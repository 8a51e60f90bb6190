/*
 * plugin.h - claude-session-lock installed as a Claude Code plugin, as
 * `session-lock doctor` finds it.
 *
 * The source tree is also a plugin (.claude-plugin/plugin.json, hooks in
 * plugin/hooks.json) and a one-plugin marketplace. How the client records
 * it (measured with 2.1.330 and 2.1.332):
 *
 *  - `claude plugin install` adds a record to
 *    ~/.claude/plugins/installed_plugins.json,
 *	{"version": 2, "plugins": {"session-lock@<marketplace>": [
 *	    {"scope": "user", "installPath": DIR, "version": V, ...},
 *	    {"scope": "project", "projectPath": P, "installPath": DIR, ...}]}}
 *    and sets "enabledPlugins": {"session-lock@<marketplace>": true} in the
 *    settings file of that scope; `claude plugin disable` sets it false.
 *    The most specific file that names the plugin decides: P/.claude/
 *    settings.local.json, then P/.claude/settings.json, then ~/.claude/
 *    settings.json; a plugin that none names is enabled.
 *  - `claude --plugin-dir DIR` loads DIR for one session and records
 *    nothing.
 *  - The plugin's hooks run the programs in <root>/bin, which the plugin's
 *    SessionStart hook (plugin/ensure-built.sh) builds at the first start.
 *    <root> is installPath (a copy in ~/.claude/plugins/cache) for a plugin
 *    fetched from git or GitHub; but when the marketplace is a local
 *    directory (~/.claude/plugins/known_marketplaces.json: "source":
 *    {"source": "directory"}, "installLocation": DIR) and lists the plugin
 *    with a relative path (DIR/.claude-plugin/marketplace.json: "source":
 *    "./"), the client runs DIR/<path> in place and leaves the copy unused.
 *
 * Nothing here prints or exits; functions that fail return -1 with
 * err_set().
 */
#ifndef SL_PLUGIN_H
#define SL_PLUGIN_H

#include <limits.h>
#include <stddef.h>

/* The plugin's name in .claude-plugin/plugin.json ("claude-..." is reserved by the client). */
#define PLUGIN_NAME "session-lock"

/* The most installs of the plugin that are looked at. */
#define PLUGIN_MAX 8

/* One install record of our plugin. */
struct plugin_install {
	char id[256];		/* "session-lock@<marketplace>" */
	char scope[16];		/* "user", "project", "local", ... */
	char project[PATH_MAX];	/* projectPath; "" for the user scope */
	char path[PATH_MAX];	/* installPath */
	char root[PATH_MAX];	/* where its hooks run: path, or the local marketplace's directory */
	int applies;		/* in effect for the workspace asked about */
	int enabled;		/* 1 enabled there, 0 disabled */
};

/* What a plugin root's bin/ holds. */
enum plugin_build {
	PLUGIN_BUILT,		/* the five programs, built (bin/.stamp) */
	PLUGIN_UNBUILT,		/* no bin/ yet: the next session start builds it */
	PLUGIN_PLACEHOLDER,	/* placeholders: the build failed or cannot run */
};

/*
 * Parses the text of installed_plugins.json and copies the records of our
 * plugin (any marketplace) into out, at most cap. A record applies to the
 * workspace ws when its scope is "user" or ws is its projectPath or below
 * it; enabled is left 1. Returns the number copied, or -1 when the text is
 * not such a file.
 */
int plugin_parse_installs(struct plugin_install *out, size_t cap, const char *text, size_t len,
    const char *ws);

/*
 * From the text of known_marketplaces.json: when the marketplace mkt is a
 * local directory, copies that directory into out and returns 0; else -1.
 */
int plugin_marketplace_dir(char out[PATH_MAX], const char *known, size_t len, const char *mkt);

/*
 * From the text of the marketplace.json in directory dir: when it lists our
 * plugin with a relative path ("./", "./sub"), copies dir joined with that
 * path into out and returns 0; else (another kind of source, or not listed)
 * -1.
 */
int plugin_listed_path(char out[PATH_MAX], const char *dir, const char *text, size_t len);

/*
 * Returns what a settings text says of the plugin id in "enabledPlugins":
 * 1 enabled, 0 disabled, -1 not named (or text NULL, or not valid JSON).
 */
int plugin_enabled_in(const char *text, size_t len, const char *id);

/*
 * Finds the installs of our plugin for the workspace ws from the files
 * under home (and ws/.claude for project and local settings), with enabled
 * set as the client decides it and root resolved. A missing
 * installed_plugins.json is no install; a settings file that cannot be read
 * names no plugin. Returns the number found, or -1 with err_set() when
 * installed_plugins.json cannot be read or is not valid.
 */
int plugin_installs(struct plugin_install *out, size_t cap, const char *home, const char *ws);

/*
 * Copies into out the plugin root that holds bindir (its parent, when that
 * has a .claude-plugin/plugin.json of ours). Returns 0, or -1 when bindir
 * is not a plugin's bin/ (no err_set()).
 */
int plugin_root_of(char out[PATH_MAX], const char *bindir);

/*
 * Copies into out[0..cap) the directories that a command line (the NUL-
 * separated words of /proc/PID/cmdline, len bytes) loads with
 * `--plugin-dir DIR` or `--plugin-dir=DIR`, as written. Returns their
 * number.
 */
int plugin_dir_args(char (*out)[PATH_MAX], size_t cap, const char *args, size_t len);

/*
 * Finds whether the Claude Code process pid was started with --plugin-dir
 * naming a plugin of ours (a relative DIR is taken from that process's
 * current directory). Returns 0 with its root in out, or -1.
 */
int plugin_session_dir(char out[PATH_MAX], int pid);

/* What the bin/ of the plugin root holds. Never fails. */
enum plugin_build plugin_build_state(const char *root);

#endif
