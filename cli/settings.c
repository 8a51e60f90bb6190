/*
 * settings.c - merging our hooks into settings.json without losing a byte.
 *
 * Why edit text and not a tree. cJSON (like most libraries) parses numbers
 * into doubles, keeps no whitespace and has no idea how the user indents;
 * printing its tree back would rewrite the whole file. So the tree is used
 * only to understand the file, and the file itself is changed by splicing
 * text at positions a small scanner finds. The scanner is a strict JSON
 * validator (what JavaScript's JSON.parse accepts, which is what Claude
 * Code uses) that can also list the elements of one object or array with
 * their byte spans; it runs again after every edit, so each edit works on
 * fresh positions and no offset bookkeeping is needed (files are small).
 *
 * The edits. Only two exist:
 *   insert  "," + <separator of the last element> + <new element> right
 *           after the last element of a container (into an empty
 *           container: a newline and indentation, or nothing when the
 *           file is written on one line);
 *   remove  an element with the separator before it, i.e. exactly what
 *           insert added (the first element: with the separator after it;
 *           the only element: the container's whole inside).
 * Since remove undoes insert byte for byte, install-then-uninstall returns
 * the original file. An entry of ours is removed from its group; a group,
 * event array or "hooks" object that would be left empty goes instead.
 *
 * Duplicate keys. JSON.parse keeps the last of two equal keys, cJSON the
 * first. Where that would make us edit a different value than Claude Code
 * reads ("hooks", an event name, a group's "hooks", an entry's "command")
 * the file is refused; elsewhere duplicates are only carried along.
 *
 * Last line of defence: every changed text is parsed again and compared,
 * value by value and with our entries taken out of both, with the text we
 * started from. A difference is a bug here, and is refused, not written.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "client.h"
#include "err.h"
#include "settings.h"
#include "sys.h"

#define TOOL_MATCHER "Edit|Write|MultiEdit|NotebookEdit|Bash"
/*
 * PreToolUse sees Read too: in the "paths" scope a Read of a file that
 * another session has claimed is told that it may be changing. In the
 * default scope the hook returns at once for it (Read is not in "tools").
 */
#define PRE_TOOL_MATCHER TOOL_MATCHER "|Read"

/* The tools that change files, which a tool event's matcher must not miss. */
static const char *const writing_tools[] = { "Edit", "Write", "NotebookEdit", "Bash", NULL };
/* A skill's shell command comes with tool_name "Bash". */
static const char *const skill_tools[] = { "Bash", NULL };
/* Seen only for a notice: a matcher without them still locks every write. */
static const char *const read_tools[] = { "Read", NULL };

const struct settings_hook settings_hooks[] = {
	{ "SessionStart", NULL, NULL, NULL, "session-start", 10, 2, NULL },
	{ "PreToolUse", PRE_TOOL_MATCHER, writing_tools, read_tools, "pretooluse-lock", 10, 2, NULL },
	/* the `!`cmd`` of skills and slash commands; older clients warn about it */
	{ "PreSkillShellCommand", NULL, skill_tools, NULL, "pretooluse-lock", 10, 2, "2.1.332" },
	{ "PostToolUse", TOOL_MATCHER, writing_tools, NULL, "posttooluse-refresh", 5, 2, NULL },
	{ "PostToolUseFailure", TOOL_MATCHER, writing_tools, NULL, "posttooluse-refresh", 5, 2, NULL },
	{ "Stop", NULL, NULL, NULL, "stop-release", 5, 2, NULL },
	/* more than the 1.5 s SessionEnd budget, which a declared timeout raises */
	{ "SessionEnd", NULL, NULL, NULL, "stop-release", 5, 2, NULL },
};
const size_t settings_nhooks = sizeof(settings_hooks) / sizeof(settings_hooks[0]);

const char *const settings_programs[] = {
	"pretooluse-lock", "posttooluse-refresh", "stop-release", "session-start", NULL,
};

int
settings_client_has(const struct settings_hook *h, const char *client)
{
	return h->since == NULL || (client != NULL && client_compare(client, h->since) >= 0);
}

#define MAX_DEPTH 1000	/* as cJSON's CJSON_NESTING_LIMIT */

/* --- a growing string -------------------------------------------------- */

/* Appends never fail visibly: a failed allocation sets `failed`, checked once at the end. */
struct sb {
	char *p;
	size_t len, cap;
	int failed;
};
#define SB_INIT { NULL, 0, 0, 0 }

static void
sb_add(struct sb *b, const char *s, size_t n)
{
	char *p;
	size_t cap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_adds(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_addf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_addf(struct sb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->failed = 1;
		return;
	}
	sb_add(b, tmp, (size_t)n);
}

/* Makes sure the string exists ("" at least). Returns -1 when out of memory. */
static int
sb_finish(struct sb *b)
{
	sb_add(b, "", 0);
	if (b->p == NULL)
		b->failed = 1;
	return b->failed ? -1 : 0;
}

static void
sb_free(struct sb *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* --- commands -------------------------------------------------------------- */

char *
settings_command(const char *bindir, const char *program)
{
	size_t n = strlen(bindir) + strlen(program) + 2;
	char *path = malloc(n);

	if (path != NULL)
		snprintf(path, n, "%s/%s", bindir, program);
	return path;
}

/*
 * Reads one word of POSIX shell syntax from *pp into out: quotes and
 * backslashes are removed, nothing is expanded. Returns 1 for a word, 0
 * when there is none (end, or an operator), -1 when it does not fit or a
 * quote is not closed.
 */
static int
shell_word(const char **pp, char *out, size_t cap)
{
	const char *p = *pp;
	size_t n = 0;
	int quoted = 0;

#define PUT(c) do { if (n + 1 >= cap) return -1; out[n++] = (c); } while (0)
	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p != '\0'; p++) {
		if (strchr(" \t\n;&|<>()", *p) != NULL)
			break;
		if (*p == '\'') {
			quoted = 1;
			for (p++; *p != '\''; p++) {
				if (*p == '\0')
					return -1;
				PUT(*p);
			}
		} else if (*p == '"') {
			quoted = 1;
			for (p++; *p != '"'; p++) {
				if (*p == '\0')
					return -1;
				if (*p == '\\' && p[1] != '\0' && strchr("$`\"\\\n", p[1]) != NULL) {
					p++;
					if (*p == '\n')
						continue;
				}
				PUT(*p);
			}
		} else if (*p == '\\') {
			if (*++p == '\0')
				return -1;
			if (*p != '\n')
				PUT(*p);
		} else {
			PUT(*p);
		}
	}
#undef PUT
	out[n] = '\0';
	*pp = p;
	return n > 0 || quoted;
}

int
settings_command_path(char *out, size_t cap, const char *command)
{
	const char *p = command;
	int r;

	r = shell_word(&p, out, cap);
	if (r == 1 && strcmp(out, "exec") == 0)
		r = shell_word(&p, out, cap);
	return r == 1 && out[0] != '\0' ? 0 : -1;
}

int
settings_entry_path(char *out, size_t cap, const char *command, int exec_form)
{
	if (!exec_form)
		return settings_command_path(out, cap, command);
	if (command[0] == '\0' || strlen(command) >= cap)
		return -1;
	memcpy(out, command, strlen(command) + 1);
	return 0;
}

const char *
settings_entry_program(const char *command, int exec_form)
{
	char path[PATH_MAX];
	const char *base;
	size_t i;

	if (command == NULL || settings_entry_path(path, sizeof(path), command, exec_form) != 0)
		return NULL;
	base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	for (i = 0; settings_programs[i] != NULL; i++)
		if (strcmp(base, settings_programs[i]) == 0)
			return settings_programs[i];
	return NULL;
}

const char *
settings_command_program(const char *command)
{
	return settings_entry_program(command, 0);
}

/* --- the strict scanner -------------------------------------------------- */

struct scan {
	const char *t;
	size_t len, pos;
};

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
skip_ws(struct scan *s)
{
	while (s->pos < s->len && is_ws(s->t[s->pos]))
		s->pos++;
}

static int
scan_string(struct scan *s)
{
	const char *t = s->t;
	int i;

	if (s->pos >= s->len || t[s->pos] != '"')
		return -1;
	for (s->pos++; s->pos < s->len; s->pos++) {
		unsigned char c = (unsigned char)t[s->pos];

		if (c == '"') {
			s->pos++;
			return 0;
		}
		if (c < 0x20)
			return -1;
		if (c != '\\')
			continue;
		if (++s->pos >= s->len)
			return -1;
		c = (unsigned char)t[s->pos];
		if (c == 'u') {
			for (i = 0; i < 4; i++)
				if (++s->pos >= s->len ||
				    strchr("0123456789abcdefABCDEF", t[s->pos]) == NULL ||
				    t[s->pos] == '\0')
					return -1;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
			return -1;
		}
	}
	return -1;
}

static int
scan_digits(struct scan *s)
{
	size_t start = s->pos;

	while (s->pos < s->len && s->t[s->pos] >= '0' && s->t[s->pos] <= '9')
		s->pos++;
	return s->pos > start ? 0 : -1;
}

static int
scan_number(struct scan *s)
{
	if (s->pos < s->len && s->t[s->pos] == '-')
		s->pos++;
	if (s->pos < s->len && s->t[s->pos] == '0')
		s->pos++;
	else if (scan_digits(s) != 0)
		return -1;
	if (s->pos < s->len && s->t[s->pos] == '.') {
		s->pos++;
		if (scan_digits(s) != 0)
			return -1;
	}
	if (s->pos < s->len && (s->t[s->pos] == 'e' || s->t[s->pos] == 'E')) {
		s->pos++;
		if (s->pos < s->len && (s->t[s->pos] == '+' || s->t[s->pos] == '-'))
			s->pos++;
		if (scan_digits(s) != 0)
			return -1;
	}
	return 0;
}

static int
scan_word(struct scan *s, const char *w)
{
	size_t n = strlen(w);

	if (s->len - s->pos < n || memcmp(s->t + s->pos, w, n) != 0)
		return -1;
	s->pos += n;
	return 0;
}

/* Skips one value starting at s->pos (no white space before it). */
static int
scan_value(struct scan *s, int depth)
{
	char open, close;

	if (s->pos >= s->len)
		return -1;
	switch (s->t[s->pos]) {
	case '"':
		return scan_string(s);
	case 't':
		return scan_word(s, "true");
	case 'f':
		return scan_word(s, "false");
	case 'n':
		return scan_word(s, "null");
	case '{':
	case '[':
		break;
	default:
		return scan_number(s);
	}
	if (depth >= MAX_DEPTH)
		return -1;
	open = s->t[s->pos++];
	close = open == '{' ? '}' : ']';
	skip_ws(s);
	if (s->pos < s->len && s->t[s->pos] == close) {
		s->pos++;
		return 0;
	}
	for (;;) {
		if (open == '{') {
			if (scan_string(s) != 0)
				return -1;
			skip_ws(s);
			if (s->pos >= s->len || s->t[s->pos] != ':')
				return -1;
			s->pos++;
			skip_ws(s);
		}
		if (scan_value(s, depth + 1) != 0)
			return -1;
		skip_ws(s);
		if (s->pos >= s->len)
			return -1;
		if (s->t[s->pos] == close) {
			s->pos++;
			return 0;
		}
		if (s->t[s->pos] != ',')
			return -1;
		s->pos++;
		skip_ws(s);
	}
}

/*
 * Validates a whole settings text: strict JSON, one object, nothing after
 * it, and cJSON agreeing. Returns the cJSON tree (to be deleted by the
 * caller), or NULL with err_set().
 */
static cJSON *
parse_settings(const char *text, size_t len)
{
	struct scan s = { text, len, 0 };
	size_t i, line = 1, col = 1;
	cJSON *root;

	skip_ws(&s);
	if (s.pos < len && text[s.pos] != '{' && scan_value(&s, 0) == 0) {
		err_set("the top level is not a JSON object");
		return NULL;
	}
	s.pos = 0;
	skip_ws(&s);
	if (scan_value(&s, 0) == 0) {
		skip_ws(&s);
		if (s.pos == len)
			goto valid;
	}
	if (s.pos > len)
		s.pos = len;
	for (i = 0; i < s.pos; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	err_set("not valid JSON (line %zu, column %zu)", line, col);
	return NULL;
valid:
	root = cJSON_ParseWithLengthOpts(text, len, NULL, 0);
	if (root == NULL) {
		err_set("not valid JSON (cJSON refuses it)");
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		err_set("the top level is not a JSON object");
		return NULL;
	}
	return root;
}

/* --- the text's structure ---------------------------------------------- */

/* One element of an object or array: [start, end) covers key to value. */
struct item {
	size_t start, end;
	size_t kstart, kend;	/* key with quotes; equal to start in arrays */
	size_t vstart, vend;
};

/* The elements of one container whose brackets are at open and close. */
struct list {
	struct item *v;
	size_t n, cap;
	size_t open, close;
	int object;
};
#define LIST_INIT { NULL, 0, 0, 0, 0, 0 }

static void
list_free(struct list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/*
 * Lists the elements of the (already validated) object or array starting
 * at pos. Returns 0, or -1 when out of memory or the value is neither.
 */
static int
list_items(struct list *l, const char *t, size_t len, size_t pos)
{
	struct scan s = { t, len, pos };
	struct item it;
	struct item *v;

	l->n = 0;
	if (pos >= len || (t[pos] != '{' && t[pos] != '['))
		return -1;
	l->object = t[pos] == '{';
	l->open = pos;
	s.pos++;
	for (;;) {
		skip_ws(&s);
		if (t[s.pos] == '}' || t[s.pos] == ']')
			break;
		it.start = it.kstart = it.kend = s.pos;
		if (l->object) {
			scan_string(&s);
			it.kend = s.pos;
			skip_ws(&s);
			s.pos++;	/* ':' */
			skip_ws(&s);
		}
		it.vstart = s.pos;
		if (scan_value(&s, 0) != 0)
			return -1;
		it.vend = it.end = s.pos;
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 16;
			v = realloc(l->v, l->cap * sizeof(*v));
			if (v == NULL)
				return err_set("out of memory");
			l->v = v;
		}
		l->v[l->n++] = it;
		skip_ws(&s);
		if (t[s.pos] == ',')
			s.pos++;
	}
	l->close = s.pos;
	return 0;
}

/*
 * Compares a key (with its quotes, escapes allowed) with name. Returns 1
 * when equal, 0 when not.
 */
static int
key_is(const char *t, const struct item *it, const char *name)
{
	size_t n = it->kend - it->kstart - 2;
	const char *k = t + it->kstart + 1;
	cJSON *j;
	int eq;

	if (memchr(k, '\\', n) == NULL)
		return strlen(name) == n && memcmp(k, name, n) == 0;
	j = cJSON_ParseWithLength(t + it->kstart, it->kend - it->kstart);
	eq = cJSON_IsString(j) && strcmp(j->valuestring, name) == 0;
	cJSON_Delete(j);
	return eq;
}

/* Returns the key decoded, newly allocated, or NULL when out of memory. */
static char *
key_dup(const char *t, const struct item *it)
{
	cJSON *j = cJSON_ParseWithLength(t + it->kstart, it->kend - it->kstart);
	char *s = NULL;

	if (cJSON_IsString(j))
		s = strdup(j->valuestring);
	cJSON_Delete(j);
	return s;
}

/*
 * Finds the one element with key name in object list l. Returns its index,
 * -1 when there is none, -2 (with err_set) when there are two.
 */
static long
find_key(const char *t, const struct list *l, const char *name, const char *where)
{
	long found = -1;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (!key_is(t, &l->v[i], name))
			continue;
		if (found >= 0) {
			err_set("%s has the key \"%s\" twice", where, name);
			return -2;
		}
		found = (long)i;
	}
	return found;
}

/* --- rendering what we add ----------------------------------------------- */

/* How the file is written, so that what we add looks like the rest. */
struct style {
	int compact;		/* the file is on one line: add no newlines */
	char unit[32];		/* one level of indentation */
	const char *nl;		/* "\n", or "\r\n" in a file that uses that */
};

static void
render_string(struct sb *b, const char *s)
{
	sb_adds(b, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			sb_adds(b, "\\");
			sb_add(b, s, 1);
		} else if (c == '\n') {
			sb_adds(b, "\\n");
		} else if (c == '\t') {
			sb_adds(b, "\\t");
		} else if (c < 0x20) {
			sb_addf(b, "\\u%04x", c);
		} else {
			sb_add(b, s, 1);
		}
	}
	sb_adds(b, "\"");
}

/*
 * Renders a value we built (objects, arrays, strings, whole numbers).
 * indent is the indentation of the line the value starts on; colon is what
 * goes between a key and its value.
 */
static void
render(struct sb *b, const cJSON *v, const struct style *st, const char *indent,
    const char *colon)
{
	const cJSON *c;
	struct sb inner = SB_INIT;
	int obj = cJSON_IsObject(v);

	if (cJSON_IsString(v)) {
		render_string(b, v->valuestring);
		return;
	}
	if (cJSON_IsNumber(v)) {
		sb_addf(b, "%d", v->valueint);
		return;
	}
	if (v->child == NULL) {
		sb_adds(b, obj ? "{}" : "[]");
		return;
	}
	sb_adds(&inner, indent);
	sb_adds(&inner, st->unit);
	if (sb_finish(&inner) != 0) {
		b->failed = 1;
		return;
	}
	sb_adds(b, obj ? "{" : "[");
	for (c = v->child; c != NULL; c = c->next) {
		if (!st->compact) {
			sb_adds(b, st->nl);
			sb_adds(b, inner.p);
		}
		if (obj) {
			render_string(b, c->string);
			sb_adds(b, colon);
		}
		render(b, c, st, inner.p, colon);
		if (c->next != NULL)
			sb_adds(b, st->compact && colon[1] == ' ' ? ", " : ",");
	}
	if (!st->compact) {
		sb_adds(b, st->nl);
		sb_adds(b, indent);
	}
	sb_adds(b, obj ? "}" : "]");
	sb_free(&inner);
}

static void
detect_style(struct style *st, const char *t, const struct list *top)
{
	const char *first = strchr(t, '\n');
	size_t i, nl;

	st->compact = 0;
	st->nl = first != NULL && first > t && first[-1] == '\r' ? "\r\n" : "\n";
	snprintf(st->unit, sizeof(st->unit), "  ");
	if (top->n == 0)
		return;
	for (i = top->v[0].start, nl = SIZE_MAX; i > top->open; i--)
		if (t[i - 1] == '\n') {
			nl = i;
			break;
		}
	if (nl == SIZE_MAX) {
		st->compact = 1;
		st->unit[0] = '\0';
		return;
	}
	/* the top level's members sit at one unit, the object at column 0 */
	if (top->v[0].start > nl && top->v[0].start - nl < sizeof(st->unit))
		snprintf(st->unit, sizeof(st->unit), "%.*s",
		    (int)(top->v[0].start - nl), t + nl);
}

/* The white space a line starts with, for the line holding pos. */
static void
line_indent(struct sb *b, const char *t, size_t pos)
{
	size_t s = pos, e;

	while (s > 0 && t[s - 1] != '\n')
		s--;
	for (e = s; t[e] == ' ' || t[e] == '\t'; e++)
		;
	sb_add(b, t + s, e - s);
}

/* Replaces [start, end) of *text with ins; the old text is freed. */
static int
text_splice(struct sb *text, size_t start, size_t end, const char *ins, size_t n)
{
	struct sb out = SB_INIT;

	sb_add(&out, text->p, start);
	sb_add(&out, ins, n);
	sb_add(&out, text->p + end, text->len - end);
	if (sb_finish(&out) != 0) {
		sb_free(&out);
		return err_set("out of memory");
	}
	sb_free(text);
	*text = out;
	return 0;
}

/*
 * Appends an element (with key when the container is an object) to the
 * container l of text, rendered to match its neighbours.
 */
static int
append_item(struct sb *text, const struct list *l, const char *key, const cJSON *v,
    const struct style *st)
{
	struct sb ins = SB_INIT, indent = SB_INIT, colon = SB_INIT;
	struct style local = *st;
	const struct item *last;
	size_t ws, at_start, at_end, i;
	int rc = -1, nl = 0;

	if (l->n > 0) {
		last = &l->v[l->n - 1];
		for (ws = last->start; ws > 0 && is_ws(text->p[ws - 1]); ws--)
			;
		for (i = last->start; i > ws && !nl; i--)
			if (text->p[i - 1] == '\n') {
				nl = 1;
				sb_add(&indent, text->p + i, last->start - i);
			}
		local.compact = !nl;
		if (l->object)
			sb_add(&colon, text->p + last->kend, last->vstart - last->kend);
		else
			sb_adds(&colon, st->compact ? ":" : ": ");
		sb_adds(&ins, ",");
		sb_add(&ins, text->p + ws, last->start - ws);
		at_start = at_end = last->end;
	} else {
		sb_adds(&colon, st->compact ? ":" : ": ");
		if (!st->compact) {
			line_indent(&indent, text->p, l->open);
			sb_adds(&ins, st->nl);
			sb_adds(&ins, indent.p != NULL ? indent.p : "");
			sb_adds(&ins, st->unit);
			sb_adds(&indent, st->unit);
		}
		at_start = l->open + 1;
		at_end = l->close;
	}
	if (sb_finish(&indent) != 0 || sb_finish(&colon) != 0)
		goto out;
	if (key != NULL) {
		render_string(&ins, key);
		sb_adds(&ins, colon.p);
	}
	render(&ins, v, &local, indent.p, colon.p);
	if (l->n == 0 && !st->compact) {
		sb_adds(&ins, st->nl);
		line_indent(&ins, text->p, l->open);
	}
	if (sb_finish(&ins) != 0) {
		err_set("out of memory");
		goto out;
	}
	rc = text_splice(text, at_start, at_end, ins.p, ins.len);
out:
	if (rc != 0 && (ins.failed || indent.failed || colon.failed))
		err_set("out of memory");
	sb_free(&ins);
	sb_free(&indent);
	sb_free(&colon);
	return rc;
}

/* Removes element i of container l from text, with its separator. */
static int
remove_item(struct sb *text, const struct list *l, size_t i)
{
	if (l->n == 1)
		return text_splice(text, l->open + 1, l->close, "", 0);
	if (i == 0)
		return text_splice(text, l->v[0].start, l->v[1].start, "", 0);
	return text_splice(text, l->v[i - 1].end, l->v[i].end, "", 0);
}

/* --- our entries --------------------------------------------------------- */

/* What we build for one registration: the group that goes into the event's array. */
static cJSON *
build_group(const struct settings_hook *h, const char *bindir)
{
	cJSON *g = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *e = cJSON_CreateObject();
	char *cmd = settings_command(bindir, h->program);
	int ok = g != NULL && arr != NULL && e != NULL && cmd != NULL &&
	    (h->matcher == NULL || cJSON_AddStringToObject(g, "matcher", h->matcher) != NULL) &&
	    cJSON_AddStringToObject(e, "type", "command") != NULL &&
	    cJSON_AddStringToObject(e, "command", cmd) != NULL &&
	    cJSON_AddArrayToObject(e, "args") != NULL &&
	    cJSON_AddNumberToObject(e, "timeout", h->timeout) != NULL &&
	    cJSON_AddItemToArray(arr, e);

	if (ok)
		e = NULL;
	if (ok && (ok = cJSON_AddItemToObject(g, "hooks", arr)) != 0)
		arr = NULL;
	free(cmd);
	cJSON_Delete(arr);
	cJSON_Delete(e);
	if (!ok) {
		cJSON_Delete(g);
		err_set("out of memory");
		return NULL;
	}
	return g;
}

/*
 * The command string of an entry, or NULL; *exec_form says it has an
 * "args" array (the client then runs the command itself, no shell). Sets
 * *dup on two "command" or two "args" keys, which cJSON and the client
 * would read differently.
 */
static const char *
entry_command(const cJSON *entry, int *dup, int *exec_form)
{
	const cJSON *c, *found = NULL, *args = NULL;

	*exec_form = 0;
	if (!cJSON_IsObject(entry))
		return NULL;
	for (c = entry->child; c != NULL; c = c->next) {
		if (c->string != NULL && strcmp(c->string, "command") == 0) {
			if (found != NULL)
				*dup = 1;
			found = c;
		} else if (c->string != NULL && strcmp(c->string, "args") == 0) {
			if (args != NULL)
				*dup = 1;
			args = c;
		}
	}
	*exec_form = cJSON_IsArray(args);
	return cJSON_IsString(found) ? found->valuestring : NULL;
}

/* Our program an entry runs, in either form, or NULL. */
static const char *
entry_program(const cJSON *entry, int *dup)
{
	int exec_form;
	const char *cmd = entry_command(entry, dup, &exec_form);

	return settings_entry_program(cmd, exec_form);
}

/*
 * Takes our entries out of a parsed settings tree, then any group,
 * event array and "hooks" object left empty (for comparisons).
 */
static void
strip_ours(cJSON *root)
{
	cJSON *hooks = cJSON_GetObjectItemCaseSensitive(root, "hooks");
	cJSON *ev, *nev, *g, *ng, *m, *nm, *e, *ne;
	int dup = 0;

	if (!cJSON_IsObject(hooks))
		return;
	for (ev = hooks->child; ev != NULL; ev = nev) {
		nev = ev->next;
		if (!cJSON_IsArray(ev))
			continue;
		for (g = ev->child; g != NULL; g = ng) {
			ng = g->next;
			if (!cJSON_IsObject(g))
				continue;
			for (m = g->child; m != NULL; m = nm) {
				nm = m->next;
				if (strcmp(m->string, "hooks") != 0 || !cJSON_IsArray(m))
					continue;
				for (e = m->child; e != NULL; e = ne) {
					ne = e->next;
					if (entry_program(e, &dup) != NULL)
						cJSON_Delete(cJSON_DetachItemViaPointer(m, e));
				}
				if (m->child == NULL)
					cJSON_Delete(cJSON_DetachItemViaPointer(g, m));
			}
			if (cJSON_GetObjectItemCaseSensitive(g, "hooks") == NULL)
				cJSON_Delete(cJSON_DetachItemViaPointer(ev, g));
		}
		if (ev->child == NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(hooks, ev));
	}
	if (hooks->child == NULL)
		cJSON_Delete(cJSON_DetachItemViaPointer(root, hooks));
}

/*
 * Equal values, keys in the same order. Numbers compare as doubles with
 * ==, which is exact here: equal text gives equal doubles (1e400 too).
 */
static int
json_equal(const cJSON *a, const cJSON *b)
{
	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (!cJSON_IsArray(a) && !cJSON_IsObject(a))
		return 1;
	for (a = a->child, b = b->child; a != NULL && b != NULL; a = a->next, b = b->next) {
		if ((a->string == NULL) != (b->string == NULL) ||
		    (a->string != NULL && strcmp(a->string, b->string) != 0))
			return 0;
		if (!json_equal(a, b))
			return 0;
	}
	return a == NULL && b == NULL;
}

/* Same settings apart from our entries? 1 yes, 0 no, -1 cannot tell. */
static int
same_but_ours(const char *a, size_t alen, const char *b, size_t blen)
{
	cJSON *x = alen > 0 ? cJSON_ParseWithLength(a, alen) : cJSON_CreateObject();
	cJSON *y = cJSON_ParseWithLength(b, blen);
	int same = -1;

	if (x != NULL && y != NULL) {
		strip_ours(x);
		strip_ours(y);
		same = json_equal(x, y);
	}
	cJSON_Delete(x);
	cJSON_Delete(y);
	return same;
}

static const struct settings_hook *
hook_for(const char *event, const char *program)
{
	size_t i;

	for (i = 0; i < settings_nhooks; i++)
		if (strcmp(settings_hooks[i].event, event) == 0 &&
		    strcmp(settings_hooks[i].program, program) == 0)
			return &settings_hooks[i];
	return NULL;
}

static int
matcher_is_all(const cJSON *m)
{
	return m == NULL || (cJSON_IsString(m) &&
	    (m->valuestring[0] == '\0' || strcmp(m->valuestring, "*") == 0));
}

/*
 * Is the tree registered exactly as install would leave it, for bindir and
 * the client version (NULL: unknown)? Each registration the client has
 * once, in exec form, in a group with the wanted matcher, with the wanted
 * command and timeout, and no other entry of ours anywhere.
 */
static int
up_to_date(const cJSON *root, const char *bindir, const char *client)
{
	const cJSON *hooks = cJSON_GetObjectItemCaseSensitive(root, "hooks");
	const cJSON *ev, *g, *m, *e, *t;
	const struct settings_hook *h;
	const char *cmd, *prog;
	size_t count[16] = { 0 }, i;
	char *want;
	int dup = 0, good, exec_form;

	if (!cJSON_IsObject(hooks))
		return 0;
	cJSON_ArrayForEach(ev, hooks) {
		cJSON_ArrayForEach(g, ev) {
			if (!cJSON_IsArray(ev) || !cJSON_IsObject(g))
				continue;
			cJSON_ArrayForEach(m, g) {
				if (strcmp(m->string, "hooks") != 0 || !cJSON_IsArray(m))
					continue;
				cJSON_ArrayForEach(e, m) {
					cmd = entry_command(e, &dup, &exec_form);
					if ((prog = settings_entry_program(cmd, exec_form)) == NULL)
						continue;
					if ((h = hook_for(ev->string, prog)) == NULL ||
					    !settings_client_has(h, client))
						return 0;
					if ((want = settings_command(bindir, prog)) == NULL)
						return 0;
					t = cJSON_GetObjectItemCaseSensitive(e, "type");
					good = exec_form && strcmp(cmd, want) == 0 &&
					    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(e, "args")) == 0 &&
					    cJSON_IsString(t) && strcmp(t->valuestring, "command") == 0 &&
					    cJSON_IsNumber(t = cJSON_GetObjectItemCaseSensitive(e, "timeout")) &&
					    t->valuedouble == h->timeout;
					free(want);
					t = cJSON_GetObjectItemCaseSensitive(g, "matcher");
					if (h->matcher != NULL)
						good = good && cJSON_IsString(t) &&
						    strcmp(t->valuestring, h->matcher) == 0;
					else
						good = good && matcher_is_all(t);
					if (!good)
						return 0;
					count[h - settings_hooks]++;
				}
			}
		}
	}
	for (i = 0; i < settings_nhooks; i++)
		if (count[i] != (settings_client_has(&settings_hooks[i], client) ? 1u : 0u))
			return 0;
	return 1;
}

/* The path to our entry found by find_ours(), with every list on it. */
struct where {
	struct list top, hooks, groups, members, entries;
	size_t ih, ie, ig, ix;
	char *event;
	char *command;
};
#define WHERE_INIT { LIST_INIT, LIST_INIT, LIST_INIT, LIST_INIT, LIST_INIT, 0, 0, 0, 0, NULL, NULL }

static void
where_free(struct where *w)
{
	list_free(&w->top);
	list_free(&w->hooks);
	list_free(&w->groups);
	list_free(&w->members);
	list_free(&w->entries);
	free(w->event);
	free(w->command);
	w->event = w->command = NULL;
}

/*
 * Lists the top level and finds "hooks" in it: w->ih is its index, or
 * SIZE_MAX when there is none. Returns 0, or -1 with err_set().
 */
static int
find_hooks(struct where *w, const char *t, size_t len)
{
	struct scan s = { t, len, 0 };
	long i;

	skip_ws(&s);
	if (list_items(&w->top, t, len, s.pos) != 0)
		return -1;
	if ((i = find_key(t, &w->top, "hooks", "the top level")) == -2)
		return -1;
	w->ih = i < 0 ? SIZE_MAX : (size_t)i;
	if (i < 0)
		return 0;
	if (t[w->top.v[i].vstart] != '{')
		return err_set("\"hooks\" is not an object");
	return list_items(&w->hooks, t, len, w->top.v[i].vstart);
}

/* Refuses a "hooks" object that names one event twice. */
static int
check_event_keys(const char *t, const struct list *hooks)
{
	size_t i, j;

	for (i = 0; i < hooks->n; i++)
		for (j = i + 1; j < hooks->n; j++) {
			char *k = key_dup(t, &hooks->v[i]);
			int same = k != NULL && key_is(t, &hooks->v[j], k);

			if (same)
				err_set("\"hooks\" has the key \"%s\" twice", k);
			free(k);
			if (same)
				return -1;
		}
	return 0;
}

/*
 * Finds the first entry of ours in text. Returns 1 (with w filled in), 0
 * when there is none, -1 with err_set(). With all set, goes on through the
 * whole "hooks" object (to refuse every duplicate key), and w only counts.
 */
static int
find_ours(struct where *w, const char *t, size_t len, int all)
{
	size_t ie, ig, im, ix;
	long k;
	int dup = 0, found = 0;

	if (find_hooks(w, t, len) != 0)
		return -1;
	if (w->ih == SIZE_MAX)
		return 0;
	if (check_event_keys(t, &w->hooks) != 0)
		return -1;
	for (ie = 0; ie < w->hooks.n; ie++) {
		if (t[w->hooks.v[ie].vstart] != '[')
			continue;
		if (list_items(&w->groups, t, len, w->hooks.v[ie].vstart) != 0)
			return -1;
		for (ig = 0; ig < w->groups.n; ig++) {
			if (t[w->groups.v[ig].vstart] != '{')
				continue;
			if (list_items(&w->members, t, len, w->groups.v[ig].vstart) != 0)
				return -1;
			if ((k = find_key(t, &w->members, "hooks", "a hook group")) == -2)
				return -1;
			if (k < 0)
				continue;
			im = (size_t)k;
			if (t[w->members.v[im].vstart] != '[')
				continue;
			if (list_items(&w->entries, t, len, w->members.v[im].vstart) != 0)
				return -1;
			for (ix = 0; ix < w->entries.n; ix++) {
				const struct item *it = &w->entries.v[ix];
				cJSON *e = cJSON_ParseWithLength(t + it->vstart, it->vend - it->vstart);
				int exec_form;
				const char *cmd = entry_command(e, &dup, &exec_form);
				const char *prog = settings_entry_program(cmd, exec_form);

				if (dup) {
					cJSON_Delete(e);
					return err_set("a hook entry has the key \"command\" or \"args\" twice");
				}
				if (prog != NULL && all) {
					found = 1;
				} else if (prog != NULL) {
					w->command = strdup(cmd);
					w->event = key_dup(t, &w->hooks.v[ie]);
					cJSON_Delete(e);
					if (w->command == NULL || w->event == NULL)
						return err_set("out of memory");
					w->ie = ie;
					w->ig = ig;
					w->ix = ix;
					return 1;
				}
				cJSON_Delete(e);
			}
		}
	}
	return found;
}

/* 1 when text holds an entry of ours, 0 when not, -1 on error. */
static int
has_ours(const char *t, size_t len)
{
	struct where w = WHERE_INIT;
	int r = find_ours(&w, t, len, 1);

	where_free(&w);
	return r;
}

/* Removes all our entries from text, logging each. */
static int
remove_ours(struct sb *text, struct sb *log)
{
	struct where w = WHERE_INIT;
	int r;

	for (;;) {
		r = find_ours(&w, text->p, text->len, 0);
		if (r <= 0)
			break;
		sb_addf(log, "remove %s hook: ", w.event);
		sb_adds(log, w.command);
		sb_adds(log, "\n");
		if (w.entries.n > 1)
			r = remove_item(text, &w.entries, w.ix);
		else if (w.groups.n > 1)
			r = remove_item(text, &w.groups, w.ig);
		else if (w.hooks.n > 1)
			r = remove_item(text, &w.hooks, w.ie);
		else
			r = remove_item(text, &w.top, w.ih);
		where_free(&w);
		if (r != 0)
			break;
	}
	where_free(&w);
	return r < 0 ? -1 : 0;
}

/* Appends the group of one registration, creating its event or "hooks". */
static int
add_hook(struct sb *text, const struct settings_hook *h, const char *bindir, struct sb *log)
{
	struct where w = WHERE_INIT;
	struct style st;
	cJSON *group = build_group(h, bindir), *v = NULL, *wrap = NULL;
	long ie;
	int rc = -1;

	if (group == NULL)
		return -1;
	if (find_hooks(&w, text->p, text->len) != 0)
		goto out;
	detect_style(&st, text->p, &w.top);
	if (w.ih == SIZE_MAX) {
		v = cJSON_CreateObject();
		wrap = cJSON_CreateArray();
		if (v == NULL || wrap == NULL) {
			err_set("out of memory");
			goto out;
		}
		cJSON_AddItemToArray(wrap, group);
		group = NULL;
		cJSON_AddItemToObject(v, h->event, wrap);
		wrap = NULL;
		rc = append_item(text, &w.top, "hooks", v, &st);
		goto out;
	}
	if (check_event_keys(text->p, &w.hooks) != 0)
		goto out;
	ie = find_key(text->p, &w.hooks, h->event, "\"hooks\"");
	if (ie < 0) {
		if ((v = cJSON_CreateArray()) == NULL) {
			err_set("out of memory");
			goto out;
		}
		cJSON_AddItemToArray(v, group);
		group = NULL;
		rc = append_item(text, &w.hooks, h->event, v, &st);
		goto out;
	}
	if (text->p[w.hooks.v[ie].vstart] != '[') {
		err_set("\"hooks\".\"%s\" is not an array", h->event);
		goto out;
	}
	if (list_items(&w.groups, text->p, text->len, w.hooks.v[ie].vstart) != 0)
		goto out;
	rc = append_item(text, &w.groups, NULL, group, &st);
out:
	if (rc == 0) {
		char *cmd = settings_command(bindir, h->program);

		sb_addf(log, "add %s hook: %s (timeout %d s)\n", h->event,
		    cmd != NULL ? cmd : h->program, h->timeout);
		free(cmd);
	}
	cJSON_Delete(group);
	cJSON_Delete(v);
	cJSON_Delete(wrap);
	where_free(&w);
	return rc;
}

void
settings_edit_free(struct settings_edit *e)
{
	free(e->text);
	free(e->log);
	e->text = e->log = NULL;
	e->len = 0;
	e->changed = 0;
}

static int
blank(const char *text, size_t len)
{
	size_t i;

	for (i = 0; text != NULL && i < len; i++)
		if (!is_ws(text[i]))
			return 0;
	return 1;
}

/* Shared by install and uninstall: bindir NULL uninstalls. */
static int
edit(struct settings_edit *out, const char *text, size_t len, const char *bindir,
    const char *client)
{
	struct sb t = SB_INIT, log = SB_INIT;
	cJSON *root = NULL;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (blank(text, len)) {
		if (bindir == NULL)
			goto unchanged;
		text = "{}\n";
		len = 3;
	} else if ((root = parse_settings(text, len)) == NULL || has_ours(text, len) < 0) {
		/* duplicate keys are refused before anything, even "nothing to do" */
		cJSON_Delete(root);
		return -1;
	}
	sb_add(&t, text, len);
	if (sb_finish(&t) != 0) {
		err_set("out of memory");
		goto out;
	}
	if (root != NULL && bindir != NULL && up_to_date(root, bindir, client))
		goto unchanged;
	if (remove_ours(&t, &log) != 0)
		goto out;
	for (i = 0; bindir != NULL && i < settings_nhooks; i++)
		if (settings_client_has(&settings_hooks[i], client) &&
		    add_hook(&t, &settings_hooks[i], bindir, &log) != 0)
			goto out;
	if (sb_finish(&log) != 0) {
		err_set("out of memory");
		goto out;
	}
	if (t.len == len && memcmp(t.p, text, len) == 0) {
		sb_free(&t);
		goto unchanged;
	}
	/* the last line of defence (see the top of this file) */
	cJSON_Delete(root);
	root = parse_settings(t.p, t.len);
	if (root == NULL || same_but_ours(text, len, t.p, t.len) != 1 ||
	    (bindir != NULL ? !up_to_date(root, bindir, client) : has_ours(t.p, t.len) != 0)) {
		err_set("internal error: the edit would change other settings; nothing written");
		goto out;
	}
	out->text = t.p;
	out->len = t.len;
	out->changed = 1;
	out->log = log.p;
	t.p = log.p = NULL;
	rc = 0;
	goto out;
unchanged:
	out->log = strdup("");
	rc = out->log != NULL ? 0 : err_set("out of memory");
out:
	cJSON_Delete(root);
	sb_free(&t);
	sb_free(&log);
	return rc;
}

int
settings_install(struct settings_edit *out, const char *text, size_t len, const char *bindir,
    const char *client)
{
	if (bindir == NULL || bindir[0] == '\0')
		return err_set("no program directory");
	return edit(out, text, len, bindir, client);
}

int
settings_uninstall(struct settings_edit *out, const char *text, size_t len)
{
	return edit(out, text, len, NULL, NULL);
}

/* --- check ----------------------------------------------------------------- */

/* Does a plain-name matcher list the tool? -1 when it is a RegExp. */
static int
matcher_lists(const char *m, const char *tool)
{
	const char *p, *s;
	size_t n = strlen(tool);

	if (strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_ |,") != strlen(m))
		return -1;
	for (p = m; *p != '\0'; p = *s ? s + 1 : s) {
		while (*p == ' ')
			p++;
		s = p + strcspn(p, "|,");
		if ((size_t)(s - p) >= n && strncmp(p, tool, n) == 0 &&
		    strspn(p + n, " ") == (size_t)(s - p) - n)
			return 1;
	}
	return 0;
}

/* Looks for an executable file on $PATH as /bin/sh would. */
static int
on_path(const char *name)
{
	const char *path = getenv("PATH"), *p, *e;
	char buf[PATH_MAX];
	struct stat st;

	for (p = path != NULL ? path : "/usr/bin:/bin"; ; p = e + 1) {
		e = p + strcspn(p, ":");
		int n = snprintf(buf, sizeof(buf), "%.*s/%s", e > p ? (int)(e - p) : 1,
		    e > p ? p : ".", name);

		if (n > 0 && (size_t)n < sizeof(buf) && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 1;
		if (*e == '\0')
			return 0;
	}
}

static void
check_program(struct sb *b, int *np, const char *event, const char *cmd, int exec_form,
    const char *bindir)
{
	char path[PATH_MAX], dir[PATH_MAX], *slash;
	struct stat st;

	if (settings_entry_path(path, sizeof(path), cmd, exec_form) != 0)
		return;
	if (!exec_form && strpbrk(path, "$`") != NULL)
		return;		/* expanded by the shell; cannot be checked here */
	if (!exec_form && strncmp(path, "~/", 2) == 0 && getenv("HOME") != NULL) {
		snprintf(dir, sizeof(dir), "%s%s", getenv("HOME"), path + 1);
		snprintf(path, sizeof(path), "%s", dir);
	}
	if (strchr(path, '/') == NULL) {
		if (!on_path(path)) {
			sb_addf(b, "%s: '%s' is not found on this PATH\n", event, path);
			(*np)++;
		}
		return;
	}
	if (path[0] != '/') {
		sb_addf(b, "%s: '%s' is a relative path; hooks run in the session's directory\n", event, path);
		(*np)++;
		return;
	}
	if (stat(path, &st) != 0) {
		sb_addf(b, "%s: '%s' does not exist\n", event, path);
		(*np)++;
	} else if (!S_ISREG(st.st_mode) || access(path, X_OK) != 0) {
		sb_addf(b, "%s: '%s' is not an executable file\n", event, path);
		(*np)++;
	}
	if (bindir != NULL) {
		snprintf(dir, sizeof(dir), "%s", path);
		slash = strrchr(dir, '/');
		*slash = '\0';
		if (strcmp(dir, bindir) != 0) {
			sb_addf(b, "%s: '%s' is not in '%s'\n", event, path, bindir);
			(*np)++;
		}
	}
}

static void
check_entry(struct sb *b, int *np, const char *event, const struct settings_hook *h,
    const cJSON *group, const cJSON *e, const char *cmd, int exec_form, const char *bindir)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(e, "timeout");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(group, "matcher");
	size_t i;
	int first = 1;

	if (to == NULL) {
		sb_addf(b, "%s: %s has no timeout (%s)\n", event, h->program,
		    strcmp(event, "SessionEnd") == 0 ? "SessionEnd hooks then share 1.5 s"
		    : "a hung hook would then hold the session for 10 minutes");
		(*np)++;
	} else if (!cJSON_IsNumber(to)) {
		sb_addf(b, "%s: %s has a timeout that is not a number\n", event, h->program);
		(*np)++;
	} else if (to->valuedouble < h->min_timeout) {
		sb_addf(b, "%s: %s has a timeout of %g s, less than %d s\n", event,
		    h->program, to->valuedouble, h->min_timeout);
		(*np)++;
	}
	if (h->tools != NULL && !matcher_is_all(m) && cJSON_IsString(m)) {
		for (i = 0; h->tools[i] != NULL; i++) {
			if (matcher_lists(m->valuestring, h->tools[i]) != 0)
				continue;
			if (first)
				sb_addf(b, "%s: matcher '%s' misses", event, m->valuestring);
			sb_addf(b, "%s %s", first ? "" : ",", h->tools[i]);
			first = 0;
		}
		if (!first) {
			sb_adds(b, "\n");
			(*np)++;
		}
		/* every write is still seen: worth knowing, not a problem (see read_tools) */
		for (i = 0; first && h->noticed != NULL && h->noticed[i] != NULL; i++) {
			if (matcher_lists(m->valuestring, h->noticed[i]) != 0)
				continue;
			sb_addf(b, "note: %s: matcher '%s' misses %s: every write is still locked, but "
			    "with \"scope\": \"paths\" a %s of a file another session has claimed is "
			    "not told that it may be changing\n", event, m->valuestring,
			    h->noticed[i], h->noticed[i]);
		}
	} else if (h->tools == NULL && strcmp(event, "Stop") != 0 && !matcher_is_all(m)) {
		sb_addf(b, "%s: a matcher limits %s to some of these events\n", event, h->program);
		(*np)++;
	}
	check_program(b, np, event, cmd, exec_form, bindir);
}

int
settings_check(char **out, int *nproblems, const char *text, size_t len, const char *bindir,
    const char *client)
{
	struct sb b = SB_INIT;
	cJSON *root = NULL;
	const cJSON *hooks, *ev, *g, *m, *e, *dis;
	const struct settings_hook *h;
	const char *cmd, *prog;
	size_t count[16] = { 0 }, i, j;
	int np = 0, dup = 0, exec_form;

	*out = NULL;
	*nproblems = 0;
	if (!blank(text, len)) {
		struct where w = WHERE_INIT;
		int r;

		if ((root = parse_settings(text, len)) == NULL)
			return -1;
		/* the same refusals as an edit: duplicate keys, "hooks" not an object */
		r = find_ours(&w, text, len, 1);
		where_free(&w);
		if (r < 0) {
			cJSON_Delete(root);
			return -1;
		}
	}
	dis = cJSON_GetObjectItemCaseSensitive(root, "disableAllHooks");
	if (cJSON_IsTrue(dis)) {
		sb_adds(&b, "\"disableAllHooks\" is true: no hook runs\n");
		np++;
	}
	hooks = cJSON_GetObjectItemCaseSensitive(root, "hooks");
	cJSON_ArrayForEach(ev, hooks) {
		if (!cJSON_IsArray(ev))
			continue;
		cJSON_ArrayForEach(g, ev) {
			cJSON_ArrayForEach(m, g) {
				if (!cJSON_IsObject(g) || strcmp(m->string, "hooks") != 0)
					continue;
				cJSON_ArrayForEach(e, m) {
					cmd = entry_command(e, &dup, &exec_form);
					if ((prog = settings_entry_program(cmd, exec_form)) == NULL)
						continue;
					if ((h = hook_for(ev->string, prog)) == NULL) {
						sb_addf(&b, "%s: runs %s, which does not belong to this event\n",
						    ev->string, prog);
						np++;
						continue;
					}
					if (client != NULL && !settings_client_has(h, client)) {
						sb_addf(&b, "%s: Claude Code %s does not have this event (%s and "
						    "later do): it ignores the entry and its terminal shows a "
						    "Settings Warning at every start\n", ev->string, client,
						    h->since);
						np++;
						continue;
					}
					if (++count[h - settings_hooks] == 2) {
						sb_addf(&b, "%s: %s is registered more than once\n",
						    ev->string, prog);
						np++;
					}
					check_entry(&b, &np, ev->string, h, g, e, cmd, exec_form, bindir);
				}
			}
		}
	}
	for (i = 0; i < settings_nhooks; i++) {
		if (count[i] > 0 || !settings_client_has(&settings_hooks[i], client))
			continue;
		sb_addf(&b, "%s: %s is not registered\n", settings_hooks[i].event,
		    settings_hooks[i].program);
		np++;
	}
	/* a lock nobody releases is worse than no lock */
	for (i = 0; i < settings_nhooks; i++) {
		if (strcmp(settings_hooks[i].program, "pretooluse-lock") != 0 || count[i] == 0)
			continue;
		for (j = 0; j < settings_nhooks; j++)
			if (strcmp(settings_hooks[j].program, "stop-release") == 0 && count[j] == 0)
				break;
		if (j < settings_nhooks) {
			sb_adds(&b, "PreToolUse: the lock is taken but not released on Stop and "
			    "SessionEnd: a session that ends or crashes would keep the workspace locked\n");
			np++;
		}
	}
	cJSON_Delete(root);
	if (sb_finish(&b) != 0) {
		sb_free(&b);
		return err_set("out of memory");
	}
	*out = b.p;
	*nproblems = np;
	return 0;
}

/* --- files ----------------------------------------------------------------- */

void
settings_file_free(struct settings_file *f)
{
	free(f->text);
	f->text = NULL;
	f->len = 0;
}

/* Follows symbolic links at path (the last component, repeatedly). */
static int
resolve_links(char out[4096], const char *path)
{
	char link[4096], next[4096 * 2];
	struct stat st;
	ssize_t n;
	int hops;

	if (snprintf(out, 4096, "%s", path) >= 4096) {
		errno = ENAMETOOLONG;
		return err_set("cannot read '%s':", path);
	}
	for (hops = 0; hops < 40; hops++) {
		if (sys.lstat(out, &st) != 0) {
			if (errno == ENOENT)
				return 0;
			return err_set("cannot read '%s':", out);
		}
		if (!S_ISLNK(st.st_mode))
			return 0;
		n = readlink(out, link, sizeof(link) - 1);
		if (n < 0)
			return err_set("cannot read the link '%s':", out);
		link[n] = '\0';
		if (link[0] == '/') {
			snprintf(next, sizeof(next), "%s", link);
		} else {
			char *slash = strrchr(out, '/');

			if (slash == NULL)
				snprintf(next, sizeof(next), "%s", link);
			else
				snprintf(next, sizeof(next), "%.*s/%s", (int)(slash - out), out, link);
		}
		if (strlen(next) >= 4096) {
			errno = ENAMETOOLONG;
			return err_set("cannot follow the link '%s':", out);
		}
		memcpy(out, next, strlen(next) + 1);
	}
	errno = ELOOP;
	return err_set("cannot follow the link '%s':", path);
}

int
settings_load(struct settings_file *out, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	out->text = NULL;
	out->len = 0;
	out->exists = 0;
	if (resolve_links(out->target, path) != 0)
		return -1;
	fd = sys.open(out->target, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set("cannot read '%s':", path);
	}
	if (sys.fstat(fd, &out->st) != 0) {
		err_set("cannot read '%s':", path);
		goto fail;
	}
	if (!S_ISREG(out->st.st_mode)) {
		err_set("cannot read '%s': not a regular file", path);
		goto fail;
	}
	if (out->st.st_size > SETTINGS_MAX_SIZE) {
		err_set("cannot read '%s': larger than %ld bytes", path, SETTINGS_MAX_SIZE);
		goto fail;
	}
	if ((buf = malloc((size_t)out->st.st_size + 1)) == NULL) {
		err_set("cannot read '%s': out of memory", path);
		goto fail;
	}
	while (len < (size_t)out->st.st_size) {
		n = sys.read(fd, buf + len, (size_t)out->st.st_size - len);
		if (n < 0) {
			err_set("cannot read '%s':", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	sys.close(fd);
	out->text = buf;
	out->len = len;
	out->exists = 1;
	return 0;
fail:
	free(buf);
	sys.close(fd);
	return -1;
}

/* Syncs the directory holding path, so that a rename in it lasts. */
static int
sync_dir(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = sys.open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return err_set("cannot sync the directory '%s':", dir);
	rc = sys.fsync(fd);
	if (rc != 0)
		err_set("cannot sync the directory '%s':", dir);
	sys.close(fd);
	return rc;
}

/*
 * Writes text to a new temporary file beside dest and renames it over
 * dest. The temporary file is gone again on every failure. When was is
 * not NULL, dest must still be that file just before the rename.
 */
static int
replace_file(const char *dest, const char *text, size_t len, mode_t mode,
    const struct stat *owner, const struct settings_file *was)
{
	char tmp[4096 + 64];
	const char *base = strrchr(dest, '/');
	struct stat now;
	int fd = -1, i, rc, saved;

	base = base != NULL ? base + 1 : dest;
	for (i = 0; i < 100; i++) {
		snprintf(tmp, sizeof(tmp), "%.*s.%s.session-lock-%ld-%d", (int)(base - dest),
		    dest, base, (long)getpid(), i);
		fd = sys.open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return err_set("cannot create a temporary file beside '%s':", dest);
	/* open() gave 0600 less the umask; the final file gets the old mode exactly */
	if (fchmod(fd, mode) != 0) {
		err_set("cannot set the mode of '%s':", tmp);
		goto fail;
	}
	if (owner != NULL && geteuid() == 0 && fchown(fd, owner->st_uid, owner->st_gid) != 0) {
		err_set("cannot set the owner of '%s':", tmp);
		goto fail;
	}
	if (sys_write_all(fd, text, len) != 0) {
		err_set("cannot write '%s':", tmp);
		goto fail;
	}
	if (sys.fsync(fd) != 0) {
		err_set("cannot sync '%s':", tmp);
		goto fail;
	}
	rc = sys.close(fd);
	fd = -1;
	if (rc != 0) {
		err_set("cannot write '%s':", tmp);
		goto fail;
	}
	if (was != NULL) {
		if (sys.lstat(dest, &now) != 0 ? was->exists || errno != ENOENT
		    : !was->exists || now.st_ino != was->st.st_ino || now.st_dev != was->st.st_dev ||
		    now.st_size != was->st.st_size ||
		    now.st_mtim.tv_sec != was->st.st_mtim.tv_sec ||
		    now.st_mtim.tv_nsec != was->st.st_mtim.tv_nsec) {
			err_set("cannot update '%s': it changed while being edited; run again", dest);
			goto fail;
		}
	}
	if (sys.rename(tmp, dest) != 0) {
		err_set("cannot rename '%s' to '%s':", tmp, dest);
		goto fail;
	}
	return sync_dir(dest);
fail:
	saved = errno;
	if (fd >= 0)
		sys.close(fd);
	sys.unlink(tmp);
	errno = saved;
	return -1;
}

/* Creates the directory of path when it is missing (one level, 0700). */
static int
make_parent(const char *path)
{
	char dir[4096];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (sys.lstat(dir, &st) == 0 || errno != ENOENT)
		return 0;
	if (sys.mkdir(dir, 0700) != 0 && errno != EEXIST)
		return err_set("cannot create the directory '%s':", dir);
	return 0;
}

int
settings_store(const struct settings_file *was, const char *path, const char *text, size_t len)
{
	char backup[4096 + sizeof(SETTINGS_BACKUP_SUFFIX)];
	mode_t mode = 0600;

	if (was->exists) {
		mode = was->st.st_mode & 07777;
		snprintf(backup, sizeof(backup), "%s%s", path, SETTINGS_BACKUP_SUFFIX);
		if (replace_file(backup, was->text, was->len, mode, &was->st, NULL) != 0)
			return -1;
	} else if (make_parent(was->target) != 0) {
		return -1;
	}
	return replace_file(was->target, text, len, mode, was->exists ? &was->st : NULL, was);
}
