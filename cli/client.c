/*
 * client.c - the Claude Code version on PATH (see client.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"
#include "err.h"
#include "sys.h"

/* Reads up to three dot-separated numbers into v; returns how many it read. */
static int
numbers(const char *s, long v[3], const char **end)
{
	char *e;
	int n = 0;

	while (*s >= '0' && *s <= '9') {
		errno = 0;
		v[n] = strtol(s, &e, 10);
		if (errno != 0)
			break;
		s = e;
		if (++n == 3 || s[0] != '.' || s[1] < '0' || s[1] > '9')
			break;
		s++;
	}
	if (end != NULL)
		*end = s;
	return n;
}

int
client_parse(char out[CLIENT_VERSION_MAX], const char *text)
{
	const char *start, *end;
	long v[3];

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	start = text;
	if (numbers(start, v, &end) != 3 || (*end >= '0' && *end <= '9') ||
	    (size_t)(end - start) >= CLIENT_VERSION_MAX)
		return -1;
	snprintf(out, CLIENT_VERSION_MAX, "%.*s", (int)(end - start), start);
	return 0;
}

int
client_compare(const char *a, const char *b)
{
	long x[3], y[3];
	int na = a != NULL ? numbers(a, x, NULL) : 0, nb = b != NULL ? numbers(b, y, NULL) : 0, i;

	if (na != 3 || nb != 3)
		return (na == 3) - (nb == 3);
	for (i = 0; i < 3; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Reads the child's stdout until EOF or the deadline; returns 0 at EOF. */
static int
read_output(int fd, char *buf, size_t cap, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	int64_t left;
	ssize_t n;
	int r;

	for (;;) {
		left = deadline - sys.now_boot_ms();
		if (left <= 0)
			return -1;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n = sys.read(fd, buf + len, cap - 1 - len);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap - 1)
			break;	/* the version is on the first line; the rest does not matter */
	}
	buf[len] = '\0';
	return 0;
}

int
client_version(char out[CLIENT_VERSION_MAX])
{
	char buf[512];
	int fds[2], null = -1, status = 0, rc = -1, err;
	pid_t pid, w;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return err_set("cannot run 'claude --version':");
	null = sys.open("/dev/null", O_RDWR | O_CLOEXEC, 0);
	if (null < 0) {
		err_set("cannot run 'claude --version': cannot open /dev/null:");
		goto out_pipe;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		err_set("cannot run 'claude --version':");
		goto out_pipe;
	}
	if (pid == 0) {
		/* its own process group, so that a time-out kills all of it */
		setpgid(0, 0);
		if (dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(null, 2) < 0)
			_exit(127);
		execlp("claude", "claude", "--version", (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	sys.close(fds[1]);
	fds[1] = -1;
	if (read_output(fds[0], buf, sizeof(buf), sys.now_boot_ms() + CLIENT_TIMEOUT_MS) != 0) {
		sys.kill(-pid, SIGKILL);
		sys.kill(pid, SIGKILL);
		err_set("'claude --version' did not answer within %d s", CLIENT_TIMEOUT_MS / 1000);
		buf[0] = '\0';
		status = -1;
	}
	do
		w = waitpid(pid, status < 0 ? NULL : &status, 0);
	while (w < 0 && errno == EINTR);
	if (status < 0)
		goto out_pipe;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		err_set("there is no 'claude' on PATH");
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		err_set("'claude --version' failed (%s %d)", WIFEXITED(status) ? "exit" : "signal",
		    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	} else if (client_parse(out, buf) != 0) {
		err_set("'claude --version' printed no version ('%.40s')", buf);
	} else {
		rc = 0;
	}
out_pipe:
	err = errno;
	sys.close(fds[0]);
	if (fds[1] >= 0)
		sys.close(fds[1]);
	if (null >= 0)
		sys.close(null);
	errno = err;
	return rc;
}
