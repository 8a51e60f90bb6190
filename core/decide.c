/*
 * decide.c - the lock rules (see decide.h).
 */
#include <string.h>

#include "decide.h"

int
decide_is_local(const struct record *r, const struct holder *me)
{
	if (r->host[0] != '\0' && me->host[0] != '\0' && strcmp(r->host, me->host) != 0)
		return 0;
	return 1;
}

int
decide_is_ours(const struct record *r, const struct holder *me)
{
	if (strcmp(r->session_id, me->session_id) == 0)
		return 1;
	if (!decide_is_local(r, me) || r->pid != me->pid)
		return 0;
	if (r->boot_id[0] != '\0' && strcmp(r->boot_id, me->boot_id) != 0)
		return 0;
	/* An older record without a start time cannot prove it is the same process. */
	return r->pid_start != 0 && r->pid_start == me->pid_start;
}

static int
same_boot(const struct record *r, const struct holder *me)
{
	return decide_is_local(r, me) && r->boot_id[0] != '\0' &&
	    strcmp(r->boot_id, me->boot_id) == 0 && r->renewed_boot_ms >= 0;
}

void
decide(struct decision *out, const struct record *r, const struct holder *me,
    enum proc_liveness owner, int64_t now_wall, int64_t now_boot)
{
	int64_t idle;

	memset(out, 0, sizeof(*out));
	if (r == NULL) {
		out->verdict = VERDICT_FREE;
		out->why = "no lock";
		return;
	}
	idle = same_boot(r, me) ? now_boot - r->renewed_boot_ms : now_wall - r->renewed_at;
	out->idle_ms = idle > 0 ? idle : 0;
	out->lease_left_ms = r->lease_ms - idle;

	if (decide_is_ours(r, me)) {
		out->verdict = VERDICT_OURS;
		out->why = "held by this session";
		return;
	}
	if (decide_is_local(r, me)) {
		if (r->boot_id[0] != '\0' && me->boot_id[0] != '\0' &&
		    strcmp(r->boot_id, me->boot_id) != 0) {
			out->verdict = VERDICT_STALE_DEAD;
			out->why = "holder is from an earlier boot";
			return;
		}
		if (owner == PROC_DEAD) {
			out->verdict = VERDICT_STALE_DEAD;
			out->why = "holder process is gone";
			return;
		}
	}
	if (idle >= r->lease_ms) {
		out->verdict = VERDICT_STALE_EXPIRED;
		out->why = "lease ended";
		return;
	}
	if (-idle > r->lease_ms) {
		out->verdict = VERDICT_STALE_EXPIRED;
		out->lease_left_ms = 0;
		out->why = "lease stamped in the future";
		return;
	}
	out->verdict = VERDICT_HELD;
	out->why = "held by another session";
}

const char *
decide_verdict_name(enum verdict v)
{
	switch (v) {
	case VERDICT_FREE:
		return "free";
	case VERDICT_OURS:
		return "ours";
	case VERDICT_HELD:
		return "held";
	case VERDICT_STALE_DEAD:
		return "stale: dead owner";
	case VERDICT_STALE_EXPIRED:
		return "stale: lease ended";
	}
	return "unknown";
}
