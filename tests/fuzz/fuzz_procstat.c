/*
 * fuzz_procstat - libFuzzer target for the /proc/<pid>/stat parser
 * (proc_stat_parse): process names may contain spaces and parentheses, so
 * the parser must take the fields after the last ')' and never read past
 * the text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_stat st;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (proc_stat_parse(&st, text) == 0) {
		if (st.pid <= 0 || st.state == '\0' || strlen(st.comm) >= sizeof(st.comm))
			abort();
	}
	free(text);
	return 0;
}
