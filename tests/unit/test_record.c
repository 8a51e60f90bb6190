/*
 * test_record.c - the lock record (record.h): every field parsed, legacy
 * records of the five established fields, format -> parse round trips, and
 * strict rejection (with a reason) of everything that is not a record.
 */
#include "unit.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

#define BOOT "0b3c2f1e-9a8d-4c7b-8e6f-5a4b3c2d1e0f"
#define ACQ 1700000000000LL

/* A complete record, as the hooks write it, with a takeover's "previous". */
static const char full[] =
    "{\"schema_version\":1,\"session_id\":\"sess-1\",\"pid\":4242,"
    "\"acquired_at\":1700000000000,\"ttl_ms\":300000,"
    "\"workspace\":\"/home/dev/project\",\"pid_start\":987654,"
    "\"boot_id\":\"" BOOT "\",\"host\":\"box\","
    "\"renewed_at\":1700000010000,\"renewed_boot_ms\":5000000,"
    "\"lease_ms\":600000,\"lease_until\":1700000610000,\"kind\":\"run\","
    "\"command\":\"make test\",\"previous\":{\"session_id\":\"old-sess\","
    "\"pid\":77,\"host\":\"other\",\"reason\":\"lease ended\","
    "\"idle_ms\":-5,\"at\":1700000000000}}\n";

/* The five established fields, around which rejection cases are built. */
#define HEAD "{\"schema_version\":1,\"session_id\":\"s\","
#define FIVE HEAD "\"pid\":42,\"acquired_at\":1700000000000,\"ttl_ms\":300000"

static struct record rec;
static int newer;

static int
parse(const char *text)
{
	return record_parse(&rec, text, strlen(text), &newer);
}

/* Parses text, failing the test with the reason when it is refused. */
static void
parse_ok(const char *text, size_t len)
{
	ck_assert_msg(record_parse(&rec, text, len, &newer) == 0,
	    "refused: %s\n%.*s", err_last(), (int)(len > 300 ? 300 : len), text);
	ck_assert_int_eq(newer, 0);
}

/* Reads a fixture under fixtures/records/ (SL_ROOT, else "."). */
static char *
fixture(const char *name)
{
	const char *root = getenv("SL_ROOT");
	char path[4096], *buf;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/fixtures/records/%s", root != NULL ? root : ".", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	buf = malloc(65536);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Replaces every @NAME@ of the record fixtures' templates in place. */
static void
fill(char *text, size_t size)
{
	static const char *const subst[][2] = {
		{ "@SID@", "legacy-sess" }, { "@PID@", "31337" },
		{ "@ACQ@", "1700000000000" }, { "@TTL@", "120000" },
	};
	char *at, tail[65536];
	size_t i;

	for (i = 0; i < sizeof(subst) / sizeof(subst[0]); i++)
		while ((at = strstr(text, subst[i][0])) != NULL) {
			snprintf(tail, sizeof(tail), "%s", at + strlen(subst[i][0]));
			snprintf(at, size - (size_t)(at - text), "%s%s", subst[i][1], tail);
		}
	ck_assert_msg(strchr(text, '@') == NULL, "unfilled placeholder in %s", text);
}

/* --- valid records ---------------------------------------------------------- */

START_TEST(full_record_reads_every_field)
{
	parse_ok(full, strlen(full));
	ck_assert_int_eq(rec.schema_version, 1);
	ck_assert_str_eq(rec.session_id, "sess-1");
	ck_assert_int_eq(rec.pid, 4242);
	ck_assert_int_eq(rec.acquired_at, ACQ);
	ck_assert_int_eq(rec.ttl_ms, 300000);
	ck_assert_str_eq(rec.workspace, "/home/dev/project");
	ck_assert_uint_eq(rec.pid_start, 987654);
	ck_assert_str_eq(rec.boot_id, BOOT);
	ck_assert_str_eq(rec.host, "box");
	ck_assert_int_eq(rec.renewed_at, ACQ + 10000);
	ck_assert_int_eq(rec.renewed_boot_ms, 5000000);
	ck_assert_int_eq(rec.lease_ms, 600000);
	ck_assert_int_eq(rec.lease_until, ACQ + 610000);
	ck_assert_str_eq(rec.kind, "run");
	ck_assert_str_eq(rec.command, "make test");
	ck_assert_str_eq(rec.previous.session_id, "old-sess");
	ck_assert_int_eq(rec.previous.pid, 77);
	ck_assert_str_eq(rec.previous.host, "other");
	ck_assert_str_eq(rec.previous.reason, "lease ended");
	ck_assert_int_eq(rec.previous.idle_ms, -5);
	ck_assert_int_eq(rec.previous.at, ACQ);
}
END_TEST

START_TEST(legacy_fixture_fills_the_newer_fields_from_the_five)
{
	char *text = fixture("legacy.json.in");

	fill(text, 65536);
	parse_ok(text, strlen(text));
	ck_assert_str_eq(rec.session_id, "legacy-sess");
	ck_assert_int_eq(rec.pid, 31337);
	ck_assert_int_eq(rec.acquired_at, ACQ);
	ck_assert_int_eq(rec.ttl_ms, 120000);
	/* Unknown: */
	ck_assert_str_eq(rec.workspace, "");
	ck_assert_uint_eq(rec.pid_start, 0);
	ck_assert_str_eq(rec.boot_id, "");
	ck_assert_str_eq(rec.host, "");
	ck_assert_int_eq(rec.renewed_boot_ms, -1);
	ck_assert_str_eq(rec.command, "");
	ck_assert_str_eq(rec.previous.session_id, "");
	/* Derived from what the old writer did write: */
	ck_assert_int_eq(rec.renewed_at, ACQ);
	ck_assert_int_eq(rec.lease_ms, 120000);
	ck_assert_int_eq(rec.lease_until, ACQ + 120000);
	ck_assert_str_eq(rec.kind, "claude");
	free(text);
}
END_TEST

START_TEST(renewed_boot_ms_without_boot_id_is_unknown)
{
	/* A boot clock reading means nothing without the boot it belongs to. */
	parse_ok(FIVE ",\"renewed_boot_ms\":5000}", strlen(FIVE ",\"renewed_boot_ms\":5000}"));
	ck_assert_int_eq(rec.renewed_boot_ms, -1);
	parse_ok(FIVE ",\"boot_id\":\"" BOOT "\",\"renewed_boot_ms\":5000}",
	    strlen(FIVE ",\"boot_id\":\"" BOOT "\",\"renewed_boot_ms\":5000}"));
	ck_assert_int_eq(rec.renewed_boot_ms, 5000);
}
END_TEST

START_TEST(tolerated_oddities)
{
	static const char bom[] = "\xef\xbb\xbf" FIVE "}";
	static const char crlf[] = FIVE "}\r\n";
	static const char unknown[] = FIVE ",\"owner\":{\"a\":[1,2,{\"b\":null}]}}";
	static const char nulls[] = FIVE ",\"workspace\":null,\"previous\":null}";
	static const char pidmax[] = HEAD "\"pid\":2147483647,\"acquired_at\":0,\"ttl_ms\":1}";
	static const char exp[] = HEAD "\"pid\":4.2e1,\"acquired_at\":1.7e12,\"ttl_ms\":3e5}";

	parse_ok(bom, strlen(bom));
	parse_ok(crlf, strlen(crlf));
	parse_ok(unknown, strlen(unknown));
	parse_ok(nulls, strlen(nulls));
	ck_assert_str_eq(rec.workspace, "");
	parse_ok(pidmax, strlen(pidmax));
	ck_assert_int_eq(rec.pid, 2147483647);
	ck_assert_int_eq(rec.acquired_at, 0);
	parse_ok(exp, strlen(exp));
	ck_assert_int_eq(rec.pid, 42);
	ck_assert_int_eq(rec.acquired_at, 1700000000000LL);
}
END_TEST

START_TEST(strings_are_kept_as_bytes)
{
	/* Invalid UTF-8 inside a string is not a syntax error: the bytes are kept. */
	static const char bad[] = "{\"schema_version\":1,\"session_id\":\"s-\xff\xfe\","
	    "\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1,\"kind\":\"caf\xe9\"}";
	static const char esc[] = "{\"schema_version\":1,\"session_id\":\"a\\\"b\\\\c\\u00e9\","
	    "\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1}";

	parse_ok(bad, strlen(bad));
	ck_assert_str_eq(rec.session_id, "s-\xff\xfe");
	ck_assert_str_eq(rec.kind, "caf\xe9");
	parse_ok(esc, strlen(esc));
	ck_assert_str_eq(rec.session_id, "a\"b\\c\xc3\xa9");
}
END_TEST

START_TEST(length_bounds_the_input_not_a_nul)
{
	/* The bytes after len are not looked at, and no NUL is needed. */
	static const char text[] = FIVE "}garbage after the record";
	size_t len = strlen(FIVE "}");
	char *exact = malloc(len);

	ck_assert_ptr_nonnull(exact);
	memcpy(exact, text, len);
	parse_ok(exact, len);
	ck_assert_int_eq(rec.pid, 42);
	free(exact);
	ck_assert_int_eq(parse(text), -1);
}
END_TEST

START_TEST(longest_accepted_strings)
{
	char text[600], sid[RECORD_SESSION_LEN + 1], cmd[RECORD_COMMAND_LEN + 1];

	memset(sid, 'x', sizeof(sid) - 1);
	sid[sizeof(sid) - 1] = '\0';
	memset(cmd, 'c', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"schema_version\":1,\"session_id\":\"%s\",\"pid\":1,"
	    "\"acquired_at\":1,\"ttl_ms\":1,\"command\":\"%s\"}", sid, cmd);
	parse_ok(text, strlen(text));
	ck_assert_str_eq(rec.session_id, sid);
	ck_assert_str_eq(rec.command, cmd);
}
END_TEST

START_TEST(record_of_exactly_the_limit_is_accepted)
{
	char *text = malloc(RECORD_MAX_BYTES);
	size_t head = strlen(FIVE "}");

	ck_assert_ptr_nonnull(text);
	memcpy(text, FIVE "}", head);
	memset(text + head, ' ', RECORD_MAX_BYTES - head);
	parse_ok(text, RECORD_MAX_BYTES);
	free(text);
}
END_TEST

/* --- format -> parse ------------------------------------------------------- */

static void
sample(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->schema_version = 1;
	strcpy(r->session_id, "8ebe025b-4f69-4143-9849-7803fb2129de");
	r->pid = 2147483647;
	r->acquired_at = ACQ + 123;
	r->ttl_ms = 300000;
	strcpy(r->workspace, "/home/dev/my \"quoted\" \\ project\n\xc3\xa9");
	r->pid_start = 123456789012ULL;
	strcpy(r->boot_id, BOOT);
	strcpy(r->host, "box.example");
	r->renewed_at = ACQ + 9999;
	r->renewed_boot_ms = 86400000LL * 365;
	r->lease_ms = 900000;
	r->lease_until = r->renewed_at + r->lease_ms;
	strcpy(r->kind, "run");
	strcpy(r->command, "sh -c 'printf \"%s\\t\" x'");
	strcpy(r->previous.session_id, "run:99:3");
	r->previous.pid = 99;
	strcpy(r->previous.host, "box.example");
	strcpy(r->previous.reason, "dead");
	r->previous.idle_ms = 4000;
	r->previous.at = ACQ;
	r->busy.since_boot_ms = -1;
}

/* Fails the test unless rec holds what r does, field by field. */
static void
same_as(const struct record *r)
{
	ck_assert_int_eq(rec.schema_version, r->schema_version);
	ck_assert_str_eq(rec.session_id, r->session_id);
	ck_assert_int_eq(rec.pid, r->pid);
	ck_assert_int_eq(rec.acquired_at, r->acquired_at);
	ck_assert_int_eq(rec.ttl_ms, r->ttl_ms);
	ck_assert_str_eq(rec.workspace, r->workspace);
	ck_assert_uint_eq(rec.pid_start, r->pid_start);
	ck_assert_str_eq(rec.boot_id, r->boot_id);
	ck_assert_str_eq(rec.host, r->host);
	ck_assert_int_eq(rec.renewed_at, r->renewed_at);
	ck_assert_int_eq(rec.renewed_boot_ms, r->renewed_boot_ms);
	ck_assert_int_eq(rec.lease_ms, r->lease_ms);
	ck_assert_int_eq(rec.lease_until, r->lease_until);
	ck_assert_str_eq(rec.kind, r->kind);
	ck_assert_str_eq(rec.command, r->command);
	ck_assert_str_eq(rec.previous.session_id, r->previous.session_id);
	ck_assert_int_eq(rec.previous.pid, r->previous.pid);
	ck_assert_str_eq(rec.previous.host, r->previous.host);
	ck_assert_str_eq(rec.previous.reason, r->previous.reason);
	ck_assert_int_eq(rec.previous.idle_ms, r->previous.idle_ms);
	ck_assert_int_eq(rec.previous.at, r->previous.at);
	ck_assert_str_eq(rec.busy.tool, r->busy.tool);
	ck_assert_str_eq(rec.busy.id, r->busy.id);
	ck_assert_int_eq(rec.busy.since, r->busy.since);
	ck_assert_int_eq(rec.busy.since_boot_ms, r->busy.since_boot_ms);
	ck_assert_int_eq(rec.busy.background, r->busy.background);
}

/* Formats r, checks the one-line shape, and parses it back into rec. */
static void
round_trip(const struct record *r)
{
	char *text = record_format(r);
	size_t len;

	ck_assert_ptr_nonnull(text);
	len = strlen(text);
	ck_assert_uint_gt(len, 2);
	ck_assert_int_eq(text[0], '{');
	ck_assert_int_eq(text[len - 1], '\n');
	ck_assert_ptr_eq(strchr(text, '\n'), text + len - 1);
	parse_ok(text, len);
	free(text);
}

START_TEST(round_trip_keeps_every_field)
{
	struct record r;

	sample(&r);
	round_trip(&r);
	same_as(&r);
}
END_TEST

START_TEST(round_trip_of_a_minimal_claude_record)
{
	struct record r;
	char *text;

	sample(&r);
	strcpy(r.kind, "claude");
	r.command[0] = '\0';
	memset(&r.previous, 0, sizeof(r.previous));
	r.renewed_boot_ms = -1;
	text = record_format(&r);
	ck_assert_ptr_nonnull(text);
	/* Unknown and empty optional values are left out, not written as -1 or "". */
	ck_assert_ptr_null(strstr(text, "renewed_boot_ms"));
	ck_assert_ptr_null(strstr(text, "\"command\""));
	ck_assert_ptr_null(strstr(text, "\"previous\""));
	ck_assert_ptr_nonnull(strstr(text, "\"schema_version\":1,"));
	free(text);
	round_trip(&r);
	same_as(&r);
}
END_TEST

START_TEST(round_trip_keeps_the_busy_mark)
{
	struct record r;
	char *text;

	sample(&r);
	strcpy(r.busy.tool, "Bash");
	strcpy(r.busy.id, "toolu_01abc");
	r.busy.since = 1700000000123LL;
	r.busy.since_boot_ms = 4242;
	r.busy.background = 1;
	round_trip(&r);
	same_as(&r);
	/* Not busy: no "busy" member at all, and it reads back as not busy. */
	memset(&r.busy, 0, sizeof(r.busy));
	r.busy.since_boot_ms = -1;
	text = record_format(&r);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(strstr(text, "\"busy\""));
	free(text);
	round_trip(&r);
	same_as(&r);
}
END_TEST

START_TEST(format_writes_the_single_holder_schema)
{
	struct record r;

	sample(&r);
	r.schema_version = 0;	/* whatever the struct says, one holder is schema 1 */
	round_trip(&r);
	ck_assert_int_eq(rec.schema_version, RECORD_SCHEMA_SINGLE);
	r.schema_version = RECORD_SCHEMA_VERSION;
	round_trip(&r);
	ck_assert_int_eq(rec.schema_version, RECORD_SCHEMA_SINGLE);
}
END_TEST

/* --- rejections ------------------------------------------------------------ */

struct bad {
	const char *text;
	const char *reason;	/* a substring of err_last() */
};

static const struct bad bad_records[] = {
	{ "", "empty" },
	{ "   \n", "not valid JSON" },
	{ "not json", "not valid JSON (at byte 0)" },
	{ "{\"schema_version\":1,}", "not valid JSON (at byte 20)" },	/* the '}' */
	{ "\xff\xfe", "not valid JSON" },
	{ "{\xff\xfe\"schema_version\":1}", "not valid JSON" },
	{ "{\"schema_version\":1,\"session_id\":\"s", "not valid JSON" },
	{ "[1,2]", "not a JSON object" },
	{ "\"record\"", "not a JSON object" },
	{ "null", "not a JSON object" },
	{ "42", "not a JSON object" },
	{ "{}", "'schema_version' is missing" },
	{ FIVE "} x", "trailing bytes" },
	{ FIVE "}" FIVE "}", "trailing bytes" },
	{ FIVE "}// comment", "trailing bytes" },
	/* missing fields */
	{ "{\"session_id\":\"s\",\"pid\":1,\"acquired_at\":1,\"ttl_ms\":1}", "'schema_version' is missing" },
	{ "{\"schema_version\":1,\"pid\":1,\"acquired_at\":1,\"ttl_ms\":1}", "'session_id' is missing" },
	{ HEAD "\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":1,\"ttl_ms\":1}", "'acquired_at' is missing" },
	{ HEAD "\"pid\":1,\"acquired_at\":1}", "'ttl_ms' is missing" },
	/* wrong types */
	{ "{\"schema_version\":\"1\"}", "'schema_version' must be a number" },
	{ "{\"schema_version\":1,\"session_id\":7}", "'session_id' must be a string" },
	{ "{\"schema_version\":1,\"session_id\":{}}", "'session_id' must be a string" },
	{ HEAD "\"pid\":\"42\",\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":\" 42 \",\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":true,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":null,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":[42],\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":1,\"acquired_at\":\"1\",\"ttl_ms\":1}", "'acquired_at' must be a number" },
	{ HEAD "\"pid\":1,\"acquired_at\":1,\"ttl_ms\":[1]}", "'ttl_ms' must be a number" },
	{ FIVE ",\"boot_id\":5}", "'boot_id' must be a string" },
	{ FIVE ",\"host\":false}", "'host' must be a string" },
	{ FIVE ",\"pid_start\":\"9\"}", "'pid_start' must be a number" },
	{ FIVE ",\"previous\":\"old\"}", "'previous' must be an object" },
	{ FIVE ",\"previous\":{\"pid\":\"1\"}}", "'pid' must be a number" },
	{ FIVE ",\"previous\":{\"pid\":-1}}", "'pid' is out of range" },
	{ FIVE ",\"busy\":\"Bash\"}", "'busy' must be an object" },
	{ FIVE ",\"busy\":{\"since\":1}}", "'tool' is missing" },
	{ FIVE ",\"busy\":{\"tool\":\"Bash\"}}", "'since' is missing" },
	{ FIVE ",\"busy\":{\"tool\":\"Bash\",\"since\":1,\"background\":1}}",
	  "'background' must be true or false" },
	{ FIVE ",\"busy\":{\"tool\":\"a-tool-name-much-too-long-to-keep-here\",\"since\":1}}",
	  "'tool' is too long" },
	/* ranges */
	{ "{\"schema_version\":0}", "'schema_version' is out of range" },
	{ "{\"schema_version\":-1}", "'schema_version' is out of range" },
	{ "{\"schema_version\":1.5}", "'schema_version' is out of range" },
	{ HEAD "\"pid\":0,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":-42,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":2147483648,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":4294967297,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":1e300,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":42.5,\"acquired_at\":1,\"ttl_ms\":1}", "'pid' must be a positive integer" },
	{ HEAD "\"pid\":1,\"acquired_at\":-1,\"ttl_ms\":1}", "'acquired_at' is out of range" },
	{ HEAD "\"pid\":1,\"acquired_at\":9007199254740993,\"ttl_ms\":1}", "'acquired_at' is out of range" },
	{ HEAD "\"pid\":1,\"acquired_at\":1,\"ttl_ms\":0}", "'ttl_ms' is out of range" },
	{ HEAD "\"pid\":1,\"acquired_at\":1,\"ttl_ms\":1e400}", "'ttl_ms' is out of range" },
	{ FIVE ",\"renewed_boot_ms\":-1}", "'renewed_boot_ms' is out of range" },
	{ FIVE ",\"lease_ms\":0}", "'lease_ms' is out of range" },
	{ FIVE ",\"pid_start\":-3}", "'pid_start' is out of range" },
	/* strings */
	{ "{\"schema_version\":1,\"session_id\":\"\",\"pid\":1,\"acquired_at\":1,\"ttl_ms\":1}",
	  "'session_id' is empty" },
	{ "{\"schema_version\":1,\"session_id\":\"\\u0000x\",\"pid\":1,\"acquired_at\":1,"
	  "\"ttl_ms\":1}", "'session_id' is empty" },
	{ FIVE ",\"kind\":\"a-kind-name-too-long\"}", "'kind' is too long" },
	{ FIVE ",\"previous\":{\"reason\":\"a reason that is much too long to keep\"}}",
	  "'reason' is too long" },
};

START_TEST(bad_record_is_refused_with_its_reason)
{
	const struct bad *b = &bad_records[_i];

	err_clear();
	ck_assert_msg(parse(b->text) == -1, "accepted: %s", b->text);
	ck_assert_msg(strstr(err_last(), b->reason) != NULL,
	    "for %s\nwanted \"%s\", got \"%s\"", b->text, b->reason, err_last());
	ck_assert_int_eq(newer, 0);
}
END_TEST

START_TEST(newer_schema_is_flagged)
{
	newer = 0;
	ck_assert_int_eq(parse("{\"schema_version\":3,\"owner\":{}}"), -1);
	ck_assert_int_eq(newer, 1);
	ck_assert_str_eq(err_last(), "schema_version 3 is newer than this program understands");
	ck_assert_int_eq(parse("{\"schema_version\":2147483647}"), -1);
	ck_assert_int_eq(newer, 1);
	/* A later, merely broken record is not "newer". */
	ck_assert_int_eq(parse("{\"schema_version\":1}"), -1);
	ck_assert_int_eq(newer, 0);
	/* Past 32 bits is out of range, not newer. */
	ck_assert_int_eq(parse("{\"schema_version\":2147483648}"), -1);
	ck_assert_int_eq(newer, 0);
}
END_TEST

START_TEST(nul_bytes_are_refused)
{
	static const char inside[] = "{\"schema_version\":1,\"session_id\":\"a\0b\","
	    "\"pid\":1,\"acquired_at\":1,\"ttl_ms\":1}";
	static const char after[] = FIVE "}\0";

	ck_assert_int_eq(record_parse(&rec, inside, sizeof(inside) - 1, &newer), -1);
	ck_assert_str_eq(err_last(), "the record contains a NUL byte");
	ck_assert_int_eq(record_parse(&rec, after, sizeof(after) - 1, &newer), -1);
	ck_assert_str_eq(err_last(), "the record contains a NUL byte");
}
END_TEST

START_TEST(overlong_strings_are_refused)
{
	char text[PATH_MAX + 200], sid[RECORD_SESSION_LEN + 2], *ws;

	memset(sid, 'x', sizeof(sid) - 1);
	sid[sizeof(sid) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"schema_version\":1,\"session_id\":\"%s\",\"pid\":1,"
	    "\"acquired_at\":1,\"ttl_ms\":1}", sid);
	ck_assert_int_eq(parse(text), -1);
	ck_assert_str_eq(err_last(), "field 'session_id' is too long");

	ws = malloc(PATH_MAX + 1);
	ck_assert_ptr_nonnull(ws);
	memset(ws, 'w', PATH_MAX);
	ws[PATH_MAX] = '\0';
	snprintf(text, sizeof(text), FIVE ",\"workspace\":\"%s\"}", ws);
	ck_assert_int_eq(parse(text), -1);
	ck_assert_str_eq(err_last(), "field 'workspace' is too long");
	ws[PATH_MAX - 1] = '\0';	/* PATH_MAX - 1 bytes and the NUL: fits */
	snprintf(text, sizeof(text), FIVE ",\"workspace\":\"%s\"}", ws);
	parse_ok(text, strlen(text));
	ck_assert_uint_eq(strlen(rec.workspace), PATH_MAX - 1);
	free(ws);
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
	size_t depth = 5000, i, n = 0;
	char *text = malloc(strlen(FIVE) + 2 * depth + 16);

	ck_assert_ptr_nonnull(text);
	n += (size_t)sprintf(text, "%s,\"x\":", FIVE);
	for (i = 0; i < depth; i++)
		text[n++] = '[';
	for (i = 0; i < depth; i++)
		text[n++] = ']';
	text[n++] = '}';
	text[n] = '\0';
	ck_assert_int_eq(parse(text), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), "not valid JSON"));
	free(text);
}
END_TEST

START_TEST(oversized_record_is_refused)
{
	char want[64], *text = malloc(RECORD_MAX_BYTES + 1);
	size_t head = strlen(FIVE "}");

	ck_assert_ptr_nonnull(text);
	memcpy(text, FIVE "}", head);
	memset(text + head, ' ', RECORD_MAX_BYTES + 1 - head);
	ck_assert_int_eq(record_parse(&rec, text, RECORD_MAX_BYTES + 1, &newer), -1);
	snprintf(want, sizeof(want), "the record is larger than %d bytes", RECORD_MAX_BYTES);
	ck_assert_str_eq(err_last(), want);
	free(text);
}
END_TEST

START_TEST(every_prefix_of_a_record_is_refused)
{
	/* A torn write: every cut short of the closing brace is corrupt. */
	size_t len = strlen(full), cut;

	for (cut = 0; cut < len - 1; cut++)
		ck_assert_msg(record_parse(&rec, full, cut, &newer) == -1,
		    "accepted the first %zu bytes", cut);
	parse_ok(full, len - 1);	/* without the trailing newline */
}
END_TEST

START_TEST(session_key_is_the_id_when_it_fits_whole)
{
	char key[RECORD_SESSION_LEN + 1], id[RECORD_SESSION_LEN + 1];

	record_session_key(key, "3f2a9c1e-1111-2222-3333-444455556666", 36);
	ck_assert_str_eq(key, "3f2a9c1e-1111-2222-3333-444455556666");
	memset(id, 'k', RECORD_SESSION_LEN);
	id[RECORD_SESSION_LEN] = '\0';
	record_session_key(key, id, RECORD_SESSION_LEN);	/* exactly the field */
	ck_assert_str_eq(key, id);
	record_session_key(key, "evil\x1b[2J\xff", 9);	/* any other bytes are kept */
	ck_assert_str_eq(key, "evil\x1b[2J\xff");
}
END_TEST

START_TEST(session_key_digests_what_would_not_compare_whole)
{
	char key[RECORD_SESSION_LEN + 1], id[201];

	/* a NUL inside: SHA-256 of all three bytes */
	record_session_key(key, "a\0b", 3);
	ck_assert_str_eq(key, "sha256:59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
	/* one byte over the field */
	memset(id, 'x', 200);
	id[200] = '\0';
	record_session_key(key, id, 200);
	ck_assert_str_eq(key, "sha256:aa20c23e3201834050679e1d88941b9a6fed0557c9a705cb2c315e2e63fd486d");
	record_session_key(key, id, RECORD_SESSION_LEN + 1);
	ck_assert_str_ne(key, id);
	ck_assert_uint_eq(strlen(key), 71);
	/* an id that looks like a key cannot pass for another id's key */
	record_session_key(key, "sha256:abc", 10);
	ck_assert_str_eq(key, "sha256:67e9bc3cfd2163c2978358dfe00d2f912cd4ee0c99f077c3583b39b48aebb124");
}
END_TEST

START_TEST(a_digest_key_round_trips_as_the_session_id)
{
	struct record r;
	char id[201];

	sample(&r);
	memset(id, 'x', 200);
	record_session_key(r.session_id, id, 200);
	record_session_key(r.previous.session_id, "a\0b", 3);
	round_trip(&r);
	same_as(&r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("record");
	TCase *tc = tcase_create("valid");

	tcase_add_test(tc, full_record_reads_every_field);
	tcase_add_test(tc, legacy_fixture_fills_the_newer_fields_from_the_five);
	tcase_add_test(tc, renewed_boot_ms_without_boot_id_is_unknown);
	tcase_add_test(tc, tolerated_oddities);
	tcase_add_test(tc, strings_are_kept_as_bytes);
	tcase_add_test(tc, length_bounds_the_input_not_a_nul);
	tcase_add_test(tc, longest_accepted_strings);
	tcase_add_test(tc, record_of_exactly_the_limit_is_accepted);
	suite_add_tcase(s, tc);

	tc = tcase_create("round trip");
	tcase_add_test(tc, round_trip_keeps_every_field);
	tcase_add_test(tc, round_trip_of_a_minimal_claude_record);
	tcase_add_test(tc, round_trip_keeps_the_busy_mark);
	tcase_add_test(tc, format_writes_the_single_holder_schema);
	suite_add_tcase(s, tc);

	tc = tcase_create("session keys");
	tcase_add_test(tc, session_key_is_the_id_when_it_fits_whole);
	tcase_add_test(tc, session_key_digests_what_would_not_compare_whole);
	tcase_add_test(tc, a_digest_key_round_trips_as_the_session_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_add_loop_test(tc, bad_record_is_refused_with_its_reason, 0,
	    (int)(sizeof(bad_records) / sizeof(bad_records[0])));
	tcase_add_test(tc, newer_schema_is_flagged);
	tcase_add_test(tc, nul_bytes_are_refused);
	tcase_add_test(tc, overlong_strings_are_refused);
	tcase_add_test(tc, deep_nesting_is_refused);
	tcase_add_test(tc, oversized_record_is_refused);
	tcase_add_test(tc, every_prefix_of_a_record_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
