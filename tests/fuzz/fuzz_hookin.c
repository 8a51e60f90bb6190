/*
 * fuzz_hookin - libFuzzer target for the hook-input parser (hookin_parse).
 *
 * Any byte string must parse or be refused with a message, never crash,
 * leak or read out of bounds; when it parses, the fields it promises are
 * consistent (session_id non-empty, timeout -1 or positive), and the reader
 * of a session id holding a NUL accepts whatever cJSON accepted.
 */
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hookin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hook_input in;
	/* A copy without a terminating NUL: the parser must honour the length. */
	char *buf = malloc(size ? size : 1);

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	if (hookin_parse(&in, buf, size) == 0) {
		const cJSON *sid = cJSON_GetObjectItemCaseSensitive(in.root, "session_id");

		if (in.session_id == NULL || in.session_id[0] == '\0' || !cJSON_IsString(sid))
			abort();
		/* an id kept as itself is cJSON's string, whole */
		if (strncmp(in.session_id, "sha256:", 7) != 0 &&
		    strcmp(in.session_id, sid->valuestring) != 0)
			abort();
		if (in.timeout_ms != -1 && in.timeout_ms <= 0)
			abort();
		if (in.background_tasks < 0)
			abort();
		hookin_free(&in);
	} else if (err_last()[0] == '\0') {
		abort();	/* a refusal always says why */
	} else if (strstr(err_last(), "cannot be read whole") != NULL) {
		abort();	/* cJSON took it, but the id reader did not */
	}
	free(buf);
	return 0;
}
