/*
 * classify.c - reading a Bash command line to tell readers from writers.
 *
 * The line is read once, left to right, by a small hand-written scanner
 * rather than a shell grammar: it only has to find the boundaries of simple
 * commands (unquoted ; && || | |& & newline ( ) ), remove quotes from their
 * words, and notice the constructs that can write or run code wherever they
 * are: redirections to files, $( ) and backticks (also inside double
 * quotes and unquoted here-documents), <( ) and >( ), and the forms that
 * evaluate a value as code ((( )), ${!x}, ${a[$i]}, ${x:$i}, ${x@P}: each
 * runs cmd when the value is 'a[$(cmd)]'). It is iterative with explicit
 * buffers, so no input can make it recurse, and everything it cannot read
 * (unterminated quotes, ${ or here-documents, a redirection without a
 * target) ends the scan as MUTATING. The first reason found is the answer;
 * nothing after it is read.
 *
 * Each simple command is then judged on its words:
 *
 *   1. shell keywords, NAME=value assignments and the wrappers time, nice,
 *      timeout, command, env and xargs are stepped over (assignments to
 *      names that change what runs, such as PATH or LD_PRELOAD, are
 *      MUTATING; xargs' input becomes arguments nobody can see); the
 *      builtins that set or evaluate variables by name (read, printf -v,
 *      wait -p, test -v, [[ -eq) take only plain names and numbers;
 *   2. the user's mutating patterns, then the default mutating rules (forms
 *      such as sed -i or find -delete, and names such as rm or tee), then
 *      our own command line, by its subcommand;
 *   3. the read-only rules, defaults then the user's. A rule marked
 *      RULE_LITERAL, and every user rule, refuses a command whose arguments
 *      could expand into options ("$x", $x, a leading glob, {a,b}): find
 *      . $x is find -delete when x is "-delete";
 *   4. otherwise MUTATING, with the reason a category gives ("'make' is a
 *      build tool") or "not on the read-only list".
 *
 * Rules are looked up by the command's name before any pattern runs, and a
 * default pattern is compiled on the first command that needs it: a hook
 * process classifies one command, so compiling the whole table up front
 * would cost more than everything else together. The user's patterns are
 * compiled in classify_new() so that a bad one is reported at once.
 *
 * Why words and not one regular expression over the whole line: quoting
 * decides what is a separator and what is data, and patterns over raw text
 * cannot see that ("a > b" in quotes is not a redirection). Why patterns for
 * the rules and not C: users extend the same lists in the same language.
 * sed is the exception: whether its script can write (w, W, e, s///w)
 * depends on which word is the script, which only the words know.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "err.h"

/*
 * PCRE2 work limits per match: far above what any real command needs
 * (thousands of words), low enough that a hostile line costs milliseconds.
 * Hitting one counts as "matched" for a mutating rule and "not matched"
 * for a read-only one.
 */
#define CLASSIFY_MATCH_LIMIT	1000000
#define CLASSIFY_DEPTH_LIMIT	10000

#define COMPILE_OPTIONS	(PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_DOTALL)

/* Word flags. */
#define W_QUOTED	1u	/* partly quoted or escaped: not a keyword */
#define W_OPAQUE	2u	/* may split, or start with '-' */
#define W_ASSIGN	4u	/* NAME=value or NAME+=value, NAME unquoted */
#define W_SPLIT		8u	/* may become several words (also opaque) */

/* Rule flags. */
#define RULE_MUTATING	1u	/* a match makes the command MUTATING */
#define RULE_READONLY	2u	/* a match makes it READONLY ... */
#define RULE_LITERAL	4u	/* ... only when no argument is opaque */
#define RULE_REASON	8u	/* no verdict: the reason if nothing matched */

struct scan;

/*
 * One default rule. names lists the command names it applies to, separated
 * by spaces; pattern NULL matches any arguments. why is a format with one
 * %s, the command's name. check, when set, must also accept the command.
 * words, when set, lists arguments of which one must be present (a '*' at
 * the end of one makes it a prefix): cheaper than a pattern and exact.
 */
struct rule {
	const char *names;
	const char *pattern;
	unsigned flags;
	const char *why;
	int (*check)(struct scan *sc, size_t i);
	const char *words;
};

struct classify {
	pcre2_code **readonly;		/* the user's */
	size_t n_readonly;
	pcre2_code **mutating;
	char **mutating_src;		/* their text, for the reason */
	size_t n_mutating;
	pcre2_code **dflt;		/* N_SLOTS, compiled on first use */
	pcre2_match_context *mctx;
};

struct word {
	size_t off;			/* in scan.buf */
	size_t len;
	unsigned flags;
};

struct heredoc {
	size_t off, len;		/* the delimiter, in scan.dbuf */
	int strip;			/* <<- : leading tabs are ignored */
	int literal;			/* quoted delimiter: no expansion */
};

/*
 * The state of one classify_bash() call. buf holds the words of the
 * current simple command, separated by single spaces, so the normalised
 * text of the command from word i on is buf + w[i].off up to blen. Quote
 * removal never lengthens text, so buf and dbuf need only the command's
 * length; put() still checks.
 */
struct scan {
	const struct classify *c;
	const char *p;
	char *buf;
	size_t blen, bcap;
	char *dbuf;
	size_t dlen;
	size_t wstart;			/* where the word being read begins */
	struct word *w;
	size_t nw, wcap;
	struct heredoc *hd;
	size_t nhd, hdcap;
	pcre2_match_data *md;
	char *why;
	size_t whylen;
};

/* --- the default rules --------------------------------------------------- */

#define ARGS	"(?: .*)?"

/*
 * git: readonly_git() steps over the global options that cannot make git
 * write or run anything (--no-pager, -C DIR, -c color.*=..., ...), then
 * accepts a subcommand that only reads, whatever its arguments (bar the
 * --output and grep -O caught above), or one of the read-only forms below,
 * each matched against the text from the subcommand on.
 */
static const char git_readers[] =
	"status diff log show blame annotate rev-parse rev-list ls-files"
	" ls-tree grep describe shortlog cat-file merge-base name-rev"
	" for-each-ref show-ref show-branch whatchanged diff-tree diff-index"
	" diff-files count-objects check-ignore check-attr check-ref-format"
	" cherry range-diff var version verify-commit verify-tag";

#define GIT_FILTER \
	"(?:--contains|--no-contains|--merged|--no-merged|--points-at)" \
	"(?:=\\S+| (?!-)\\S+)?"
#define GIT_LISTING \
	"|-i|--ignore-case|(?:--sort|--format)(?:=| )\\S+|--color(?:=\\S+)?" \
	"|--no-color|--column(?:=\\S+)?|--no-column|--omit-empty|" GIT_FILTER
#define BRANCH_OPT \
	"(?:-[arvl]+|--all|--remotes|--verbose|--list|--show-current" \
	"|--abbrev=\\d+|--no-abbrev" GIT_LISTING ")"
#define TAG_OPT	"(?:-l|--list|-n\\d*" GIT_LISTING ")"
#define CONFIG_OPT \
	"(?:--global|--system|--local|--worktree" \
	"|(?:--file|-f|--blob|--type|--default)(?:=| )\\S+|--includes" \
	"|--no-includes|--show-origin|--show-scope|--name-only|-z|--null" \
	"|--bool|--int|--bool-or-int|--path|--expiry-date|--fixed-value)"

/* The subcommands git_forms[] are for, in the same order. */
static const char git_form_names[] =
	"branch tag stash config remote reflog worktree notes submodule";

static const char *const git_forms[] = {
	/*
	 * names are patterns only when listing (--list or a filter):
	 * otherwise they are created, also after -v ("git branch -v x")
	 */
	"(?(DEFINE)(?<o>" BRANCH_OPT "))branch"
	"(?:(?=.* (?:--list|--contains|--no-contains|--merged"
	"|--no-merged|--points-at|-[arv]*l[arvl]*)(?:[ =]|$))"
	"(?: (?:(?&o)|(?!-)\\S+))*|(?: (?&o))*)",
	"(?(DEFINE)(?<o>" TAG_OPT "))tag"
	"(?:(?=.* (?:-l|--list|-n\\d*|--contains|--no-contains|--merged"
	"|--no-merged|--points-at)(?:[ =]|$))(?: (?:(?&o)|(?!-)\\S+))*"
	"|(?: (?&o))*| (?:-v|--verify)(?: (?!-)\\S+)+)",
	"stash (?:list|show)" ARGS,
	/* git config stops at the first operand: options come first */
	"config(?: " CONFIG_OPT ")* (?:--get|--get-all|--get-regexp"
	"|--get-urlmatch|--get-color|--get-colorbool|--list|-l)"
	"(?: " CONFIG_OPT ")*(?: (?!-)\\S+)*"
	"|config (?:get|list)" ARGS,
	"remote(?: -v| --verbose)?|remote (?:get-url|show)" ARGS,
	"reflog(?!.* (?:expire|delete|drop|write)(?: |$))" ARGS,
	"worktree list" ARGS,
	"notes (?:list|show)" ARGS,
	"submodule status" ARGS,
};

#define N_GIT_FORMS	(sizeof(git_forms) / sizeof(git_forms[0]))

static int sed_readonly(struct scan *sc, size_t i);
static int readonly_git(struct scan *sc, size_t i);

static const struct rule rules[] = {
	/* Mutating whatever else is configured. */
	{ "tee dd", NULL, RULE_MUTATING, "'%s' writes files", NULL, NULL },
	{ "rm rmdir mv cp mkdir touch chmod chown chgrp ln truncate shred"
	  " unlink install mkfifo mknod patch", NULL, RULE_MUTATING,
	  "'%s' changes files", NULL, NULL },
	{ "eval exec source .", NULL, RULE_MUTATING,
	  "'%s' runs code that cannot be checked", NULL, NULL },
	{ "sudo doas su", NULL, RULE_MUTATING,
	  "'%s' runs a command as another user", NULL, NULL },
	{ "sed", "sed" ARGS " (?:-[^-\\s]*i\\S*|--i\\S*)" ARGS, RULE_MUTATING,
	  "'sed -i' writes files", NULL, NULL },
	{ "find", NULL, RULE_MUTATING, "'find -delete' deletes files", NULL,
	  "-delete" },
	{ "find", NULL, RULE_MUTATING, "'find -exec' runs commands", NULL,
	  "-exec -execdir -ok -okdir" },
	{ "find", NULL, RULE_MUTATING, "'find -fprint' writes files", NULL,
	  "-fprint -fprint0 -fprintf -fls" },
	{ "sort", "sort" ARGS " (?:-[^-\\s]*o\\S*|--o\\S*)" ARGS, RULE_MUTATING,
	  "'sort -o' writes a file", NULL, NULL },
	{ "sort", "sort" ARGS " --co\\S*" ARGS, RULE_MUTATING,
	  "'sort --compress-program' runs a program", NULL, NULL },
	{ "tree", "tree" ARGS " (?:-[^-\\s]*o\\S*|--o\\S*)" ARGS, RULE_MUTATING,
	  "'tree -o' writes a file", NULL, NULL },
	/* -R runs tree again in each directory with -o 00Tree.html */
	{ "tree", "tree" ARGS " -[^-\\s]*R\\S*" ARGS, RULE_MUTATING,
	  "'tree -R' writes files", NULL, NULL },
	/* -k: NAME=value anywhere in a command goes into its environment */
	{ "set", "set" ARGS " (?:-[a-zA-Z]*k[a-zA-Z]*|[-+]o keyword)" ARGS,
	  RULE_MUTATING, "'set -k' turns arguments into variables", NULL,
	  NULL },
	{ "file", "file" ARGS " (?:-[^-\\s]*C\\S*|--c\\S*)" ARGS, RULE_MUTATING,
	  "'file -C' writes a file", NULL, NULL },
	{ "date", "date" ARGS " (?:-[uR]*s\\S*|--s\\S*)" ARGS, RULE_MUTATING,
	  "'date -s' sets the clock", NULL, NULL },
	{ "less", "less" ARGS " (?:-[^-\\s]*[oO]\\S*|--[lL][oO]\\S*)" ARGS,
	  RULE_MUTATING, "'less -o' writes a file", NULL, NULL },
	{ "fd fdfind", "(?:fd|fdfind)" ARGS " (?:-[^-\\s]*[xX]\\S*|--exec\\S*)"
	  ARGS, RULE_MUTATING, "'fd -x' runs commands", NULL, NULL },
	{ "rg", "rg" ARGS " --(?:pre|hostname-bin)(?:=\\S*)?" ARGS,
	  RULE_MUTATING, "'rg --pre' runs a program", NULL, NULL },
	{ "git", NULL, RULE_MUTATING, "'git --output' writes a file", NULL,
	  "--ou*" },
	{ "git", NULL, RULE_MUTATING, "'git grep -O' runs a program", NULL,
	  "-O* --open-files-in-pager*" },

	/* Read-only with any arguments. */
	{ "ls cat head tail wc pwd echo printf grep egrep fgrep stat du df"
	  " which type whoami id uname printenv true false test [ realpath"
	  " [[ readlink basename dirname diff cmp cut tr nl od hexdump md5sum"
	  " sha1sum sha224sum sha256sum sha384sum sha512sum b2sum cksum jq"
	  " more cd pushd popd dirs : tac rev paste comm join column fold"
	  " expand unexpand strings base64 seq sleep nproc read ps pgrep wait"
	  " locale tty groups", NULL, RULE_READONLY, NULL, NULL, NULL },
	/* ... when no argument can turn into one of the options above. */
	{ "find sort tree file date less rg fd fdfind", NULL,
	  RULE_READONLY | RULE_LITERAL, NULL, NULL, NULL },
	/* ... in the forms given. */
	{ "sed", NULL, RULE_READONLY | RULE_LITERAL, NULL, sed_readonly, NULL },
	{ "git", NULL, RULE_READONLY | RULE_LITERAL, NULL, readonly_git, NULL },
	{ "uniq", "uniq(?: (?:-[cdDiuz]+|-[cdDiuz]*[fsw] ?\\d+|--(?:count"
	  "|repeated|all-repeated(?:=\\w+)?|group(?:=\\w+)?|ignore-case|unique"
	  "|zero-terminated)|--(?:skip-fields|skip-chars|check-chars)(?:=| )"
	  "\\d+))*(?: (?!-)\\S+)?", RULE_READONLY | RULE_LITERAL, NULL, NULL,
	  NULL },
	{ "xxd", "xxd(?: (?:-[abeupiCdrEvh]\\S*|-[cglnosR](?:\\S+| \\S+)))*"
	  "(?: (?!-)\\S+)?", RULE_READONLY | RULE_LITERAL, NULL, NULL, NULL },
	/* no @name: gawk's @load, @include and indirect calls, @f("...") */
	{ "awk gawk mawk nawk", "(?:awk|gawk|mawk|nawk)(?: (?:-F|-v) ?\\S+)*"
	  "(?! -)(?!.*(?:system|[|>]|@\\s*[A-Za-z_]))" ARGS,
	  RULE_READONLY | RULE_LITERAL, NULL, NULL, NULL },
	{ "env", "env(?: (?:-0|--null|-i|-|--ignore-environment|-u ?\\S+"
	  "|--unset=\\S+|[A-Za-z_]\\w*=\\S*))*", RULE_READONLY | RULE_LITERAL,
	  NULL, NULL, NULL },
	{ "command", "command(?: -p)? -[pvV]*[vV][pvV]*" ARGS, RULE_READONLY,
	  NULL, NULL, NULL },
	{ "set", "set(?: [-+][a-zA-Z]*(?:o \\w+)?)*", RULE_READONLY, NULL,
	  NULL, NULL },
	{ "shopt", "shopt(?: -[supqo]+)*(?: \\w+)*", RULE_READONLY, NULL, NULL,
	  NULL },

	/* Only the reason, so that a user's read-only pattern can still
	 * accept, say, "make -n". */
	{ "apt apt-get aptitude dpkg snap brew pip pip3 pipx uv poetry conda"
	  " mamba npm npx pnpm yarn gem bundle composer cargo rustup",
	  NULL, RULE_REASON, "'%s' is a package manager", NULL, NULL },
	{ "make gmake cmake ninja meson bazel scons gcc g++ cc c++ clang"
	  " clang++ ld as ar rustc javac mvn gradle tsc go", NULL, RULE_REASON,
	  "'%s' is a build tool", NULL, NULL },
	{ "python python2 python3 node deno bun perl ruby php lua sh bash zsh"
	  " dash ksh fish tclsh Rscript java pwsh osascript", NULL, RULE_REASON,
	  "'%s' runs code", NULL, NULL },
};

#define N_RULES	(sizeof(rules) / sizeof(rules[0]))
/* Slots in classify.dflt after the rules' own. */
#define SED_SCRIPT	N_RULES
#define GIT_FORM(k)	(N_RULES + 1 + (k))
#define N_SLOTS		(N_RULES + 1 + N_GIT_FORMS)

/*
 * A sed script without the commands that write (w, W, s///w) or run (e,
 * s///e) anything: addresses, then p d q s y a i c r b t : { } and friends.
 */
static const char sed_script_pattern[] =
	"(?(DEFINE)"
	"(?<ad>\\d++(?:~\\d++)?|\\$|/(?:[^/\\\\\\n]|\\\\[\\s\\S])*+/[IM]*+)"
	"(?<s>s(?<d>[^\\\\\\n])(?:(?!\\k<d>)[^\\\\\\n]|\\\\[\\s\\S])*+\\k<d>"
	"(?:(?!\\k<d>)[^\\\\\\n]|\\\\[\\s\\S])*+\\k<d>[gpiImM0-9]*+)"
	"(?<y>y(?<e>[^\\\\\\n])(?:(?!\\k<e>)[^\\\\\\n]|\\\\[\\s\\S])*+\\k<e>"
	"(?:(?!\\k<e>)[^\\\\\\n]|\\\\[\\s\\S])*+\\k<e>)"
	")"
	"[\\s;]*+"
	"(?>(?:(?&ad)(?:\\s*+,\\s*+(?:(?&ad)|[+~]\\d++))?\\s*+(?:!\\s*+)?)?"
	"(?:[pPdDnNgGhHxlz=F{}]|[qQ][ \\t]*+\\d*+|[btT](?:[ \\t]*+[^;\\s}]++)?"
	"|:[ \\t]*+[^;\\s]++|[aicrR#][^\\n]*+|(?&s)|(?&y))[\\s;]*+)++";

/* --- small helpers -------------------------------------------------------- */

/* Writes the reason (a format with its arguments) and returns 1. */
static int say(struct scan *sc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
say(struct scan *sc, const char *fmt, ...)
{
	va_list ap;

	if (sc->why != NULL && sc->whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(sc->why, sc->whylen, fmt, ap);
		va_end(ap);
	}
	return 1;
}

/*
 * Copies up to 40 bytes of s into out for a reason, control characters and
 * quotes replaced by '?', "..." appended when cut.
 */
static const char *
shown(char out[48], const char *s, size_t len)
{
	size_t i, n = len > 40 ? 40 : len;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		out[i] = ch < 0x20 || ch == 0x7f || ch == '\'' ? '?' : (char)ch;
	}
	if (n < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

static int
is_name_start(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    ch == '_';
}

static int
is_name_char(char ch)
{
	return is_name_start(ch) || (ch >= '0' && ch <= '9');
}

/* True when s[0..len) is a shell variable name. */
static int
is_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_name_start(s[0]))
		return 0;
	for (i = 1; i < len; i++)
		if (!is_name_char(s[i]))
			return 0;
	return 1;
}

static int
eq(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static int
has_prefix(const char *s, size_t len, const char *lit)
{
	size_t n = strlen(lit);

	return len >= n && memcmp(s, lit, n) == 0;
}

/*
 * The position of name[0..len) among the space-separated names in list,
 * or SIZE_MAX when it is not there.
 */
static size_t
name_index(const char *list, const char *name, size_t len)
{
	size_t k, n;

	for (k = 0; *list != '\0'; k++) {
		n = strcspn(list, " ");
		if (n == len && len > 0 && memcmp(list, name, len) == 0)
			return k;
		list += n + (list[n] == ' ');
	}
	return SIZE_MAX;
}

static int
name_in(const char *list, const char *name, size_t len)
{
	return name_index(list, name, len) != SIZE_MAX;
}

static int
put(struct scan *sc, char ch)
{
	if (sc->blen + 1 >= sc->bcap)
		return say(sc, "command too long to check");
	sc->buf[sc->blen++] = ch;
	return 0;
}

static int
put_n(struct scan *sc, const char *s, size_t n)
{
	if (n >= sc->bcap - sc->blen)
		return say(sc, "command too long to check");
	memcpy(sc->buf + sc->blen, s, n);
	sc->blen += n;
	return 0;
}

/* Makes room for one more element in a growing array. */
static int
grow(struct scan *sc, void **arr, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	if (ncap > SIZE_MAX / size)
		return say(sc, "out of memory");
	p = realloc(*arr, ncap * size);
	if (p == NULL)
		return say(sc, "out of memory");
	*arr = p;
	*cap = ncap;
	return 0;
}

static const char *
wtext(const struct scan *sc, size_t i)
{
	return sc->buf + sc->w[i].off;
}

static int
weq(const struct scan *sc, size_t i, const char *lit)
{
	return eq(wtext(sc, i), sc->w[i].len, lit);
}

/* True when word j starts with '-' and is not "-" alone. */
static int
is_option(const struct scan *sc, size_t j)
{
	return sc->w[j].len > 1 && wtext(sc, j)[0] == '-';
}

/*
 * True when an argument of the command at word i is in the space-separated
 * list, where an entry ending in '*' is a prefix.
 */
static int
has_word(const struct scan *sc, size_t i, const char *list)
{
	const char *e, *t;
	size_t j, n, len;

	for (j = i + 1; j < sc->nw; j++) {
		t = wtext(sc, j);
		len = sc->w[j].len;
		for (e = list; *e != '\0'; e += n + (e[n] == ' ')) {
			n = strcspn(e, " ");
			if (e[n - 1] == '*' ? len >= n - 1 &&
			    memcmp(t, e, n - 1) == 0 :
			    len == n && memcmp(t, e, n) == 0)
				return 1;
		}
	}
	return 0;
}

/* --- reading words ------------------------------------------------------ */

static int read_dquote(struct scan *sc, unsigned *flags);

/*
 * Marks the word opaque for an expansion: unquoted it may split into
 * several words, quoted at the start of a word it may begin with '-'.
 */
static void
expansion(struct scan *sc, unsigned *flags, int quoted)
{
	if (!quoted)
		*flags |= W_OPAQUE | W_SPLIT;
	else if (sc->blen == sc->wstart)
		*flags |= W_OPAQUE;
}

static int
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/*
 * Checks the start of one ${...} (q just after "${") for the forms that
 * evaluate text as code. Indirection (${!x}), subscripts (${a[$i]}) and
 * substring offsets (${x:$i}) are arithmetic or name lookups, and a
 * variable met there is evaluated in turn: with x='a[$(cmd)]', each runs
 * cmd. ${x@P} expands $( ) in x's value; ${x=...} assigns (PAGER too).
 * So only plain names, literal indices and offsets pass. Returns the
 * reason, or NULL. Stops at '\0' or a newline (it reads here-documents).
 */
static const char *
braced_risk(const char *q)
{
	if (*q == '!')
		return q[1] == '}' ? NULL : "indirect expansion";
	if (*q == ' ' || *q == '\t' || *q == '\n' || *q == '|')
		return "command substitution";	/* bash 5.3: ${ cmd; } */
	if (*q == '#' && q[1] != '}')
		q++;				/* ${#x}: the length */
	if (is_name_start(*q)) {
		while (is_name_char(*++q))
			;
	} else if (is_digit(*q)) {
		while (is_digit(*++q))
			;
	} else if (*q != '\0' && strchr("@*#?$!-", *q) != NULL)
		q++;
	else
		return "a ${...} form that cannot be checked";
	if (*q == '[') {
		q++;
		if ((*q == '@' || *q == '*') && q[1] == ']')
			q++;
		else {
			q += *q == '-';
			if (!is_digit(*q))
				return "arithmetic in an array subscript";
			while (is_digit(*q))
				q++;
			if (*q != ']')
				return "arithmetic in an array subscript";
		}
		q++;
	}
	switch (*q) {
	case ':':
		if (q[1] == '=')
			return "assignment in an expansion";
		if (q[1] == '-' || q[1] == '?' || q[1] == '+')
			return NULL;
		for (q++; *q != '}'; q++)
			if (*q == '\0' || strchr("0123456789 :-", *q) == NULL)
				return "arithmetic in a substring offset";
		return NULL;
	case '=':
		return "assignment in an expansion";
	case '@':
		return q[1] == 'P' ? "prompt expansion" : NULL;
	case '}': case '-': case '+': case '?': case '#': case '%': case '/':
	case '^': case ',':
		return NULL;
	}
	return "a ${...} form that cannot be checked";
}

/*
 * The reason when the '$' at q starts something that runs or evaluates
 * code, or NULL: $( ), $(( )), $[ ], a risky ${...}, and a '$' before a
 * backslash-newline, which bash joins into any of those.
 */
static const char *
dollar_risk(const char *q)
{
	switch (q[1]) {
	case '(':
		return q[2] == '(' ? "arithmetic expansion" :
		    "command substitution";
	case '[':
		return "arithmetic expansion";
	case '{':
		return braced_risk(q + 2);
	case '\\':
		return q[2] == '\n' ? "line continuation after '$'" : NULL;
	}
	return NULL;
}

/*
 * Reads ${...} at sc->p into buf as it is. Nested ${ are counted; every
 * one, and a $( or backtick anywhere inside (quoted or not), must pass
 * dollar_risk(); <( ) and >( ) inside run commands too, and a
 * backslash-newline may join any of these.
 */
static int
read_braced(struct scan *sc, unsigned *flags, int quoted)
{
	const char *q = sc->p + 2, *e, *risk;
	size_t depth = 1;

	if ((risk = braced_risk(q)) != NULL)
		return say(sc, "%s", risk);
	while (depth > 0) {
		switch (*q) {
		case '\0':
			return say(sc, "unterminated ${");
		case '\\':
			if (q[1] == '\n')
				return say(sc, "line continuation inside ${");
			q += q[1] != '\0' ? 2 : 1;
			continue;
		case '`':
			return say(sc, "command substitution");
		case '<': case '>':
			if (q[1] == '(')
				return say(sc, "process substitution");
			break;
		case '$':
			if ((risk = dollar_risk(q)) != NULL)
				return say(sc, "%s", risk);
			if (q[1] == '{') {
				depth++;
				q += 2;
				continue;
			}
			break;
		case '}':
			depth--;
			break;
		case '\'':
			if (quoted)
				break;
			e = strchr(q + 1, '\'');
			if (e == NULL)
				return say(sc, "unterminated quote");
			q = e + 1;
			continue;
		case '"':
			for (q++; *q != '"'; q++) {
				if (*q == '\0')
					return say(sc, "unterminated quote");
				if (*q == '`')
					return say(sc, "command substitution");
				if (*q == '$' && (risk = dollar_risk(q)) != NULL)
					return say(sc, "%s", risk);
				if (*q == '\\' && q[1] == '\n')
					return say(sc,
					    "line continuation inside ${");
				if (*q == '\\' && q[1] != '\0')
					q++;
			}
			break;
		}
		q++;
	}
	expansion(sc, flags, quoted);
	if (put_n(sc, sc->p, (size_t)(q - sc->p)))
		return 1;
	sc->p = q;
	return 0;
}

/* Reads what starts with '$' at sc->p: an expansion, or a plain '$'. */
static int
read_dollar(struct scan *sc, unsigned *flags, int quoted)
{
	const char *p = sc->p, *q;
	char n = p[1];

	if (n == '(' && p[2] != '(')
		return say(sc, "command substitution");
	if (n == '(' || n == '[')
		return say(sc, "arithmetic expansion");
	if (n == '\\' && p[2] == '\n')
		return say(sc, "line continuation after '$'");
	if (n == '{')
		return read_braced(sc, flags, quoted);
	if (!quoted && n == '\'') {
		/* $'...' can spell anything, "-delete" included. */
		for (q = p + 2; *q != '\''; q++) {
			if (*q == '\0')
				return say(sc, "unterminated quote");
			if (*q == '\\' && q[1] != '\0')
				q++;
		}
		*flags |= W_OPAQUE | W_QUOTED;
		if (put_n(sc, p, (size_t)(q + 1 - p)))
			return 1;
		sc->p = q + 1;
		return 0;
	}
	if (!quoted && n == '"') {
		sc->p = p + 1;
		return read_dquote(sc, flags);
	}
	if (is_name_start(n)) {
		for (q = p + 2; is_name_char(*q); q++)
			;
	} else if ((n >= '0' && n <= '9') ||
	    (n != '\0' && strchr("@*#?$!-", n) != NULL)) {
		q = p + 2;
	} else {
		sc->p = p + 1;
		return put(sc, '$');
	}
	expansion(sc, flags, quoted);
	if (put_n(sc, p, (size_t)(q - p)))
		return 1;
	sc->p = q;
	return 0;
}

/* Reads "..." at sc->p, appending its text without the quotes. */
static int
read_dquote(struct scan *sc, unsigned *flags)
{
	const char *p = sc->p + 1;

	*flags |= W_QUOTED;
	for (;;) {
		switch (*p) {
		case '\0':
			return say(sc, "unterminated quote");
		case '"':
			sc->p = p + 1;
			return 0;
		case '`':
			return say(sc, "command substitution");
		case '\\':
			if (p[1] == '\n') {
				p += 2;
				continue;
			}
			if (p[1] != '\0' && strchr("$`\"\\", p[1]) != NULL) {
				if (put(sc, p[1]))
					return 1;
				p += 2;
				continue;
			}
			break;
		case '$':
			sc->p = p;
			if (read_dollar(sc, flags, 1))
				return 1;
			p = sc->p;
			continue;
		}
		if (put(sc, *p))
			return 1;
		p++;
	}
}

/*
 * Reads one word at sc->p into buf, quotes removed, up to an unquoted blank
 * or operator character. Returns 1 (reason given) when the word makes the
 * command MUTATING or cannot be read.
 */
static int
read_word(struct scan *sc, unsigned *flags)
{
	int plain = 1;		/* unquoted literal so far: may become NAME= */
	int brace = 0;		/* an unquoted '{': {a,b} and {1..3} expand */
	const char *e;
	char ch;

	for (;;) {
		ch = *sc->p;
		switch (ch) {
		case '\0': case ' ': case '\t': case '\n': case ';': case '&':
		case '|': case '(': case ')': case '<': case '>':
			return 0;
		case '\\':
			if (sc->p[1] == '\n') {
				sc->p += 2;
				continue;
			}
			if (sc->p[1] == '\0')
				break;
			*flags |= W_QUOTED;
			plain = 0;
			if (put(sc, sc->p[1]))
				return 1;
			sc->p += 2;
			continue;
		case '\'':
			e = strchr(sc->p + 1, '\'');
			if (e == NULL)
				return say(sc, "unterminated quote");
			*flags |= W_QUOTED;
			plain = 0;
			if (put_n(sc, sc->p + 1, (size_t)(e - sc->p - 1)))
				return 1;
			sc->p = e + 1;
			continue;
		case '"':
			plain = 0;
			if (read_dquote(sc, flags))
				return 1;
			continue;
		case '`':
			return say(sc, "command substitution");
		case '$':
			plain = 0;
			if (read_dollar(sc, flags, 0))
				return 1;
			continue;
		case '*': case '?': case '[':
			if (sc->blen == sc->wstart ||
			    sc->buf[sc->wstart] == '-')
				*flags |= W_OPAQUE | W_SPLIT;
			break;
		case '{':
			brace = 1;
			break;
		case ',':
			if (brace)
				*flags |= W_OPAQUE | W_SPLIT;
			break;
		case '.':
			if (brace && sc->p[1] == '.')
				*flags |= W_OPAQUE | W_SPLIT;
			break;
		case '+':
			if (plain && sc->p[1] == '=' && is_name(sc->buf +
			    sc->wstart, sc->blen - sc->wstart)) {
				*flags |= W_ASSIGN;
				plain = 0;
			}
			break;
		case '=':
			if (plain && is_name(sc->buf + sc->wstart,
			    sc->blen - sc->wstart))
				*flags |= W_ASSIGN;
			plain = 0;
			break;
		}
		if (put(sc, ch))
			return 1;
		sc->p++;
	}
}

/* Skips blanks and backslash-newline continuations. */
static void
skip_blanks(struct scan *sc)
{
	for (;;) {
		if (*sc->p == ' ' || *sc->p == '\t')
			sc->p++;
		else if (sc->p[0] == '\\' && sc->p[1] == '\n')
			sc->p += 2;
		else
			return;
	}
}

/* True when the unquoted word is a file descriptor before < or >: 2>, {fd}>. */
static int
is_fd_word(const char *s, size_t len, unsigned flags)
{
	size_t i;

	if (flags != 0 || len == 0)
		return 0;
	if (s[0] == '{' && len > 2 && s[len - 1] == '}')
		return is_name(s + 1, len - 2);
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* Reads a word of the command and adds it to the list. */
static int
add_word(struct scan *sc)
{
	size_t before = sc->blen;
	unsigned flags = 0;

	if (sc->nw > 0 && put(sc, ' '))
		return 1;
	sc->wstart = sc->blen;
	if (read_word(sc, &flags))
		return 1;
	if ((*sc->p == '<' || *sc->p == '>') &&
	    is_fd_word(sc->buf + sc->wstart, sc->blen - sc->wstart, flags)) {
		sc->blen = before;
		return 0;
	}
	if (grow(sc, (void **)&sc->w, &sc->wcap, sc->nw, sizeof(*sc->w)))
		return 1;
	sc->w[sc->nw].off = sc->wstart;
	sc->w[sc->nw].len = sc->blen - sc->wstart;
	sc->w[sc->nw].flags = flags;
	sc->nw++;
	return 0;
}

/* --- redirections and here-documents ------------------------------------- */

/* True for a target that writes nothing: a descriptor, or /dev/null. */
static int
harmless_target(const char *t, size_t len, unsigned flags, int dup)
{
	size_t i = 0;

	if (dup) {
		while (i < len && t[i] >= '0' && t[i] <= '9')
			i++;
		if (i < len && t[i] == '-')
			i++;
		if (i == len && len > 0)
			return 1;
	}
	if (flags & W_OPAQUE)
		return 0;
	return eq(t, len, "/dev/null") || eq(t, len, "/dev/stdout") ||
	    eq(t, len, "/dev/stderr");
}

static int
add_heredoc(struct scan *sc, const char *delim, size_t len, int literal,
    int strip)
{
	struct heredoc *h;

	if (grow(sc, (void **)&sc->hd, &sc->hdcap, sc->nhd, sizeof(*sc->hd)))
		return 1;
	h = &sc->hd[sc->nhd++];
	memcpy(sc->dbuf + sc->dlen, delim, len);
	h->off = sc->dlen;
	h->len = len;
	h->literal = literal;
	h->strip = strip;
	sc->dlen += len;
	return 0;
}

/*
 * Reads a redirection at sc->p (<, >, &> and their forms) with its target.
 * Writing to anything but a descriptor or /dev/null is MUTATING; a
 * here-document's delimiter is remembered for the end of the line.
 */
static int
read_redirect(struct scan *sc)
{
	const char *p = sc->p;
	int out = 0, dup = 0, heredoc = 0, strip = 0, r = 0;
	size_t save = sc->blen, len;
	unsigned flags = 0;

	if (*p == '&') {			/* &> and &>> */
		p += 2;
		if (*p == '>')
			p++;
		out = 1;
	} else if (*p == '>') {
		p++;
		if (*p == '(')
			return say(sc, "process substitution");
		if (*p == '>' || *p == '|')
			p++;
		else if (*p == '&') {
			p++;
			dup = 1;
		}
		out = 1;
	} else {
		p++;
		if (*p == '(')
			return say(sc, "process substitution");
		if (*p == '>')			/* <> opens for writing */
			return say(sc, "redirection to a file");
		if (*p == '&')
			p++;
		else if (*p == '<') {
			p++;
			if (*p == '<')		/* here-string */
				p++;
			else {
				heredoc = 1;
				if (*p == '-') {
					p++;
					strip = 1;
				}
			}
		}
	}
	/* bash joins "<<", backslash-newline, "-" into "<<-" */
	if (p[0] == '\\' && p[1] == '\n')
		return say(sc, "line continuation in a redirection");
	sc->p = p;
	skip_blanks(sc);
	if (*sc->p == '\0' || strchr("\n;&|()<>", *sc->p) != NULL)
		return say(sc, "a redirection without a target");
	sc->wstart = sc->blen;
	if (read_word(sc, &flags))
		return 1;
	len = sc->blen - sc->wstart;
	if (heredoc)
		r = add_heredoc(sc, sc->buf + sc->wstart, len,
		    flags & W_QUOTED, strip);
	else if (out && !harmless_target(sc->buf + sc->wstart, len, flags, dup))
		r = say(sc, "redirection to a file");
	sc->blen = save;
	return r;
}

/*
 * The reason when a line of an expanding here-document runs or evaluates
 * code, or NULL. Bash joins a line ending in a backslash to the next one
 * before it expands or looks for the delimiter: "$\" and "(cmd)" become
 * $(cmd), "E\" and "OF" end the document early.
 */
static const char *
line_risk(const char *s, const char *end)
{
	const char *risk;

	if (end > s && end[-1] == '\\')
		return "line continuation";
	for (; s < end; s++) {
		if (*s == '\\')
			s++;
		else if (*s == '`')
			return "command substitution";
		else if (*s == '$' && (risk = dollar_risk(s)) != NULL)
			return risk;
	}
	return NULL;
}

/* Skips the bodies of the here-documents announced on the line just ended. */
static int
read_heredocs(struct scan *sc)
{
	const struct heredoc *h;
	const char *line, *eol, *s, *risk;
	size_t i;

	for (i = 0; i < sc->nhd; i++) {
		h = &sc->hd[i];
		for (;;) {
			if (*sc->p == '\0')
				return say(sc, "unterminated here-document");
			line = sc->p;
			eol = strchrnul(line, '\n');
			sc->p = *eol != '\0' ? eol + 1 : eol;
			s = line;
			if (h->strip)
				while (*s == '\t')
					s++;
			if ((size_t)(eol - s) == h->len &&
			    memcmp(s, sc->dbuf + h->off, h->len) == 0)
				break;
			if (!h->literal &&
			    (risk = line_risk(line, eol)) != NULL)
				return say(sc, "%s in a here-document", risk);
		}
	}
	sc->nhd = 0;
	sc->dlen = 0;
	return 0;
}

/* --- judging one simple command ------------------------------------------ */

/* 1 on a match, 0 on none, -1 when PCRE2 gave up or failed. */
static int
match(struct scan *sc, const pcre2_code *code, const char *s, size_t len)
{
	int rc;

	if (code == NULL)
		return -1;
	if (sc->md == NULL) {
		sc->md = pcre2_match_data_create(1, NULL);
		if (sc->md == NULL)
			return -1;
	}
	rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, sc->md, sc->c->mctx);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static pcre2_code *
compile(const char *pattern)
{
	PCRE2_SIZE off;
	int code;

	return pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    COMPILE_OPTIONS, &code, &off, NULL);
}

/* A default pattern, compiled on first use into its slot in c->dflt. */
static const pcre2_code *
default_code(const struct scan *sc, size_t slot, const char *pattern)
{
	if (sc->c->dflt[slot] == NULL)
		sc->c->dflt[slot] = compile(pattern);
	return sc->c->dflt[slot];
}

static const pcre2_code *
rule_code(const struct scan *sc, size_t r)
{
	return default_code(sc, r, rules[r].pattern);
}

/* True when the sed script s only prints, deletes or substitutes. */
static int
sed_script_ok(struct scan *sc, const char *s, size_t len)
{
	size_t k;

	/* "10,20p", "$p", "1d;5q": line numbers and p d q = ! only */
	for (k = 0; k < len && s[k] != '\0' &&
	    strchr("0123456789,$pdq=!; \t\n", s[k]) != NULL; k++)
		;
	if (len > 0 && k == len)
		return 1;
	return match(sc, default_code(sc, SED_SCRIPT, sed_script_pattern), s,
	    len) == 1;
}

static int
sed_word_ok(struct scan *sc, size_t j)
{
	return sed_script_ok(sc, wtext(sc, j), sc->w[j].len);
}

/*
 * The sed command at word i reads only: its options are known, and each
 * script (the -e ones, else the first operand) passes sed_script_ok().
 * GNU sed permutes arguments, so an -e after the operands still makes the
 * first operand a file.
 */
static int
sed_readonly(struct scan *sc, size_t i)
{
	static const char sed_flags[] =
		"--quiet --silent --regexp-extended --separate --unbuffered"
		" --null-data --zero-terminated --posix --debug";
	const char *t, *script = NULL;
	size_t j, k, n, slen = 0;
	int have_e = 0, sandbox = 0, ends = 0;

	for (j = i + 1; j < sc->nw; j++) {
		t = wtext(sc, j);
		n = sc->w[j].len;
		if (ends || n < 2 || t[0] != '-') {
			if (script == NULL) {
				script = t;
				slen = n;
			}
			continue;
		}
		if (t[1] == '-') {
			if (n == 2)
				ends = 1;
			else if (has_prefix(t, n, "--expression=")) {
				have_e = 1;
				if (!sed_script_ok(sc, t + 13, n - 13))
					return 0;
			} else if (eq(t, n, "--expression")) {
				have_e = 1;
				if (++j == sc->nw || !sed_word_ok(sc, j))
					return 0;
			} else if (eq(t, n, "--sandbox"))
				sandbox = 1;
			else if (!name_in(sed_flags, t, n) &&
			    !has_prefix(t, n, "--line-length="))
				return 0;
			continue;
		}
		for (k = 1; k < n; k++) {
			if (strchr("nErsuz", t[k]) != NULL)
				continue;
			if (t[k] != 'e' && t[k] != 'l')
				return 0;
			if (k + 1 == n && ++j == sc->nw)
				return 0;
			if (t[k] == 'e') {
				have_e = 1;
				if (k + 1 < n ? !sed_script_ok(sc, t + k + 1,
				    n - k - 1) : !sed_word_ok(sc, j))
					return 0;
			}
			break;
		}
	}
	if (have_e || sandbox)
		return have_e || script != NULL;
	return script != NULL && sed_script_ok(sc, script, slen);
}

/*
 * Steps over git's global options from word i ("git") on. Returns the
 * index of the subcommand, or 0 when an option may make git write or run
 * something (-c core.pager=..., -p, --exec-path=...) or none follows.
 */
static size_t
git_subcommand(const struct scan *sc, size_t i)
{
	static const char flags[] =
		"--no-pager -P --no-optional-locks --literal-pathspecs"
		" --glob-pathspecs --noglob-pathspecs --icase-pathspecs"
		" --no-replace-objects --bare";
	static const char with_value[] = "-C --git-dir --work-tree --namespace";
	const char *t;
	size_t j, n;

	for (j = i + 1; j < sc->nw; j++) {
		t = wtext(sc, j);
		n = sc->w[j].len;
		if (!is_option(sc, j))
			return j;
		if (name_in(flags, t, n) || has_prefix(t, n, "--git-dir=") ||
		    has_prefix(t, n, "--work-tree=") ||
		    has_prefix(t, n, "--namespace="))
			continue;
		if (name_in(with_value, t, n) && j + 1 < sc->nw) {
			j++;
			continue;
		}
		/* configuration that only changes how output looks */
		if (eq(t, n, "-c") && j + 1 < sc->nw) {
			t = wtext(sc, ++j);
			for (n = 0; n < sc->w[j].len && t[n] != '='; n++)
				;
			if (has_prefix(t, n, "color.") ||
			    has_prefix(t, n, "log.") ||
			    eq(t, n, "core.quotepath") || eq(t, n, "column.ui"))
				continue;
		}
		return 0;
	}
	return 0;
}

/* The git command at word i only reads: see git_readers and git_forms. */
static int
readonly_git(struct scan *sc, size_t i)
{
	const char *t;
	size_t j = git_subcommand(sc, i), n, k;

	if (j == 0)
		return i + 2 == sc->nw && weq(sc, i + 1, "--version");
	t = wtext(sc, j);
	n = sc->w[j].len;
	if (name_in(git_readers, t, n))
		return 1;
	k = name_index(git_form_names, t, n);
	return k < N_GIT_FORMS && match(sc, default_code(sc, GIT_FORM(k),
	    git_forms[k]), t, sc->blen - sc->w[j].off) == 1;
}

/*
 * True when setting the variable NAME (s[0..n)) can change what a command
 * runs or makes it write: the search path, the dynamic loader and iconv's
 * modules, the shell's start-up, pagers, editors and tools' option
 * variables, gpg's home, git's environment (which can name the
 * repository, a pager, an external diff, configuration or a trace file),
 * and the session our own command line acts for (check_ours).
 */
static int
risky_name(const char *s, size_t n)
{
	static const char *const names[] = {
		"PATH", "BASH_ENV", "ENV", "IFS", "SHELLOPTS", "BASHOPTS",
		"PS4", "PROMPT_COMMAND", "LESS", "LESSOPEN", "LESSCLOSE",
		"MORE", "PAGER", "RIPGREP_CONFIG_PATH", "GREP_OPTIONS",
		"MANPAGER", "EDITOR", "VISUAL", "HOME", "XDG_CONFIG_HOME",
		"GCONV_PATH", "GNUPGHOME", "CLAUDE_CODE_SESSION_ID",
		"CLAUDE_PID", NULL,
	};
	static const char *const prefixes[] = {
		"LD_", "DYLD_", "GIT_", "BASH_FUNC_", "LESSKEY", NULL,
	};
	size_t i;

	if (eq(s, n, "GIT_OPTIONAL_LOCKS") || eq(s, n, "GIT_TERMINAL_PROMPT"))
		return 0;
	for (i = 0; names[i] != NULL; i++)
		if (eq(s, n, names[i]))
			return 1;
	for (i = 0; prefixes[i] != NULL; i++)
		if (has_prefix(s, n, prefixes[i]))
			return 1;
	return 0;
}

/* The same for NAME=value: a pager may be set to cat or nothing. */
static int
risky_assignment(const char *s, size_t len)
{
	const char *eqs = memchr(s, '=', len), *v;
	size_t n, vlen;

	n = eqs != NULL ? (size_t)(eqs - s) : len;
	if (n > 0 && s[n - 1] == '+')
		n--;
	v = eqs != NULL ? eqs + 1 : s + len;
	vlen = (size_t)(s + len - v);
	if ((eq(s, n, "PAGER") || eq(s, n, "GIT_PAGER")) &&
	    (vlen == 0 || eq(v, vlen, "cat")))
		return 0;
	return risky_name(s, n);
}

/*
 * True when word j holds the text of a command substitution, quoted. Bash
 * evaluates array subscripts in variable names given to read, printf -v,
 * test -v or [[ -v, and in variables used in arithmetic ([[ $x -eq 1 ]]),
 * so 'a[$(cmd)]' runs cmd even from single quotes.
 */
static int
holds_substitution(const struct scan *sc, size_t j)
{
	return memmem(wtext(sc, j), sc->w[j].len, "$(", 2) != NULL ||
	    memchr(wtext(sc, j), '`', sc->w[j].len) != NULL;
}

/* Checks an assignment word: 1 (reason given) when it is risky. */
static int
check_assignment(struct scan *sc, size_t j)
{
	char name[48];
	const char *t = wtext(sc, j), *e;

	if (holds_substitution(sc, j))
		return say(sc, "command substitution in a variable");
	if (!risky_assignment(t, sc->w[j].len))
		return 0;
	e = memchr(t, '=', sc->w[j].len);
	return say(sc, "setting '%s' may change what runs",
	    shown(name, t, e != NULL ? (size_t)(e - t) : sc->w[j].len));
}

/*
 * Checks the variable name t[0..n) that the builtin cmd sets: 1 (reason
 * given) unless it is a plain name that changes nothing else. Bash
 * evaluates the subscript of a name such as 'a[$i]' (and i's value in
 * turn), and reading PAGER or GIT_EXTERNAL_DIFF may hand a command to the
 * next git or less.
 */
static int
check_var(struct scan *sc, const char *t, size_t n, unsigned flags,
    const char *cmd)
{
	char name[48];

	if ((flags & W_OPAQUE) || !is_name(t, n))
		return say(sc, "'%s' sets a variable whose name may be "
		    "evaluated", cmd);
	if (risky_name(t, n))
		return say(sc, "setting '%s' may change what runs",
		    shown(name, t, n));
	return 0;
}

static int
check_var_word(struct scan *sc, size_t j, const char *cmd)
{
	if (j >= sc->nw)
		return 0;			/* the builtin fails */
	return check_var(sc, wtext(sc, j), sc->w[j].len, sc->w[j].flags, cmd);
}

/*
 * "read [-ers] [-a NAME] [-d|-i|-n|-N|-p|-t|-u VALUE] [NAME...]": every
 * name plain, and nothing that could split into more options or names.
 */
static int
check_read(struct scan *sc, size_t i)
{
	const char *t;
	size_t j, k, n;
	int ends = 0;

	for (j = i + 1; j < sc->nw; j++) {
		t = wtext(sc, j);
		n = sc->w[j].len;
		if (!ends && eq(t, n, "--")) {
			ends = 1;
			continue;
		}
		if (ends || !is_option(sc, j)) {
			if (check_var_word(sc, j, "read"))
				return 1;
			continue;
		}
		if (sc->w[j].flags & W_OPAQUE)
			return say(sc, "'read' has an option that may expand to "
			    "anything");
		for (k = 1; k < n && strchr("ers", t[k]) != NULL; k++)
			;
		if (k == n)
			continue;
		if (strchr("adinNptu", t[k]) == NULL)
			return say(sc, "'read' with these options is not on the "
			    "read-only list");
		if (k + 1 < n) {
			if (t[k] == 'a' && check_var(sc, t + k + 1, n - k - 1,
			    0, "read"))
				return 1;
			continue;
		}
		if (++j >= sc->nw)
			return 0;
		if (t[k] == 'a' ? check_var_word(sc, j, "read") :
		    (sc->w[j].flags & W_SPLIT) != 0 && say(sc, "'read' has "
		    "an option value that may split into names"))
			return 1;
	}
	return 0;
}

/* "wait [-fn] [-p NAME] [ID...]": IDs literal or $!, NAME plain. */
static int
check_wait(struct scan *sc, size_t i)
{
	const char *t;
	size_t j, k, n;

	for (j = i + 1; j < sc->nw; j++) {
		t = wtext(sc, j);
		n = sc->w[j].len;
		if (eq(t, n, "$!") || eq(t, n, "${!}") || eq(t, n, "--"))
			continue;
		if (sc->w[j].flags & W_OPAQUE)
			return say(sc, "'wait' has an argument that may expand "
			    "to an option");
		if (!is_option(sc, j))
			continue;
		for (k = 1; k < n && (t[k] == 'f' || t[k] == 'n'); k++)
			;
		if (k == n)
			continue;
		if (t[k] != 'p')
			return say(sc, "'wait' with these options is not on the "
			    "read-only list");
		if (k + 1 < n ? check_var(sc, t + k + 1, n - k - 1, 0, "wait") :
		    check_var_word(sc, ++j, "wait"))
			return 1;
	}
	return 0;
}

/* "printf -v NAME ...": NAME plain; a format that may be -v is not known. */
static int
check_printf(struct scan *sc, size_t i)
{
	const char *t;
	size_t j = i + 1, n;

	if (j >= sc->nw)
		return 0;
	if (sc->w[j].flags & W_OPAQUE)
		return say(sc, "'printf' has a format that may expand to '-v'");
	t = wtext(sc, j);
	n = sc->w[j].len;
	if (!has_prefix(t, n, "-v"))
		return 0;
	return n > 2 ? check_var(sc, t + 2, n - 2, 0, "printf") :
	    check_var_word(sc, j + 1, "printf");
}

/* True when word j is an integer that arithmetic leaves as it is. */
static int
is_number(const struct scan *sc, size_t j)
{
	const char *t = wtext(sc, j);
	size_t n = sc->w[j].len, k = 0;

	if (eq(t, n, "$#") || eq(t, n, "$?") || eq(t, n, "$$") ||
	    eq(t, n, "$!"))
		return 1;
	if (sc->w[j].flags & W_OPAQUE)
		return 0;
	if (n > 0 && (t[0] == '-' || t[0] == '+'))
		k++;
	if (k == n)
		return 0;
	for (; k < n; k++)
		if (!is_digit(t[k]))
			return 0;
	return 1;
}

/* True when word j may be, or expand to, a name with a subscript: a[i]. */
static int
maybe_subscript(const struct scan *sc, size_t j)
{
	return j < sc->nw && ((sc->w[j].flags & W_OPAQUE) ||
	    memchr(wtext(sc, j), '[', sc->w[j].len) != NULL);
}

/*
 * test, [ and [[: '-v a[i]' evaluates the subscript, and [[ evaluates the
 * operands of -eq, -ne, -lt, -le, -gt and -ge as arithmetic, where a
 * variable's value is evaluated in turn ([[ $x -eq 1 ]] with x='a[$(cmd)]'
 * runs cmd). So -v takes no subscript and [[ compares only numbers. In
 * test and [, an expansion may itself be -v: unquoted it may become
 * "-v a[i]", quoted it may be "-v" before a word with a subscript.
 */
static int
check_test(struct scan *sc, size_t i)
{
	const char *t;
	size_t j, n;
	int dbl = weq(sc, i, "[[");

	for (j = i + 1; j < sc->nw; j++) {
		t = wtext(sc, j);
		n = sc->w[j].len;
		if (!dbl && (sc->w[j].flags & W_SPLIT))
			return say(sc, "'%s' with an unquoted expansion may "
			    "evaluate a variable's subscript",
			    weq(sc, i, "[") ? "[" : "test");
		if (dbl && name_in("-eq -ne -lt -le -gt -ge", t, n) &&
		    (j + 1 == sc->nw || !is_number(sc, j - 1) ||
		    !is_number(sc, j + 1)))
			return say(sc, "'[[ ... %.3s ... ]]' evaluates its "
			    "operands as arithmetic", t);
		if ((eq(t, n, "-v") || (!dbl && (sc->w[j].flags & W_OPAQUE))) &&
		    maybe_subscript(sc, j + 1))
			return say(sc, "'-v' evaluates the subscript of a "
			    "variable name");
	}
	return 0;
}

/*
 * The builtins that set or evaluate variables by name, which the default
 * read-only list accepts with any arguments otherwise. Returns 1 (reason
 * given) when the command at word i is not safe.
 */
static int
check_builtin(struct scan *sc, size_t i)
{
	const char *t = wtext(sc, i);
	size_t n = sc->w[i].len;

	if (eq(t, n, "read"))
		return check_read(sc, i);
	if (eq(t, n, "wait"))
		return check_wait(sc, i);
	if (eq(t, n, "printf"))
		return check_printf(sc, i);
	if (eq(t, n, "test") || eq(t, n, "[") || eq(t, n, "[["))
		return check_test(sc, i);
	return 0;
}

static int
is_keyword(const struct scan *sc, size_t i)
{
	static const char *const kw[] = {
		"!", "{", "}", "if", "then", "elif", "else", "fi", "do", "done",
		"while", "until", NULL,
	};
	size_t k;

	if (sc->w[i].flags != 0)
		return 0;
	for (k = 0; kw[k] != NULL; k++)
		if (weq(sc, i, kw[k]))
			return 1;
	return 0;
}

/*
 * Steps over xargs' options at word i ("xargs"). Sets *cmd to the word its
 * command starts at (sc->nw: none, so echo). Returns 1 (reason given) on
 * an option it does not know.
 */
static int
skip_xargs(struct scan *sc, size_t i, size_t *cmd)
{
	static const char *const flag[] = {
		"null", "no-run-if-empty", "verbose", "exit", "interactive",
		"open-tty", "eof", "replace", "max-lines", NULL,
	};
	static const char *const with_arg[] = {
		"arg-file", "delimiter", "max-args", "max-procs", "max-chars",
		"process-slot-var", NULL,
	};
	char shown_opt[48];
	const char *t, *e;
	size_t j, k, n, nlen;
	int known;

	for (j = i + 1; j < sc->nw && is_option(sc, j); j++) {
		t = wtext(sc, j);
		n = sc->w[j].len;
		if (sc->w[j].flags & W_OPAQUE)
			return say(sc, "'xargs' has an option that may expand "
			    "to anything");
		if (eq(t, n, "--")) {
			j++;
			break;
		}
		if (t[1] == '-') {
			e = memchr(t, '=', n);
			nlen = (e != NULL ? (size_t)(e - t) : n) - 2;
			known = 0;
			for (k = 0; flag[k] != NULL && !known; k++)
				known = eq(t + 2, nlen, flag[k]) &&
				    (e == NULL || k >= 6);
			for (k = 0; with_arg[k] != NULL && !known; k++)
				if (eq(t + 2, nlen, with_arg[k])) {
					known = 1;
					if (e == NULL)
						j++;
				}
			if (!known || j >= sc->nw)
				return say(sc, "'xargs' option '%s' is not "
				    "understood", shown(shown_opt, t, n));
			continue;
		}
		for (k = 1; k < n; k++) {
			if (strchr("0rtxpo", t[k]) != NULL)
				continue;
			if (strchr("eil", t[k]) != NULL)
				break;
			if (strchr("aEdILnPs", t[k]) == NULL)
				return say(sc, "'xargs' option '%s' is not "
				    "understood", shown(shown_opt, t, n));
			if (k + 1 == n && ++j == sc->nw)
				return say(sc, "'xargs' option '%s' lacks its "
				    "value", shown(shown_opt, t, n));
			break;
		}
	}
	*cmd = j;
	return 0;
}

/*
 * Steps over the wrappers that run the rest of the words as a command:
 * time [-p], nice [-n N], timeout [options] DURATION, command [-p] and
 * env [-i] [-u NAME] [NAME=value...], and xargs. *appended is set when
 * xargs will add arguments. Returns 1 (reason given) to end as MUTATING.
 */
static int
unwrap(struct scan *sc, size_t *ip, int *appended)
{
	size_t i = *ip, j, cmd = 0;
	const char *t;

	while (i < sc->nw) {
		j = i + 1;
		if (weq(sc, i, "time")) {
			if (j < sc->nw && weq(sc, j, "-p"))
				j++;
			if (j < sc->nw && is_option(sc, j))
				break;
		} else if (weq(sc, i, "nice")) {
			if (j < sc->nw && weq(sc, j, "-n"))
				j += 2;
			else if (j < sc->nw && is_option(sc, j))
				j++;
		} else if (weq(sc, i, "timeout")) {
			while (j < sc->nw && is_option(sc, j)) {
				t = wtext(sc, j);
				if (eq(t, sc->w[j].len, "-s") ||
				    eq(t, sc->w[j].len, "-k"))
					j++;
				j++;
			}
			j++;			/* the duration */
		} else if (weq(sc, i, "command")) {
			if (j < sc->nw && weq(sc, j, "-p"))
				j++;
			if (j < sc->nw && is_option(sc, j))
				break;
		} else if (weq(sc, i, "env")) {
			for (; j < sc->nw; j++) {
				if (weq(sc, j, "-u"))
					j++;
				else if (sc->w[j].flags & W_ASSIGN) {
					if (check_assignment(sc, j))
						return 1;
				} else if (!name_in("-i - --ignore-environment",
				    wtext(sc, j), sc->w[j].len) &&
				    !has_prefix(wtext(sc, j), sc->w[j].len,
				    "-u") && !has_prefix(wtext(sc, j),
				    sc->w[j].len, "--unset="))
					break;
			}
			if (j >= sc->nw || is_option(sc, j))
				break;		/* env's own rule decides */
		} else if (weq(sc, i, "xargs")) {
			if (skip_xargs(sc, i, &cmd))
				return 1;
			if (cmd >= sc->nw) {
				*ip = sc->nw;	/* runs echo */
				return 0;
			}
			*appended = 1;
			j = cmd;
		} else
			break;
		i = j;
	}
	*ip = i;
	return 0;
}

/* "for NAME [in WORDS...]" only sets a variable (not PATH or PAGER). */
static int
check_for(struct scan *sc, size_t i)
{
	size_t n = sc->nw - i;

	if (n >= 2 && sc->w[i + 1].flags == 0 &&
	    is_name(wtext(sc, i + 1), sc->w[i + 1].len) &&
	    (n == 2 || weq(sc, i + 2, "in")))
		return check_var_word(sc, i + 1, "for");
	return say(sc, "this 'for' loop cannot be checked");
}

/*
 * "export [-p] NAME[=value]..." sets variables only; exporting PAGER or
 * GIT_DIFF_OPTS hands a value set earlier to the commands that follow.
 */
static int
check_export(struct scan *sc, size_t i)
{
	size_t j;

	for (j = i + 1; j < sc->nw; j++) {
		if (sc->w[j].flags & W_ASSIGN) {
			if (check_assignment(sc, j))
				return 1;
		} else if (sc->w[j].flags == 0 &&
		    is_name(wtext(sc, j), sc->w[j].len)) {
			if (check_var_word(sc, j, "export"))
				return 1;
		} else if (!weq(sc, j, "-p"))
			return say(sc, "'export' with these arguments is not "
			    "on the read-only list");
	}
	return 0;
}

/*
 * Our own command line, by name or by a path to it (~/.local/bin/...):
 * status, log, hash, doctor and wait only read (wait may take the lock for
 * the session that runs it, which is what a blocked session is told to
 * do), and so do its help and version. claim and release (without --force)
 * act for that session alone: claim takes only what no other live session
 * holds, and release gives up the session's own claims and removes only
 * holders that are gone, as any hook takes them over. A blocked session
 * must be able to run both: a refused wait tells it to release its claims.
 * release --force, gc, run and settings remove locks, run commands or edit
 * settings: a blocked session must not remove another's lock. So release
 * needs the lock when an argument is --force (or -f), may expand to it, or
 * comes from xargs. The session they act for is the environment's
 * (CLAUDE_CODE_SESSION_ID, CLAUDE_PID): setting those is risky (risky_name),
 * or a session could act as another. The command is the first argument
 * (the program reads no option before it), so it must be there, as typed.
 */
static int
is_ours(const struct scan *sc, size_t i)
{
	const char *t = wtext(sc, i), *b;
	size_t n = sc->w[i].len;

	if ((sc->w[i].flags & W_OPAQUE) || memchr(t, '*', n) != NULL ||
	    memchr(t, '?', n) != NULL || memchr(t, '[', n) != NULL)
		return 0;
	b = memrchr(t, '/', n);
	if (b != NULL) {
		n -= (size_t)(b + 1 - t);
		t = b + 1;
	}
	return eq(t, n, "session-lock");
}

static int
check_ours(struct scan *sc, size_t i, int appended)
{
	static const char readers[] =
		"status log hash doctor wait claim help --help -h --version";
	char sub[48];
	const char *t;
	size_t j = i + 1, n, k;

	if (j >= sc->nw)
		return appended ? say(sc, "'session-lock' would get its command "
		    "from xargs' input") : 0;
	if (sc->w[j].flags & W_OPAQUE)
		return say(sc, "'session-lock' has a command that may expand "
		    "to anything");
	t = wtext(sc, j);
	n = sc->w[j].len;
	shown(sub, t, n);
	if (name_in(readers, t, n))
		return 0;
	if (eq(t, n, "release") && !appended) {
		for (k = j + 1; k < sc->nw; k++) {
			if (weq(sc, k, "--force") || weq(sc, k, "-f"))
				return say(sc, "'session-lock release' changes locks");
			if (sc->w[k].flags & W_OPAQUE)
				return say(sc, "'session-lock release' has an argument that "
				    "may expand to --force");
		}
		return 0;
	}
	if (eq(t, n, "release") || eq(t, n, "gc"))
		return say(sc, "'session-lock %s' changes locks", sub);
	if (eq(t, n, "run"))
		return say(sc, "'session-lock run' runs a command");
	if (eq(t, n, "settings"))
		return say(sc, "'session-lock settings' edits Claude Code's "
		    "settings");
	return say(sc, "'session-lock %s' is not on the read-only list", sub);
}

/* The reason for a git command that no read-only form accepted. */
static int
git_reason(struct scan *sc, size_t i)
{
	char sub[48];
	const char *t;
	size_t j = git_subcommand(sc, i), n;

	if (j == 0)
		return say(sc, "'git' with these options is not on the "
		    "read-only list");
	t = wtext(sc, j);
	n = sc->w[j].len;
	return say(sc, name_in(git_readers, t, n) ||
	    name_in(git_form_names, t, n) ?
	    "'git %s' in this form is not on the read-only list" :
	    "'git %s' is not on the read-only list", shown(sub, t, n));
}

/*
 * Matches the command's text against the rules; 0 READONLY, 1 MUTATING.
 * opaque: an argument may expand into options; appended: xargs adds some.
 */
static int
judge(struct scan *sc, size_t i, int opaque, int appended)
{
	const struct classify *c = sc->c;
	const char *name = wtext(sc, i), *text = name;
	size_t nlen = sc->w[i].len, tlen = sc->blen - sc->w[i].off, r, k;
	int known = 0, blocked = 0, m;
	char shown_name[48];

	shown(shown_name, name, nlen);
	for (k = 0; k < c->n_mutating; k++)
		if (match(sc, c->mutating[k], text, tlen) != 0)
			return say(sc, "'%s' matches the mutating pattern '%s'",
			    shown_name, c->mutating_src[k]);
	for (r = 0; r < N_RULES; r++) {
		if (!(rules[r].flags & RULE_MUTATING) ||
		    !name_in(rules[r].names, name, nlen))
			continue;
		if (rules[r].words != NULL)
			m = has_word(sc, i, rules[r].words);
		else if (rules[r].pattern != NULL)
			m = match(sc, rule_code(sc, r), text, tlen);
		else
			m = 1;
		if (m == 1)
			return say(sc, rules[r].why, shown_name);
		if (m < 0)
			return say(sc, "'%s' is too complex to check",
			    shown_name);
	}
	if (eq(name, nlen, "export"))
		return check_export(sc, i);
	if (is_ours(sc, i))
		return check_ours(sc, i, appended);
	for (r = 0; r < N_RULES; r++) {
		if (!(rules[r].flags & RULE_READONLY) ||
		    !name_in(rules[r].names, name, nlen))
			continue;
		known = 1;
		if (rules[r].pattern != NULL &&
		    match(sc, rule_code(sc, r), text, tlen) != 1)
			continue;
		if (rules[r].check != NULL && !rules[r].check(sc, i))
			continue;
		if ((rules[r].flags & RULE_LITERAL) && opaque) {
			blocked = 1;
			continue;
		}
		return 0;
	}
	for (k = 0; k < c->n_readonly; k++) {
		if (match(sc, c->readonly[k], text, tlen) != 1)
			continue;
		if (!opaque)
			return 0;
		blocked = 1;
	}
	if (blocked)
		return say(sc, "'%s' has an argument that may expand to an "
		    "option", shown_name);
	for (r = 0; r < N_RULES; r++)
		if ((rules[r].flags & RULE_REASON) &&
		    name_in(rules[r].names, name, nlen))
			return say(sc, rules[r].why, shown_name);
	if (eq(name, nlen, "git"))
		return git_reason(sc, i);
	if (known)
		return say(sc, "'%s' with these arguments is not on the "
		    "read-only list", shown_name);
	return say(sc, "'%s' is not on the read-only list", shown_name);
}

/*
 * Judges the simple command just read (its words are in sc->w), then
 * forgets it. Returns 0 when it only reads, 1 (reason given) otherwise.
 */
static int
end_command(struct scan *sc)
{
	size_t i = 0, j;
	int appended = 0, opaque = 0, names_vars, r = 0;

	if (sc->nw == 0)
		return 0;
	while (i < sc->nw && is_keyword(sc, i))
		i++;
	if (i < sc->nw && sc->w[i].flags == 0 && weq(sc, i, "for")) {
		r = check_for(sc, i);
		goto out;
	}
	for (; i < sc->nw && (sc->w[i].flags & W_ASSIGN); i++)
		if ((r = check_assignment(sc, i)) != 0)
			goto out;
	if (i < sc->nw && (r = unwrap(sc, &i, &appended)) != 0)
		goto out;
	if (i >= sc->nw)
		goto out;
	names_vars = name_in("read printf test [ [[ export", wtext(sc, i),
	    sc->w[i].len);
	for (j = i + 1; j < sc->nw; j++) {
		if (sc->w[j].flags & W_OPAQUE)
			opaque = 1;
		if (names_vars && holds_substitution(sc, j)) {
			r = say(sc, "command substitution in a variable name");
			goto out;
		}
	}
	if ((r = check_builtin(sc, i)) != 0)
		goto out;
	r = judge(sc, i, opaque || appended, appended);
out:
	sc->nw = 0;
	sc->blen = 0;
	return r;
}

/* --- the line ------------------------------------------------------------- */

/* Reads the whole line; 0 when every part only reads. */
static int
scan_line(struct scan *sc)
{
	const char *p;

	for (;;) {
		skip_blanks(sc);
		p = sc->p;
		switch (*p) {
		case '\0':
			if (end_command(sc))
				return 1;
			if (sc->nhd > 0)
				return say(sc, "unterminated here-document");
			return 0;
		case '#':
			sc->p = strchrnul(p, '\n');
			continue;
		case '\n':
			sc->p++;
			if (end_command(sc) || read_heredocs(sc))
				return 1;
			continue;
		case '(':
			if (p[1] == '(')
				return say(sc, "arithmetic evaluation");
			sc->p++;
			break;
		case ';': case ')':
			sc->p++;
			break;
		case '|':
			sc->p += p[1] == '|' || p[1] == '&' ? 2 : 1;
			break;
		case '&':
			if (p[1] == '>') {
				if (read_redirect(sc))
					return 1;
				continue;
			}
			sc->p += p[1] == '&' ? 2 : 1;
			break;
		case '<': case '>':
			if (read_redirect(sc))
				return 1;
			continue;
		default:
			if (add_word(sc))
				return 1;
			continue;
		}
		if (end_command(sc))
			return 1;
	}
}

enum bash_class
classify_bash(const struct classify *c, const char *command, char *why,
    size_t whylen)
{
	struct scan sc;
	size_t len;
	int r;

	memset(&sc, 0, sizeof(sc));
	sc.c = c;
	sc.why = why;
	sc.whylen = whylen;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (c == NULL || command == NULL)
	{
		say(&sc, "nothing to classify");
		return BASH_MUTATING;
	}
	len = strlen(command);
	if (len > (SIZE_MAX - 2) / 2 ||
	    (sc.buf = malloc(2 * len + 2)) == NULL) {
		say(&sc, "out of memory");
		return BASH_MUTATING;
	}
	sc.bcap = len + 1;
	sc.dbuf = sc.buf + len + 1;
	sc.p = command;
	r = scan_line(&sc);
	free(sc.buf);
	free(sc.w);
	free(sc.hd);
	if (sc.md != NULL)
		pcre2_match_data_free(sc.md);
	if (r == 0 && why != NULL && whylen > 0)
		why[0] = '\0';
	return r == 0 ? BASH_READONLY : BASH_MUTATING;
}

/* --- setting up ----------------------------------------------------------- */

/* Compiles the user's patterns into codes[]; -1 with err_set() on a bad one. */
static int
compile_user(pcre2_code **codes, const char *const *src, size_t n,
    const char *what)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	size_t k;
	int code;

	for (k = 0; k < n; k++) {
		if (src[k] == NULL)
			return err_set("%s pattern %zu is missing", what,
			    k + 1);
		codes[k] = pcre2_compile((PCRE2_SPTR)src[k],
		    PCRE2_ZERO_TERMINATED, COMPILE_OPTIONS, &code, &off, NULL);
		if (codes[k] == NULL) {
			if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
				snprintf((char *)msg, sizeof(msg), "error %d",
				    code);
			return err_set("invalid %s pattern '%.200s': %s at "
			    "offset %zu", what, src[k], (const char *)msg,
			    (size_t)off);
		}
	}
	return 0;
}

int
classify_new(struct classify **out, const char *const *readonly_extra,
    size_t n_readonly, const char *const *mutating_extra, size_t n_mutating)
{
	struct classify *c;
	size_t k;

	if ((n_readonly > 0 && readonly_extra == NULL) ||
	    (n_mutating > 0 && mutating_extra == NULL))
		return err_set("classify_new: patterns missing");
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return err_set("cannot set up the command classifier:");
	c->n_readonly = n_readonly;
	c->n_mutating = n_mutating;
	c->readonly = calloc(n_readonly + 1, sizeof(*c->readonly));
	c->mutating = calloc(n_mutating + 1, sizeof(*c->mutating));
	c->mutating_src = calloc(n_mutating + 1, sizeof(*c->mutating_src));
	c->dflt = calloc(N_SLOTS, sizeof(*c->dflt));
	c->mctx = pcre2_match_context_create(NULL);
	if (c->readonly == NULL || c->mutating == NULL ||
	    c->mutating_src == NULL || c->dflt == NULL || c->mctx == NULL) {
		err_set("cannot set up the command classifier:");
		goto fail;
	}
	pcre2_set_match_limit(c->mctx, CLASSIFY_MATCH_LIMIT);
	pcre2_set_depth_limit(c->mctx, CLASSIFY_DEPTH_LIMIT);
	if (compile_user(c->readonly, readonly_extra, n_readonly,
	    "read-only") < 0 ||
	    compile_user(c->mutating, mutating_extra, n_mutating,
	    "mutating") < 0)
		goto fail;
	for (k = 0; k < n_mutating; k++) {
		c->mutating_src[k] = strdup(mutating_extra[k]);
		if (c->mutating_src[k] == NULL) {
			err_set("cannot set up the command classifier:");
			goto fail;
		}
	}
	*out = c;
	return 0;
fail:
	classify_free(c);
	return -1;
}

void
classify_free(struct classify *c)
{
	size_t k;

	if (c == NULL)
		return;
	for (k = 0; c->readonly != NULL && k < c->n_readonly; k++)
		pcre2_code_free(c->readonly[k]);
	for (k = 0; c->mutating != NULL && k < c->n_mutating; k++)
		pcre2_code_free(c->mutating[k]);
	for (k = 0; c->mutating_src != NULL && k < c->n_mutating; k++)
		free(c->mutating_src[k]);
	for (k = 0; c->dflt != NULL && k < N_SLOTS; k++)
		pcre2_code_free(c->dflt[k]);
	pcre2_match_context_free(c->mctx);
	free(c->readonly);
	free(c->mutating);
	free(c->mutating_src);
	free(c->dflt);
	free(c);
}
