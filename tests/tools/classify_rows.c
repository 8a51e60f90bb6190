/*
 * classify_rows - prints the command lines of the classifier's table
 * (tests/unit/classify_table.h) that it must call read-only, each ended by
 * a NUL byte (they may hold newlines), for tests/contract/test_classify_diff.sh
 * to run. The same rows as the unit test, not a copy.
 */
#include <stdio.h>
#include <string.h>

#include "classify_table.h"

int
main(void)
{
	size_t k;

	for (k = 0; k < N_TABLE; k++)
		if (classify_table[k].expect == RO)
			fwrite(classify_table[k].command, 1,
			    strlen(classify_table[k].command) + 1, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
