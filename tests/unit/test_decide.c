/*
 * test_decide.c - the lock rules (decide.h), clocks included.
 */
#include "unit.h"

#include <string.h>

#include "decide.h"

#define BOOT_A "11111111-1111-1111-1111-111111111111"
#define BOOT_B "22222222-2222-2222-2222-222222222222"
#define WALL0 1700000000000LL	/* "now" on the wall clock */
#define BOOT0 5000000LL		/* "now" on CLOCK_BOOTTIME */
#define TTL 300000LL

static struct holder me;
static struct record rec;

/* A record of another session on our host and boot, renewed `idle` ms ago. */
static void
setup(void)
{
	memset(&me, 0, sizeof(me));
	strcpy(me.session_id, "me-session");
	me.pid = 1000;
	me.pid_start = 777;
	strcpy(me.boot_id, BOOT_A);
	strcpy(me.host, "box");

	memset(&rec, 0, sizeof(rec));
	rec.schema_version = 1;
	strcpy(rec.session_id, "other-session");
	rec.pid = 2000;
	rec.pid_start = 888;
	strcpy(rec.boot_id, BOOT_A);
	strcpy(rec.host, "box");
	rec.ttl_ms = TTL;
	rec.lease_ms = TTL;
	rec.renewed_at = WALL0 - 10000;
	rec.renewed_boot_ms = BOOT0 - 10000;
	rec.acquired_at = rec.renewed_at;
	rec.lease_until = rec.renewed_at + TTL;
}

static enum verdict
verdict(enum proc_liveness owner, int64_t wall, int64_t boot)
{
	struct decision d;

	decide(&d, &rec, &me, owner, wall, boot);
	return d.verdict;
}

START_TEST(no_record_is_free)
{
	struct decision d;

	decide(&d, NULL, &me, PROC_UNKNOWN, WALL0, BOOT0);
	ck_assert_int_eq(d.verdict, VERDICT_FREE);
}
END_TEST

START_TEST(live_fresh_holder_is_held)
{
	struct decision d;

	decide(&d, &rec, &me, PROC_ALIVE, WALL0, BOOT0);
	ck_assert_int_eq(d.verdict, VERDICT_HELD);
	ck_assert_int_eq(d.idle_ms, 10000);
	ck_assert_int_eq(d.lease_left_ms, TTL - 10000);
}
END_TEST

START_TEST(same_session_is_ours)
{
	strcpy(rec.session_id, me.session_id);
	rec.pid = 4242;		/* --resume: a new process, the same session */
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_OURS);
}
END_TEST

START_TEST(ids_that_differ_after_a_nul_are_two_sessions)
{
	record_session_key(me.session_id, "abc\0def", 7);
	record_session_key(rec.session_id, "abc\0xyz", 7);
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_HELD);
	record_session_key(rec.session_id, "abc", 3);	/* what a cut id would be */
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_HELD);
	record_session_key(rec.session_id, "abc\0def", 7);
	rec.pid = 4242;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_OURS);
}
END_TEST

START_TEST(long_ids_compare_whole)
{
	char a[200], b[200];

	memset(a, 'x', sizeof(a));
	memcpy(b, a, sizeof(b));
	b[199] = 'y';	/* the same first 127 bytes and more */
	record_session_key(me.session_id, a, sizeof(a));
	record_session_key(rec.session_id, b, sizeof(b));
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_HELD);
	record_session_key(rec.session_id, a, sizeof(a));
	rec.pid = 4242;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_OURS);
}
END_TEST

START_TEST(same_process_new_session_is_ours)
{
	rec.pid = me.pid;	/* /clear: the same process, a new session id */
	rec.pid_start = me.pid_start;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_OURS);
}
END_TEST

START_TEST(same_pid_other_start_time_is_not_ours)
{
	rec.pid = me.pid;	/* PID reuse: the record's process is not us */
	rec.pid_start = me.pid_start + 1;
	ck_assert_int_eq(verdict(PROC_DEAD, WALL0, BOOT0), VERDICT_STALE_DEAD);
}
END_TEST

START_TEST(same_pid_without_start_time_is_not_ours)
{
	rec.pid = me.pid;	/* an older record cannot prove identity */
	rec.pid_start = 0;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_HELD);
}
END_TEST

START_TEST(dead_holder_is_stale_at_once)
{
	ck_assert_int_eq(verdict(PROC_DEAD, WALL0, BOOT0), VERDICT_STALE_DEAD);
}
END_TEST

START_TEST(other_boot_is_stale_whatever_the_pid_says)
{
	strcpy(rec.boot_id, BOOT_B);
	rec.renewed_boot_ms = 10;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_STALE_DEAD);
}
END_TEST

START_TEST(lease_end_is_exact)
{
	rec.renewed_boot_ms = BOOT0 - TTL + 1;	/* 1 ms of lease left */
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_HELD);
	rec.renewed_boot_ms = BOOT0 - TTL;	/* exactly at the TTL: ended */
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_STALE_EXPIRED);
	rec.renewed_boot_ms = BOOT0 - TTL - 1;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_STALE_EXPIRED);
}
END_TEST

START_TEST(long_bash_lease_is_not_taken_mid_run)
{
	rec.lease_ms = 600000 + 30000;	/* Bash with a 10 min timeout */
	rec.renewed_boot_ms = BOOT0 - 500000;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_HELD);
	rec.renewed_boot_ms = BOOT0 - 640000;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0), VERDICT_STALE_EXPIRED);
}
END_TEST

/* Same boot: idle time comes from CLOCK_BOOTTIME; wall jumps change nothing. */
START_TEST(wall_clock_jumps_do_not_change_a_local_decision)
{
	static const int64_t jumps[] = { 3600000, -3600000, 86400000, -86400000 };
	size_t i;

	for (i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		ck_assert_int_eq(verdict(PROC_ALIVE, WALL0 + jumps[i], BOOT0), VERDICT_HELD);
		ck_assert_int_eq(verdict(PROC_DEAD, WALL0 + jumps[i], BOOT0), VERDICT_STALE_DEAD);
	}
	rec.renewed_boot_ms = BOOT0 - TTL - 5;
	for (i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++)
		ck_assert_int_eq(verdict(PROC_ALIVE, WALL0 + jumps[i], BOOT0),
		    VERDICT_STALE_EXPIRED);
}
END_TEST

START_TEST(suspend_counts_as_idle)
{
	/* CLOCK_BOOTTIME advanced by an hour of suspend, wall clock too. */
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0 + 3600000, BOOT0 + 3600000),
	    VERDICT_STALE_EXPIRED);
}
END_TEST

START_TEST(remote_holder_counts_only_its_lease)
{
	strcpy(rec.host, "other-box");
	strcpy(rec.boot_id, BOOT_B);	/* another host's boot says nothing */
	ck_assert_int_eq(verdict(PROC_UNKNOWN, WALL0, BOOT0), VERDICT_HELD);
	/* A dead-looking PID on our host means nothing for a remote holder. */
	ck_assert_int_eq(verdict(PROC_DEAD, WALL0, BOOT0), VERDICT_HELD);
	ck_assert_int_eq(verdict(PROC_UNKNOWN, WALL0 + TTL, BOOT0), VERDICT_STALE_EXPIRED);
}
END_TEST

START_TEST(remote_lease_from_the_future_is_not_trusted_forever)
{
	strcpy(rec.host, "other-box");
	rec.renewed_at = WALL0 + 86400000;	/* its clock is a day ahead */
	ck_assert_int_eq(verdict(PROC_UNKNOWN, WALL0, BOOT0), VERDICT_STALE_EXPIRED);
	rec.renewed_at = WALL0 + 1000;		/* a little skew is tolerated */
	ck_assert_int_eq(verdict(PROC_UNKNOWN, WALL0, BOOT0), VERDICT_HELD);
}
END_TEST

START_TEST(legacy_record_uses_the_wall_clock)
{
	rec.boot_id[0] = '\0';	/* the five established fields only */
	rec.host[0] = '\0';
	rec.pid_start = 0;
	rec.renewed_boot_ms = -1;
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0, BOOT0 + 999999999), VERDICT_HELD);
	ck_assert_int_eq(verdict(PROC_DEAD, WALL0, BOOT0), VERDICT_STALE_DEAD);
	ck_assert_int_eq(verdict(PROC_ALIVE, WALL0 + TTL, BOOT0), VERDICT_STALE_EXPIRED);
}
END_TEST

START_TEST(verdict_names)
{
	ck_assert_str_eq(decide_verdict_name(VERDICT_HELD), "held");
	ck_assert_str_eq(decide_verdict_name(VERDICT_STALE_DEAD), "stale: dead owner");
	ck_assert_str_eq(decide_verdict_name(VERDICT_STALE_EXPIRED), "stale: lease ended");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("decide");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, no_record_is_free);
	tcase_add_test(tc, live_fresh_holder_is_held);
	tcase_add_test(tc, same_session_is_ours);
	tcase_add_test(tc, ids_that_differ_after_a_nul_are_two_sessions);
	tcase_add_test(tc, long_ids_compare_whole);
	tcase_add_test(tc, same_process_new_session_is_ours);
	tcase_add_test(tc, same_pid_other_start_time_is_not_ours);
	tcase_add_test(tc, same_pid_without_start_time_is_not_ours);
	tcase_add_test(tc, dead_holder_is_stale_at_once);
	tcase_add_test(tc, other_boot_is_stale_whatever_the_pid_says);
	tcase_add_test(tc, lease_end_is_exact);
	tcase_add_test(tc, long_bash_lease_is_not_taken_mid_run);
	tcase_add_test(tc, wall_clock_jumps_do_not_change_a_local_decision);
	tcase_add_test(tc, suspend_counts_as_idle);
	tcase_add_test(tc, remote_holder_counts_only_its_lease);
	tcase_add_test(tc, remote_lease_from_the_future_is_not_trusted_forever);
	tcase_add_test(tc, legacy_record_uses_the_wall_clock);
	tcase_add_test(tc, verdict_names);
	suite_add_tcase(s, tc);
	return s;
}
