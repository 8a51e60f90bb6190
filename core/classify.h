/*
 * classify.h - does a Bash command only read, or may it change files?
 *
 * A command that only reads may run without the workspace lock, even while
 * another session holds it; anything else needs the lock. The answer is
 * conservative: a command is READONLY only when every simple command in it
 * is on the read-only list and nothing around them (a redirection to a file,
 * a command substitution, a here-document that expands one) can write or
 * run something unseen. Whatever cannot be understood is MUTATING.
 * session-lock itself (by name or by any path to it) is READONLY for
 * status, log, hash, doctor and wait, MUTATING for release, gc, run and
 * settings, whatever the user's read-only patterns say.
 *
 * Calling sequence: classify_new() once per process, with the user's extra
 * patterns from the configuration; classify_bash() for each command;
 * classify_free(). classify_bash() compiles the default patterns it needs
 * on first use and caches them in the struct, so one struct classify must
 * not be used by two threads at once (the hooks are single-threaded).
 *
 * Patterns are PCRE2 and match one simple command in normalised form: its
 * words after quote removal, joined by single spaces, with leading
 * NAME=value assignments, shell keywords (if, then, do, !, { ...) and the
 * wrappers time, nice, timeout, command, env and xargs taken off, and
 * without its redirections (those are judged on their own). A pattern must
 * match the whole of that text; it is anchored at both ends for you. The
 * mutating list wins over the read-only list, and the default always-
 * mutating patterns win over the user's read-only ones. docs/classify.md
 * lists the rules and the defaults.
 *
 * This is a guard against two sessions writing at once by mistake, not a
 * sandbox: a command built to hide a write from a static reading of the
 * shell text can.
 *
 * Error handling: only classify_new() fails (-1 with err_set()).
 * classify_bash() never fails; running out of memory or hitting PCRE2's
 * match limit makes the answer MUTATING.
 */
#ifndef SL_CLASSIFY_H
#define SL_CLASSIFY_H

#include <stddef.h>

/* Opaque: the compiled patterns. */
struct classify;

/*
 * Compiles the user's extra patterns (PCRE2 syntax, each must match a whole
 * simple command; either array may be NULL when its count is 0) and sets up
 * the defaults. On success stores a new struct in *out and returns 0; the
 * caller frees it with classify_free(). Returns -1 with err_set() naming the
 * bad pattern and PCRE2's message and offset, leaving *out untouched.
 */
int classify_new(struct classify **out, const char *const *readonly_extra,
    size_t n_readonly, const char *const *mutating_extra, size_t n_mutating);

enum bash_class { BASH_READONLY = 0, BASH_MUTATING = 1 };

/*
 * Classifies a whole command line. When why is not NULL and whylen > 0, it
 * receives a short reason for MUTATING, e.g. "redirection to a file",
 * "command substitution", "'sed -i' writes files", "'make' is a build
 * tool", "'foo' is not on the read-only list" (truncated to fit), or ""
 * for READONLY. Never fails: anything it cannot understand is MUTATING.
 */
enum bash_class classify_bash(const struct classify *c, const char *command,
    char *why, size_t whylen);

/* Frees c and everything it holds. c may be NULL. */
void classify_free(struct classify *c);

#endif
