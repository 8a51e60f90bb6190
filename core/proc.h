/*
 * proc.h - process identity and liveness, from /proc.
 *
 * A lock's owner is a process identified by (PID, start time): the start
 * time (field 22 of /proc/<pid>/stat, clock ticks after boot) tells a live
 * owner from an unrelated process that was later given the same PID. The
 * pair is meaningful only on one host within one boot, so records also carry
 * the boot id (/proc/sys/kernel/random/boot_id) and the host name. This is
 * a liveness check between cooperating processes, not a security boundary.
 */
#ifndef SL_PROC_H
#define SL_PROC_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_BOOT_ID_LEN 36
#define PROC_HOST_LEN 255
#define PROC_COMM_LEN 64

struct proc_stat {
	pid_t pid;
	char comm[PROC_COMM_LEN];	/* field 2, without the parentheses */
	char state;			/* field 3: R, S, D, Z, X, ... */
	pid_t ppid;			/* field 4 */
	uint64_t start;			/* field 22 */
};

enum proc_liveness {
	PROC_ALIVE,	/* exists, not a zombie, same start time (or none recorded) */
	PROC_DEAD,	/* gone, a zombie, or another process with that PID */
	PROC_UNKNOWN,	/* cannot be told from here (another host) */
};

/*
 * Reads /proc/<pid>/stat. comm may contain spaces and parentheses, so the
 * fields are taken after the last ')'. Returns 0, or -1 with errno ENOENT
 * (or ESRCH) when there is no such process, other errno on other failures.
 */
int proc_stat_read(struct proc_stat *out, pid_t pid);

/*
 * Parses the text of a /proc/<pid>/stat file (exposed for tests). Returns 0,
 * or -1 with errno EINVAL when it is not one.
 */
int proc_stat_parse(struct proc_stat *out, const char *text);

/*
 * Is the process (pid, start) alive? start 0 means "not recorded": then the
 * PID existing is enough. A zombie counts as dead (it has exited; only its
 * parent has not looked). When /proc cannot be read for the PID (hidepid),
 * kill(pid, 0) decides and EPERM counts as alive.
 */
enum proc_liveness proc_liveness(pid_t pid, uint64_t start);

/*
 * The owner of this hook: the Claude Code process. $CLAUDE_PID when it is a
 * positive number; else the parent, or the grandparent when the parent is a
 * shell running `-c` (dash does not exec the hook: claude -> sh -c -> hook).
 * Fills *start with its start time (0 when unreadable). Returns the PID,
 * or -1 with err_set() when none can be found.
 */
pid_t proc_owner(uint64_t *start);

/* This boot's id into out (37 bytes). Returns 0, or -1 (out = ""). */
int proc_boot_id(char out[PROC_BOOT_ID_LEN + 1]);

/*
 * The path of this program (/proc/self/exe) into out, for advice that names
 * it or its siblings. Returns 0, or -1 with errno set (out = "").
 */
int proc_self_exe(char out[PATH_MAX]);

/* The host name into out. Returns 0, or -1 (out = ""). */
int proc_hostname(char out[PROC_HOST_LEN + 1]);

#endif
