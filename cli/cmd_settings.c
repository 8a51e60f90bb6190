/*
 * session-lock settings - registers our hooks in a Claude Code settings file.
 *
 * install.sh calls `settings install` after putting the programs in place
 * and `settings uninstall` before removing them; people call `settings
 * check` to see why the lock does not work. All editing is settings.c;
 * this file reads options, finds the client version (client.h), prints,
 * and picks the exit status.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "client.h"
#include "err.h"
#include "settings.h"

/* check's status when it found problems (the settings could be read) */
#define CHECK_PROBLEMS 1

struct opts {
	const char *action;
	char file[PATH_MAX];
	char bindir[PATH_MAX];
	int has_bindir;
	int dry_run;
	const char *client_arg;	/* --client-version; NULL: ask `claude --version` */
	char client[CLIENT_VERSION_MAX];	/* the version registered for; "" unknown */
	char client_why[256];	/* why it is unknown */
};

static int run(int argc, char **argv);

const struct cli_cmd cmd_settings = {
	"settings",
	"register, remove or check the hooks in a Claude Code settings.json",
	"session-lock settings install [--file F] --bindir DIR [--client-version V] [--dry-run]\n"
	"       session-lock settings uninstall [--file F] [--dry-run]\n"
	"       session-lock settings check [--file F] [--bindir DIR] [--client-version V]\n"
	"F defaults to ~/.claude/settings.json; DIR is where the hook programs are.\n"
	"V is the Claude Code version registered for (default: what 'claude --version'\n"
	"says; 'none' for unknown): events newer than 2.1.330 (PreSkillShellCommand,\n"
	"2.1.332) are registered only for a client that has them.\n"
	"install and uninstall keep every other setting and hook, save the previous\n"
	"file as F" SETTINGS_BACKUP_SUFFIX ", and change nothing when nothing needs to.\n"
	"check prints one line per problem, and 'note:' lines for what is worth\n"
	"knowing but no problem; exit 0 when no problem, 1 when some.",
	run,
};

/* An absolute spelling of dir without trailing slashes (not resolved: links stay). */
static int
absolute_dir(char out[PATH_MAX], const char *dir)
{
	char cwd[PATH_MAX];
	size_t n;

	if (dir[0] == '/') {
		if (snprintf(out, PATH_MAX, "%s", dir) >= PATH_MAX)
			return -1;
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return -1;
		if (snprintf(out, PATH_MAX, "%s/%s", cwd, dir) >= PATH_MAX)
			return -1;
	}
	for (n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
		out[n - 1] = '\0';
	return 0;
}

static int
parse(struct opts *o, int argc, char **argv)
{
	const char *file = NULL, *bindir = NULL, *home;
	int i;

	if (argc < 2)
		return cli_usage(&cmd_settings, "missing action (install, uninstall or check)");
	o->action = argv[1];
	if (strcmp(o->action, "install") != 0 && strcmp(o->action, "uninstall") != 0 &&
	    strcmp(o->action, "check") != 0)
		return cli_usage(&cmd_settings, "unknown action '%s'", o->action);
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--dry-run") == 0 && strcmp(o->action, "check") != 0) {
			o->dry_run = 1;
		} else if (strcmp(a, "--file") == 0 || strcmp(a, "--bindir") == 0 ||
		    (strcmp(a, "--client-version") == 0 && strcmp(o->action, "uninstall") != 0)) {
			if (i + 1 >= argc)
				return cli_usage(&cmd_settings, "%s needs a value", a);
			*(a[2] == 'f' ? &file : a[2] == 'b' ? &bindir : &o->client_arg) = argv[++i];
		} else if (strncmp(a, "--file=", 7) == 0) {
			file = a + 7;
		} else if (strncmp(a, "--bindir=", 9) == 0) {
			bindir = a + 9;
		} else if (strncmp(a, "--client-version=", 17) == 0 && strcmp(o->action, "uninstall") != 0) {
			o->client_arg = a + 17;
		} else {
			return cli_usage(&cmd_settings, "unknown option '%s'", a);
		}
	}
	if (o->client_arg != NULL && strcmp(o->client_arg, "none") != 0 &&
	    client_parse(o->client, o->client_arg) != 0)
		return cli_usage(&cmd_settings, "bad --client-version '%s' (want X.Y.Z or none)",
		    o->client_arg);
	if (bindir != NULL && strcmp(o->action, "uninstall") == 0)
		return cli_usage(&cmd_settings, "uninstall takes no --bindir: it removes ours wherever they point");
	if (bindir == NULL && strcmp(o->action, "install") == 0)
		return cli_usage(&cmd_settings, "install needs --bindir DIR");
	if (bindir != NULL) {
		if (bindir[0] == '\0' || absolute_dir(o->bindir, bindir) != 0)
			return cli_usage(&cmd_settings, "bad --bindir '%s'", bindir);
		o->has_bindir = 1;
	}
	if (file == NULL) {
		home = getenv("HOME");
		if (home == NULL || home[0] == '\0')
			return cli_usage(&cmd_settings, "no --file, and HOME is not set");
		if (snprintf(o->file, sizeof(o->file), "%s/.claude/settings.json", home) >= PATH_MAX)
			return cli_usage(&cmd_settings, "HOME is too long");
	} else if (file[0] == '\0' || snprintf(o->file, sizeof(o->file), "%s", file) >= PATH_MAX) {
		return cli_usage(&cmd_settings, "bad --file '%s'", file);
	}
	return CLI_OK;
}

/* Sets o->client from --client-version, else from `claude --version`. */
static void
find_client(struct opts *o)
{
	if (o->client_arg != NULL)
		snprintf(o->client_why, sizeof(o->client_why), "--client-version none");
	else if (client_version(o->client) != 0)
		snprintf(o->client_why, sizeof(o->client_why), "%s", err_last());
}

/* Says which events were left out for the client, and how to get them. */
static void
print_client_note(const struct opts *o, const char *verb)
{
	size_t i;

	for (i = 0; i < settings_nhooks; i++) {
		const struct settings_hook *h = &settings_hooks[i];

		if (settings_client_has(h, o->client[0] != '\0' ? o->client : NULL))
			continue;
		if (o->client[0] != '\0')
			printf("note: %s %s: Claude Code %s does not have it (%s and later do); "
			    "run this again after an update\n", verb, h->event, o->client, h->since);
		else
			printf("note: %s %s (Claude Code %s and later): the client version is "
			    "unknown (%s); give it with --client-version\n", verb, h->event,
			    h->since, o->client_why);
	}
}

/* Registering programs that are not there would run nothing, or worse, half. */
static int
programs_present(const struct opts *o)
{
	char path[PATH_MAX * 2];
	struct stat st;
	size_t i;

	for (i = 0; settings_programs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", o->bindir, settings_programs[i]);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0)
			return cli_fail("cannot register hooks in '%s': '%s' is not an "
			    "executable file (install the programs first)", o->file, path);
	}
	return CLI_OK;
}

/* Prints the edit's log, each line with prefix ("would " on a dry run). */
static void
print_log(const char *log, const char *prefix)
{
	const char *p, *nl;

	for (p = log; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			break;
		printf("%s%.*s\n", prefix, (int)(nl - p), p);
	}
}

static int
change(const struct opts *o)
{
	struct settings_file f = SETTINGS_FILE_INIT;
	struct settings_edit e = SETTINGS_EDIT_INIT;
	int install = strcmp(o->action, "install") == 0, rc = CLI_FAILED, r;
	char shown[PATH_MAX * 2 + 64];

	if (install && !o->dry_run && programs_present(o) != CLI_OK)
		return CLI_FAILED;
	if (settings_load(&f, o->file) != 0) {
		cli_fail("%s", err_last());
		goto out;
	}
	if (!f.exists && !install) {
		printf("'%s' does not exist: no hooks to remove\n", o->file);
		rc = CLI_OK;
		goto out;
	}
	r = install ? settings_install(&e, f.text, f.len, o->bindir,
	    o->client[0] != '\0' ? o->client : NULL) : settings_uninstall(&e, f.text, f.len);
	if (r != 0) {
		cli_fail("cannot update '%s': %s", o->file, err_last());
		goto out;
	}
	if (strcmp(f.target, o->file) != 0)
		snprintf(shown, sizeof(shown), "'%s' (the target of the link '%s')", f.target, o->file);
	else
		snprintf(shown, sizeof(shown), "'%s'", o->file);
	if (install)
		print_client_note(o, o->dry_run ? "would not register" : "not registering");
	if (!e.changed) {
		printf(install ? "%s already has the hooks registered; nothing changed\n"
		    : "%s has no hooks of claude-session-lock; nothing changed\n", shown);
		rc = CLI_OK;
		goto out;
	}
	print_log(e.log, o->dry_run ? "would " : "");
	if (o->dry_run) {
		if (f.exists)
			printf("would update %s, saving the previous version as '%s%s'\n",
			    shown, o->file, SETTINGS_BACKUP_SUFFIX);
		else
			printf("would create %s\n", shown);
		rc = CLI_OK;
		goto out;
	}
	if (settings_store(&f, o->file, e.text, e.len) != 0) {
		cli_fail("%s", err_last());
		goto out;
	}
	if (f.exists)
		printf("updated %s; the previous version is in '%s%s'\n", shown, o->file,
		    SETTINGS_BACKUP_SUFFIX);
	else
		printf("created %s\n", shown);
	rc = CLI_OK;
out:
	settings_edit_free(&e);
	settings_file_free(&f);
	return rc;
}

static int
check(const struct opts *o)
{
	struct settings_file f = SETTINGS_FILE_INIT;
	char *report = NULL;
	int n = 0, rc = CLI_FAILED;

	if (settings_load(&f, o->file) != 0) {
		cli_fail("%s", err_last());
		goto out;
	}
	if (settings_check(&report, &n, f.text, f.len, o->has_bindir ? o->bindir : NULL,
	    o->client[0] != '\0' ? o->client : NULL) != 0) {
		cli_fail("cannot check '%s': %s", o->file, err_last());
		goto out;
	}
	if (!f.exists)
		printf("'%s' does not exist\n", o->file);
	fputs(report, stdout);
	if (n == 0)
		printf("'%s': the hooks of claude-session-lock are registered%s%s\n", o->file,
		    o->client[0] != '\0' ? " for Claude Code " : "", o->client);
	if (o->client[0] == '\0')
		print_client_note(o, "not checking");
	rc = n == 0 && f.exists ? CLI_OK : CHECK_PROBLEMS;
out:
	free(report);
	settings_file_free(&f);
	return rc;
}

static int
run(int argc, char **argv)
{
	struct opts o;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = parse(&o, argc, argv)) != CLI_OK)
		return rc;
	if (strcmp(o.action, "uninstall") != 0 && o.client[0] == '\0')
		find_client(&o);
	if (strcmp(o.action, "check") == 0)
		return check(&o);
	return change(&o);
}
