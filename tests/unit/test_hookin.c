/*
 * test_hookin.c - the hook's input (hookin.h): real Claude Code inputs from
 * fixtures/hooks/, the fields extracted, strict refusals, and the bounded
 * read (size and time) through a pipe.
 */
#include "unit.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "hookin.h"
#include "sys.h"

/* The clients whose real inputs are in fixtures/hooks/; the first is the pinned one. */
static const char *const clients[] = { "2.1.330", "2.1.332" };
#define NCLIENTS (sizeof(clients) / sizeof(clients[0]))

static struct hook_input in;

static void
teardown(void)
{
	hookin_free(&in);
	sys_reset();
}

/* fixtures/hooks/claude-code-VERSION (under SL_ROOT, else "."), into buf. */
static char *
fixture_dir(char *buf, size_t size, const char *version)
{
	const char *root = getenv("SL_ROOT");

	snprintf(buf, size, "%s/fixtures/hooks/claude-code-%s", root != NULL ? root : ".", version);
	return buf;
}

/* Reads the fixture name of a client version; *len gets its size. */
static char *
fixture_of(const char *version, const char *name, size_t *len)
{
	char dir[4096], path[4400], *buf;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fixture_dir(dir, sizeof(dir), version), name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf = malloc(1 << 20);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* The pinned client's fixture. */
static char *
fixture(const char *name, size_t *len)
{
	return fixture_of(clients[0], name, len);
}

/* Parses a fixture of a client version into in; fails the test when it is refused. */
static void
parse_fixture_of(const char *version, const char *name)
{
	size_t len;
	char *text = fixture_of(version, name, &len);

	ck_assert_msg(hookin_parse(&in, text, len) == 0, "%s %s: %s", version, name, err_last());
	free(text);	/* in's strings live in the tree, not in the text */
}

static void
parse_fixture(const char *name)
{
	parse_fixture_of(clients[0], name);
}

static int
parse(const char *text)
{
	return hookin_parse(&in, text, strlen(text));
}

/* --- real inputs --------------------------------------------------------- */

START_TEST(pretooluse_bash)
{
	parse_fixture("PreToolUse.Bash.json");
	ck_assert_str_eq(in.session_id, "cc57b173-9f31-4ed4-8578-34257355fc14");
	ck_assert_str_eq(in.event, "PreToolUse");
	ck_assert_str_eq(in.cwd, "/home/dev/project");
	ck_assert_str_eq(in.tool_name, "Bash");
	ck_assert_str_eq(in.command, "echo bash-was-here > /home/dev/project/bash.txt");
	ck_assert_ptr_null(in.file_path);
	ck_assert_ptr_null(in.agent_id);
	ck_assert_int_eq(in.timeout_ms, -1);
	ck_assert_int_eq(in.run_in_background, 0);
	ck_assert_int_eq(in.background_tasks, 0);
}
END_TEST

START_TEST(pretooluse_write_in_a_subagent)
{
	parse_fixture("PreToolUse.Write.subagent.json");
	ck_assert_str_eq(in.session_id, "8ebe025b-4f69-4143-9849-7803fb2129de");
	ck_assert_str_eq(in.tool_name, "Write");
	ck_assert_str_eq(in.file_path, "/home/dev/project/sub.txt");
	ck_assert_str_eq(in.agent_id, "a2fcf2b4091378e2f");
	ck_assert_ptr_null(in.command);
}
END_TEST

START_TEST(notebook_path_is_the_file_path)
{
	parse_fixture("PreToolUse.NotebookEdit.json");
	ck_assert_str_eq(in.tool_name, "NotebookEdit");
	ck_assert_str_eq(in.file_path, "/home/dev/project/nb.ipynb");
}
END_TEST

START_TEST(session_events)
{
	parse_fixture("SessionStart.resume.json");
	ck_assert_str_eq(in.event, "SessionStart");
	ck_assert_str_eq(in.source, "resume");
	ck_assert_ptr_null(in.tool_name);
	hookin_free(&in);
	parse_fixture("SessionEnd.prompt_input_exit.json");
	ck_assert_str_eq(in.event, "SessionEnd");
	ck_assert_str_eq(in.reason, "prompt_input_exit");
	hookin_free(&in);
	parse_fixture("Stop.json");
	ck_assert_str_eq(in.event, "Stop");
	ck_assert_int_eq(in.background_tasks, 0);
}
END_TEST

/* Every client version's every fixture (looped over clients[]). */
START_TEST(every_fixture_parses_as_its_event)
{
	const char *version = clients[_i];
	char dir[4096], event[64];
	struct dirent *e;
	DIR *d;
	int n = 0;

	d = opendir(fixture_dir(dir, sizeof(dir), version));
	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".json") == NULL)
			continue;
		parse_fixture_of(version, e->d_name);
		snprintf(event, sizeof(event), "%.*s", (int)strcspn(e->d_name, "."), e->d_name);
		ck_assert_msg(in.event != NULL && strcmp(in.event, event) == 0, "%s: event %s",
		    e->d_name, in.event != NULL ? in.event : "(none)");
		ck_assert_uint_eq(strlen(in.session_id), 36);
		ck_assert_str_eq(in.cwd, "/home/dev/project");
		if (strncmp(e->d_name, "PreToolUse.", 11) == 0 ||
		    strncmp(e->d_name, "PostToolUse.", 12) == 0 ||
		    strncmp(e->d_name, "PostToolUseFailure.", 19) == 0)
			ck_assert_msg(in.tool_name != NULL &&
			    strncmp(in.tool_name, e->d_name + strlen(event) + 1, strlen(in.tool_name)) == 0,
			    "%s: tool %s", e->d_name, in.tool_name != NULL ? in.tool_name : "(none)");
		hookin_free(&in);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 20);
}
END_TEST

/*
 * What the lock reads is the same in every client version: for each
 * fixture the pinned client has, the newer one's gives the same fields
 * (present or absent, and equal where they do not name a session).
 */
START_TEST(newer_clients_give_the_same_fields)
{
	const char *version = clients[_i];
	char dir[4096], odir[4096], other[4400];
	struct hook_input old;
	struct dirent *e;
	DIR *d;
	int n = 0;

#define SAME_PRESENCE(f) ck_assert_msg((old.f == NULL) == (in.f == NULL), "%s %s: " #f, version, e->d_name)
	d = opendir(fixture_dir(dir, sizeof(dir), clients[0]));
	ck_assert_msg(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		if (strstr(e->d_name, ".json") == NULL)
			continue;
		snprintf(other, sizeof(other), "%s/%s", fixture_dir(odir, sizeof(odir), version), e->d_name);
		ck_assert_msg(access(other, R_OK) == 0, "%s has no %s", version, e->d_name);
		parse_fixture_of(clients[0], e->d_name);
		old = in;
		memset(&in, 0, sizeof(in));
		parse_fixture_of(version, e->d_name);
		ck_assert_str_eq(in.event, old.event);
		SAME_PRESENCE(tool_name);
		if (old.tool_name != NULL)
			ck_assert_str_eq(in.tool_name, old.tool_name);
		SAME_PRESENCE(cwd);
		SAME_PRESENCE(agent_id);
		SAME_PRESENCE(command);
		SAME_PRESENCE(file_path);
		SAME_PRESENCE(source);
		SAME_PRESENCE(reason);
		ck_assert_int_eq(in.run_in_background, old.run_in_background);
		ck_assert_int_eq(in.background_tasks, old.background_tasks);
		hookin_free(&old);
		hookin_free(&in);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 20);
#undef SAME_PRESENCE
}
END_TEST

/*
 * 2.1.332's PreSkillShellCommand: the inline `!`cmd`` of a custom slash
 * command and of a skill reads as a Bash call, command and all.
 */
START_TEST(skill_shell_command_reads_as_bash)
{
	parse_fixture_of("2.1.332", "PreSkillShellCommand.command.json");
	ck_assert_str_eq(in.event, "PreSkillShellCommand");
	ck_assert_str_eq(in.tool_name, "Bash");
	ck_assert_str_eq(in.command, "echo from-command > cmd.txt && echo wrote-cmd");
	ck_assert_str_eq(in.cwd, "/home/dev/project");
	ck_assert_ptr_null(in.file_path);
	ck_assert_int_eq(in.timeout_ms, -1);
	ck_assert_int_eq(in.run_in_background, 0);
	hookin_free(&in);
	parse_fixture_of("2.1.332", "PreSkillShellCommand.skill.json");
	ck_assert_str_eq(in.event, "PreSkillShellCommand");
	ck_assert_str_eq(in.tool_name, "Bash");
	ck_assert_str_eq(in.command, "echo from-skill > skill.txt && echo wrote-skill");
}
END_TEST

/* --- fields ---------------------------------------------------------------- */

#define SID "{\"session_id\":\"s1\","

START_TEST(bash_timeout_and_background)
{
	ck_assert_int_eq(parse(SID "\"tool_input\":{\"command\":\"sleep 1\",\"timeout\":600000,"
	    "\"run_in_background\":true}}"), 0);
	ck_assert_str_eq(in.command, "sleep 1");
	ck_assert_int_eq(in.timeout_ms, 600000);
	ck_assert_int_eq(in.run_in_background, 1);
	hookin_free(&in);
	ck_assert_int_eq(parse(SID "\"tool_input\":{\"timeout\":1.5e3,\"run_in_background\":\"yes\"}}"), 0);
	ck_assert_int_eq(in.timeout_ms, 1500);
	ck_assert_int_eq(in.run_in_background, 0);
}
END_TEST

static const char *const bad_timeouts[] = { "0", "-5", "1e300", "\"600000\"", "null", "1e12" };

START_TEST(unusable_timeout_is_absent)
{
	char text[256];

	snprintf(text, sizeof(text), SID "\"tool_input\":{\"timeout\":%s}}", bad_timeouts[_i]);
	ck_assert_int_eq(parse(text), 0);
	ck_assert_int_eq(in.timeout_ms, -1);
}
END_TEST

START_TEST(wrong_types_read_as_absent)
{
	ck_assert_int_eq(parse(SID "\"hook_event_name\":5,\"cwd\":[],\"tool_name\":null,"
	    "\"background_tasks\":{\"a\":1},\"tool_input\":{\"command\":7,\"file_path\":false}}"), 0);
	ck_assert_ptr_null(in.event);
	ck_assert_ptr_null(in.cwd);
	ck_assert_ptr_null(in.tool_name);
	ck_assert_ptr_null(in.command);
	ck_assert_ptr_null(in.file_path);
	ck_assert_int_eq(in.background_tasks, 0);
	hookin_free(&in);
	ck_assert_int_eq(parse(SID "\"tool_input\":\"rm -rf /\",\"background_tasks\":[1,2,3]}"), 0);
	ck_assert_ptr_null(in.command);
	ck_assert_int_eq(in.background_tasks, 3);
}
END_TEST

START_TEST(large_input_is_parsed)
{
	/* A Write of 8 MiB travels in the input. */
	size_t size = 8 << 20, n;
	char *text = malloc(size + 256);

	ck_assert_ptr_nonnull(text);
	n = (size_t)sprintf(text, SID "\"tool_name\":\"Write\",\"tool_input\":{\"file_path\":\"/p/f\","
	    "\"content\":\"");
	memset(text + n, 'c', size);
	n += size;
	n += (size_t)sprintf(text + n, "\"}}\n");
	ck_assert_int_eq(hookin_parse(&in, text, n), 0);
	ck_assert_str_eq(in.file_path, "/p/f");
	free(text);
}
END_TEST

/* --- refusals -------------------------------------------------------------- */

struct bad {
	const char *text;
	const char *reason;
};

static const struct bad bad_inputs[] = {
	{ "", "stdin is empty" },
	{ "\n", "stdin is not valid JSON" },
	{ "hello", "stdin is not valid JSON (at byte 0)" },
	{ "{\"session_id\":\"s\"", "stdin is not valid JSON" },
	{ "[\"session_id\"]", "stdin is not a JSON object" },
	{ "\"s\"", "stdin is not a JSON object" },
	{ "null", "stdin is not a JSON object" },
	{ "{\"session_id\":\"s\"} x", "stdin has bytes after the JSON object" },
	{ "{\"session_id\":\"s\"}{\"session_id\":\"t\"}", "stdin has bytes after the JSON object" },
	{ "{}", "stdin has no 'session_id'" },
	{ "{\"hook_event_name\":\"PreToolUse\"}", "stdin has no 'session_id'" },
	{ "{\"session_id\":\"\"}", "stdin has no 'session_id'" },
	{ "{\"session_id\":42}", "stdin has no 'session_id'" },
	{ "{\"session_id\":null}", "stdin has no 'session_id'" },
	{ "{\"Session_Id\":\"s\"}", "stdin has no 'session_id'" },
};

START_TEST(bad_input_is_refused_with_its_reason)
{
	const struct bad *b = &bad_inputs[_i];

	err_clear();
	ck_assert_msg(parse(b->text) == -1, "accepted %s", b->text);
	ck_assert_ptr_null(in.root);	/* nothing to free */
	ck_assert_msg(strstr(err_last(), b->reason) != NULL, "for %s\nwanted \"%s\", got \"%s\"",
	    b->text, b->reason, err_last());
}
END_TEST

START_TEST(whitespace_around_the_object_is_fine)
{
	ck_assert_int_eq(parse(" \t\r\n{\"session_id\":\"s\"}\r\n\t "), 0);
	ck_assert_str_eq(in.session_id, "s");
}
END_TEST

START_TEST(length_bounds_the_input)
{
	static const char text[] = "{\"session_id\":\"s\"}garbage";

	ck_assert_int_eq(hookin_parse(&in, text, strlen("{\"session_id\":\"s\"}")), 0);
	ck_assert_str_eq(in.session_id, "s");
}
END_TEST

/* --- reading -------------------------------------------------------------- */

/*
 * Forks a writer of text, then of `extra` more bytes of 'x', then of tail,
 * into a pipe.
 */
static pid_t
writer_tail(int *rfd, const char *text, size_t extra, const char *tail)
{
	static char chunk[65536];
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		size_t n;

		close(fds[0]);
		if (write(fds[1], text, strlen(text)) < 0)
			_exit(1);
		memset(chunk, 'x', sizeof(chunk));
		while (extra > 0) {
			n = extra < sizeof(chunk) ? extra : sizeof(chunk);
			if (write(fds[1], chunk, n) != (ssize_t)n)
				_exit(1);
			extra -= n;
		}
		if (write(fds[1], tail, strlen(tail)) < 0)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

static pid_t
writer(int *rfd, const char *text, size_t extra)
{
	return writer_tail(rfd, text, extra, "");
}

START_TEST(read_a_fixture_through_a_pipe)
{
	size_t len;
	char *text = fixture("PreToolUse.Edit.json", &len);
	int rfd, status;
	pid_t pid = writer(&rfd, text, 0);

	free(text);
	ck_assert_msg(hookin_read(&in, rfd) == 0, "%s", err_last());
	ck_assert_str_eq(in.tool_name, "Edit");
	ck_assert_str_eq(in.file_path, "/home/dev/project/hello.txt");
	close(rfd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

START_TEST(read_of_nothing_is_empty)
{
	int rfd, status;
	pid_t pid = writer(&rfd, "", 0);

	ck_assert_int_eq(hookin_read(&in, rfd), -1);
	ck_assert_str_eq(err_last(), "stdin is empty");
	close(rfd);
	waitpid(pid, &status, 0);
}
END_TEST

START_TEST(read_takes_exactly_the_size_limit)
{
	const char *head = SID "\"tool_name\":\"Write\",\"c\":\"", *tail = "\"}";
	int rfd, status;
	pid_t pid = writer_tail(&rfd, head,
	    (size_t)HOOKIN_MAX_BYTES - strlen(head) - strlen(tail), tail);

	ck_assert_msg(hookin_read(&in, rfd) == 0, "%s", err_last());
	ck_assert_str_eq(in.session_id, "s1");
	close(rfd);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

START_TEST(read_stops_past_the_size_limit)
{
	int rfd, status;
	pid_t pid = writer(&rfd, SID "\"c\":\"", (size_t)HOOKIN_MAX_BYTES + 4096);

	ck_assert_int_eq(hookin_read(&in, rfd), -1);
	ck_assert_str_eq(err_last(), "stdin is larger than 64 MiB");
	close(rfd);	/* the writer dies of SIGPIPE */
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
}
END_TEST

/* A boot clock that jumps 10 s on every reading after the first. */
static int64_t fake_now;

static int64_t
jumping_clock(void)
{
	int64_t now = fake_now;

	fake_now += 10000;
	return now;
}

START_TEST(read_gives_up_on_a_silent_writer)
{
	int fds[2];

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(write(fds[1], "{\"session_id\":", 14), 14);	/* then nothing, never closed */
	fake_now = 1000000;
	sys.now_boot_ms = jumping_clock;
	ck_assert_int_eq(hookin_read(&in, fds[0]), -1);
	ck_assert_str_eq(err_last(), "no complete input on stdin within 5 s");
	ck_assert_ptr_null(in.root);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* The session key hookin_parse gives for the input text (the test fails on refusal). */
static const char *
key_of(const char *text, char out[RECORD_SESSION_LEN + 1])
{
	ck_assert_msg(hookin_parse(&in, text, strlen(text)) == 0, "%s: %s", text, err_last());
	snprintf(out, RECORD_SESSION_LEN + 1, "%s", in.session_id);
	hookin_free(&in);
	return out;
}

/* The key record_session_key gives for len bytes. */
static const char *
key_bytes(const char *id, size_t len, char out[RECORD_SESSION_LEN + 1])
{
	record_session_key(out, id, len);
	return out;
}

START_TEST(an_id_is_not_cut_at_a_nul_escape)
{
	static const char raw_nul[] = "{\"session_id\":\"ab\0cd\"}";
	char a[RECORD_SESSION_LEN + 1], b[RECORD_SESSION_LEN + 1], c[RECORD_SESSION_LEN + 1];

	key_of("{\"session_id\":\"abc\\u0000def\"}", a);
	key_of("{\"session_id\":\"abc\\u0000xyz\"}", b);
	key_of("{\"session_id\":\"abc\"}", c);
	ck_assert_str_ne(a, b);		/* they differ only after the NUL */
	ck_assert_str_ne(a, c);		/* and neither is the id cJSON would have cut */
	ck_assert_str_ne(b, c);
	ck_assert_str_eq(c, "abc");
	ck_assert_str_eq(a, key_bytes("abc\0def", 7, c));
	ck_assert_str_eq(b, key_bytes("abc\0xyz", 7, c));
	/* a raw NUL byte, which cJSON takes into the string and cuts at too */
	ck_assert_int_eq(hookin_parse(&in, raw_nul, sizeof(raw_nul) - 1), 0);
	ck_assert_str_eq(in.session_id, key_bytes("ab\0cd", 5, c));
	hookin_free(&in);
	/* a NUL first, and one at the end */
	ck_assert_str_eq(key_of("{\"session_id\":\"\\u0000x\"}", a), key_bytes("\0x", 2, c));
	ck_assert_str_eq(key_of("{\"session_id\":\"x\\u0000\"}", a), key_bytes("x\0", 2, c));
}
END_TEST

START_TEST(the_whole_id_is_found_as_cjson_finds_it)
{
	static const char spaced[] = "\0{\x01\"n\"\0:\x1f 1\0,\"session_id\"\x02:\"s\\u0000\"\0}";
	char a[RECORD_SESSION_LEN + 1], b[RECORD_SESSION_LEN + 1];

	/* not the first member, after nested values holding quotes, braces, NUL escapes */
	key_of("{\"tool_input\":{\"content\":\"}\\\"{[\\u0000\",\"n\":[1,{\"session_id\":\"no\"}]},"
	    "\"x\":-1.5e3,\"y\":true,\"z\":null,\"session_id\":\"s\\u0000t\"}", a);
	ck_assert_str_eq(a, key_bytes("s\0t", 3, b));
	/* escapes decode as cJSON decodes them: a surrogate pair, \n, \/, \u00e9 */
	key_of("{\"session_id\":\"\\ud83d\\ude00\\n\\/\\u00e9\\u0000\"}", a);
	ck_assert_str_eq(a, key_bytes("\xf0\x9f\x98\x80\n/\xc3\xa9\0", 9, b));
	/* the first of two session_id members, as cJSON's lookup takes it */
	key_of("{\"session_id\":\"one\\u0000\",\"session_id\":\"two\\u0000\"}", a);
	ck_assert_str_eq(a, key_bytes("one\0", 4, b));
	/* a key written with an escape is the same key */
	key_of("{\"session\\u005fid\":\"k\\u0000\"}", a);
	ck_assert_str_eq(a, key_bytes("k\0", 2, b));
	/* a \u escape whose digits are not hex reads as U+0000 in cJSON: also a NUL */
	key_of("{\"session_id\":\"x\\uZZZZy\"}", a);
	ck_assert_str_eq(a, key_bytes("x\0y", 3, b));
	key_of("{\"session_id\":\"x\\u\\u0000y\"}", a);
	ck_assert_str_eq(a, key_bytes("x\0" "00y", 5, b));
	/* a member name with a NUL in it is "session_id" to cJSON, which compares names as C strings */
	key_of("{\"session_id\\u0000x\":\"n\\u0000\",\"session_id\":\"later\"}", a);
	ck_assert_str_eq(a, key_bytes("n\0", 2, b));
	/* an escaped backslash before "u0000" is text, not a NUL: the id is plain */
	ck_assert_str_eq(key_of("{\"session_id\":\"a\\\\u0000\"}", a), "a\\u0000");
	/* NUL and control bytes between tokens, which cJSON skips as white space */
	ck_assert_int_eq(hookin_parse(&in, spaced, sizeof(spaced) - 1), 0);
	ck_assert_str_eq(in.session_id, key_bytes("s\0", 2, b));
	hookin_free(&in);
	/* a NUL escape elsewhere leaves a plain id as it is */
	ck_assert_str_eq(key_of("{\"cwd\":\"\\u0000\",\"session_id\":\"plain\"}", a), "plain");
}
END_TEST

START_TEST(a_long_id_is_kept_whole_as_its_digest)
{
	char text[1024], id[201], a[RECORD_SESSION_LEN + 1], b[RECORD_SESSION_LEN + 1];

	memset(id, 'x', 200);
	id[200] = '\0';
	snprintf(text, sizeof(text), "{\"session_id\":\"%s\"}", id);
	key_of(text, a);
	ck_assert_str_eq(a, "sha256:aa20c23e3201834050679e1d88941b9a6fed0557c9a705cb2c315e2e63fd486d");
	id[199] = 'y';	/* the last byte differs: another session */
	snprintf(text, sizeof(text), "{\"session_id\":\"%s\"}", id);
	ck_assert_str_ne(key_of(text, b), a);
	ck_assert_uint_eq(strlen(b), 71);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("hookin");
	TCase *tc = tcase_create("fixtures");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, pretooluse_bash);
	tcase_add_test(tc, pretooluse_write_in_a_subagent);
	tcase_add_test(tc, notebook_path_is_the_file_path);
	tcase_add_test(tc, session_events);
	tcase_add_loop_test(tc, every_fixture_parses_as_its_event, 0, (int)NCLIENTS);
	tcase_add_loop_test(tc, newer_clients_give_the_same_fields, 1, (int)NCLIENTS);
	tcase_add_test(tc, skill_shell_command_reads_as_bash);
	suite_add_tcase(s, tc);

	tc = tcase_create("fields");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, bash_timeout_and_background);
	tcase_add_loop_test(tc, unusable_timeout_is_absent, 0,
	    (int)(sizeof(bad_timeouts) / sizeof(bad_timeouts[0])));
	tcase_add_test(tc, wrong_types_read_as_absent);
	tcase_add_test(tc, large_input_is_parsed);
	suite_add_tcase(s, tc);

	tc = tcase_create("session ids");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, an_id_is_not_cut_at_a_nul_escape);
	tcase_add_test(tc, the_whole_id_is_found_as_cjson_finds_it);
	tcase_add_test(tc, a_long_id_is_kept_whole_as_its_digest);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, bad_input_is_refused_with_its_reason, 0,
	    (int)(sizeof(bad_inputs) / sizeof(bad_inputs[0])));
	tcase_add_test(tc, whitespace_around_the_object_is_fine);
	tcase_add_test(tc, length_bounds_the_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, read_a_fixture_through_a_pipe);
	tcase_add_test(tc, read_of_nothing_is_empty);
	tcase_add_test(tc, read_takes_exactly_the_size_limit);
	tcase_add_test(tc, read_stops_past_the_size_limit);
	tcase_add_test(tc, read_gives_up_on_a_silent_writer);
	suite_add_tcase(s, tc);
	return s;
}
