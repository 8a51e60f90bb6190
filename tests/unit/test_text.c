/*
 * test_text.c - control characters made visible (text.h): what is escaped,
 * what is kept, the JSON form, and cutting at a boundary.
 */
#include "unit.h"

#include <string.h>

#include "text.h"

static char out[256];

static const char *
line(const char *in)
{
	text_escape(out, sizeof(out), in, TEXT_LINE);
	return out;
}

static const char *
json(const char *in)
{
	text_escape(out, sizeof(out), in, TEXT_JSON);
	return out;
}

START_TEST(printable_ascii_and_valid_utf8_are_kept)
{
	ck_assert_str_eq(line("session 3f2a9c1e (pid 9) on /home/dev/x"),
	    "session 3f2a9c1e (pid 9) on /home/dev/x");
	/* é, €, 中, 😀, U+00A0 (just past the C1 range), U+FFFD */
	ck_assert_str_eq(line("/h/caf\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad \xf0\x9f\x98\x80 \xc2\xa0 \xef\xbf\xbd"),
	    "/h/caf\xc3\xa9 \xe2\x82\xac \xe4\xb8\xad \xf0\x9f\x98\x80 \xc2\xa0 \xef\xbf\xbd");
	ck_assert_str_eq(line("a\\x1b"), "a\\x1b");	/* a backslash is not doubled */
	ck_assert_str_eq(line(""), "");
}
END_TEST

START_TEST(c0_controls_and_del_are_escaped)
{
	ck_assert_str_eq(line("\x1b[2J\x1b]0;title\x07"), "\\x1b[2J\\x1b]0;title\\x07");
	ck_assert_str_eq(line("a\nb\rc\td\x7f" "e\x01"), "a\\x0ab\\x0dc\\x09d\\x7fe\\x01");
}
END_TEST

START_TEST(c1_controls_are_escaped_raw_or_in_utf8)
{
	/* a lone 0x9b is CSI to an 8-bit terminal; U+009B is the same in UTF-8 */
	ck_assert_str_eq(line("x\x9b" "31m"), "x\\x9b31m");
	ck_assert_str_eq(line("x\xc2\x9b" "31m"), "x\\xc2\\x9b31m");
	ck_assert_str_eq(line("\xc2\x80\xc2\x9f"), "\\xc2\\x80\\xc2\\x9f");
}
END_TEST

START_TEST(bytes_that_are_not_utf8_are_escaped)
{
	ck_assert_str_eq(line("\xff\xfe"), "\\xff\\xfe");
	ck_assert_str_eq(line("\xc0\xaf"), "\\xc0\\xaf");		/* overlong '/' */
	ck_assert_str_eq(line("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");	/* overlong */
	ck_assert_str_eq(line("\xed\xa0\x80"), "\\xed\\xa0\\x80");	/* a surrogate */
	ck_assert_str_eq(line("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");	/* > U+10FFFF */
	ck_assert_str_eq(line("ab\xe2\x82"), "ab\\xe2\\x82");		/* cut short */
	ck_assert_str_eq(line("\xe2\x82" "c"), "\\xe2\\x82c");
}
END_TEST

START_TEST(escaping_twice_changes_nothing)
{
	const char *hostile = "\x1b[31mred\x9b\xc2\x85\xff\n";
	char once[256];

	text_escape(once, sizeof(once), hostile, TEXT_LINE);
	ck_assert_str_eq(line(once), once);
}
END_TEST

START_TEST(json_keeps_layout_and_escapes_as_code_points)
{
	ck_assert_str_eq(json("{\n\t\"a\": \"x\x7fy\"\n}"), "{\n\t\"a\": \"x\\u007fy\"\n}");
	ck_assert_str_eq(json("\"\xc2\x9b\x9b\xff\x1b\r\""), "\"\\u009b\\u009b\\u00ff\\u001b\\u000d\"");
	ck_assert_str_eq(json("\"caf\xc3\xa9\""), "\"caf\xc3\xa9\"");
}
END_TEST

START_TEST(measures_and_cuts_at_a_boundary)
{
	char small[8];

	ck_assert_uint_eq(text_escape(NULL, 0, "a\x1b" "b", TEXT_LINE), 6);
	/* "ab\x1b" does not fit in 5 bytes with the NUL: cut before the escape */
	ck_assert_uint_eq(text_escape(small, 5, "ab\x1b" "c", TEXT_LINE), 7);
	ck_assert_str_eq(small, "ab");
	/* a UTF-8 character is never split */
	ck_assert_uint_eq(text_escape(small, 4, "a\xe2\x82\xac", TEXT_LINE), 4);
	ck_assert_str_eq(small, "a");
	ck_assert_uint_eq(text_escape(small, sizeof(small), "abcdefg", TEXT_LINE), 7);
	ck_assert_str_eq(small, "abcdefg");
	ck_assert_uint_eq(text_escape(small, sizeof(small), "abcdefgh", TEXT_LINE), 8);
	ck_assert_str_eq(small, "abcdefg");
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, printable_ascii_and_valid_utf8_are_kept);
	tcase_add_test(tc, c0_controls_and_del_are_escaped);
	tcase_add_test(tc, c1_controls_are_escaped_raw_or_in_utf8);
	tcase_add_test(tc, bytes_that_are_not_utf8_are_escaped);
	tcase_add_test(tc, escaping_twice_changes_nothing);
	tcase_add_test(tc, json_keeps_layout_and_escapes_as_code_points);
	tcase_add_test(tc, measures_and_cuts_at_a_boundary);
	suite_add_tcase(s, tc);
	return s;
}
