/*
 * mx_stress - N x M mutual-exclusion stress through the real hook binaries.
 *
 *   mx_stress -n N -m M -p PRE -s STOP -i PRE_INPUT -j STOP_INPUT
 *             -r RECORD -d WORKDIR [-u MAX_SLEEP_US] [-t TIMEOUT_S]
 *
 * N contenders, each its own session ("mx-<i>") with its own live stand-in
 * for the Claude Code process (a child that sleeps; its PID is CLAUDE_PID),
 * are released together by a barrier (a pipe whose write end is closed).
 * Each enters the critical section M times: it runs PRE (pretooluse-lock)
 * with PRE_INPUT on stdin until the hook exits 0 (exit 2 = blocked: sleep a
 * little and try again), then, inside the lock:
 *   - takes a CLOCK_MONOTONIC entry time,
 *   - creates WORKDIR/inside with O_EXCL (EEXIST = two holders at once),
 *   - checks that RECORD names this session (the lock record on disk),
 *   - reads WORKDIR/counter, sleeps up to MAX_SLEEP_US, writes counter + 1
 *     (a deliberately non-atomic read-increment-write),
 *   - removes the marker and takes the exit time,
 * and leaves by running STOP (stop-release) with STOP_INPUT.
 * "@SID@" in the input files is replaced by the session id.
 *
 * Afterwards the intervals of all contenders are merged: no two may
 * overlap, and the counter must equal the number of entries. Any other hook
 * result (a fail-open exit 0 with a message, another exit status, a death
 * by signal) is counted as an error. Prints one line of figures and exits 0
 * only when entries == N*M and violations, collisions, wrong holders and
 * errors are all 0.
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

struct opts {
	int n, m, max_sleep_us, timeout_s;
	const char *pre, *stop, *pre_input, *stop_input, *record, *dir;
};

struct interval {
	int64_t enter, leave;
	int who;
};

/* What a worker reports back, at the end of its log file. */
struct tally {
	long entries, blocked, failopen, errors, collisions, wrong_holder;
};

static void
sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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

	fprintf(stderr, "mx_stress: contender %d: %s exited %d: %s", who, what, rc,
	    e != NULL && len > 0 ? e : "(no stderr)\n");
	free(e);
}

/* One critical section. */
static void
critical(const struct opts *o, int who, const char *sid, struct tally *t, struct interval *iv)
{
	char marker[4096], counter[4096];
	struct record r;
	char buf[64];
	long value;
	ssize_t n;
	int fd, mfd;

	iv->enter = tool_now_ns();
	iv->who = who;
	snprintf(marker, sizeof(marker), "%s/inside", o->dir);
	snprintf(counter, sizeof(counter), "%s/counter", o->dir);
	mfd = open(marker, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (mfd < 0)
		t->collisions++;
	else
		close(mfd);
	if (store_read_path(o->record, &r, NULL) != STORE_FOUND || strcmp(r.session_id, sid) != 0)
		t->wrong_holder++;
	fd = open(counter, O_RDWR);
	if (fd < 0) {
		t->errors++;
	} else {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		value = strtol(buf, NULL, 10);
		if (o->max_sleep_us > 0)
			sleep_us(rand() % (o->max_sleep_us + 1));
		n = snprintf(buf, sizeof(buf), "%ld\n", value + 1);
		if (pwrite(fd, buf, (size_t)n, 0) != n || ftruncate(fd, n) != 0)
			t->errors++;
		close(fd);
	}
	if (mfd >= 0)
		unlink(marker);
	iv->leave = tool_now_ns();
	t->entries++;
}

static int
worker(const struct opts *o, int who, int barrier)
{
	char sid[64], pre_in[4096], stop_in[4096], err[4096], log[4096], env[32];
	struct interval *ivs = calloc((size_t)o->m, sizeof(*ivs));
	struct tally t = { 0 };
	pid_t owner;
	FILE *f;
	char c;
	int i, rc, backoff = 2000;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	srand((unsigned)getpid() * 2654435761u);
	owner = tool_spawn_standin();
	if (owner < 0 || ivs == NULL)
		return 1;
	snprintf(env, sizeof(env), "%d", (int)owner);
	setenv("CLAUDE_PID", env, 1);
	snprintf(sid, sizeof(sid), "mx-%d", who);
	snprintf(pre_in, sizeof(pre_in), "%s/pre.%d.json", o->dir, who);
	snprintf(stop_in, sizeof(stop_in), "%s/stop.%d.json", o->dir, who);
	snprintf(err, sizeof(err), "%s/err.%d", o->dir, who);
	snprintf(log, sizeof(log), "%s/log.%d", o->dir, who);
	if (tool_write_input(o->pre_input, sid, pre_in) != 0 ||
	    tool_write_input(o->stop_input, sid, stop_in) != 0) {
		fprintf(stderr, "mx_stress: cannot write the inputs in %s\n", o->dir);
		return 1;
	}
	/* The barrier: read returns 0 when the driver closes the write end. */
	while (read(barrier, &c, 1) < 0 && errno == EINTR)
		;
	close(barrier);

	for (i = 0; i < o->m;) {
		rc = run_hook(o->pre, pre_in, err);
		if (rc == 2) {
			/* Back off (2 ms doubling to 64 ms, +-50 %): spawning a
			 * hook costs milliseconds of CPU, and 16 pollers on 2
			 * cores would starve the holder. */
			t.blocked++;
			sleep_us(backoff / 2 + rand() % (backoff + 1));
			if (backoff < 64000)
				backoff *= 2;
			continue;
		}
		backoff = 2000;
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
		critical(o, who, sid, &t, &ivs[i]);
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
	fprintf(f, "%ld %ld %ld %ld %ld %ld\n", t.entries, t.blocked, t.failopen, t.errors,
	    t.collisions, t.wrong_holder);
	for (i = 0; i < t.entries; i++)
		fprintf(f, "%lld %lld\n", (long long)ivs[i].enter, (long long)ivs[i].leave);
	free(ivs);
	return fclose(f) == 0 ? 0 : 1;
}

static int
by_enter(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;

	return x->enter < y->enter ? -1 : x->enter > y->enter;
}

static void
usage(void)
{
	fprintf(stderr, "usage: mx_stress -n N -m M -p PRE -s STOP -i PRE_INPUT -j STOP_INPUT "
	    "-r RECORD -d WORKDIR [-u MAX_SLEEP_US] [-t TIMEOUT_S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o = { .n = 16, .m = 20, .max_sleep_us = 300, .timeout_s = 600 };
	struct tally total = { 0 }, t;
	struct interval *all;
	char path[4096];
	pid_t *pids;
	int fds[2], opt, i, st, bad_exit = 0;
	long k, count = 0, violations = 0, counter = -1;
	int64_t t0, elapsed, max_leave;
	size_t len;
	char *text;
	FILE *f;

	while ((opt = getopt(argc, argv, "n:m:p:s:i:j:r:d:u:t:")) != -1) {
		switch (opt) {
		case 'n': o.n = atoi(optarg); break;
		case 'm': o.m = atoi(optarg); break;
		case 'p': o.pre = optarg; break;
		case 's': o.stop = optarg; break;
		case 'i': o.pre_input = optarg; break;
		case 'j': o.stop_input = optarg; break;
		case 'r': o.record = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'u': o.max_sleep_us = atoi(optarg); break;
		case 't': o.timeout_s = atoi(optarg); break;
		default: usage();
		}
	}
	if (o.n < 1 || o.m < 1 || !o.pre || !o.stop || !o.pre_input || !o.stop_input ||
	    !o.record || !o.dir)
		usage();
	snprintf(path, sizeof(path), "%s/counter", o.dir);
	f = fopen(path, "w");
	if (f == NULL || fputs("0\n", f) < 0 || fclose(f) != 0) {
		perror(path);
		return 2;
	}
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
		if (f == NULL || fscanf(f, "%ld %ld %ld %ld %ld %ld", &t.entries, &t.blocked,
		    &t.failopen, &t.errors, &t.collisions, &t.wrong_holder) != 6) {
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
		total.wrong_holder += t.wrong_holder;
		for (k = 0; k < t.entries && count < (long)o.n * o.m; k++, count++) {
			long long a, b;

			if (fscanf(f, "%lld %lld", &a, &b) != 2)
				break;
			all[count].enter = a;
			all[count].leave = b;
			all[count].who = i;
		}
		fclose(f);
	}
	qsort(all, (size_t)count, sizeof(*all), by_enter);
	max_leave = INT64_MIN;
	for (k = 0; k < count; k++) {
		if (all[k].enter <= max_leave)
			violations++;
		if (all[k].leave > max_leave)
			max_leave = all[k].leave;
	}
	snprintf(path, sizeof(path), "%s/counter", o.dir);
	text = tool_read_file(path, &len);
	if (text != NULL)
		counter = strtol(text, NULL, 10);
	free(text);

	printf("mutual exclusion: contenders=%d rounds=%d entries=%ld counter=%ld "
	    "blocked_attempts=%ld violations=%ld collisions=%ld wrong_holder=%ld "
	    "failopen=%ld errors=%ld elapsed=%.1fs entries/s=%.0f\n",
	    o.n, o.m, total.entries, counter, total.blocked, violations, total.collisions,
	    total.wrong_holder, total.failopen, total.errors + bad_exit, elapsed / 1e9,
	    total.entries / (elapsed / 1e9));
	fflush(stdout);
	free(all);
	free(pids);
	return total.entries == (long)o.n * o.m && counter == total.entries && violations == 0 &&
	    total.collisions == 0 && total.wrong_holder == 0 && total.failopen == 0 &&
	    total.errors == 0 && bad_exit == 0 ? 0 : 1;
}
