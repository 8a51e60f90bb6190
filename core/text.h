/*
 * text.h - what we print for people and hand to the client carries no
 * control characters.
 *
 * Session ids, paths, host names, commands and log lines come from outside:
 * the client's input, the file system, other sessions' records. Printed
 * raw, an ESC sequence in one of them reaches a terminal, which obeys it
 * (moves the cursor, rewrites the line, retitles the window, hides the rest
 * of the message). text_escape() is the one place that makes such bytes
 * visible; every text we print goes through it: the hooks' stderr lines and
 * JSON messages (hook.c), and the command line's output (cli/report.c).
 *
 * TEXT_LINE (for terminals and the client's messages) writes each of these
 * bytes as \xNN, two lower-case hex digits:
 *   - the C0 controls 0x00-0x1f (newline and tab too: a message is one
 *     line) and DEL 0x7f;
 *   - the C1 controls U+0080-U+009F, two bytes each in UTF-8 (0xc2 0x80-0x9f),
 *     which some terminals obey as well;
 *   - every byte that is not part of well-formed UTF-8 (a lone 0x9b is CSI
 *     to an 8-bit terminal; also overlong forms, surrogates, > U+10FFFF).
 * All other text, valid UTF-8 in any script, is copied as is. A backslash
 * is not doubled: the result is for reading, not for decoding back.
 *
 * TEXT_JSON (for a JSON document cJSON printed): cJSON already writes the C0
 * controls in strings as \u00XX but copies DEL, C1 and invalid bytes raw;
 * those become \u00XX (a byte that is not UTF-8 counts as the code point of
 * its value, as in Latin-1), so the document stays valid JSON and UTF-8 and
 * means what it meant. Newline and tab, which cJSON's layout puts between
 * tokens, stay; other C0 bytes (a hand-edited log line) become \u00XX.
 */
#ifndef SL_TEXT_H
#define SL_TEXT_H

#include <stddef.h>

enum text_mode {
	TEXT_LINE,
	TEXT_JSON,
};

/*
 * Copies in to out (size bytes, NUL-terminated when size > 0), escaped.
 * Returns the length of the whole result without the NUL, as snprintf does:
 * a return of size or more means out was cut, at a character or escape
 * boundary. text_escape(NULL, 0, in, mode) measures.
 */
size_t text_escape(char *out, size_t size, const char *in, enum text_mode mode);

/* The same, whole, in malloc()ed memory; NULL when out of memory. */
char *text_escaped(const char *in, enum text_mode mode);

#endif
