/*
 * session-lock - the command line for people: see `session-lock --help`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "sys.h"

static const struct cli_cmd *const commands[] = {
	&cmd_status,
	&cmd_release,
	&cmd_gc,
	&cmd_doctor,
	&cmd_log,
	&cmd_run,
	&cmd_wait,
	&cmd_claim,
	&cmd_hash,
	&cmd_settings,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int
cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("session-lock: ", stderr);
	va_start(ap, fmt);
	report_vprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAILED;
}

int
cli_usage(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "session-lock %s: ", cmd->name);
	va_start(ap, fmt);
	report_vprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", cmd->usage);
	return CLI_USAGE;
}

int
cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

static void
print_help(FILE *to)
{
	size_t i;

	fputs("usage: session-lock <command> [options]\n\n"
	    "Shows and fixes the workspace locks that claude-session-lock's hooks take.\n\n"
	    "commands:\n", to);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(to, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\n`session-lock <command> --help` describes one command.\n"
	    "exit status: 0 ok or free, 1 held by another, 2 usage error, 3 failed,\n"
	    "75 run/wait could not get the lock in time\n", to);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (sys_fix_stdio() != 0)
		return CLI_FAILED;
	if (argc < 2) {
		print_help(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_help(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("session-lock %s\n", SESSION_LOCK_VERSION);
		return CLI_OK;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i]->name) != 0)
			continue;
		if (cli_wants_help(argc - 1, argv + 1)) {
			printf("usage: %s\n", commands[i]->usage);
			return CLI_OK;
		}
		return commands[i]->run(argc - 1, argv + 1);
	}
	report_printf(stderr, "session-lock: unknown command '%s' (see 'session-lock --help')\n",
	    argv[1]);
	return CLI_USAGE;
}
