/*
 * claim.h - who may have which part of a workspace: the rules of path
 * claims, as one pure function (decide.h decides whether a holder is alive;
 * this decides what the live ones stand in the way of).
 *
 * A workspace's record holds a set of holders (record.h). Each has the
 * whole workspace, or claims on resolved paths; a holder that waits for
 * more also says what it wants. What a caller needs is the whole workspace
 * (a changing Bash command, or every call in the "workspace" scope) or one
 * path (a Write, Edit, ... in the "paths" scope, or `session-lock claim`).
 *
 * The rules, in order:
 *  1. Ours already: our holder has the whole workspace, or a claim equal to
 *     the path or an ancestor directory of it: COVERED.
 *  2. A live holder other than us whose claims conflict with the need: two
 *     paths conflict when they are equal or one is an ancestor directory of
 *     the other, and the whole workspace conflicts with any claim: BLOCKED
 *     by the first such holder (in the record's order). If waiting would
 *     close a cycle (a holder we would wait for waits, directly or through
 *     others, for something we hold), DEADLOCK instead, naming as blocker
 *     the first holder in the way whose chain of waits leads back to us:
 *     the wait is refused at once, and the cycle says who waits for whom.
 *  3. A caller that holds nothing yet, and an earlier live waiter whose
 *     wants conflict with the need: BLOCKED by the earliest such waiter (the
 *     first listed among equals; first come,
 *     first served, as the waiters' queue serves the workspace scope). A
 *     holder that adds to its claims is not held back by waiters: like a
 *     workspace holder, it goes on until its turn ends.
 *  4. Otherwise: FREE, take it (dropping the holders that are not live).
 *
 * Holders whose liveness the caller found stale (decide.h) count for
 * nothing; neither do the wants of a waiter whose process is gone.
 */
#ifndef SL_CLAIM_H
#define SL_CLAIM_H

#include <stddef.h>
#include <stdint.h>

#include "record.h"

/* What the caller needs: the whole workspace, or one resolved path. */
struct claim_need {
	int whole;
	const char *path;	/* when !whole: absolute, resolved */
};

/* What the caller found out about each holder (one per record_set holder). */
struct claim_state {
	int live;		/* ours, or another live holder: its claims count */
	int waiting;		/* its wants count: the waiting process is alive */
};

enum claim_verdict {
	CLAIM_FREE,
	CLAIM_COVERED,
	CLAIM_BLOCKED,
	CLAIM_DEADLOCK,
};

struct claim_decision {
	enum claim_verdict verdict;
	int self;		/* our holder, or -1 */
	int blocker;		/* BLOCKED, DEADLOCK: the first live holder in the way, or -1 */
	int waiter;		/* BLOCKED by an earlier waiter (rule 3): that one, else -1 */
	/* DEADLOCK: the holders from the blocker on, each waiting for the next; the last waits for us. */
	size_t ncycle;
	int cycle[RECORD_MAX_HOLDERS];
};

/* Do two resolved absolute paths conflict (equal, or one an ancestor directory of the other)? */
int claim_overlaps(const char *a, const char *b);

/* Does what r holds (whole, or its claims) conflict with need? */
int claim_conflicts(const struct record *r, const struct claim_need *need);

/* Does what r holds cover need (whole, or a claim equal to or above the path)? */
int claim_covers(const struct record *r, const struct claim_need *need);

/* Does r's wait want something that conflicts with need? */
int claim_wanted(const struct record *r, const struct claim_need *need);

/* Does r's live wait want something that what h holds stands in the way of? */
int claim_wants_from(const struct record *r, const struct record *h);

/*
 * Applies the rules for the caller whose holder is self (-1: none yet),
 * needing need, waiting since `since` (epoch ms: when its wait began, or
 * now for a new request). st has s->n entries.
 */
void claim_decide(struct claim_decision *out, const struct record_set *s,
    const struct claim_state *st, int self, const struct claim_need *need, int64_t since);

/* A short name for a verdict ("free", "covered", "blocked", "deadlock"). */
const char *claim_verdict_name(enum claim_verdict v);

#endif
