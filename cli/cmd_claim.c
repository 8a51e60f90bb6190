/*
 * session-lock claim PATH... - claims files or directories of the workspace
 * for the Claude Code session that runs it (claim.h), as that session's
 * own Write would claim its target in the "paths" scope.
 *
 * It acts for the session in the environment (the Bash tool sets
 * CLAUDE_CODE_SESSION_ID and CLAUDE_PID), in either scope: a session that
 * is about to change a directory with a Bash command, or many files, can
 * say so first, and other sessions are then kept out of those paths only,
 * until this session's turn ends (Stop releases its claims with the rest
 * of its holder). It never waits: a path another live session holds is
 * reported as a blocked hook reports it, with the `wait --path` to run.
 *
 * The paths are resolved first, all of them (a path outside the workspace
 * is a usage error before anything is claimed), then claimed in order; the
 * first one that cannot be had stops the rest, and the ones before it stay
 * claimed (each line printed says so).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "lock.h"
#include "proc.h"
#include "report.h"
#include "workspace.h"

/* Says what one claim came to. Returns CLI_OK when the path is now this session's. */
static int
claimed(const struct lock_ctx *ctx, const struct lock_outcome *o, const char *ws,
    const char *path, const char *sid, const char *self)
{
	char what[PATH_MAX + 32];

	if (path != NULL)
		snprintf(what, sizeof(what), "'%s'", path);
	else
		snprintf(what, sizeof(what), "the whole workspace '%s'", ws);
	switch (o->action) {
	case LOCK_ACQUIRED:
	case LOCK_CLAIMED:
		report_printf(stdout, "claimed %s for this session (%.8s)\n", what, sid);
		return CLI_OK;
	case LOCK_TOOK_OVER:
		report_printf(stdout, "claimed %s for this session (%.8s), taking over from "
		    "session %.8s (pid %d: %s)\n", what, sid, o->holder.previous.session_id,
		    (int)o->holder.previous.pid, o->holder.previous.reason);
		return CLI_OK;
	case LOCK_RENEWED:
		report_printf(stdout, "%s is already this session's (%.8s)\n", what, sid);
		return CLI_OK;
	default:
		break;
	}
	report_blocked(stderr, ctx, o, ws, path, self);
	if (o->action == LOCK_REFUSED)
		return CLI_REFUSED;
	return o->action == LOCK_BUSY ? CLI_FAILED : CLI_HELD;
}

static int
run(int argc, char **argv)
{
	const char *sid = getenv("CLAUDE_CODE_SESSION_ID");
	char ws[PATH_MAX], self[PATH_MAX], (*paths)[PATH_MAX] = NULL;
	struct lock_outcome o;
	struct lock_ctx ctx;
	struct config cfg;
	int i, n = 0, dashes = 0, rc = CLI_OK, have_cfg = 0, have_ctx = 0;

	for (i = 1; i < argc; i++) {
		if (!dashes && strcmp(argv[i], "--") == 0)
			dashes = i;	/* what follows is a path, even "-x" */
		else if (!dashes && argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage(&cmd_claim, "unknown option '%s'", argv[i]);
	}
	if (argc - 1 - (dashes > 0) == 0)
		return cli_usage(&cmd_claim, "name at least one PATH to claim");
	if (sid == NULL || *sid == '\0')
		return cli_usage(&cmd_claim, "claim acts for a Claude Code session: "
		    "CLAUDE_CODE_SESSION_ID is not set (run it from the session's Bash tool)");
	if (report_workspace(ws, NULL) != 0)
		return cli_fail("cannot claim: %s", err_last());
	paths = calloc((size_t)argc, sizeof(*paths));
	if (paths == NULL)
		return cli_fail("cannot claim: out of memory");
	/* Every path is checked before the first is claimed. */
	for (i = 1; i < argc; i++) {
		if (i == dashes)
			continue;
		if (report_resolve_path(paths[n], argv[i]) != 0) {
			rc = cli_fail("cannot claim '%s': %s", argv[i], err_last());
			goto out;
		}
		if (!workspace_contains(ws, paths[n])) {
			report_printf(stderr, "session-lock claim: '%s' is outside the workspace "
			    "'%s': only paths inside it can be claimed\n", paths[n], ws);
			rc = CLI_USAGE;
			goto out;
		}
		n++;
	}
	if (proc_self_exe(self) != 0)
		snprintf(self, sizeof(self), "%s", argv[0]);
	if (report_config(&cfg, ws) != 0) {
		rc = cli_fail("cannot claim in '%s': %s", ws, err_last());
		goto out;
	}
	have_cfg = 1;
	if (report_session_ctx(&ctx, ws, sid, cfg.ttl_ms) != 0) {
		rc = cli_fail("cannot claim in '%s': %s", ws, err_last());
		goto out;
	}
	have_ctx = 1;
	ctx.tool = "session-lock claim";
	ctx.paths = 1;	/* claims are kept in the record whatever the scope */
	for (i = 0; i < n && rc == CLI_OK; i++) {
		/* The workspace itself is the whole of it, which a Bash command needs too. */
		ctx.claim = strcmp(paths[i], ws) == 0 ? NULL : paths[i];
		if (lock_acquire(&ctx, cfg.ttl_ms, &o) != 0)
			rc = cli_fail("cannot claim '%s': %s", paths[i], err_last());
		else
			rc = claimed(&ctx, &o, ws, ctx.claim, sid, self);
		if (rc == CLI_OK && o.note[0] != '\0')
			report_printf(stderr, "session-lock: warning: %s\n", o.note);
	}
out:
	if (have_ctx)
		lock_ctx_free(&ctx);
	if (have_cfg)
		config_free(&cfg);
	free(paths);
	return rc;
}

const struct cli_cmd cmd_claim = {
	.name = "claim",
	.summary = "claim files or directories for this Claude Code session",
	.usage = "session-lock claim [--] PATH...\n\n"
	    "Inside a Claude Code session (its Bash tool sets CLAUDE_CODE_SESSION_ID and\n"
	    "CLAUDE_PID), claims each PATH (a file or a directory, relative to the current\n"
	    "directory; it need not exist yet) for that session, in the workspace\n"
	    "($CLAUDE_PROJECT_DIR, else the current directory), as the session's own Write\n"
	    "claims its file in the \"paths\" scope. Other sessions are then blocked from\n"
	    "changing anything inside those paths (and from changing Bash commands, which\n"
	    "need the whole workspace) until this session's turn ends or it runs\n"
	    "'session-lock release'. Claiming the workspace itself takes the whole of it.\n"
	    "Paths are claimed in order; the first that another live session holds stops\n"
	    "the rest (those before it stay claimed) and is reported with the holder and\n"
	    "the 'session-lock wait --path' to run. It never waits.\n\n"
	    "exit status: 0 every PATH is this session's; 1 one is held by another live\n"
	    "session (or sessions waiting for it came first); 2 usage error (also: no\n"
	    "session, or a PATH outside the workspace); 3 failed; 76 refused: waiting for\n"
	    "it would deadlock (another session waits for this session's claims).",
	.run = run,
};
