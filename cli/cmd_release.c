/*
 * session-lock release [PATH] [--force] - removes a lock whose holder is
 * gone or whose lease ended; with --force, whoever holds it. The core
 * (lock_break) decides again under the workspace mutex and writes the
 * audit log line ("release" or "force-release").
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "inventory.h"
#include "lock.h"
#include "report.h"
#include "store.h"

static int
run(int argc, char **argv)
{
	char ws[PATH_MAX], dir[PATH_MAX], hash[WORKSPACE_HASH_LEN + 1], who[1024] = "";
	const char *path = NULL;
	struct inventory_look l;
	struct lock_outcome o;
	struct lock_ctx ctx;
	struct holder me;
	struct config cfg;
	int force = 0, exists, i, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			force = 1;
		else if (strcmp(argv[i], "--") == 0 && i + 1 == argc - 1 && path == NULL)
			path = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage(&cmd_release, "unknown option '%s'", argv[i]);
		else if (path == NULL)
			path = argv[i];
		else
			return cli_usage(&cmd_release, "too many arguments");
	}
	if (report_workspace(ws, path) != 0)
		return cli_fail("cannot release '%s': %s", path != NULL ? path : ".", err_last());
	if (report_dir(dir, &exists) != 0)
		return cli_fail("cannot release '%s': %s", ws, err_last());
	if (!exists) {
		report_printf(stdout, "no lock on '%s': nothing to release\n", ws);
		return CLI_OK;
	}
	if (report_me(&me, 1) != 0 || report_config(&cfg, ws) != 0)
		return cli_fail("cannot release '%s': %s", ws, err_last());
	workspace_hash(hash, ws);
	rc = inventory_look(&l, dir, hash, &me, cfg.ttl_ms);
	if (rc == 0)
		rc = lock_ctx_init_as(&ctx, dir, ws, &me, cfg.ttl_ms);
	config_free(&cfg);
	if (rc != 0) {
		inventory_look_free(&l);
		return cli_fail("cannot release '%s': %s", ws, err_last());
	}
	if (l.status == STORE_FOUND) {
		report_holder(who, sizeof(who), &l);
		if (force && l.decision.verdict == VERDICT_HELD)
			report_printf(stdout, "'%s' is held by %s; removing its lock (--force)\n",
			    ws, who);
	}
	inventory_look_free(&l);	/* below, only l's rec and decision are used */
	rc = lock_break(&ctx, force, &o);
	lock_ctx_free(&ctx);	/* what follows reads the outcome only */
	if (rc != 0)
		return cli_fail("cannot release '%s': %s", ws, err_last());
	switch (o.action) {
	case LOCK_RELEASED:
		if (!o.have_previous)
			report_printf(stdout, "removed the unreadable lock record of '%s'\n", ws);
		else {
			/* describe what was removed, as read under the mutex */
			report_as_found(&l, &o.previous, &o.decision, &me);
			report_holder(who, sizeof(who), &l);
			report_printf(stdout, "released the lock on '%s' held by %s (%s)\n", ws, who,
			    o.decision.why != NULL ? o.decision.why : "removed");
		}
		if (o.note[0] != '\0')
			report_printf(stderr, "session-lock: warning: %s\n", o.note);
		return CLI_OK;
	case LOCK_ABSENT:
		report_printf(stdout, "no lock on '%s': nothing to release\n", ws);
		return CLI_OK;
	default:
		break;
	}
	/* a live holder, and no --force */
	if (o.have_holder) {
		report_as_found(&l, &o.holder, &o.decision, &me);
		report_holder(who, sizeof(who), &l);
	}
	report_printf(stderr, "session-lock: cannot release '%s': it is held by %s; "
	    "use --force to remove it anyway\n", ws, who[0] != '\0' ? who : "a live holder");
	return CLI_HELD;
}

const struct cli_cmd cmd_release = {
	.name = "release",
	.summary = "remove a lock whose holder is gone (--force: any lock)",
	.usage = "session-lock release [PATH] [--force]\n\n"
	    "Removes the lock of the workspace PATH (default: $CLAUDE_PROJECT_DIR, else the\n"
	    "current directory) when its holder process is gone, its lease ended, or its\n"
	    "record is unreadable. A live holder's lock is removed only with --force, after\n"
	    "saying whose it was; that session's next tool call then takes the lock again\n"
	    "if it is free. Inside a Claude Code session, that session's own lock counts as\n"
	    "releasable. Both are written to the audit log.\n\n"
	    "exit status: 0 released, or there was no lock; 1 refused: a live holder and\n"
	    "no --force; 3 failed.",
	.run = run,
};
