/*
 * test_workspace.c - workspaces (workspace.h): the lock name's hash, which
 * directory a session works in, and whether a target lies inside it.
 */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "workspace.h"

/*
 * A scratch tree under mkdtemp:  a/  a/f  b/  c/  link -> a, and in b/
 * dangling links: out -> <real>/a/new.txt, rel -> ../a/rel.txt,
 * chain -> out, loop1 -> loop2 -> loop1.
 * tmp is the path as made, real its realpath (/tmp may be a symlink).
 */
static char tmp[PATH_MAX], real[PATH_MAX], oldcwd[PATH_MAX];

/* Unchecked (run once around each tcase), so a failed test leaves nothing behind. */
static void
setup(void)
{
	char p[PATH_MAX], q[PATH_MAX];
	int fd;

	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof(oldcwd)));
	unit_scratch(tmp, "ws");
	ck_assert_ptr_nonnull(realpath(tmp, real));
	ck_assert_int_eq(mkdir(unit_path(p, tmp, "a"), 0700), 0);
	ck_assert_int_eq(mkdir(unit_path(p, tmp, "b"), 0700), 0);
	ck_assert_int_eq(mkdir(unit_path(p, tmp, "c"), 0700), 0);
	ck_assert_int_eq(symlink("a", unit_path(p, tmp, "link")), 0);
	ck_assert_int_eq(symlink(unit_path(q, real, "a/new.txt"), unit_path(p, tmp, "b/out")), 0);
	ck_assert_int_eq(symlink("../a/rel.txt", unit_path(p, tmp, "b/rel")), 0);
	ck_assert_int_eq(symlink("out", unit_path(p, tmp, "b/chain")), 0);
	ck_assert_int_eq(symlink("loop2", unit_path(p, tmp, "b/loop1")), 0);
	ck_assert_int_eq(symlink("loop1", unit_path(p, tmp, "b/loop2")), 0);
	fd = open(unit_path(p, tmp, "a/f"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
}

static void
teardown(void)
{
	if (chdir(oldcwd) != 0)
		perror(oldcwd);
	unit_remove_tree(tmp);
}

/* --- the hash -------------------------------------------------------------- */

/*
 * The expected values were computed with md5sum, not with this code:
 *   printf %s /home/dev/project | md5sum  -> 386a62c9e05fe5c90385e97e49ad27e0
 *   printf %s / | md5sum                  -> 6666cd76f96956469e7be39d750cc7d9
 *   printf %s '/tmp/with space' | md5sum  -> e44e675b08cb80c60096fae48b6fd323
 *   printf %s /a/b | md5sum               -> aee31d71a4dce5fe24481547cc863476
 *   printf %s '' | md5sum                 -> d41d8cd98f00b204e9800998ecf8427e
 */
static const char *const known[][2] = {
	{ "/home/dev/project", "386a62c9e05f" },
	{ "/", "6666cd76f969" },
	{ "/tmp/with space", "e44e675b08cb" },
	{ "/a/b", "aee31d71a4dc" },
	{ "", "d41d8cd98f00" },
};

START_TEST(hash_is_the_md5_prefix)
{
	char out[WORKSPACE_HASH_LEN + 2];

	memset(out, 'X', sizeof(out));
	workspace_hash(out, known[_i][0]);
	ck_assert_int_eq(out[WORKSPACE_HASH_LEN], '\0');
	ck_assert_int_eq(out[WORKSPACE_HASH_LEN + 1], 'X');	/* wrote 13 bytes, no more */
	ck_assert_str_eq(out, known[_i][1]);
}
END_TEST

START_TEST(hash_is_12_lowercase_hex_digits_and_tells_paths_apart)
{
	char h1[WORKSPACE_HASH_LEN + 1], h2[WORKSPACE_HASH_LEN + 1];
	size_t i;

	workspace_hash(h1, "/HOME/DEV/PROJECT");
	ck_assert_uint_eq(strlen(h1), WORKSPACE_HASH_LEN);
	for (i = 0; i < WORKSPACE_HASH_LEN; i++)
		ck_assert_msg(strchr("0123456789abcdef", h1[i]) != NULL, "%s", h1);
	workspace_hash(h2, "/home/dev/project/");	/* the bytes, not the directory */
	ck_assert_str_ne(h2, "386a62c9e05f");
	ck_assert_str_ne(h1, "386a62c9e05f");
}
END_TEST

/* --- which directory ------------------------------------------------------- */

START_TEST(project_dir_wins_over_cwd)
{
	char out[PATH_MAX], a[PATH_MAX], b[PATH_MAX], want[PATH_MAX];

	ck_assert_int_eq(workspace_resolve(out, unit_path(a, tmp, "a"), unit_path(b, tmp, "b")), 0);
	ck_assert_str_eq(out, unit_path(want, real, "a"));
}
END_TEST

START_TEST(cwd_is_used_without_project_dir)
{
	char out[PATH_MAX], b[PATH_MAX], want[PATH_MAX];

	ck_assert_int_eq(workspace_resolve(out, NULL, unit_path(b, tmp, "b")), 0);
	ck_assert_str_eq(out, unit_path(want, real, "b"));
	ck_assert_int_eq(workspace_resolve(out, "", unit_path(b, tmp, "b")), 0);
	ck_assert_str_eq(out, unit_path(want, real, "b"));
}
END_TEST

START_TEST(process_cwd_is_the_last_resort)
{
	char out[PATH_MAX], c[PATH_MAX], want[PATH_MAX];

	ck_assert_int_eq(chdir(unit_path(c, tmp, "c")), 0);
	ck_assert_int_eq(workspace_resolve(out, NULL, NULL), 0);
	ck_assert_str_eq(out, unit_path(want, real, "c"));
	ck_assert_int_eq(workspace_resolve(out, "", ""), 0);
	ck_assert_str_eq(out, unit_path(want, real, "c"));
}
END_TEST

START_TEST(symlinks_and_dots_are_resolved)
{
	char out[PATH_MAX], p[PATH_MAX], want[PATH_MAX];

	unit_path(want, real, "a");
	ck_assert_int_eq(workspace_resolve(out, unit_path(p, tmp, "link"), NULL), 0);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(workspace_resolve(out, NULL, unit_path(p, tmp, "b/../link/")), 0);
	ck_assert_str_eq(out, want);
	/* A relative project dir is taken from the process's cwd. */
	ck_assert_int_eq(chdir(tmp), 0);
	ck_assert_int_eq(workspace_resolve(out, "./link", "/"), 0);
	ck_assert_str_eq(out, want);
}
END_TEST

START_TEST(unresolvable_dirs_are_errors_naming_them)
{
	char out[PATH_MAX], p[PATH_MAX], b[PATH_MAX];

	ck_assert_int_eq(workspace_resolve(out, unit_path(p, tmp, "gone"), unit_path(b, tmp, "b")), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "CLAUDE_PROJECT_DIR"));
	ck_assert_ptr_nonnull(strstr(err_last(), p));
	ck_assert_ptr_nonnull(strstr(err_last(), "No such file or directory"));
	ck_assert_int_eq(workspace_resolve(out, NULL, p), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "cwd"));
	ck_assert_ptr_nonnull(strstr(err_last(), p));
	/* A broken cwd does not matter when the project dir is set. */
	ck_assert_int_eq(workspace_resolve(out, b, p), 0);
}
END_TEST

/* --- contains and targets -------------------------------------------------- */

START_TEST(contains_is_by_whole_components)
{
	ck_assert_int_eq(workspace_contains("/a/b", "/a/b"), 1);
	ck_assert_int_eq(workspace_contains("/a/b", "/a/b/c"), 1);
	ck_assert_int_eq(workspace_contains("/a/b", "/a/b/c/d.txt"), 1);
	ck_assert_int_eq(workspace_contains("/a/b", "/a/bc"), 0);
	ck_assert_int_eq(workspace_contains("/a/b", "/a/b.txt"), 0);
	ck_assert_int_eq(workspace_contains("/a/b", "/a"), 0);
	ck_assert_int_eq(workspace_contains("/a/b", "/"), 0);
	ck_assert_int_eq(workspace_contains("/a/b", "/x/a/b"), 0);
	ck_assert_int_eq(workspace_contains("/a/b", ""), 0);
	ck_assert_int_eq(workspace_contains("/", "/"), 1);
	ck_assert_int_eq(workspace_contains("/", "/etc/passwd"), 1);
}
END_TEST

/* Resolves path against base and compares with real/want. */
static void
target_is(const char *path, const char *base, const char *want_rel)
{
	char out[PATH_MAX], want[PATH_MAX];

	ck_assert_msg(workspace_resolve_target(out, path, base) == 0, "%s: %s", path, err_last());
	if (want_rel[0] == '/')
		snprintf(want, sizeof(want), "%s", want_rel);
	else
		unit_path(want, real, want_rel);
	ck_assert_msg(strcmp(out, want) == 0, "%s (base %s): got %s, wanted %s", path,
	    base != NULL ? base : "(null)", out, want);
}

START_TEST(existing_targets_are_resolved)
{
	char p[PATH_MAX], base[PATH_MAX];

	target_is(unit_path(p, tmp, "a/f"), NULL, "a/f");
	target_is(unit_path(p, tmp, "link/f"), NULL, "a/f");
	target_is(unit_path(p, tmp, "b/../a/./f"), NULL, "a/f");
	target_is("f", unit_path(base, tmp, "a"), "a/f");
	target_is("../link/f", unit_path(base, tmp, "b"), "a/f");
	target_is("/", NULL, "/");
}
END_TEST

START_TEST(new_files_resolve_through_their_existing_parent)
{
	char p[PATH_MAX], base[PATH_MAX];

	target_is(unit_path(p, tmp, "a/new.txt"), NULL, "a/new.txt");
	target_is(unit_path(p, tmp, "link/new.txt"), NULL, "a/new.txt");
	target_is(unit_path(p, tmp, "link/x/y/../z.txt"), NULL, "a/x/z.txt");
	target_is(unit_path(p, tmp, "a/./x/./y/"), NULL, "a/x/y");
	target_is(unit_path(p, tmp, "a/x//y"), NULL, "a/x/y");
	target_is(unit_path(p, tmp, "a/x/../../b/new"), NULL, "b/new");
	target_is("new.txt", unit_path(base, tmp, "link"), "a/new.txt");
	target_is("sub/new.txt", unit_path(base, tmp, "b"), "b/sub/new.txt");
}
END_TEST

START_TEST(dangling_links_resolve_to_where_the_write_lands)
{
	/* A Write through b/out creates a/new.txt: the target is in a, not b. */
	char p[PATH_MAX], out[PATH_MAX], ws[PATH_MAX];

	target_is(unit_path(p, tmp, "b/out"), NULL, "a/new.txt");
	target_is(unit_path(p, tmp, "b/rel"), NULL, "a/rel.txt");
	target_is(unit_path(p, tmp, "b/chain"), NULL, "a/new.txt");
	target_is("chain", unit_path(ws, tmp, "b"), "a/new.txt");
	ck_assert_int_eq(workspace_resolve_target(out, unit_path(p, tmp, "b/out"), NULL), 0);
	ck_assert_int_eq(workspace_contains(unit_path(ws, real, "a"), out), 1);
	ck_assert_int_eq(workspace_contains(unit_path(ws, real, "b"), out), 0);
	/* A loop resolves to somewhere (a write through it fails) without hanging. */
	ck_assert_int_eq(workspace_resolve_target(out, unit_path(p, tmp, "b/loop1"), NULL), 0);
	ck_assert_int_eq(workspace_contains(unit_path(ws, real, "b"), out), 1);
}
END_TEST

START_TEST(dotdot_past_a_missing_dir_stays_out_of_the_workspace)
{
	/* ".." after a missing component folds lexically: it must not stay inside. */
	char p[PATH_MAX], out[PATH_MAX], ws[PATH_MAX];

	unit_path(ws, real, "a");
	ck_assert_int_eq(workspace_resolve_target(out, unit_path(p, tmp, "a/missing/../../b/x"), NULL), 0);
	ck_assert_int_eq(workspace_contains(ws, out), 0);
	ck_assert_int_eq(workspace_resolve_target(out, unit_path(p, tmp, "a/missing/../y"), NULL), 0);
	ck_assert_int_eq(workspace_contains(ws, out), 1);
}
END_TEST

START_TEST(missing_top_level_paths_resolve_from_the_root)
{
	char p[PATH_MAX], want[PATH_MAX];

	snprintf(p, sizeof(p), "/sl-no-such-dir-%d/sub/file", (int)getpid());
	target_is(p, NULL, p);
	snprintf(p, sizeof(p), "/sl-no-such-dir-%d/../../sl-x-%d", (int)getpid(), (int)getpid());
	snprintf(want, sizeof(want), "/sl-x-%d", (int)getpid());
	target_is(p, NULL, want);
}
END_TEST

START_TEST(bad_targets_are_errors)
{
	char out[PATH_MAX], *longp;

	ck_assert_int_eq(workspace_resolve_target(out, "", "/"), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "empty"));
	ck_assert_int_eq(workspace_resolve_target(out, NULL, "/"), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "empty"));
	/* Too long, absolute or once joined to the base (the message is cut). */
	longp = malloc(PATH_MAX + 16);
	ck_assert_ptr_nonnull(longp);
	memset(longp, 'p', PATH_MAX + 15);
	longp[0] = '/';
	longp[PATH_MAX + 15] = '\0';
	err_clear();
	ck_assert_int_eq(workspace_resolve_target(out, longp, NULL), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot resolve '/ppp"));
	longp[PATH_MAX - 8] = '\0';
	err_clear();
	ck_assert_int_eq(workspace_resolve_target(out, "0123456789", longp), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "cannot resolve '0123456789': path too long"));
	free(longp);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("workspace");
	TCase *tc = tcase_create("hash");

	tcase_add_loop_test(tc, hash_is_the_md5_prefix, 0, (int)(sizeof(known) / sizeof(known[0])));
	tcase_add_test(tc, hash_is_12_lowercase_hex_digits_and_tells_paths_apart);
	suite_add_tcase(s, tc);

	tc = tcase_create("resolve");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, project_dir_wins_over_cwd);
	tcase_add_test(tc, cwd_is_used_without_project_dir);
	tcase_add_test(tc, process_cwd_is_the_last_resort);
	tcase_add_test(tc, symlinks_and_dots_are_resolved);
	tcase_add_test(tc, unresolvable_dirs_are_errors_naming_them);
	suite_add_tcase(s, tc);

	tc = tcase_create("targets");
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_test(tc, contains_is_by_whole_components);
	tcase_add_test(tc, existing_targets_are_resolved);
	tcase_add_test(tc, new_files_resolve_through_their_existing_parent);
	tcase_add_test(tc, dangling_links_resolve_to_where_the_write_lands);
	tcase_add_test(tc, dotdot_past_a_missing_dir_stays_out_of_the_workspace);
	tcase_add_test(tc, missing_top_level_paths_resolve_from_the_root);
	tcase_add_test(tc, bad_targets_are_errors);
	suite_add_tcase(s, tc);
	return s;
}
