/*
 * fuzz_record - libFuzzer target for the lock-record parser (record_parse,
 * record_set_parse).
 *
 * Any byte string must parse or be refused (corrupt, or newer), never crash
 * or read out of bounds, and the two parsers must agree on which. A record
 * that parses must survive a round trip: record_format() of it parses
 * again, and formatting that gives the same text (what the hooks write,
 * they can read back unchanged); so must a set of holders, through
 * record_set_format() (schema 1 or 2).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed set must be one the rules can hold: checks what parsing promises. */
static void
check_set(const struct record_set *s)
{
	size_t i;

	if (s->n < 1 || s->n > RECORD_MAX_HOLDERS || s->h == NULL)
		abort();
	if (s->schema_version == RECORD_SCHEMA_SINGLE && (s->n != 1 || !s->h[0].whole))
		abort();
	for (i = 0; i < s->n; i++) {
		const struct record *r = &s->h[i];

		if (r->pid <= 0 || r->session_id[0] == '\0' || r->ttl_ms <= 0)
			abort();
		if (!r->whole && r->nclaims == 0 && r->wants.pid == 0)
			abort();	/* a holder that holds and wants nothing */
		if (record_set_find(s, r->session_id) != (int)i)
			abort();	/* one session listed twice */
	}
}

/* The session id of the seeds (tests/fuzz/run.sh), so that the shortcut finds holders. */
#define SEED_SESSION "cc57b173-9f31-4ed4-8578-34257355fc14"

/* The set round trip: format, parse, format again, the same text. */
static void
set_round_trip(const char *buf, size_t size, int parsed_single)
{
	static struct record_set s = RECORD_SET_INIT, again = RECORD_SET_INIT;
	char *text, *text2;
	int newer = 0;

	/* The re-entrant shortcut reads any bytes safely, and finds at most one holder. */
	if (record_set_parse_one(&s, buf, size, SEED_SESSION) == 1 &&
	    (s.n != 1 || strcmp(s.h[0].session_id, SEED_SESSION) != 0))
		abort();
	if (record_set_parse(&s, buf, size, &newer) != 0) {
		if (err_last()[0] == '\0' || parsed_single)
			abort();	/* record_parse() took what this refuses */
		return;
	}
	if (newer || !parsed_single)
		abort();
	check_set(&s);
	text = record_set_format(&s);
	if (text == NULL)
		abort();
	if (record_set_parse(&again, text, strlen(text), &newer) != 0)
		abort();	/* we wrote a set we cannot read */
	check_set(&again);
	if (again.n != s.n)
		abort();
	text2 = record_set_format(&again);
	if (text2 == NULL || strcmp(text, text2) != 0)
		abort();	/* the round trip changed the set */
	free(text2);
	free(text);
	record_set_free(&s);
	record_set_free(&again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct record r, again;
	char *buf = malloc(size ? size : 1), *text, *text2;
	int newer = 0;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (record_parse(&r, buf, size, &newer) != 0) {
		if (err_last()[0] == '\0')
			abort();
		set_round_trip(buf, size, 0);
		free(buf);
		return 0;
	}
	if (newer || r.pid <= 0 || r.session_id[0] == '\0' || r.ttl_ms <= 0)
		abort();
	text = record_format(&r);
	if (text == NULL)
		abort();
	if (record_parse(&again, text, strlen(text), &newer) != 0)
		abort();	/* we wrote something we cannot read */
	text2 = record_format(&again);
	if (text2 == NULL || strcmp(text, text2) != 0)
		abort();	/* the round trip changed the record */
	free(text2);
	free(text);
	/* record_parse() of a schema-2 set hands over the first holder's claims. */
	record_free(&r);
	record_free(&again);
	set_round_trip(buf, size, 1);
	free(buf);
	return 0;
}
