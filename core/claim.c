/*
 * claim.c - the rules of path claims (see claim.h).
 */
#include <string.h>

#include "claim.h"

int
claim_overlaps(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	const char *shorter = la <= lb ? a : b, *longer = la <= lb ? b : a;
	size_t n = la <= lb ? la : lb;

	if (strncmp(shorter, longer, n) != 0)
		return 0;
	/* "/w/a" and "/w/a/b" overlap; "/w/a" and "/w/ab" do not; "/" holds all. */
	return longer[n] == '\0' || longer[n] == '/' || (n > 0 && shorter[n - 1] == '/');
}

/* Does path (or the whole workspace, when path is NULL) touch what r holds? */
static int
holds_any(const struct record *r, int whole, const char *const *paths, size_t npaths)
{
	size_t i, j;

	if (r->whole)
		return 1;
	if (whole)
		return r->nclaims > 0;
	for (i = 0; i < r->nclaims; i++)
		for (j = 0; j < npaths; j++)
			if (claim_overlaps(r->claims[i], paths[j]))
				return 1;
	return 0;
}

int
claim_conflicts(const struct record *r, const struct claim_need *need)
{
	return holds_any(r, need->whole, &need->path, need->whole ? 0 : 1);
}

int
claim_covers(const struct record *r, const struct claim_need *need)
{
	size_t i, n;

	if (r->whole)
		return 1;
	if (need->whole)
		return 0;
	for (i = 0; i < r->nclaims; i++) {
		n = strlen(r->claims[i]);
		if (strncmp(r->claims[i], need->path, n) == 0 &&
		    (need->path[n] == '\0' || need->path[n] == '/' ||
		    (n > 0 && r->claims[i][n - 1] == '/')))
			return 1;
	}
	return 0;
}

int
claim_wanted(const struct record *r, const struct claim_need *need)
{
	size_t i;

	if (r->wants.pid == 0)
		return 0;
	if (r->wants.whole || need->whole)
		return r->wants.whole || r->wants.npaths > 0;
	for (i = 0; i < r->wants.npaths; i++)
		if (claim_overlaps(r->wants.paths[i], need->path))
			return 1;
	return 0;
}

int
claim_wants_from(const struct record *r, const struct record *h)
{
	if (r->wants.pid == 0)
		return 0;
	return holds_any(h, r->wants.whole, (const char *const *)r->wants.paths, r->wants.npaths);
}

/*
 * Depth-first from holder at: does a chain of waits lead to self? Fills
 * out->cycle from depth on. seen marks holders already searched.
 */
static int
reaches(struct claim_decision *out, const struct record_set *s, const struct claim_state *st,
    int at, int self, char *seen, size_t depth)
{
	size_t j;

	out->cycle[depth] = at;
	seen[at] = 1;
	if (!st[at].waiting)
		return 0;
	if (self >= 0 && claim_wants_from(&s->h[at], &s->h[self])) {
		out->ncycle = depth + 1;
		return 1;
	}
	for (j = 0; j < s->n; j++) {
		if ((int)j == at || (int)j == self || seen[j] || !st[j].live)
			continue;
		if (claim_wants_from(&s->h[at], &s->h[j]) &&
		    reaches(out, s, st, (int)j, self, seen, depth + 1))
			return 1;
	}
	return 0;
}

void
claim_decide(struct claim_decision *out, const struct record_set *s,
    const struct claim_state *st, int self, const struct claim_need *need, int64_t since)
{
	char seen[RECORD_MAX_HOLDERS];
	size_t i;
	int holds;

	memset(out, 0, sizeof(*out));
	out->self = self;
	out->blocker = -1;
	out->waiter = -1;
	if (self >= 0 && st[self].live && claim_covers(&s->h[self], need)) {
		out->verdict = CLAIM_COVERED;
		return;
	}
	for (i = 0; i < s->n; i++) {
		if ((int)i == self || !st[i].live || !claim_conflicts(&s->h[i], need))
			continue;
		if (out->blocker < 0)
			out->blocker = (int)i;
		memset(seen, 0, sizeof(seen));
		if (self >= 0 && reaches(out, s, st, (int)i, self, seen, 0)) {
			out->blocker = (int)i;
			out->verdict = CLAIM_DEADLOCK;
			return;
		}
	}
	out->ncycle = 0;
	if (out->blocker >= 0) {
		out->verdict = CLAIM_BLOCKED;
		return;
	}
	holds = self >= 0 && st[self].live && (s->h[self].whole || s->h[self].nclaims > 0);
	for (i = 0; !holds && i < s->n; i++) {
		if ((int)i == self || !st[i].live || !st[i].waiting || s->h[i].wants.since >= since)
			continue;
		if (claim_wanted(&s->h[i], need) &&
		    (out->waiter < 0 || s->h[i].wants.since < s->h[out->waiter].wants.since))
			out->waiter = (int)i;
	}
	out->verdict = out->waiter >= 0 ? CLAIM_BLOCKED : CLAIM_FREE;
}

const char *
claim_verdict_name(enum claim_verdict v)
{
	switch (v) {
	case CLAIM_FREE:
		return "free";
	case CLAIM_COVERED:
		return "covered";
	case CLAIM_BLOCKED:
		return "blocked";
	case CLAIM_DEADLOCK:
		return "deadlock";
	}
	return "unknown";
}
