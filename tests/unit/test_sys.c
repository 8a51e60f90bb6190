/*
 * test_sys.c - the process's deadline and the bounded flock (sys.h), on a
 * fake clock: sleeping advances it, so no test depends on the machine's
 * speed.
 */
#include "unit.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>

#include "sys.h"

static int64_t fake_now;
static int64_t fake_slept;

static int64_t
fake_boot_ms(void)
{
	return fake_now;
}

static void
fake_sleep_ms(int64_t ms)
{
	fake_now += ms;
	fake_slept += ms;
}

static void
fake_clock(void)
{
	sys_reset();
	fake_now = 1000000;
	fake_slept = 0;
	sys.now_boot_ms = fake_boot_ms;
	sys.sleep_ms = fake_sleep_ms;
}

/*
 * Two open file descriptions of one scratch file, as two processes would
 * have (a flock belongs to the description); with held, the other one
 * holds the flock. On a fake clock too.
 */
static char scratch[PATH_MAX], file[PATH_MAX];

static void
two_descriptors(int *mine, int *other, int held)
{
	fake_clock();
	unit_scratch(scratch, "sys");
	unit_path(file, scratch, "f");
	*mine = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	*other = open(file, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(*mine, 0);
	ck_assert_int_ge(*other, 0);
	if (held)
		ck_assert_int_eq(flock(*other, LOCK_EX), 0);
}

static void
done(int mine, int other)
{
	close(mine);
	close(other);
	unit_remove_tree(scratch);
}

START_TEST(no_deadline_leaves_every_bound_alone)
{
	fake_clock();
	ck_assert(sys_deadline_left_ms() == INT64_MAX);
	ck_assert_int_eq(sys_deadline_clamp(5000), 5000);
	ck_assert_int_eq(sys_deadline_clamp(-3), 0);
}
END_TEST

START_TEST(a_deadline_counts_down_and_clamps)
{
	fake_clock();
	sys_deadline_set(800);
	ck_assert_int_eq(sys_deadline_left_ms(), 800);
	ck_assert_int_eq(sys_deadline_clamp(5000), 800);
	ck_assert_int_eq(sys_deadline_clamp(100), 100);
	fake_now += 700;
	ck_assert_int_eq(sys_deadline_left_ms(), 100);
	fake_now += 500;
	ck_assert_int_eq(sys_deadline_left_ms(), 0);
	ck_assert_int_eq(sys_deadline_clamp(5000), 0);
	/* a deadline already passed when set is "now", never "none" */
	sys_deadline_set(-50);
	ck_assert_int_eq(sys_deadline_left_ms(), 0);
	sys_reset();
	ck_assert(sys_deadline_left_ms() == INT64_MAX);
}
END_TEST

START_TEST(flock_wait_takes_a_free_lock_at_once)
{
	int mine, other;

	two_descriptors(&mine, &other, 0);
	ck_assert_int_eq(sys_flock_wait(mine, 2000), 0);
	ck_assert_int_eq(fake_slept, 0);
	/* now held: the other description cannot have it */
	ck_assert_int_eq(flock(other, LOCK_EX | LOCK_NB), -1);
	done(mine, other);
}
END_TEST

START_TEST(flock_wait_gives_up_after_its_bound)
{
	int mine, other;

	two_descriptors(&mine, &other, 1);
	ck_assert_int_eq(sys_flock_wait(mine, 100), 1);
	ck_assert_int_ge(fake_slept, 100);
	ck_assert_int_lt(fake_slept, 100 + 8);
	done(mine, other);
}
END_TEST

START_TEST(flock_wait_stops_at_the_deadline_but_tries_once)
{
	int mine, other;

	two_descriptors(&mine, &other, 1);
	sys_deadline_set(30);
	ck_assert_int_eq(sys_flock_wait(mine, 2000), 1);
	ck_assert_int_le(fake_slept, 30);
	/* past the deadline: one try, no sleep, and a free lock is still taken */
	fake_slept = 0;
	ck_assert_int_eq(sys_flock_wait(mine, 2000), 1);
	ck_assert_int_eq(fake_slept, 0);
	ck_assert_int_eq(flock(other, LOCK_UN), 0);
	ck_assert_int_eq(sys_flock_wait(mine, 2000), 0);
	done(mine, other);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sys");
	TCase *tc = tcase_create("deadline");

	tcase_add_test(tc, no_deadline_leaves_every_bound_alone);
	tcase_add_test(tc, a_deadline_counts_down_and_clamps);
	tcase_add_test(tc, flock_wait_takes_a_free_lock_at_once);
	tcase_add_test(tc, flock_wait_gives_up_after_its_bound);
	tcase_add_test(tc, flock_wait_stops_at_the_deadline_but_tries_once);
	suite_add_tcase(s, tc);
	return s;
}
