/*
 * test_claim.c - the rules of path claims (claim.h): which paths overlap,
 * what a holder covers and stands in the way of, and claim_decide() checked
 * against a brute-force oracle written from the header's rules, over every
 * small set of holders and a seeded sample of larger ones, besides the
 * named cases (deadlocks of two and four sessions, stale holders, dead
 * waiters, first come first served).
 */
#include "unit.h"

#include <stdint.h>
#include <string.h>

#include "claim.h"
#include "record.h"

/* --- paths ------------------------------------------------------------------ */

struct pair {
	const char *a, *b;
	int overlap;
};

static const struct pair pairs[] = {
	{ "/w/a", "/w/a", 1 },			/* equal */
	{ "/w", "/w/a", 1 },			/* parent */
	{ "/w", "/w/a/b/c", 1 },		/* ancestor, several levels up */
	{ "/w/a", "/w/a/b", 1 },
	{ "/w/a", "/w/ab", 0 },			/* a prefix, not an ancestor */
	{ "/w/a", "/w/a-b", 0 },
	{ "/w/a", "/w/a.b", 0 },
	{ "/w/a/b", "/w/a/bc", 0 },
	{ "/w/ab", "/w/a/b", 0 },
	{ "/wx", "/w", 0 },
	{ "/w/a", "/w/b", 0 },			/* siblings */
	{ "/w/a/x", "/w/a/y", 0 },		/* cousins under one parent */
	{ "/w/a/x", "/w/b/x", 0 },
	{ "/w/a", "/W/a", 0 },			/* bytes, not case */
	{ "/", "/", 1 },			/* the root holds all */
	{ "/", "/w", 1 },
	{ "/", "/w/a/b", 1 },
	{ "/w/a/", "/w/a", 1 },			/* a trailing slash is the same directory */
	{ "/w/a/", "/w/a/b", 1 },
	{ "/w/a/", "/w/ab", 0 },
	{ "/w/a/", "/w/a/", 1 },
	{ "/h\xc3\xa9/a", "/h\xc3\xa9/a/b", 1 },	/* any bytes */
	{ "/h\xc3\xa9", "/h\xc3\xa9\xc3\xa9", 0 },
	{ "/w/a b", "/w/a b/c", 1 },
	{ "/w/a b", "/w/a", 0 },
};

START_TEST(overlaps_is_equal_or_ancestor_either_way)
{
	const struct pair *p = &pairs[_i];

	ck_assert_msg(claim_overlaps(p->a, p->b) == p->overlap,
	    "claim_overlaps(\"%s\", \"%s\") != %d", p->a, p->b, p->overlap);
	ck_assert_msg(claim_overlaps(p->b, p->a) == p->overlap,
	    "claim_overlaps(\"%s\", \"%s\") != %d", p->b, p->a, p->overlap);
}
END_TEST

/* --- holders and needs ------------------------------------------------------ */

static char P_ROOT[] = "/", P_W[] = "/w", P_A[] = "/w/a", P_AX[] = "/w/a/x", P_AY[] = "/w/a/y",
    P_AXZ[] = "/w/a/x/z", P_AB[] = "/w/ab", P_B[] = "/w/b", P_C[] = "/w/c", P_D[] = "/w/d",
    P_E[] = "/w/e";
static char *L_ROOT[] = { P_ROOT }, *L_W[] = { P_W }, *L_A[] = { P_A }, *L_AX[] = { P_AX },
    *L_AY[] = { P_AY }, *L_AXZ[] = { P_AXZ }, *L_AB[] = { P_AB }, *L_B[] = { P_B },
    *L_C[] = { P_C }, *L_D[] = { P_D }, *L_E[] = { P_E },
    *L_B_AB[] = { P_B, P_AB }, *L_AX_AB[] = { P_AX, P_AB }, *L_B_AX[] = { P_B, P_AX };

/* A set of paths, or the whole workspace, or nothing. */
struct pset {
	int whole;
	size_t n;
	char **p;
};
#define NOTHING { 0, 0, NULL }
#define WHOLE { 1, 0, NULL }
#define PATHS(l) { 0, sizeof(l) / sizeof((l)[0]), l }

static void
holding(struct record *r, const struct pset *h)
{
	memset(r, 0, sizeof(*r));
	r->whole = h->whole;
	r->nclaims = h->n;
	r->claims = h->p;
}

static struct claim_need
need_of(const struct pset *n)
{
	struct claim_need need = { n->whole, n->whole ? NULL : n->p[0] };

	return need;
}

struct cover_case {
	struct pset holds;
	struct pset need;	/* whole, or one path */
	int covers, conflicts;
};

static const struct cover_case cover_cases[] = {
	/* the whole workspace covers and conflicts with everything */
	{ WHOLE, WHOLE, 1, 1 },
	{ WHOLE, PATHS(L_A), 1, 1 },
	{ WHOLE, PATHS(L_ROOT), 1, 1 },
	/* nothing covers and conflicts with nothing */
	{ NOTHING, WHOLE, 0, 0 },
	{ NOTHING, PATHS(L_A), 0, 0 },
	/* one claim */
	{ PATHS(L_A), WHOLE, 0, 1 },
	{ PATHS(L_A), PATHS(L_A), 1, 1 },
	{ PATHS(L_A), PATHS(L_AX), 1, 1 },
	{ PATHS(L_A), PATHS(L_W), 0, 1 },	/* the need is above the claim */
	{ PATHS(L_A), PATHS(L_ROOT), 0, 1 },
	{ PATHS(L_A), PATHS(L_AB), 0, 0 },
	{ PATHS(L_A), PATHS(L_B), 0, 0 },
	{ PATHS(L_AX), PATHS(L_AY), 0, 0 },
	{ PATHS(L_AX), PATHS(L_A), 0, 1 },
	/* the root claims every path, but is not the whole workspace */
	{ PATHS(L_ROOT), PATHS(L_AXZ), 1, 1 },
	{ PATHS(L_ROOT), WHOLE, 0, 1 },
	/* several claims: any one of them */
	{ PATHS(L_B_AX), PATHS(L_A), 0, 1 },
	{ PATHS(L_B_AX), PATHS(L_AXZ), 1, 1 },
	{ PATHS(L_B_AX), PATHS(L_AY), 0, 0 },
	{ PATHS(L_B_AX), PATHS(L_B), 1, 1 },
	{ PATHS(L_B_AX), WHOLE, 0, 1 },
	{ PATHS(L_B_AB), PATHS(L_A), 0, 0 },
};

START_TEST(covers_and_conflicts)
{
	const struct cover_case *c = &cover_cases[_i];
	struct claim_need need = need_of(&c->need);
	struct record r;

	holding(&r, &c->holds);
	ck_assert_msg(claim_covers(&r, &need) == c->covers, "case %d: covers", _i);
	ck_assert_msg(claim_conflicts(&r, &need) == c->conflicts, "case %d: conflicts", _i);
}
END_TEST

struct wants_case {
	struct pset wants;	/* NOTHING: not waiting (pid 0) */
	struct pset holds;
	int conflict;
};

static const struct wants_case wants_cases[] = {
	{ NOTHING, WHOLE, 0 },
	{ NOTHING, PATHS(L_A), 0 },
	{ WHOLE, WHOLE, 1 },
	{ WHOLE, PATHS(L_AX), 1 },
	{ WHOLE, NOTHING, 0 },
	{ PATHS(L_A), WHOLE, 1 },
	{ PATHS(L_A), PATHS(L_AX), 1 },	/* a claim below what it wants */
	{ PATHS(L_A), PATHS(L_W), 1 },	/* a claim above */
	{ PATHS(L_A), PATHS(L_AB), 0 },
	{ PATHS(L_A), NOTHING, 0 },
	{ PATHS(L_B_AB), PATHS(L_AX), 0 },
	{ PATHS(L_B_AB), PATHS(L_B_AX), 1 },
	{ PATHS(L_AX_AB), PATHS(L_A), 1 },
	{ PATHS(L_AX_AB), PATHS(L_ROOT), 1 },
};

START_TEST(wants_from_is_a_live_wait_against_holdings)
{
	const struct wants_case *c = &wants_cases[_i];
	struct record r, h;

	holding(&r, &(struct pset)NOTHING);
	if (c->wants.whole || c->wants.n > 0) {
		r.wants.pid = 77;
		r.wants.whole = c->wants.whole;
		r.wants.npaths = c->wants.n;
		r.wants.paths = c->wants.p;
	}
	holding(&h, &c->holds);
	ck_assert_msg(claim_wants_from(&r, &h) == c->conflict, "case %d", _i);
	/* claim_wanted(): the same question, one need at a time. */
	if (c->holds.whole) {
		struct claim_need whole = { 1, NULL };

		ck_assert_msg(claim_wanted(&r, &whole) == c->conflict, "case %d: wanted whole", _i);
	} else if (c->holds.n > 0) {
		int any = 0;
		size_t k;

		for (k = 0; k < c->holds.n; k++) {
			struct claim_need one = { 0, c->holds.p[k] };

			any |= claim_wanted(&r, &one);
		}
		ck_assert_msg(any == c->conflict, "case %d: wanted, path by path", _i);
	}
	/* What r itself holds does not enter into it. */
	r.whole = 1;
	ck_assert_msg(claim_wants_from(&r, &h) == c->conflict, "case %d, r whole", _i);
}
END_TEST

START_TEST(verdict_names)
{
	ck_assert_str_eq(claim_verdict_name(CLAIM_FREE), "free");
	ck_assert_str_eq(claim_verdict_name(CLAIM_COVERED), "covered");
	ck_assert_str_eq(claim_verdict_name(CLAIM_BLOCKED), "blocked");
	ck_assert_str_eq(claim_verdict_name(CLAIM_DEADLOCK), "deadlock");
	ck_assert_str_eq(claim_verdict_name((enum claim_verdict)42), "unknown");
}
END_TEST

/* --- the oracle ------------------------------------------------------------- */

/*
 * The rules of claim.h again, written another way: paths compared
 * component by component, waits followed breadth first.
 */

/* Is a equal to b, or a directory above it? */
static int
o_at_or_above(const char *a, const char *b)
{
	size_t la, lb;

	for (;;) {
		while (*a == '/')
			a++;
		while (*b == '/')
			b++;
		if (*a == '\0')
			return 1;
		if (*b == '\0')
			return 0;
		la = strcspn(a, "/");
		lb = strcspn(b, "/");
		if (la != lb || memcmp(a, b, la) != 0)
			return 0;
		a += la;
		b += lb;
	}
}

static int
o_some(const struct pset *x)
{
	return x->whole || x->n > 0;
}

/* Do two sets stand in each other's way? */
static int
o_clash(const struct pset *x, const struct pset *y)
{
	size_t i, j;

	if (!o_some(x) || !o_some(y))
		return 0;
	if (x->whole || y->whole)
		return 1;
	for (i = 0; i < x->n; i++)
		for (j = 0; j < y->n; j++)
			if (o_at_or_above(x->p[i], y->p[j]) || o_at_or_above(y->p[j], x->p[i]))
				return 1;
	return 0;
}

static int
o_covers(const struct pset *holds, const struct pset *need)
{
	size_t i;

	if (holds->whole)
		return 1;
	if (need->whole)
		return 0;
	for (i = 0; i < holds->n; i++)
		if (o_at_or_above(holds->p[i], need->p[0]))
			return 1;
	return 0;
}

/* One holder as the oracle sees it. */
struct who {
	struct pset holds, wants;	/* wants NOTHING: no wait at all */
	int live;			/* the caller found it live */
	int waiting;			/* its waiting process is alive */
	int64_t since;			/* when its wait began */
};

#define MAXH 8

/* Does x wait for something y holds? Both count: live, x's waiter alive. */
static int
o_waits_for(const struct who *h, int x, int y, int self)
{
	return x != y && x != self && h[x].live && h[x].waiting &&
	    (y == self || h[y].live) && o_clash(&h[x].wants, &h[y].holds);
}

/* Does a chain of waits lead from `from` to self? */
static int
o_chain(const struct who *h, int n, int from, int self)
{
	int queue[MAXH], seen[MAXH] = { 0 }, head = 0, tail = 0, x, y;

	queue[tail++] = from;
	seen[from] = 1;
	while (head < tail) {
		x = queue[head++];
		if (o_waits_for(h, x, self, self))
			return 1;
		for (y = 0; y < n; y++)
			if (y != self && !seen[y] && o_waits_for(h, x, y, self)) {
				seen[y] = 1;
				queue[tail++] = y;
			}
	}
	return 0;
}

struct expect {
	enum claim_verdict verdict;
	int blocker, waiter;
};

static void
oracle(struct expect *e, const struct who *h, int n, int self, const struct pset *need,
    int64_t since)
{
	int i, first = -1;

	e->blocker = -1;
	e->waiter = -1;
	/* 1. Ours already. */
	if (self >= 0 && o_covers(&h[self].holds, need)) {
		e->verdict = CLAIM_COVERED;
		return;
	}
	/* 2. Live holders in the way; a cycle through any of them is a deadlock. */
	for (i = 0; i < n; i++) {
		if (i == self || !h[i].live || !o_clash(&h[i].holds, need))
			continue;
		if (self >= 0 && o_chain(h, n, i, self)) {
			e->verdict = CLAIM_DEADLOCK;
			e->blocker = i;
			return;
		}
		if (first < 0)
			first = i;
	}
	if (first >= 0) {
		e->verdict = CLAIM_BLOCKED;
		e->blocker = first;
		return;
	}
	/* 3. A caller that holds nothing waits behind earlier live waiters. */
	if (self < 0 || !o_some(&h[self].holds))
		for (i = 0; i < n; i++)
			if (i != self && h[i].live && h[i].waiting && h[i].since < since &&
			    o_clash(&h[i].wants, need) &&
			    (e->waiter < 0 || h[i].since < h[e->waiter].since))
				e->waiter = i;
	e->verdict = e->waiter >= 0 ? CLAIM_BLOCKED : CLAIM_FREE;
}

/* --- running both ----------------------------------------------------------- */

static struct record recs[MAXH];
static struct claim_state states[MAXH];

/* The record set and states claim_decide() is given for h. */
static void
build(struct record_set *s, const struct who *h, int n)
{
	int i;

	s->n = (size_t)n;
	s->h = recs;
	for (i = 0; i < n; i++) {
		struct record *r = &recs[i];

		r->whole = h[i].holds.whole;
		r->nclaims = h[i].holds.n;
		r->claims = h[i].holds.p;
		memset(&r->wants, 0, sizeof(r->wants));
		if (o_some(&h[i].wants)) {
			r->wants.pid = 1000 + i;
			r->wants.pid_start = 1;
			r->wants.since = h[i].since;
			r->wants.whole = h[i].wants.whole;
			r->wants.npaths = h[i].wants.n;
			r->wants.paths = h[i].wants.p;
		}
		states[i].live = h[i].live;
		states[i].waiting = h[i].waiting;
	}
}

static void
describe(char *buf, size_t size, const struct who *h, int n, int self,
    const struct pset *need, int64_t since)
{
	size_t off = 0;
	int i;

#define PUT(...) do { int k_ = snprintf(buf + off, size - off, __VA_ARGS__); \
	if (k_ > 0 && (size_t)k_ < size - off) off += (size_t)k_; } while (0)
	PUT("self %d, need %s, since %lld;", self, need->whole ? "whole" : need->p[0],
	    (long long)since);
	for (i = 0; i < n; i++) {
		size_t j;

		PUT(" [%d %s%s holds", i, h[i].live ? "live" : "stale",
		    h[i].waiting ? " waiting" : "");
		if (h[i].holds.whole)
			PUT(" whole");
		for (j = 0; j < h[i].holds.n; j++)
			PUT(" %s", h[i].holds.p[j]);
		if (o_some(&h[i].wants)) {
			PUT(", wants since %lld", (long long)h[i].since);
			if (h[i].wants.whole)
				PUT(" whole");
			for (j = 0; j < h[i].wants.n; j++)
				PUT(" %s", h[i].wants.p[j]);
		}
		PUT("]");
	}
#undef PUT
}

static unsigned long tally[4];

/* claim_decide() against the oracle for one case; a difference fails the test, spelled out. */
static void
check_case(const struct who *h, int n, int self, const struct pset *need, int64_t since)
{
	struct record_set s = RECORD_SET_INIT;
	struct claim_need cn = need_of(need);
	struct claim_decision d;
	struct expect e;
	char why[2048];
	int seen[MAXH] = { 0 };
	size_t k;
	int ok;

	build(&s, h, n);
	memset(&d, 0x5a, sizeof(d));
	claim_decide(&d, &s, states, self, &cn, since);
	oracle(&e, h, n, self, need, since);
	ok = d.verdict == e.verdict && d.self == self && d.blocker == e.blocker &&
	    d.waiter == e.waiter;
	if (ok && e.verdict == CLAIM_DEADLOCK) {
		/* Any one cycle will do, as long as it is one, from the blocker to us. */
		ok = d.ncycle >= 1 && d.ncycle < (size_t)n && d.cycle[0] == e.blocker;
		for (k = 0; ok && k < d.ncycle; k++) {
			int at = d.cycle[k], next = k + 1 < d.ncycle ? d.cycle[k + 1] : self;

			ok = at >= 0 && at < n && at != self && !seen[at] &&
			    o_waits_for(h, at, next, self);
			if (ok)
				seen[at] = 1;
		}
	} else if (ok) {
		ok = d.ncycle == 0;
	}
	if (!ok) {
		describe(why, sizeof(why), h, n, self, need, since);
		ck_abort_msg("%s\nwanted %s blocker %d waiter %d, got %s blocker %d waiter %d "
		    "self %d ncycle %zu", why, claim_verdict_name(e.verdict), e.blocker, e.waiter,
		    claim_verdict_name(d.verdict), d.blocker, d.waiter, d.self, d.ncycle);
	}
	tally[e.verdict]++;
}

/* --- the sweeps ------------------------------------------------------------- */

/*
 * Every holder made of: what it holds (from holds[]), what it wants (none,
 * or one of wants[] with its waiter alive or dead, since early or late),
 * live or stale. A holder that holds and wants nothing is not a holder.
 */
static size_t
holder_options(struct who *out, size_t max, const struct pset *holds, size_t nholds,
    const struct pset *wants, size_t nwants, const int *waiting, size_t nwaiting,
    const int64_t *since, size_t nsince, const int *live, size_t nlive)
{
	size_t n = 0, a, b, c, d, e;

	for (a = 0; a < nholds; a++)
		for (e = 0; e < nlive; e++) {
			struct who w;

			memset(&w, 0, sizeof(w));
			w.holds = holds[a];
			w.live = live[e];
			if (o_some(&w.holds)) {
				ck_assert_uint_lt(n, max);
				out[n++] = w;
			}
			for (b = 0; b < nwants; b++)
				for (c = 0; c < nwaiting; c++)
					for (d = 0; d < nsince; d++) {
						w.wants = wants[b];
						w.waiting = waiting[c];
						w.since = since[d];
						ck_assert_uint_lt(n, max);
						out[n++] = w;
					}
		}
	return n;
}

/*
 * Every set of n holders drawn from opts (with repeats), every caller
 * (none, or each holder, which is then live), every need and every
 * caller's since. Returns the number of cases.
 */
static unsigned long
sweep(const struct who *opts, size_t nopts, int n, const struct pset *needs, size_t nneeds,
    const int64_t *sinces, size_t nsinces)
{
	size_t pick[MAXH] = { 0 }, a, b;
	struct who h[MAXH];
	unsigned long cases = 0;
	int i, self;

	for (;;) {
		for (i = 0; i < n; i++)
			h[i] = opts[pick[i]];
		for (self = -1; self < n; self++) {
			int was = 0;

			if (self >= 0) {
				was = h[self].live;
				h[self].live = 1;	/* ours: live by definition */
			}
			for (a = 0; a < nneeds; a++)
				for (b = 0; b < nsinces; b++) {
					check_case(h, n, self, &needs[a], sinces[b]);
					cases++;
				}
			if (self >= 0)
				h[self].live = was;
		}
		for (i = 0; i < n && ++pick[i] == nopts; i++)
			pick[i] = 0;
		if (i == n)
			return cases;
	}
}

#define T0 1700000000000LL
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const int both[] = { 0, 1 }, yes[] = { 1 };

/*
 * Up to two holders, everything varied: nested, sibling and prefix paths,
 * live and stale holders, live and dead waiters, early and late waits, a
 * caller before, level with, between and after them.
 */
START_TEST(decide_agrees_with_the_rules_for_up_to_two_holders)
{
	static const struct pset holds[] = {
		NOTHING, WHOLE, PATHS(L_A), PATHS(L_AX), PATHS(L_B_AB),
	};
	static const struct pset wants[] = {
		WHOLE, PATHS(L_A), PATHS(L_B), PATHS(L_AX_AB),
	};
	static const struct pset needs[] = {
		WHOLE, PATHS(L_W), PATHS(L_A), PATHS(L_AX), PATHS(L_AY), PATHS(L_B), PATHS(L_AB),
	};
	static const int64_t early_late[] = { T0 + 10, T0 + 20 };
	static const int64_t callers[] = { T0, T0 + 10, T0 + 15, T0 + 30 };
	static struct who opts[256];
	size_t nopts = holder_options(opts, N(opts), holds, N(holds), wants, N(wants),
	    both, N(both), early_late, N(early_late), both, N(both));
	unsigned long cases = 0;
	int n;

	ck_assert_uint_eq(nopts, 168);
	memset(tally, 0, sizeof(tally));
	for (n = 0; n <= 2; n++)
		cases += sweep(opts, nopts, n, needs, N(needs), callers, N(callers));
	/* 28 * (1 + 2 * 168 + 3 * 168 * 168) cases, and every verdict among them. */
	ck_assert_uint_eq(cases, 28UL * (1 + 2 * 168 + 3 * 168 * 168));
	ck_assert_uint_gt(tally[CLAIM_FREE], 0);
	ck_assert_uint_gt(tally[CLAIM_COVERED], 0);
	ck_assert_uint_gt(tally[CLAIM_BLOCKED], 0);
	ck_assert_uint_gt(tally[CLAIM_DEADLOCK], 0);
}
END_TEST

/* Three holders: chains of two waits, a caller among them or outside. */
START_TEST(decide_agrees_with_the_rules_for_three_holders)
{
	static const struct pset holds[] = { NOTHING, WHOLE, PATHS(L_A), PATHS(L_B) };
	static const struct pset wants[] = { WHOLE, PATHS(L_A), PATHS(L_B) };
	static const struct pset needs[] = { WHOLE, PATHS(L_A), PATHS(L_AX) };
	static const int64_t early_late[] = { T0 + 10, T0 + 20 };
	static const int64_t callers[] = { T0 + 15, T0 + 30 };
	static struct who opts[128];
	size_t nopts = holder_options(opts, N(opts), holds, N(holds), wants, N(wants),
	    yes, N(yes), early_late, N(early_late), both, N(both));
	unsigned long cases;

	ck_assert_uint_eq(nopts, 54);
	memset(tally, 0, sizeof(tally));
	cases = sweep(opts, nopts, 3, needs, N(needs), callers, N(callers));
	ck_assert_uint_eq(cases, 4UL * 3 * 2 * 54 * 54 * 54);
	ck_assert_uint_gt(tally[CLAIM_DEADLOCK], 0);
	ck_assert_uint_gt(tally[CLAIM_BLOCKED], 0);
}
END_TEST

/* Four live holders, each holding one part and waiting for another: chains of three. */
START_TEST(decide_agrees_with_the_rules_for_four_holders)
{
	static const struct pset holds[] = { WHOLE, PATHS(L_A), PATHS(L_B), PATHS(L_C) };
	static const struct pset wants[] = { PATHS(L_A), PATHS(L_B), PATHS(L_C) };
	static const struct pset needs[] = { WHOLE, PATHS(L_A), PATHS(L_C) };
	static const int64_t early[] = { T0 };
	static const int64_t callers[] = { T0 + 30 };
	static struct who opts[64];
	size_t nopts = holder_options(opts, N(opts), holds, N(holds), wants, N(wants),
	    yes, N(yes), early, N(early), yes, N(yes));
	unsigned long cases;

	ck_assert_uint_eq(nopts, 16);
	memset(tally, 0, sizeof(tally));
	cases = sweep(opts, nopts, 4, needs, N(needs), callers, N(callers));
	ck_assert_uint_eq(cases, 5UL * 3 * 16 * 16 * 16 * 16);
	ck_assert_uint_gt(tally[CLAIM_DEADLOCK], 0);
}
END_TEST

/* xorshift64*: the same sequence on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned
roll(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1dULL) >> 33) % n;
}

/* Up to eight holders over more paths, drawn from a fixed seed. */
START_TEST(decide_agrees_with_the_rules_on_a_seeded_sample)
{
	static const struct pset sets[] = {
		WHOLE, PATHS(L_ROOT), PATHS(L_W), PATHS(L_A), PATHS(L_AX), PATHS(L_AB),
		PATHS(L_B), PATHS(L_C), PATHS(L_D), PATHS(L_E), PATHS(L_B_AB), PATHS(L_AX_AB),
		PATHS(L_B_AX),
	};
	static const struct pset needs[] = {
		WHOLE, PATHS(L_W), PATHS(L_A), PATHS(L_AX), PATHS(L_AY), PATHS(L_AXZ), PATHS(L_AB),
		PATHS(L_B), PATHS(L_C), PATHS(L_D), PATHS(L_E),
	};
	static const struct pset nothing = NOTHING;
	struct who h[MAXH];
	unsigned long round;
	int n, i, self;

	memset(tally, 0, sizeof(tally));
	for (round = 0; round < 200000; round++) {
		n = 1 + (int)roll(MAXH);
		for (i = 0; i < n; i++) {
			memset(&h[i], 0, sizeof(h[i]));
			/* mostly narrow claims, so that chains form */
			h[i].holds = roll(4) == 0 ? nothing : sets[1 + roll(N(sets) - 1)];
			if (roll(8) == 0)
				h[i].holds = sets[0];
			if (roll(3) != 0 || !o_some(&h[i].holds)) {
				h[i].wants = sets[roll(N(sets))];
				h[i].waiting = roll(6) != 0;
				h[i].since = T0 + roll(50);
			}
			h[i].live = roll(6) != 0;
		}
		self = (int)roll((unsigned)n + 1) - 1;
		if (self >= 0)
			h[self].live = 1;
		check_case(h, n, self, &needs[roll(N(needs))], T0 + roll(60));
	}
	ck_assert_uint_gt(tally[CLAIM_FREE], 0);
	ck_assert_uint_gt(tally[CLAIM_COVERED], 0);
	ck_assert_uint_gt(tally[CLAIM_BLOCKED], 0);
	ck_assert_uint_gt(tally[CLAIM_DEADLOCK], 0);
}
END_TEST

/* --- named cases, on sets built with record.h ------------------------------- */

static struct record_set set;
static struct claim_state st[RECORD_MAX_HOLDERS];
static struct claim_decision d;

static void
setup(void)
{
	memset(&set, 0, sizeof(set));
	memset(st, 0, sizeof(st));
	memset(&d, 0, sizeof(d));
}

static void
teardown(void)
{
	record_set_free(&set);
}

/* A live holder named id, holding the whole workspace or the paths given. */
static int
holder(const char *id, int whole, const char *const *paths, size_t n)
{
	struct record r;
	size_t i;

	memset(&r, 0, sizeof(r));
	snprintf(r.session_id, sizeof(r.session_id), "%s", id);
	r.pid = 100 + (pid_t)set.n;
	r.whole = whole;
	ck_assert_ptr_nonnull(record_set_add(&set, &r));
	for (i = 0; i < n; i++)
		ck_assert_int_eq(record_claim_add(&set.h[set.n - 1], paths[i]), 0);
	st[set.n - 1].live = 1;
	return (int)set.n - 1;
}

/* Holder i waits (its waiter alive) since `since` for one path, or the whole. */
static void
waits(int i, const char *path, int64_t since)
{
	ck_assert_int_eq(record_wants_set(&set.h[i], 5000 + i, 1, since, path == NULL,
	    path != NULL ? &path : NULL, path != NULL ? 1 : 0), 0);
	st[i].waiting = 1;
}

static void
decide_path(int self, const char *path, int64_t since)
{
	struct claim_need need = { path == NULL, path };

	memset(&d, 0x5a, sizeof(d));
	claim_decide(&d, &set, st, self, &need, since);
	ck_assert_int_eq(d.self, self);
	if (d.verdict != CLAIM_DEADLOCK)
		ck_assert_uint_eq(d.ncycle, 0);
}

static const char *const A[] = { "/w/a" }, *const B[] = { "/w/b" }, *const C[] = { "/w/c" },
    *const D[] = { "/w/d" }, *const W[] = { "/w" };

START_TEST(nothing_held_is_free)
{
	decide_path(-1, "/w/a", T0);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	ck_assert_int_eq(d.blocker, -1);
	ck_assert_int_eq(d.waiter, -1);
	decide_path(-1, NULL, T0);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
}
END_TEST

START_TEST(two_sessions_waiting_for_each_other_deadlock)
{
	int a = holder("A", 0, A, 1), b = holder("B", 0, B, 1);

	waits(a, "/w/b", T0);		/* A holds a, waits for b */
	decide_path(b, "/w/a", T0 + 5);	/* B holds b, needs a */
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
	ck_assert_int_eq(d.blocker, a);
	ck_assert_uint_eq(d.ncycle, 1);
	ck_assert_int_eq(d.cycle[0], a);
	ck_assert_int_eq(d.waiter, -1);
	/* Below or above what B holds closes the cycle just the same. */
	record_wants_set(&set.h[a], 5000, 1, T0, 0, (const char *const[]){ "/w/b/deep" }, 1);
	decide_path(b, "/w/a", T0 + 5);
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
	record_wants_set(&set.h[a], 5000, 1, T0, 1, NULL, 0);	/* A wants the whole */
	decide_path(b, "/w/a/file", T0 + 5);
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
	/* A's wait ended (its waiter is dead): B just waits for A. */
	st[a].waiting = 0;
	decide_path(b, "/w/a", T0 + 5);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
	/* A waits for something B does not hold: no cycle. */
	st[a].waiting = 1;
	record_wants_set(&set.h[a], 5000, 1, T0, 0, C, 1);
	decide_path(b, "/w/a", T0 + 5);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
	ck_assert_int_eq(d.waiter, -1);
}
END_TEST

START_TEST(a_cycle_through_three_others_deadlocks)
{
	/* Listed out of order: the cycle follows the waits, not the list. */
	int c = holder("C", 0, C, 1), me = holder("me", 0, D, 1);
	int a = holder("A", 0, A, 1), b = holder("B", 0, B, 1);

	waits(a, "/w/b", T0);
	waits(b, "/w/c", T0 + 1);
	waits(c, "/w/d", T0 + 2);	/* A -> B -> C -> me */
	decide_path(me, "/w/a/x", T0 + 3);
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
	ck_assert_int_eq(d.blocker, a);
	ck_assert_uint_eq(d.ncycle, 3);
	ck_assert_int_eq(d.cycle[0], a);
	ck_assert_int_eq(d.cycle[1], b);
	ck_assert_int_eq(d.cycle[2], c);
	/* A stale link, or a dead waiter, breaks the chain. */
	st[b].live = 0;
	decide_path(me, "/w/a/x", T0 + 3);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
	st[b].live = 1;
	st[c].waiting = 0;
	decide_path(me, "/w/a/x", T0 + 3);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
	/* A caller with no holder holds nothing a chain could reach. */
	st[c].waiting = 1;
	decide_path(-1, "/w/a/x", T0 + 3);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
}
END_TEST

START_TEST(a_cycle_through_a_later_blocker_is_still_a_deadlock)
{
	int a = holder("A", 0, A, 1), b = holder("B", 0, W, 1), me = holder("me", 0, D, 1);

	waits(b, "/w/d", T0);	/* B is in our way too, and waits for us */
	decide_path(me, "/w/a", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
	ck_assert_int_eq(d.blocker, b);
	ck_assert_uint_eq(d.ncycle, 1);
	ck_assert_int_eq(d.cycle[0], b);
	/* Without that wait, the first holder in the way is the blocker. */
	st[b].waiting = 0;
	decide_path(me, "/w/a", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
}
END_TEST

START_TEST(stale_holders_count_for_nothing)
{
	int a = holder("A", 1, NULL, 0), b = holder("B", 0, A, 1), me = holder("me", 0, B, 1);

	st[a].live = 0;
	st[b].live = 0;
	waits(b, "/w/b", T0);	/* a stale holder's wait closes no cycle */
	decide_path(me, "/w/a", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	ck_assert_int_eq(d.blocker, -1);
	decide_path(me, NULL, T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	st[b].live = 1;
	decide_path(me, "/w/a", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
	ck_assert_int_eq(d.blocker, b);
}
END_TEST

START_TEST(a_stale_waiter_holds_no_one_back)
{
	int a = holder("A", 0, NULL, 0);

	waits(a, "/w/a", T0);	/* waits, holding nothing, its waiter alive */
	decide_path(-1, "/w/a", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.waiter, a);
	st[a].live = 0;		/* but the holder itself was found stale */
	decide_path(-1, "/w/a", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	ck_assert_int_eq(d.waiter, -1);
}
END_TEST

START_TEST(a_dead_waiters_wants_count_for_nothing)
{
	int a = holder("A", 0, NULL, 0), me;

	waits(a, "/w/a", T0);
	st[a].waiting = 0;	/* the waiting process is gone */
	decide_path(-1, "/w/a", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	ck_assert_int_eq(d.waiter, -1);
	/* Nor does it close a cycle when it holds something. */
	record_claim_add(&set.h[a], "/w/x");
	me = holder("me", 0, A, 1);
	decide_path(me, "/w/x", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
	st[a].waiting = 1;
	decide_path(me, "/w/x", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
}
END_TEST

START_TEST(a_holder_adding_claims_is_not_held_back_by_waiters)
{
	int a = holder("A", 0, NULL, 0), me = holder("me", 0, B, 1);

	waits(a, "/w/a", T0);	/* earlier, and after what we need */
	decide_path(me, "/w/a/x", T0 + 10);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	ck_assert_int_eq(d.waiter, -1);
	/* The same caller holding nothing waits its turn. */
	record_free(&set.h[me]);
	waits(me, "/w/a/x", T0 + 10);
	decide_path(me, "/w/a/x", T0 + 10);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.waiter, a);
	ck_assert_int_eq(d.blocker, -1);
	/* A whole-workspace holder is not held back either. */
	set.h[me].whole = 1;
	decide_path(me, "/w/a/x", T0 + 10);
	ck_assert_int_eq(d.verdict, CLAIM_COVERED);
}
END_TEST

START_TEST(a_claimless_caller_waits_behind_earlier_waiters_only)
{
	int a = holder("A", 0, NULL, 0), b = holder("B", 0, NULL, 0);

	waits(a, "/w/a", T0 + 300);
	waits(b, "/w", T0 + 200);	/* wants the directory above: also in the way */
	decide_path(-1, "/w/a/x", T0 + 400);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.waiter, b);	/* the earliest of them */
	ck_assert_int_eq(d.blocker, -1);
	decide_path(-1, "/w/a/x", T0 + 250);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.waiter, b);
	decide_path(-1, "/w/a/x", T0 + 200);	/* level: not earlier */
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	decide_path(-1, "/w/a/x", T0 + 100);	/* we came first */
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	ck_assert_int_eq(d.waiter, -1);
	/* Waiters for something else are not in the way. */
	decide_path(-1, "/w2/a", T0 + 400);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
	/* Equal times: the first listed. */
	record_wants_set(&set.h[a], 5000, 1, T0 + 200, 0, A, 1);
	decide_path(-1, "/w/a/x", T0 + 400);
	ck_assert_int_eq(d.waiter, a);
	/* A need of the whole workspace is in the way of every waiter. */
	decide_path(-1, NULL, T0 + 400);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.waiter, a);
}
END_TEST

START_TEST(our_own_holding_covers_before_anything_else)
{
	int a = holder("A", 0, A, 1), me = holder("me", 0, W, 1);

	waits(a, "/w", T0);
	decide_path(me, "/w/a/x", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_COVERED);
	ck_assert_int_eq(d.blocker, -1);
	decide_path(me, "/w", T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_COVERED);
	/* Not the whole workspace, though: A's claim is in the way. */
	decide_path(me, NULL, T0 + 1);
	ck_assert_int_eq(d.verdict, CLAIM_DEADLOCK);
	ck_assert_int_eq(d.blocker, a);
}
END_TEST

START_TEST(the_first_holder_in_the_way_blocks)
{
	int a = holder("A", 0, B, 1), b = holder("B", 0, A, 1), c = holder("C", 0, W, 1);

	(void)a;
	decide_path(-1, "/w/a/x", T0);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, b);
	ck_assert_int_eq(d.waiter, -1);
	st[b].live = 0;
	decide_path(-1, "/w/a/x", T0);
	ck_assert_int_eq(d.blocker, c);
	/* The whole workspace is in the way of any claim. */
	decide_path(-1, NULL, T0);
	ck_assert_int_eq(d.verdict, CLAIM_BLOCKED);
	ck_assert_int_eq(d.blocker, a);
	/* Siblings and prefixes are not. */
	st[c].live = 0;
	decide_path(-1, "/w/ab", T0);
	ck_assert_int_eq(d.verdict, CLAIM_FREE);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("claim");
	TCase *tc = tcase_create("paths");

	tcase_add_loop_test(tc, overlaps_is_equal_or_ancestor_either_way, 0, (int)N(pairs));
	tcase_add_loop_test(tc, covers_and_conflicts, 0, (int)N(cover_cases));
	tcase_add_loop_test(tc, wants_from_is_a_live_wait_against_holdings, 0, (int)N(wants_cases));
	tcase_add_test(tc, verdict_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("named");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, nothing_held_is_free);
	tcase_add_test(tc, two_sessions_waiting_for_each_other_deadlock);
	tcase_add_test(tc, a_cycle_through_three_others_deadlocks);
	tcase_add_test(tc, a_cycle_through_a_later_blocker_is_still_a_deadlock);
	tcase_add_test(tc, stale_holders_count_for_nothing);
	tcase_add_test(tc, a_stale_waiter_holds_no_one_back);
	tcase_add_test(tc, a_dead_waiters_wants_count_for_nothing);
	tcase_add_test(tc, a_holder_adding_claims_is_not_held_back_by_waiters);
	tcase_add_test(tc, a_claimless_caller_waits_behind_earlier_waiters_only);
	tcase_add_test(tc, our_own_holding_covers_before_anything_else);
	tcase_add_test(tc, the_first_holder_in_the_way_blocks);
	suite_add_tcase(s, tc);

	/* Millions of cases: room for a slow machine or a sanitizer build. */
	tc = tcase_create("oracle");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, decide_agrees_with_the_rules_for_up_to_two_holders);
	tcase_add_test(tc, decide_agrees_with_the_rules_for_three_holders);
	tcase_add_test(tc, decide_agrees_with_the_rules_for_four_holders);
	tcase_add_test(tc, decide_agrees_with_the_rules_on_a_seeded_sample);
	suite_add_tcase(s, tc);
	return s;
}
