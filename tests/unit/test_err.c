/*
 * test_err.c - the last-error text (err.h).
 */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include "err.h"

START_TEST(set_returns_minus_one_and_keeps_errno)
{
	errno = ENOENT;
	ck_assert_int_eq(err_set("cannot open '%s'", "/x"), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err_last(), "cannot open '/x'");
}
END_TEST

START_TEST(trailing_colon_appends_the_errno_text)
{
	errno = EACCES;
	err_set("cannot open '%s':", "/x");
	ck_assert_str_eq(err_last(), "cannot open '/x': Permission denied");
}
END_TEST

START_TEST(the_last_message_can_be_wrapped_in_a_new_one)
{
	err_set("the record is corrupt: %s", "not JSON");
	err_set("%s; run 'session-lock gc'", err_last());
	ck_assert_str_eq(err_last(), "the record is corrupt: not JSON; run 'session-lock gc'");
}
END_TEST

START_TEST(clear_empties_and_long_messages_are_cut)
{
	char big[4000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_set("%s", big);
	ck_assert_uint_lt(strlen(err_last()), sizeof(big));
	err_clear();
	ck_assert_str_eq(err_last(), "");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("err");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, set_returns_minus_one_and_keeps_errno);
	tcase_add_test(tc, trailing_colon_appends_the_errno_text);
	tcase_add_test(tc, the_last_message_can_be_wrapped_in_a_new_one);
	tcase_add_test(tc, clear_empties_and_long_messages_are_cut);
	suite_add_tcase(s, tc);
	return s;
}
