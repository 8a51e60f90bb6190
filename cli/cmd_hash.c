/*
 * session-lock hash PATH - the workspace hash and lock file of a directory.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "err.h"
#include "workspace.h"

static int
run(int argc, char **argv)
{
	char ws[PATH_MAX], hash[WORKSPACE_HASH_LEN + 1];
	const char *home = getenv("HOME");

	if (argc > 2)
		return cli_usage(&cmd_hash, "too many arguments");
	if (workspace_resolve(ws, argc == 2 ? argv[1] : NULL, NULL) != 0)
		return cli_fail("cannot hash '%s': %s", argc == 2 ? argv[1] : ".", err_last());
	workspace_hash(hash, ws);
	printf("%s\n%s/.claude/runtime/session-lock-%s.json\n", hash,
	    home != NULL ? home : "~", hash);
	return CLI_OK;
}

const struct cli_cmd cmd_hash = {
	.name = "hash",
	.summary = "print a workspace's hash and lock file path",
	.usage = "session-lock hash [PATH]\n\n"
	    "Resolves PATH (default: the current directory) as the hooks do and prints\n"
	    "the first 12 hex digits of the MD5 of the resolved path, then the path of\n"
	    "its lock record.",
	.run = run,
};
