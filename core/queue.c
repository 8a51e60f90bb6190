/*
 * queue.c - the waiters' queue file (see queue.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "queue.h"
#include "sys.h"

#define QUEUE_MAX_BYTES (QUEUE_MAX_WAITERS * (RECORD_SESSION_LEN + 96))

static void
queue_path(char *out, size_t size, const struct store *s, const char *suffix)
{
	snprintf(out, size, "%s/session-lock-%s.queue%s", s->dir, s->hash, suffix);
}

void
queue_load(struct queue *q, const struct store *s)
{
	char path[PATH_MAX + 64], buf[QUEUE_MAX_BYTES + 1], *line, *save = NULL;
	struct queue_entry e;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	q->n = 0;
	queue_path(path, sizeof(path), s, "");
	fd = sys.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, 0);
	if (fd < 0)
		return;
	/* A FIFO or a device at the queue's name is no queue: never read it. */
	if (sys.fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sys.close(fd);
		return;
	}
	while (len < sizeof(buf) - 1 && (n = sys.read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	sys.close(fd);
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL && q->n < QUEUE_MAX_WAITERS;
	    line = strtok_r(NULL, "\n", &save)) {
		e.since = 0;
		e.told = 0;
		if (sscanf(line, "%lu %d %llu %127s %lld %d", &e.ticket, &e.pid, &e.start,
		    e.session_id, &e.since, &e.told) < 4)
			continue;
		if (proc_liveness(e.pid, e.start) != PROC_ALIVE)
			continue;
		q->e[q->n++] = e;
	}
}

int
queue_find(const struct queue *q, const char *session_id)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->e[i].session_id, session_id) == 0)
			return (int)i;
	return -1;
}

int
queue_save(const struct queue *q, const struct store *s)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 64], buf[QUEUE_MAX_BYTES + 1];
	size_t i, len = 0;

	queue_path(path, sizeof(path), s, "");
	if (q->n == 0) {
		if (sys.unlink(path) != 0 && errno != ENOENT)
			return err_set("cannot remove '%s':", path);
		return 0;
	}
	for (i = 0; i < q->n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%lu %d %llu %s %lld %d\n",
		    q->e[i].ticket, q->e[i].pid, q->e[i].start, q->e[i].session_id,
		    q->e[i].since, q->e[i].told != 0);
	queue_path(tmp, sizeof(tmp), s, ".tmp");
	return store_replace_file(path, tmp, buf, len);
}

int
queue_join(struct queue *q, const struct store *s, const char *session_id)
{
	struct proc_stat st;
	struct queue_entry *e;

	/* Entries are space-separated: such a key could not be read back. */
	if (queue_find(q, session_id) >= 0 || strpbrk(session_id, " \t\n\r\v\f") != NULL)
		return 0;
	if (q->n == QUEUE_MAX_WAITERS)
		return err_set("cannot wait for the lock: %d sessions are waiting already",
		    QUEUE_MAX_WAITERS);
	e = &q->e[q->n];
	e->ticket = q->n > 0 ? q->e[q->n - 1].ticket + 1 : 1;
	e->pid = (int)getpid();
	e->start = proc_stat_read(&st, getpid()) == 0 ? st.start : 0;
	snprintf(e->session_id, sizeof(e->session_id), "%s", session_id);
	e->since = (long long)sys.now_wall_ms();
	e->told = 0;
	q->n++;
	return queue_save(q, s);
}

int
queue_leave(struct queue *q, const struct store *s, const char *session_id)
{
	size_t i, j = 0;
	size_t before = q->n;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->e[i].session_id, session_id) != 0)
			q->e[j++] = q->e[i];
	q->n = j;
	return j == before ? 0 : queue_save(q, s);
}
