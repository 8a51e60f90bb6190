/*
 * session-lock run [--wait SECONDS] [PATH] -- COMMAND [ARG...] - runs a
 * command while holding the workspace's lock, as a holder of its own.
 *
 * The holder is this process: kind "run", session id "run:<pid>:<start>",
 * PID getpid() with its start time, so the hooks see a live holder and
 * block Claude Code sessions with a message naming the command, and see a
 * dead one (and take over) if this process is killed with SIGKILL.
 *
 * The parent does not exec: it forks the command and supervises it with
 * every signal it handles blocked and taken by sigtimedwait(), so that
 * there is no signal handler and no race between "the child exited" and
 * "time to renew":
 *
 *   - every period (TTL/3) it renews the lease (lock_refresh);
 *   - SIGCHLD: the command ended; release, exit with its status;
 *   - SIGINT, SIGTERM, SIGHUP, SIGQUIT: forwarded to the command, unless
 *     the kernel sent it (a terminal's ^C or hangup reaches the whole
 *     foreground process group, the command included: sending it again
 *     would deliver it twice); then wait for the command to end, release,
 *     and exit 128+signal. A signal ignored when we started (nohup, a
 *     background job of a non-interactive shell) stays ignored, for the
 *     command too.
 *
 * The lease granted is the TTL plus LOCK_RENEW_MIN_INTERVAL_MS: the core
 * rewrites a lease only once it is more than a second old (lock.c
 * needs_write), so with the shortest TTL (1 s) a lease of exactly the TTL
 * would end before the renewal that extends it could land.
 *
 * The command must not outlive its lock. When this process dies without
 * releasing (SIGKILL, a crash), its lock is taken over at once (a dead
 * holder), so the command dies with it: it is started with
 * PR_SET_PDEATHSIG = SIGKILL (checking that we were not gone already).
 * Without a controlling terminal (cron, CI, Claude Code's Bash tool) it
 * also leads a process group of its own, and a watchdog child of ours,
 * which learns of our death by the EOF of a pipe only we hold, kills that
 * whole group, so the command's own children stop too. On a terminal the
 * command stays in the terminal's job (a group of its own would be stopped
 * by SIGTTIN at its first read of the terminal, a password prompt say), and
 * only the command itself gets the signal.
 *
 * If the lock is lost meanwhile (released by force, then taken), the
 * command is not stopped: a warning says so, and the exit status is still
 * the command's. Inside a Claude Code session that itself holds the lock
 * (its Bash call runs this), the command runs under that session's lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "inventory.h"
#include "lock.h"
#include "report.h"
#include "store.h"
#include "sys.h"

/* The command's exit statuses when it cannot be run (as sh and env use). */
#define RUN_NOT_FOUND	127
#define RUN_CANNOT_EXEC	126

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

struct run {
	char ws[PATH_MAX];
	char dir[PATH_MAX];
	char command[RECORD_COMMAND_LEN + 1];
	struct lock_ctx ctx;
	struct holder me;
	int64_t ttl_ms;		/* as configured */
	int64_t wait_ms;
	int held;		/* we hold the lock (and must release it) */
	int nested;		/* runs under the calling session's own lock */
	int lost;		/* the lock stopped being ours meanwhile */
	sigset_t catch, old;
	pid_t child;
	int own_group;		/* the command leads a process group of its own */
	pid_t watchdog;		/* kills that group if we die; -1 when none */
	int watchdog_fd;	/* the pipe's write end only we hold */
	int got;		/* the first terminating signal received */
};

/* Joins argv with spaces, shortened with "..." to fit the record. */
static void
join(char *out, size_t size, char **argv)
{
	size_t len = 0, n;
	int i;

	out[0] = '\0';
	for (i = 0; argv[i] != NULL; i++) {
		n = strlen(argv[i]) + (i > 0);
		if (len + n >= size) {
			if (size > 4)
				strcpy(out + size - 4, "...");
			return;
		}
		if (i > 0)
			out[len++] = ' ';
		memcpy(out + len, argv[i], n - (i > 0));
		len += n - (i > 0);
		out[len] = '\0';
	}
}

/*
 * Sleeps up to ms with our signals blocked, returning the signal that
 * arrived (info filled) or 0 when the time ran out.
 */
static int
pause_for(const struct run *r, int64_t ms, siginfo_t *info)
{
	struct timespec ts;
	int sig;

	if (ms < 0)
		ms = 0;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	for (;;) {
		sig = sigtimedwait(&r->catch, info, &ts);
		if (sig > 0)
			return sig;
		if (errno == EAGAIN)
			return 0;
		if (errno != EINTR)
			return 0;
	}
}

static int
is_forwarded(int sig)
{
	size_t i;

	for (i = 0; i < NFORWARDED; i++)
		if (forwarded[i] == sig)
			return 1;
	return 0;
}

/* Blocks SIGCHLD and the forwarded signals that are not ignored. */
static void
block_signals(struct run *r)
{
	struct sigaction sa;
	size_t i;

	sigemptyset(&r->catch);
	sigaddset(&r->catch, SIGCHLD);
	for (i = 0; i < NFORWARDED; i++)
		if (sigaction(forwarded[i], NULL, &sa) == 0 && sa.sa_handler != SIG_IGN)
			sigaddset(&r->catch, forwarded[i]);
	sigprocmask(SIG_BLOCK, &r->catch, &r->old);
}

static void
describe_blocker(char *buf, size_t size, const struct run *r, const struct lock_outcome *o)
{
	struct inventory_look l;

	if (o->have_holder && o->decision.verdict == VERDICT_HELD) {
		memset(&l, 0, sizeof(l));
		report_as_found(&l, &o->holder, &o->decision, &r->me);
		report_holder(buf, size, &l);
	} else if (o->action == LOCK_BUSY) {
		snprintf(buf, size, "another process that is changing it right now");
	} else if (o->queued_ahead > 0) {
		snprintf(buf, size, "%d waiting session%s that came first", o->queued_ahead,
		    o->queued_ahead == 1 ? "" : "s");
	} else {
		snprintf(buf, size, "another holder");
	}
}

/* Is the blocker the Claude Code session this command was started from? */
static int
held_by_caller(const struct lock_outcome *o)
{
	const char *sid = getenv("CLAUDE_CODE_SESSION_ID");
	char key[RECORD_SESSION_LEN + 1];

	if (!o->have_holder || o->decision.verdict != VERDICT_HELD || sid == NULL || *sid == '\0')
		return 0;
	record_session_key(key, sid, strlen(sid));
	return strcmp(o->holder.session_id, key) == 0;
}

/*
 * Takes the lock, waiting up to r->wait_ms. Returns CLI_OK when held (or
 * nested), CLI_TIMEOUT, 128+signal, or CLI_FAILED (message printed).
 */
static int
acquire(struct run *r)
{
	int64_t start = sys.now_boot_ms(), left, pause = 50;
	unsigned seed = (unsigned)getpid();
	struct inventory_look l;
	struct lock_outcome o;
	char who[1024], t[32];
	siginfo_t info;
	int sig, ready;

	r->ctx.waiting = r->wait_ms > 0;
	for (;;) {
		if (lock_acquire(&r->ctx, r->ctx.ttl_ms, &o) != 0) {
			cli_fail("cannot lock '%s': %s", r->ws, err_last());
			goto fail;
		}
		if (o.action != LOCK_BLOCKED && o.action != LOCK_BUSY) {
			r->held = 1;
			if (o.note[0] != '\0')
				fprintf(stderr, "session-lock: warning: %s\n", o.note);
			return CLI_OK;
		}
		if (held_by_caller(&o)) {
			r->nested = 1;
			if (r->ctx.waiting)
				lock_queue_leave(&r->ctx);
			return CLI_OK;
		}
		/* Poll read-only until it looks takeable: one "block" log line per wait. */
		for (;;) {
			left = r->wait_ms - (sys.now_boot_ms() - start);
			if (left <= 0) {
				describe_blocker(who, sizeof(who), r, &o);
				if (r->wait_ms > 0)
					fprintf(stderr, "session-lock: cannot lock '%s': still held by %s "
					    "after %s\n", r->ws, who,
					    report_duration(t, sizeof(t), r->wait_ms));
				else
					fprintf(stderr, "session-lock: cannot lock '%s': held by %s "
					    "(--wait SECONDS waits for it)\n", r->ws, who);
				if (r->ctx.waiting)
					lock_queue_leave(&r->ctx);
				return CLI_TIMEOUT;
			}
			pause = pause * (75 + (int64_t)(rand_r(&seed) % 51)) / 100;
			if (pause < 20)
				pause = 20;
			sig = pause_for(r, pause < left ? pause : left, &info);
			pause = pause * 2 > 1000 ? 1000 : pause * 2;
			if (sig > 0 && is_forwarded(sig)) {
				if (r->ctx.waiting)
					lock_queue_leave(&r->ctx);
				return 128 + sig;
			}
			ready = inventory_look(&l, r->dir, r->ctx.store.hash, &r->me, r->ttl_ms) != 0 ||
			    inventory_takeable(&l);
			inventory_look_free(&l);
			if (ready || r->wait_ms - (sys.now_boot_ms() - start) <= 0)
				break;
		}
	}
fail:
	if (r->ctx.waiting)
		lock_queue_leave(&r->ctx);
	return CLI_FAILED;
}

static void
renew(struct run *r)
{
	struct lock_outcome o;

	if (!r->held || r->lost)
		return;
	if (lock_refresh(&r->ctx, &o) != 0) {
		fprintf(stderr, "session-lock: warning: cannot renew the lock on '%s': %s\n",
		    r->ws, err_last());
		return;
	}
	if (o.action == LOCK_RENEWED)
		return;
	r->lost = 1;
	fprintf(stderr, "session-lock: warning: the lock on '%s' is no longer held by this "
	    "command (%s); '%s' goes on without it\n", r->ws,
	    o.action == LOCK_ABSENT ? "it was released" : "another holder took it", r->command);
}

static void
release(struct run *r)
{
	struct lock_outcome o;

	if (!r->held || r->lost)
		return;
	if (lock_release(&r->ctx, &o) != 0)
		fprintf(stderr, "session-lock: warning: cannot release the lock on '%s': %s "
		    "(it is stale now that this process ends)\n", r->ws, err_last());
	r->held = 0;
}

/* Do we have a controlling terminal? Only "none" (ENXIO) counts as none. */
static int
has_terminal(void)
{
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno != ENXIO;
	close(fd);
	return 1;
}

/*
 * Starts the watchdog (see the top of this file): it waits for a byte
 * (we ended properly) or EOF (we died) on a pipe, and on EOF kills the
 * command's process group. Best effort: without it the command still has
 * its PR_SET_PDEATHSIG.
 */
static void
watch(struct run *r)
{
	int fds[2];
	ssize_t n;
	char c;

	r->watchdog = -1;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	r->watchdog = fork();
	if (r->watchdog == 0) {
		close(fds[1]);
		close(STDIN_FILENO);
		close(STDOUT_FILENO);
		close(STDERR_FILENO);
		do
			n = read(fds[0], &c, 1);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			kill(-r->child, SIGKILL);
		_exit(0);
	}
	close(fds[0]);
	if (r->watchdog < 0)
		close(fds[1]);
	else
		r->watchdog_fd = fds[1];
}

/* We end properly: the watchdog goes without touching the command. */
static void
unwatch(struct run *r)
{
	if (r->watchdog <= 0)
		return;
	if (write(r->watchdog_fd, "", 1) != 1)
		kill(r->watchdog, SIGKILL);
	close(r->watchdog_fd);
	while (waitpid(r->watchdog, NULL, 0) < 0 && errno == EINTR)
		;
	r->watchdog = -1;
}

/*
 * Starts the command. Returns 0, or the exit status when it could not be
 * started (the message printed).
 */
static int
start(struct run *r, char **argv)
{
	pid_t parent = getpid();
	int fds[2], err = 0;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return cli_fail("cannot run '%s': %s", argv[0], strerror(errno));
	r->own_group = !has_terminal();
	fflush(NULL);
	r->child = fork();
	if (r->child < 0) {
		err = errno;
		close(fds[0]);
		close(fds[1]);
		return cli_fail("cannot run '%s': %s", argv[0], strerror(err));
	}
	if (r->child == 0) {
		close(fds[0]);
		/* We may have died between fork() and prctl(): then stop here. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(RUN_CANNOT_EXEC);
		if (r->own_group)
			setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &r->old, NULL);
		execvp(argv[0], argv);
		err = errno;
		if (write(fds[1], &err, sizeof(err)) < 0)
			_exit(RUN_NOT_FOUND);
		_exit(RUN_NOT_FOUND);
	}
	close(fds[1]);
	if (r->own_group)
		setpgid(r->child, r->child);	/* as the child does: whoever runs first */
	/* EOF: the exec closed the pipe. An int: the exec failed with it. */
	do
		n = read(fds[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n != (ssize_t)sizeof(err)) {
		if (r->own_group)
			watch(r);
		return 0;
	}
	while (waitpid(r->child, NULL, 0) < 0 && errno == EINTR)
		;
	release(r);
	fprintf(stderr, "session-lock: cannot run '%s': %s\n", argv[0], strerror(err));
	return err == ENOENT || err == ENOTDIR ? RUN_NOT_FOUND : RUN_CANNOT_EXEC;
}

/* Renews until the command ends; returns the exit status to end with. */
static int
supervise(struct run *r)
{
	int64_t period = r->ttl_ms / 3, next = sys.now_boot_ms() + period;
	siginfo_t info;
	int sig, status = 0;
	pid_t p;

	for (;;) {
		sig = pause_for(r, next - sys.now_boot_ms(), &info);
		if (sig == 0) {
			renew(r);
			next = sys.now_boot_ms() + period;
			continue;
		}
		if (sig == SIGCHLD) {
			p = waitpid(r->child, &status, WNOHANG);
			if (p == r->child)
				break;
			continue;
		}
		if (r->got == 0)
			r->got = sig;
		if (info.si_code != SI_KERNEL)
			kill(r->child, sig);
	}
	unwatch(r);
	release(r);
	if (r->got != 0)
		return 128 + r->got;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return CLI_FAILED;
}

static int
run(int argc, char **argv)
{
	static struct run r;	/* large: keep it off the stack */
	const char *path = NULL, *arg, *home = getenv("HOME");
	char sid[64];
	struct proc_stat self;
	struct config cfg;
	int i, rc;

	memset(&r, 0, sizeof(r));
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		arg = NULL;
		if (strcmp(argv[i], "--wait") == 0 || strcmp(argv[i], "-w") == 0) {
			if (i + 1 >= argc)
				return cli_usage(&cmd_run, "%s needs a number of seconds", argv[i]);
			arg = argv[++i];
		} else if (strncmp(argv[i], "--wait=", 7) == 0) {
			arg = argv[i] + 7;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage(&cmd_run, "unknown option '%s'", argv[i]);
		} else if (path == NULL) {
			path = argv[i];
		} else {
			return cli_usage(&cmd_run, "put '--' before the command ('%s')", argv[i]);
		}
		if (arg != NULL && report_seconds(arg, &r.wait_ms) != 0)
			return cli_usage(&cmd_run, "'%s' is not a number of seconds", arg);
	}
	if (i >= argc)
		return cli_usage(&cmd_run, "missing '--' before the command");
	if (i + 1 >= argc)
		return cli_usage(&cmd_run, "missing the command after '--'");
	argv += i + 1;

	if (report_workspace(r.ws, path) != 0)
		return cli_fail("cannot lock '%s': %s", path != NULL ? path : ".", err_last());
	if (report_config(&cfg, r.ws) != 0)
		return cli_fail("cannot lock '%s': %s", r.ws, err_last());
	r.ttl_ms = cfg.ttl_ms;
	config_free(&cfg);
	if (store_dir_open(r.dir, home) != 0)
		return cli_fail("cannot lock '%s': %s", r.ws, err_last());
	if (proc_stat_read(&self, getpid()) != 0)
		self.start = 0;
	snprintf(sid, sizeof(sid), "run:%ld:%llu", (long)getpid(), (unsigned long long)self.start);
	join(r.command, sizeof(r.command), argv);
	if (inventory_self(&r.me, sid, 0) != 0 ||
	    lock_ctx_init_as(&r.ctx, r.dir, r.ws, &r.me, r.ttl_ms + LOCK_RENEW_MIN_INTERVAL_MS) != 0)
		return cli_fail("cannot lock '%s': %s", r.ws, err_last());
	r.ctx.kind = "run";
	r.ctx.command = r.command;

	block_signals(&r);
	rc = acquire(&r);
	if (rc == CLI_OK)
		rc = start(&r, argv);
	if (rc == 0)
		rc = supervise(&r);
	lock_ctx_free(&r.ctx);
	return rc;
}

const struct cli_cmd cmd_run = {
	.name = "run",
	.summary = "run a command while holding the workspace's lock",
	.usage = "session-lock run [--wait SECONDS] [PATH] -- COMMAND [ARG...]\n\n"
	    "Takes the lock of the workspace PATH (default: $CLAUDE_PROJECT_DIR, else the\n"
	    "current directory) as a holder of its own, runs COMMAND, renews the lease\n"
	    "while it runs (every TTL/3) and releases the lock when it ends, however it\n"
	    "ends. Claude Code sessions are blocked meanwhile with a message naming the\n"
	    "command. --wait waits up to SECONDS (a decimal; default 0: try once) for a\n"
	    "live holder to let go, in turn with waiting sessions. SIGINT, SIGTERM, SIGHUP\n"
	    "and SIGQUIT are passed on to COMMAND; the lock is released once it ends.\n"
	    "Run from a Claude Code session that holds the lock itself, COMMAND runs\n"
	    "under that session's lock.\n\n"
	    "exit status: COMMAND's (128+N when it was killed by signal N); 128+N when\n"
	    "session-lock run got signal N; 75 the lock could not be had within --wait;\n"
	    "127 COMMAND not found, 126 not executable; 2 usage error; 3 failed before\n"
	    "COMMAND started.",
	.run = run,
};
