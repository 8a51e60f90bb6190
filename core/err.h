/*
 * err.h - the last error, as one line of text.
 *
 * Library functions return -1 (or an error enum) and describe the failure
 * here; only a program's main() decides what to print and how to exit. The
 * text follows the project's message style: lower-case, no full stop, the
 * subject quoted, the cause last ("cannot open '/x': Permission denied").
 *
 * The buffer is per process (the programs are single-threaded). A new
 * err_set() replaces the previous text; err_last() never returns NULL.
 */
#ifndef SL_ERR_H
#define SL_ERR_H

#include <stddef.h>

/*
 * Records a message and returns -1, so that a failing path can say
 * `return err_set("cannot read '%s'", path);`. When fmt ends with ':' the
 * text of the current errno is appended after ": ". errno is preserved.
 * err_last() may be one of the arguments (to add context to a message).
 */
int err_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The last message set, or "" when none was. */
const char *err_last(void);

/* Forgets the last message. */
void err_clear(void);

#endif
