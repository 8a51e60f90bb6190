/*
 * sys.h - the system calls the core makes, behind one replaceable table.
 *
 * Every call that touches the file system, the clocks or other processes
 * goes through `sys`, so a test can replace one entry with a failing or
 * slow version (SQLite's aSyscall idea) without LD_PRELOAD. Production code
 * never changes the table; sys_reset() puts the real calls back.
 *
 * Calls that can be interrupted are retried on EINTR inside the table's
 * default entries, so callers see EINTR never.
 *
 * Crash points. The core calls sys_step("name") after each numbered step of
 * a protocol (see the step list in lock.c). In the production build it does
 * nothing. In the test build (SESSION_LOCK_TESTING) the environment drives
 * faults, so that black-box tests can crash or pause a real hook process:
 *
 *   SESSION_LOCK_CRASH_AT=STEP        raise SIGKILL right after STEP
 *   SESSION_LOCK_PAUSE_AT=STEP:FILE   after STEP create FILE.waiting, then
 *                                     wait (up to 30 s) until FILE exists
 *   SESSION_LOCK_FAULT=CALL:ERR[:N]   make the N-th (default 1st) call of
 *                                     CALL fail with errno ERR, e.g.
 *                                     rename:EIO, write:ENOSPC:2, open:EMFILE;
 *                                     ERR "short" makes a write write half
 *                                     CALL is one of open write rename
 *                                     unlink fsync close flock mkdir read
 *   SESSION_LOCK_CLOCK_SKEW_MS=MS     the wall clock reads MS later (or
 *                                     earlier): an NTP step, `date -s`
 *   SESSION_LOCK_BOOT_SKEW_MS=MS      CLOCK_BOOTTIME reads MS later, as if
 *                                     the machine had been up that much
 *                                     longer (records "renewed MS ago" at
 *                                     any uptime: tests/lib.sh put_record)
 */
#ifndef SL_SYS_H
#define SL_SYS_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

struct sys_ops {
	int (*open)(const char *path, int flags, mode_t mode);
	ssize_t (*read)(int fd, void *buf, size_t len);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	int (*close)(int fd);
	int (*fstat)(int fd, struct stat *st);
	int (*lstat)(const char *path, struct stat *st);
	int (*rename)(const char *from, const char *to);
	int (*unlink)(const char *path);
	int (*mkdir)(const char *path, mode_t mode);
	int (*flock)(int fd, int op);
	int (*fsync)(int fd);
	int (*kill)(pid_t pid, int sig);
	/* Wall clock, ms since the epoch: for records people and other hosts read. */
	int64_t (*now_wall_ms)(void);
	/* CLOCK_BOOTTIME in ms: immune to wall-clock jumps, counts suspend. */
	int64_t (*now_boot_ms)(void);
	/* Sleeps for about `ms` milliseconds (used by bounded waits). */
	void (*sleep_ms)(int64_t ms);
};

extern struct sys_ops sys;

/* Restores the real system calls. */
void sys_reset(void);

/* Marks the end of a protocol step: a crash or pause point in test builds. */
void sys_step(const char *step);

/*
 * Writes all of buf, retrying short writes. Returns 0, or -1 with errno set
 * (ENOSPC when the device took nothing).
 */
int sys_write_all(int fd, const void *buf, size_t len);

/*
 * One deadline for the whole process: a hook must answer before the client
 * kills it at its registered timeout (a killed PreToolUse lets the tool
 * run), so every bounded wait of the core clamps its own bound to what is
 * left: the workspace mutex (store_lock), the audit log's flock, the read
 * of stdin, a PreToolUse's wait for the lock. Without a deadline (the
 * default; the command line sets none) only each wait's own bound applies.
 */

/* Sets the deadline ms milliseconds from now (CLOCK_BOOTTIME); < 0 is now. */
void sys_deadline_set(int64_t ms);

/* Milliseconds left: 0 once passed, INT64_MAX when no deadline is set. */
int64_t sys_deadline_left_ms(void);

/* ms, or less when the deadline comes first (never below 0). */
int64_t sys_deadline_clamp(int64_t ms);

/*
 * Takes an exclusive flock on fd, trying LOCK_NB with a short backoff (1 ms
 * doubling to 8 ms) for at most timeout_ms, clamped to the deadline; it
 * tries once even when no time is left. Returns 0 when held, 1 when
 * another process held it for the whole wait, -1 with errno on an error.
 */
int sys_flock_wait(int fd, int64_t timeout_ms);

/*
 * Makes sure descriptors 0, 1 and 2 are open (on /dev/null when they were
 * closed), so that no file the core opens later can be handed fd 0-2 and
 * receive a stray message. Returns 0, or -1 when /dev/null cannot be opened.
 */
int sys_fix_stdio(void);

#endif
