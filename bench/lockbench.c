/*
 * lockbench - timing driver for bench/run.sh (fork/exec + wait4,
 * CLOCK_MONOTONIC; no hyperfine needed).
 *
 *   lockbench time -n N -i INPUT [-c CMP] [-s SRC -d DST] [-r RBIN -j RINPUT]
 *                  [-w WARMUP] -- BIN
 *     Runs BIN N times with INPUT on stdin, alternating with CMP (default
 *     /bin/true, same stdin) so both see the same machine state. Before each
 *     BIN run, untimed: copies SRC over DST (-s/-d: reset a lock record)
 *     and/or runs RBIN with RINPUT (-r/-j: e.g. release the lock). Prints
 *       median_us p99_us mean_us cmp_median_us cmp_p99_us ratio peak_rss_kb
 *       cmp_peak_rss_kb exit_codes
 *     on one line.
 *
 *   lockbench throughput -p P -t SECONDS -a PRE -b STOP -i PRE_INPUT
 *                        -j STOP_INPUT
 *     P processes, each its own session ("@SID@" in the inputs becomes
 *     "bench-<i>") with its own live stand-in as CLAUDE_PID, run
 *     acquire (PRE) / release (STOP) cycles for SECONDS; a blocked acquire
 *     (exit 2) backs off (1 ms doubling to 32 ms, randomised) and retries. Each process prints
 *       cycles blocked_attempts errors
 *     (run.sh adds them up); the elapsed time goes to stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

/* Runs bin < in; returns exit status (128+sig when killed); *rss_kb peak RSS. */
static int
run(const char *bin, const char *in, long *rss_kb, int64_t *ns)
{
	struct rusage ru;
	int64_t t0;
	pid_t pid;
	int st;

	t0 = tool_now_ns();
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (tool_child_stdio(in, NULL) != 0)
			_exit(126);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	if (ns != NULL)
		*ns = tool_now_ns() - t0;
	if (rss_kb != NULL && ru.ru_maxrss > *rss_kb)
		*rss_kb = ru.ru_maxrss;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int
copy_file(const char *src, const char *dst)
{
	char buf[65536], tmp[4096];
	ssize_t n;
	int in = open(src, O_RDONLY), out;

	if (in < 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.bench", dst);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	close(in);
	if (close(out) != 0)
		return -1;
	return rename(tmp, dst);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(int64_t *v, int n, double p)
{
	int i = (int)(p * (n - 1) + 0.5);

	return v[i] / 1000.0;
}

static int
cmd_time(int argc, char **argv)
{
	const char *input = NULL, *cmp = "/bin/true", *src = NULL, *dst = NULL, *rbin = NULL,
	    *rinput = NULL, *bin;
	int n = 200, warm = 10, opt, i, codes[256] = { 0 }, rc;
	long rss = 0, cmp_rss = 0;
	int64_t *t, *c, ns;
	double mean = 0;

	while ((opt = getopt(argc, argv, "n:i:c:s:d:r:j:w:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 'i': input = optarg; break;
		case 'c': cmp = optarg; break;
		case 's': src = optarg; break;
		case 'd': dst = optarg; break;
		case 'r': rbin = optarg; break;
		case 'j': rinput = optarg; break;
		case 'w': warm = atoi(optarg); break;
		default: return 2;
		}
	}
	if (optind >= argc || input == NULL || n < 2)
		return 2;
	bin = argv[optind];
	t = calloc((size_t)n, sizeof(*t));
	c = calloc((size_t)n, sizeof(*c));
	for (i = -warm; i < n; i++) {
		if (src != NULL && dst != NULL && copy_file(src, dst) != 0) {
			perror("lockbench: reset");
			return 2;
		}
		if (rbin != NULL)
			run(rbin, rinput != NULL ? rinput : input, NULL, NULL);
		rc = run(bin, input, i >= 0 ? &rss : NULL, &ns);
		if (i >= 0) {
			t[i] = ns;
			mean += ns / 1000.0;
			codes[rc >= 0 && rc < 256 ? rc : 255]++;
		}
		run(cmp, input, i >= 0 ? &cmp_rss : NULL, &ns);
		if (i >= 0)
			c[i] = ns;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_i64);
	qsort(c, (size_t)n, sizeof(*c), cmp_i64);
	printf("%.0f %.0f %.0f %.0f %.0f %.2f %ld %ld ", pct(t, n, 0.5), pct(t, n, 0.99), mean / n,
	    pct(c, n, 0.5), pct(c, n, 0.99), pct(t, n, 0.5) / pct(c, n, 0.5), rss, cmp_rss);
	for (i = 0, rc = 0; i < 256; i++)
		if (codes[i])
			printf("%s%d:%d", rc++ ? "," : "", i, codes[i]);
	putchar('\n');
	return 0;
}

static int
cmd_throughput(int argc, char **argv)
{
	const char *pre = NULL, *stop = NULL, *pin = NULL, *sin = NULL;
	int p = 1, opt, i, fds[2];
	double secs = 5;
	pid_t *kids;
	int64_t t0, elapsed;

	while ((opt = getopt(argc, argv, "p:t:a:b:i:j:")) != -1) {
		switch (opt) {
		case 'p': p = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'a': pre = optarg; break;
		case 'b': stop = optarg; break;
		case 'i': pin = optarg; break;
		case 'j': sin = optarg; break;
		default: return 2;
		}
	}
	if (!pre || !stop || !pin || !sin || p < 1 || pipe(fds) != 0)
		return 2;
	kids = calloc((size_t)p, sizeof(*kids));
	for (i = 0; i < p; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			char sid[32], a[4096], b[4096], env[32], ch;
			long my_cycles = 0, my_blocked = 0, my_errors = 0, backoff = 1000000;
			pid_t owner;
			int64_t end;
			int rc;

			close(fds[1]);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			owner = tool_spawn_standin();
			snprintf(env, sizeof(env), "%d", (int)owner);
			setenv("CLAUDE_PID", env, 1);
			snprintf(sid, sizeof(sid), "bench-%d", i);
			snprintf(a, sizeof(a), "%s.%d", pin, i);
			snprintf(b, sizeof(b), "%s.%d", sin, i);
			if (tool_write_input(pin, sid, a) != 0 || tool_write_input(sin, sid, b) != 0)
				_exit(2);
			srand((unsigned)getpid());
			while (read(fds[0], &ch, 1) < 0 && errno == EINTR)
				;
			end = tool_now_ns() + (int64_t)(secs * 1e9);
			while (tool_now_ns() < end) {
				rc = run(pre, a, NULL, NULL);
				if (rc == 2) {
					/* 1 ms doubling to 32 ms, +-50 %: a blocked
					 * attempt costs a process; don't starve the holder */
					struct timespec ts = { 0, backoff / 2 + rand() % (backoff + 1) };

					my_blocked++;
					nanosleep(&ts, NULL);
					if (backoff < 32000000)
						backoff *= 2;
					continue;
				}
				backoff = 1000000;
				if (rc != 0) {
					my_errors++;
					continue;
				}
				if (run(stop, b, NULL, NULL) != 0)
					my_errors++;
				my_cycles++;
			}
			kill(owner, SIGKILL);
			printf("%ld %ld %ld\n", my_cycles, my_blocked, my_errors);
			fflush(stdout);
			_exit(0);
		}
	}
	close(fds[0]);
	usleep(100000);
	t0 = tool_now_ns();
	close(fds[1]);
	fflush(stdout);
	for (i = 0; i < p; i++)
		waitpid(kids[i], NULL, 0);
	elapsed = tool_now_ns() - t0;
	fprintf(stderr, "lockbench: %d processes, %.1f s\n", p, elapsed / 1e9);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "time") == 0)
		return cmd_time(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "throughput") == 0)
		return cmd_throughput(argc - 1, argv + 1);
	fprintf(stderr, "usage: lockbench time ... -- BIN | lockbench throughput ...\n");
	return 2;
}
