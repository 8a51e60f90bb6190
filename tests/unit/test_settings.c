/*
 * test_settings.c - the settings.json merge (settings.h): bytes kept,
 * refusals, the template, both hook forms, client versions, check, and the
 * atomic writer under faults.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "settings.h"
#include "sys.h"

#define BIN "/opt/session lock/bin"
#define BIN2 "/usr/local/lib/claude-session-lock/bin"
/* A client with every event we register, and the pinned one, which lacks PreSkillShellCommand. */
#define NEW "2.1.332"
#define OLD "2.1.330"
/* Registrations for NEW and for OLD (or an unknown client). */
#define NALL ((int)settings_nhooks)
#define NBASE ((int)settings_nhooks - 1)

/* The text after install for a client version (a copy of in when nothing changed). */
static char *
installed_for(const char *in, const char *bindir, const char *client)
{
	struct settings_edit e = SETTINGS_EDIT_INIT;
	char *out;

	ck_assert_msg(settings_install(&e, in, in ? strlen(in) : 0, bindir, client) == 0,
	    "install refused: %s", err_last());
	out = e.changed ? strdup(e.text) : strdup(in ? in : "");
	settings_edit_free(&e);
	return out;
}

/* The same for the newest client; fails the test on error. */
static char *
installed(const char *in, const char *bindir)
{
	return installed_for(in, bindir, NEW);
}

static char *
uninstalled(const char *in)
{
	struct settings_edit e = SETTINGS_EDIT_INIT;
	char *out;

	ck_assert_msg(settings_uninstall(&e, in, strlen(in)) == 0,
	    "uninstall refused: %s", err_last());
	out = e.changed ? strdup(e.text) : strdup(in);
	settings_edit_free(&e);
	return out;
}

/* Counts the occurrences of s in text. */
static int
count(const char *text, const char *s)
{
	int n = 0;

	for (text = strstr(text, s); text != NULL; text = strstr(text + 1, s))
		n++;
	return n;
}

static int
refused_install(const char *in)
{
	struct settings_edit e = SETTINGS_EDIT_INIT;
	int r = settings_install(&e, in, strlen(in), BIN, NEW);

	settings_edit_free(&e);
	return r != 0;
}

/* PreToolUse's matcher, with Read; and as install wrote it before (PostToolUse's still). */
#define PRE_VALUE "\"Edit|Write|MultiEdit|NotebookEdit|Bash|Read\""
#define OLD_PRE_VALUE "\"Edit|Write|MultiEdit|NotebookEdit|Bash\""
#define PRE_MATCHER "\"matcher\": " PRE_VALUE
#define OLD_PRE_MATCHER "\"matcher\": " OLD_PRE_VALUE

/* A copy of text with PreToolUse's matcher replaced by value. */
static char *
with_pre_matcher(const char *text, const char *value)
{
	const char *p = strstr(text, PRE_VALUE);
	char *out;

	ck_assert_ptr_nonnull(p);
	out = malloc(strlen(text) + strlen(value) + 1);
	ck_assert_ptr_nonnull(out);
	sprintf(out, "%.*s%s%s", (int)(p - text), text, value, p + strlen(PRE_VALUE));
	return out;
}

/* The same with the matcher an install from before Read wrote. */
static char *
with_old_pre_matcher(const char *text)
{
	char *out = with_pre_matcher(text, OLD_PRE_VALUE);

	ck_assert_int_eq(count(out, PRE_VALUE), 0);
	return out;
}

/* --- commands -------------------------------------------------------------- */

START_TEST(command_is_the_plain_path)
{
	char *c;

	c = settings_command("/usr/local/bin", "stop-release");
	ck_assert_str_eq(c, "/usr/local/bin/stop-release");
	free(c);
	/* no shell reads an exec-form command: nothing is quoted */
	c = settings_command("/it's a $HOME;dir", "stop-release");
	ck_assert_str_eq(c, "/it's a $HOME;dir/stop-release");
	ck_assert_str_eq(settings_entry_program(c, 1), "stop-release");
	free(c);
}
END_TEST

/* Shell-form commands as people (and earlier installs) write them. */
static const struct {
	const char *command, *path;
} shell_commands[] = {
	{ "exec /plain/pretooluse-lock", "/plain/pretooluse-lock" },
	{ "exec '/with space/pretooluse-lock'", "/with space/pretooluse-lock" },
	{ "exec '/it'\\''s/pretooluse-lock'", "/it's/pretooluse-lock" },
	{ "exec \"/d\\\"q/pretooluse-lock\"", "/d\"q/pretooluse-lock" },
	{ "exec /back\\\\slash/pretooluse-lock", "/back\\slash/pretooluse-lock" },
	{ "exec '/$HOME/pretooluse-lock'", "/$HOME/pretooluse-lock" },
	{ "'/semi;colon/pretooluse-lock' --x", "/semi;colon/pretooluse-lock" },
	{ "exec '/new\nline/pretooluse-lock'", "/new\nline/pretooluse-lock" },
	{ "exec '/\u00e4/\u00f6'/pretooluse-lock", "/\u00e4/\u00f6/pretooluse-lock" },
};

START_TEST(command_path_undoes_quoting)
{
	char path[4096];

	ck_assert_int_eq(settings_command_path(path, sizeof(path), shell_commands[_i].command), 0);
	ck_assert_str_eq(path, shell_commands[_i].path);
	ck_assert_int_eq(settings_entry_path(path, sizeof(path), shell_commands[_i].command, 0), 0);
	ck_assert_str_eq(path, shell_commands[_i].path);
	ck_assert_str_eq(settings_command_program(shell_commands[_i].command), "pretooluse-lock");
	ck_assert_str_eq(settings_entry_program(shell_commands[_i].command, 0), "pretooluse-lock");
	/* in the exec form the command is the path: quotes are part of it */
	ck_assert_int_eq(settings_entry_path(path, sizeof(path), shell_commands[_i].command, 1), 0);
	ck_assert_str_eq(path, shell_commands[_i].command);
}
END_TEST

START_TEST(exec_form_is_ours_by_the_path)
{
	ck_assert_str_eq(settings_entry_program("/a b/c/pretooluse-lock", 1), "pretooluse-lock");
	ck_assert_str_eq(settings_entry_program("stop-release", 1), "stop-release");
	ck_assert_ptr_null(settings_entry_program("/a/pretooluse-lock --x", 1));
	ck_assert_ptr_null(settings_entry_program("'/a/pretooluse-lock'", 1));
	ck_assert_ptr_null(settings_entry_program("/a/stop-release/", 1));
	ck_assert_ptr_null(settings_entry_program("", 1));
	ck_assert_ptr_null(settings_entry_program(NULL, 1));
}
END_TEST

START_TEST(ours_is_the_basename_of_the_first_word)
{
	ck_assert_str_eq(settings_command_program("exec /a/pretooluse-lock"), "pretooluse-lock");
	ck_assert_str_eq(settings_command_program("/a/b/stop-release --x"), "stop-release");
	ck_assert_str_eq(settings_command_program("  exec   '/a b/session-start'"), "session-start");
	ck_assert_str_eq(settings_command_program("\"/a b\"/posttooluse-refresh"), "posttooluse-refresh");
	ck_assert_str_eq(settings_command_program("stop-release"), "stop-release");
	ck_assert_str_eq(settings_command_program("$HOME/bin/stop-release;true"), "stop-release");
	ck_assert_ptr_null(settings_command_program("echo pretooluse-lock"));
	ck_assert_ptr_null(settings_command_program("/a/pretooluse-lock.sh"));
	ck_assert_ptr_null(settings_command_program("/a/pretooluse-lockX"));
	ck_assert_ptr_null(settings_command_program("FOO=1 /a/pretooluse-lock"));
	ck_assert_ptr_null(settings_command_program("exec"));
	ck_assert_ptr_null(settings_command_program(""));
	ck_assert_ptr_null(settings_command_program("'/unclosed/stop-release"));
	ck_assert_ptr_null(settings_command_program(NULL));
}
END_TEST

/* --- the template ---------------------------------------------------------- */

START_TEST(template_file_is_the_table)
{
	const char *root = getenv("SL_ROOT");
	char path[4096], *want, buf[65536];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/settings/hooks.json", root != NULL ? root : ".");
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	want = installed(NULL, "@BINDIR@");
	ck_assert_msg(strcmp(buf, want) == 0,
	    "settings/hooks.json differs from what install writes:\n%s", want);
	free(want);
}
END_TEST

START_TEST(new_file_has_every_event_once)
{
	char *t = installed(NULL, BIN);
	size_t i;

	for (i = 0; i < settings_nhooks; i++) {
		char key[64];

		snprintf(key, sizeof(key), "\"%s\": [", settings_hooks[i].event);
		ck_assert_int_eq(count(t, key), 1);
	}
	ck_assert_int_eq(count(t, "\"command\": \"" BIN "/stop-release\""), 2);
	ck_assert_int_eq(count(t, "\"command\": \"" BIN "/pretooluse-lock\""), 2);
	ck_assert_int_eq(count(t, "\"args\": []"), NALL);
	ck_assert_int_eq(count(t, "exec"), 0);
	ck_assert_int_eq(count(t, "\"timeout\": "), NALL);
	ck_assert_int_eq(count(t, OLD_PRE_MATCHER), 2);	/* PostToolUse, PostToolUseFailure */
	ck_assert_int_eq(count(t, PRE_MATCHER), 1);
	ck_assert_msg(strstr(t, "\"PreToolUse\": [\n      {\n        " PRE_MATCHER ",") != NULL,
	    "PreToolUse does not have the matcher with Read:\n%s", t);
	ck_assert_int_eq(t[strlen(t) - 1], '\n');
	free(t);
}
END_TEST

/* --- the forms ---------------------------------------------------------------- */

/* What install wrote before it wrote the exec form (the old settings/hooks.json). */
static const char old_shell_form[] =
    "{\"hooks\": {"
    "\"SessionStart\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"exec '" BIN "/session-start'\", \"timeout\": 10}]}], "
    "\"PreToolUse\": [{\"matcher\": \"Edit|Write|MultiEdit|NotebookEdit|Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"exec '" BIN "/pretooluse-lock'\", \"timeout\": 10}]}], "
    "\"PostToolUse\": [{\"matcher\": \"Edit|Write|MultiEdit|NotebookEdit|Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"exec '" BIN "/posttooluse-refresh'\", \"timeout\": 5}]}], "
    "\"PostToolUseFailure\": [{\"matcher\": \"Edit|Write|MultiEdit|NotebookEdit|Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"exec '" BIN "/posttooluse-refresh'\", \"timeout\": 5}]}], "
    "\"Stop\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"exec '" BIN "/stop-release'\", \"timeout\": 5}]}], "
    "\"SessionEnd\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"exec '" BIN "/stop-release'\", \"timeout\": 5}]}]"
    "}, \"model\": \"opus\"}";

static char *check(const char *text, const char *bindir, const char *client, int *n);

/* The shell form is ours too: checked as good, replaced by install, removed by uninstall. */
START_TEST(shell_form_is_ours)
{
	char *a, *u, *r;
	int n;

	r = check(old_shell_form, NULL, OLD, &n);
	ck_assert_int_eq(count(r, "is not registered"), 0);
	ck_assert_int_eq(count(r, "does not belong"), 0);
	free(r);
	a = installed_for(old_shell_form, BIN, OLD);
	ck_assert_int_eq(count(a, "exec"), 0);
	ck_assert_int_eq(count(a, "\"args\": []"), NBASE);
	ck_assert_int_eq(count(a, "\"model\": \"opus\""), 1);
	u = uninstalled(a);
	ck_assert_str_eq(u, "{\"model\": \"opus\"}");
	free(u);
	u = uninstalled(old_shell_form);
	ck_assert_str_eq(u, "{\"model\": \"opus\"}");
	free(u);
	free(a);
}
END_TEST

/* A hand-made exec-form entry with other args is redone. */
START_TEST(exec_form_is_up_to_date_only_with_no_args)
{
	char *a = installed(NULL, BIN), *b, *p;

	p = strstr(a, "\"args\": []");
	ck_assert_ptr_nonnull(p);
	b = malloc(strlen(a) + 16);
	sprintf(b, "%.*s\"args\": [\"-v\"]%s", (int)(p - a), a, p + 10);
	free(a);
	a = installed(b, BIN);
	ck_assert_int_eq(count(a, "\"-v\""), 0);
	ck_assert_int_eq(count(a, "\"args\": []"), NALL);
	free(a);
	free(b);
}
END_TEST

/* --- client versions --------------------------------------------------------- */

START_TEST(newer_events_only_for_a_client_that_has_them)
{
	static const char *const with[] = { "2.1.332", "2.1.340", "2.2.0", "3.0.0" };
	static const char *const without[] = { "2.1.330", "2.1.331", "2.0.999", "1.9.400" };
	char *t;
	size_t i;

	for (i = 0; i < sizeof(with) / sizeof(with[0]); i++) {
		t = installed_for(NULL, BIN, with[i]);
		ck_assert_msg(count(t, "\"PreSkillShellCommand\"") == 1, "%s:\n%s", with[i], t);
		ck_assert_int_eq(count(t, "\"args\": []"), NALL);
		free(t);
	}
	for (i = 0; i < sizeof(without) / sizeof(without[0]); i++) {
		t = installed_for(NULL, BIN, without[i]);
		ck_assert_msg(count(t, "PreSkillShellCommand") == 0, "%s:\n%s", without[i], t);
		ck_assert_int_eq(count(t, "\"args\": []"), NBASE);
		free(t);
	}
	t = installed_for(NULL, BIN, NULL);
	ck_assert_int_eq(count(t, "PreSkillShellCommand"), 0);
	free(t);
}
END_TEST

/* An update of the client adds the event; going back (or not knowing) removes it. */
START_TEST(reinstall_follows_the_client)
{
	struct settings_edit e = SETTINGS_EDIT_INIT;
	char *old = installed_for("{\"a\": 1}\n", BIN, OLD), *neu, *back;

	neu = installed_for(old, BIN, NEW);
	ck_assert_int_eq(count(neu, "\"PreSkillShellCommand\""), 1);
	ck_assert_int_eq(settings_install(&e, neu, strlen(neu), BIN, "2.1.400"), 0);
	ck_assert_int_eq(e.changed, 0);
	settings_edit_free(&e);
	back = installed_for(neu, BIN, OLD);
	ck_assert_str_eq(back, old);
	free(back);
	back = installed_for(neu, BIN, NULL);
	ck_assert_str_eq(back, old);
	free(back);
	free(neu);
	free(old);
}
END_TEST

/* --- bytes kept ------------------------------------------------------------ */

static const char *const roundtrip_inputs[] = {
	"{}",
	"{}\n",
	"{\"a\":1}",
	"{\"model\":\"opus\",\"hooks\":{\"Stop\":[{\"hooks\":[{\"type\":\"command\",\"command\":\"say done\"}]}]}}\n",
	"{\n  \"model\": \"opus\",\n  \"n\": 1.000000000000000001e2,\n  \"big\": 12345678901234567890123,\n"
	"  \"neg\": -0.0E-0,\n  \"s\": \"\\u00e9\\ud83d\\ude00 \\\" \\\\ \\/\",\n  \"e\": {}, \"ea\": []\n}\n",
	"{\n\t\"permissions\": {\"allow\": [\"Bash(ls:*)\"], \"deny\": []},\n\t\"hooks\": {\n"
	"\t\t\"PreToolUse\": [\n\t\t\t{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"echo hi\", \"timeout\": 1.50}]}\n"
	"\t\t],\n\t\t\"Notification\": [ ]\n\t},\n\t\"z\": true\n}",
	"{\r\n    \"hooks\": {\r\n        \"SessionEnd\": [\r\n            {\r\n                \"hooks\": [\r\n"
	"                    {\"type\": \"command\", \"command\": \"/u/backup.sh\"}\r\n                ]\r\n"
	"            }\r\n        ]\r\n    },\r\n    \"env\": {\"A\": \"1\"}\r\n}\r\n",
	"  {  \"hooks\" :  { \"PostToolUse\" : [ {\"hooks\": []} ] } , \"after\" : null }  ",
	"{\"hoo\\u006bs\": {\"Stop\": [{\"matcher\": \"\", \"hooks\": [{\"type\": \"command\", \"command\": \"true\"}]}]}, "
	"\"x\": [1, [2, [3, {\"y\": false}]]]}",
};

START_TEST(install_then_uninstall_gives_back_the_bytes)
{
	const char *in = roundtrip_inputs[_i];
	char *a = installed(in, BIN), *b, *c;

	ck_assert_int_eq(count(a, "\"" BIN "/"), NALL);
	b = uninstalled(a);
	ck_assert_msg(strcmp(b, in) == 0, "input:\n%s\nafter install:\n%s\nafter uninstall:\n%s", in, a, b);
	/* and the same through a reinstall into another prefix */
	c = installed(a, BIN2);
	ck_assert_int_eq(count(c, "\"" BIN2 "/"), NALL);
	ck_assert_int_eq(count(c, BIN "/"), 0);
	free(b);
	b = uninstalled(c);
	ck_assert_str_eq(b, in);
	free(a);
	free(b);
	free(c);
}
END_TEST

/*
 * The documented exception: an empty container we fill and empty again is
 * removed ("hooks": {} and "Stop": [] here), everything else stays.
 */
START_TEST(emptied_containers_go_away)
{
	char *a, *b;

	a = installed("{\"a\": 1, \"hooks\": {\"Stop\": [], \"X\": [1]}}", BIN);
	b = uninstalled(a);
	ck_assert_str_eq(b, "{\"a\": 1, \"hooks\": {\"X\": [1]}}");
	free(a);
	free(b);
	a = installed("{\"a\": 1, \"hooks\": {}}", BIN);
	b = uninstalled(a);
	ck_assert_str_eq(b, "{\"a\": 1}");
	free(a);
	free(b);
	a = installed("{\n}\n", BIN);
	b = uninstalled(a);
	ck_assert_str_eq(b, "{}\n");
	free(a);
	free(b);
}
END_TEST

START_TEST(install_keeps_every_byte_before_hooks)
{
	const char *in = "{\n  \"model\": \"x\",\n  \"n\": 0.10000000000000000555,\n  \"hooks\": {\n    \"Stop\": [\n"
	    "      {\"hooks\": [{\"type\": \"command\", \"command\": \"true\"}]}\n    ]\n  },\n  \"tail\": 1e400\n}\n";
	const char *group_end = strstr(in, "\"true\"}]}") + 9;
	char *a = installed(in, BIN);
	size_t head = (size_t)(group_end - in);

	ck_assert_msg(strncmp(a, in, head) == 0, "bytes before our first insertion changed:\n%s", a);
	ck_assert_msg(strstr(a, "\n  },\n  \"tail\": 1e400\n}\n") != NULL, "tail changed:\n%s", a);
	free(a);
}
END_TEST

START_TEST(second_install_changes_nothing)
{
	struct settings_edit e = SETTINGS_EDIT_INIT;
	char *a = installed("{\"a\": 1}\n", BIN);

	ck_assert_int_eq(settings_install(&e, a, strlen(a), BIN, NEW), 0);
	ck_assert_int_eq(e.changed, 0);
	ck_assert_ptr_null(e.text);
	ck_assert_str_eq(e.log, "");
	settings_edit_free(&e);
	free(a);
}
END_TEST

START_TEST(uninstall_without_ours_changes_nothing)
{
	struct settings_edit e = SETTINGS_EDIT_INIT;
	const char *in = "{\"hooks\": {\"PreToolUse\": [{\"hooks\": [{\"type\": \"command\", \"command\": \"x\"}]}]}}";

	ck_assert_int_eq(settings_uninstall(&e, in, strlen(in)), 0);
	ck_assert_int_eq(e.changed, 0);
	settings_edit_free(&e);
	ck_assert_int_eq(settings_uninstall(&e, "  \n", 3), 0);
	ck_assert_int_eq(e.changed, 0);
	settings_edit_free(&e);
}
END_TEST

/* A group that holds ours and the user's: only ours goes. */
START_TEST(shared_group_keeps_the_users_hook)
{
	const char *in = "{\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Write\", \"hooks\": ["
	    "{\"type\": \"command\", \"command\": \"mine\"}, "
	    "{\"type\": \"command\", \"command\": \"/old/pretooluse-lock\", \"timeout\": 1}]}]}}";
	const char *want = "{\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Write\", \"hooks\": ["
	    "{\"type\": \"command\", \"command\": \"mine\"}]}]}}";
	char *u = uninstalled(in), *a = installed(in, BIN), *b;

	ck_assert_str_eq(u, want);
	ck_assert_int_eq(count(a, "/old/"), 0);
	ck_assert_int_eq(count(a, "\"mine\""), 1);
	ck_assert_int_eq(count(a, "pretooluse-lock"), 2);	/* PreToolUse, PreSkillShellCommand */
	b = uninstalled(a);
	ck_assert_str_eq(b, want);
	free(u);
	free(a);
	free(b);
}
END_TEST

/* A hand-made registration that is right except for the timeout is redone. */
START_TEST(stale_registration_is_replaced_not_duplicated)
{
	char *a = installed(NULL, BIN), *p, *b;

	p = strstr(a, "\"timeout\": 10");
	ck_assert_ptr_nonnull(p);
	p[12] = '9';
	b = installed(a, BIN);
	ck_assert_int_eq(count(b, "pretooluse-lock"), 2);
	ck_assert_int_eq(count(b, "session-start"), 1);
	ck_assert_int_eq(count(b, "\"timeout\": 9"), 0);
	free(a);
	free(b);
}
END_TEST

/*
 * An install from before PreToolUse had Read: install replaces our group
 * (there is still one, with Read), and the user's hooks stay as they are.
 */
START_TEST(reinstall_over_the_old_pretooluse_matcher_updates_it)
{
	struct settings_edit e = SETTINGS_EDIT_INIT;
	const char *in = "{\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Bash\", \"hooks\": "
	    "[{\"type\": \"command\", \"command\": \"audit\"}]}]}, \"model\": \"opus\"}\n";
	const char *mine = "{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"audit\"}]}";
	char *fresh = installed(in, BIN), *old = with_old_pre_matcher(fresh), *u, *p, *after;

	ck_assert_int_eq(settings_install(&e, old, strlen(old), BIN, NEW), 0);
	ck_assert_int_eq(e.changed, 1);
	/* the bytes of a fresh install: the user's group first, then ours, once */
	ck_assert_str_eq(e.text, fresh);
	ck_assert_int_eq(count(e.log, "remove PreToolUse hook: " BIN "/pretooluse-lock\n"), 1);
	ck_assert_int_eq(count(e.log, "add PreToolUse hook: " BIN "/pretooluse-lock (timeout 10 s)\n"), 1);
	settings_edit_free(&e);
	u = uninstalled(old);
	ck_assert_str_eq(u, in);
	free(u);
	free(old);
	/* the user's group after ours: ours goes to the end, the user's is kept as it is */
	p = strstr(fresh, "\"PreToolUse\": [") + strlen("\"PreToolUse\": [");
	p = strstr(p, "]}]");	/* the end of our group, which closes the array */
	ck_assert_ptr_nonnull(p);
	p += 2;
	u = malloc(strlen(fresh) + strlen(mine) + 4);
	sprintf(u, "%.*s, %s%s", (int)(p - fresh), fresh, mine, p);
	old = with_old_pre_matcher(u);
	after = installed(old, BIN);
	ck_assert_int_eq(count(after, mine), 2);
	ck_assert_int_eq(count(after, PRE_VALUE), 1);
	ck_assert_int_eq(count(after, OLD_PRE_VALUE), 2);	/* PostToolUse, PostToolUseFailure */
	ck_assert_int_eq(count(after, "pretooluse-lock"), 2);	/* PreToolUse, PreSkillShellCommand */
	free(u);
	u = uninstalled(after);
	ck_assert_str_eq(u, "{\"hooks\": {\"PreToolUse\": [{\"matcher\": \"Bash\", \"hooks\": "
	    "[{\"type\": \"command\", \"command\": \"audit\"}]}, "
	    "{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \"audit\"}]}]}, "
	    "\"model\": \"opus\"}\n");
	free(u);
	free(after);
	free(old);
	free(fresh);
}
END_TEST

/* --- refusals -------------------------------------------------------------- */

START_TEST(invalid_settings_are_refused)
{
	static const char *const bad[] = {
		"{", "{\"a\": 1,}", "{\"a\": 01}", "{\"a\": +1}", "{\"a\": -}", "{\"a\": 1.}",
		"{\"a\": .5}", "{'a': 1}", "{\"a\": 1} // c", "{\"a\": 1} {}", "{\"a\": \"\t\"}",
		"{\"a\": \"\\x\"}", "{\"a\": \"\\u12G4\"}", "{\"a\": tru}", "\xef\xbb\xbf{}",
		"[]", "\"x\"", "42", "null",
		"{\"hooks\": []}", "{\"hooks\": null}", "{\"hooks\": {\"PreToolUse\": {}}}",
		"{\"hooks\": {}, \"hooks\": {}}",
		"{\"hooks\": {\"Stop\": [], \"Stop\": []}}",
		"{\"hooks\": {\"Stop\": [{\"hooks\": [], \"hooks\": []}]}}",
		"{\"hooks\": {\"Stop\": [{\"hooks\": [{\"command\": \"a\", \"command\": \"b\"}]}]}}",
		"{\"hooks\": {\"Stop\": [{\"hooks\": [{\"command\": \"a\", \"args\": [], \"args\": []}]}]}}",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(refused_install(bad[i]), "accepted: %s", bad[i]);
}
END_TEST

/* cJSON would read the first "hooks", Claude Code reads the last. */
START_TEST(duplicate_hooks_are_refused_even_when_up_to_date)
{
	char *a = installed("{}", BIN), *b;
	struct settings_edit e = SETTINGS_EDIT_INIT;
	size_t n = strlen(a);

	b = malloc(n + 32);
	memcpy(b, a, n + 1);
	strcpy(strrchr(b, '}'), ", \"hooks\": {}}");
	ck_assert_int_ne(settings_install(&e, b, strlen(b), BIN, NEW), 0);
	ck_assert_str_eq(err_last(), "the top level has the key \"hooks\" twice");
	ck_assert_int_ne(settings_uninstall(&e, b, strlen(b)), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(refusal_says_where)
{
	ck_assert(refused_install("{\n  \"a\": 1,\n  \"b\": [1,,2]\n}"));
	ck_assert_str_eq(err_last(), "not valid JSON (line 3, column 11)");
	ck_assert(refused_install("[1]"));
	ck_assert_str_eq(err_last(), "the top level is not a JSON object");
	ck_assert(refused_install("{\"hooks\": 3}"));
	ck_assert_str_eq(err_last(), "\"hooks\" is not an object");
}
END_TEST

START_TEST(nesting_is_bounded)
{
	char *deep = malloc(2 * 1100 + 16);
	int i, n = 0;

	n += sprintf(deep + n, "{\"a\":");
	for (i = 0; i < 1100; i++)
		deep[n++] = '[';
	for (i = 0; i < 1100; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	ck_assert(refused_install(deep));
	free(deep);
}
END_TEST

/* --- check ----------------------------------------------------------------- */

static char dir[256];

/* A directory with our four programs as executable files. */
static void
make_bindir(void)
{
	char path[512];
	size_t i;
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/sl-unit-settings.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; settings_programs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, settings_programs[i]);
		fd = open(path, O_WRONLY | O_CREAT, 0755);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
}

static void
remove_dir(void)
{
	unit_remove_tree(dir);
}

static char *
check(const char *text, const char *bindir, const char *client, int *n)
{
	char *out = NULL;

	ck_assert_msg(settings_check(&out, n, text, text ? strlen(text) : 0, bindir, client) == 0,
	    "check failed: %s", err_last());
	return out;
}

START_TEST(check_passes_what_install_writes)
{
	char *t, *r;
	int n;

	make_bindir();
	t = installed("{\"a\": 1}", dir);
	r = check(t, dir, NEW, &n);
	ck_assert_msg(n == 0, "problems:\n%s", r);
	ck_assert_str_eq(r, "");
	free(r);
	r = check(t, dir, NULL, &n);
	ck_assert_msg(n == 0, "problems:\n%s", r);
	free(r);
	r = check(t, "/elsewhere", NEW, &n);
	ck_assert_int_eq(n, NALL);
	ck_assert_int_eq(count(r, "is not in '/elsewhere'"), NALL);
	free(r);
	free(t);
	t = installed_for("{\"a\": 1}", dir, OLD);
	r = check(t, dir, OLD, &n);
	ck_assert_msg(n == 0, "problems:\n%s", r);
	free(r);
	free(t);
	remove_dir();
}
END_TEST

START_TEST(check_reports_each_problem)
{
	const char *text = "{\"disableAllHooks\": true, \"hooks\": {"
	    "\"PreToolUse\": [{\"matcher\": \"Edit|Write\", \"hooks\": [{\"command\": \"exec /nonexistent/pretooluse-lock\"}]}],"
	    "\"PostToolUse\": [{\"matcher\": \"*\", \"hooks\": [{\"command\": \"/bin/sh/posttooluse-refresh\", \"timeout\": 1}]}],"
	    "\"Notification\": [{\"hooks\": [{\"command\": \"/x/stop-release\", \"timeout\": 5}]}],"
	    "\"SessionEnd\": [{\"matcher\": \"clear\", \"hooks\": [{\"command\": \"relative/stop-release\", \"timeout\": 5}]}]}}";
	char *r;
	int n;

	r = check(text, NULL, NULL, &n);
	ck_assert_msg(strstr(r, "\"disableAllHooks\" is true") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "PreToolUse: pretooluse-lock has no timeout") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "PreToolUse: matcher 'Edit|Write' misses NotebookEdit, Bash\n") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "PreToolUse: '/nonexistent/pretooluse-lock' does not exist") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "PostToolUse: posttooluse-refresh has a timeout of 1 s, less than 2 s") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "PostToolUse: '/bin/sh/posttooluse-refresh' does not exist") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "Notification: runs stop-release, which does not belong") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "SessionEnd: a matcher limits stop-release") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "SessionEnd: 'relative/stop-release' is a relative path") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "Stop: stop-release is not registered") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "SessionStart: session-start is not registered") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "PostToolUseFailure: posttooluse-refresh is not registered") != NULL, "%s", r);
	ck_assert_msg(strstr(r, "the lock is taken but not released") != NULL, "%s", r);
	ck_assert_int_eq(n, count(r, "\n"));
	ck_assert_int_eq(n, 13);
	free(r);
}
END_TEST

START_TEST(check_of_nothing_lists_every_event)
{
	char *r;
	int n;

	r = check(NULL, NULL, NEW, &n);
	ck_assert_int_eq(n, NALL);
	ck_assert_int_eq(count(r, "is not registered"), NALL);
	ck_assert_int_eq(count(r, "PreSkillShellCommand: pretooluse-lock is not registered"), 1);
	free(r);
	/* an old or unknown client does not need what it does not have */
	r = check(NULL, NULL, OLD, &n);
	ck_assert_int_eq(n, NBASE);
	ck_assert_int_eq(count(r, "PreSkillShellCommand"), 0);
	free(r);
	r = check(NULL, NULL, NULL, &n);
	ck_assert_int_eq(n, NBASE);
	free(r);
}
END_TEST

/* The entry that makes 2.1.330 show a Settings Warning at every start is called out. */
START_TEST(check_calls_out_an_event_the_client_lacks)
{
	char *t = installed(NULL, "/bin"), *r;
	int n;

	r = check(t, NULL, OLD, &n);
	ck_assert_int_eq(count(r, "PreSkillShellCommand: Claude Code 2.1.330 does not have this event"), 1);
	ck_assert_int_eq(count(r, "Settings Warning"), 1);
	ck_assert_int_eq(count(r, "is not registered"), 0);
	free(r);
	r = check(t, NULL, NULL, &n);
	ck_assert_int_eq(count(r, "Settings Warning"), 0);
	ck_assert_int_eq(count(r, "is not registered"), 0);
	free(r);
	free(t);
}
END_TEST

/* PreSkillShellCommand's input says tool_name "Bash": a matcher must let that through. */
START_TEST(check_skill_matcher_must_match_bash)
{
	const char *ok = "{\"hooks\": {\"PreSkillShellCommand\": [{\"matcher\": \"Bash\", \"hooks\": "
	    "[{\"type\": \"command\", \"command\": \"/bin/pretooluse-lock\", \"args\": [], \"timeout\": 10}]}]}}";
	const char *bad = "{\"hooks\": {\"PreSkillShellCommand\": [{\"matcher\": \"Write\", \"hooks\": "
	    "[{\"type\": \"command\", \"command\": \"/bin/pretooluse-lock\", \"args\": [], \"timeout\": 10}]}]}}";
	char *r;
	int n;

	r = check(ok, NULL, NEW, &n);
	ck_assert_int_eq(count(r, "PreSkillShellCommand: matcher"), 0);
	ck_assert_int_eq(count(r, "PreSkillShellCommand: pretooluse-lock is not registered"), 0);
	free(r);
	r = check(bad, NULL, NEW, &n);
	ck_assert_int_eq(count(r, "PreSkillShellCommand: matcher 'Write' misses Bash\n"), 1);
	free(r);
}
END_TEST

/*
 * A PreToolUse matcher without Read (an install from before it) still locks
 * every write: a note, not a problem. Only a plain list can miss it.
 */
START_TEST(check_notes_a_pretooluse_matcher_without_read)
{
	static const char *const lists_read[] = { "*", "", "Edit|Write|NotebookEdit|Bash|Read",
		"Bash, Read, Edit, Write, NotebookEdit", ".*" };
	char *t, *old, *r, value[64];
	size_t i;
	int n;

	make_bindir();
	t = installed("{\"a\": 1}", dir);
	old = with_old_pre_matcher(t);
	r = check(old, dir, NEW, &n);
	ck_assert_msg(n == 0, "problems:\n%s", r);
	ck_assert_str_eq(r, "note: PreToolUse: matcher 'Edit|Write|MultiEdit|NotebookEdit|Bash' "
	    "misses Read: every write is still locked, but with \"scope\": \"paths\" a Read of a "
	    "file another session has claimed is not told that it may be changing\n");
	free(r);
	free(old);
	for (i = 0; i < sizeof(lists_read) / sizeof(lists_read[0]); i++) {
		snprintf(value, sizeof(value), "\"%s\"", lists_read[i]);
		old = with_pre_matcher(t, value);
		r = check(old, dir, NEW, &n);
		ck_assert_msg(n == 0 && r[0] == '\0', "matcher '%s':\n%s", lists_read[i], r);
		free(r);
		free(old);
	}
	/* a matcher that misses a write is a problem; the note would only repeat its fix */
	old = with_pre_matcher(t, "\"Edit|Write\"");
	r = check(old, dir, NEW, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(r, "PreToolUse: matcher 'Edit|Write' misses NotebookEdit, Bash\n");
	free(r);
	free(old);
	/* PostToolUse has no use for Read */
	r = check(t, dir, NEW, &n);
	ck_assert_int_eq(count(r, "Read"), 0);
	free(r);
	free(t);
	remove_dir();
}
END_TEST

START_TEST(check_refuses_what_install_refuses)
{
	char *out = NULL;
	int n;

	ck_assert_int_ne(settings_check(&out, &n, "{\"hooks\": []}", 13, NULL, NEW), 0);
	ck_assert_ptr_null(out);
}
END_TEST

/* --- files ----------------------------------------------------------------- */

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void
spit(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

/* Number of entries in dir (besides . and ..). */
static int
entries(const char *d)
{
	char cmd[512];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", d);
	p = popen(cmd, "r");
	ck_assert_int_eq(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

/* load, install, store; returns store's result */
static int
update(const char *path)
{
	struct settings_file f = SETTINGS_FILE_INIT;
	struct settings_edit e = SETTINGS_EDIT_INIT;
	int r;

	ck_assert_int_eq(settings_load(&f, path), 0);
	ck_assert_int_eq(settings_install(&e, f.text, f.len, BIN, NEW), 0);
	ck_assert(e.changed);
	r = settings_store(&f, path, e.text, e.len);
	settings_edit_free(&e);
	settings_file_free(&f);
	return r;
}

START_TEST(store_creates_dir_and_file_private)
{
	char path[512];
	struct stat st;

	make_bindir();
	snprintf(path, sizeof(path), "%s/.claude/settings.json", dir);
	ck_assert_int_eq(update(path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	snprintf(path, sizeof(path), "%s/.claude", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	ck_assert_int_eq(entries(path), 1);	/* no backup of nothing, no temp */
	remove_dir();
}
END_TEST

START_TEST(store_keeps_mode_and_backs_up)
{
	char path[512], bak[600];
	struct stat st;

	make_bindir();
	snprintf(path, sizeof(path), "%s/s.json", dir);
	snprintf(bak, sizeof(bak), "%s%s", path, SETTINGS_BACKUP_SUFFIX);
	spit(path, "{\"old\": 1}\n", 0640);
	ck_assert_int_eq(update(path), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_str_eq(slurp(bak), "{\"old\": 1}\n");
	ck_assert_int_eq(stat(bak, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(entries(dir), 6);	/* 4 programs, file, backup */
	remove_dir();
}
END_TEST

START_TEST(store_writes_through_a_symlink)
{
	char path[512], real[512], link[512];
	struct stat st;

	make_bindir();
	snprintf(real, sizeof(real), "%s/dotfiles-settings.json", dir);
	snprintf(path, sizeof(path), "%s/settings.json", dir);
	spit(real, "{}", 0644);
	ck_assert_int_eq(symlink("dotfiles-settings.json", path), 0);
	ck_assert_int_eq(update(path), 0);
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq((int)readlink(path, link, sizeof(link)), 22);
	ck_assert_ptr_nonnull(strstr(slurp(real), "pretooluse-lock"));
	remove_dir();
}
END_TEST

/*
 * Faults: the nth call of one system call fails. The backup is written
 * first (rename 1, write 1, fsync 1 and 2), then the file (rename 2,
 * write 2, fsync 3 before the rename).
 */
static const struct fault {
	const char *call;
	int nth, err, backup_made;
} faults[] = {
	{ "rename", 1, EIO, 0 }, { "rename", 2, EIO, 1 },
	{ "write", 1, ENOSPC, 0 }, { "write", 2, ENOSPC, 1 },
	{ "fsync", 1, EIO, 0 }, { "fsync", 3, EIO, 1 },
};
static const struct fault *fault;
static int seen;

static int
fail_now(void)
{
	if (++seen != fault->nth)
		return 0;
	errno = fault->err;
	return 1;
}

static int
failing_rename(const char *a, const char *b)
{
	return fail_now() ? -1 : rename(a, b);
}

static ssize_t
failing_write(int fd, const void *buf, size_t n)
{
	return fail_now() ? -1 : write(fd, buf, n);
}

static int
failing_fsync(int fd)
{
	return fail_now() ? -1 : fsync(fd);
}

/* Each failure before the rename leaves the old file and no temporary. */
START_TEST(store_failure_leaves_the_old_file)
{
	char path[512], bak[600];

	fault = &faults[_i];
	seen = 0;
	make_bindir();
	snprintf(path, sizeof(path), "%s/s.json", dir);
	snprintf(bak, sizeof(bak), "%s%s", path, SETTINGS_BACKUP_SUFFIX);
	spit(path, "{\"keep\": 1}", 0600);
	if (strcmp(fault->call, "rename") == 0)
		sys.rename = failing_rename;
	else if (strcmp(fault->call, "write") == 0)
		sys.write = failing_write;
	else
		sys.fsync = failing_fsync;
	ck_assert_int_ne(update(path), 0);
	sys_reset();
	ck_assert_msg(strstr(err_last(), strerror(fault->err)) != NULL, "%s %d: %s",
	    fault->call, fault->nth, err_last());
	ck_assert_str_eq(slurp(path), "{\"keep\": 1}");
	ck_assert_int_eq(entries(dir), 5 + fault->backup_made);
	if (fault->backup_made)
		ck_assert_str_eq(slurp(bak), "{\"keep\": 1}");
	remove_dir();
}
END_TEST

START_TEST(store_refuses_a_file_changed_meanwhile)
{
	struct settings_file f = SETTINGS_FILE_INIT;
	struct settings_edit e = SETTINGS_EDIT_INIT;
	char path[512];

	make_bindir();
	snprintf(path, sizeof(path), "%s/s.json", dir);
	spit(path, "{}", 0600);
	ck_assert_int_eq(settings_load(&f, path), 0);
	ck_assert_int_eq(settings_install(&e, f.text, f.len, BIN, NEW), 0);
	spit(path, "{\"someone\": \"else\"}", 0600);
	ck_assert_int_ne(settings_store(&f, path, e.text, e.len), 0);
	ck_assert_ptr_nonnull(strstr(err_last(), "changed while being edited"));
	ck_assert_str_eq(slurp(path), "{\"someone\": \"else\"}");
	settings_edit_free(&e);
	settings_file_free(&f);
	remove_dir();
}
END_TEST

START_TEST(load_refuses_a_fifo)
{
	struct settings_file f = SETTINGS_FILE_INIT;
	char path[512];

	make_bindir();
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_ne(settings_load(&f, path), 0);
	ck_assert_ptr_nonnull(strstr(err_last(), "not a regular file"));
	remove_dir();
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("settings");

	tcase_add_test(tc, command_is_the_plain_path);
	tcase_add_loop_test(tc, command_path_undoes_quoting, 0,
	    (int)(sizeof(shell_commands) / sizeof(shell_commands[0])));
	tcase_add_test(tc, exec_form_is_ours_by_the_path);
	tcase_add_test(tc, ours_is_the_basename_of_the_first_word);
	tcase_add_test(tc, template_file_is_the_table);
	tcase_add_test(tc, new_file_has_every_event_once);
	tcase_add_test(tc, shell_form_is_ours);
	tcase_add_test(tc, exec_form_is_up_to_date_only_with_no_args);
	tcase_add_test(tc, newer_events_only_for_a_client_that_has_them);
	tcase_add_test(tc, reinstall_follows_the_client);
	tcase_add_loop_test(tc, install_then_uninstall_gives_back_the_bytes, 0,
	    (int)(sizeof(roundtrip_inputs) / sizeof(roundtrip_inputs[0])));
	tcase_add_test(tc, emptied_containers_go_away);
	tcase_add_test(tc, install_keeps_every_byte_before_hooks);
	tcase_add_test(tc, second_install_changes_nothing);
	tcase_add_test(tc, uninstall_without_ours_changes_nothing);
	tcase_add_test(tc, shared_group_keeps_the_users_hook);
	tcase_add_test(tc, stale_registration_is_replaced_not_duplicated);
	tcase_add_test(tc, reinstall_over_the_old_pretooluse_matcher_updates_it);
	tcase_add_test(tc, invalid_settings_are_refused);
	tcase_add_test(tc, duplicate_hooks_are_refused_even_when_up_to_date);
	tcase_add_test(tc, refusal_says_where);
	tcase_add_test(tc, nesting_is_bounded);
	tcase_add_test(tc, check_passes_what_install_writes);
	tcase_add_test(tc, check_reports_each_problem);
	tcase_add_test(tc, check_of_nothing_lists_every_event);
	tcase_add_test(tc, check_calls_out_an_event_the_client_lacks);
	tcase_add_test(tc, check_skill_matcher_must_match_bash);
	tcase_add_test(tc, check_notes_a_pretooluse_matcher_without_read);
	tcase_add_test(tc, check_refuses_what_install_refuses);
	tcase_add_test(tc, store_creates_dir_and_file_private);
	tcase_add_test(tc, store_keeps_mode_and_backs_up);
	tcase_add_test(tc, store_writes_through_a_symlink);
	tcase_add_loop_test(tc, store_failure_leaves_the_old_file, 0,
	    (int)(sizeof(faults) / sizeof(faults[0])));
	tcase_add_test(tc, store_refuses_a_file_changed_meanwhile);
	tcase_add_test(tc, load_refuses_a_fifo);
	suite_add_tcase(s, tc);
	return s;
}
