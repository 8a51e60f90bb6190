/*
 * test_classify.c - the Bash command classifier (classify.h): a table of
 * commands with their class (classify_table.h, whose read-only rows
 * tests/contract/test_classify_diff.sh also runs), the reasons given, the
 * user's extra patterns, hostile input, and (printed, never asserted) the
 * time of one hook's worth of work.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify.h"
#include "err.h"

#include "classify_table.h"

static struct classify *defaults;

static void
setup(void)
{
	ck_assert_msg(classify_new(&defaults, NULL, 0, NULL, 0) == 0, "%s",
	    err_last());
}

static void
teardown(void)
{
	classify_free(defaults);
	defaults = NULL;
}

/* The reason given by the last call to judge() or why_of(). */
static char why[256];

static enum bash_class
judge(const struct classify *c, const char *command)
{
	return classify_bash(c, command, why, sizeof(why));
}

/* The reason the defaults give for command. */
static const char *
why_of(const char *command)
{
	judge(defaults, command);
	return why;
}

/* Asserts that the last error names s. */
#define ck_assert_err_has(s) \
	ck_assert_msg(strstr(err_last(), (s)) != NULL, "%s", err_last())

START_TEST(table_entry)
{
	const struct example *e = &classify_table[_i];

	ck_assert_msg(judge(defaults, e->command) == e->expect,
	    "'%s' should be %s (why: %s)", e->command,
	    e->expect == RO ? "READONLY" : "MUTATING", why);
	if (e->expect == RO)
		ck_assert_str_eq(why, "");
	else
		ck_assert_msg(why[0] != '\0', "'%s' gave no reason",
		    e->command);
}
END_TEST

START_TEST(table_is_large_enough)
{
	ck_assert_uint_ge(N_TABLE, 150);
}
END_TEST

START_TEST(reasons_name_the_cause)
{
	ck_assert_str_eq(why_of("echo x > f"), "redirection to a file");
	ck_assert_str_eq(why_of("ls; echo $(id)"), "command substitution");
	ck_assert_str_eq(why_of("echo `id`"), "command substitution");
	ck_assert_str_eq(why_of("echo $((1 + 2))"), "arithmetic expansion");
	ck_assert_str_eq(why_of("diff <(ls a) b"), "process substitution");
	ck_assert_str_eq(why_of("sed -i s/a/b/ f"), "'sed -i' writes files");
	ck_assert_str_eq(why_of("find . -delete"),
	    "'find -delete' deletes files");
	ck_assert_str_eq(why_of("make -j8"), "'make' is a build tool");
	ck_assert_str_eq(why_of("python3 x.py"), "'python3' runs code");
	ck_assert_str_eq(why_of("npm ci"), "'npm' is a package manager");
	ck_assert_str_eq(why_of("rm -rf build"), "'rm' changes files");
	ck_assert_str_eq(why_of("frobnicate"),
	    "'frobnicate' is not on the read-only list");
	ck_assert_str_eq(why_of("git commit -m x"),
	    "'git commit' is not on the read-only list");
	ck_assert_str_eq(why_of("git branch x"),
	    "'git branch' in this form is not on the read-only list");
	ck_assert_str_eq(why_of("PATH=. ls"),
	    "setting 'PATH' may change what runs");
	ck_assert_str_eq(why_of("find . $x"),
	    "'find' has an argument that may expand to an option");
	ck_assert_str_eq(why_of("cat 'x"), "unterminated quote");
	ck_assert_str_eq(why_of("cat <<E\nx"), "unterminated here-document");
	ck_assert_str_eq(why_of("ls | xargs rm"), "'rm' changes files");
	/* the first reason wins */
	ck_assert_str_eq(why_of("ls > f; rm x"), "redirection to a file");
}
END_TEST

/* Issue 9: our own command line, by name or by path (issue 10: below). */
START_TEST(reasons_for_our_command_line)
{
	ck_assert_str_eq(why_of("session-lock release --force"),
	    "'session-lock release' changes locks");
	ck_assert_str_eq(why_of("session-lock release $x"),
	    "'session-lock release' has an argument that may expand to --force");
	ck_assert_str_eq(why_of("CLAUDE_CODE_SESSION_ID=x session-lock release"),
	    "setting 'CLAUDE_CODE_SESSION_ID' may change what runs");
	ck_assert_str_eq(why_of("session-lock release"), "");
	ck_assert_str_eq(why_of("session-lock claim src"), "");
	ck_assert_str_eq(why_of("/home/u/.local/lib/claude-session-lock/bin/"
	    "session-lock gc --all"), "'session-lock gc' changes locks");
	ck_assert_str_eq(why_of("session-lock run -- make"),
	    "'session-lock run' runs a command");
	ck_assert_str_eq(why_of("session-lock settings install"),
	    "'session-lock settings' edits Claude Code's settings");
	ck_assert_str_eq(why_of("session-lock bogus"),
	    "'session-lock bogus' is not on the read-only list");
	ck_assert_str_eq(why_of("session-lock $c"),
	    "'session-lock' has a command that may expand to anything");
	ck_assert_str_eq(why_of("echo gc | xargs session-lock"),
	    "'session-lock' would get its command from xargs' input");
	ck_assert_int_eq(judge(defaults, "/x/y/session-lock wait --timeout 30"),
	    RO);
}
END_TEST

/* Issue 10: what the audit found read as read-only, and its kin. */
START_TEST(reasons_for_crafted_classes)
{
	ck_assert_str_eq(why_of("git branch -v x"),
	    "'git branch' in this form is not on the read-only list");
	ck_assert_str_eq(why_of("tree -R"), "'tree -R' writes files");
	ck_assert_str_eq(why_of("cat <<E\nE\\\nrm x\nE"),
	    "line continuation in a here-document");
	ck_assert_str_eq(why_of("cat <<\\\n-E\nE\nrm x\n-E"),
	    "line continuation in a redirection");
	ck_assert_str_eq(why_of("echo ${x:-<(rm y)}"), "process substitution");
	ck_assert_str_eq(why_of("echo ${!x}"), "indirect expansion");
	ck_assert_str_eq(why_of("echo \"${a[$i]}\""),
	    "arithmetic in an array subscript");
	ck_assert_str_eq(why_of("echo ${x:i}"),
	    "arithmetic in a substring offset");
	ck_assert_str_eq(why_of("echo ${x@P}"), "prompt expansion");
	ck_assert_str_eq(why_of("cat <<E\n${x@P}\nE"),
	    "prompt expansion in a here-document");
	ck_assert_str_eq(why_of(": ${GIT_PAGER:=rm}"),
	    "assignment in an expansion");
	ck_assert_str_eq(why_of("((x))"), "arithmetic evaluation");
	ck_assert_str_eq(why_of("[[ $x -eq 1 ]]"),
	    "'[[ ... -eq ... ]]' evaluates its operands as arithmetic");
	ck_assert_str_eq(why_of("[[ -v $x ]]"),
	    "'-v' evaluates the subscript of a variable name");
	ck_assert_str_eq(why_of("[ $x ]"), "'[' with an unquoted expansion may "
	    "evaluate a variable's subscript");
	ck_assert_str_eq(why_of("read GIT_EXTERNAL_DIFF < f"),
	    "setting 'GIT_EXTERNAL_DIFF' may change what runs");
	ck_assert_str_eq(why_of("printf -v LESSOPEN %s x"),
	    "setting 'LESSOPEN' may change what runs");
	ck_assert_str_eq(why_of("export GIT_CONFIG_PARAMETERS"),
	    "setting 'GIT_CONFIG_PARAMETERS' may change what runs");
	ck_assert_str_eq(why_of("read 'a[$i]'"),
	    "'read' sets a variable whose name may be evaluated");
	ck_assert_str_eq(why_of("set -k"),
	    "'set -k' turns arguments into variables");
}
END_TEST

START_TEST(reason_is_cut_to_fit_and_cleared)
{
	char small[8];

	ck_assert_int_eq(classify_bash(defaults, "echo x > f", small,
	    sizeof(small)), MUT);
	ck_assert_str_eq(small, "redirec");
	ck_assert_int_eq(classify_bash(defaults, "ls", small, sizeof(small)),
	    RO);
	ck_assert_str_eq(small, "");
	memcpy(small, "abc", 4);
	ck_assert_int_eq(classify_bash(defaults, "rm x", small, 0), MUT);
	ck_assert_str_eq(small, "abc");
}
END_TEST

START_TEST(reason_shows_names_safely)
{
	ck_assert_str_eq(why_of("\001\x7f\\'abcdefghijklmnopqrstuvwxyz"
	    "0123456789ABCDEFGH x"), "'???abcdefghijklmnopqrstuvwxyz"
	    "0123456789A...' is not on the read-only list");
}
END_TEST

START_TEST(null_arguments_are_mutating)
{
	ck_assert_int_eq(judge(defaults, NULL), MUT);
	ck_assert_str_eq(why, "nothing to classify");
	ck_assert_int_eq(judge(NULL, "ls"), MUT);
	classify_free(NULL);
}
END_TEST

/* --- the user's patterns ------------------------------------------------ */

START_TEST(extra_readonly_pattern_accepts_a_command)
{
	const char *ro[] = { "mytool --check( .*)?" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 1, NULL, 0), 0);
	ck_assert_int_eq(judge(c, "mytool --check"), RO);
	ck_assert_int_eq(judge(c, "mytool --check src | head"), RO);
	ck_assert_int_eq(judge(c, "cd x && LC_ALL=C mytool --check"),
	    RO);
	/* anchored at both ends */
	ck_assert_int_eq(judge(c, "mytool --fix"), MUT);
	ck_assert_int_eq(judge(c, "xmytool --check"), MUT);
	/* redirections are judged apart from the pattern */
	ck_assert_int_eq(judge(c, "mytool --check > out"), MUT);
	/* a user rule, like the literal defaults, refuses opaque arguments */
	ck_assert_int_eq(judge(c, "mytool --check $opts"), MUT);
	ck_assert_str_eq(why,
	    "'mytool' has an argument that may expand to an option");
	classify_free(c);
}
END_TEST

START_TEST(extra_patterns_are_whole_and_anchored)
{
	const char *ro[] = { "a|b" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 1, NULL, 0), 0);
	ck_assert_int_eq(classify_bash(c, "a", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "b", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "a x", NULL, 0), MUT);
	ck_assert_int_eq(classify_bash(c, "x b", NULL, 0), MUT);
	classify_free(c);
}
END_TEST

START_TEST(extra_mutating_pattern_overrides_a_default_reader)
{
	const char *mut[] = { "cat .*secret.*" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, NULL, 0, mut, 1), 0);
	ck_assert_int_eq(judge(c, "cat notes/secret.txt"), MUT);
	ck_assert_str_eq(why,
	    "'cat' matches the mutating pattern 'cat .*secret.*'");
	ck_assert_int_eq(judge(c, "cat notes/plain.txt"), RO);
	classify_free(c);
}
END_TEST

START_TEST(mutating_list_wins_over_readonly_list)
{
	const char *ro[] = { "mytool( .*)?", "sed .*", "make -n" };
	const char *mut[] = { "mytool --fix.*" };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 3, mut, 1), 0);
	ck_assert_int_eq(classify_bash(c, "mytool --list", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "mytool --fix", NULL, 0), MUT);
	/* the default always-mutating forms win over the user's readers */
	ck_assert_int_eq(classify_bash(c, "sed -i s/a/b/ f", NULL, 0), MUT);
	/* but a category only gives the reason: the user may accept a form */
	ck_assert_int_eq(classify_bash(c, "make -n", NULL, 0), RO);
	ck_assert_int_eq(classify_bash(c, "make", NULL, 0), MUT);
	classify_free(c);
}
END_TEST

START_TEST(invalid_pattern_is_named)
{
	const char *ro[] = { "ok", "foo(" };
	const char *mut[] = { "[z-a]" };
	struct classify *c = (struct classify *)&c;

	ck_assert_int_eq(classify_new(&c, ro, 2, NULL, 0), -1);
	ck_assert_ptr_eq(c, (struct classify *)&c);
	ck_assert_err_has("read-only pattern 'foo('");
	ck_assert_err_has("at offset 4");
	ck_assert_err_has("missing closing parenthesis");

	ck_assert_int_eq(classify_new(&c, NULL, 0, mut, 1), -1);
	ck_assert_err_has("mutating pattern '[z-a]'");
}
END_TEST

START_TEST(missing_pattern_is_refused)
{
	const char *ro[] = { "ok", NULL };
	struct classify *c;

	ck_assert_int_eq(classify_new(&c, ro, 2, NULL, 0), -1);
	ck_assert_err_has("pattern 2 is missing");
	ck_assert_int_eq(classify_new(&c, NULL, 1, NULL, 0), -1);
}
END_TEST

/* Exponential backtracking on "ls xxx...x!" without the match limit. */
START_TEST(catastrophic_user_pattern_is_bounded)
{
	const char *ro[] = { "ls (x+x+)+" };
	const char *mut[] = { "ls (x+x+)+" };
	struct classify *c;
	char cmd[64];

	memset(cmd, 'x', 50);
	memcpy(cmd, "ls ", 3);
	memcpy(cmd + 50, "!", 2);
	/* a read-only pattern that gives up does not accept ... */
	ck_assert_int_eq(classify_new(&c, ro, 1, NULL, 0), 0);
	ck_assert_int_eq(classify_bash(c, "ls xxxx", NULL, 0), RO);
	classify_free(c);
	/* ... and a mutating one that gives up counts as a match */
	ck_assert_int_eq(classify_new(&c, NULL, 0, mut, 1), 0);
	ck_assert_int_eq(classify_bash(c, "ls", NULL, 0), RO);
	ck_assert_int_eq(judge(c, cmd), MUT);
	ck_assert_str_eq(why, "'ls' matches the mutating pattern 'ls (x+x+)+'");
	classify_free(c);
}
END_TEST

/* --- hostile input ------------------------------------------------------ */

/* A string of n copies of unit after prefix, and suffix; caller frees. */
static char *
repeated(const char *prefix, const char *unit, size_t n, const char *suffix)
{
	size_t lp = strlen(prefix), lu = strlen(unit), ls = strlen(suffix), k;
	char *s = malloc(lp + lu * n + ls + 1), *p;

	ck_assert_ptr_nonnull(s);
	memcpy(s, prefix, lp);
	p = s + lp;
	for (k = 0; k < n; k++, p += lu)
		memcpy(p, unit, lu);
	memcpy(p, suffix, ls + 1);
	return s;
}

START_TEST(hostile_input_is_bounded)
{
	static const struct {
		const char *prefix, *unit;
		size_t n;
		const char *suffix;
		enum bash_class expect;
	} cases[] = {
		{ "echo \"", "a", 1 << 20, "\"", RO },		/* 1 MB */
		{ "ls ", "a ", 1 << 19, "", RO },		/* 512k words */
		{ "", "ls;", 1 << 17, "", RO },		/* 128k commands */
		{ "", "\"'", 10000, "", MUT },		/* 10k quotes, open */
		{ "echo ", "\"'\"", 10000, "", RO },	/* 10k quoted quotes */
		{ "echo ", "'\"", 10000, "", MUT },	/* never closed */
		{ "", "${", 10000, "", MUT },
		{ "", "( ", 100000, "ls", RO },
		{ "cat <<E\n", "x\n", 100000, "", MUT },	/* no end */
		{ "cat <<E | wc -l\n", "xyz\n", 1 << 18, "E", RO },
		{ "cat", " <<E", 10000, "\n", MUT },
		{ "find . ", "-name a ", 1 << 17, "-delete", MUT },
		{ "sed -n '", "p;", 1 << 18, "' f", RO },
		{ "sed '", "s/a/b/;", 1000, "' f", RO },
		{ "sed '", "s/a/b/;", 1 << 16, "' f", MUT },	/* too long */
		{ "sed '", "s/a/b/;", 1 << 16, "w x' f", MUT },
		{ "git log ", "x ", 1 << 18, "", RO },
		{ "echo ", "\\", 1 << 20, "", RO },
		{ "", "A=1 ", 1 << 18, "ls", RO },
		{ "xargs ", "-0 ", 1 << 18, "grep x", RO },
		{ "", "\n", 1 << 20, "", RO },
	};
	size_t k;
	char *s;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		s = repeated(cases[k].prefix, cases[k].unit, cases[k].n,
		    cases[k].suffix);
		ck_assert_msg(judge(defaults, s) == cases[k].expect,
		    "hostile case %zu: why %s", k, why);
		free(s);
	}
}
END_TEST

/*
 * Prints what one hook pays: classify_new() and one classify_bash() in a
 * fresh struct (so the lazy compilation is included), for a few typical
 * commands. Timing is never asserted.
 */
START_TEST(print_the_time_of_one_call)
{
	static const char *const cmds[] = {
		"git status", "ls -la src | head -20",
		"sed -n '1,40p' core/lock.c", "make -j8",
	};
	struct timespec a, b;
	struct classify *c;
	size_t k;
	int n, rounds = 2000;
	double us;

	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (n = 0; n < rounds; n++) {
			ck_assert_int_eq(classify_new(&c, NULL, 0, NULL, 0), 0);
			classify_bash(c, cmds[k], NULL, 0);
			classify_free(c);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		us = ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		    (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / rounds;
		printf("classify_new + classify_bash(\"%s\"): %.1f us\n",
		    cmds[k], us);
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("classify");
	TCase *tc = tcase_create("classify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, table_entry, 0, (int)N_TABLE);
	tcase_add_test(tc, table_is_large_enough);
	tcase_add_test(tc, reasons_name_the_cause);
	tcase_add_test(tc, reasons_for_our_command_line);
	tcase_add_test(tc, reasons_for_crafted_classes);
	tcase_add_test(tc, reason_is_cut_to_fit_and_cleared);
	tcase_add_test(tc, reason_shows_names_safely);
	tcase_add_test(tc, null_arguments_are_mutating);
	tcase_add_test(tc, extra_readonly_pattern_accepts_a_command);
	tcase_add_test(tc, extra_patterns_are_whole_and_anchored);
	tcase_add_test(tc, extra_mutating_pattern_overrides_a_default_reader);
	tcase_add_test(tc, mutating_list_wins_over_readonly_list);
	tcase_add_test(tc, invalid_pattern_is_named);
	tcase_add_test(tc, missing_pattern_is_refused);
	tcase_add_test(tc, catastrophic_user_pattern_is_bounded);
	tcase_add_test(tc, hostile_input_is_bounded);
	tcase_add_test(tc, print_the_time_of_one_call);
	suite_add_tcase(s, tc);
	return s;
}

#include "unit.h"
