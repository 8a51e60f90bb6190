/*
 * session-lock release [PATH] [--force] - removes a lock whose holder is
 * gone or whose lease ended; with --force, whoever holds it. The core
 * (lock_break) decides again under the workspace mutex and writes the
 * audit log line ("release" or "force-release").
 *
 * Inside a Claude Code session, without --force, it first gives up what
 * that session holds (lock_release: all its claims, or its lock on the
 * whole workspace) and says what: the way out that a refused wait advises
 * (tell.h), and one a blocked session may take (classify.c lets it run),
 * since it touches nothing of any other live session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "inventory.h"
#include "lock.h"
#include "report.h"
#include "store.h"

/*
 * Gives up what the session sid holds in ws, and says what it was (as read
 * under the mutex, ctx.set). Returns 1 when it held or waited for
 * something, 0 when it had nothing there, -1 (err_set) when it failed.
 */
static int
release_own(const char *ws, const char *sid, int64_t ttl_ms)
{
	const struct record *mine;
	struct lock_outcome o;
	struct lock_ctx ctx;
	size_t i;
	int rc;

	if (report_session_ctx(&ctx, ws, sid, ttl_ms) != 0)
		return -1;
	ctx.tool = "session-lock release";
	rc = lock_release(&ctx, &o);
	if (rc == 0 && (o.action != LOCK_RELEASED || ctx.self < 0)) {
		report_printf(stdout, "this session (%.8s) holds nothing in '%s'\n", sid, ws);
	} else if (rc == 0) {
		mine = &ctx.set.h[ctx.self];
		if (mine->whole)
			report_printf(stdout, "released this session's (%.8s) lock on the whole "
			    "workspace '%s'", sid, ws);
		else if (mine->nclaims == 0)
			report_printf(stdout, "this session (%.8s) held nothing in '%s'", sid, ws);
		else
			report_printf(stdout, "released this session's (%.8s) claims in '%s': ",
			    sid, ws);
		/* Claims one by one: there may be thousands. */
		for (i = 0; !mine->whole && i < mine->nclaims; i++)
			report_printf(stdout, "%s%s", i > 0 ? ", " : "", mine->claims[i]);
		if (mine->wants.pid != 0)
			report_printf(stdout, "; it no longer waits");
		fputc('\n', stdout);
		if (o.note[0] != '\0')
			report_printf(stderr, "session-lock: warning: %s\n", o.note);
		rc = 1;
	}
	lock_ctx_free(&ctx);
	return rc;
}

static int
run(int argc, char **argv)
{
	char ws[PATH_MAX], dir[PATH_MAX], hash[WORKSPACE_HASH_LEN + 1], who[1024] = "";
	const char *path = NULL, *sid = getenv("CLAUDE_CODE_SESSION_ID");
	struct inventory_look l;
	struct lock_outcome o;
	struct lock_ctx ctx;
	struct holder me;
	struct config cfg;
	int force = 0, exists, i, rc, own = 0;

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
	if (!force && sid != NULL && *sid != '\0')
		own = release_own(ws, sid, cfg.ttl_ms);
	if (own < 0) {
		config_free(&cfg);
		return cli_fail("cannot release this session's claims in '%s': %s", ws, err_last());
	}
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
		if (!own)
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
	if (!who[0])
		snprintf(who, sizeof(who), "a live holder");
	if (own) {
		/* What this session held is given up; the others' is theirs. */
		report_printf(stdout, "'%s' is still held by %s: not this session's to release\n",
		    ws, who);
		return CLI_OK;
	}
	if (sid != NULL && *sid != '\0')
		report_printf(stderr, "session-lock: cannot release '%s': it is held by %s, a live "
		    "session other than this one\n", ws, who);
	else
		report_printf(stderr, "session-lock: cannot release '%s': it is held by %s; "
		    "use --force to remove it anyway\n", ws, who);
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
	    "if it is free. Both are written to the audit log.\n\n"
	    "Inside a Claude Code session (CLAUDE_CODE_SESSION_ID set), without --force, it\n"
	    "first gives up what that session holds in the workspace: all its claims, or\n"
	    "its lock on the whole workspace, and its wait if it waits; it says which.\n"
	    "Other live sessions' claims are left alone. Re-read those files before\n"
	    "changing them again: another session may change them meanwhile. A session\n"
	    "that is blocked may run it.\n\n"
	    "exit status: 0 released, or there was no lock (in a session: also when it\n"
	    "gave up its own and others' live claims remain); 1 refused: a live holder\n"
	    "and no --force (in a session: one that held nothing itself); 3 failed.",
	.run = run,
};
