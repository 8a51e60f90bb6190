/*
 * session-lock log [-n N] [--json] - the end of the audit log (audit.h),
 * reaching back into the rotated session-lock.log.1 when N asks for more
 * lines than the current file has.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "err.h"
#include "report.h"

#define LOG_DEFAULT_LINES 20
/* A log is rotated at AUDIT_MAX_BYTES; anything far larger is not ours. */
#define LOG_READ_MAX (16L * 1024 * 1024)

struct lines {
	char *text[2];		/* the two files, owned */
	char **line;		/* pointers into text, oldest first */
	size_t n;
};

/* Reads a whole log file (its last LOG_READ_MAX bytes); absent gives NULL. */
static int
slurp(char **out, const char *path)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t n;
	off_t skip = 0;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set("cannot open '%s':", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set("cannot read '%s': not a regular file", path);
	}
	if (st.st_size > LOG_READ_MAX)
		skip = st.st_size - LOG_READ_MAX;
	if (skip > 0 && lseek(fd, skip, SEEK_SET) < 0) {
		err_set("cannot read '%s':", path);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)(st.st_size - skip) + 1);
	if (buf == NULL) {
		close(fd);
		return err_set("cannot read '%s': out of memory", path);
	}
	while (len < (size_t)(st.st_size - skip) &&
	    (n = read(fd, buf + len, (size_t)(st.st_size - skip) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err_set("cannot read '%s':", path);
			free(buf);
			close(fd);
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* Splits text into lines (in place) appended to l. */
static int
split(struct lines *l, char *text)
{
	char *p, *nl, **grown;

	for (p = text; p != NULL && *p != '\0'; p = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (*p == '\0')
			continue;
		grown = realloc(l->line, (l->n + 1) * sizeof(*l->line));
		if (grown == NULL)
			return err_set("out of memory");
		l->line = grown;
		l->line[l->n++] = p;
	}
	return 0;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long
num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* "session 3f2a9c1e (pid 9)" or "'session-lock run' of 'make' (pid 9)" */
static void
holder_text(char *buf, size_t size, const cJSON *h)
{
	const char *kind = str(h, "kind"), *sid = str(h, "session_id");
	char s[16];

	if (kind != NULL && strcmp(kind, "run") == 0 && str(h, "command") != NULL)
		snprintf(buf, size, "'session-lock run' of '%s' (pid %lld)", str(h, "command"),
		    num(h, "pid"));
	else
		snprintf(buf, size, "session %s (pid %lld)",
		    report_short_id(s, sid != NULL ? sid : "?"), num(h, "pid"));
}

/* One log line, readably: time, event, session, pid, workspace, details. */
static void
show(const char *line)
{
	cJSON *o = cJSON_Parse(line);
	const cJSON *holder, *previous;
	const char *event, *sid, *ws, *tool, *reason;
	char when[32], s[16], who[512], more[2048] = "", t[32];
	struct tm tm;
	time_t secs;
	size_t len;

	if (o == NULL || !cJSON_IsObject(o)) {
		report_printf(stdout, "(unreadable line) %s\n", line);
		cJSON_Delete(o);
		return;
	}
	secs = (time_t)(num(o, "ts") / 1000);
	if (localtime_r(&secs, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", num(o, "ts"));
	event = str(o, "event");
	sid = str(o, "session_id");
	ws = str(o, "workspace");
	tool = str(o, "tool");
	reason = str(o, "reason");
	holder = cJSON_GetObjectItemCaseSensitive(o, "holder");
	previous = cJSON_GetObjectItemCaseSensitive(o, "previous");
	if (tool != NULL)
		snprintf(more, sizeof(more), "  tool %s", tool);
	len = strlen(more);
	if (event != NULL && strcmp(event, "block") == 0 && cJSON_IsObject(holder)) {
		holder_text(who, sizeof(who), holder);
		snprintf(more + len, sizeof(more) - len, "  blocked by %s", who);
	} else if (cJSON_IsObject(previous)) {
		holder_text(who, sizeof(who), previous);
		snprintf(more + len, sizeof(more) - len, "  %s %s",
		    event != NULL && strcmp(event, "takeover") == 0 ? "from" : "was", who);
	}
	len = strlen(more);
	if (reason != NULL)
		snprintf(more + len, sizeof(more) - len, ": %s", reason);
	len = strlen(more);
	if (num(o, "idle_ms") > 0)
		snprintf(more + len, sizeof(more) - len, ", idle %s",
		    report_duration(t, sizeof(t), num(o, "idle_ms")));
	report_printf(stdout, "%s  %-13s  %-8s  pid %-7lld  %s%s\n", when,
	    event != NULL ? event : "?", report_short_id(s, sid != NULL ? sid : "-"),
	    num(o, "pid"), ws != NULL ? ws : "-", more);
	cJSON_Delete(o);
}

static int
run(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX], old[PATH_MAX + 8], *end;
	struct lines l = { { NULL, NULL }, NULL, 0 };
	long n = LOG_DEFAULT_LINES;
	const char *arg;
	int json = 0, exists, i, rc = CLI_FAILED;
	size_t k, from;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		}
		if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--lines") == 0) {
			if (i + 1 >= argc)
				return cli_usage(&cmd_log, "%s needs a number", argv[i]);
			arg = argv[++i];
		} else if (strncmp(argv[i], "-n", 2) == 0) {
			arg = argv[i] + 2;
		} else if (strncmp(argv[i], "--lines=", 8) == 0) {
			arg = argv[i] + 8;
		} else {
			return cli_usage(&cmd_log, "unknown argument '%s'", argv[i]);
		}
		errno = 0;
		n = strtol(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || errno != 0 || n < 0)
			return cli_usage(&cmd_log, "'%s' is not a number of lines", arg);
	}
	if (report_dir(dir, &exists) != 0)
		return cli_fail("cannot show the audit log: %s", err_last());
	if (!exists)
		return CLI_OK;
	audit_path(path, sizeof(path), dir);
	snprintf(old, sizeof(old), "%s.1", path);
	/* the rotated file's lines come first; both are at most about 1 MiB */
	if (slurp(&l.text[0], old) != 0 || slurp(&l.text[1], path) != 0 ||
	    split(&l, l.text[0]) != 0 || split(&l, l.text[1]) != 0) {
		cli_fail("cannot show the audit log: %s", err_last());
		goto out;
	}
	from = (long)l.n > n ? l.n - (size_t)n : 0;
	for (k = from; k < l.n; k++) {
		if (!json)
			show(l.line[k]);
		else if (report_puts_json(l.line[k]) != 0) {
			cli_fail("cannot show the audit log: out of memory");
			goto out;
		}
	}
	rc = CLI_OK;
out:
	free(l.line);
	free(l.text[0]);
	free(l.text[1]);
	return rc;
}

const struct cli_cmd cmd_log = {
	.name = "log",
	.summary = "show the end of the audit log",
	.usage = "session-lock log [-n N] [--json]\n\n"
	    "Shows the last N (default 20) events of ~/.claude/runtime/session-lock.log,\n"
	    "including the rotated session-lock.log.1 when N reaches back that far: time,\n"
	    "event (acquire, takeover, release, force-release, clear, block), the session\n"
	    "that acted (short id), its pid, the workspace, and the details (tool, previous\n"
	    "holder or blocker, reason). --json prints the log's own JSON lines (DEL, C1\n"
	    "controls and bytes that are not UTF-8 written as \\u00XX).\n\n"
	    "exit status: 0 shown (also when there is no log yet); 3 failed.",
	.run = run,
};
