/*
 * sys.c - the real system calls, and the test build's fault injection.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

static int
real_open(const char *path, int flags, mode_t mode)
{
	int fd;

	do
		fd = open(path, flags, mode);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static ssize_t
real_read(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t
real_write(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	return n;
}

/* close() is never retried: on Linux the descriptor is gone even after EINTR. */
static int
real_close(int fd)
{
	return close(fd);
}

static int
real_flock(int fd, int op)
{
	int rc;

	do
		rc = flock(fd, op);
	while (rc < 0 && errno == EINTR);
	return rc;
}

static int64_t
clock_ms(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
real_now_wall_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

static int64_t
real_now_boot_ms(void)
{
	return clock_ms(CLOCK_BOOTTIME);
}

static void
real_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

#define REAL_OPS {						\
	.open = real_open,	\
	.read = real_read,	\
	.write = real_write,	\
	.close = real_close,	\
	.fstat = fstat,	\
	.lstat = lstat,	\
	.rename = rename,	\
	.unlink = unlink,	\
	.mkdir = mkdir,	\
	.flock = real_flock,	\
	.fsync = fsync,	\
	.kill = kill,	\
	.now_wall_ms = real_now_wall_ms,	\
	.now_boot_ms = real_now_boot_ms,	\
	.sleep_ms = real_sleep_ms,	\
}

static const struct sys_ops real_ops = REAL_OPS;

#ifndef SESSION_LOCK_TESTING

struct sys_ops sys = REAL_OPS;

void
sys_step(const char *step)
{
	(void)step;
}

#else /* SESSION_LOCK_TESTING: faults driven by the environment */

/*
 * The table starts out with the fault-aware wrappers below; each wrapper
 * asks fault_hit() whether this call is the one to fail.
 */
static struct {
	int parsed;
	char call[16];
	int err;		/* errno to fail with; -1 = short write */
	long nth;		/* fail the nth call (1-based) */
	long seen;
} fault;

static int
errno_by_name(const char *name)
{
	static const struct { const char *name; int value; } tab[] = {
		{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EMFILE", EMFILE },
		{ "EACCES", EACCES }, { "EXDEV", EXDEV }, { "EROFS", EROFS },
		{ "ENOLCK", ENOLCK }, { "EPERM", EPERM }, { "EDQUOT", EDQUOT },
		{ "ENOENT", ENOENT }, { "EEXIST", EEXIST }, { "EBUSY", EBUSY },
	};
	size_t i;

	if (strcmp(name, "short") == 0)
		return -1;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strcmp(tab[i].name, name) == 0)
			return tab[i].value;
	return EIO;
}

static void
fault_parse(void)
{
	const char *spec = getenv("SESSION_LOCK_FAULT");
	char buf[64], *p, *q;

	fault.parsed = 1;
	if (spec == NULL || *spec == '\0')
		return;
	snprintf(buf, sizeof(buf), "%s", spec);
	p = strchr(buf, ':');
	if (p == NULL)
		return;
	*p++ = '\0';
	q = strchr(p, ':');
	if (q != NULL)
		*q++ = '\0';
	snprintf(fault.call, sizeof(fault.call), "%.15s", buf);
	fault.err = errno_by_name(p);
	fault.nth = q != NULL ? strtol(q, NULL, 10) : 1;
	if (fault.nth < 1)
		fault.nth = 1;
}

/* Returns the errno to fail with (or -1 for "short"), 0 to go ahead. */
static int
fault_hit(const char *call)
{
	if (!fault.parsed)
		fault_parse();
	if (fault.call[0] == '\0' || strcmp(fault.call, call) != 0)
		return 0;
	if (++fault.seen != fault.nth)
		return 0;
	return fault.err;
}

#define FAIL_IF_HIT(name)					\
	do {							\
		int e_ = fault_hit(name);			\
		if (e_ > 0) {					\
			errno = e_;				\
			return -1;				\
		}						\
	} while (0)

static int
t_open(const char *path, int flags, mode_t mode)
{
	FAIL_IF_HIT("open");
	return real_open(path, flags, mode);
}

static ssize_t
t_read(int fd, void *buf, size_t len)
{
	FAIL_IF_HIT("read");
	return real_read(fd, buf, len);
}

static ssize_t
t_write(int fd, const void *buf, size_t len)
{
	int e = fault_hit("write");

	if (e > 0) {
		errno = e;
		return -1;
	}
	if (e < 0 && len > 1)
		return real_write(fd, buf, len / 2);
	return real_write(fd, buf, len);
}

static int
t_close(int fd)
{
	int e = fault_hit("close");

	if (e > 0) {
		real_close(fd);
		errno = e;
		return -1;
	}
	return real_close(fd);
}

static int
t_rename(const char *from, const char *to)
{
	FAIL_IF_HIT("rename");
	return rename(from, to);
}

static int
t_unlink(const char *path)
{
	FAIL_IF_HIT("unlink");
	return unlink(path);
}

static int
t_mkdir(const char *path, mode_t mode)
{
	FAIL_IF_HIT("mkdir");
	return mkdir(path, mode);
}

static int
t_flock(int fd, int op)
{
	FAIL_IF_HIT("flock");
	return real_flock(fd, op);
}

static int
t_fsync(int fd)
{
	FAIL_IF_HIT("fsync");
	return fsync(fd);
}

/*
 * SESSION_LOCK_CLOCK_SKEW_MS shifts the wall clock only (as an NTP step or a
 * manual `date -s` would), leaving CLOCK_BOOTTIME alone.
 */
static int64_t
t_now_wall_ms(void)
{
	const char *skew = getenv("SESSION_LOCK_CLOCK_SKEW_MS");

	return real_now_wall_ms() + (skew != NULL ? strtoll(skew, NULL, 10) : 0);
}

/*
 * SESSION_LOCK_BOOT_SKEW_MS moves CLOCK_BOOTTIME forward, as if the machine
 * had been up that much longer: a test stamps a record "now" and runs the
 * hook later, instead of stamping the record before a boot that may be
 * only seconds old.
 */
static int64_t
t_now_boot_ms(void)
{
	const char *skew = getenv("SESSION_LOCK_BOOT_SKEW_MS");

	return real_now_boot_ms() + (skew != NULL ? strtoll(skew, NULL, 10) : 0);
}

struct sys_ops sys = {
	.open = t_open,
	.read = t_read,
	.write = t_write,
	.close = t_close,
	.fstat = fstat,
	.lstat = lstat,
	.rename = t_rename,
	.unlink = t_unlink,
	.mkdir = t_mkdir,
	.flock = t_flock,
	.fsync = t_fsync,
	.kill = kill,
	.now_wall_ms = t_now_wall_ms,
	.now_boot_ms = t_now_boot_ms,
	.sleep_ms = real_sleep_ms,
};

void
sys_step(const char *step)
{
	const char *crash = getenv("SESSION_LOCK_CRASH_AT");
	const char *pause = getenv("SESSION_LOCK_PAUSE_AT");
	size_t n = strlen(step);

	if (crash != NULL && strcmp(crash, step) == 0)
		raise(SIGKILL);
	if (pause != NULL && strncmp(pause, step, n) == 0 && pause[n] == ':') {
		char marker[4096];
		const char *file = pause + n + 1;
		int i, fd;

		snprintf(marker, sizeof(marker), "%s.waiting", file);
		fd = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		for (i = 0; i < 3000 && access(file, F_OK) != 0; i++)
			real_sleep_ms(10);
	}
}

#endif /* SESSION_LOCK_TESTING */

/* The deadline on CLOCK_BOOTTIME, ms; -1: none. */
static int64_t deadline_at = -1;

void
sys_deadline_set(int64_t ms)
{
	deadline_at = sys.now_boot_ms() + (ms > 0 ? ms : 0);
}

int64_t
sys_deadline_left_ms(void)
{
	int64_t left;

	if (deadline_at < 0)
		return INT64_MAX;
	left = deadline_at - sys.now_boot_ms();
	return left > 0 ? left : 0;
}

int64_t
sys_deadline_clamp(int64_t ms)
{
	int64_t left = sys_deadline_left_ms();

	if (ms > left)
		ms = left;
	return ms > 0 ? ms : 0;
}

int
sys_flock_wait(int fd, int64_t timeout_ms)
{
	int64_t start = sys.now_boot_ms(), bound = sys_deadline_clamp(timeout_ms);
	int64_t pause = 1, left;

	while (sys.flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno != EWOULDBLOCK)
			return -1;
		left = bound - (sys.now_boot_ms() - start);
		if (left <= 0)
			return 1;
		/* Hold times are microseconds: poll fast, back off to 8 ms. */
		sys.sleep_ms(pause < left ? pause : left);
		if (pause < 8)
			pause *= 2;
	}
	return 0;
}

void
sys_reset(void)
{
	deadline_at = -1;
#ifdef SESSION_LOCK_TESTING
	fault.parsed = 0;
	fault.call[0] = '\0';
	fault.seen = 0;
#endif
	sys = real_ops;
}

int
sys_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = sys.write(fd, p, len);
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
sys_fix_stdio(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) != fd)
			return -1;
	}
	return 0;
}
