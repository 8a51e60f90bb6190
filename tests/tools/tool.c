/*
 * tool.c - helpers shared by the test and benchmark drivers (tool.h).
 */
#include "tool.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

char *
tool_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

int
tool_write_file(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		return -1;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

int
tool_write_input(const char *tmpl_path, const char *sid, const char *path)
{
	char *t = tool_read_file(tmpl_path, NULL), *p, *q;
	FILE *f;

	if (t == NULL || (f = fopen(path, "wb")) == NULL) {
		free(t);
		return -1;
	}
	for (p = t; (q = strstr(p, "@SID@")) != NULL; p = q + 5) {
		fwrite(p, 1, (size_t)(q - p), f);
		fputs(sid, f);
	}
	fputs(p, f);
	free(t);
	return fclose(f);
}

pid_t
tool_spawn_standin(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

pid_t
tool_dead_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

int64_t
tool_ms_of(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
tool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
tool_child_stdio(const char *in_path, const char *err_path)
{
	int fd = open(in_path, O_RDONLY);

	if (fd < 0 || dup2(fd, 0) < 0)
		return -1;
	fd = open("/dev/null", O_WRONLY);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return -1;
	if (err_path != NULL) {
		fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			return -1;
	}
	return 0;
}
