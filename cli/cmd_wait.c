/*
 * session-lock wait [PATH] [--timeout SECONDS] - returns once a workspace's
 * lock could be taken (free, stale, or this session's own). Only reads.
 *
 * It polls, with the jittered doubling backoff of the hooks' own wait (50 ms
 * up to 1 s, each pause 0.75x to 1.25x), so that many waiters neither spin
 * nor wake in step. Returning 0 says the lock was free when looked at, not
 * that it is reserved: to run something under the lock, use `session-lock
 * run --wait`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "inventory.h"
#include "report.h"
#include "store.h"
#include "sys.h"

static int
run(int argc, char **argv)
{
	char ws[PATH_MAX], dir[PATH_MAX], hash[WORKSPACE_HASH_LEN + 1], who[1024], t[32];
	const char *path = NULL, *arg;
	int64_t timeout = -1, start, left, pause = 50;
	struct inventory_look l;
	struct config cfg;
	struct holder me;
	unsigned seed = (unsigned)getpid();
	int exists, i;

	for (i = 1; i < argc; i++) {
		arg = NULL;
		if (strcmp(argv[i], "--timeout") == 0 || strcmp(argv[i], "-t") == 0) {
			if (i + 1 >= argc)
				return cli_usage(&cmd_wait, "%s needs a number of seconds", argv[i]);
			arg = argv[++i];
		} else if (strncmp(argv[i], "--timeout=", 10) == 0) {
			arg = argv[i] + 10;
		} else if (strcmp(argv[i], "--") == 0 && i + 1 == argc - 1 && path == NULL) {
			path = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage(&cmd_wait, "unknown option '%s'", argv[i]);
		} else if (path == NULL) {
			path = argv[i];
		} else {
			return cli_usage(&cmd_wait, "too many arguments");
		}
		if (arg != NULL && report_seconds(arg, &timeout) != 0)
			return cli_usage(&cmd_wait, "'%s' is not a number of seconds", arg);
	}
	start = sys.now_boot_ms();
	if (report_workspace(ws, path) != 0)
		return cli_fail("cannot wait for '%s': %s", path != NULL ? path : ".", err_last());
	if (report_me(&me, 1) != 0 || report_config(&cfg, ws) != 0)
		return cli_fail("cannot wait for '%s': %s", ws, err_last());
	workspace_hash(hash, ws);
	for (;;) {
		if (report_dir(dir, &exists) != 0) {
			config_free(&cfg);
			return cli_fail("cannot wait for '%s': %s", ws, err_last());
		}
		if (!exists)
			break;
		if (inventory_look(&l, dir, hash, &me, cfg.ttl_ms) != 0) {
			config_free(&cfg);
			return cli_fail("cannot wait for '%s': %s", ws, err_last());
		}
		if (inventory_takeable(&l))
			break;
		if (l.status == STORE_UNSAFE || l.status == STORE_NEWER) {
			config_free(&cfg);
			return cli_fail("cannot wait for '%s': %s", ws, l.error);
		}
		left = timeout < 0 ? INT64_MAX : timeout - (sys.now_boot_ms() - start);
		if (left <= 0) {
			config_free(&cfg);
			if (l.status == STORE_FOUND)
				report_holder(who, sizeof(who), &l);
			else
				snprintf(who, sizeof(who), "a corrupt record younger than the TTL");
			fprintf(stderr, "session-lock: cannot wait for '%s': still held by %s "
			    "after %s\n", ws, who, report_duration(t, sizeof(t), timeout));
			return CLI_TIMEOUT;
		}
		pause = pause * (75 + (int64_t)(rand_r(&seed) % 51)) / 100;
		sys.sleep_ms(pause < left ? pause : left);
		pause = pause * 2 > 1000 ? 1000 : pause * 2;
		if (pause < 20)
			pause = 20;
	}
	config_free(&cfg);
	return CLI_OK;
}

const struct cli_cmd cmd_wait = {
	.name = "wait",
	.summary = "wait until a workspace's lock is free",
	.usage = "session-lock wait [PATH] [--timeout SECONDS]\n\n"
	    "Returns when the lock of the workspace PATH (default: $CLAUDE_PROJECT_DIR,\n"
	    "else the current directory) could be taken: no lock, a dead holder, an ended\n"
	    "lease, or (inside a Claude Code session) that session's own lock. Without\n"
	    "--timeout it waits as long as it takes; SECONDS may be a decimal (0.5), 0\n"
	    "checks once. Only reads: it reserves nothing (use 'session-lock run --wait'\n"
	    "to run a command under the lock).\n\n"
	    "exit status: 0 free; 75 still held when the timeout ran out; 3 failed\n"
	    "(unusable runtime directory, a newer version's or unsafe lock file).",
	.run = run,
};
