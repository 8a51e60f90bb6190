/*
 * cli.h - the session-lock command line: one file per subcommand.
 *
 * Each cli/cmd_<name>.c defines one `const struct cli_cmd cmd_<name>` and
 * adds it to the table in cli/session-lock.c. A subcommand's run() gets
 * argv with argv[0] = its own name, prints its own output, and returns the
 * exit status; nothing below main() calls exit().
 *
 * Exit statuses (documented in README.md, "session-lock"):
 *   0  success; for status/wait: the workspace is free (or ours)
 *   1  the workspace is held by someone else (status), or a release was
 *      refused because the holder is alive (release without --force)
 *   2  usage error
 *   3  the operation failed (system error, unsafe runtime directory,
 *      invalid settings file, ...): one line on stderr says why
 *  75  run/wait: the lock could not be had within the time allowed
 *  76  claim/wait: refused at once, because waiting would deadlock (claim.h:
 *      a session this one would wait for waits for this one's claims)
 */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <stdio.h>

#define CLI_OK		0
#define CLI_HELD	1
#define CLI_USAGE	2
#define CLI_FAILED	3
#define CLI_TIMEOUT	75
#define CLI_REFUSED	76

struct cli_cmd {
	const char *name;
	const char *summary;	/* one line for `session-lock --help` */
	const char *usage;	/* the text of `session-lock <name> --help` */
	int (*run)(int argc, char **argv);
};

/*
 * Prints "session-lock: cannot <what>: <err_last()>" style lines: fmt is
 * the whole message after "session-lock: ". Returns CLI_FAILED.
 */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a usage error and the subcommand's usage line. Returns CLI_USAGE. */
int cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True when argv holds -h or --help (before any "--"). */
int cli_wants_help(int argc, char **argv);

extern const struct cli_cmd cmd_hash;
extern const struct cli_cmd cmd_settings;
extern const struct cli_cmd cmd_status;
extern const struct cli_cmd cmd_release;
extern const struct cli_cmd cmd_gc;
extern const struct cli_cmd cmd_doctor;
extern const struct cli_cmd cmd_log;
extern const struct cli_cmd cmd_run;
extern const struct cli_cmd cmd_wait;
extern const struct cli_cmd cmd_claim;

#endif
