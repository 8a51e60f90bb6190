/*
 * crit_flip - byte-flip loop against a real hook binary (Redis's
 * corrupt-dump-fuzzer idea): take a valid payload, change 1 byte (2 bytes
 * one time in ten) to a random value, feed it, and check the program never
 * dies by a signal, never hangs, and always exits 0 or 2.
 *
 *   crit_flip -b BIN -p PAYLOAD -m record|stdin|prefix [-i INPUT] [-r RECORD]
 *             [-n MAX_RUNS] [-s SECONDS] [-S SEED] [-o] [-k STEP]
 *
 *   -m stdin   the flipped payload is the hook's stdin
 *   -m record  the flipped payload is written to RECORD (the lock record)
 *              and INPUT is the hook's stdin; afterwards RECORD must be the
 *              flipped bytes untouched, absent, or a whole valid record
 *   -m prefix  no flips: every STEP-th prefix of PAYLOAD (a valid record of
 *              a live holder of another session) is written to RECORD, with
 *              its mtime now, or an hour ago with -o, and BIN runs with INPUT.
 *              A prefix short of the whole JSON object must fail open (exit
 *              0, one stderr line, file untouched) when young, and be taken
 *              over (exit 0, silent, a valid record) when old; the whole
 *              object must block (exit 2, file untouched).
 *
 * Stops after MAX_RUNS runs or SECONDS seconds, whichever comes first.
 * Prints the figures; on a failure prints the payload (C-escaped) and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "record.h"
#include "store.h"
#include "tool.h"

#define HANG_SECONDS 10

static void
print_escaped(FILE *to, const char *buf, size_t len)
{
	size_t i;

	fputc('"', to);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '"' || c == '\\')
			fprintf(to, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			fputc(c, to);
		else
			fprintf(to, "\\x%02x", c);
	}
	fputs("\"\n", to);
}

/*
 * Runs bin with stdin from in_path (stderr into err_path, or /dev/null);
 * returns its wait status, -1 on error.
 */
static int
run(const char *bin, const char *in_path, const char *err_path)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (tool_child_stdio(in_path, err_path) != 0)
			_exit(126);
		alarm(HANG_SECONDS);	/* survives exec: a hung hook dies by SIGALRM */
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return st;
}

/* Checks every STEP-th prefix of payload (-m prefix). Returns failures. */
static long
prefixes(const char *bin, const char *payload, size_t len, const char *input,
    const char *record, int old, long step, long *runs)
{
	char err_path[4096], why[256];
	size_t objlen = len, l, elen, now_len;
	long failures = 0;
	struct timeval tv[2];
	struct record r;
	char *e, *now;
	int st, whole, bad;

	while (objlen > 0 && payload[objlen - 1] != '}')
		objlen--;
	snprintf(err_path, sizeof(err_path), "%s.err", record);
	for (l = 0; l < len && failures < 5; l++) {
		whole = l >= objlen;
		if (l % (size_t)step != 0 && !whole && l + 1 != objlen)
			continue;
		unlink(record);
		if (tool_write_file(record, payload, l) != 0)
			return failures + 1;
		if (old) {
			gettimeofday(&tv[0], NULL);
			tv[0].tv_sec -= 3600;
			tv[1] = tv[0];
			utimes(record, tv);
		}
		st = run(bin, input, err_path);
		(*runs)++;
		e = tool_read_file(err_path, &elen);
		now = tool_read_file(record, &now_len);
		bad = 0;
		if (st < 0 || WIFSIGNALED(st)) {
			snprintf(why, sizeof(why), "died or hung");
			bad = 1;
		} else if (whole) {
			if (WEXITSTATUS(st) != 2 || now == NULL || now_len != l ||
			    memcmp(now, payload, l) != 0) {
				snprintf(why, sizeof(why), "did not block on the whole record "
				    "(exit %d)", WEXITSTATUS(st));
				bad = 1;
			}
		} else if (!old) {
			if (WEXITSTATUS(st) != 0 || e == NULL || elen == 0 ||
			    memchr(e, '\n', elen) != e + elen - 1 || now == NULL ||
			    now_len != l || memcmp(now, payload, l) != 0) {
				snprintf(why, sizeof(why), "did not fail open leaving the file "
				    "(exit %d, stderr '%s')", WEXITSTATUS(st), e != NULL ? e : "");
				bad = 1;
			}
		} else if (WEXITSTATUS(st) != 0 || (e != NULL && elen != 0) ||
		    store_read_path(record, &r, NULL) != STORE_FOUND) {
			snprintf(why, sizeof(why), "did not take the old torn record over "
			    "(exit %d, stderr '%s')", WEXITSTATUS(st), e != NULL ? e : "");
			bad = 1;
		}
		if (bad) {
			failures++;
			fprintf(stderr, "crit_flip: prefix of %zu bytes (%s): %s:\n", l,
			    old ? "old" : "young", why);
			print_escaped(stderr, payload, l);
		}
		free(e);
		free(now);
	}
	unlink(err_path);
	return failures;
}

int
main(int argc, char **argv)
{
	const char *bin = NULL, *payload_path = NULL, *mode = NULL, *input = NULL, *record = NULL;
	long max_runs = 1000, runs = 0, exit0 = 0, exit2 = 0, failures = 0, replaced = 0;
	double seconds = 10;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	long step = 1;
	int old = 0;
	char in_path[4096];
	struct timespec t0, t;
	size_t len;
	char *payload, *buf;
	int opt;

	while ((opt = getopt(argc, argv, "b:p:m:i:r:n:s:S:ok:")) != -1) {
		switch (opt) {
		case 'b': bin = optarg; break;
		case 'p': payload_path = optarg; break;
		case 'm': mode = optarg; break;
		case 'i': input = optarg; break;
		case 'r': record = optarg; break;
		case 'n': max_runs = atol(optarg); break;
		case 's': seconds = atof(optarg); break;
		case 'S': seed = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'o': old = 1; break;
		case 'k': step = atol(optarg) > 0 ? atol(optarg) : 1; break;
		default: return 2;
		}
	}
	if (bin == NULL || payload_path == NULL || mode == NULL ||
	    (strcmp(mode, "stdin") != 0 && strcmp(mode, "record") != 0 &&
	    strcmp(mode, "prefix") != 0) ||
	    (strcmp(mode, "stdin") != 0 && (input == NULL || record == NULL))) {
		fprintf(stderr, "usage: crit_flip -b BIN -p PAYLOAD -m record|stdin|prefix [-i INPUT] "
		    "[-r RECORD] [-n MAX_RUNS] [-s SECONDS] [-S SEED] [-o] [-k STEP]\n");
		return 2;
	}
	payload = tool_read_file(payload_path, &len);
	if (payload == NULL || len == 0) {
		fprintf(stderr, "crit_flip: cannot read %s\n", payload_path);
		return 2;
	}
	if (strcmp(mode, "prefix") == 0) {
		failures = prefixes(bin, payload, len, input, record, old, step, &runs);
		printf("prefixes (%s, every %ld): runs=%ld failures=%ld\n", old ? "old" : "young",
		    step, runs, failures);
		free(payload);
		return failures == 0 && runs > 0 ? 0 : 1;
	}
	buf = malloc(len);
	if (buf == NULL) {
		free(payload);
		return 2;
	}
	snprintf(in_path, sizeof(in_path), "%s.flipped", payload_path);
	srand(seed);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int st, flips = rand() % 10 == 0 ? 2 : 1, i, bad = 0;
		char why[256] = "";

		clock_gettime(CLOCK_MONOTONIC, &t);
		if (runs >= max_runs ||
		    (double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
			break;
		memcpy(buf, payload, len);
		for (i = 0; i < flips; i++)
			buf[rand() % len] = (char)(rand() % 256);
		if (strcmp(mode, "stdin") == 0) {
			if (tool_write_file(in_path, buf, len) != 0) {
				fprintf(stderr, "crit_flip: cannot write %s\n", in_path);
				failures++;
				break;
			}
			st = run(bin, in_path, NULL);
		} else {
			unlink(record);
			if (tool_write_file(record, buf, len) != 0) {
				fprintf(stderr, "crit_flip: cannot write %s\n", record);
				failures++;
				break;
			}
			st = run(bin, input, NULL);
		}
		runs++;
		if (st < 0) {
			snprintf(why, sizeof(why), "could not run");
			bad = 1;
		} else if (WIFSIGNALED(st)) {
			snprintf(why, sizeof(why), WTERMSIG(st) == SIGALRM ?
			    "hung (more than %d s)" : "died by signal %d",
			    WTERMSIG(st) == SIGALRM ? HANG_SECONDS : WTERMSIG(st));
			bad = 1;
		} else if (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 2) {
			snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(st));
			bad = 1;
		} else {
			if (WEXITSTATUS(st) == 0)
				exit0++;
			else
				exit2++;
		}
		if (!bad && strcmp(mode, "record") == 0) {
			size_t now_len;
			char *now = tool_read_file(record, &now_len);
			struct record r;

			if (now != NULL && !(now_len == len && memcmp(now, buf, len) == 0)) {
				replaced++;
				if (store_read_path(record, &r, NULL) != STORE_FOUND) {
					snprintf(why, sizeof(why), "the record was changed into an invalid one");
					bad = 1;
				}
			}
			free(now);
		}
		if (bad) {
			failures++;
			fprintf(stderr, "crit_flip: %s %s on this %s (seed %u):\n", bin, why, mode, seed);
			print_escaped(stderr, buf, len);
			if (failures >= 5)
				break;
		}
	}
	printf("byte flips (%s): runs=%ld exit0=%ld exit2=%ld replaced=%ld failures=%ld seed=%u\n",
	    mode, runs, exit0, exit2, replaced, failures, seed);
	free(buf);
	free(payload);
	return failures == 0 && runs > 0 ? 0 : 1;
}
