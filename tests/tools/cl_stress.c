/*
 * cl_stress - path claims under contention through the real hook binaries
 * (the "paths" scope: SESSION_LOCK_SCOPE=paths in the environment).
 *
 *   cl_stress -n N -m M -p PRE -s STOP -i PRE_INPUT -j STOP_INPUT -w WORKSPACE
 *             -r RECORD -d WORKDIR [-b BASH_INPUT] [-u MAX_SLEEP_US]
 *             [-B BACKOFF_US] [-S SEED] [-t TIMEOUT_S] [-R] PATH...
 *
 * N contenders, each its own session ("cl-<i>") with its own live stand-in
 * for the Claude Code process (a child that sleeps; its PID is CLAUDE_PID),
 * are released together by a barrier, as in mx_stress. Each plays M rounds.
 * In round r contender i picks one of the PATHs (relative to WORKSPACE; a
 * trailing '/' is kept in the hook's input) by a hash of (SEED, i, r): the
 * same choices on every run. It runs PRE (pretooluse-lock) with PRE_INPUT,
 * whose "@SID@" becomes the session id and "@PATH@" WORKSPACE/PATH, until
 * the hook exits 0 (exit 2 = blocked: a pause of BACKOFF_US, default 2 ms,
 * doubling up to 32 times that, +-50 %, and the same path again). The PATH "*" stands for the whole
 * workspace: that round runs BASH_INPUT (a changing Bash command) instead.
 * Inside, with the claim held:
 *   - a CLOCK_MONOTONIC entry time,
 *   - WORKDIR/inside.<k> created with O_EXCL for its path k (EEXIST: two
 *     holders of one path), and no marker of a conflicting path present,
 *   - with -R, the same PRE again with a lease 2 s longer
 *     (SESSION_LOCK_TTL_MS=302000): a re-entrant call that rewrites the
 *     session's holder, which must keep every other session's claims,
 *   - the record (RECORD, read as a set) lists this session with a claim on
 *     the resolved path (the whole workspace for "*"), and no other holder
 *     with a claim that conflicts with it,
 *   - a pause of MAX_SLEEP_US/2 to MAX_SLEEP_US,
 *   - the marker removed and the exit time taken,
 * and it leaves by running STOP (stop-release) with STOP_INPUT, which
 * releases every claim of the session.
 *
 * Two paths conflict when they are equal or one is an ancestor directory of
 * the other (claim.h); "*" conflicts with every path. That rule is written
 * out again here, not taken from core/claim.c: the oracle should not share
 * the code under test.
 *
 * Afterwards the intervals of all contenders are merged: no two on
 * conflicting paths may overlap ("violations"). Intervals on disjoint paths
 * may; how much they do is the parallelism the claims buy, printed, never
 * asserted (it depends on the machine's load):
 *   inside/wall   total time inside critical sections / wall time (> 1:
 *                 sessions were inside at the same time)
 *   inside/busy   the same over the time anyone was inside: the mean
 *                 number of sessions inside while any was
 *   2+ inside     the share of the busy time with at least two inside
 *   max inside    the most sessions inside at one moment
 *   joined        entries made while another session was inside
 * Exits 0 only when entries == N*M and violations, collisions, missing
 * claims, conflicting records, fail-opens and errors are all 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "store.h"
#include "tool.h"

#define MAX_PATHS 32

struct opts {
	int n, m, max_sleep_us, timeout_s, npaths, backoff_us, reenter;
	unsigned seed;
	const char *pre, *stop, *bash, *pre_input, *stop_input, *bash_input, *record, *dir, *ws;
	const char *rel[MAX_PATHS];		/* as given */
	char *abs[MAX_PATHS];			/* WORKSPACE/rel, no trailing '/'; NULL: "*" */
	int conflict[MAX_PATHS][MAX_PATHS];
};

struct interval {
	int64_t enter, leave;
	int who, path;
};

/* What a worker reports back, at the head of its log file. */
struct tally {
	long entries, blocked, failopen, errors, collisions, missing_claim, record_conflict;
};

/* Two resolved paths conflict: equal, or one an ancestor directory of the other. */
static int
paths_conflict(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return 1;	/* the whole workspace */
	la = strlen(a);
	lb = strlen(b);
	if (la > lb) {
		const char *t = a;

		a = b;
		b = t;
		la = lb;
	}
	return strncmp(a, b, la) == 0 && (b[la] == '\0' || b[la] == '/');
}

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* splitmix64: the path of round r of contender who. */
static int
pick_path(const struct opts *o, int who, int r)
{
	uint64_t z = ((uint64_t)o->seed << 40) ^ ((uint64_t)who << 20) ^ (uint64_t)r;

	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (int)(z % (uint64_t)o->npaths);
}

/* tmpl with every key replaced by val, in malloc'd memory (NULL: no memory). */
static char *
subst(const char *tmpl, const char *key, const char *val)
{
	size_t kl = strlen(key), vl = strlen(val), n = 0, len = 0;
	const char *p, *q;
	char *out;

	for (p = tmpl; (q = strstr(p, key)) != NULL; p = q + kl)
		n++;
	out = malloc(strlen(tmpl) + n * vl + 1);
	if (out == NULL)
		return NULL;
	for (p = tmpl; (q = strstr(p, key)) != NULL; p = q + kl) {
		memcpy(out + len, p, (size_t)(q - p));
		len += (size_t)(q - p);
		memcpy(out + len, val, vl);
		len += vl;
	}
	strcpy(out + len, p);
	return out;
}

/* Writes tmpl_path with @SID@ and @PATH@ replaced into path. 0, or -1. */
static int
write_input(const char *tmpl_path, const char *sid, const char *target, const char *path)
{
	char *t = tool_read_file(tmpl_path, NULL), *a = NULL, *b = NULL;
	int rc = -1;

	if (t != NULL && (a = subst(t, "@SID@", sid)) != NULL &&
	    (b = subst(a, "@PATH@", target)) != NULL)
		rc = tool_write_file(path, b, strlen(b));
	free(t);
	free(a);
	free(b);
	return rc;
}

/*
 * Runs bin with stdin from in_path and stderr into err_path. Returns the
 * exit status, 128+signal when killed, -1 when it could not run.
 */
static int
run_hook(const char *bin, const char *in_path, const char *err_path)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (tool_child_stdio(in_path, err_path) != 0)
			_exit(126);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void
show_err(int who, const char *what, int rc, const char *err_path)
{
	size_t len;
	char *e = tool_read_file(err_path, &len);

	fprintf(stderr, "cl_stress: contender %d: %s exited %d: %s", who, what, rc,
	    e != NULL && len > 0 ? e : "(no stderr)\n");
	free(e);
}

/* Does the record show us holding path k, and no one else anything in its way? */
static void
check_record(const struct opts *o, int who, const char *sid, int k, struct tally *t)
{
	struct record_set s = RECORD_SET_INIT;
	const char *want = o->abs[k];
	size_t i, j;
	int self, found = 0;

	if (store_read_path_set(o->record, &s, NULL) != STORE_FOUND) {
		fprintf(stderr, "cl_stress: contender %d: no record inside %s\n", who, o->rel[k]);
		t->missing_claim++;
		return;
	}
	self = record_set_find(&s, sid);
	if (self >= 0) {
		const struct record *r = &s.h[self];

		if (want == NULL)
			found = r->whole;
		for (j = 0; want != NULL && j < r->nclaims && !found; j++)
			found = strcmp(r->claims[j], want) == 0;
		if (r->whole && want != NULL)
			found = 0;	/* a Write must claim its path, not the whole */
	}
	if (!found) {
		fprintf(stderr, "cl_stress: contender %d: the record lacks its claim on %s\n", who,
		    want != NULL ? want : "the whole workspace");
		t->missing_claim++;
	}
	for (i = 0; i < s.n; i++) {
		const struct record *r = &s.h[i];
		int bad = 0;

		if ((int)i == self)
			continue;
		if (r->whole)
			bad = 1;
		for (j = 0; j < r->nclaims && !bad; j++)
			bad = paths_conflict(r->claims[j], want);
		if (bad) {
			fprintf(stderr, "cl_stress: contender %d inside %s: %s holds %s too\n", who,
			    o->rel[k], r->session_id, r->whole ? "the whole workspace" :
			    "a conflicting claim");
			t->record_conflict++;
		}
	}
	record_set_free(&s);
}

/* One critical section on path k. */
static void
critical(const struct opts *o, int who, const char *sid, int k, const char *pre_in,
    const char *err, struct tally *t, struct interval *iv)
{
	char marker[4096], other[4096];
	int j, mfd, rc;

	iv->enter = tool_now_ns();
	iv->who = who;
	iv->path = k;
	snprintf(marker, sizeof(marker), "%s/inside.%d", o->dir, k);
	mfd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (mfd < 0)
		t->collisions++;
	else
		close(mfd);
	for (j = 0; j < o->npaths; j++) {
		if (j == k || !o->conflict[k][j])
			continue;
		snprintf(other, sizeof(other), "%s/inside.%d", o->dir, j);
		if (access(other, F_OK) == 0)
			t->collisions++;
	}
	if (o->reenter) {
		setenv("SESSION_LOCK_TTL_MS", "302000", 1);
		rc = run_hook(o->pre, pre_in, err);
		unsetenv("SESSION_LOCK_TTL_MS");
		if (rc != 0 || file_size(err) != 0) {
			show_err(who, "pretooluse-lock (re-entrant)", rc, err);
			t->errors++;
		}
	}
	check_record(o, who, sid, k, t);
	if (o->max_sleep_us > 0)
		sleep_us(o->max_sleep_us / 2 + rand() % (o->max_sleep_us / 2 + 1));
	if (mfd >= 0)
		unlink(marker);
	iv->leave = tool_now_ns();
	t->entries++;
}

static int
worker(const struct opts *o, int who, int barrier)
{
	char sid[64], stop_in[4096], err[4096], log[4096], env[32], target[PATH_MAX + 8];
	char (*pre_in)[4096] = calloc((size_t)o->npaths, sizeof(*pre_in));
	struct interval *ivs = calloc((size_t)o->m, sizeof(*ivs));
	struct tally t = { 0 };
	pid_t owner;
	FILE *f;
	char c;
	int i, k, rc, backoff = o->backoff_us;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	srand((unsigned)getpid() * 2654435761u);
	owner = tool_spawn_standin();
	if (owner < 0 || ivs == NULL || pre_in == NULL)
		return 1;
	snprintf(env, sizeof(env), "%d", (int)owner);
	setenv("CLAUDE_PID", env, 1);
	snprintf(sid, sizeof(sid), "cl-%d", who);
	snprintf(stop_in, sizeof(stop_in), "%s/stop.%d.json", o->dir, who);
	snprintf(err, sizeof(err), "%s/err.%d", o->dir, who);
	snprintf(log, sizeof(log), "%s/log.%d", o->dir, who);
	for (k = 0; k < o->npaths; k++) {
		snprintf(pre_in[k], sizeof(pre_in[k]), "%s/pre.%d.%d.json", o->dir, who, k);
		snprintf(target, sizeof(target), "%s/%s", o->ws, o->rel[k]);
		if (write_input(o->abs[k] != NULL ? o->pre_input : o->bash_input, sid, target,
		    pre_in[k]) != 0) {
			fprintf(stderr, "cl_stress: cannot write the inputs in %s\n", o->dir);
			return 1;
		}
	}
	if (tool_write_input(o->stop_input, sid, stop_in) != 0) {
		fprintf(stderr, "cl_stress: cannot write the inputs in %s\n", o->dir);
		return 1;
	}
	/* The barrier: read returns 0 when the driver closes the write end. */
	while (read(barrier, &c, 1) < 0 && errno == EINTR)
		;
	close(barrier);

	for (i = 0; i < o->m;) {
		k = pick_path(o, who, i);
		rc = run_hook(o->pre, pre_in[k], err);
		if (rc == 2) {
			/* Back off (by default 2 ms doubling to 64 ms, +-50 %), as
			 * mx_stress: 16 pollers on 2 cores would starve the holders. */
			t.blocked++;
			sleep_us(backoff / 2 + rand() % (backoff + 1));
			if (backoff < 32 * o->backoff_us)
				backoff *= 2;
			continue;
		}
		backoff = o->backoff_us;
		if (rc != 0 || file_size(err) != 0) {
			show_err(who, "pretooluse-lock", rc, err);
			if (rc == 0)
				t.failopen++;
			else
				t.errors++;
			if (t.errors + t.failopen > 5)
				break;
			continue;
		}
		critical(o, who, sid, k, pre_in[k], err, &t, &ivs[i]);
		i++;
		rc = run_hook(o->stop, stop_in, err);
		if (rc != 0 || file_size(err) != 0) {
			show_err(who, "stop-release", rc, err);
			t.errors++;
			if (t.errors + t.failopen > 5)
				break;
		}
		sleep_us(rand() % 500);
	}
	kill(owner, SIGKILL);
	waitpid(owner, NULL, 0);
	f = fopen(log, "w");
	if (f == NULL)
		return 1;
	fprintf(f, "%ld %ld %ld %ld %ld %ld %ld\n", t.entries, t.blocked, t.failopen, t.errors,
	    t.collisions, t.missing_claim, t.record_conflict);
	for (i = 0; i < t.entries; i++)
		fprintf(f, "%lld %lld %d\n", (long long)ivs[i].enter, (long long)ivs[i].leave,
		    ivs[i].path);
	free(ivs);
	free(pre_in);
	return fclose(f) == 0 ? 0 : 1;
}

static int
by_enter(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	return x->enter < y->enter ? -1 : x->enter > y->enter;
}

/* A point of the sweep: +1 at an entry, -1 at an exit. */
struct event {
	int64_t at;
	int delta;
};

static int
by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->delta - y->delta;	/* exits first */
}

/* The parallelism figures of count intervals (sorted by entry). */
static void
parallelism(const struct interval *all, long count, int64_t elapsed)
{
	struct event *ev = calloc((size_t)count * 2 + 1, sizeof(*ev));
	int64_t inside = 0, busy = 0, two = 0, wall, prev = 0;
	long k, joined = 0;
	int level = 0, max_level = 0;

	if (ev == NULL || count == 0) {
		free(ev);
		return;
	}
	for (k = 0; k < count; k++) {
		inside += all[k].leave - all[k].enter;
		ev[2 * k].at = all[k].enter;
		ev[2 * k].delta = 1;
		ev[2 * k + 1].at = all[k].leave;
		ev[2 * k + 1].delta = -1;
	}
	qsort(ev, (size_t)count * 2, sizeof(*ev), by_time);
	for (k = 0; k < count * 2; k++) {
		if (level >= 1)
			busy += ev[k].at - prev;
		if (level >= 2)
			two += ev[k].at - prev;
		if (ev[k].delta > 0 && level >= 1)
			joined++;
		level += ev[k].delta;
		if (level > max_level)
			max_level = level;
		prev = ev[k].at;
	}
	wall = elapsed > 0 ? elapsed : 1;
	printf("claims parallelism: inside/wall=%.2f inside/busy=%.2f 2+_inside=%.1f%%_of_busy "
	    "max_inside=%d joined=%ld (%.1f%% of entries) inside=%.2fs busy=%.2fs wall=%.2fs\n",
	    (double)inside / (double)wall, busy > 0 ? (double)inside / (double)busy : 0.0,
	    busy > 0 ? 100.0 * (double)two / (double)busy : 0.0, max_level, joined,
	    100.0 * (double)joined / (double)count, inside / 1e9, busy / 1e9, wall / 1e9);
	free(ev);
}

static void
usage(void)
{
	fprintf(stderr, "usage: cl_stress -n N -m M -p PRE -s STOP -i PRE_INPUT -j STOP_INPUT "
	    "-w WORKSPACE -r RECORD -d WORKDIR [-b BASH_INPUT] [-u MAX_SLEEP_US] "
	    "[-B BACKOFF_US] [-S SEED] [-t TIMEOUT_S] [-R] PATH...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { .n = 16, .m = 20, .max_sleep_us = 2000, .timeout_s = 600,
	    .backoff_us = 2000, .seed = 1 };
	struct tally total = { 0 }, t;
	long per_path[MAX_PATHS] = { 0 };
	int64_t *max_leave, t0, elapsed;
	struct interval *all;
	char path[4096];
	pid_t *pids;
	int fds[2], opt, i, j, st, bad_exit = 0;
	long k, count = 0, violations = 0;
	FILE *f;

	while ((opt = getopt(argc, argv, "n:m:p:s:i:j:b:w:r:d:u:B:S:t:R")) != -1) {
		switch (opt) {
		case 'n': o.n = atoi(optarg); break;
		case 'm': o.m = atoi(optarg); break;
		case 'p': o.pre = optarg; break;
		case 's': o.stop = optarg; break;
		case 'i': o.pre_input = optarg; break;
		case 'j': o.stop_input = optarg; break;
		case 'b': o.bash_input = optarg; break;
		case 'w': o.ws = optarg; break;
		case 'r': o.record = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'u': o.max_sleep_us = atoi(optarg); break;
		case 'B': o.backoff_us = atoi(optarg); break;
		case 'S': o.seed = (unsigned)strtoul(optarg, NULL, 10); break;
		case 't': o.timeout_s = atoi(optarg); break;
		case 'R': o.reenter = 1; break;
		default: usage();
		}
	}
	if (o.n < 1 || o.m < 1 || o.backoff_us < 1 || !o.pre || !o.stop || !o.pre_input || !o.stop_input ||
	    !o.ws || !o.record || !o.dir || optind >= argc || argc - optind > MAX_PATHS)
		usage();
	for (; optind < argc; optind++, o.npaths++) {
		const char *rel = argv[optind];
		size_t len;

		o.rel[o.npaths] = rel;
		if (strcmp(rel, "*") == 0) {
			if (o.bash_input == NULL)
				usage();
			o.abs[o.npaths] = NULL;
			continue;
		}
		o.abs[o.npaths] = malloc(strlen(o.ws) + strlen(rel) + 2);
		sprintf(o.abs[o.npaths], "%s/%s", o.ws, rel);
		len = strlen(o.abs[o.npaths]);
		while (len > 1 && o.abs[o.npaths][len - 1] == '/')
			o.abs[o.npaths][--len] = '\0';
	}
	for (i = 0; i < o.npaths; i++)
		for (j = 0; j < o.npaths; j++)
			o.conflict[i][j] = paths_conflict(o.abs[i], o.abs[j]);
	if (pipe(fds) != 0)
		return 2;
	pids = calloc((size_t)o.n, sizeof(*pids));
	for (i = 0; i < o.n; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			close(fds[1]);
			_exit(worker(&o, i, fds[0]));
		}
	}
	close(fds[0]);
	sleep_us(100000);	/* let every contender reach the barrier */
	t0 = tool_now_ns();
	alarm((unsigned)o.timeout_s);	/* SIGALRM ends a hung run */
	close(fds[1]);
	for (i = 0; i < o.n; i++) {
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad_exit++;
	}
	elapsed = tool_now_ns() - t0;

	all = calloc((size_t)o.n * (size_t)o.m + 1, sizeof(*all));
	for (i = 0; i < o.n; i++) {
		snprintf(path, sizeof(path), "%s/log.%d", o.dir, i);
		f = fopen(path, "r");
		if (f == NULL || fscanf(f, "%ld %ld %ld %ld %ld %ld %ld", &t.entries, &t.blocked,
		    &t.failopen, &t.errors, &t.collisions, &t.missing_claim,
		    &t.record_conflict) != 7) {
			bad_exit++;
			if (f != NULL)
				fclose(f);
			continue;
		}
		total.entries += t.entries;
		total.blocked += t.blocked;
		total.failopen += t.failopen;
		total.errors += t.errors;
		total.collisions += t.collisions;
		total.missing_claim += t.missing_claim;
		total.record_conflict += t.record_conflict;
		for (k = 0; k < t.entries && count < (long)o.n * o.m; k++, count++) {
			long long a, b;
			int p;

			if (fscanf(f, "%lld %lld %d", &a, &b, &p) != 3 || p < 0 || p >= o.npaths)
				break;
			all[count].enter = a;
			all[count].leave = b;
			all[count].who = i;
			all[count].path = p;
			per_path[p]++;
		}
		fclose(f);
	}
	/*
	 * In order of entry: an interval that enters before the latest exit
	 * so far on a path that conflicts with its own overlaps one there.
	 */
	qsort(all, (size_t)count, sizeof(*all), by_enter);
	max_leave = malloc(sizeof(*max_leave) * (size_t)o.npaths);
	for (j = 0; j < o.npaths; j++)
		max_leave[j] = INT64_MIN;
	for (k = 0; k < count; k++) {
		int p = all[k].path, bad = 0;

		for (j = 0; j < o.npaths; j++)
			if (o.conflict[p][j] && all[k].enter <= max_leave[j])
				bad = 1;
		violations += bad;
		if (all[k].leave > max_leave[p])
			max_leave[p] = all[k].leave;
	}

	printf("claims: contenders=%d rounds=%d paths=%d entries=%ld blocked_attempts=%ld "
	    "violations=%ld collisions=%ld missing_claim=%ld record_conflicts=%ld failopen=%ld "
	    "errors=%ld elapsed=%.1fs entries/s=%.0f\n",
	    o.n, o.m, o.npaths, total.entries, total.blocked, violations, total.collisions,
	    total.missing_claim, total.record_conflict, total.failopen, total.errors + bad_exit,
	    elapsed / 1e9, total.entries / (elapsed / 1e9));
	printf("claims by path:");
	for (j = 0; j < o.npaths; j++)
		printf(" %s=%ld", o.rel[j], per_path[j]);
	printf("\n");
	parallelism(all, count, elapsed);
	fflush(stdout);
	free(max_leave);
	free(all);
	free(pids);
	for (j = 0; j < o.npaths; j++)
		free(o.abs[j]);
	return total.entries == (long)o.n * o.m && violations == 0 && total.collisions == 0 &&
	    total.missing_claim == 0 && total.record_conflict == 0 && total.failopen == 0 &&
	    total.errors == 0 && bad_exit == 0 ? 0 : 1;
}
