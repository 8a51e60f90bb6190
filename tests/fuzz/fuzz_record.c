/*
 * fuzz_record - libFuzzer target for the lock-record parser (record_parse).
 *
 * Any byte string must parse or be refused (corrupt, or newer), never crash
 * or read out of bounds. A record that parses must survive a round trip:
 * record_format() of it parses again, and formatting that gives the same
 * text (what the hooks write, they can read back unchanged).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	free(buf);
	return 0;
}
