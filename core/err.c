/*
 * err.c - the per-process "last error" text (see err.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static char last[1024];

int
err_set(const char *fmt, ...)
{
	int saved = errno;
	size_t n, flen = strlen(fmt);
	char text[sizeof(last)];
	va_list ap;

	/* Format aside first: an argument may be err_last() itself. */
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	memcpy(last, text, sizeof(last));
	if (flen > 0 && fmt[flen - 1] == ':') {
		n = strlen(last);
		snprintf(last + n, sizeof(last) - n, " %s", strerror(saved));
	}
	errno = saved;
	return -1;
}

const char *
err_last(void)
{
	return last;
}

void
err_clear(void)
{
	last[0] = '\0';
}
