/*
 * session-lock doctor [PATH] - checks that the lock can work here, and
 * prints one line per problem with its fix.
 *
 * What it checks:
 *  - the programs: the four hooks and session-lock, next to this program
 *    (the directory of /proc/self/exe), are executable files, and the
 *    first `session-lock` on PATH is this program;
 *  - the registration: every event of settings_hooks (settings.h) that the
 *    Claude Code on PATH has (`claude --version`; when it cannot be asked,
 *    the events every client has) runs our
 *    hook in ~/.claude/settings.json or in the project's .claude/settings
 *    .json or .claude/settings.local.json (Claude Code merges the hooks of
 *    all of them, so one registration anywhere counts); a lock taken at
 *    PreToolUse and never released at Stop/SessionEnd is called out, as it
 *    locks the user out after a crash. Each file is also checked on its
 *    own by settings_check() (timeouts, matchers, programs it names,
 *    disableAllHooks); its "not registered" lines are left out, since the
 *    union decides that, and its notes (a PreToolUse matcher of an install
 *    from before Read was in it) are notes here, not problems;
 *  - the runtime directory: absent (created on first use) or private;
 *  - the plugin (plugin.h): the installs of the session-lock plugin that
 *    are in effect for the workspace, enabled or not, and whether their
 *    programs are built. An enabled plugin registers every hook by itself,
 *    so with it no settings registration is needed; with both, every hook
 *    runs twice, which is harmless (the second run of a hook finds the lock
 *    already its session's) but needless: it says so, and how to keep one;
 *  - the configuration: each file parses, the environment variables are
 *    valid, and the lock is not disabled.
 */
#include <cJSON.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "config.h"
#include "err.h"
#include "proc.h"
#include "plugin.h"
#include "report.h"
#include "settings.h"

#define MAX_HOOKS 16

struct doctor {
	int problems;
	size_t count[MAX_HOOKS];	/* registrations of settings_hooks[i], all files */
	char registered_in[3 * PATH_MAX + 256];
	char client[CLIENT_VERSION_MAX];	/* the Claude Code on PATH; "" unknown */
	char plugin[2 * PATH_MAX + 320];	/* the enabled plugin installs, for the summary */
	char plugin_dir[PATH_MAX];	/* the plugin directory this program runs from, not installed */
	char session_dir[PATH_MAX];	/* ours, loaded by --plugin-dir of the session we run in */
};

static void problem(struct doctor *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
problem(struct doctor *d, const char *fmt, ...)
{
	va_list ap;

	fputs("problem: ", stdout);
	va_start(ap, fmt);
	report_vprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	d->problems++;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Worth knowing, not a problem. */
static void
note(const char *fmt, ...)
{
	va_list ap;

	fputs("note: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static void
check_programs(struct doctor *d, char bindir[PATH_MAX])
{
	char self[PATH_MAX], path[2 * PATH_MAX];
	struct stat st;
	size_t i;

	if (proc_self_exe(self) != 0) {
		problem(d, "cannot find this program's directory (/proc/self/exe: %s): "
		    "check that /proc is mounted", strerror(errno));
		bindir[0] = '\0';
		return;
	}
	snprintf(bindir, PATH_MAX, "%s", dirname(self));
	for (i = 0; settings_programs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", bindir, settings_programs[i]);
		if (stat(path, &st) != 0)
			problem(d, "'%s' is missing: run ./install.sh (or 'make install') to "
			    "install the hook programs next to session-lock", path);
		else if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0)
			problem(d, "'%s' is not an executable file: run 'chmod 755 %s' "
			    "(or ./install.sh again)", path, path);
	}
}

/* Adds the registrations of ours in a valid settings text to d->count. */
static void
count_registrations(struct doctor *d, const char *text, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	const cJSON *hooks, *ev, *g, *list, *e, *cmd;
	const char *prog;
	size_t i;
	int exec_form;

	hooks = cJSON_GetObjectItemCaseSensitive(root, "hooks");
	cJSON_ArrayForEach(ev, hooks) {
		cJSON_ArrayForEach(g, ev) {
			list = cJSON_GetObjectItemCaseSensitive(g, "hooks");
			cJSON_ArrayForEach(e, list) {
				cmd = cJSON_GetObjectItemCaseSensitive(e, "command");
				exec_form = cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(e, "args"));
				if (!cJSON_IsString(cmd) ||
				    (prog = settings_entry_program(cmd->valuestring, exec_form)) == NULL)
					continue;
				for (i = 0; i < settings_nhooks && i < MAX_HOOKS; i++)
					if (strcmp(settings_hooks[i].event, ev->string) == 0 &&
					    strcmp(settings_hooks[i].program, prog) == 0)
						d->count[i]++;
			}
		}
	}
	cJSON_Delete(root);
}

/* Is this line of settings_check() one the union of files decides instead? */
static int
about_registration(const char *line, size_t len)
{
	static const char tail[] = " is not registered";

	if (len >= sizeof(tail) - 1 && memcmp(line + len - (sizeof(tail) - 1), tail,
	    sizeof(tail) - 1) == 0)
		return 1;
	return strncmp(line, "PreToolUse: the lock is taken but not released", 46) == 0;
}

static void
check_settings_file(struct doctor *d, const char *path)
{
	struct settings_file f = SETTINGS_FILE_INIT;
	char *report = NULL, *p, *nl;
	size_t before = 0, i;
	int n = 0;

	if (settings_load(&f, path) != 0) {
		problem(d, "%s: make it a readable settings file", err_last());
		goto out;
	}
	if (!f.exists)
		goto out;
	if (settings_check(&report, &n, f.text, f.len, NULL,
	    d->client[0] != '\0' ? d->client : NULL) != 0) {
		problem(d, "'%s' is not valid settings (%s): Claude Code ignores it; fix it "
		    "(install.sh keeps the previous version in '%s%s')", path, err_last(), path,
		    SETTINGS_BACKUP_SUFFIX);
		goto out;
	}
	for (p = report; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (strncmp(p, "note: ", 6) == 0)
			note("'%s': %.*s: run ./install.sh again (or 'session-lock settings install "
			    "--file %s --bindir DIR') to update the registration", path,
			    (int)(nl - p - 6), p + 6, path);
		else if (nl > p && !about_registration(p, (size_t)(nl - p)))
			problem(d, "'%s': %.*s: run ./install.sh (or 'session-lock settings install "
			    "--file %s --bindir DIR') to register the hooks again", path,
			    (int)(nl - p), p, path);
		if (*nl == '\0')
			break;
	}
	for (i = 0; i < settings_nhooks && i < MAX_HOOKS; i++)
		before += d->count[i];
	count_registrations(d, f.text, f.len);
	for (i = 0; i < settings_nhooks && i < MAX_HOOKS; i++)
		before -= d->count[i];
	if (before != 0) {
		size_t len = strlen(d->registered_in);

		snprintf(d->registered_in + len, sizeof(d->registered_in) - len, "%s'%s'",
		    len > 0 ? ", " : "", path);
	}
out:
	free(report);
	settings_file_free(&f);
}

/* Was an install of the same plugin and root, as in effect, listed before i (another scope)? */
static int
seen(const struct plugin_install *in, int i)
{
	int j;

	for (j = 0; j < i; j++)
		if (in[j].applies && in[j].enabled == in[i].enabled &&
		    strcmp(in[j].id, in[i].id) == 0 && strcmp(in[j].root, in[i].root) == 0)
			return 1;
	return 0;
}

static void
check_plugin(struct doctor *d, const char *ws, const char *bindir)
{
	struct plugin_install in[PLUGIN_MAX];
	const char *home = getenv("HOME");
	char root[PATH_MAX];
	size_t len;
	int i, n, mine = 0;

	n = plugin_installs(in, PLUGIN_MAX, home != NULL ? home : "", ws);
	if (n < 0) {
		problem(d, "%s: Claude Code cannot read it either; fix or remove it", err_last());
		return;
	}
	if (plugin_root_of(root, bindir) != 0)
		root[0] = '\0';
	for (i = 0; i < n; i++) {
		if (root[0] != '\0' && strcmp(in[i].root, root) == 0)
			mine = 1;
		if (!in[i].applies || seen(in, i))
			continue;
		if (!in[i].enabled) {
			note("the plugin %s is installed (%s scope) but disabled: it registers no "
			    "hooks ('claude plugin enable %s' turns it on)", in[i].id, in[i].scope,
			    in[i].id);
			continue;
		}
		len = strlen(d->plugin);
		snprintf(d->plugin + len, sizeof(d->plugin) - len, "%sthe plugin %s ('%s')",
		    len > 0 ? " and " : "", in[i].id, in[i].root);
		switch (plugin_build_state(in[i].root)) {
		case PLUGIN_BUILT:
			break;
		case PLUGIN_UNBUILT:
			note("the plugin %s is not built yet in '%s': the next Claude Code session "
			    "builds it when it starts", in[i].id, in[i].root);
			break;
		case PLUGIN_PLACEHOLDER:
			problem(d, "the plugin %s could not be built: '%s/bin' holds placeholders that "
			    "let every tool run; the message at the start of a session says what to "
			    "install (build log: '%s/build/plugin/last-build.log')", in[i].id,
			    in[i].root, in[i].root);
			break;
		}
	}
	if (root[0] != '\0' && !mine)
		memcpy(d->plugin_dir, root, sizeof(d->plugin_dir));
	/* run by the model in a session started with --plugin-dir: registered there */
	if (getenv("CLAUDE_PID") == NULL ||
	    plugin_session_dir(d->session_dir, atoi(getenv("CLAUDE_PID"))) != 0)
		d->session_dir[0] = '\0';
}

static void
check_registration(struct doctor *d, const char *ws)
{
	char user[PATH_MAX + 64], proj[PATH_MAX + 64], local[PATH_MAX + 64];
	const char *home = getenv("HOME");
	size_t i, j, total = 0;
	int lock = 0, release = 1;

	snprintf(user, sizeof(user), "%s/.claude/settings.json", home != NULL ? home : "");
	snprintf(proj, sizeof(proj), "%s/.claude/settings.json", ws);
	snprintf(local, sizeof(local), "%s/.claude/settings.local.json", ws);
	check_settings_file(d, user);
	if (strcmp(proj, user) != 0)
		check_settings_file(d, proj);
	check_settings_file(d, local);
	for (i = 0; i < settings_nhooks && i < MAX_HOOKS; i++)
		total += d->count[i];
	if (total == 0) {
		if (d->plugin[0] != '\0' || d->session_dir[0] != '\0')
			return;
		problem(d, "the hooks of claude-session-lock are not registered in '%s' nor in "
		    "'%s', and the plugin %s is not installed: run ./install.sh (or 'session-lock "
		    "settings install --bindir DIR'), or install the plugin (README.md, \"Install "
		    "as a plugin\")%s%s%s", user, proj, PLUGIN_NAME,
		    d->plugin_dir[0] != '\0' ? ", or start Claude Code with 'claude --plugin-dir " : "",
		    d->plugin_dir, d->plugin_dir[0] != '\0' ? "'" : "");
		return;
	}
	if (d->plugin[0] != '\0' || d->session_dir[0] != '\0')
		note("the hooks are registered twice: in %s and by %s%s%s; every hook then runs "
		    "twice per tool call, which is harmless (the second finds the lock already "
		    "its session's) but costs a process start each: keep one ('./install.sh "
		    "--uninstall', or 'claude plugin uninstall %s@<marketplace>')",
		    d->registered_in, d->plugin[0] != '\0' ? d->plugin : "--plugin-dir ",
		    d->plugin[0] != '\0' ? "" : d->session_dir,
		    d->plugin[0] != '\0' ? "" : " (this session)", PLUGIN_NAME);
	for (i = 0; i < settings_nhooks && i < MAX_HOOKS; i++) {
		if (strcmp(settings_hooks[i].program, "pretooluse-lock") == 0 && d->count[i] > 0)
			lock = 1;
		if (strcmp(settings_hooks[i].program, "stop-release") == 0 && d->count[i] == 0)
			release = 0;
	}
	if (lock && !release)
		problem(d, "PreToolUse takes the lock but Stop and SessionEnd do not both "
		    "release it: a session that ends or crashes would lock you out of your "
		    "own workspace until its lease ends; run ./install.sh to register "
		    "stop-release");
	for (i = 0; i < settings_nhooks && i < MAX_HOOKS; i++) {
		if (d->count[i] > 0 ||
		    !settings_client_has(&settings_hooks[i], d->client[0] != '\0' ? d->client : NULL))
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(settings_hooks[j].event, settings_hooks[i].event) == 0 &&
			    strcmp(settings_hooks[j].program, settings_hooks[i].program) == 0)
				break;
		if (j < i)
			continue;
		problem(d, "%s: %s is not registered (the other hooks are in %s): run ./install.sh (or "
		    "'session-lock settings install --bindir DIR')", settings_hooks[i].event,
		    settings_hooks[i].program, d->registered_in);
	}
}

/*
 * Is `session-lock` on PATH, and is it this program? People and the model
 * type it by name; the block reasons use the absolute path anyway.
 */
static void
check_path(struct doctor *d, const char *bindir)
{
	char self[PATH_MAX], dir[PATH_MAX], cand[PATH_MAX + 16], real[PATH_MAX];
	const char *path = getenv("PATH"), *p, *colon;
	size_t len;

	if (bindir[0] == '\0' || realpath("/proc/self/exe", self) == NULL)
		return;
	for (p = path != NULL ? path : ""; *p != '\0'; p = *colon != '\0' ? colon + 1 : colon) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		len = (size_t)(colon - p);
		if (len == 0 || len >= sizeof(dir))
			continue;
		memcpy(dir, p, len);
		dir[len] = '\0';
		snprintf(cand, sizeof(cand), "%s/session-lock", dir);
		if (access(cand, X_OK) != 0)
			continue;
		if (realpath(cand, real) == NULL || strcmp(real, self) != 0)
			problem(d, "'session-lock' on your PATH is '%s', another program than "
			    "this one ('%s'): remove it, or run ./install.sh again", cand, self);
		return;
	}
	/* A plugin install needs no PATH: its hooks and block reasons use full paths. */
	if (d->registered_in[0] == '\0') {
		printf("note: 'session-lock' is not on your PATH; to run it by name, add '%s' "
		    "to PATH\n", bindir);
		return;
	}
	problem(d, "'session-lock' is not on your PATH: run ./install.sh again (it links it "
	    "into ~/.local/bin), or add '%s' to PATH", bindir);
}

static void
check_runtime(struct doctor *d, char dir[PATH_MAX], int *exists)
{
	if (report_dir(dir, exists) != 0)
		problem(d, "%s", err_last());
}

static void
check_config(struct doctor *d, const char *ws)
{
	const char *home = getenv("HOME"), *env = getenv("SESSION_LOCK_DISABLE");
	char path[PATH_MAX + 64];
	struct config c;
	int disabled = 0;

	if (config_defaults(&c) != 0) {
		problem(d, "out of memory");
		return;
	}
	snprintf(path, sizeof(path), "%s/.claude/session-lock.json", home != NULL ? home : "");
	if (config_load_file(&c, path) != 0)
		problem(d, "bad configuration: %s: fix or remove the file (until then the hooks "
		    "ignore it and lock with the defaults and the other settings)", err_last());
	if (c.disabled) {
		problem(d, "'%s' has \"disable\": true: no workspace is locked; remove it", path);
		disabled = 1;
	}
	snprintf(path, sizeof(path), "%s/.claude/session-lock.json", ws);
	if (config_load_file(&c, path) != 0)
		problem(d, "bad configuration: %s: fix or remove the file (until then the hooks "
		    "ignore it and lock with the defaults and the other settings)", err_last());
	if (c.disabled && !disabled) {
		problem(d, "'%s' has \"disable\": true: this workspace is not locked; remove it",
		    path);
		disabled = 1;
	}
	if (config_load_env(&c) != 0)
		problem(d, "bad configuration: %s: fix or unset it (until then the hooks "
		    "ignore it)", err_last());
	if (!disabled && env != NULL && *env != '\0' && strcmp(env, "0") != 0)
		problem(d, "SESSION_LOCK_DISABLE=%s turns every hook off: unset it", env);
	if (!disabled && c.scope_paths)
		note("scope: paths: sessions here claim the files they change; a changing Bash "
		    "command needs the whole workspace (every session of this workspace should "
		    "use the same scope)");
	config_free(&c);
}

static int
run(int argc, char **argv)
{
	char bindir[PATH_MAX], ws[PATH_MAX], dir[PATH_MAX];
	struct doctor d;
	char where[sizeof(d.registered_in) + sizeof(d.plugin) + 16];
	int exists = 0;

	if (argc > 2)
		return cli_usage(&cmd_doctor, "too many arguments");
	if (argc == 2 && argv[1][0] == '-')
		return cli_usage(&cmd_doctor, "unknown option '%s'", argv[1]);
	if (report_workspace(ws, argc == 2 ? argv[1] : NULL) != 0)
		return cli_fail("cannot check '%s': %s", argc == 2 ? argv[1] : ".", err_last());
	memset(&d, 0, sizeof(d));
	if (client_version(d.client) != 0)
		d.client[0] = '\0';
	check_programs(&d, bindir);
	check_plugin(&d, ws, bindir);
	check_registration(&d, ws);
	check_path(&d, bindir);
	check_runtime(&d, dir, &exists);
	check_config(&d, ws);
	if (d.problems > 0) {
		printf("%d problem%s found\n", d.problems, d.problems == 1 ? "" : "s");
		return CLI_FAILED;
	}
	if (d.registered_in[0] != '\0' && d.plugin[0] != '\0')
		snprintf(where, sizeof(where), "in %s and by %s", d.registered_in, d.plugin);
	else if (d.registered_in[0] != '\0')
		snprintf(where, sizeof(where), "in %s", d.registered_in);
	else if (d.plugin[0] != '\0')
		snprintf(where, sizeof(where), "by %s", d.plugin);
	else
		snprintf(where, sizeof(where), "by 'claude --plugin-dir %s' of this session",
		    d.session_dir);
	report_printf(stdout, "no problems found: programs in '%s', hooks registered %s%s%s, runtime "
	    "directory '%s'%s\n", bindir, where,
	    d.client[0] != '\0' ? " for Claude Code " : " (Claude Code not found on PATH: "
	    "checked for every version)", d.client, dir, exists ? "" : " (created on first use)");
	return CLI_OK;
}

const struct cli_cmd cmd_doctor = {
	.name = "doctor",
	.summary = "check the installation and print how to fix each problem",
	.usage = "session-lock doctor [PATH]\n\n"
	    "Checks that the hook programs are installed next to session-lock and\n"
	    "executable, and that 'session-lock' on PATH is this program; that every\n"
	    "event the Claude Code on PATH has ('claude --version'; PreSkillShellCommand\n"
	    "from 2.1.332, and only there) is registered in\n"
	    "~/.claude/settings.json or in PATH/.claude/settings.json (or\n"
	    "settings.local.json; PATH defaults to\n"
	    "$CLAUDE_PROJECT_DIR, else the current directory), with the release hooks\n"
	    "wherever the lock is taken; that ~/.claude/runtime is private; and that the\n"
	    "configuration files and variables are valid and do not disable the lock.\n"
	    "Prints one line per problem with its fix.\n\n"
	    "exit status: 0 no problem; 3 problems found (listed on stdout).",
	.run = run,
};
