/*
 * unit.h - the main() shared by every Check unit-test program.
 *
 * A test file includes this header first (it brings in check.h) and defines
 * `static Suite *suite(void)`; the program runs the suite (forking each test, so a crash is one
 * failed test, not a dead runner) and exits non-zero on any failure.
 */
#ifndef SL_UNIT_H
#define SL_UNIT_H

#include <check.h>
#include <stdlib.h>

static Suite *suite(void);

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
