/*
 * proc.c - reading /proc for process identity and liveness.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "sys.h"

/* Reads a small file whole into buf (NUL-terminated). Returns bytes or -1. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd = sys.open(path, O_RDONLY | O_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1) {
		n = sys.read(fd, buf + total, size - 1 - (size_t)total);
		if (n < 0) {
			int saved = errno;

			sys.close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	sys.close(fd);
	return total;
}

int
proc_stat_parse(struct proc_stat *out, const char *text)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	const char *p;
	unsigned long long v;
	char *end;
	size_t len;
	int field;

	if (open == NULL || close == NULL || close < open || close[1] != ' ')
		goto bad;
	memset(out, 0, sizeof(*out));
	out->pid = (pid_t)strtol(text, &end, 10);
	if (end == text || out->pid <= 0)
		goto bad;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(out->comm))
		len = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, len);
	out->comm[len] = '\0';

	/* Field 3 starts two bytes after the last ')'. */
	p = close + 2;
	out->state = *p;
	if (out->state == '\0' || p[1] != ' ')
		goto bad;
	p += 2;
	for (field = 4; field <= 22; field++) {
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p || errno != 0) {
			/* Some fields may be negative (e.g. tty_nr, priority). */
			if (*p == '-') {
				(void)strtoll(p, &end, 10);
				v = 0;
			}
			if (end == p)
				goto bad;
		}
		if (field == 4)
			out->ppid = (pid_t)v;
		if (field == 22)
			out->start = v;
		p = end;
		if (field < 22 && *p++ != ' ')
			goto bad;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
proc_stat_read(struct proc_stat *out, pid_t pid)
{
	char path[64], buf[1024];

	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_small(path, buf, sizeof(buf)) < 0)
		return -1;
	return proc_stat_parse(out, buf);
}

enum proc_liveness
proc_liveness(pid_t pid, uint64_t start)
{
	struct proc_stat st;

	if (pid <= 0)
		return PROC_DEAD;
	if (proc_stat_read(&st, pid) == 0) {
		if (st.state == 'Z' || st.state == 'X')
			return PROC_DEAD;
		if (start != 0 && st.start != start)
			return PROC_DEAD;
		return PROC_ALIVE;
	}
	if (errno == ENOENT || errno == ESRCH)
		return PROC_DEAD;
	/* /proc hidden or absent: fall back to the signal test. */
	if (sys.kill(pid, 0) == 0 || errno == EPERM)
		return PROC_ALIVE;
	return PROC_DEAD;
}

/* True when pid is a shell running a `-c` command line. */
static int
is_shell_dash_c(pid_t pid, const char *comm)
{
	static const char *const shells[] = { "sh", "dash", "bash", "zsh", "ksh", "mksh", "busybox" };
	char path[64], buf[256];
	ssize_t n;
	size_t i, first;
	int known = 0;

	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (strcmp(comm, shells[i]) == 0)
			known = 1;
	if (!known)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_small(path, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	first = strlen(buf) + 1;	/* argv[1] follows argv[0]'s NUL */
	return (size_t)n > first && strcmp(buf + first, "-c") == 0;
}

pid_t
proc_owner(uint64_t *start)
{
	const char *env = getenv("CLAUDE_PID");
	struct proc_stat st;
	pid_t pid;
	char *end;
	long v;

	*start = 0;
	if (env != NULL && *env != '\0') {
		errno = 0;
		v = strtol(env, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0 && v <= INT32_MAX) {
			pid = (pid_t)v;
			if (proc_stat_read(&st, pid) == 0)
				*start = st.start;
			return pid;
		}
	}
	pid = getppid();
	if (pid <= 1)
		return err_set("cannot find the Claude Code process: the hook has no parent");
	if (proc_stat_read(&st, pid) != 0)
		return pid;
	if (is_shell_dash_c(pid, st.comm) && st.ppid > 1) {
		pid = st.ppid;
		if (proc_stat_read(&st, pid) != 0)
			return pid;
	}
	*start = st.start;
	return pid;
}

int
proc_boot_id(char out[PROC_BOOT_ID_LEN + 1])
{
	char buf[64];
	ssize_t n = read_small("/proc/sys/kernel/random/boot_id", buf, sizeof(buf));

	out[0] = '\0';
	if (n < PROC_BOOT_ID_LEN)
		return -1;
	memcpy(out, buf, PROC_BOOT_ID_LEN);
	out[PROC_BOOT_ID_LEN] = '\0';
	return 0;
}

int
proc_self_exe(char out[PATH_MAX])
{
	ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);

	if (n <= 0) {
		out[0] = '\0';
		if (n == 0)
			errno = ENOENT;
		return -1;
	}
	out[n] = '\0';
	return 0;
}

int
proc_hostname(char out[PROC_HOST_LEN + 1])
{
	if (gethostname(out, PROC_HOST_LEN + 1) != 0) {
		out[0] = '\0';
		return -1;
	}
	out[PROC_HOST_LEN] = '\0';
	return 0;
}
