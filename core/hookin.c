/*
 * hookin.c - reading and parsing hook input.
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hookin.h"
#include "sys.h"

static const char *
get_str(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

/*
 * A small reader for text cJSON has already accepted as one JSON object:
 * it finds the raw bytes of a top-level string member, which cJSON cannot
 * give whole when they hold a NUL. Each function returns the position after
 * what it read, or NULL on anything it does not expect.
 */
/* White space as cJSON skips it: every byte up to 32, NUL included. */
static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && (unsigned char)*p <= 32)
		p++;
	return p;
}

/* Four hex digits as cJSON reads them: anything that is not one makes 0. */
static unsigned
hex4(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (unsigned)(c - 'A' + 10);
		else
			return 0;
	}
	return v;
}

/* Appends code point cp as UTF-8 to out (as much as cap allows) at *n. */
static void
put_utf8(char *out, size_t cap, size_t *n, unsigned cp)
{
	unsigned char b[4];
	size_t k, len;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		len = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		len = 4;
	}
	for (k = 0; k < len; k++, (*n)++)
		if (*n < cap)
			out[*n] = (char)b[k];
}

/*
 * Decodes the string whose opening quote is at p into out, at most cap
 * bytes of it (cap 0: only measure), *n its whole length in bytes, exactly
 * as cJSON decodes it, so the bytes before a NUL are cJSON's: the string
 * ends at the first quote not escaped, and a \u escape must lie inside it
 * (six bytes; its digits read as hex4() reads them).
 */
static const char *
read_string(const char *p, const char *end, char *out, size_t cap, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *close, *e;
	unsigned cp, lo;

	*n = 0;
	if (p >= end || *p++ != '"')
		return NULL;
	for (close = p; close < end && *close != '"'; close++)
		if (*close == '\\' && ++close >= end)
			return NULL;
	if (close >= end)
		return NULL;
	while (p < close) {
		if (*p != '\\') {
			if (*n < cap)
				out[*n] = *p;
			(*n)++;
			p++;
			continue;
		}
		if (p[1] != 'u') {
			if ((e = memchr(from, p[1], sizeof(from) - 1)) == NULL)
				return NULL;
			if (*n < cap)
				out[*n] = to[e - from];
			(*n)++;
			p += 2;
			continue;
		}
		if (close - p < 6)
			return NULL;
		cp = hex4(p + 2);
		p += 6;
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return NULL;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (close - p < 6 || p[0] != '\\' || p[1] != 'u')
				return NULL;
			lo = hex4(p + 2);
			if (lo < 0xdc00 || lo > 0xdfff)
				return NULL;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		}
		put_utf8(out, cap, n, cp);
	}
	return close + 1;
}

/* Skips one value (string, object, array, or a number or literal). */
static const char *
skip_value(const char *p, const char *end)
{
	size_t n, depth = 0;

	do {
		if (p >= end)
			return NULL;
		if (*p == '"') {
			if ((p = read_string(p, end, NULL, 0, &n)) == NULL)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && depth-- == 0)
			return NULL;
		else if (depth == 0)
			while (p + 1 < end && (unsigned char)p[1] > 32 && strchr(",}]", p[1]) == NULL)
				p++;
		p++;
	} while (depth > 0);
	return p;
}

/*
 * The bytes of the first top-level member named key, a string, in malloc()ed
 * memory (*len of them, NUL-terminated after). Returns NULL when it is absent
 * or not a string, or (err_set) when out of memory or unreadable.
 */
static char *
member_bytes(const char *buf, size_t size, const char *key, size_t *len)
{
	const char *p = skip_space(buf, buf + size), *end = buf + size, *value;
	char name[32], *out;
	size_t n;

	if (p >= end || *p++ != '{')
		return NULL;
	for (;;) {
		p = skip_space(p, end);
		if (p >= end || *p != '"')
			return NULL;
		if ((p = read_string(p, end, name, sizeof(name) - 1, &n)) == NULL)
			return NULL;
		name[n < sizeof(name) - 1 ? n : sizeof(name) - 1] = '\0';
		p = skip_space(p, end);
		if (p >= end || *p++ != ':')
			return NULL;
		value = skip_space(p, end);
		/* cJSON compares member names as C strings: up to a NUL. */
		if (strcmp(name, key) == 0)
			break;
		if ((p = skip_value(value, end)) == NULL)
			return NULL;
		p = skip_space(p, end);
		if (p >= end || *p++ != ',')
			return NULL;
	}
	if (value >= end || *value != '"' || read_string(value, end, NULL, 0, &n) == NULL)
		return NULL;
	if ((out = malloc(n + 1)) == NULL) {
		err_set("cannot read stdin: out of memory");
		return NULL;
	}
	read_string(value, end, out, n, len);
	out[*len] = '\0';
	return out;
}

/*
 * Can a string of this input hold a NUL? Only through a raw NUL byte (cJSON
 * takes it into a string) or a \u escape that reads as 0: "\u0000", or
 * one whose digits are not all hex.
 */
static int
may_hold_nul(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	if (memchr(buf, '\0', len) != NULL)
		return 1;
	while ((p = memmem(p, (size_t)(end - p), "\\u", 2)) != NULL) {
		if (end - p >= 6 && hex4(p + 2) == 0)
			return 1;
		p += 2;
	}
	return 0;
}

/*
 * Sets in->session_id to the key of the whole id (cut: cJSON's string).
 * Only an input that may hold a NUL in a string can hold an id that cJSON
 * cut; only then is the raw text read again. An empty id is no id.
 */
static int
session_key(struct hook_input *in, const char *buf, size_t len, const char *cut)
{
	char *whole = NULL;
	size_t n = strlen(cut);

	if (may_hold_nul(buf, len)) {
		err_clear();
		whole = member_bytes(buf, len, "session_id", &n);
		if (whole == NULL)
			return err_set("%s", err_last()[0] != '\0' ? err_last() :
			    "stdin's 'session_id' cannot be read whole");
	}
	if (n > 0) {
		record_session_key(in->session_key, whole != NULL ? whole : cut, n);
		in->session_id = in->session_key;
	}
	free(whole);
	return n > 0 ? 0 : err_set("stdin has no 'session_id'");
}

int
hookin_parse(struct hook_input *out, const char *buf, size_t len)
{
	const cJSON *input, *item;
	const char *end = NULL, *id;
	cJSON *root;

	memset(out, 0, sizeof(*out));
	out->timeout_ms = -1;
	if (len == 0)
		return err_set("stdin is empty");
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();

		return err_set("stdin is not valid JSON (at byte %zu)",
		    at != NULL && at >= buf && at <= buf + len ? (size_t)(at - buf) : (size_t)0);
	}
	while (end < buf + len && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
		end++;
	if (end != buf + len || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return err_set(end != buf + len ? "stdin has bytes after the JSON object"
		    : "stdin is not a JSON object");
	}
	out->root = root;
	id = get_str(root, "session_id");
	if (id == NULL || session_key(out, buf, len, id) != 0) {
		if (id == NULL)
			err_set("stdin has no 'session_id'");
		hookin_free(out);
		return -1;
	}
	out->event = get_str(root, "hook_event_name");
	out->cwd = get_str(root, "cwd");
	out->tool_name = get_str(root, "tool_name");
	out->tool_use_id = get_str(root, "tool_use_id");
	out->agent_id = get_str(root, "agent_id");
	out->source = get_str(root, "source");
	out->reason = get_str(root, "reason");
	item = cJSON_GetObjectItemCaseSensitive(root, "background_tasks");
	out->background_tasks = cJSON_IsArray(item) ? cJSON_GetArraySize(item) : 0;
	input = cJSON_GetObjectItemCaseSensitive(root, "tool_input");
	if (cJSON_IsObject(input)) {
		out->command = get_str(input, "command");
		out->file_path = get_str(input, "file_path");
		if (out->file_path == NULL)
			out->file_path = get_str(input, "notebook_path");
		item = cJSON_GetObjectItemCaseSensitive(input, "timeout");
		if (cJSON_IsNumber(item) && isfinite(item->valuedouble) && item->valuedouble > 0 &&
		    item->valuedouble < 1e12)
			out->timeout_ms = (int64_t)item->valuedouble;
		out->run_in_background = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(input, "run_in_background"));
	}
	return 0;
}

int
hookin_read(struct hook_input *out, int fd)
{
	int64_t bound = sys_deadline_clamp(HOOKIN_TIMEOUT_MS);
	int64_t deadline = sys.now_boot_ms() + bound, left;
	size_t len = 0, cap = 65536;
	char *buf = malloc(cap), *bigger;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int rc = -1;

	if (buf == NULL)
		return err_set("cannot read stdin: out of memory");
	for (;;) {
		left = deadline - sys.now_boot_ms();
		n = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			if (bound >= 1000)
				err_set("no complete input on stdin within %lld s",
				    (long long)(bound + 500) / 1000);
			else
				err_set("no complete input on stdin within %lld ms", (long long)bound);
			goto out;
		}
		if (len == cap) {
			if (cap >= HOOKIN_MAX_BYTES) {
				char extra;

				/* Exactly the limit is accepted: only a byte more is too much. */
				n = sys.read(fd, &extra, 1);
				if (n == 0)
					break;
				if (n < 0 && errno == EAGAIN)
					continue;
				if (n < 0)
					err_set("cannot read stdin:");
				else
					err_set("stdin is larger than %d MiB", HOOKIN_MAX_BYTES >> 20);
				goto out;
			}
			cap *= 2;
			bigger = realloc(buf, cap);
			if (bigger == NULL) {
				err_set("cannot read stdin: out of memory");
				goto out;
			}
			buf = bigger;
		}
		n = sys.read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EAGAIN)
				continue;
			err_set("cannot read stdin:");
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	rc = hookin_parse(out, buf, len);
out:
	free(buf);
	return rc;
}

void
hookin_free(struct hook_input *in)
{
	cJSON_Delete(in->root);
	in->root = NULL;
}
