/*
 * audit.c - appending to and rotating the audit log.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "audit.h"
#include "err.h"
#include "sys.h"

void
audit_path(char *out, size_t size, const char *dir)
{
	snprintf(out, size, "%s/session-lock.log", dir);
}

static cJSON *
holder_json(const struct record *r)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "session_id", r->session_id);
	cJSON_AddNumberToObject(o, "pid", r->pid);
	cJSON_AddStringToObject(o, "host", r->host);
	cJSON_AddStringToObject(o, "kind", r->kind);
	if (r->command[0] != '\0')
		cJSON_AddStringToObject(o, "command", r->command);
	return o;
}

/*
 * Renames a full log aside; the caller holds the log's flock. Returns 1
 * when fd no longer names the log (rotated, by us or by another writer
 * before we got the flock), so the caller must open the log again.
 */
static int
rotate(int fd, const char *path)
{
	char old[PATH_MAX + 8];
	struct stat st, named;

	if (sys.fstat(fd, &st) != 0)
		return 0;
	if (sys.lstat(path, &named) != 0 || named.st_ino != st.st_ino)
		return 1;
	if (st.st_size < AUDIT_MAX_BYTES)
		return 0;
	snprintf(old, sizeof(old), "%s.1", path);
	return sys.rename(path, old) == 0;
}

/*
 * Opens the log to append. O_NONBLOCK: a FIFO planted at its name must not
 * block the open (no reader) nor, with a reader, any write; anything but a
 * regular file of ours is refused.
 */
static int
open_log(const char *path)
{
	struct stat st;
	int fd = sys.open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0)
		return err_set("cannot open the audit log '%s':", path);
	if (sys.fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		sys.close(fd);
		return err_set("refusing the audit log '%s': not a regular file of ours", path);
	}
	return fd;
}

int
audit_append(const char *dir, const struct audit_event *ev)
{
	char path[PATH_MAX];
	cJSON *o = cJSON_CreateObject();
	char *text = NULL, *line = NULL;
	size_t len;
	int fd = -1, rc = -1;

	audit_path(path, sizeof(path), dir);
	err_set("cannot log to '%s': out of memory", path);
	if (o == NULL)
		goto out;
	cJSON_AddNumberToObject(o, "ts", (double)sys.now_wall_ms());
	cJSON_AddStringToObject(o, "event", ev->event);
	if (ev->workspace != NULL)
		cJSON_AddStringToObject(o, "workspace", ev->workspace);
	if (ev->session_id != NULL)
		cJSON_AddStringToObject(o, "session_id", ev->session_id);
	if (ev->pid > 0)
		cJSON_AddNumberToObject(o, "pid", (double)ev->pid);
	if (ev->tool != NULL)
		cJSON_AddStringToObject(o, "tool", ev->tool);
	if (ev->reason != NULL)
		cJSON_AddStringToObject(o, "reason", ev->reason);
	if (ev->idle_ms > 0)
		cJSON_AddNumberToObject(o, "idle_ms", (double)ev->idle_ms);
	if (ev->holder != NULL)
		cJSON_AddItemToObject(o, "holder", holder_json(ev->holder));
	if (ev->previous != NULL)
		cJSON_AddItemToObject(o, "previous", holder_json(ev->previous));
	text = cJSON_PrintUnformatted(o);
	if (text == NULL)
		goto out;
	len = strlen(text);
	line = malloc(len + 2);
	if (line == NULL)
		goto out;
	memcpy(line, text, len);
	line[len++] = '\n';
	line[len] = '\0';

	/*
	 * The flock only keeps two writers from rotating twice; appending needs
	 * none. So a log whose flock another process keeps is written to all
	 * the same, without rotating: the log never delays a decision by more
	 * than AUDIT_LOCK_WAIT_MS.
	 */
	fd = open_log(path);
	if (fd >= 0 && sys_flock_wait(fd, AUDIT_LOCK_WAIT_MS) == 0 && rotate(fd, path)) {
		sys.close(fd);
		fd = open_log(path);
	}
	if (fd < 0)
		goto out;
	/* One write(): O_APPEND makes it land whole at the end. */
	if (sys.write(fd, line, len) != (ssize_t)len) {
		err_set("cannot write the audit log '%s':", path);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		sys.close(fd);
	free(line);
	free(text);
	cJSON_Delete(o);
	return rc;
}
