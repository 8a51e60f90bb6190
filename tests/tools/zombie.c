/*
 * zombie - makes a zombie process and keeps it one, for the liveness tests.
 *
 *   zombie FILE
 *
 * Forks a child that exits at once, waits until it has exited without
 * reaping it (waitid with WNOWAIT: no polling, no time limit to lose on a
 * loaded machine), checks that /proc says so (state Z), then writes the
 * child's PID to FILE (whole, by rename) and pauses until killed or until
 * its own parent dies. Exit 1 when any step fails, with the reason.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "tool.h"

int
main(int argc, char **argv)
{
	char tmp[4096], text[32];
	struct proc_stat st;
	siginfo_t info;
	pid_t pid;
	int n;

	if (argc != 2) {
		fprintf(stderr, "usage: zombie FILE\n");
		return 2;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pid = fork();
	if (pid < 0) {
		perror("zombie: fork");
		return 1;
	}
	if (pid == 0)
		_exit(0);
	if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT) != 0) {
		perror("zombie: waitid");
		return 1;
	}
	if (proc_stat_read(&st, pid) != 0 || st.state != 'Z') {
		fprintf(stderr, "zombie: pid %d has exited but /proc does not show it as Z\n",
		    (int)pid);
		return 1;
	}
	n = snprintf(text, sizeof(text), "%d\n", (int)pid);
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	if (tool_write_file(tmp, text, (size_t)n) != 0 || rename(tmp, argv[1]) != 0) {
		perror("zombie: cannot write the pid");
		return 1;
	}
	for (;;)
		pause();
}
