/*
 * text.c - control characters made visible (see text.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629, table 3-7 of
 * the Unicode standard), or 0 when the byte at s does not start one.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range excludes overlong forms, surrogates, > U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

#define NOT_CUT ((size_t)-1)

/*
 * Appends len bytes at *at, unless out is already cut or they do not fit
 * with the NUL: then out is cut at *at. Counts them either way.
 */
static void
emit(char *out, size_t size, size_t *at, size_t *cut, const void *bytes, size_t len)
{
	if (*cut == NOT_CUT && *at + len >= size)
		*cut = *at;
	if (*cut == NOT_CUT)
		memcpy(out + *at, bytes, len);
	*at += len;
}

size_t
text_escape(char *out, size_t size, const char *in, enum text_mode mode)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t at = 0, cut = NOT_CUT, n;
	char esc[16];
	int c1;

	if (out == NULL)
		size = 0;
	while (*s != '\0') {
		n = utf8_len(s);
		c1 = n == 2 && s[0] == 0xc2 && s[1] <= 0x9f;
		if ((n == 1 && *s >= 0x20 && *s != 0x7f) || (n > 1 && !c1) ||
		    (n == 1 && mode == TEXT_JSON && (*s == '\n' || *s == '\t'))) {
			emit(out, size, &at, &cut, s, n);
			s += n;
			continue;
		}
		/* A control, or a byte that is not UTF-8. */
		if (mode == TEXT_JSON)
			snprintf(esc, sizeof(esc), "\\u%04x", c1 ? s[1] : s[0]);
		else if (c1)
			snprintf(esc, sizeof(esc), "\\xc2\\x%02x", s[1]);
		else
			snprintf(esc, sizeof(esc), "\\x%02x", s[0]);
		emit(out, size, &at, &cut, esc, strlen(esc));
		s += c1 ? 2 : 1;
	}
	if (size > 0)
		out[cut == NOT_CUT ? at : cut] = '\0';
	return at;
}

char *
text_escaped(const char *in, enum text_mode mode)
{
	size_t size = text_escape(NULL, 0, in, mode) + 1;
	char *out = malloc(size);

	if (out != NULL)
		text_escape(out, size, in, mode);
	return out;
}
