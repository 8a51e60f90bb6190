/*
 * mx_race - the stale-takeover race, repeated: exactly one winner per round.
 *
 *   mx_race -k K -r ROUNDS -p PRE -i INPUT -R RECORD -d WORKDIR
 *           -m dead|expired|corrupt [-t TIMEOUT_S]
 *
 * Each round seeds RECORD with a lock that must be taken over:
 *   dead     owned by a process that was forked and reaped (its PID is
 *            certainly gone), with a fresh lease: only the death makes it stale
 *   expired  owned by a live process (a stand-in that stays alive) whose
 *            lease ended 4 s ago
 *   corrupt  a torn record (half of a valid one) whose mtime is an hour old
 * then releases K contenders together (a pipe barrier), each a separate
 * session ("race-<i>") with its own live Claude Code stand-in, each running
 * PRE (pretooluse-lock) once with INPUT ("@SID@" replaced). Exactly one must
 * exit 0 and the others 2; the record must then name the winner and say whom
 * it replaced. Prints one line of figures; exits 0 when every round had
 * exactly one winner and nothing else went wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "record.h"
#include "store.h"
#include "tool.h"

/* Writes the stale record for round r atomically (temp + rename). */
static int
seed(const char *record, const char *mode, int round, pid_t old_holder)
{
	char tmp[4096], sid[64];
	struct proc_stat st;
	struct record rec;
	struct timeval tv[2];
	char *text;
	size_t len;
	FILE *f;
	int64_t now = tool_ms_of(CLOCK_REALTIME), boot = tool_ms_of(CLOCK_BOOTTIME);

	if (strcmp(mode, "free") == 0)
		return unlink(record) == 0 || errno == ENOENT ? 0 : -1;
	memset(&rec, 0, sizeof(rec));
	rec.schema_version = RECORD_SCHEMA_VERSION;
	snprintf(sid, sizeof(sid), "stale-%d", round);
	snprintf(rec.session_id, sizeof(rec.session_id), "%s", sid);
	proc_boot_id(rec.boot_id);
	proc_hostname(rec.host);
	snprintf(rec.kind, sizeof(rec.kind), "claude");
	snprintf(rec.workspace, sizeof(rec.workspace), "/race");
	rec.ttl_ms = rec.lease_ms = 300000;
	rec.acquired_at = rec.renewed_at = now;
	rec.renewed_boot_ms = boot;
	if (strcmp(mode, "expired") == 0) {
		rec.pid = old_holder;
		rec.pid_start = proc_stat_read(&st, old_holder) == 0 ? st.start : 0;
		rec.ttl_ms = rec.lease_ms = 1000;
		rec.acquired_at = rec.renewed_at = now - 5000;
		/* On a machine up less than 5 s, the wall clock alone dates it. */
		rec.renewed_boot_ms = boot >= 5000 ? boot - 5000 : -1;
	} else {
		rec.pid = tool_dead_pid();
		rec.pid_start = 12345;
	}
	rec.lease_until = rec.renewed_at + rec.lease_ms;
	text = record_format(&rec);
	if (text == NULL)
		return -1;
	len = strlen(text);
	if (strcmp(mode, "corrupt") == 0)
		len /= 2;
	snprintf(tmp, sizeof(tmp), "%s.seed", record);
	f = fopen(tmp, "wb");
	if (f == NULL || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
		free(text);
		return -1;
	}
	free(text);
	if (strcmp(mode, "corrupt") == 0) {
		tv[0].tv_sec = tv[1].tv_sec = (time_t)(now / 1000 - 3600);
		tv[0].tv_usec = tv[1].tv_usec = 0;
		if (utimes(tmp, tv) != 0)
			return -1;
	}
	return rename(tmp, record);
}

static void
usage(void)
{
	fprintf(stderr, "usage: mx_race -k K -r ROUNDS -p PRE -i INPUT -R RECORD -d WORKDIR "
	    "-m free|dead|expired|corrupt [-t TIMEOUT_S]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *pre = NULL, *input = NULL, *record = NULL, *dir = NULL, *mode = "dead";
	int k = 8, rounds = 100, timeout_s = 600, opt, i, r, st;
	long one = 0, none = 0, many = 0, errors = 0, wrong = 0, winners_total = 0;
	char path[4096], err[4096], sid[64], env[32], c;
	pid_t *owners, *kids, old_holder = -1;
	int *rcs;
	int64_t t0;

	while ((opt = getopt(argc, argv, "k:r:p:i:R:d:m:t:")) != -1) {
		switch (opt) {
		case 'k': k = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'p': pre = optarg; break;
		case 'i': input = optarg; break;
		case 'R': record = optarg; break;
		case 'd': dir = optarg; break;
		case 'm': mode = optarg; break;
		case 't': timeout_s = atoi(optarg); break;
		default: usage();
		}
	}
	if (k < 2 || rounds < 1 || !pre || !input || !record || !dir ||
	    (strcmp(mode, "free") != 0 && strcmp(mode, "dead") != 0 && strcmp(mode, "expired") != 0 &&
	    strcmp(mode, "corrupt") != 0))
		usage();
	owners = calloc((size_t)k, sizeof(*owners));
	kids = calloc((size_t)k, sizeof(*kids));
	rcs = calloc((size_t)k, sizeof(*rcs));
	for (i = 0; i < k; i++) {
		owners[i] = tool_spawn_standin();
		snprintf(sid, sizeof(sid), "race-%d", i);
		snprintf(path, sizeof(path), "%s/in.%d.json", dir, i);
		if (owners[i] < 0 || tool_write_input(input, sid, path) != 0) {
			fprintf(stderr, "mx_race: cannot set up contender %d\n", i);
			return 2;
		}
	}
	if (strcmp(mode, "expired") == 0)
		old_holder = tool_spawn_standin();
	alarm((unsigned)timeout_s);
	t0 = tool_ms_of(CLOCK_MONOTONIC);

	for (r = 0; r < rounds; r++) {
		int fds[2], winner = -1, winners = 0;
		struct record rec;

		if (seed(record, mode, r, old_holder) != 0 || pipe(fds) != 0) {
			fprintf(stderr, "mx_race: cannot seed round %d\n", r);
			return 2;
		}
		for (i = 0; i < k; i++) {
			kids[i] = fork();
			if (kids[i] == 0) {
				int fd;

				close(fds[1]);
				snprintf(env, sizeof(env), "%d", (int)owners[i]);
				setenv("CLAUDE_PID", env, 1);
				snprintf(path, sizeof(path), "%s/in.%d.json", dir, i);
				snprintf(err, sizeof(err), "%s/err.%d", dir, i);
				fd = open(path, O_RDONLY);
				if (fd < 0 || dup2(fd, 0) < 0)
					_exit(126);
				fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
				if (fd < 0 || dup2(fd, 2) < 0)
					_exit(126);
				fd = open("/dev/null", O_WRONLY);
				if (fd < 0 || dup2(fd, 1) < 0)
					_exit(126);
				while (read(fds[0], &c, 1) < 0 && errno == EINTR)
					;
				close(fds[0]);
				execl(pre, pre, (char *)NULL);
				_exit(127);
			}
		}
		close(fds[0]);
		close(fds[1]);	/* go */
		for (i = 0; i < k; i++) {
			rcs[i] = -1;
			if (waitpid(kids[i], &st, 0) == kids[i])
				rcs[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		}
		for (i = 0; i < k; i++) {
			struct stat es;

			snprintf(err, sizeof(err), "%s/err.%d", dir, i);
			if (rcs[i] == 0 && stat(err, &es) == 0 && es.st_size == 0) {
				winners++;
				winner = i;
			} else if (rcs[i] != 2) {
				size_t len;
				char *e = tool_read_file(err, &len);

				errors++;
				fprintf(stderr, "mx_race: round %d contender %d exited %d: %s", r, i,
				    rcs[i], e != NULL ? e : "\n");
				free(e);
			}
		}
		winners_total += winners;
		if (winners == 1)
			one++;
		else if (winners == 0)
			none++;
		else
			many++;
		if (winners != 1) {
			fprintf(stderr, "mx_race: round %d had %d winners\n", r, winners);
			continue;
		}
		snprintf(sid, sizeof(sid), "race-%d", winner);
		if (strcmp(mode, "free") == 0) {
			if (store_read_path(record, &rec, NULL) != STORE_FOUND ||
			    strcmp(rec.session_id, sid) != 0 || rec.previous.session_id[0] != '\0') {
				wrong++;
				fprintf(stderr, "mx_race: round %d: the record does not name winner %s "
				    "as a first holder (found %s, previous %s)\n", r, sid,
				    rec.session_id, rec.previous.session_id);
			}
			continue;
		}
		if (store_read_path(record, &rec, NULL) != STORE_FOUND ||
		    strcmp(rec.session_id, sid) != 0 ||
		    (strcmp(mode, "corrupt") != 0 &&
		    strncmp(rec.previous.session_id, "stale-", 6) != 0) ||
		    strcmp(rec.previous.reason, strcmp(mode, "dead") == 0 ? "dead" :
		    strcmp(mode, "expired") == 0 ? "lease ended" : "corrupt record") != 0) {
			wrong++;
			fprintf(stderr, "mx_race: round %d: the record does not name winner %s "
			    "replacing the stale holder (found %s, previous %s, reason %s)\n", r, sid,
			    rec.session_id, rec.previous.session_id, rec.previous.reason);
		}
	}
	for (i = 0; i < k; i++)
		kill(owners[i], SIGKILL);
	if (old_holder > 0)
		kill(old_holder, SIGKILL);
	while (wait(NULL) > 0)
		;
	printf("race for a %s lock: rounds=%d contenders=%d one_winner=%ld no_winner=%ld "
	    "several_winners=%ld wrong_record=%ld errors=%ld winners=%ld elapsed=%.1fs\n",
	    mode, rounds, k, one, none, many, wrong, errors, winners_total,
	    (tool_ms_of(CLOCK_MONOTONIC) - t0) / 1000.0);
	fflush(stdout);
	free(owners);
	free(kids);
	free(rcs);
	return one == rounds && wrong == 0 && errors == 0 ? 0 : 1;
}
