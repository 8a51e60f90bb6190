/*
 * session-lock wait [PATH] [--path FILE] [--timeout SECONDS] [--no-take] -
 * waits for a workspace's lock, or for a claim on a path in it.
 *
 * Inside a Claude Code session (the Bash tool's environment names it:
 * CLAUDE_CODE_SESSION_ID and CLAUDE_PID), it waits FOR that session: it
 * joins the same first-come-first-served queue as the hooks' bounded wait
 * (queue.h) and, when the lock frees in its turn, takes it for the session
 * in the same critical section (lock_acquire_wait), so no third session
 * slips in between; the session's next Write then finds the lock its own.
 * Its default limit, 110 s, stays under the Bash tool's 120 s, and a wait
 * that is killed leaves an entry whose process is gone, which the next
 * reader drops.
 *
 * With --path, or in the "paths" scope (claim.h), the session's wait is
 * recorded in the record as its holder's wants instead of the queue, and it
 * takes only the claim on FILE (or the whole workspace, without --path).
 * There a wait that would close a cycle is refused at once (exit 76), in
 * the words a blocked hook uses, rather than waiting until both time out.
 *
 * Outside a session (or with --no-take) it only watches: it returns once
 * the lock could be taken, reserving nothing, polling with the jittered
 * doubling backoff of the hooks' own wait (50 ms up to 1 s, each pause 0.75x
 * to 1.25x). To run something under the lock there, use `session-lock run`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "inventory.h"
#include "lock.h"
#include "proc.h"
#include "report.h"
#include "store.h"
#include "sys.h"
#include "tell.h"

/*
 * Waits for the session in the environment, and takes for it the claim on
 * target (a resolved path in ws), or the whole workspace (target NULL).
 */
static int
wait_take(const char *ws, const char *target, const char *session_id, int64_t timeout,
    const char *self)
{
	char who[1024], t[32], quoted[PATH_MAX + 64], qpath[PATH_MAX + 80] = "";
	struct lock_outcome o;
	struct lock_ctx ctx;
	struct config cfg;
	int rc;

	if (report_config(&cfg, ws) != 0)
		return cli_fail("cannot wait for '%s': %s", ws, err_last());
	if (report_session_ctx(&ctx, ws, session_id, cfg.ttl_ms) != 0) {
		config_free(&cfg);
		return cli_fail("cannot wait for '%s': %s", ws, err_last());
	}
	ctx.tool = "session-lock wait";
	/*
	 * A claim, or the "paths" scope: the wait is recorded in the record (the
	 * holder's wants), where a wait that would close a cycle is refused.
	 */
	ctx.paths = target != NULL || cfg.scope_paths;
	ctx.claim = target;
	rc = lock_acquire_wait(&ctx, cfg.ttl_ms, timeout, &o);
	config_free(&cfg);
	if (rc != 0) {
		rc = cli_fail("cannot wait for '%s': %s", target != NULL ? target : ws, err_last());
		goto out;
	}
	rc = CLI_OK;
	switch (o.action) {
	case LOCK_ACQUIRED:
	case LOCK_CLAIMED:
	case LOCK_TOOK_OVER:
		if (target != NULL)
			report_printf(stdout, "session-lock: the claim on '%s' is now this session's "
			    "(%.8s): go on with your changes.\n", target, session_id);
		else
			report_printf(stdout, "session-lock: the lock on '%s' is now this session's "
			    "(%.8s): go on with your changes.\n", ws, session_id);
		goto out;
	case LOCK_RENEWED:
		if (target != NULL)
			report_printf(stdout, "session-lock: this session (%.8s) already holds '%s': "
			    "go on with your changes.\n", session_id, target);
		else
			report_printf(stdout, "session-lock: this session (%.8s) already holds the "
			    "lock on '%s': go on with your changes.\n", session_id, ws);
		goto out;
	case LOCK_REFUSED:
		/* Waiting would deadlock: said at once, with the way out. */
		report_blocked(stderr, &ctx, &o, ws, target, self);
		rc = CLI_REFUSED;
		goto out;
	default:
		break;
	}
	tell_shell_quote(quoted, sizeof(quoted), ws);
	if (target != NULL) {
		memcpy(qpath, " --path ", 8);
		tell_shell_quote(qpath + 8, sizeof(qpath) - 8, target);
	}
	if (o.have_holder && o.decision.verdict == VERDICT_HELD)
		tell_holder(who, sizeof(who), &o.holder, &o.decision, &ctx.me, sys.now_wall_ms(),
		    sys.now_boot_ms());
	else if (o.action == LOCK_BUSY)
		snprintf(who, sizeof(who), "another process that keeps it busy");
	else
		snprintf(who, sizeof(who), "%d other waiting session%s that came first",
		    o.queued_ahead, o.queued_ahead == 1 ? "" : "s");
	report_printf(stderr, "session-lock: '%s' is still held after %s, by %s. Run `%s wait "
	    "%s%s` again to keep this session's place in line, or tell the user.\n",
	    target != NULL ? target : ws, report_duration(t, sizeof(t), timeout), who, self,
	    quoted, qpath);
	rc = CLI_TIMEOUT;
out:
	lock_ctx_free(&ctx);
	return rc;
}

static int
run(int argc, char **argv)
{
	char ws[PATH_MAX], dir[PATH_MAX], hash[WORKSPACE_HASH_LEN + 1], who[1024], t[32];
	const char *path = NULL, *arg, *sid = getenv("CLAUDE_CODE_SESSION_ID"), *claim = NULL;
	char self[PATH_MAX], target[PATH_MAX];
	int64_t timeout = -1, start, left, pause = 50;
	struct inventory_look l;
	struct config cfg;
	struct holder me;
	unsigned seed = (unsigned)getpid();
	int exists, i, rc, take = sid != NULL && *sid != '\0';

	for (i = 1; i < argc; i++) {
		arg = NULL;
		if (strcmp(argv[i], "--timeout") == 0 || strcmp(argv[i], "-t") == 0) {
			if (i + 1 >= argc)
				return cli_usage(&cmd_wait, "%s needs a number of seconds", argv[i]);
			arg = argv[++i];
		} else if (strncmp(argv[i], "--timeout=", 10) == 0) {
			arg = argv[i] + 10;
		} else if (strcmp(argv[i], "--path") == 0 || strcmp(argv[i], "-p") == 0) {
			if (i + 1 >= argc)
				return cli_usage(&cmd_wait, "%s needs a path", argv[i]);
			if (claim != NULL)
				return cli_usage(&cmd_wait, "--path is given once");
			claim = argv[++i];
		} else if (strncmp(argv[i], "--path=", 7) == 0) {
			if (claim != NULL)
				return cli_usage(&cmd_wait, "--path is given once");
			claim = argv[i] + 7;
		} else if (strcmp(argv[i], "--no-take") == 0) {
			take = 0;
		} else if (strcmp(argv[i], "--take") == 0) {
			if (sid == NULL || *sid == '\0')
				return cli_usage(&cmd_wait, "--take acts for a Claude Code session: "
				    "CLAUDE_CODE_SESSION_ID is not set");
			take = 1;
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
	/* A claim is taken for a session: there is no watching for one. */
	if (claim != NULL && (sid == NULL || *sid == '\0'))
		return cli_usage(&cmd_wait, "--path takes a claim for a Claude Code session: "
		    "CLAUDE_CODE_SESSION_ID is not set");
	if (claim != NULL && !take)
		return cli_usage(&cmd_wait, "--path takes the claim: it cannot go with --no-take");
	start = sys.now_boot_ms();
	if (report_workspace(ws, path) != 0)
		return cli_fail("cannot wait for '%s': %s", path != NULL ? path : ".", err_last());
	if (claim != NULL && report_resolve_path(target, claim) != 0)
		return cli_fail("cannot wait for '%s': %s", claim, err_last());
	if (claim != NULL && !workspace_contains(ws, target)) {
		report_printf(stderr, "session-lock wait: '%s' is outside the workspace '%s': only "
		    "paths inside it can be claimed\n", target, ws);
		return CLI_USAGE;
	}
	if (take) {
		/* The path to run this program again, for the time-out advice. */
		if (proc_self_exe(self) != 0)
			snprintf(self, sizeof(self), "%s", argv[0]);
		/* The workspace itself is the whole of it. */
		return wait_take(ws, claim != NULL && strcmp(target, ws) != 0 ? target : NULL, sid,
		    timeout < 0 ? TELL_WAIT_DEFAULT_S * 1000 : timeout, self);
	}
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
		rc = inventory_look(&l, dir, hash, &me, cfg.ttl_ms);
		inventory_look_free(&l);	/* only rec, its decision and status are read */
		if (rc != 0) {
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
			report_printf(stderr, "session-lock: cannot wait for '%s': still held by %s "
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
	.summary = "wait for a workspace's lock (in a session: wait your turn and take it)",
	.usage = "session-lock wait [PATH] [--path FILE] [--timeout SECONDS] [--no-take]\n\n"
	    "Inside a Claude Code session (its Bash tool sets CLAUDE_CODE_SESSION_ID and\n"
	    "CLAUDE_PID), waits in line for the lock of the workspace PATH (default:\n"
	    "$CLAUDE_PROJECT_DIR, else the current directory) and takes it FOR THAT SESSION\n"
	    "as soon as it is this session's turn; then the session's edits pass. Sessions\n"
	    "waiting (here or in a hook) are served first come, first served. Default\n"
	    "--timeout: 110 s, under the Bash tool's 120 s.\n\n"
	    "--path FILE (a file or directory inside the workspace, relative to the current\n"
	    "directory) waits for and takes only the claim on FILE, as 'session-lock claim'\n"
	    "would, in either scope. Without it, in the \"paths\" scope, it waits for the\n"
	    "whole workspace. There a wait that would deadlock (a session this one would\n"
	    "wait for waits, itself or through others, for this session's claims) is\n"
	    "refused at once, exit 76, saying which claims are in the way: give them up\n"
	    "with 'session-lock release', or end the turn.\n\n"
	    "Outside a session, or with --no-take, only waits until the lock could be taken\n"
	    "(free, a dead holder, an ended lease, or the session's own) and reserves\n"
	    "nothing; without --timeout it waits as long as it takes. SECONDS may be a\n"
	    "decimal (0.5); 0 checks once. To run a command under the lock, use\n"
	    "'session-lock run --wait'. --path goes with neither.\n\n"
	    "exit status: 0 the lock (or the claim) is this session's (or free, when not\n"
	    "taking); 75 still held when the timeout ran out (it says by whom); 76 refused:\n"
	    "waiting would deadlock; 2 usage error (also: --path outside the workspace);\n"
	    "3 failed (unusable runtime directory, a newer version's or unsafe lock file).",
	.run = run,
};
