/*
 * test_config.c - the lock's settings (config.h): defaults, the user's file
 * then the project's file then the environment, key by key; refusals that
 * name the file (and the byte of a JSON error); the wait cap.
 */
#include "unit.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"

static const char *const env_vars[] = {
	"SESSION_LOCK_DISABLE", "SESSION_LOCK_TTL_MS", "SESSION_LOCK_WAIT_MS",
	"SESSION_LOCK_RELEASE_ON", "SESSION_LOCK_TOOLS",
};
#define NVARS (sizeof(env_vars) / sizeof(env_vars[0]))

static char *saved[NVARS];
static char root[PATH_MAX];		/* one scratch directory per tcase */
static char home[PATH_MAX], ws[PATH_MAX];	/* fresh ones per test, under root */
static struct config cfg;

/* Unchecked (once around each tcase), so a failed test leaves nothing behind. */
static void
make_root(void)
{
	unit_scratch(root, "config");
}

static void
remove_root(void)
{
	unit_remove_tree(root);
}

/* Each test: the variables of the caller put aside, a new HOME and workspace, the defaults. */
static void
setup(void)
{
	size_t i;

	for (i = 0; i < NVARS; i++) {
		const char *v = getenv(env_vars[i]);

		saved[i] = v != NULL ? strdup(v) : NULL;
		unsetenv(env_vars[i]);
	}
	unit_path(home, root, "home-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(home));
	unit_path(ws, root, "ws-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(ws));
	ck_assert_int_eq(config_defaults(&cfg), 0);
}

static void
teardown(void)
{
	size_t i;

	config_free(&cfg);
	for (i = 0; i < NVARS; i++) {
		if (saved[i] != NULL)
			setenv(env_vars[i], saved[i], 1);
		else
			unsetenv(env_vars[i]);
		free(saved[i]);
		saved[i] = NULL;
	}
}

/* Writes text to dir/.claude/session-lock.json; returns the path (static). */
static const char *
put(const char *dir, const char *text)
{
	static char path[PATH_MAX];
	FILE *f;

	mkdir(unit_path(path, dir, ".claude"), 0700);
	unit_path(path, dir, ".claude/session-lock.json");
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* Loads one file's text; returns config_load_file()'s result. */
static int
load_text(const char *text)
{
	return config_load_file(&cfg, put(ws, text));
}

/* Fails unless err_last() contains want. */
static void
err_has(const char *want)
{
	ck_assert_msg(strstr(err_last(), want) != NULL, "wanted \"%s\" in \"%s\"", want, err_last());
}

/* --- defaults and precedence ----------------------------------------------- */

START_TEST(defaults)
{
	ck_assert_int_eq(cfg.disabled, 0);
	ck_assert_int_eq(cfg.ttl_ms, 300000);
	ck_assert_int_eq(cfg.wait_ms, 0);
	ck_assert_int_eq(cfg.release_on_stop, 1);
	ck_assert_uint_eq(cfg.ntools, 5);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Write"), 1);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Edit"), 1);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "MultiEdit"), 1);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "NotebookEdit"), 1);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Bash"), 1);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Read"), 0);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "write"), 0);
	ck_assert_uint_eq(cfg.nreadonly, 0);
	ck_assert_uint_eq(cfg.nmutating, 0);
	/* No file, no variable: nothing changes. */
	ck_assert_int_eq(config_load(&cfg, home, ws), 0);
	ck_assert_int_eq(cfg.ttl_ms, 300000);
	ck_assert_uint_eq(cfg.ntools, 5);
}
END_TEST

START_TEST(home_then_workspace_then_environment)
{
	put(home, "{\"ttl_ms\": 60000, \"wait_ms\": 1000, \"release_on\": \"session_end\","
	    " \"tools\": [\"Write\"], \"readonly_commands\": [\"^mytool status\"]}");
	put(ws, "{\"ttl_ms\": 120000, \"tools\": [\"Write\", \"Edit\"]}");
	ck_assert_int_eq(setenv("SESSION_LOCK_WAIT_MS", "2000", 1), 0);
	ck_assert_msg(config_load(&cfg, home, ws) == 0, "%s", err_last());
	ck_assert_int_eq(cfg.ttl_ms, 120000);		/* the project's over the user's */
	ck_assert_int_eq(cfg.wait_ms, 2000);		/* the environment over both */
	ck_assert_int_eq(cfg.release_on_stop, 0);	/* the user's, left alone */
	ck_assert_uint_eq(cfg.nreadonly, 1);
	ck_assert_str_eq(cfg.readonly[0], "^mytool status");
	ck_assert_uint_eq(cfg.ntools, 2);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Edit"), 1);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Bash"), 0);
	ck_assert_int_eq(cfg.disabled, 0);
}
END_TEST

START_TEST(environment_overrides_every_file)
{
	put(home, "{\"ttl_ms\": 60000, \"release_on\": \"session_end\"}");
	put(ws, "{\"ttl_ms\": 120000, \"disable\": false}");
	setenv("SESSION_LOCK_TTL_MS", "5000", 1);
	setenv("SESSION_LOCK_RELEASE_ON", "stop", 1);
	setenv("SESSION_LOCK_DISABLE", "1", 1);
	setenv("SESSION_LOCK_TOOLS", "Write|Bash, Edit", 1);
	ck_assert_msg(config_load(&cfg, home, ws) == 0, "%s", err_last());
	ck_assert_int_eq(cfg.ttl_ms, 5000);
	ck_assert_int_eq(cfg.release_on_stop, 1);
	ck_assert_int_eq(cfg.disabled, 1);
	ck_assert_uint_eq(cfg.ntools, 3);
	ck_assert_str_eq(cfg.tools[0], "Write");
	ck_assert_str_eq(cfg.tools[1], "Bash");
	ck_assert_str_eq(cfg.tools[2], "Edit");
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "MultiEdit"), 0);
}
END_TEST

START_TEST(empty_and_zero_variables)
{
	put(ws, "{\"disable\": true, \"ttl_ms\": 60000}");
	setenv("SESSION_LOCK_TTL_MS", "", 1);		/* empty: not set */
	setenv("SESSION_LOCK_DISABLE", "0", 1);		/* "0": enabled after all */
	ck_assert_int_eq(config_load(&cfg, NULL, ws), 0);
	ck_assert_int_eq(cfg.ttl_ms, 60000);
	ck_assert_int_eq(cfg.disabled, 0);
	setenv("SESSION_LOCK_DISABLE", "", 1);
	ck_assert_int_eq(config_load(&cfg, NULL, ws), 0);
	ck_assert_int_eq(cfg.disabled, 1);
}
END_TEST

START_TEST(null_home_or_workspace_skips_that_file)
{
	put(home, "{\"ttl_ms\": 60000}");
	put(ws, "{\"wait_ms\": 500}");
	ck_assert_int_eq(config_load(&cfg, NULL, ws), 0);
	ck_assert_int_eq(cfg.ttl_ms, 300000);
	ck_assert_int_eq(cfg.wait_ms, 500);
	config_free(&cfg);
	ck_assert_int_eq(config_defaults(&cfg), 0);
	ck_assert_int_eq(config_load(&cfg, home, NULL), 0);
	ck_assert_int_eq(cfg.ttl_ms, 60000);
	ck_assert_int_eq(cfg.wait_ms, 0);
	config_free(&cfg);
	ck_assert_int_eq(config_defaults(&cfg), 0);
	ck_assert_int_eq(config_load(&cfg, "", ""), 0);
	ck_assert_int_eq(cfg.ttl_ms, 300000);
}
END_TEST

/* --- refusals ---------------------------------------------------------------- */

START_TEST(bad_json_names_the_file_and_the_byte)
{
	char want[PATH_MAX + 64];
	const char *path;

	put(home, "{\"ttl_ms\": 60000}");
	/* byte 36 is the 'x' */
	path = put(ws, "{\n  \"ttl_ms\": 60000,\n  \"wait_ms\": 10x\n}\n");
	ck_assert_int_eq(config_load(&cfg, home, ws), -1);
	snprintf(want, sizeof(want), "'%s': not valid JSON (at byte 36)", path);
	ck_assert_str_eq(err_last(), want);
	/* The sources before and after the bad file still apply. */
	ck_assert_int_eq(cfg.ttl_ms, 60000);
	setenv("SESSION_LOCK_TTL_MS", "5000", 1);
	config_free(&cfg);
	ck_assert_int_eq(config_defaults(&cfg), 0);
	ck_assert_int_eq(config_load(&cfg, home, ws), -1);
	ck_assert_int_eq(cfg.ttl_ms, 5000);
}
END_TEST

START_TEST(bad_user_file_is_skipped_and_the_project_file_applies)
{
	const char *path = put(home, "{\"ttl_ms\": 60000,,}");
	char want[PATH_MAX + 8];

	snprintf(want, sizeof(want), "'%s'", path);
	put(ws, "{\"wait_ms\": 500}");
	ck_assert_int_eq(config_load(&cfg, home, ws), -1);
	err_has(want);
	err_has("not valid JSON");
	ck_assert_int_eq(cfg.wait_ms, 500);
	ck_assert_int_eq(cfg.ttl_ms, 300000);
}
END_TEST

START_TEST(a_bad_file_changes_nothing_not_even_its_good_keys)
{
	put(home, "{\"ttl_ms\": 60000, \"tools\": [\"Write\"]}");
	put(ws, "{\"ttl_ms\": 90000, \"disable\": true, \"tools\": [\"Edit\"], "
	    "\"readonly_commands\": [\"^x\"], \"wait_ms\": \"soon\"}");
	ck_assert_int_eq(config_load(&cfg, home, ws), -1);
	err_has("\"wait_ms\" must be");
	ck_assert_int_eq(cfg.ttl_ms, 60000);
	ck_assert_int_eq(cfg.disabled, 0);
	ck_assert_uint_eq(cfg.ntools, 1);
	ck_assert_str_eq(cfg.tools[0], "Write");
	ck_assert_uint_eq(cfg.nreadonly, 0);
}
END_TEST

START_TEST(every_bad_source_is_named_and_the_good_ones_apply)
{
	char want[PATH_MAX + 64];

	put(home, "{\"ttl_msec\": 1}");
	put(ws, "[]");
	setenv("SESSION_LOCK_TTL_MS", "soon", 1);
	setenv("SESSION_LOCK_WAIT_MS", "700", 1);
	setenv("SESSION_LOCK_RELEASE_ON", "never", 1);
	ck_assert_int_eq(config_load(&cfg, home, ws), -1);
	snprintf(want, sizeof(want), "'%s/.claude/session-lock.json': unknown key", home);
	err_has(want);
	snprintf(want, sizeof(want), "'%s/.claude/session-lock.json': the configuration must", ws);
	err_has(want);
	err_has("SESSION_LOCK_TTL_MS='soon'");
	err_has("SESSION_LOCK_RELEASE_ON='never'");
	ck_assert_int_eq(cfg.ttl_ms, 300000);
	ck_assert_int_eq(cfg.wait_ms, 700);
	ck_assert_int_eq(cfg.release_on_stop, 1);
}
END_TEST

struct bad {
	const char *text;
	const char *reason;
};

static const struct bad bad_files[] = {
	/* the byte of a JSON error is where cJSON stops: at or just after the fault */
	{ "", "not valid JSON (at byte 0)" },
	{ "[]", "must be a JSON object" },
	{ "\"ttl_ms\"", "must be a JSON object" },
	{ "{\"ttl_ms\": 60000} {}", "not valid JSON (bytes after the object, at byte 18)" },
	{ "{\"disable\": false}\n{\"disable\": true}\n", "bytes after the object, at byte 19" },
	{ "{} x", "bytes after the object, at byte 3" },
	{ "{\"tll_ms\": 60000}", "unknown key \"tll_ms\"" },
	{ "{\"TTL_MS\": 60000}", "unknown key \"TTL_MS\"" },
	{ "{\"disable\": \"yes\"}", "\"disable\" must be true or false" },
	{ "{\"disable\": 1}", "\"disable\" must be true or false" },
	{ "{\"ttl_ms\": 999}", "\"ttl_ms\" must be a whole number from 1000 to 2147483647" },
	{ "{\"ttl_ms\": 1500.5}", "\"ttl_ms\" must be a whole number" },
	{ "{\"ttl_ms\": \"60000\"}", "\"ttl_ms\" must be a whole number" },
	{ "{\"ttl_ms\": 2147483648}", "\"ttl_ms\" must be a whole number" },
	{ "{\"wait_ms\": 8001}", "\"wait_ms\" must be a whole number from 0 to 8000" },
	{ "{\"wait_ms\": -1}", "\"wait_ms\" must be a whole number from 0 to 8000" },
	{ "{\"wait_ms\": 1e9}", "\"wait_ms\" must be a whole number from 0 to 8000" },
	{ "{\"release_on\": \"never\"}", "\"release_on\" must be \"stop\" or \"session_end\"" },
	{ "{\"release_on\": true}", "\"release_on\" must be \"stop\" or \"session_end\"" },
	{ "{\"tools\": \"Write\"}", "\"tools\" must be an array of strings" },
	{ "{\"tools\": [\"Write\", 3]}", "\"tools\" must be an array of strings" },
	{ "{\"readonly_commands\": {}}", "\"readonly_commands\" must be an array of strings" },
	{ "{\"mutating_commands\": [null]}", "\"mutating_commands\" must be an array of strings" },
};

START_TEST(bad_file_is_refused_with_its_reason)
{
	const struct bad *b = &bad_files[_i];
	const char *path = put(ws, b->text);
	char want[PATH_MAX + 8];

	err_clear();
	ck_assert_msg(config_load_file(&cfg, path) == -1, "accepted %s", b->text);
	snprintf(want, sizeof(want), "'%s': ", path);
	ck_assert_msg(strncmp(err_last(), want, strlen(want)) == 0, "%s", err_last());
	err_has(b->reason);
}
END_TEST

START_TEST(wait_is_capped_at_8_s)
{
	ck_assert_int_eq(CONFIG_WAIT_MAX_MS, 8000);
	ck_assert_int_eq(load_text("{\"wait_ms\": 8000}"), 0);
	ck_assert_int_eq(cfg.wait_ms, 8000);
	ck_assert_int_eq(load_text("{\"wait_ms\": 0}"), 0);
	ck_assert_int_eq(cfg.wait_ms, 0);
	ck_assert_int_eq(load_text("{\"wait_ms\": 8001}"), -1);
	ck_assert_int_eq(cfg.wait_ms, 0);

	setenv("SESSION_LOCK_WAIT_MS", "8000", 1);
	ck_assert_int_eq(config_load_env(&cfg), 0);
	ck_assert_int_eq(cfg.wait_ms, 8000);
	setenv("SESSION_LOCK_WAIT_MS", "8001", 1);
	ck_assert_int_eq(config_load_env(&cfg), -1);
	ck_assert_str_eq(err_last(),
	    "SESSION_LOCK_WAIT_MS='8001' is not a whole number of ms from 0 to 8000");
	ck_assert_int_eq(cfg.wait_ms, 8000);
}
END_TEST

static const char *const bad_numbers[] = { "-1", "abc", "12abc", "1.5", "99999999999999999999" };

START_TEST(bad_variables_are_refused)
{
	setenv("SESSION_LOCK_WAIT_MS", bad_numbers[_i], 1);
	ck_assert_int_eq(config_load_env(&cfg), -1);
	err_has("SESSION_LOCK_WAIT_MS='");
	err_has(bad_numbers[_i]);
	unsetenv("SESSION_LOCK_WAIT_MS");
	setenv("SESSION_LOCK_TTL_MS", bad_numbers[_i], 1);
	ck_assert_int_eq(config_load_env(&cfg), -1);
	err_has("SESSION_LOCK_TTL_MS='");
	ck_assert_int_eq(cfg.ttl_ms, 300000);
}
END_TEST

START_TEST(other_bad_variables)
{
	setenv("SESSION_LOCK_TTL_MS", "999", 1);
	ck_assert_int_eq(config_load_env(&cfg), -1);
	err_has("SESSION_LOCK_TTL_MS='999'");
	setenv("SESSION_LOCK_TTL_MS", "1000", 1);
	ck_assert_int_eq(config_load_env(&cfg), 0);
	ck_assert_int_eq(cfg.ttl_ms, 1000);
	setenv("SESSION_LOCK_RELEASE_ON", "Stop", 1);
	ck_assert_int_eq(config_load_env(&cfg), -1);
	err_has("SESSION_LOCK_RELEASE_ON='Stop'");
	setenv("SESSION_LOCK_RELEASE_ON", "session_end", 1);
	ck_assert_int_eq(config_load_env(&cfg), 0);
	ck_assert_int_eq(cfg.release_on_stop, 0);
}
END_TEST

START_TEST(files_that_are_not_config_files)
{
	char path[PATH_MAX], big[65600];
	size_t head;

	/* Absent, or below a regular file: no configuration, not an error. */
	unit_path(path, ws, "absent.json");
	ck_assert_int_eq(config_load_file(&cfg, path), 0);
	unit_path(path, ws, ".claude/session-lock.json/x");
	put(ws, "{}");
	ck_assert_int_eq(config_load_file(&cfg, path), 0);

	/* A directory and a FIFO (which must not hang the hook). */
	unit_path(path, ws, "dir.json");
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(config_load_file(&cfg, path), -1);
	err_has("not a regular file");
	unit_path(path, ws, "fifo.json");
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(config_load_file(&cfg, path), -1);
	err_has("not a regular file");

	/* 64 KiB is the limit: a file of exactly that size is read. */
	head = strlen("{\"ttl_ms\": 60000}");
	memcpy(big, "{\"ttl_ms\": 60000}", head);
	memset(big + head, ' ', 65536 - head);
	big[65536] = '\0';
	ck_assert_msg(load_text(big) == 0, "%s", err_last());
	ck_assert_int_eq(cfg.ttl_ms, 60000);
	big[65536] = ' ';
	big[65537] = '\0';
	ck_assert_int_eq(load_text(big), -1);
	err_has("the configuration is larger than 65536 bytes");
}
END_TEST

START_TEST(lists_have_limits)
{
	char text[4096];
	size_t i, n;

	n = (size_t)snprintf(text, sizeof(text), "{\"tools\": [");
	for (i = 0; i < CONFIG_MAX_TOOLS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\"T%zu\"", i ? "," : "", i);
	snprintf(text + n, sizeof(text) - n, "]}");
	ck_assert_msg(load_text(text) == 0, "%s", err_last());
	ck_assert_uint_eq(cfg.ntools, CONFIG_MAX_TOOLS);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "T31"), 1);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Write"), 0);
	snprintf(text + n, sizeof(text) - n, ",\"one too many\"]}");
	ck_assert_int_eq(load_text(text), -1);
	err_has("\"tools\" has more than 32 entries");
	/* An empty list: no tool needs the lock. */
	ck_assert_int_eq(load_text("{\"tools\": []}"), 0);
	ck_assert_uint_eq(cfg.ntools, 0);
	ck_assert_int_eq(config_tool_needs_lock(&cfg, "Write"), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("sources");

	tcase_add_unchecked_fixture(tc, make_root, remove_root);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, home_then_workspace_then_environment);
	tcase_add_test(tc, environment_overrides_every_file);
	tcase_add_test(tc, empty_and_zero_variables);
	tcase_add_test(tc, null_home_or_workspace_skips_that_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_unchecked_fixture(tc, make_root, remove_root);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, bad_json_names_the_file_and_the_byte);
	tcase_add_test(tc, bad_user_file_is_skipped_and_the_project_file_applies);
	tcase_add_test(tc, a_bad_file_changes_nothing_not_even_its_good_keys);
	tcase_add_test(tc, every_bad_source_is_named_and_the_good_ones_apply);
	tcase_add_loop_test(tc, bad_file_is_refused_with_its_reason, 0,
	    (int)(sizeof(bad_files) / sizeof(bad_files[0])));
	tcase_add_test(tc, wait_is_capped_at_8_s);
	tcase_add_loop_test(tc, bad_variables_are_refused, 0,
	    (int)(sizeof(bad_numbers) / sizeof(bad_numbers[0])));
	tcase_add_test(tc, other_bad_variables);
	tcase_add_test(tc, files_that_are_not_config_files);
	tcase_add_test(tc, lists_have_limits);
	suite_add_tcase(s, tc);
	return s;
}
