/*
 * test_tell.c - what a blocked model and a holder are told (tell.h).
 */
#include "unit.h"

#include <string.h>
#include <time.h>

#include "tell.h"

#define BOOT_A "11111111-1111-1111-1111-111111111111"
#define BOOT_B "22222222-2222-2222-2222-222222222222"
#define WALL0 1700000000000LL	/* 2023-11-14 22:13:20 UTC */
#define BOOT0 5000000LL

static struct holder me;
static struct record rec;
static struct decision dec;
static char out[8192];

static void
setup(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&me, 0, sizeof(me));
	strcpy(me.session_id, "bbbbbbbb-blocked");
	me.pid = 1000;
	strcpy(me.boot_id, BOOT_A);
	strcpy(me.host, "box");
	memset(&rec, 0, sizeof(rec));
	strcpy(rec.session_id, "3f2a9c1e-holder-session");
	rec.pid = 48213;
	strcpy(rec.boot_id, BOOT_A);
	strcpy(rec.host, "box");
	strcpy(rec.kind, "claude");
	rec.whole = 1;	/* the workspace scope: the lock on the whole workspace */
	rec.acquired_at = WALL0 - 60000;	/* 22:12:20 */
	rec.renewed_at = WALL0 - 42000;
	rec.renewed_boot_ms = BOOT0 - 42000;
	rec.busy.since_boot_ms = -1;
	memset(&dec, 0, sizeof(dec));
	dec.verdict = VERDICT_HELD;
	dec.idle_ms = 42000;
}

static int
has(const char *needle)
{
	return strstr(out, needle) != NULL;
}

START_TEST(idle_holder)
{
	tell_holder(out, sizeof(out), &rec, &dec, &me, WALL0, BOOT0);
	ck_assert_str_eq(out, "session 3f2a9c1e (pid 48213, idle 42 s, holding the lock since "
	    "22:12:20)");
}
END_TEST

START_TEST(busy_holder_on_the_boot_clock)
{
	strcpy(rec.busy.tool, "Bash");
	rec.busy.since = WALL0 - 999000;	/* the wall clock jumped: not used */
	rec.busy.since_boot_ms = BOOT0 - 7000;
	tell_holder(out, sizeof(out), &rec, &dec, &me, WALL0, BOOT0);
	ck_assert_msg(has("running a Bash command for 7 s"), "%s", out);
	ck_assert_msg(!has("idle"), "%s", out);
}
END_TEST

START_TEST(busy_holder_of_another_boot_uses_the_wall_clock)
{
	strcpy(rec.boot_id, BOOT_B);
	strcpy(rec.busy.tool, "Bash");
	rec.busy.background = 1;
	rec.busy.since = WALL0 - 9000;
	rec.busy.since_boot_ms = 1;
	tell_holder(out, sizeof(out), &rec, &dec, &me, WALL0, BOOT0);
	ck_assert_msg(has("running a background Bash command for 9 s"), "%s", out);
}
END_TEST

START_TEST(remote_and_run_holders)
{
	strcpy(rec.host, "far.example");
	tell_holder(out, sizeof(out), &rec, &dec, &me, WALL0, BOOT0);
	ck_assert_msg(has("(pid 48213, on host far.example, idle 42 s"), "%s", out);
	strcpy(rec.kind, "run");
	strcpy(rec.command, "make deploy");
	tell_holder(out, sizeof(out), &rec, &dec, &me, WALL0, BOOT0);
	ck_assert_str_eq(out, "'session-lock run' of 'make deploy' (pid 48213, on host "
	    "far.example, running for 60 s)");
}
END_TEST

START_TEST(block_for_a_write)
{
	struct tell_call c = { .tool = "Write", .target = "/w/a.txt", .lock_cmd = "/opt/sl/session-lock" };

	tell_block(out, sizeof(out), &c, "/w", &rec, &dec, &me, 0, WALL0, BOOT0);
	ck_assert_msg(has("Parallel session lock: the workspace /w is held by Claude Code session "
	    "3f2a9c1e (pid 48213, idle 42 s"), "%s", out);
	ck_assert_msg(has("This Write needs the lock: it changes /w/a.txt."), "%s", out);
	ck_assert_msg(has("Next: run `/opt/sl/session-lock wait '/w'`"), "%s", out);
	ck_assert_msg(has("and retry; or carry on with read-only work; or tell the user."), "%s",
	    out);
	ck_assert_msg(!has("release"), "advice that cannot work: %s", out);
	ck_assert_msg(!has("took over"), "%s", out);
}
END_TEST

START_TEST(block_for_bash_gives_the_classifier_reason)
{
	struct tell_call c = { .tool = "Bash", .why = "redirection to a file", .lock_cmd = "sl" };

	tell_block(out, sizeof(out), &c, "/w", &rec, &dec, &me, 0, WALL0, BOOT0);
	ck_assert_msg(has("This Bash command needs the lock (redirection to a file)."), "%s", out);
}
END_TEST

START_TEST(block_for_a_skill_command)
{
	struct tell_call c = { .tool = "Bash", .why = "'rm' changes files", .lock_cmd = "sl",
	    .skill = 1 };

	tell_block(out, sizeof(out), &c, "/w", &rec, &dec, &me, 0, WALL0, BOOT0);
	ck_assert_msg(has("This skill's shell command needs the lock"), "%s", out);
	ck_assert_msg(has("and run the command again"), "%s", out);
}
END_TEST

START_TEST(block_after_our_lock_was_taken)
{
	struct tell_call c = { .tool = "Edit", .target = "/w/b", .lock_cmd = "sl" };

	strcpy(rec.previous.session_id, me.session_id);
	strcpy(rec.previous.reason, "lease ended");
	rec.previous.idle_ms = 312000;
	rec.previous.at = WALL0 - 60000;
	tell_block(out, sizeof(out), &c, "/w", &rec, &dec, &me, 1, WALL0, BOOT0);
	ck_assert_msg(has(" It took over this session's lock at 22:12:20 because this session's "
	    "lease ended after 312 s idle."), "%s", out);
}
END_TEST

START_TEST(queued_block)
{
	struct tell_call c = { .tool = "Write", .target = "/w/a", .lock_cmd = "sl" };

	tell_queued(out, sizeof(out), &c, "/w", 2);
	ck_assert_msg(has("is free, but 2 other sessions waiting for it came first."), "%s", out);
	ck_assert_msg(has("Next: run `sl wait '/w'`"), "%s", out);
	tell_queued(out, sizeof(out), &c, "/w", 1);
	ck_assert_msg(has("1 other session waiting"), "%s", out);
}
END_TEST

START_TEST(waiting_note)
{
	tell_waiting(out, sizeof(out), "/w", "9b1e22aa-more", WALL0);
	ck_assert_msg(has("session 9b1e22aa has been waiting since 22:13:20 to change files in "
	    "/w"), "%s", out);
	ck_assert_msg(has("end your turn"), "%s", out);
	ck_assert_msg(has("nothing changes for your own tools"), "%s", out);
}
END_TEST

START_TEST(shell_quote)
{
	char q[64];

	tell_shell_quote(q, sizeof(q), "/a b/c");
	ck_assert_str_eq(q, "'/a b/c'");
	tell_shell_quote(q, sizeof(q), "/it's");
	ck_assert_str_eq(q, "'/it'\\''s'");
	tell_shell_quote(q, sizeof(q), "");
	ck_assert_str_eq(q, "''");
	/* Too long: cut, but always closed. */
	tell_shell_quote(q, 8, "/abcdefghij");
	ck_assert_int_eq(q[0], '\'');
	ck_assert_int_eq(q[strlen(q) - 1], '\'');
}
END_TEST

START_TEST(messages_fit_long_paths)
{
	char ws[PATH_MAX];
	struct tell_call c = { .tool = "Write", .lock_cmd = "sl" };

	memset(ws, 'x', sizeof(ws) - 1);
	ws[0] = '/';
	ws[sizeof(ws) - 1] = '\0';
	c.target = ws;
	tell_block(out, sizeof(out), &c, ws, &rec, &dec, &me, 0, WALL0, BOOT0);
	ck_assert_uint_lt(strlen(out), sizeof(out));
	ck_assert_msg(has("Parallel session lock: the workspace /xxx"), "starts as it should");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("tell");
	TCase *tc = tcase_create("tell");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, idle_holder);
	tcase_add_test(tc, busy_holder_on_the_boot_clock);
	tcase_add_test(tc, busy_holder_of_another_boot_uses_the_wall_clock);
	tcase_add_test(tc, remote_and_run_holders);
	tcase_add_test(tc, block_for_a_write);
	tcase_add_test(tc, block_for_bash_gives_the_classifier_reason);
	tcase_add_test(tc, block_for_a_skill_command);
	tcase_add_test(tc, block_after_our_lock_was_taken);
	tcase_add_test(tc, queued_block);
	tcase_add_test(tc, waiting_note);
	tcase_add_test(tc, shell_quote);
	tcase_add_test(tc, messages_fit_long_paths);
	suite_add_tcase(s, tc);
	return s;
}
