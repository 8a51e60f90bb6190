/*
 * session-lock status [PATH] [--all] [--json] - who holds a workspace, or
 * every workspace. Only reads: never renews, changes or creates anything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "err.h"
#include "inventory.h"
#include "report.h"
#include "store.h"
#include "sys.h"

/* The look of a workspace when there is no runtime directory: free. Returns 0. */
static int
look_absent(struct inventory_look *l, const char *dir, const char *hash, const struct holder *me)
{
	struct store s;

	memset(l, 0, sizeof(*l));
	store_init(&s, dir, hash);
	memcpy(l->path, s.record_path, sizeof(l->path));
	l->status = STORE_ABSENT;
	l->owner = PROC_UNKNOWN;
	l->now_wall = sys.now_wall_ms();
	decide(&l->decision, NULL, me, PROC_UNKNOWN, 0, 0);
	return 0;
}

static int
print_json(cJSON *doc)
{
	char *text = doc != NULL ? cJSON_Print(doc) : NULL;
	int rc = text != NULL ? report_puts_json(text) : -1;

	cJSON_Delete(doc);
	free(text);
	if (rc != 0)
		return cli_fail("cannot show the status: out of memory");
	return CLI_OK;
}

static int
status_all(const struct holder *me, int json)
{
	struct inventory inv = INVENTORY_INIT;
	struct inventory_look l;
	struct config cfg;
	char dir[PATH_MAX];
	cJSON *arr = NULL;
	size_t i, shown = 0;
	int exists, rc = CLI_FAILED, held = 0, untold = 0;

	if (report_dir(dir, &exists) != 0)
		return cli_fail("cannot show the locks: %s", err_last());
	if (report_config(&cfg, NULL) != 0)
		return cli_fail("cannot show the locks: %s", err_last());
	if (exists && inventory_scan(&inv, dir) != 0) {
		cli_fail("cannot show the locks: %s", err_last());
		goto out;
	}
	if (json && (arr = cJSON_CreateArray()) == NULL) {
		cli_fail("cannot show the locks: out of memory");
		goto out;
	}
	for (i = 0; i < inv.n; i++) {
		if (!(inv.items[i].files & INVENTORY_RECORD))
			continue;
		if (inventory_look(&l, dir, inv.items[i].hash, me, cfg.ttl_ms) != 0) {
			inventory_look_free(&l);
			cli_fail("cannot show the locks: %s", err_last());
			goto out;
		}
		if (l.status == STORE_ABSENT)
			continue;	/* removed since the listing (and owns nothing) */
		/* The same verdicts as one workspace's status: see status_one(). */
		if (!inventory_takeable(&l)) {
			if (l.status == STORE_FOUND)
				held = 1;
			else
				untold = 1;
		}
		if (json) {
			cJSON_AddItemToArray(arr, report_json(&l, NULL, inv.items[i].hash));
		} else {
			if (shown == 0)
				report_table_head(stdout);
			report_table_row(stdout, &l);
		}
		inventory_look_free(&l);
		shown++;
	}
	if (json) {
		rc = print_json(arr);
		arr = NULL;
	} else {
		if (shown == 0)
			report_printf(stdout, "no locks in '%s'\n", dir);
		rc = CLI_OK;
	}
	if (rc == CLI_OK)
		rc = held ? CLI_HELD : untold ? CLI_FAILED : CLI_OK;
out:
	cJSON_Delete(arr);
	inventory_free(&inv);
	config_free(&cfg);
	return rc;
}

static int
status_one(const struct holder *me, const char *path, int json)
{
	char ws[PATH_MAX], dir[PATH_MAX], hash[WORKSPACE_HASH_LEN + 1];
	struct inventory_look l;
	struct config cfg;
	int exists, rc;

	if (report_workspace(ws, path) != 0)
		return cli_fail("cannot show the status of '%s': %s", path != NULL ? path : ".",
		    err_last());
	if (report_dir(dir, &exists) != 0)
		return cli_fail("cannot show the status of '%s': %s", ws, err_last());
	if (report_config(&cfg, ws) != 0)
		return cli_fail("cannot show the status of '%s': %s", ws, err_last());
	workspace_hash(hash, ws);
	if (exists)
		rc = inventory_look(&l, dir, hash, me, cfg.ttl_ms);
	else
		rc = look_absent(&l, dir, hash, me);
	config_free(&cfg);
	if (rc != 0) {
		rc = cli_fail("cannot show the status of '%s': %s", ws, err_last());
	} else if (json && print_json(report_json(&l, ws, hash)) != CLI_OK) {
		rc = CLI_FAILED;
	} else {
		if (!json)
			report_text(stdout, &l, ws);
		rc = inventory_takeable(&l) ? CLI_OK : l.status == STORE_FOUND ? CLI_HELD : -1;
	}
	if (rc == -1) {
		fflush(stdout);
		rc = cli_fail("cannot tell whether '%s' is free: %s", ws, l.error);
	}
	inventory_look_free(&l);
	return rc;
}

static int
run(int argc, char **argv)
{
	const char *path = NULL;
	struct holder me;
	int all = 0, json = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0 || strcmp(argv[i], "-a") == 0)
			all = 1;
		else if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--") == 0 && i + 1 == argc - 1 && path == NULL)
			path = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0')
			return cli_usage(&cmd_status, "unknown option '%s'", argv[i]);
		else if (path == NULL)
			path = argv[i];
		else
			return cli_usage(&cmd_status, "too many arguments");
	}
	if (all && path != NULL)
		return cli_usage(&cmd_status, "--all takes no PATH");
	if (report_me(&me, 1) != 0)
		return cli_fail("cannot show the status: %s", err_last());
	return all ? status_all(&me, json) : status_one(&me, path, json);
}

const struct cli_cmd cmd_status = {
	.name = "status",
	.summary = "show who holds this workspace's lock, or every lock (--all)",
	.usage = "session-lock status [PATH] [--json]\n"
	    "       session-lock status --all [--json]\n\n"
	    "Shows the lock of the workspace PATH (default: $CLAUDE_PROJECT_DIR, else the\n"
	    "current directory, resolved as the hooks do): the holder session, its PID and\n"
	    "host, whether it is alive, how long it has held and been idle, when its lease\n"
	    "ends, and the verdict (free, ours, held, stale: dead owner, stale: lease\n"
	    "ended, corrupt, unsafe, newer version). --all lists every lock record in\n"
	    "~/.claude/runtime. --json prints one JSON object (an array with --all).\n"
	    "Only reads: it never renews, changes or creates anything.\n\n"
	    "exit status: 0 the workspace is free, stale or ours (a session may take it);\n"
	    "1 held by a live holder; 3 cannot tell (corrupt record younger than the TTL,\n"
	    "a newer version's or unsafe file, unusable runtime directory). --all: the\n"
	    "same over every lock listed: 1 when any is held by a live holder, else 3\n"
	    "when any cannot be told, else 0.",
	.run = run,
};
