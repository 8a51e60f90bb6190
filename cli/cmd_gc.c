/*
 * session-lock gc - removes every stale lock and every leftover file from
 * the runtime directory, and says what it removed.
 *
 * This is the only program that lists the runtime directory to remove
 * things; the hooks only ever open their own workspace's files by name.
 * For each workspace found (inventory.h), in this order:
 *
 *  1. Leftover temporary files (a writer killed between creating and
 *     renaming) and a waiters' queue with no live waiter: removed only with
 *     the workspace mutex held, so no live writer can be mid-write. A mutex
 *     busy for longer than GC_MUTEX_WAIT_MS means someone is working there:
 *     its files are left for another run.
 *  2. The record: removed through the core (lock_sweep, lock_break), which
 *     reads it again under the mutex and logs the removal, when its holder
 *     is dead, its lease ended, or it is corrupt and older than the TTL. A
 *     live holder's lock, a younger corrupt record, a newer version's or an
 *     unsafe file are left.
 *  3. The mutex file, when the workspace has no record and no queue left:
 *     removed while we hold its flock and only if the file at the name is
 *     still the one we locked. A hook that opened the old file and waits
 *     for its flock notices the unlink (nlink 0, store_lock) and opens the
 *     name again, so the mutex stays one file for everyone.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "inventory.h"
#include "lock.h"
#include "queue.h"
#include "report.h"
#include "store.h"
#include "sys.h"

/* How long gc waits for a workspace's mutex before leaving its files alone. */
#define GC_MUTEX_WAIT_MS 200

struct gc {
	char dir[PATH_MAX];
	struct holder me;
	int64_t ttl_ms;
	int removed;
	int errors;
};

static int
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Step 1: temporary files and an empty queue, under the mutex. */
static void
sweep_leftovers(struct gc *g, struct lock_ctx *ctx)
{
	char qpath[PATH_MAX + 64], qtemp[PATH_MAX + 64];
	struct queue q;

	inventory_queue_path(qpath, sizeof(qpath), g->dir, ctx->store.hash, 0);
	inventory_queue_path(qtemp, sizeof(qtemp), g->dir, ctx->store.hash, 1);
	if (!exists(ctx->store.temp_path) && !exists(qpath) && !exists(qtemp))
		return;
	if (store_lock(&ctx->store, GC_MUTEX_WAIT_MS) != 0)
		return;		/* in use: someone may be writing right now */
	if (store_sweep_temp(&ctx->store)) {
		report_printf(stdout, "removed leftover temporary file '%s'\n",
		    ctx->store.temp_path);
		g->removed++;
	}
	if (unlink(qtemp) == 0) {
		report_printf(stdout, "removed leftover temporary file '%s'\n", qtemp);
		g->removed++;
	}
	if (exists(qpath)) {
		queue_load(&q, &ctx->store);
		if (q.n == 0 && unlink(qpath) == 0) {
			report_printf(stdout, "removed waiters' queue '%s' (no live waiter)\n",
			    qpath);
			g->removed++;
		}
	}
	store_unlock(&ctx->store);
}

/* Step 2: the record, when stale. */
static void
sweep_record(struct gc *g, struct lock_ctx *ctx, const struct inventory_look *l)
{
	struct inventory_look was = *l;
	struct lock_outcome o;
	char who[1024];
	int rc;

	if (l->status == STORE_ABSENT)
		return;
	if (l->status == STORE_UNSAFE || l->status == STORE_NEWER) {
		report_printf(stdout, "left '%s': %s\n", l->path, l->error);
		return;
	}
	if (l->status == STORE_CORRUPT && !l->corrupt_old) {
		report_printf(stdout, "left '%s': corrupt, but younger than the TTL (%s)\n",
		    l->path, l->error);
		return;
	}
	if (l->status == STORE_FOUND && l->decision.verdict != VERDICT_STALE_DEAD &&
	    l->decision.verdict != VERDICT_STALE_EXPIRED)
		return;		/* a live holder's */
	if (l->status == STORE_FOUND && l->decision.verdict == VERDICT_STALE_EXPIRED)
		rc = lock_break(ctx, 0, &o);
	else
		rc = lock_sweep(ctx, &o);
	if (rc != 0) {
		report_printf(stderr, "session-lock: cannot remove '%s': %s\n",
		    l->path, err_last());
		g->errors++;
		return;
	}
	if (o.action != LOCK_RELEASED)
		return;		/* renewed or replaced meanwhile */
	if (o.have_previous) {
		was.rec = o.previous;
		was.decision = o.decision;
		report_holder(who, sizeof(who), &was);
		report_printf(stdout, "removed the lock on '%s' held by %s: %s\n",
		    o.previous.workspace[0] ? o.previous.workspace : l->path, who, o.decision.why);
	} else {
		report_printf(stdout, "removed the corrupt lock record '%s' (%s)\n",
		    l->path, l->error);
	}
	if (o.note[0] != '\0')
		report_printf(stderr, "session-lock: warning: %s\n", o.note);
	g->removed++;
}

/* Step 3: the mutex file of a workspace with no record and no queue. */
static void
sweep_mutex(struct gc *g, struct lock_ctx *ctx)
{
	char qpath[PATH_MAX + 64];
	struct record r;
	struct stat held, named;
	int status;

	inventory_queue_path(qpath, sizeof(qpath), g->dir, ctx->store.hash, 0);
	if (!exists(ctx->store.mutex_path) || exists(ctx->store.record_path) || exists(qpath))
		return;
	if (store_lock(&ctx->store, GC_MUTEX_WAIT_MS) != 0)
		return;		/* in use */
	status = store_read(&ctx->store, &r, NULL);
	if (status == STORE_ABSENT && !exists(qpath) && !exists(ctx->store.temp_path) &&
	    fstat(ctx->store.mutex_fd, &held) == 0 && held.st_nlink > 0 &&
	    lstat(ctx->store.mutex_path, &named) == 0 && named.st_ino == held.st_ino &&
	    named.st_dev == held.st_dev) {
		if (unlink(ctx->store.mutex_path) == 0) {
			report_printf(stdout, "removed unused mutex file '%s'\n",
			    ctx->store.mutex_path);
			g->removed++;
		} else {
			report_printf(stderr, "session-lock: cannot remove '%s': %s\n",
			    ctx->store.mutex_path, strerror(errno));
			g->errors++;
		}
	}
	store_unlock(&ctx->store);
}

static int
run(int argc, char **argv)
{
	struct inventory inv = INVENTORY_INIT;
	struct inventory_look l;
	struct lock_ctx ctx;
	struct config cfg;
	struct gc g;
	int exists_dir;
	size_t i;

	(void)argv;
	if (argc > 1)
		return cli_usage(&cmd_gc, "gc takes no arguments");
	memset(&g, 0, sizeof(g));
	if (report_dir(g.dir, &exists_dir) != 0)
		return cli_fail("cannot clean up the runtime directory: %s", err_last());
	if (!exists_dir) {
		report_printf(stdout, "nothing to remove: no runtime directory '%s'\n", g.dir);
		return CLI_OK;
	}
	if (report_me(&g.me, 0) != 0 || report_config(&cfg, NULL) != 0)
		return cli_fail("cannot clean up '%s': %s", g.dir, err_last());
	g.ttl_ms = cfg.ttl_ms;
	config_free(&cfg);
	if (inventory_scan(&inv, g.dir) != 0)
		return cli_fail("cannot clean up '%s': %s", g.dir, err_last());
	for (i = 0; i < inv.n; i++) {
		const char *hash = inv.items[i].hash;

		if (inventory_look(&l, g.dir, hash, &g.me, g.ttl_ms) != 0) {
			report_printf(stderr, "session-lock: cannot read '%s': %s\n",
			    l.path, err_last());
			g.errors++;
		} else if (inventory_ctx(&ctx, g.dir, hash, l.status == STORE_FOUND ?
		    l.rec.workspace : NULL, &g.me, g.ttl_ms) != 0) {
			report_printf(stderr, "session-lock: cannot clean up '%s': %s\n",
			    l.path, err_last());
			g.errors++;
		} else {
			sweep_leftovers(&g, &ctx);
			sweep_record(&g, &ctx, &l);
			sweep_mutex(&g, &ctx);
			lock_ctx_free(&ctx);
		}
		inventory_look_free(&l);
	}
	inventory_free(&inv);
	if (g.removed == 0)
		report_printf(stdout, "nothing to remove in '%s'\n", g.dir);
	else
		report_printf(stdout, "removed %d file%s\n", g.removed, g.removed == 1 ? "" : "s");
	return g.errors > 0 ? CLI_FAILED : CLI_OK;
}

const struct cli_cmd cmd_gc = {
	.name = "gc",
	.summary = "remove every stale lock and leftover file",
	.usage = "session-lock gc\n\n"
	    "Removes from ~/.claude/runtime every lock whose holder is gone or whose lease\n"
	    "ended, corrupt records older than the TTL, temporary files left by a killed\n"
	    "writer, waiters' queues with no live waiter, and the mutex files of\n"
	    "workspaces that have no lock; prints one line per file removed. A live\n"
	    "holder's lock is never removed (see 'session-lock release --force').\n\n"
	    "exit status: 0 done (also when nothing was stale); 3 something could not be\n"
	    "removed or read (one line on stderr each).",
	.run = run,
};
