/*
 * crit_record - lock-record helper for the reliability tests.
 *
 *   crit_record make [OPTIONS]      print a record (record_format) on stdout
 *     --sid S          session id (default "crit-holder")
 *     --pid P          owner PID (default: our parent)
 *     --start N|auto   pid_start: N, or read from /proc/P/stat (default auto;
 *                      a missing process gives 1)
 *     --boot ID|other  boot id (default: this boot; "other": a made-up one)
 *     --host NAME      host name (default: this host)
 *     --age MS         renewed MS milliseconds ago, on both clocks (default 0);
 *                      when CLOCK_BOOTTIME is younger than MS (a fresh
 *                      machine) the record has no renewed_boot_ms, as an
 *                      older writer's, and its age counts on the wall clock
 *     --ttl MS         ttl_ms and lease_ms (default 300000)
 *     --ws PATH        workspace field (default "/nonexistent")
 *   crit_record check PATH          print the store's verdict on a record file:
 *                                   "absent", "found SID", "corrupt", "newer",
 *                                   "unsafe" or "error" (exit 0 for found or
 *                                   absent, 1 otherwise)
 *   crit_record holders PATH        like check, then one line per holder:
 *                                   "SID whole" or "SID p1 p2 ..." (its claims)
 *   crit_record trylock PATH        exit 0 when flock(LOCK_EX|LOCK_NB) on PATH
 *                                   succeeds (the mutex is free), 1 when busy,
 *                                   3 when PATH cannot be opened
 *   crit_record start PID           print field 22 of /proc/PID/stat (0 if none)
 *   crit_record boot                print CLOCK_BOOTTIME in ms
 *
 * Links against the test core, so "check" applies exactly the product's rules
 * for a torn, corrupt or unsafe file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "record.h"
#include "store.h"
#include "tool.h"

static int
cmd_make(int argc, char **argv)
{
	struct record r;
	struct proc_stat st;
	const char *start = "auto", *boot = NULL, *host = NULL, *sid = "crit-holder";
	const char *ws = "/nonexistent";
	int64_t age = 0, ttl = 300000, now = tool_ms_of(CLOCK_REALTIME), now_boot = tool_ms_of(CLOCK_BOOTTIME);
	pid_t pid = getppid();
	char *text;
	int i;

	for (i = 0; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--sid") == 0)
			sid = argv[i + 1];
		else if (strcmp(argv[i], "--pid") == 0)
			pid = (pid_t)atol(argv[i + 1]);
		else if (strcmp(argv[i], "--start") == 0)
			start = argv[i + 1];
		else if (strcmp(argv[i], "--boot") == 0)
			boot = argv[i + 1];
		else if (strcmp(argv[i], "--host") == 0)
			host = argv[i + 1];
		else if (strcmp(argv[i], "--age") == 0)
			age = atoll(argv[i + 1]);
		else if (strcmp(argv[i], "--ttl") == 0)
			ttl = atoll(argv[i + 1]);
		else if (strcmp(argv[i], "--ws") == 0)
			ws = argv[i + 1];
		else {
			fprintf(stderr, "crit_record make: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (i != argc) {
		fprintf(stderr, "crit_record make: option without value\n");
		return 2;
	}
	memset(&r, 0, sizeof(r));
	r.schema_version = RECORD_SCHEMA_VERSION;
	snprintf(r.session_id, sizeof(r.session_id), "%s", sid);
	r.pid = pid;
	if (strcmp(start, "auto") == 0)
		r.pid_start = proc_stat_read(&st, pid) == 0 ? st.start : 1;
	else
		r.pid_start = strtoull(start, NULL, 10);
	if (boot == NULL)
		proc_boot_id(r.boot_id);
	else if (strcmp(boot, "other") == 0)
		snprintf(r.boot_id, sizeof(r.boot_id), "00000000-1111-2222-3333-444444444444");
	else
		snprintf(r.boot_id, sizeof(r.boot_id), "%s", boot);
	if (host == NULL)
		proc_hostname(r.host);
	else
		snprintf(r.host, sizeof(r.host), "%s", host);
	snprintf(r.workspace, sizeof(r.workspace), "%s", ws);
	snprintf(r.kind, sizeof(r.kind), "claude");
	r.ttl_ms = ttl;
	r.lease_ms = ttl;
	r.acquired_at = now - age;
	r.renewed_at = now - age;
	/* Never a renewal before the boot: that record would be corrupt. */
	r.renewed_boot_ms = now_boot - age >= 0 ? now_boot - age : -1;
	r.lease_until = r.renewed_at + ttl;
	text = record_format(&r);
	if (text == NULL) {
		fprintf(stderr, "crit_record: %s\n", err_last());
		return 3;
	}
	fputs(text, stdout);
	free(text);
	return 0;
}

static int
cmd_check(const char *path)
{
	struct record r;
	struct stat st;

	switch (store_read_path(path, &r, &st)) {
	case STORE_ABSENT:
		puts("absent");
		return 0;
	case STORE_FOUND:
		printf("found %s\n", r.session_id);
		return 0;
	case STORE_CORRUPT:
		puts("corrupt");
		return 1;
	case STORE_NEWER:
		puts("newer");
		return 1;
	case STORE_UNSAFE:
		puts("unsafe");
		return 1;
	default:
		printf("error %s\n", err_last());
		return 1;
	}
}

static int
cmd_holders(const char *path)
{
	struct record_set set = RECORD_SET_INIT;
	size_t i, j;
	int status = store_read_path_set(path, &set, NULL);

	if (status != STORE_FOUND) {
		record_set_free(&set);
		return cmd_check(path);
	}
	puts("found");
	for (i = 0; i < set.n; i++) {
		fputs(set.h[i].session_id, stdout);
		if (set.h[i].whole)
			fputs(" whole", stdout);
		for (j = 0; j < set.h[i].nclaims; j++)
			printf(" %s", set.h[i].claims[j]);
		putchar('\n');
	}
	record_set_free(&set);
	return 0;
}

static int
cmd_trylock(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 3;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return errno == EWOULDBLOCK ? 1 : 3;
	}
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct proc_stat st;

	if (argc >= 2 && strcmp(argv[1], "make") == 0)
		return cmd_make(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2]);
	if (argc == 3 && strcmp(argv[1], "holders") == 0)
		return cmd_holders(argv[2]);
	if (argc == 3 && strcmp(argv[1], "trylock") == 0)
		return cmd_trylock(argv[2]);
	if (argc == 3 && strcmp(argv[1], "start") == 0) {
		printf("%llu\n", proc_stat_read(&st, (pid_t)atol(argv[2])) == 0 ?
		    (unsigned long long)st.start : 0ULL);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "boot") == 0) {
		printf("%lld\n", (long long)tool_ms_of(CLOCK_BOOTTIME));
		return 0;
	}
	fprintf(stderr, "usage: crit_record make [...] | check PATH | trylock PATH | start PID | boot\n");
	return 2;
}
