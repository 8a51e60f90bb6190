/*
 * inventory.c - listing the runtime directory and looking at one record
 * (see inventory.h).
 *
 * A look is the first, mutex-free half of what the lock operations do
 * (lock.c read_decide): read the record, find whether its holder lives,
 * apply decide(). Its answer can be out of date by the time it is shown;
 * anything that acts on it must go through lock.h, which reads again under
 * the mutex. The age rule for corrupt records is the one lock.c applies
 * (older than the TTL, or than this boot).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "inventory.h"
#include "store.h"
#include "sys.h"

#define PREFIX "session-lock-"

static const struct {
	const char *suffix;
	unsigned bit;
} kinds[] = {
	{ ".json", INVENTORY_RECORD },
	{ ".json.tmp", INVENTORY_TEMP },
	{ ".mutex", INVENTORY_MUTEX },
	{ ".queue", INVENTORY_QUEUE },
	{ ".queue.tmp", INVENTORY_QUEUE_TEMP },
};

/* The INVENTORY_* bit of a file name, with its hash into hash; 0 when not ours. */
static unsigned
classify_name(const char *name, char hash[WORKSPACE_HASH_LEN + 1])
{
	const char *h = name + strlen(PREFIX);
	size_t i;

	if (strncmp(name, PREFIX, strlen(PREFIX)) != 0)
		return 0;
	for (i = 0; i < WORKSPACE_HASH_LEN; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(h + WORKSPACE_HASH_LEN, kinds[i].suffix) == 0) {
			memcpy(hash, h, WORKSPACE_HASH_LEN);
			hash[WORKSPACE_HASH_LEN] = '\0';
			return kinds[i].bit;
		}
	}
	return 0;
}

static int
by_hash(const void *a, const void *b)
{
	return strcmp(((const struct inventory_item *)a)->hash,
	    ((const struct inventory_item *)b)->hash);
}

int
inventory_scan(struct inventory *out, const char *dir)
{
	char hash[WORKSPACE_HASH_LEN + 1];
	struct inventory_item *items = NULL, *grown;
	struct dirent *de;
	size_t n = 0, cap = 0, i, j;
	unsigned bit;
	DIR *d;

	out->items = NULL;
	out->n = 0;
	d = opendir(dir);
	if (d == NULL) {
		if (errno == ENOENT)
			return 0;
		return err_set("cannot list '%s':", dir);
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (de == NULL)
			break;
		bit = classify_name(de->d_name, hash);
		if (bit == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(items, cap * sizeof(*items));
			if (grown == NULL) {
				free(items);
				closedir(d);
				return err_set("cannot list '%s': out of memory", dir);
			}
			items = grown;
		}
		memcpy(items[n].hash, hash, sizeof(hash));
		items[n++].files = bit;
	}
	if (errno != 0) {
		err_set("cannot list '%s':", dir);
		free(items);
		closedir(d);
		return -1;
	}
	closedir(d);
	if (n > 0)
		qsort(items, n, sizeof(*items), by_hash);
	/* one item per hash, its bits merged */
	for (i = 0, j = 0; i < n; i++) {
		if (j > 0 && strcmp(items[j - 1].hash, items[i].hash) == 0)
			items[j - 1].files |= items[i].files;
		else
			items[j++] = items[i];
	}
	out->items = items;
	out->n = j;
	return 0;
}

void
inventory_free(struct inventory *inv)
{
	free(inv->items);
	inv->items = NULL;
	inv->n = 0;
}

/* Is the wait of r (its wants) still on: does the waiting process live? */
static int
wait_alive(const struct record *r, const struct holder *me)
{
	if (r->wants.pid == 0)
		return 0;
	if (!decide_is_local(r, me))
		return 1;	/* its holder's lease bounds it */
	return proc_liveness(r->wants.pid, r->wants.pid_start) != PROC_DEAD;
}

/* Decides about every holder of out->set, and picks the one rec shows. */
static void
look_holders(struct inventory_look *out, const struct holder *me, int64_t now_boot)
{
	const struct record_set *set = &out->set;
	struct inventory_holder *h;
	size_t i, pick = set->n;

	for (i = 0; i < set->n; i++) {
		h = &out->holders[i];
		h->local = decide_is_local(&set->h[i], me);
		h->owner = h->local ? proc_liveness(set->h[i].pid, set->h[i].pid_start) :
		    PROC_UNKNOWN;
		decide(&h->decision, &set->h[i], me, h->owner, out->now_wall, now_boot);
		h->holds = set->h[i].whole || set->h[i].nclaims > 0;
		h->waiting = wait_alive(&set->h[i], me);
	}
	/* Another live holder that holds something, else ours, else one that holds, else the first. */
	for (i = 0; i < set->n && pick == set->n; i++)
		if (out->holders[i].decision.verdict == VERDICT_HELD && out->holders[i].holds)
			pick = i;
	for (i = 0; i < set->n && pick == set->n; i++)
		if (out->holders[i].decision.verdict == VERDICT_OURS)
			pick = i;
	for (i = 0; i < set->n && pick == set->n; i++)
		if (out->holders[i].holds)
			pick = i;
	out->nothing_held = pick == set->n;
	out->pick = pick < set->n ? pick : 0;
	h = &out->holders[out->pick];
	record_bare(&out->rec, &set->h[out->pick]);
	out->rec.schema_version = set->schema_version;
	snprintf(out->rec.workspace, sizeof(out->rec.workspace), "%s", set->workspace);
	out->local = h->local;
	out->owner = h->owner;
	out->decision = h->decision;
}

int
inventory_look(struct inventory_look *out, const char *dir, const char *hash,
    const struct holder *me, int64_t ttl_ms)
{
	struct store s;
	struct stat st;
	int64_t now_boot;

	memset(out, 0, sizeof(*out));
	store_init(&s, dir, hash);
	snprintf(out->path, sizeof(out->path), "%s", s.record_path);
	out->owner = PROC_UNKNOWN;
	memset(&st, 0, sizeof(st));
	out->status = store_read_path_set(s.record_path, &out->set, &st);
	if (out->status < 0)
		return -1;
	out->now_wall = sys.now_wall_ms();
	now_boot = sys.now_boot_ms();
	if (out->status == STORE_FOUND || out->status == STORE_CORRUPT) {
		out->have_mtime = 1;
		out->mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
	}
	switch (out->status) {
	case STORE_ABSENT:
		decide(&out->decision, NULL, me, PROC_UNKNOWN, out->now_wall, now_boot);
		break;
	case STORE_FOUND:
		look_holders(out, me, now_boot);
		break;
	case STORE_CORRUPT:
		out->corrupt_old = out->now_wall - out->mtime_ms >= ttl_ms ||
		    out->mtime_ms < out->now_wall - now_boot;
		/* fall through */
	default:
		snprintf(out->error, sizeof(out->error), "%s", err_last());
		break;
	}
	return 0;
}

void
inventory_look_free(struct inventory_look *l)
{
	record_set_free(&l->set);
}

int
inventory_takeable(const struct inventory_look *l)
{
	if (l->status == STORE_ABSENT)
		return 1;
	if (l->status == STORE_CORRUPT)
		return l->corrupt_old;
	return l->status == STORE_FOUND &&
	    (l->decision.verdict != VERDICT_HELD || l->nothing_held);
}

int
inventory_ctx(struct lock_ctx *ctx, const char *dir, const char *hash,
    const char *workspace, const struct holder *me, int64_t ttl_ms)
{
	if (lock_ctx_init_as(ctx, dir, workspace != NULL && *workspace != '\0' ?
	    workspace : "/", me, ttl_ms) != 0)
		return -1;
	store_init(&ctx->store, dir, hash);
	if (workspace == NULL || *workspace == '\0')
		snprintf(ctx->workspace, sizeof(ctx->workspace),
		    "(unknown: session-lock-%s.json)", ctx->store.hash);
	return 0;
}

int
inventory_self(struct holder *me, const char *session_id, pid_t pid)
{
	struct proc_stat st;

	memset(me, 0, sizeof(*me));
	record_session_key(me->session_id, session_id, strlen(session_id));
	me->pid = pid > 0 ? pid : getpid();
	if (proc_stat_read(&st, me->pid) == 0)
		me->pid_start = st.start;
	proc_boot_id(me->boot_id);
	proc_hostname(me->host);
	return 0;
}

void
inventory_queue_path(char *out, size_t size, const char *dir, const char *hash, int temp)
{
	snprintf(out, size, "%s/session-lock-%s.queue%s", dir, hash, temp ? ".tmp" : "");
}
