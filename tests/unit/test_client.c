/*
 * test_client.c - the Claude Code version (client.h): parsing what
 * `claude --version` prints, comparing versions, and asking a claude on
 * PATH (a stand-in script here).
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "err.h"

START_TEST(parse_takes_the_three_numbers)
{
	char v[CLIENT_VERSION_MAX];

	ck_assert_int_eq(client_parse(v, "2.1.332 (Claude Code)\n"), 0);
	ck_assert_str_eq(v, "2.1.332");
	ck_assert_int_eq(client_parse(v, "  10.20.30\n"), 0);
	ck_assert_str_eq(v, "10.20.30");
	ck_assert_int_eq(client_parse(v, "2.1.3-beta.4"), 0);
	ck_assert_str_eq(v, "2.1.3");
	ck_assert_int_eq(client_parse(v, "2.1.3.4"), 0);
	ck_assert_str_eq(v, "2.1.3");
}
END_TEST

START_TEST(parse_refuses_what_is_not_a_version)
{
	static const char *const bad[] = {
		"", "claude 2.1.332", "v2.1.332", "2.1", "2.1.", "2..1", ".2.1.3", "x",
		"2.1.99999999999999999999999", "123456789012345678901234567890.1.1",
	};
	char v[CLIENT_VERSION_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(client_parse(v, bad[i]) != 0, "accepted '%s'", bad[i]);
}
END_TEST

START_TEST(compare_is_numeric)
{
	ck_assert_int_lt(client_compare("2.1.330", "2.1.332"), 0);
	ck_assert_int_gt(client_compare("2.1.332", "2.1.330"), 0);
	ck_assert_int_eq(client_compare("2.1.332", "2.1.332"), 0);
	ck_assert_int_lt(client_compare("2.1.999", "2.2.0"), 0);
	ck_assert_int_lt(client_compare("9.0.0", "10.0.0"), 0);
	ck_assert_int_gt(client_compare("2.10.0", "2.9.9"), 0);
	/* what does not parse comes first */
	ck_assert_int_lt(client_compare("junk", "0.0.0"), 0);
	ck_assert_int_lt(client_compare(NULL, "2.1.332"), 0);
	ck_assert_int_eq(client_compare(NULL, "junk"), 0);
}
END_TEST

/* --- client_version with a stand-in claude on PATH -------------------------- */

static char dir[64];
static char *saved_path;

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/sl-unit-client.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	saved_path = getenv("PATH") != NULL ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", dir, 1);
}

static void
teardown(void)
{
	if (saved_path != NULL)
		setenv("PATH", saved_path, 1);
	free(saved_path);
	unit_remove_tree(dir);
}

/* Writes the stand-in claude: a /bin/sh script with this body. */
static void
fake_claude(const char *body)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/claude", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
}

START_TEST(version_of_the_claude_on_path)
{
	char v[CLIENT_VERSION_MAX];

	fake_claude("[ \"$1\" = --version ] || exit 9\necho '2.1.332 (Claude Code)'");
	ck_assert_msg(client_version(v) == 0, "%s", err_last());
	ck_assert_str_eq(v, "2.1.332");
}
END_TEST

START_TEST(version_needs_a_claude_on_path)
{
	char v[CLIENT_VERSION_MAX];

	ck_assert_int_eq(client_version(v), -1);
	ck_assert_str_eq(err_last(), "there is no 'claude' on PATH");
}
END_TEST

START_TEST(version_of_a_failing_claude_is_unknown)
{
	char v[CLIENT_VERSION_MAX];

	fake_claude("echo '2.1.332 (Claude Code)'; exit 1");
	ck_assert_int_eq(client_version(v), -1);
	ck_assert_str_eq(err_last(), "'claude --version' failed (exit 1)");
	fake_claude("echo 'Claude Code, the latest'");
	ck_assert_int_eq(client_version(v), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "printed no version"));
	fake_claude("kill -9 $$");
	ck_assert_int_eq(client_version(v), -1);
	ck_assert_str_eq(err_last(), "'claude --version' failed (signal 9)");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("versions");

	tcase_add_test(tc, parse_takes_the_three_numbers);
	tcase_add_test(tc, parse_refuses_what_is_not_a_version);
	tcase_add_test(tc, compare_is_numeric);
	suite_add_tcase(s, tc);
	tc = tcase_create("claude on PATH");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, version_of_the_claude_on_path);
	tcase_add_test(tc, version_needs_a_claude_on_path);
	tcase_add_test(tc, version_of_a_failing_claude_is_unknown);
	suite_add_tcase(s, tc);
	return s;
}
