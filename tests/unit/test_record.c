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

/* --- schema 2: the holders of a workspace ---------------------------------- */

/* Three holders: claims and a wait; a run with a takeover behind it; a waiter that holds nothing. */
static const char set2[] =
    "{\"schema_version\":2,\"workspace\":\"/home/dev/project\",\"holders\":["
    "{\"session_id\":\"sess-A\",\"pid\":4242,\"acquired_at\":1700000000000,\"ttl_ms\":300000,"
    "\"pid_start\":987654,\"boot_id\":\"" BOOT "\",\"host\":\"box\","
    "\"renewed_at\":1700000010000,\"renewed_boot_ms\":5000000,\"lease_ms\":600000,"
    "\"lease_until\":1700000610000,\"kind\":\"claude\",\"busy\":{\"tool\":\"Bash\","
    "\"id\":\"toolu_1\",\"since\":1700000005000,\"since_boot_ms\":4000,\"background\":false},"
    "\"whole\":false,\"claims\":[\"/home/dev/project/src\",\"/home/dev/project/README.md\"],"
    "\"wants\":{\"pid\":5151,\"pid_start\":99,\"since\":1700000020000,\"whole\":false,"
    "\"paths\":[\"/home/dev/project/docs\"]}},"
    "{\"session_id\":\"run:77:1\",\"pid\":77,\"acquired_at\":1700000001000,\"ttl_ms\":120000,"
    "\"kind\":\"run\",\"command\":\"make test\",\"previous\":{\"session_id\":\"old\","
    "\"pid\":17,\"host\":\"box\",\"reason\":\"dead\",\"idle_ms\":5,\"at\":1700000000500},"
    "\"claims\":[\"/home/dev/project/docs\"]},"
    "{\"session_id\":\"sess-C\",\"pid\":99,\"acquired_at\":1700000002000,\"ttl_ms\":300000,"
    "\"wants\":{\"pid\":6161,\"since\":1700000030000,\"whole\":true,\"told\":true}}"
    "]}\n";

static struct record_set set, again;

static void
set_teardown(void)
{
	record_set_free(&set);
	record_set_free(&again);
	record_free(&rec);
}

/* Parses text into s, failing the test with the reason when it is refused. */
static void
set_ok(struct record_set *s, const char *text, size_t len)
{
	ck_assert_msg(record_set_parse(s, text, len, &newer) == 0,
	    "refused: %s\n%.*s", err_last(), (int)(len > 300 ? 300 : len), text);
	ck_assert_int_eq(newer, 0);
	ck_assert_uint_ge(s->n, 1);
}

/* Fails the test unless two holders are the same, field by field, claims and wants too. */
static void
same_holder(const struct record *a, const struct record *b)
{
	size_t i;

	ck_assert_str_eq(a->session_id, b->session_id);
	ck_assert_int_eq(a->pid, b->pid);
	ck_assert_int_eq(a->acquired_at, b->acquired_at);
	ck_assert_int_eq(a->ttl_ms, b->ttl_ms);
	ck_assert_uint_eq(a->pid_start, b->pid_start);
	ck_assert_str_eq(a->boot_id, b->boot_id);
	ck_assert_str_eq(a->host, b->host);
	ck_assert_int_eq(a->renewed_at, b->renewed_at);
	ck_assert_int_eq(a->renewed_boot_ms, b->renewed_boot_ms);
	ck_assert_int_eq(a->lease_ms, b->lease_ms);
	ck_assert_int_eq(a->lease_until, b->lease_until);
	ck_assert_str_eq(a->kind, b->kind);
	ck_assert_str_eq(a->command, b->command);
	ck_assert_str_eq(a->previous.session_id, b->previous.session_id);
	ck_assert_int_eq(a->previous.pid, b->previous.pid);
	ck_assert_str_eq(a->previous.host, b->previous.host);
	ck_assert_str_eq(a->previous.reason, b->previous.reason);
	ck_assert_int_eq(a->previous.idle_ms, b->previous.idle_ms);
	ck_assert_int_eq(a->previous.at, b->previous.at);
	ck_assert_str_eq(a->busy.tool, b->busy.tool);
	ck_assert_str_eq(a->busy.id, b->busy.id);
	ck_assert_int_eq(a->busy.since, b->busy.since);
	ck_assert_int_eq(a->busy.since_boot_ms, b->busy.since_boot_ms);
	ck_assert_int_eq(a->busy.background, b->busy.background);
	ck_assert_int_eq(a->whole, b->whole);
	ck_assert_uint_eq(a->nclaims, b->nclaims);
	for (i = 0; i < a->nclaims; i++)
		ck_assert_str_eq(a->claims[i], b->claims[i]);
	ck_assert_int_eq(a->wants.pid, b->wants.pid);
	ck_assert_uint_eq(a->wants.pid_start, b->wants.pid_start);
	ck_assert_int_eq(a->wants.since, b->wants.since);
	ck_assert_int_eq(a->wants.whole, b->wants.whole);
	ck_assert_int_eq(a->wants.told, b->wants.told);
	ck_assert_uint_eq(a->wants.npaths, b->wants.npaths);
	for (i = 0; i < a->wants.npaths; i++)
		ck_assert_str_eq(a->wants.paths[i], b->wants.paths[i]);
}

/* Fails the test unless two sets are the same. */
static void
same_set(const struct record_set *a, const struct record_set *b)
{
	size_t i;

	ck_assert_int_eq(a->schema_version, b->schema_version);
	ck_assert_str_eq(a->workspace, b->workspace);
	ck_assert_uint_eq(a->n, b->n);
	for (i = 0; i < a->n; i++)
		same_holder(&a->h[i], &b->h[i]);
}

/*
 * Formats s, checks the one-line shape, parses it back into `again`, and
 * checks that formatting that gives the same text. Returns the text.
 */
static char *
set_round_trip(const struct record_set *s)
{
	char *text = record_set_format(s), *text2;
	size_t len;

	ck_assert_msg(text != NULL, "%s", err_last());
	len = strlen(text);
	ck_assert_uint_gt(len, 2);
	ck_assert_int_eq(text[0], '{');
	ck_assert_ptr_eq(strchr(text, '\n'), text + len - 1);
	set_ok(&again, text, len);
	text2 = record_set_format(&again);
	ck_assert_ptr_nonnull(text2);
	ck_assert_str_eq(text2, text);
	free(text2);
	return text;
}

START_TEST(set_reads_every_holder)
{
	const struct record *a, *b, *c;

	set_ok(&set, set2, strlen(set2));
	ck_assert_int_eq(set.schema_version, 2);
	ck_assert_str_eq(set.workspace, "/home/dev/project");
	ck_assert_uint_eq(set.n, 3);
	a = &set.h[0];
	ck_assert_str_eq(a->session_id, "sess-A");
	ck_assert_int_eq(a->pid, 4242);
	ck_assert_int_eq(a->acquired_at, ACQ);
	ck_assert_int_eq(a->ttl_ms, 300000);
	ck_assert_uint_eq(a->pid_start, 987654);
	ck_assert_str_eq(a->boot_id, BOOT);
	ck_assert_str_eq(a->host, "box");
	ck_assert_int_eq(a->renewed_at, ACQ + 10000);
	ck_assert_int_eq(a->renewed_boot_ms, 5000000);
	ck_assert_int_eq(a->lease_ms, 600000);
	ck_assert_int_eq(a->lease_until, ACQ + 610000);
	ck_assert_str_eq(a->kind, "claude");
	ck_assert_str_eq(a->busy.tool, "Bash");
	ck_assert_str_eq(a->busy.id, "toolu_1");
	ck_assert_int_eq(a->busy.since, ACQ + 5000);
	ck_assert_int_eq(a->busy.since_boot_ms, 4000);
	ck_assert_int_eq(a->busy.background, 0);
	ck_assert_int_eq(a->whole, 0);
	ck_assert_uint_eq(a->nclaims, 2);
	ck_assert_str_eq(a->claims[0], "/home/dev/project/src");
	ck_assert_str_eq(a->claims[1], "/home/dev/project/README.md");
	ck_assert_int_eq(a->wants.pid, 5151);
	ck_assert_uint_eq(a->wants.pid_start, 99);
	ck_assert_int_eq(a->wants.since, ACQ + 20000);
	ck_assert_int_eq(a->wants.whole, 0);
	ck_assert_uint_eq(a->wants.npaths, 1);
	ck_assert_str_eq(a->wants.paths[0], "/home/dev/project/docs");
	b = &set.h[1];
	ck_assert_str_eq(b->session_id, "run:77:1");
	ck_assert_str_eq(b->kind, "run");
	ck_assert_str_eq(b->command, "make test");
	ck_assert_str_eq(b->previous.session_id, "old");
	ck_assert_str_eq(b->previous.reason, "dead");
	ck_assert_int_eq(b->previous.at, ACQ + 500);
	/* what an older writer would leave out, filled in as for schema 1 */
	ck_assert_int_eq(b->renewed_at, ACQ + 1000);
	ck_assert_int_eq(b->lease_ms, 120000);
	ck_assert_int_eq(b->lease_until, ACQ + 1000 + 120000);
	ck_assert_int_eq(b->renewed_boot_ms, -1);
	ck_assert_int_eq(b->whole, 0);
	ck_assert_uint_eq(b->nclaims, 1);
	ck_assert_str_eq(b->claims[0], "/home/dev/project/docs");
	ck_assert_int_eq(b->wants.pid, 0);
	ck_assert_uint_eq(b->wants.npaths, 0);
	c = &set.h[2];
	ck_assert_str_eq(c->session_id, "sess-C");
	ck_assert_str_eq(c->kind, "claude");
	ck_assert_int_eq(c->whole, 0);
	ck_assert_uint_eq(c->nclaims, 0);
	ck_assert_int_eq(c->wants.pid, 6161);
	ck_assert_uint_eq(c->wants.pid_start, 0);
	ck_assert_int_eq(c->wants.whole, 1);
	ck_assert_int_eq(c->wants.told, 1);
	ck_assert_int_eq(a->wants.told, 0);
	ck_assert_uint_eq(c->wants.npaths, 0);
	ck_assert_int_eq(record_set_find(&set, "sess-A"), 0);
	ck_assert_int_eq(record_set_find(&set, "run:77:1"), 1);
	ck_assert_int_eq(record_set_find(&set, "sess-C"), 2);
	ck_assert_int_eq(record_set_find(&set, "sess"), -1);
	ck_assert_int_eq(record_set_find(&set, ""), -1);
}
END_TEST

START_TEST(set_round_trip_is_stable)
{
	char *text;

	set_ok(&set, set2, strlen(set2));
	text = set_round_trip(&set);
	same_set(&again, &set);
	ck_assert_ptr_nonnull(strstr(text, "\"schema_version\":2,"));
	ck_assert_ptr_nonnull(strstr(text, "\"holders\":["));
	free(text);
}
END_TEST

START_TEST(record_parse_of_a_set_is_its_first_holder)
{
	set_ok(&set, set2, strlen(set2));
	parse_ok(set2, strlen(set2));
	ck_assert_int_eq(rec.schema_version, 2);
	ck_assert_str_eq(rec.workspace, "/home/dev/project");
	same_holder(&rec, &set.h[0]);
	/* Its claims are its own: freeing the set leaves them. */
	record_set_free(&set);
	ck_assert_str_eq(rec.claims[1], "/home/dev/project/README.md");
	ck_assert_str_eq(rec.wants.paths[0], "/home/dev/project/docs");
}
END_TEST

START_TEST(schema_1_reads_as_one_whole_holder)
{
	set_ok(&set, full, strlen(full));
	ck_assert_int_eq(set.schema_version, 1);
	ck_assert_str_eq(set.workspace, "/home/dev/project");
	ck_assert_uint_eq(set.n, 1);
	ck_assert_int_eq(set.h[0].whole, 1);
	ck_assert_uint_eq(set.h[0].nclaims, 0);
	ck_assert_ptr_null(set.h[0].claims);
	ck_assert_int_eq(set.h[0].wants.pid, 0);
	parse_ok(full, strlen(full));
	ck_assert_int_eq(rec.whole, 1);
	same_holder(&set.h[0], &rec);
}
END_TEST

START_TEST(one_whole_holder_is_written_as_schema_1)
{
	char *one, *text, *legacy = fixture("legacy.json.in");

	/* What record_format() writes, to the byte. */
	set_ok(&set, full, strlen(full));
	parse_ok(full, strlen(full));
	one = record_format(&rec);
	ck_assert_ptr_nonnull(one);
	text = set_round_trip(&set);
	ck_assert_str_eq(text, one);
	ck_assert_ptr_eq(strstr(text, "{\"schema_version\":1,\"session_id\":\"sess-1\","), text);
	ck_assert_ptr_null(strstr(text, "holders"));
	ck_assert_ptr_null(strstr(text, "whole"));
	ck_assert_ptr_null(strstr(text, "claims"));
	free(text);
	free(one);
	/* An older writer's record too. */
	fill(legacy, 65536);
	set_ok(&set, legacy, strlen(legacy));
	parse_ok(legacy, strlen(legacy));
	one = record_format(&rec);
	text = set_round_trip(&set);
	ck_assert_str_eq(text, one);
	free(text);
	free(one);
	free(legacy);
}
END_TEST

START_TEST(a_schema_2_set_of_one_whole_holder_is_written_as_schema_1)
{
	static const char one[] = "{\"schema_version\":2,\"workspace\":\"/w\",\"holders\":["
	    "{\"session_id\":\"s\",\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1,\"whole\":true,"
	    "\"claims\":[]}]}";
	char *text;

	set_ok(&set, one, strlen(one));
	text = record_set_format(&set);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_eq(strstr(text, "{\"schema_version\":1,\"session_id\":\"s\",\"pid\":42,"), text);
	ck_assert_ptr_nonnull(strstr(text, "\"workspace\":\"/w\""));
	set_ok(&again, text, strlen(text));
	ck_assert_int_eq(again.schema_version, 1);
	ck_assert_uint_eq(again.n, 1);
	same_holder(&again.h[0], &set.h[0]);
	free(text);
}
END_TEST

/* A holder for the sets built below, with every holder field set. */
static void
member(struct record *r, const char *id)
{
	sample(r);
	r->schema_version = 0;
	r->workspace[0] = '\0';	/* the set's, not the holder's */
	snprintf(r->session_id, sizeof(r->session_id), "%s", id);
}

START_TEST(anything_but_one_bare_whole_holder_is_schema_2)
{
	static const char *const docs[] = { "/w/docs" };
	static const char head[] = "{\"schema_version\":2,\"workspace\":\"/w\",\"holders\":[{";
	struct record r;
	char *text;
	int i;

	for (i = 0; i < 4; i++) {
		record_set_free(&set);
		snprintf(set.workspace, sizeof(set.workspace), "/w");
		member(&r, "s");
		r.whole = i != 2;
		ck_assert_ptr_nonnull(record_set_add(&set, &r));
		if (i == 0)	/* whole, and a claim */
			ck_assert_int_eq(record_claim_add(&set.h[0], "/w/src"), 0);
		if (i == 1)	/* whole, and a wait */
			ck_assert_int_eq(record_wants_set(&set.h[0], 9, 1, 5, 0, docs, 1), 0);
		if (i == 2)	/* a claim only */
			ck_assert_int_eq(record_claim_add(&set.h[0], "/w/src"), 0);
		if (i == 3) {	/* two whole holders (not a state the rules make, but a set) */
			member(&r, "t");
			r.whole = 1;
			ck_assert_ptr_nonnull(record_set_add(&set, &r));
		}
		text = set_round_trip(&set);
		ck_assert_msg(strncmp(text, head, strlen(head)) == 0, "case %d: %s", i, text);
		ck_assert_int_eq(again.schema_version, 2);
		ck_assert_str_eq(again.workspace, "/w");
		ck_assert_uint_eq(again.n, set.n);
		same_holder(&again.h[0], &set.h[0]);
		free(text);
	}
}
END_TEST

START_TEST(a_built_set_round_trips)
{
	static const char *const want_a[] = { "/w/docs", "/w/a \"b\"\\c\n\xc3\xa9" };
	char id[201];
	struct record r;
	char *text;

	snprintf(set.workspace, sizeof(set.workspace), "/home/dev/my \"quoted\" project");
	member(&r, "first");
	ck_assert_ptr_nonnull(record_set_add(&set, &r));
	ck_assert_int_eq(record_claim_add(&set.h[0], "/"), 0);
	ck_assert_int_eq(record_wants_set(&set.h[0], 2147483647, 123456789012ULL, ACQ, 1,
	    NULL, 0), 0);
	memset(id, 'x', 200);
	member(&r, "");
	record_session_key(r.session_id, id, 200);
	strcpy(r.busy.tool, "Bash");
	r.busy.since = ACQ;
	r.busy.since_boot_ms = 0;
	r.busy.background = 1;
	ck_assert_ptr_nonnull(record_set_add(&set, &r));
	ck_assert_int_eq(record_claim_add(&set.h[1], "/w/src"), 0);
	ck_assert_int_eq(record_claim_add(&set.h[1], "/w/src/deeper/file.c"), 0);
	ck_assert_int_eq(record_wants_set(&set.h[1], 1, 0, ACQ + 1, 0, want_a, 2), 0);
	member(&r, "third");
	r.whole = 1;
	r.renewed_boot_ms = -1;
	r.command[0] = '\0';
	memset(&r.previous, 0, sizeof(r.previous));
	ck_assert_ptr_nonnull(record_set_add(&set, &r));
	set.schema_version = 2;
	text = set_round_trip(&set);
	same_set(&again, &set);
	free(text);
}
END_TEST

START_TEST(a_set_parsed_again_starts_afresh)
{
	static const char bare[] = FIVE "}";

	set_ok(&set, set2, strlen(set2));
	set_ok(&set, bare, strlen(bare));	/* no workspace: none, not the last one's */
	ck_assert_int_eq(set.schema_version, 1);
	ck_assert_str_eq(set.workspace, "");
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.h[0].session_id, "s");
	record_set_free(&set);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_ptr_null(set.h);
	ck_assert_int_eq(set.schema_version, 0);
	ck_assert_str_eq(set.workspace, "");
	record_set_free(&set);	/* twice is harmless */
}
END_TEST

START_TEST(an_empty_set_is_not_formatted)
{
	err_clear();
	ck_assert_ptr_null(record_set_format(&set));
	ck_assert_str_eq(err_last(), "cannot format an empty lock record");
}
END_TEST

START_TEST(set_add_copies_and_remove_keeps_the_order)
{
	static const char *const ids[] = { "a", "b", "c", "d", "e" };
	char path[32];
	struct record r, *added;
	size_t i;

	for (i = 0; i < 5; i++) {
		member(&r, ids[i]);
		r.whole = 0;
		ck_assert_int_eq(record_claim_add(&r, "/w/x"), 0);
		added = record_set_add(&set, &r);
		ck_assert_ptr_eq(added, &set.h[i]);
		ck_assert_ptr_ne(added->claims, r.claims);	/* its own copy */
		r.claims[0][1] = '!';
		ck_assert_str_eq(added->claims[0], "/w/x");
		record_free(&r);
		snprintf(path, sizeof(path), "/w/%zu", i);
		ck_assert_int_eq(record_claim_add(added, path), 0);
	}
	record_set_remove(&set, 1);
	ck_assert_uint_eq(set.n, 4);
	ck_assert_str_eq(set.h[0].session_id, "a");
	ck_assert_str_eq(set.h[1].session_id, "c");
	ck_assert_str_eq(set.h[2].session_id, "d");
	ck_assert_str_eq(set.h[3].session_id, "e");
	ck_assert_str_eq(set.h[1].claims[1], "/w/2");	/* claims moved with their holder */
	ck_assert_str_eq(set.h[3].claims[1], "/w/4");
	ck_assert_int_eq(record_set_find(&set, "b"), -1);
	ck_assert_int_eq(record_set_find(&set, "d"), 2);
	record_set_remove(&set, 3);	/* the last */
	record_set_remove(&set, 3);	/* past the end: nothing */
	record_set_remove(&set, 99);
	ck_assert_uint_eq(set.n, 3);
	record_set_remove(&set, 0);	/* the first */
	ck_assert_uint_eq(set.n, 2);
	ck_assert_str_eq(set.h[0].session_id, "c");
	ck_assert_str_eq(set.h[1].session_id, "d");
	ck_assert_str_eq(set.h[1].claims[1], "/w/3");
	record_set_remove(&set, 0);
	record_set_remove(&set, 0);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_ptr_null(record_set_format(&set));
}
END_TEST

START_TEST(a_set_holds_at_most_the_limit)
{
	struct record r;
	char id[16];
	int i;

	member(&r, "x");
	for (i = 0; i < RECORD_MAX_HOLDERS; i++) {
		snprintf(r.session_id, sizeof(r.session_id), "s%d", i);
		ck_assert_ptr_nonnull(record_set_add(&set, &r));
	}
	snprintf(id, sizeof(id), "s%d", i);
	snprintf(r.session_id, sizeof(r.session_id), "%s", id);
	err_clear();
	ck_assert_ptr_null(record_set_add(&set, &r));
	ck_assert_ptr_nonnull(strstr(err_last(), "at most 64 holders"));
	ck_assert_uint_eq(set.n, RECORD_MAX_HOLDERS);
	ck_assert_int_eq(record_set_find(&set, id), -1);
}
END_TEST

START_TEST(record_copy_is_deep)
{
	static const char *const wants[] = { "/w/want-1", "/w/want-2" };
	struct record src, copy;

	member(&src, "src");
	ck_assert_int_eq(record_claim_add(&src, "/w/claim-1"), 0);
	ck_assert_int_eq(record_claim_add(&src, "/w/claim-2"), 0);
	ck_assert_int_eq(record_wants_set(&src, 7, 8, 9, 0, wants, 2), 0);
	ck_assert_int_eq(record_copy(&copy, &src), 0);
	ck_assert_ptr_ne(copy.claims, src.claims);
	ck_assert_ptr_ne(copy.claims[0], src.claims[0]);
	ck_assert_ptr_ne(copy.wants.paths, src.wants.paths);
	ck_assert_ptr_ne(copy.wants.paths[1], src.wants.paths[1]);
	/* Scribble on the source, then free it: the copy stays as it was. */
	src.claims[0][3] = '#';
	src.wants.paths[1][3] = '#';
	record_free(&src);
	ck_assert_uint_eq(src.nclaims, 0);
	ck_assert_ptr_null(src.claims);
	ck_assert_int_eq(src.wants.pid, 0);
	ck_assert_ptr_null(src.wants.paths);
	ck_assert_str_eq(copy.session_id, "src");
	ck_assert_str_eq(copy.command, "sh -c 'printf \"%s\\t\" x'");
	ck_assert_uint_eq(copy.nclaims, 2);
	ck_assert_str_eq(copy.claims[0], "/w/claim-1");
	ck_assert_str_eq(copy.claims[1], "/w/claim-2");
	ck_assert_int_eq(copy.wants.pid, 7);
	ck_assert_uint_eq(copy.wants.pid_start, 8);
	ck_assert_int_eq(copy.wants.since, 9);
	ck_assert_uint_eq(copy.wants.npaths, 2);
	ck_assert_str_eq(copy.wants.paths[0], "/w/want-1");
	ck_assert_str_eq(copy.wants.paths[1], "/w/want-2");
	/* Nothing to copy: no vectors. */
	record_free(&copy);
	ck_assert_int_eq(record_copy(&src, &copy), 0);
	ck_assert_ptr_null(src.claims);
	ck_assert_ptr_null(src.wants.paths);
}
END_TEST

START_TEST(record_bare_leaves_what_the_record_owns)
{
	static const char *const wants[] = { "/w/want" };
	struct record src, bare;

	member(&src, "src");
	ck_assert_int_eq(record_claim_add(&src, "/w/claim"), 0);
	ck_assert_int_eq(record_wants_set(&src, 7, 8, 9, 1, wants, 1), 0);
	record_bare(&bare, &src);
	ck_assert_str_eq(bare.session_id, "src");
	ck_assert_uint_eq(bare.nclaims, 0);
	ck_assert_ptr_null(bare.claims);
	ck_assert_uint_eq(bare.wants.npaths, 0);
	ck_assert_ptr_null(bare.wants.paths);
	ck_assert_int_eq(bare.wants.pid, 7);	/* the wait itself is told */
	ck_assert_int_eq(bare.wants.whole, 1);
	ck_assert_str_eq(src.claims[0], "/w/claim");	/* the source keeps its own */
	record_free(&src);
	record_bare(&bare, &bare);	/* in place: drops the vectors */
	ck_assert_ptr_null(bare.claims);
}
END_TEST

START_TEST(claims_and_wants_are_copies)
{
	char path[16] = "/w/a", want[16] = "/w/b";
	const char *wants[] = { want };
	struct record r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(record_claim_add(&r, path), 0);
	ck_assert_int_eq(record_wants_set(&r, 5, 6, 7, 0, wants, 1), 0);
	path[3] = 'z';
	want[3] = 'z';
	ck_assert_str_eq(r.claims[0], "/w/a");
	ck_assert_str_eq(r.wants.paths[0], "/w/b");
	/* A new wait replaces the old one. */
	ck_assert_int_eq(record_wants_set(&r, 8, 0, 9, 1, NULL, 0), 0);
	ck_assert_int_eq(r.wants.pid, 8);
	ck_assert_int_eq(r.wants.whole, 1);
	ck_assert_uint_eq(r.wants.npaths, 0);
	ck_assert_ptr_null(r.wants.paths);
	/* pid 0 ends the wait: nothing is left of it. */
	ck_assert_int_eq(record_wants_set(&r, 5, 6, 7, 0, wants, 1), 0);
	ck_assert_int_eq(record_wants_set(&r, 0, 6, 7, 1, wants, 1), 0);
	ck_assert_int_eq(r.wants.pid, 0);
	ck_assert_uint_eq(r.wants.pid_start, 0);
	ck_assert_int_eq(r.wants.since, 0);
	ck_assert_int_eq(r.wants.whole, 0);
	ck_assert_uint_eq(r.wants.npaths, 0);
	ck_assert_ptr_null(r.wants.paths);
	ck_assert_uint_eq(r.nclaims, 1);	/* the claims are another matter */
	record_free(&r);
}
END_TEST

/* More than memory can hold: calloc() of these many pointers fails at once. */
#define TOO_MANY (SIZE_MAX / 4)

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIT_ASAN 1	/* clang's way of saying it */
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(UNIT_ASAN)
/* Under AddressSanitizer (make test-asan), such a calloc() returns NULL as libc's does. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}
#endif

START_TEST(out_of_memory_in_a_copy_is_an_error)
{
	static char claim[] = "/w/a";
	char *claims[] = { claim };
	struct record src, dst;

	member(&src, "src");
	src.claims = claims;
	src.nclaims = TOO_MANY;	/* never read: the vector cannot be had */
	err_clear();
	ck_assert_int_eq(record_copy(&dst, &src), -1);
	ck_assert_str_eq(err_last(), "out of memory");
	ck_assert_ptr_null(dst.claims);
	ck_assert_uint_eq(dst.nclaims, 0);
	ck_assert_ptr_null(dst.wants.paths);
	/* The wants' vector this time, after the claims were copied. */
	src.nclaims = 1;
	src.wants.pid = 3;
	src.wants.paths = claims;
	src.wants.npaths = TOO_MANY;
	err_clear();
	ck_assert_int_eq(record_copy(&dst, &src), -1);
	ck_assert_str_eq(err_last(), "out of memory");
	ck_assert_ptr_null(dst.claims);
	ck_assert_uint_eq(dst.nclaims, 0);
	ck_assert_ptr_null(dst.wants.paths);
	ck_assert_uint_eq(dst.wants.npaths, 0);
	/* And a set that cannot copy a holder does not take it. */
	err_clear();
	ck_assert_ptr_null(record_set_add(&set, &src));
	ck_assert_uint_eq(set.n, 0);
}
END_TEST

START_TEST(out_of_memory_in_a_wait_is_an_error)
{
	static char want[] = "/w/a";
	const char *wants[] = { want };
	struct record r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(record_wants_set(&r, 5, 6, 7, 0, wants, 1), 0);
	err_clear();
	ck_assert_int_eq(record_wants_set(&r, 8, 0, 9, 0, wants, TOO_MANY), -1);
	ck_assert_str_eq(err_last(), "out of memory");
	/* The wait it had is kept. */
	ck_assert_int_eq(r.wants.pid, 5);
	ck_assert_uint_eq(r.wants.npaths, 1);
	ck_assert_str_eq(r.wants.paths[0], "/w/a");
	record_free(&r);
}
END_TEST

/* The holder fields every refusal below is built around. */
#define SET2 "{\"schema_version\":2,\"workspace\":\"/w\",\"holders\":"
#define HOLDER(id) "{\"session_id\":\"" id "\",\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1"
#define ONE(fields) SET2 "[" HOLDER("s") fields "}]}"

static const struct bad bad_sets[] = {
	/* the holder list */
	{ "{\"schema_version\":2,\"workspace\":\"/w\"}", "'holders' must be an array" },
	{ SET2 "null}", "'holders' must be an array" },
	{ SET2 "{}}", "'holders' must be an array" },
	{ SET2 "\"s\"}", "'holders' must be an array" },
	{ SET2 "[]}", "'holders' is empty" },
	{ SET2 "[1]}", "'holders' must hold objects" },
	{ SET2 "[[]]}", "'holders' must hold objects" },
	{ SET2 "[null]}", "'holders' must hold objects" },
	{ SET2 "[" HOLDER("s") ",\"whole\":true},\"x\"]}", "'holders' must hold objects" },
	{ SET2 "[" HOLDER("a") ",\"whole\":true}," HOLDER("b") ",\"claims\":[\"/w/b\"]},"
	  HOLDER("a") ",\"claims\":[\"/w/a\"]}]}", "session 'a' is listed twice" },
	{ "{\"schema_version\":2,\"workspace\":5,\"holders\":[]}", "'workspace' must be a string" },
	/* a holder's own fields, as strict as schema 1 */
	{ SET2 "[{\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1,\"whole\":true}]}",
	  "'session_id' is missing" },
	{ SET2 "[{\"session_id\":\"\",\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1,\"whole\":true}]}",
	  "'session_id' is empty" },
	{ SET2 "[{\"session_id\":\"s\",\"pid\":-1,\"acquired_at\":1,\"ttl_ms\":1,\"whole\":true}]}",
	  "'pid' must be a positive integer" },
	{ SET2 "[{\"session_id\":\"s\",\"pid\":1,\"ttl_ms\":1,\"whole\":true}]}",
	  "'acquired_at' is missing" },
	{ ONE(",\"whole\":true,\"previous\":1"), "'previous' must be an object" },
	{ ONE(",\"whole\":true,\"busy\":{\"since\":1}"), "'tool' is missing" },
	/* what it holds */
	{ ONE(""), "a holder holds and wants nothing" },
	{ ONE(",\"whole\":false,\"claims\":[]"), "a holder holds and wants nothing" },
	{ ONE(",\"claims\":null,\"wants\":null"), "a holder holds and wants nothing" },
	{ ONE(",\"whole\":null"), "'whole' must be true or false" },	/* as "background" */
	{ ONE(",\"whole\":\"yes\""), "'whole' must be true or false" },
	{ ONE(",\"whole\":1"), "'whole' must be true or false" },
	{ ONE(",\"claims\":\"/w/a\""), "'claims' must be an array of paths" },
	{ ONE(",\"claims\":{\"p\":\"/w/a\"}"), "'claims' must be an array of paths" },
	{ ONE(",\"claims\":[\"w/a\"]"), "'claims' must hold absolute paths" },
	{ ONE(",\"claims\":[\"/w/a\",\"./b\"]"), "'claims' must hold absolute paths" },
	{ ONE(",\"claims\":[\"\"]"), "'claims' must hold absolute paths" },
	{ ONE(",\"claims\":[1]"), "'claims' must hold absolute paths" },
	{ ONE(",\"claims\":[null]"), "'claims' must hold absolute paths" },
	{ ONE(",\"claims\":[[\"/w/a\"]]"), "'claims' must hold absolute paths" },
	/* what it wants */
	{ ONE(",\"wants\":\"/w/a\""), "'wants' must be an object" },
	{ ONE(",\"wants\":[]"), "'wants' must be an object" },
	{ ONE(",\"wants\":{\"since\":1,\"whole\":true}"), "'pid' is missing" },
	{ ONE(",\"wants\":{\"pid\":0,\"since\":1,\"whole\":true}"), "'pid' is out of range" },
	{ ONE(",\"wants\":{\"pid\":\"5\",\"since\":1,\"whole\":true}"), "'pid' must be a number" },
	{ ONE(",\"wants\":{\"pid\":5,\"whole\":true}"), "'since' is missing" },
	{ ONE(",\"wants\":{\"pid\":5,\"since\":-1,\"whole\":true}"), "'since' is out of range" },
	{ ONE(",\"wants\":{\"pid\":5,\"pid_start\":\"x\",\"since\":1,\"whole\":true}"),
	  "'pid_start' must be a number" },
	{ ONE(",\"wants\":{\"pid\":5,\"since\":1,\"whole\":1}"), "'whole' must be true or false" },
	{ ONE(",\"wants\":{\"pid\":5,\"since\":1,\"whole\":true,\"told\":1}"), "'told' must be true or false" },
	{ ONE(",\"wants\":{\"pid\":5,\"since\":1}"), "'wants' wants nothing" },
	{ ONE(",\"wants\":{\"pid\":5,\"since\":1,\"whole\":false,\"paths\":[]}"),
	  "'wants' wants nothing" },
	{ ONE(",\"wants\":{\"pid\":5,\"since\":1,\"paths\":\"/w/a\"}"),
	  "'paths' must be an array of paths" },
	{ ONE(",\"wants\":{\"pid\":5,\"since\":1,\"paths\":[\"w\"]}"),
	  "'paths' must hold absolute paths" },
	{ ONE(",\"claims\":[\"/w/a\"],\"wants\":{\"pid\":5,\"since\":1,\"paths\":[\"/w/b\",7]}"),
	  "'paths' must hold absolute paths" },
	/* a later, merely broken set is not newer */
	{ "{\"schema_version\":2,\"holders\":\"x\"}", "'holders' must be an array" },
};

START_TEST(bad_set_is_refused_with_its_reason)
{
	const struct bad *b = &bad_sets[_i];

	set_ok(&set, full, strlen(full));	/* refused: what was there is freed too */
	err_clear();
	ck_assert_msg(record_set_parse(&set, b->text, strlen(b->text), &newer) == -1,
	    "accepted: %s", b->text);
	ck_assert_msg(strstr(err_last(), b->reason) != NULL,
	    "for %s\nwanted \"%s\", got \"%s\"", b->text, b->reason, err_last());
	ck_assert_int_eq(newer, 0);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_ptr_null(set.h);
	/* record_parse() refuses it for the same reason. */
	err_clear();
	ck_assert_int_eq(parse(b->text), -1);
	ck_assert_ptr_nonnull(strstr(err_last(), b->reason));
}
END_TEST

START_TEST(newer_set_is_flagged)
{
	static const char three[] = "{\"schema_version\":3,\"workspace\":\"/w\",\"holders\":["
	    HOLDER("s") ",\"whole\":true}]}";

	ck_assert_int_eq(record_set_parse(&set, three, strlen(three), &newer), -1);
	ck_assert_int_eq(newer, 1);
	ck_assert_str_eq(err_last(), "schema_version 3 is newer than this program understands");
	set_ok(&set, full, strlen(full));	/* and newer resets */
	ck_assert_int_eq(newer, 0);
}
END_TEST

/* n holders of one claim each, "/w/<i>" (text malloc()ed). */
static char *
many_holders(int n)
{
	size_t size = 64 + (size_t)n * 128, off;
	char *text = malloc(size);
	int i;

	ck_assert_ptr_nonnull(text);
	off = (size_t)snprintf(text, size, SET2 "[");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, size - off, "%s" HOLDER("s%d")
		    ",\"claims\":[\"/w/%d\"]}", i > 0 ? "," : "", i, i);
	snprintf(text + off, size - off, "]}");
	return text;
}

START_TEST(holders_up_to_the_limit)
{
	char *text = many_holders(RECORD_MAX_HOLDERS);

	set_ok(&set, text, strlen(text));
	ck_assert_uint_eq(set.n, RECORD_MAX_HOLDERS);
	ck_assert_str_eq(set.h[RECORD_MAX_HOLDERS - 1].claims[0], "/w/63");
	free(text);
	text = many_holders(RECORD_MAX_HOLDERS + 1);
	ck_assert_int_eq(record_set_parse(&set, text, strlen(text), &newer), -1);
	ck_assert_str_eq(err_last(), "field 'holders' has more than 64 holders");
	ck_assert_int_eq(newer, 0);
	free(text);
}
END_TEST

/* Two holders, one with `a` claims, the other with `b` paths it wants. */
static char *
many_paths(size_t a, size_t b)
{
	size_t size = 256 + (a + b) * 16, off, i;
	char *text = malloc(size);

	ck_assert_ptr_nonnull(text);
	off = (size_t)snprintf(text, size, SET2 "[" HOLDER("a") ",\"claims\":[");
	for (i = 0; i < a; i++)
		off += (size_t)snprintf(text + off, size - off, "%s\"/w/c%zu\"", i ? "," : "", i);
	off += (size_t)snprintf(text + off, size - off, "]}," HOLDER("b")
	    ",\"whole\":false,\"wants\":{\"pid\":9,\"since\":1,\"paths\":[");
	for (i = 0; i < b; i++)
		off += (size_t)snprintf(text + off, size - off, "%s\"/w/w%zu\"", i ? "," : "", i);
	snprintf(text + off, size - off, "]}}]}");
	return text;
}

START_TEST(paths_up_to_the_limit_across_holders)
{
	char *text = many_paths(RECORD_MAX_CLAIMS - 100, 100);

	set_ok(&set, text, strlen(text));
	ck_assert_uint_eq(set.h[0].nclaims, RECORD_MAX_CLAIMS - 100);
	ck_assert_uint_eq(set.h[1].wants.npaths, 100);
	ck_assert_str_eq(set.h[1].wants.paths[99], "/w/w99");
	free(text);
	text = many_paths(RECORD_MAX_CLAIMS - 100, 101);	/* one too many, in all */
	ck_assert_int_eq(record_set_parse(&set, text, strlen(text), &newer), -1);
	ck_assert_str_eq(err_last(), "field 'paths' has more than 16384 paths");
	free(text);
	text = many_paths(RECORD_MAX_CLAIMS + 1, 1);
	ck_assert_int_eq(record_set_parse(&set, text, strlen(text), &newer), -1);
	ck_assert_str_eq(err_last(), "field 'claims' has more than 16384 paths");
	free(text);
}
END_TEST

START_TEST(claim_length_is_bounded)
{
	char *path = malloc(PATH_MAX + 1), *text = malloc(PATH_MAX + 256);

	ck_assert_ptr_nonnull(path);
	ck_assert_ptr_nonnull(text);
	path[0] = '/';
	memset(path + 1, 'p', PATH_MAX - 1);
	path[PATH_MAX] = '\0';	/* PATH_MAX bytes: no room for the NUL */
	snprintf(text, PATH_MAX + 256, ONE(",\"claims\":[\"%s\"]"), path);
	ck_assert_int_eq(record_set_parse(&set, text, strlen(text), &newer), -1);
	ck_assert_str_eq(err_last(), "field 'claims' must hold absolute paths");
	path[PATH_MAX - 1] = '\0';
	snprintf(text, PATH_MAX + 256, ONE(",\"claims\":[\"%s\"]"), path);
	set_ok(&set, text, strlen(text));
	ck_assert_uint_eq(strlen(set.h[0].claims[0]), PATH_MAX - 1);
	free(text);
	free(path);
}
END_TEST

START_TEST(every_prefix_of_a_set_is_refused)
{
	size_t len = strlen(set2), cut;

	for (cut = 0; cut < len - 1; cut++) {
		ck_assert_msg(record_set_parse(&set, set2, cut, &newer) == -1,
		    "accepted the first %zu bytes", cut);
		ck_assert_uint_eq(set.n, 0);
	}
	set_ok(&set, set2, len - 1);	/* without the trailing newline */
	ck_assert_uint_eq(set.n, 3);
}
END_TEST

/* The re-entrant path's shortcut: one holder out of a formatted set, or nothing. */
START_TEST(parse_one_finds_its_holder_only)
{
	struct record_set one = RECORD_SET_INIT;
	char *text;

	ck_assert_int_eq(record_set_parse(&set, set2, strlen(set2), &newer), 0);
	text = record_set_format(&set);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(record_set_parse_one(&one, text, strlen(text), "sess-C"), 1);
	ck_assert_uint_eq(one.n, 1);
	ck_assert_str_eq(one.h[0].session_id, "sess-C");
	ck_assert_int_eq(one.h[0].wants.pid, 6161);
	ck_assert_int_eq(record_set_parse_one(&one, text, strlen(text), "run:77:1"), 1);
	ck_assert_str_eq(one.h[0].command, "make test");
	ck_assert_uint_eq(one.h[0].nclaims, 1);
	/* Not listed, or listed only as someone's "previous": nothing. */
	ck_assert_int_eq(record_set_parse_one(&one, text, strlen(text), "old"), 0);
	ck_assert_int_eq(record_set_parse_one(&one, text, strlen(text), "sess"), 0);
	ck_assert_uint_eq(one.n, 0);
	free(text);
	record_set_free(&one);
}
END_TEST

START_TEST(parse_one_leaves_anything_else_to_the_full_parse)
{
	static const char newer3[] = "{\"schema_version\":3,\"workspace\":\"/w\",\"holders\":["
	    "{\"session_id\":\"s\",\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1,\"whole\":true}]}";
	static const char torn[] = "{\"schema_version\":2,\"workspace\":\"/w\",\"holders\":["
	    "{\"session_id\":\"s\",\"pid\":42,\"acq";
	static const char quoted[] = "{\"schema_version\":2,\"workspace\":\"/w\",\"holders\":["
	    "{\"session_id\":\"a\\\"b\",\"pid\":42,\"acquired_at\":1,\"ttl_ms\":1,\"whole\":true}]}";
	struct record_set one = RECORD_SET_INIT;
	char *v1;

	/* Schema 1: a record of one holder is cheap to parse whole. */
	ck_assert_int_eq(record_parse(&rec, full, strlen(full), &newer), 0);
	v1 = record_format(&rec);
	ck_assert_ptr_nonnull(v1);
	ck_assert_int_eq(record_set_parse_one(&one, v1, strlen(v1), rec.session_id), 0);
	ck_assert_int_eq(record_set_parse_one(&one, newer3, strlen(newer3), "s"), 0);
	ck_assert_int_eq(record_set_parse_one(&one, torn, strlen(torn), "s"), 0);
	/* A key that JSON escapes is found as it is written. */
	ck_assert_int_eq(record_set_parse_one(&one, quoted, strlen(quoted), "a\"b"), 1);
	ck_assert_str_eq(one.h[0].session_id, "a\"b");
	free(v1);
	record_set_free(&one);
	record_free(&rec);
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

	tc = tcase_create("schema 2");
	tcase_add_checked_fixture(tc, NULL, set_teardown);
	tcase_add_test(tc, set_reads_every_holder);
	tcase_add_test(tc, set_round_trip_is_stable);
	tcase_add_test(tc, record_parse_of_a_set_is_its_first_holder);
	tcase_add_test(tc, schema_1_reads_as_one_whole_holder);
	tcase_add_test(tc, one_whole_holder_is_written_as_schema_1);
	tcase_add_test(tc, a_schema_2_set_of_one_whole_holder_is_written_as_schema_1);
	tcase_add_test(tc, anything_but_one_bare_whole_holder_is_schema_2);
	tcase_add_test(tc, a_built_set_round_trips);
	tcase_add_test(tc, a_set_parsed_again_starts_afresh);
	tcase_add_test(tc, an_empty_set_is_not_formatted);
	tcase_add_test(tc, set_add_copies_and_remove_keeps_the_order);
	tcase_add_test(tc, a_set_holds_at_most_the_limit);
	tcase_add_test(tc, record_copy_is_deep);
	tcase_add_test(tc, record_bare_leaves_what_the_record_owns);
	tcase_add_test(tc, claims_and_wants_are_copies);
	tcase_add_test(tc, out_of_memory_in_a_copy_is_an_error);
	tcase_add_test(tc, out_of_memory_in_a_wait_is_an_error);
	tcase_add_loop_test(tc, bad_set_is_refused_with_its_reason, 0,
	    (int)(sizeof(bad_sets) / sizeof(bad_sets[0])));
	tcase_add_test(tc, newer_set_is_flagged);
	tcase_add_test(tc, holders_up_to_the_limit);
	tcase_add_test(tc, paths_up_to_the_limit_across_holders);
	tcase_add_test(tc, claim_length_is_bounded);
	tcase_add_test(tc, every_prefix_of_a_set_is_refused);
	tcase_add_test(tc, parse_one_finds_its_holder_only);
	tcase_add_test(tc, parse_one_leaves_anything_else_to_the_full_parse);
	suite_add_tcase(s, tc);
	return s;
}
