/*
 * store.c - the runtime directory, the flock mutex, and atomic replaces.
 *
 * Why a separate .mutex file: the record itself is replaced by rename(), so
 * a lock on the record's inode would be a lock on a file that is no longer
 * the record after the first change. The mutex file is never renamed, and
 * never removed by the hooks, so everyone who opens it by name gets the same
 * inode. (Only `session-lock gc` removes a mutex file, and only while
 * holding it and after checking it still is the file at that name; see
 * store_lock's nlink check, after systemd's make_lock_file.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "store.h"
#include "sys.h"

#define OPEN_FLAGS_SAFE (O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)

/* Checks that path is a directory we own that nobody else may use. */
static int
check_private_dir(const char *path, int *exists)
{
	struct stat st;

	*exists = 0;
	if (sys.lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		return err_set("cannot inspect '%s':", path);
	}
	*exists = 1;
	if (S_ISLNK(st.st_mode))
		return err_set("refusing the runtime directory '%s': it is a symlink; "
		    "remove it and the hooks will recreate it", path);
	if (!S_ISDIR(st.st_mode))
		return err_set("refusing the runtime directory '%s': it is not a directory", path);
	if (st.st_uid != geteuid())
		return err_set("refusing the runtime directory '%s': it is owned by uid %u, not %u",
		    path, (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & 077) != 0)
		return err_set("refusing the runtime directory '%s': mode %04o lets others in; "
		    "run 'chmod 700 %s'", path, (unsigned)(st.st_mode & 07777), path);
	return 0;
}

static int
runtime_paths(char claude[PATH_MAX], char dir[PATH_MAX], const char *home)
{
	if (home == NULL || *home == '\0')
		return err_set("cannot find the runtime directory: HOME is not set");
	if (home[0] != '/')
		return err_set("cannot find the runtime directory: HOME '%s' is not absolute", home);
	if (snprintf(claude, PATH_MAX, "%s/.claude", home) >= PATH_MAX ||
	    snprintf(dir, PATH_MAX, "%s/.claude/runtime", home) >= PATH_MAX)
		return err_set("cannot use HOME '%s': path too long", home);
	return 0;
}

int
store_dir_check(char dir[PATH_MAX], const char *home)
{
	char claude[PATH_MAX];
	int exists;

	if (runtime_paths(claude, dir, home) != 0 || check_private_dir(dir, &exists) != 0)
		return -1;
	if (!exists) {
		errno = ENOENT;
		return err_set("no runtime directory '%s' yet:", dir);
	}
	return 0;
}

int
store_dir_open(char dir[PATH_MAX], const char *home)
{
	char claude[PATH_MAX];
	int exists;

	if (runtime_paths(claude, dir, home) != 0 || check_private_dir(dir, &exists) != 0)
		return -1;
	if (exists)
		return 0;
	if (sys.mkdir(claude, 0700) != 0 && errno != EEXIST)
		return err_set("cannot create '%s':", claude);
	if (sys.mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set("cannot create the runtime directory '%s':", dir);
	/* Check again: someone may have raced us to the name. */
	return check_private_dir(dir, &exists);
}

void
store_init(struct store *s, const char *dir, const char *hash)
{
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->hash, sizeof(s->hash), "%s", hash);
	snprintf(s->record_path, sizeof(s->record_path), "%s/session-lock-%s.json", dir, hash);
	snprintf(s->mutex_path, sizeof(s->mutex_path), "%s/session-lock-%s.mutex", dir, hash);
	snprintf(s->temp_path, sizeof(s->temp_path), "%s/session-lock-%s.json.tmp", dir, hash);
	s->mutex_fd = -1;
}

/* Opens the mutex file and checks it is a regular file of ours. */
static int
open_mutex(const struct store *s)
{
	struct stat st;
	int fd = sys.open(s->mutex_path, O_RDWR | O_CREAT | O_NONBLOCK | OPEN_FLAGS_SAFE, 0600);

	if (fd < 0) {
		if (errno == ELOOP)
			return err_set("refusing '%s': it is a symlink", s->mutex_path);
		return err_set("cannot open '%s':", s->mutex_path);
	}
	if (sys.fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		sys.close(fd);
		return err_set("refusing '%s': not a regular file of ours", s->mutex_path);
	}
	return fd;
}

int
store_lock(struct store *s, int64_t timeout_ms)
{
	int64_t start = sys.now_boot_ms(), left;
	struct stat st, named;
	int fd, rc;

	for (;;) {
		fd = open_mutex(s);
		if (fd < 0)
			return -1;
		left = timeout_ms - (sys.now_boot_ms() - start);
		rc = sys_flock_wait(fd, left > 0 ? left : 0);
		if (rc != 0) {
			if (rc < 0)
				err_set("cannot lock '%s':", s->mutex_path);
			else
				err_set("the lock is being changed by another process right now "
				    "(its mutex '%s' stayed busy for %lld ms)", s->mutex_path,
				    (long long)(sys.now_boot_ms() - start));
			sys.close(fd);
			return rc;
		}
		/*
		 * If gc removed the mutex file between our open and our flock,
		 * we hold a lock on an orphan inode: start again on the new one.
		 */
		if (sys.fstat(fd, &st) == 0 && st.st_nlink > 0 &&
		    sys.lstat(s->mutex_path, &named) == 0 &&
		    named.st_ino == st.st_ino && named.st_dev == st.st_dev)
			break;
		sys.close(fd);
	}
	s->mutex_fd = fd;
	sys_step("mutex-locked");
	return 0;
}

void
store_unlock(struct store *s)
{
	if (s->mutex_fd >= 0) {
		sys.close(s->mutex_fd);	/* closing drops the flock */
		s->mutex_fd = -1;
	}
}

/*
 * Reads the record at path into out; with key, tries first to parse only
 * that session's holder (record_set_parse_one), setting *partial.
 */
static int
read_path(const char *path, struct record_set *out, struct stat *stp, const char *key,
    int *partial)
{
	char *buf = NULL;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, newer, rc = -1;

	record_set_free(out);	/* empty unless FOUND, whatever it held */
	fd = sys.open(path, O_RDONLY | O_NONBLOCK | OPEN_FLAGS_SAFE, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return STORE_ABSENT;
		if (errno == ELOOP) {
			err_set("the lock record '%s' is a symlink; not following it", path);
			return STORE_UNSAFE;
		}
		return err_set("cannot open the lock record '%s':", path);
	}
	if (sys.fstat(fd, &st) != 0) {
		err_set("cannot inspect the lock record '%s':", path);
		goto out;
	}
	if (stp != NULL)
		*stp = st;
	if (!S_ISREG(st.st_mode)) {
		err_set("the lock record '%s' is not a regular file", path);
		rc = STORE_UNSAFE;
		goto out;
	}
	if (st.st_uid != geteuid()) {
		err_set("the lock record '%s' is owned by uid %u, not by us", path,
		    (unsigned)st.st_uid);
		rc = STORE_UNSAFE;
		goto out;
	}
	if (st.st_size > RECORD_MAX_BYTES) {
		err_set("the lock record '%s' is corrupt: larger than %d bytes", path,
		    RECORD_MAX_BYTES);
		rc = STORE_CORRUPT;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		err_set("cannot read the lock record '%s': out of memory", path);
		goto out;
	}
	/* Read until EOF: the size may have changed since fstat. */
	while (len < (size_t)st.st_size + 1) {
		n = sys.read(fd, buf + len, (size_t)st.st_size + 1 - len);
		if (n < 0) {
			err_set("cannot read the lock record '%s':", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	sys_step("record-read");
	if (key != NULL && record_set_parse_one(out, buf, len, key) == 1) {
		*partial = 1;
		rc = STORE_FOUND;
		goto out;
	}
	if (record_set_parse(out, buf, len, &newer) != 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err_last());
		err_set("the lock record '%s' is %s: %s", path,
		    newer ? "from a newer version" : "corrupt", why);
		rc = newer ? STORE_NEWER : STORE_CORRUPT;
		goto out;
	}
	rc = STORE_FOUND;
out:
	free(buf);
	sys.close(fd);
	return rc;
}

int
store_read_path_set(const char *path, struct record_set *out, struct stat *st)
{
	return read_path(path, out, st, NULL, NULL);
}

int
store_read_set_self(const struct store *s, struct record_set *out, struct stat *st,
    const char *key, int *partial)
{
	*partial = 0;
	return read_path(s->record_path, out, st, key, partial);
}

int
store_read_path(const char *path, struct record *out, struct stat *st)
{
	struct record_set set = RECORD_SET_INIT;
	int rc = store_read_path_set(path, &set, st);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_FOUND) {
		/* The first holder, with the set's schema and workspace. */
		record_bare(out, &set.h[0]);
		out->schema_version = set.schema_version;
		snprintf(out->workspace, sizeof(out->workspace), "%s", set.workspace);
	}
	record_set_free(&set);
	return rc;
}

int
store_read(const struct store *s, struct record *out, struct stat *st)
{
	return store_read_path(s->record_path, out, st);
}

int
store_read_set(const struct store *s, struct record_set *out, struct stat *st)
{
	return store_read_path_set(s->record_path, out, st);
}

static int write_text(const struct store *s, char *text);

int
store_write(const struct store *s, const struct record *r)
{
	return write_text(s, record_format(r));
}

int
store_write_set(const struct store *s, const struct record_set *set)
{
	return write_text(s, record_set_format(set));
}

/* Replaces the record with text (malloc()ed, freed here; NULL: err_last() says why). */
static int
write_text(const struct store *s, char *text)
{
	int fd = -1, rc = -1;

	if (text == NULL)
		return -1;
	/*
	 * Writers are serialised by the mutex, so one temporary name per
	 * workspace is enough; a leftover from a writer that was killed is
	 * removed first, and O_EXCL|O_NOFOLLOW refuses anything planted there.
	 */
	if (sys.unlink(s->temp_path) != 0 && errno != ENOENT) {
		err_set("cannot remove the leftover '%s':", s->temp_path);
		goto out;
	}
	fd = sys.open(s->temp_path, O_WRONLY | O_CREAT | O_EXCL | OPEN_FLAGS_SAFE, 0600);
	if (fd < 0) {
		err_set("cannot create '%s':", s->temp_path);
		goto out;
	}
	sys_step("temp-created");
	if (sys_write_all(fd, text, strlen(text)) != 0) {
		err_set("cannot write '%s':", s->temp_path);
		goto fail;
	}
	sys_step("temp-written");
	if (sys.close(fd) != 0) {
		fd = -1;
		err_set("cannot write '%s':", s->temp_path);
		goto fail;
	}
	fd = -1;
	if (sys.rename(s->temp_path, s->record_path) != 0) {
		err_set("cannot replace the lock record '%s':", s->record_path);
		goto fail;
	}
	sys_step("renamed");
	rc = 0;
	goto out;
fail:
	if (fd >= 0)
		sys.close(fd);
	sys.unlink(s->temp_path);
out:
	free(text);
	return rc;
}

int
store_replace_file(const char *path, const char *tmp, const char *buf, size_t len)
{
	int fd, rc = -1;

	if (sys.unlink(tmp) != 0 && errno != ENOENT)
		return err_set("cannot remove '%s':", tmp);
	fd = sys.open(tmp, O_WRONLY | O_CREAT | O_EXCL | OPEN_FLAGS_SAFE, 0600);
	if (fd < 0)
		return err_set("cannot create '%s':", tmp);
	if (sys_write_all(fd, buf, len) != 0) {
		err_set("cannot write '%s':", tmp);
		sys.close(fd);
	} else if (sys.close(fd) != 0) {
		err_set("cannot write '%s':", tmp);
	} else if (sys.rename(tmp, path) != 0) {
		err_set("cannot replace '%s':", path);
	} else {
		rc = 0;
	}
	if (rc != 0)
		sys.unlink(tmp);
	return rc;
}

int
store_remove(const struct store *s)
{
	if (sys.unlink(s->record_path) != 0 && errno != ENOENT)
		return err_set("cannot remove the lock record '%s':", s->record_path);
	sys_step("removed");
	return 0;
}

int
store_sweep_temp(const struct store *s)
{
	if (sys.unlink(s->temp_path) == 0)
		return 1;
	return 0;
}
