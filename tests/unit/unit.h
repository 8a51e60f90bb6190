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
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static Suite *suite(void);

/* dir/name into buf (PATH_MAX bytes); the test fails when it does not fit. */
static inline char *
unit_path(char *buf, const char *dir, const char *name)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);

	ck_assert(n > 0 && n < PATH_MAX);
	return buf;
}

/* A new scratch directory $TMPDIR/sl-NAME-XXXXXX (or under /tmp) into buf. */
static inline void
unit_scratch(char *buf, const char *name)
{
	snprintf(buf, PATH_MAX, "%s/sl-%s-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", name);
	ck_assert_ptr_nonnull(mkdtemp(buf));
}

static inline int
unit_remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* Removes the tree at dir, depth first, following no symbolic link. */
static inline void
unit_remove_tree(const char *dir)
{
	nftw(dir, unit_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

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
