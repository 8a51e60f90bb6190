/*
 * tool.h - what the test and benchmark drivers (the programs in tests/tools,
 * bench/lockbench.c) share: whole-file I/O, the per-session hook inputs,
 * stand-in owner processes, clocks, and the stdio of a hook run.
 *
 * Not part of the product: these exit-on-nothing helpers serve programs
 * that report their own failures. tool.c is linked into every tool.
 */
#ifndef SESSION_LOCK_TOOL_H
#define SESSION_LOCK_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* The whole file, NUL-terminated, in malloc'd memory (*len its size when
 * len is not NULL); NULL when it cannot be read. */
char *tool_read_file(const char *path, size_t *len);

/* Writes len bytes to path (created or truncated). 0, or -1. */
int tool_write_file(const char *path, const char *buf, size_t len);

/* Writes the template file with every "@SID@" replaced by sid into path:
 * the input of one contender's session. 0, or -1. */
int tool_write_input(const char *tmpl_path, const char *sid, const char *path);

/* A live stand-in for a Claude Code process: a child that pauses until it
 * is killed, or until its parent dies. Its pid, or -1. */
pid_t tool_spawn_standin(void);

/* The pid of a child that has exited and been reaped: a dead owner. */
pid_t tool_dead_pid(void);

/* Milliseconds on clock id; nanoseconds on CLOCK_MONOTONIC. */
int64_t tool_ms_of(clockid_t id);
int64_t tool_now_ns(void);

/*
 * In a forked child about to exec a hook: stdin from in_path, stdout to
 * /dev/null, stderr to err_path (or /dev/null when NULL). Returns 0, or -1
 * (the child should then _exit(126)).
 */
int tool_child_stdio(const char *in_path, const char *err_path);

#endif
