/*
 * held.c - the registry of workspaces with records (see held.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "held.h"
#include "store.h"
#include "sys.h"

static void
held_path(char *out, size_t size, const char *dir, const char *suffix)
{
	snprintf(out, size, "%s/session-lock-" HELD_TREE ".held%s", dir, suffix);
}

int
held_load(struct held *h, const char *dir)
{
	char path[PATH_MAX + 64];
	struct stat st;
	ssize_t n;
	int fd;

	h->len = 0;
	h->changed = 0;
	h->text = malloc(HELD_MAX_BYTES + 1);
	if (h->text == NULL)
		return err_set("out of memory");
	h->text[0] = '\0';
	held_path(path, sizeof(path), dir, "");
	fd = sys.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (sys.fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		sys.close(fd);
		h->changed = 1;	/* not ours to trust: replaced by ours */
		return 0;
	}
	while (h->len < HELD_MAX_BYTES &&
	    (n = sys.read(fd, h->text + h->len, HELD_MAX_BYTES - h->len)) > 0)
		h->len += (size_t)n;
	sys.close(fd);
	/* A torn last line (a writer cannot tear: rename) or a NUL: keep whole lines only. */
	while (h->len > 0 && h->text[h->len - 1] != '\n')
		h->len--;
	h->text[h->len] = '\0';
	if (strlen(h->text) != h->len) {
		h->len = 0;
		h->text[0] = '\0';
		h->changed = 1;
	}
	return 0;
}

int
held_each(struct held *h, int (*each)(const char *path, void *arg), void *arg)
{
	char path[PATH_MAX];
	size_t at = 0, end, len;
	int rc;

	while (at < h->len) {
		end = at;
		while (h->text[end] != '\n')
			end++;
		len = end - at;
		if (len == 0 || len >= sizeof(path) || h->text[at] != '/') {
			rc = 1;	/* not a workspace path */
		} else {
			memcpy(path, h->text + at, len);
			path[len] = '\0';
			rc = each(path, arg);
		}
		if (rc < 0)
			return -1;
		if (rc == 1) {
			memmove(h->text + at, h->text + end + 1, h->len - end - 1);
			h->len -= end + 1 - at;
			h->text[h->len] = '\0';
			h->changed = 1;
			continue;
		}
		at = end + 1;
	}
	return 0;
}

int
held_add(struct held *h, const char *path)
{
	size_t len = strlen(path), at = 0, end;

	for (at = 0; at < h->len; at = end + 1) {
		end = at;
		while (h->text[end] != '\n')
			end++;
		if (end - at == len && memcmp(h->text + at, path, len) == 0)
			return 0;
	}
	if (len + 1 > HELD_MAX_BYTES)
		return 0;
	/* Full: the oldest entries go first (their records are still found as ancestors). */
	while (h->len + len + 1 > HELD_MAX_BYTES) {
		end = 0;
		while (h->text[end] != '\n')
			end++;
		memmove(h->text, h->text + end + 1, h->len - end - 1);
		h->len -= end + 1;
	}
	memcpy(h->text + h->len, path, len);
	h->text[h->len + len] = '\n';
	h->len += len + 1;
	h->text[h->len] = '\0';
	h->changed = 1;
	return 0;
}

int
held_save(struct held *h, const char *dir)
{
	char path[PATH_MAX + 64], tmp[PATH_MAX + 64];

	if (!h->changed)
		return 0;
	held_path(path, sizeof(path), dir, "");
	held_path(tmp, sizeof(tmp), dir, ".tmp");
	if (store_replace_file(path, tmp, h->text, h->len) != 0)
		return -1;
	h->changed = 0;
	return 0;
}

void
held_free(struct held *h)
{
	free(h->text);
	h->text = NULL;
	h->len = 0;
}
