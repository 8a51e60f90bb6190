/*
 * test_proc.c - process identity and liveness (proc.h): the /proc/<pid>/stat
 * parser on hostile command names and cut text, and liveness of this
 * process, of a child (alive, zombie, reaped) and of a reused PID.
 */
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

/* Fields 5 to 21 of a real line (pgrp ... itrealvalue; priority and nice may be negative). */
#define MID "1234 1234 34816 1234 4194560 1079 0 0 0 3 1 0 0 -2 -20 1 0"
/* Fields 23 on (vsize, rss, ...). */
#define TAIL " 8900608 1024 18446744073709551615 1 1 0 0 0 0 65536 0 0 0 17 3 0 0"

static struct proc_stat st;

/* A stat line of pid with command name comm, state S, ppid 7, start time start. */
static const char *
line(int pid, const char *comm, unsigned long long start)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "%d (%s) S 7 " MID " %llu" TAIL "\n", pid, comm, start);
	return buf;
}

/* --- the parser ------------------------------------------------------------ */

START_TEST(plain_line)
{
	ck_assert_int_eq(proc_stat_parse(&st, line(4321, "bash", 98765)), 0);
	ck_assert_int_eq(st.pid, 4321);
	ck_assert_str_eq(st.comm, "bash");
	ck_assert_int_eq(st.state, 'S');
	ck_assert_int_eq(st.ppid, 7);
	ck_assert_uint_eq(st.start, 98765);
}
END_TEST

/* Command names a process can give itself, and what must come out. */
static const char *const comms[] = {
	"my prog",		/* spaces */
	") (",			/* a fake end and start */
	"a) Z 1 1 (",		/* a fake state and ppid: must not be believed */
	"((x))",
	")",
	"(",
	"",
	"x) S 1 " MID " 1",	/* a whole fake tail with a fake start time */
};

START_TEST(fields_are_taken_after_the_last_paren)
{
	const char *comm = comms[_i];

	ck_assert_int_eq(proc_stat_parse(&st, line(99, comm, 5555)), 0);
	ck_assert_int_eq(st.pid, 99);
	ck_assert_int_eq(st.state, 'S');
	ck_assert_int_eq(st.ppid, 7);
	ck_assert_uint_eq(st.start, 5555);
	if (strlen(comm) < sizeof(st.comm))
		ck_assert_str_eq(st.comm, comm);
}
END_TEST

START_TEST(long_command_names_are_cut)
{
	char comm[200];

	memset(comm, 'c', sizeof(comm) - 1);
	comm[sizeof(comm) - 1] = '\0';
	ck_assert_int_eq(proc_stat_parse(&st, line(5, comm, 1)), 0);
	ck_assert_uint_eq(strlen(st.comm), PROC_COMM_LEN - 1);
	ck_assert_int_eq(strncmp(st.comm, comm, PROC_COMM_LEN - 1), 0);
	ck_assert_uint_eq(st.start, 1);
}
END_TEST

START_TEST(start_times_beyond_32_bits)
{
	ck_assert_int_eq(proc_stat_parse(&st, line(5, "x", 18446744073709551615ULL)), 0);
	ck_assert_uint_eq(st.start, 18446744073709551615ULL);
	ck_assert_int_eq(proc_stat_parse(&st, line(5, "x", 4294967296ULL)), 0);
	ck_assert_uint_eq(st.start, 4294967296ULL);
}
END_TEST

START_TEST(every_cut_before_the_start_time_is_refused)
{
	const char *full = line(4321, "a) (b", 98765);
	const char *start = strstr(full, " 98765 ") + 1;
	size_t len, cut;
	char buf[1024];

	for (cut = 0; full + cut < start; cut++) {
		memcpy(buf, full, cut);
		buf[cut] = '\0';
		errno = 0;
		ck_assert_msg(proc_stat_parse(&st, buf) == -1, "accepted \"%s\"", buf);
		ck_assert_int_eq(errno, EINVAL);
	}
	/* The line may end right after field 22. */
	len = (size_t)(start - full) + strlen("98765");
	memcpy(buf, full, len);
	buf[len] = '\0';
	ck_assert_int_eq(proc_stat_parse(&st, buf), 0);
	ck_assert_uint_eq(st.start, 98765);
}
END_TEST

static const char *const malformed[] = {
	"",
	"garbage",
	"0 (init) S 0 " MID " 5" TAIL,		/* pid 0 */
	"-4 (x) S 1 " MID " 5" TAIL,		/* negative pid */
	"x (x) S 1 " MID " 5" TAIL,		/* no pid */
	"4 x) S 1 " MID " 5" TAIL,		/* no '(' */
	"4 (x S 1 " MID " 5" TAIL,		/* no ')' */
	"4 )x( S 1 " MID " 5" TAIL,		/* ')' before '(' */
	"4 (x)S 1 " MID " 5" TAIL,		/* no space after ')' */
	"4 (x) SS 1 " MID " 5" TAIL,		/* state of two letters */
	"4 (x)  1 " MID " 5" TAIL,		/* no state */
	"4 (x) S one " MID " 5" TAIL,		/* ppid not a number */
	"4 (x) S 1 " MID " abc" TAIL,		/* start not a number */
	"4 (x) S 1 1234 1234 34816",		/* cut short */
};

START_TEST(malformed_lines_are_refused)
{
	errno = 0;
	ck_assert_msg(proc_stat_parse(&st, malformed[_i]) == -1, "accepted \"%s\"", malformed[_i]);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* --- live processes -------------------------------------------------------- */

START_TEST(this_process_is_alive_with_its_start_time)
{
	struct proc_stat again;

	ck_assert_int_eq(proc_stat_read(&st, getpid()), 0);
	ck_assert_int_eq(st.pid, getpid());
	ck_assert_int_eq(st.ppid, getppid());
	ck_assert_int_eq(st.state, 'R');	/* it is running: reading its own stat */
	ck_assert_uint_gt(st.start, 0);
	ck_assert_int_eq(proc_stat_read(&again, getpid()), 0);
	ck_assert_uint_eq(again.start, st.start);
	ck_assert_int_eq(proc_liveness(getpid(), st.start), PROC_ALIVE);
	ck_assert_int_eq(proc_liveness(getpid(), 0), PROC_ALIVE);
	/* The same PID with another start time is another process. */
	ck_assert_int_eq(proc_liveness(getpid(), st.start + 1), PROC_DEAD);
	ck_assert_int_eq(proc_liveness(getpid(), st.start - 1), PROC_DEAD);
}
END_TEST

START_TEST(no_such_pid)
{
	errno = 0;
	ck_assert_int_eq(proc_stat_read(&st, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_int_eq(proc_stat_read(&st, -1), -1);
	ck_assert_int_eq(proc_liveness(0, 0), PROC_DEAD);
	ck_assert_int_eq(proc_liveness(-1, 0), PROC_DEAD);
	/* Above the kernel's pid_max (at most 2^22): never a process. */
	errno = 0;
	ck_assert_int_eq(proc_stat_read(&st, 2147483647), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(proc_liveness(2147483647, 0), PROC_DEAD);
}
END_TEST

/* Forks a child that waits until its pipe closes, then exits. */
static pid_t
child(int *wfd)
{
	int fds[2];
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
	*wfd = fds[1];
	return pid;
}

/*
 * Waits until the child pid has exited, without reaping it (WNOWAIT): then
 * it is a zombie, however loaded the machine. Returns 1 when /proc says so.
 */
static int
await_zombie(pid_t pid)
{
	struct proc_stat z;
	siginfo_t info;

	if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0)
		return 0;
	return proc_stat_read(&z, pid) == 0 && z.state == 'Z';
}

START_TEST(a_child_alive_then_zombie_then_reaped)
{
	struct proc_stat me;
	uint64_t start;
	pid_t pid;
	int wfd, status;

	ck_assert_int_eq(proc_stat_read(&me, getpid()), 0);
	pid = child(&wfd);
	ck_assert_int_eq(proc_stat_read(&st, pid), 0);
	ck_assert_int_eq(st.pid, pid);
	ck_assert_int_eq(st.ppid, getpid());
	ck_assert_uint_ge(st.start, me.start);	/* started after its parent */
	start = st.start;
	ck_assert_int_eq(proc_liveness(pid, start), PROC_ALIVE);
	ck_assert_int_eq(proc_liveness(pid, start + 100), PROC_DEAD);

	close(wfd);	/* the child exits; not reaped yet */
	ck_assert_msg(await_zombie(pid), "the child never became a zombie");
	ck_assert_int_eq(proc_liveness(pid, start), PROC_DEAD);
	ck_assert_int_eq(proc_liveness(pid, 0), PROC_DEAD);

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	errno = 0;
	ck_assert_int_eq(proc_stat_read(&st, pid), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(proc_liveness(pid, start), PROC_DEAD);
}
END_TEST

START_TEST(a_stopped_child_is_alive)
{
	uint64_t start;
	pid_t pid;
	int wfd, status;

	pid = child(&wfd);
	ck_assert_int_eq(proc_stat_read(&st, pid), 0);
	start = st.start;
	ck_assert_int_eq(kill(pid, SIGSTOP), 0);
	ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(status));
	ck_assert_int_eq(proc_stat_read(&st, pid), 0);
	ck_assert_int_eq(st.state, 'T');
	ck_assert_int_eq(proc_liveness(pid, start), PROC_ALIVE);
	kill(pid, SIGKILL);
	close(wfd);
	waitpid(pid, &status, 0);
}
END_TEST

/* --- the owner, the boot and the host -------------------------------------- */

START_TEST(owner_from_claude_pid)
{
	char text[32];
	uint64_t start = 12345;

	ck_assert_int_eq(proc_stat_read(&st, getpid()), 0);
	snprintf(text, sizeof(text), "%d", (int)getpid());
	ck_assert_int_eq(setenv("CLAUDE_PID", text, 1), 0);
	ck_assert_int_eq(proc_owner(&start), getpid());
	ck_assert_uint_eq(start, st.start);
	/* A PID that does not exist is still the owner, its start unknown. */
	ck_assert_int_eq(setenv("CLAUDE_PID", "2147483647", 1), 0);
	ck_assert_int_eq(proc_owner(&start), 2147483647);
	ck_assert_uint_eq(start, 0);
	unsetenv("CLAUDE_PID");
}
END_TEST

static const char *const bad_claude_pids[] = { "0", "-5", "12abc", "12 ", "4294967297", "abc" };

START_TEST(owner_ignores_a_bad_claude_pid)
{
	const char *ck_fork = getenv("CK_FORK");
	uint64_t start = 12345;
	pid_t owner;

	ck_assert_int_eq(setenv("CLAUDE_PID", bad_claude_pids[_i], 1), 0);
	owner = proc_owner(&start);
	unsetenv("CLAUDE_PID");
	ck_assert_int_ne(owner, (pid_t)strtol(bad_claude_pids[_i], NULL, 10));
	/* Forked by Check, this test's parent is the test runner, not a shell. */
	if (ck_fork == NULL || strcmp(ck_fork, "no") != 0) {
		ck_assert_int_eq(owner, getppid());
		ck_assert_int_eq(proc_stat_read(&st, getppid()), 0);
		ck_assert_uint_eq(start, st.start);
	}
}
END_TEST

START_TEST(boot_id_is_the_kernels)
{
	char id[PROC_BOOT_ID_LEN + 1], want[64] = "";
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	size_t i;

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(want, sizeof(want), f));
	fclose(f);
	want[strcspn(want, "\n")] = '\0';
	memset(id, 'X', sizeof(id));
	ck_assert_int_eq(proc_boot_id(id), 0);
	ck_assert_str_eq(id, want);
	ck_assert_uint_eq(strlen(id), PROC_BOOT_ID_LEN);
	for (i = 0; i < PROC_BOOT_ID_LEN; i++)
		ck_assert_msg(i == 8 || i == 13 || i == 18 || i == 23 ?
		    id[i] == '-' : strchr("0123456789abcdef", id[i]) != NULL, "%s", id);
}
END_TEST

START_TEST(hostname_is_the_nodename)
{
	char host[PROC_HOST_LEN + 1];
	struct utsname u;

	ck_assert_int_eq(uname(&u), 0);
	memset(host, 'X', sizeof(host));
	ck_assert_int_eq(proc_hostname(host), 0);
	ck_assert_str_eq(host, u.nodename);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, plain_line);
	tcase_add_loop_test(tc, fields_are_taken_after_the_last_paren, 0,
	    (int)(sizeof(comms) / sizeof(comms[0])));
	tcase_add_test(tc, long_command_names_are_cut);
	tcase_add_test(tc, start_times_beyond_32_bits);
	tcase_add_test(tc, every_cut_before_the_start_time_is_refused);
	tcase_add_loop_test(tc, malformed_lines_are_refused, 0,
	    (int)(sizeof(malformed) / sizeof(malformed[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("liveness");
	tcase_add_test(tc, this_process_is_alive_with_its_start_time);
	tcase_add_test(tc, no_such_pid);
	tcase_add_test(tc, a_child_alive_then_zombie_then_reaped);
	tcase_add_test(tc, a_stopped_child_is_alive);
	suite_add_tcase(s, tc);

	tc = tcase_create("identity");
	tcase_add_test(tc, owner_from_claude_pid);
	tcase_add_loop_test(tc, owner_ignores_a_bad_claude_pid, 0,
	    (int)(sizeof(bad_claude_pids) / sizeof(bad_claude_pids[0])));
	tcase_add_test(tc, boot_id_is_the_kernels);
	tcase_add_test(tc, hostname_is_the_nodename);
	suite_add_tcase(s, tc);
	return s;
}
