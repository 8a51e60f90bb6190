/*
 * record.c - parsing and formatting lock records with cJSON.
 */
#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"

void
record_session_key(char out[RECORD_SESSION_LEN + 1], const char *id, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const size_t plen = sizeof(RECORD_KEY_PREFIX) - 1;
	uint8_t digest[SHA256_DIGEST_SIZE];
	struct sha256_ctx ctx;
	size_t i;

	/* A prefixed id is digested too: no id can spell another one's key. */
	if (len <= RECORD_SESSION_LEN && memchr(id, '\0', len) == NULL &&
	    (len < plen || memcmp(id, RECORD_KEY_PREFIX, plen) != 0)) {
		memcpy(out, id, len);
		out[len] = '\0';
		return;
	}
	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)id);
	sha256_digest(&ctx, sizeof(digest), digest);
	memcpy(out, RECORD_KEY_PREFIX, plen);
	for (i = 0; i < sizeof(digest); i++) {
		out[plen + 2 * i] = hex[digest[i] >> 4];
		out[plen + 2 * i + 1] = hex[digest[i] & 15];
	}
	out[plen + 2 * sizeof(digest)] = '\0';
}

static int record_set_take(struct record_set *s, struct record *r);

/* Integers are carried as JSON numbers; anything beyond 2^53 is not exact. */
#define JSON_INT_MAX 9007199254740991.0

static int
get_int(const cJSON *obj, const char *key, int required, int64_t min, int64_t max,
    int64_t *out)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	double v;

	if (item == NULL || cJSON_IsNull(item)) {
		if (required)
			return err_set("field '%s' is missing", key);
		return 0;
	}
	if (!cJSON_IsNumber(item))
		return err_set("field '%s' must be a number", key);
	v = item->valuedouble;
	if (!isfinite(v) || v != floor(v) || fabs(v) > JSON_INT_MAX ||
	    v < (double)min || v > (double)max)
		return err_set("field '%s' is out of range", key);
	*out = (int64_t)v;
	return 0;
}

static int
get_str(const cJSON *obj, const char *key, int required, char *out, size_t size)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t len;

	if (item == NULL || cJSON_IsNull(item)) {
		if (required)
			return err_set("field '%s' is missing", key);
		return 0;
	}
	if (!cJSON_IsString(item))
		return err_set("field '%s' must be a string", key);
	len = strlen(item->valuestring);
	if (len >= size)
		return err_set("field '%s' is too long", key);
	memcpy(out, item->valuestring, len + 1);
	return 0;
}

static void
record_defaults(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->renewed_boot_ms = -1;
	r->lease_ms = -1;
	r->renewed_at = -1;
	r->lease_until = -1;
	r->busy.since_boot_ms = -1;
	strcpy(r->kind, "claude");
}

static int
parse_previous(struct record_prev *p, const cJSON *obj)
{
	int64_t v = 0;

	if (obj == NULL || cJSON_IsNull(obj))
		return 0;
	if (!cJSON_IsObject(obj))
		return err_set("field 'previous' must be an object");
	if (get_str(obj, "session_id", 0, p->session_id, sizeof(p->session_id)) ||
	    get_str(obj, "host", 0, p->host, sizeof(p->host)) ||
	    get_str(obj, "reason", 0, p->reason, sizeof(p->reason)) ||
	    get_int(obj, "pid", 0, 0, INT32_MAX, &v))
		return -1;
	p->pid = (pid_t)v;
	if (get_int(obj, "idle_ms", 0, INT64_MIN / 2, INT64_MAX / 2, &p->idle_ms) ||
	    get_int(obj, "at", 0, 0, INT64_MAX / 2, &p->at))
		return -1;
	return 0;
}

static int
parse_busy(struct record_busy *b, const cJSON *obj)
{
	const cJSON *bg;

	if (obj == NULL || cJSON_IsNull(obj))
		return 0;
	if (!cJSON_IsObject(obj))
		return err_set("field 'busy' must be an object");
	if (get_str(obj, "tool", 1, b->tool, sizeof(b->tool)) ||
	    get_str(obj, "id", 0, b->id, sizeof(b->id)) ||
	    get_int(obj, "since", 1, 0, INT64_MAX / 2, &b->since) ||
	    get_int(obj, "since_boot_ms", 0, 0, INT64_MAX / 2, &b->since_boot_ms))
		return -1;
	bg = cJSON_GetObjectItemCaseSensitive(obj, "background");
	if (bg != NULL && !cJSON_IsBool(bg))
		return err_set("field 'background' must be true or false");
	b->background = cJSON_IsTrue(bg);
	return 0;
}

/* An array of absolute paths, into a malloc()ed vector of the tree's strings. */
static int
parse_paths(char ***out, size_t *n, const cJSON *arr, const char *key, size_t *budget)
{
	const cJSON *item;
	size_t i = 0, count;

	*out = NULL;
	*n = 0;
	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return err_set("field '%s' must be an array of paths", key);
	count = (size_t)cJSON_GetArraySize(arr);
	if (count > *budget)
		return err_set("field '%s' has more than %d paths", key, RECORD_MAX_CLAIMS);
	*budget -= count;
	if (count == 0)
		return 0;
	*out = calloc(count, sizeof(**out));
	if (*out == NULL)
		return err_set("out of memory");
	cJSON_ArrayForEach(item, arr) {
		if (!cJSON_IsString(item) || item->valuestring[0] != '/' ||
		    strlen(item->valuestring) >= PATH_MAX)
			return err_set("field '%s' must hold absolute paths", key);
		/*
		 * Taken from the tree, not copied (cJSON allocates it with
		 * malloc(), and cJSON_Delete() skips a NULL valuestring): a new
		 * claim parses the whole record twice, and with a thousand claims
		 * a copy of each was a tenth of its instructions.
		 */
		(*out)[i] = item->valuestring;
		((cJSON *)(uintptr_t)item)->valuestring = NULL;
		*n = ++i;
	}
	return 0;
}

static int
parse_wants(struct record_wants *w, const cJSON *obj, size_t *budget)
{
	const cJSON *whole;
	int64_t v = 0;

	if (obj == NULL || cJSON_IsNull(obj))
		return 0;
	if (!cJSON_IsObject(obj))
		return err_set("field 'wants' must be an object");
	if (get_int(obj, "pid", 1, 1, INT32_MAX, &v))
		return -1;
	w->pid = (pid_t)v;
	v = 0;
	if (get_int(obj, "pid_start", 0, 0, INT64_MAX / 2, &v) ||
	    get_int(obj, "since", 1, 0, INT64_MAX / 2, &w->since))
		return -1;
	w->pid_start = (uint64_t)v;
	whole = cJSON_GetObjectItemCaseSensitive(obj, "whole");
	if (whole != NULL && !cJSON_IsBool(whole))
		return err_set("field 'whole' must be true or false");
	w->whole = cJSON_IsTrue(whole);
	whole = cJSON_GetObjectItemCaseSensitive(obj, "told");
	if (whole != NULL && !cJSON_IsBool(whole))
		return err_set("field 'told' must be true or false");
	w->told = cJSON_IsTrue(whole);
	if (parse_paths(&w->paths, &w->npaths, cJSON_GetObjectItemCaseSensitive(obj, "paths"),
	    "paths", budget))
		return -1;
	if (!w->whole && w->npaths == 0)
		return err_set("field 'wants' wants nothing");
	return 0;
}

/* The holder fields, shared by a schema-1 record and a schema-2 holder. */
static int
parse_holder(struct record *r, const cJSON *root)
{
	int64_t v = 0;

	if (get_str(root, "session_id", 1, r->session_id, sizeof(r->session_id)))
		return -1;
	if (r->session_id[0] == '\0')
		return err_set("field 'session_id' is empty");
	if (get_int(root, "pid", 1, 1, INT32_MAX, &v))
		return err_set("field 'pid' must be a positive integer");
	r->pid = (pid_t)v;
	if (get_int(root, "acquired_at", 1, 0, INT64_MAX / 2, &r->acquired_at) ||
	    get_int(root, "ttl_ms", 1, 1, INT64_MAX / 4, &r->ttl_ms))
		return -1;
	if (get_str(root, "boot_id", 0, r->boot_id, sizeof(r->boot_id)) ||
	    get_str(root, "host", 0, r->host, sizeof(r->host)) ||
	    get_str(root, "kind", 0, r->kind, sizeof(r->kind)) ||
	    get_str(root, "command", 0, r->command, sizeof(r->command)))
		return -1;
	v = 0;
	if (get_int(root, "pid_start", 0, 0, INT64_MAX / 2, &v))
		return -1;
	r->pid_start = (uint64_t)v;
	if (get_int(root, "renewed_at", 0, 0, INT64_MAX / 2, &r->renewed_at) ||
	    get_int(root, "renewed_boot_ms", 0, 0, INT64_MAX / 2, &r->renewed_boot_ms) ||
	    get_int(root, "lease_ms", 0, 1, INT64_MAX / 4, &r->lease_ms) ||
	    get_int(root, "lease_until", 0, 0, INT64_MAX / 2, &r->lease_until))
		return -1;
	if (parse_previous(&r->previous, cJSON_GetObjectItemCaseSensitive(root, "previous")) ||
	    parse_busy(&r->busy, cJSON_GetObjectItemCaseSensitive(root, "busy")))
		return -1;

	/* Fill what an older writer left out from what it did write. */
	if (r->renewed_at < 0)
		r->renewed_at = r->acquired_at;
	if (r->lease_ms < 0)
		r->lease_ms = r->ttl_ms;
	if (r->lease_until < 0)
		r->lease_until = r->renewed_at + r->lease_ms;
	if (r->boot_id[0] == '\0')
		r->renewed_boot_ms = -1;
	return 0;
}

/* A schema-2 holder: the holder fields, and what it holds and wants. */
static int
parse_claimant(struct record *r, const cJSON *obj, size_t *budget)
{
	const cJSON *whole;

	if (!cJSON_IsObject(obj))
		return err_set("field 'holders' must hold objects");
	if (parse_holder(r, obj))
		return -1;
	whole = cJSON_GetObjectItemCaseSensitive(obj, "whole");
	if (whole != NULL && !cJSON_IsBool(whole))
		return err_set("field 'whole' must be true or false");
	r->whole = cJSON_IsTrue(whole);
	if (parse_paths(&r->claims, &r->nclaims, cJSON_GetObjectItemCaseSensitive(obj, "claims"),
	    "claims", budget) ||
	    parse_wants(&r->wants, cJSON_GetObjectItemCaseSensitive(obj, "wants"), budget))
		return -1;
	if (!r->whole && r->nclaims == 0 && r->wants.pid == 0)
		return err_set("a holder holds and wants nothing");
	return 0;
}

static int
parse_set(struct record_set *s, const cJSON *root, int *newer)
{
	const cJSON *holders, *item;
	size_t budget = RECORD_MAX_CLAIMS;
	struct record r;
	int64_t v = 0;

	if (!cJSON_IsObject(root))
		return err_set("the record is not a JSON object");
	if (get_int(root, "schema_version", 1, 1, INT32_MAX, &v))
		return -1;
	if (v > RECORD_SCHEMA_VERSION) {
		*newer = 1;
		return err_set("schema_version %" PRId64 " is newer than this program understands", v);
	}
	s->schema_version = (int)v;
	if (get_str(root, "workspace", 0, s->workspace, sizeof(s->workspace)))
		return -1;
	if (v == RECORD_SCHEMA_SINGLE) {
		record_defaults(&r);
		if (parse_holder(&r, root))
			return -1;
		r.whole = 1;
		return record_set_add(s, &r) != NULL ? 0 : -1;
	}
	holders = cJSON_GetObjectItemCaseSensitive(root, "holders");
	if (!cJSON_IsArray(holders))
		return err_set("field 'holders' must be an array");
	if (cJSON_GetArraySize(holders) > RECORD_MAX_HOLDERS)
		return err_set("field 'holders' has more than %d holders", RECORD_MAX_HOLDERS);
	cJSON_ArrayForEach(item, holders) {
		record_defaults(&r);
		if (parse_claimant(&r, item, &budget)) {
			record_free(&r);
			return -1;
		}
		if (record_set_find(s, r.session_id) >= 0) {
			record_free(&r);
			return err_set("session '%s' is listed twice", r.session_id);
		}
		/* The set takes r's claims and wants as they are (no copy). */
		if (record_set_take(s, &r) != 0) {
			record_free(&r);
			return -1;
		}
	}
	if (s->n == 0)
		return err_set("field 'holders' is empty");
	return 0;
}

/* Parses buf into a cJSON tree, checking the bounds every reader relies on. */
static cJSON *
parse_json(const char *buf, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	if (len == 0)
		return err_set("the record is empty"), NULL;
	if (len > RECORD_MAX_BYTES)
		return err_set("the record is larger than %d bytes", RECORD_MAX_BYTES), NULL;
	if (memchr(buf, '\0', len) != NULL)
		return err_set("the record contains a NUL byte"), NULL;
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at != NULL && at >= buf && at <= buf + len ? (size_t)(at - buf) : 0;

		return err_set("the record is not valid JSON (at byte %zu)", off), NULL;
	}
	while (end != NULL && end < buf + len &&
	    (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r'))
		end++;
	if (end != buf + len) {
		cJSON_Delete(root);
		return err_set("the record has trailing bytes after the JSON object"), NULL;
	}
	return root;
}

int
record_set_parse(struct record_set *out, const char *buf, size_t len, int *newer)
{
	cJSON *root;
	int rc;

	*newer = 0;
	record_set_free(out);
	root = parse_json(buf, len);
	if (root == NULL)
		return -1;
	rc = parse_set(out, root, newer);
	cJSON_Delete(root);
	if (rc != 0)
		record_set_free(out);
	return rc;
}

/*
 * The text a holder of session key begins with, as cJSON_PrintUnformatted()
 * writes it: {"session_id":"<key, JSON-escaped>", (malloc()ed; NULL when out
 * of memory).
 */
static char *
holder_start(const char *key)
{
	cJSON *str = cJSON_CreateString(key);
	char *quoted = str != NULL ? cJSON_PrintUnformatted(str) : NULL, *text = NULL;
	size_t len;

	if (quoted != NULL) {
		len = strlen(quoted);
		text = malloc(len + sizeof("{\"session_id\":,"));
		if (text != NULL)
			snprintf(text, len + sizeof("{\"session_id\":,"), "{\"session_id\":%s,", quoted);
	}
	free(quoted);
	cJSON_Delete(str);
	return text;
}

int
record_set_parse_one(struct record_set *out, const char *buf, size_t len, const char *key)
{
	static const char head[] = "{\"schema_version\":2,\"workspace\":";
	const char *at = buf, *end = buf + len, *next = NULL;
	size_t budget = RECORD_MAX_CLAIMS;
	char *start = NULL;
	cJSON *obj = NULL;
	struct record r;
	int rc = 0;

	record_set_free(out);
	if (len < sizeof(head) || len > RECORD_MAX_BYTES || memcmp(buf, head, sizeof(head) - 1) != 0 ||
	    memchr(buf, '\0', len) != NULL || (start = holder_start(key)) == NULL)
		goto out;
	/* A holder begins an element of the holders array: after "[" or "},". */
	while ((at = memmem(at, (size_t)(end - at), start, strlen(start))) != NULL) {
		if (at - buf >= 2 && (at[-1] == '[' || (at[-1] == ',' && at[-2] == '}')))
			break;
		at++;
	}
	if (at == NULL)
		goto out;
	obj = cJSON_ParseWithLengthOpts(at, (size_t)(end - at), &next, 0);
	if (obj == NULL)
		goto out;
	record_defaults(&r);
	if (parse_claimant(&r, obj, &budget) != 0 || strcmp(r.session_id, key) != 0) {
		record_free(&r);
		goto out;
	}
	out->schema_version = RECORD_SCHEMA_VERSION;
	if (record_set_take(out, &r) != 0) {
		record_free(&r);
		goto out;
	}
	rc = 1;
out:
	cJSON_Delete(obj);
	free(start);
	return rc;
}

int
record_parse(struct record *out, const char *buf, size_t len, int *newer)
{
	struct record_set set = RECORD_SET_INIT;

	record_defaults(out);
	if (record_set_parse(&set, buf, len, newer) != 0)
		return -1;
	/* The first holder, whole: its claims move to out. */
	*out = set.h[0];
	out->schema_version = set.schema_version;
	snprintf(out->workspace, sizeof(out->workspace), "%s", set.workspace);
	memset(&set.h[0], 0, sizeof(set.h[0]));
	record_set_free(&set);
	return 0;
}

static int
add_int(cJSON *obj, const char *key, int64_t v)
{
	return cJSON_AddNumberToObject(obj, key, (double)v) != NULL;
}

/* The established holder fields (after schema_version) into obj. */
static int
add_head_fields(cJSON *obj, const struct record *r)
{
	return cJSON_AddStringToObject(obj, "session_id", r->session_id) != NULL &&
	    add_int(obj, "pid", r->pid) &&
	    add_int(obj, "acquired_at", r->acquired_at) &&
	    add_int(obj, "ttl_ms", r->ttl_ms);
}

/* The holder fields after the established five (and the workspace) into obj. */
static int
add_tail_fields(cJSON *obj, const struct record *r)
{
	cJSON *prev, *busy;
	int ok;

	ok = add_int(obj, "pid_start", (int64_t)r->pid_start) &&
	    cJSON_AddStringToObject(obj, "boot_id", r->boot_id) != NULL &&
	    cJSON_AddStringToObject(obj, "host", r->host) != NULL &&
	    add_int(obj, "renewed_at", r->renewed_at) &&
	    (r->renewed_boot_ms < 0 || add_int(obj, "renewed_boot_ms", r->renewed_boot_ms)) &&
	    add_int(obj, "lease_ms", r->lease_ms) &&
	    add_int(obj, "lease_until", r->lease_until) &&
	    cJSON_AddStringToObject(obj, "kind", r->kind) != NULL &&
	    (r->command[0] == '\0' || cJSON_AddStringToObject(obj, "command", r->command) != NULL);
	if (ok && r->previous.session_id[0] != '\0') {
		prev = cJSON_AddObjectToObject(obj, "previous");
		ok = prev != NULL &&
		    cJSON_AddStringToObject(prev, "session_id", r->previous.session_id) != NULL &&
		    add_int(prev, "pid", r->previous.pid) &&
		    cJSON_AddStringToObject(prev, "host", r->previous.host) != NULL &&
		    cJSON_AddStringToObject(prev, "reason", r->previous.reason) != NULL &&
		    add_int(prev, "idle_ms", r->previous.idle_ms) &&
		    add_int(prev, "at", r->previous.at);
	}
	if (ok && r->busy.tool[0] != '\0') {
		busy = cJSON_AddObjectToObject(obj, "busy");
		ok = busy != NULL &&
		    cJSON_AddStringToObject(busy, "tool", r->busy.tool) != NULL &&
		    (r->busy.id[0] == '\0' ||
		    cJSON_AddStringToObject(busy, "id", r->busy.id) != NULL) &&
		    add_int(busy, "since", r->busy.since) &&
		    (r->busy.since_boot_ms < 0 ||
		    add_int(busy, "since_boot_ms", r->busy.since_boot_ms)) &&
		    cJSON_AddBoolToObject(busy, "background", r->busy.background) != NULL;
	}
	return ok;
}

static int
add_paths(cJSON *obj, const char *key, char *const *paths, size_t n)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key), *item;
	size_t i;

	if (arr == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		item = cJSON_CreateString(paths[i]);
		if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
			cJSON_Delete(item);
			return 0;
		}
	}
	return 1;
}

/* cJSON text plus a newline, in one malloc()ed string; NULL when out of memory. */
static char *
print_line(const cJSON *root)
{
	char *text = cJSON_PrintUnformatted(root), *line = NULL;
	size_t len;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	line = malloc(len + 2);
	if (line != NULL) {
		memcpy(line, text, len);
		line[len] = '\n';
		line[len + 1] = '\0';
	}
	free(text);
	return line;
}

char *
record_format(const struct record *r)
{
	cJSON *root = cJSON_CreateObject();
	char *line = NULL;
	int ok;

	if (root == NULL)
		goto out;
	ok = add_int(root, "schema_version", RECORD_SCHEMA_SINGLE) &&
	    add_head_fields(root, r) &&
	    cJSON_AddStringToObject(root, "workspace", r->workspace) != NULL;
	if (ok && add_tail_fields(root, r))
		line = print_line(root);
out:
	if (line == NULL)
		err_set("cannot format the lock record: out of memory");
	cJSON_Delete(root);
	return line;
}

static int
single(const struct record_set *s)
{
	const struct record *r = &s->h[0];

	return s->n == 1 && r->whole && r->nclaims == 0 && r->wants.pid == 0;
}

char *
record_set_format(const struct record_set *s)
{
	cJSON *root = NULL, *arr, *h, *w;
	char *line = NULL;
	size_t i;
	int ok;

	if (s->n == 0) {
		err_set("cannot format an empty lock record");
		return NULL;
	}
	if (single(s)) {
		struct record one;

		record_bare(&one, &s->h[0]);
		snprintf(one.workspace, sizeof(one.workspace), "%s", s->workspace);
		return record_format(&one);
	}
	root = cJSON_CreateObject();
	ok = root != NULL && add_int(root, "schema_version", RECORD_SCHEMA_VERSION) &&
	    cJSON_AddStringToObject(root, "workspace", s->workspace) != NULL &&
	    (arr = cJSON_AddArrayToObject(root, "holders")) != NULL;
	for (i = 0; ok && i < s->n; i++) {
		const struct record *r = &s->h[i];

		h = cJSON_CreateObject();
		ok = h != NULL && cJSON_AddItemToArray(arr, h);
		if (!ok) {
			cJSON_Delete(h);
			break;
		}
		ok = add_head_fields(h, r) &&
		    add_tail_fields(h, r) &&
		    cJSON_AddBoolToObject(h, "whole", r->whole) != NULL &&
		    add_paths(h, "claims", r->claims, r->nclaims);
		if (ok && r->wants.pid != 0) {
			w = cJSON_AddObjectToObject(h, "wants");
			ok = w != NULL && add_int(w, "pid", r->wants.pid) &&
			    add_int(w, "pid_start", (int64_t)r->wants.pid_start) &&
			    add_int(w, "since", r->wants.since) &&
			    cJSON_AddBoolToObject(w, "whole", r->wants.whole) != NULL &&
			    (!r->wants.told ||
			    cJSON_AddBoolToObject(w, "told", 1) != NULL) &&
			    add_paths(w, "paths", r->wants.paths, r->wants.npaths);
		}
	}
	if (ok)
		line = print_line(root);
	if (line == NULL)
		err_set("cannot format the lock record: out of memory");
	cJSON_Delete(root);
	return line;
}

static void
free_paths(char **paths, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

void
record_free(struct record *r)
{
	free_paths(r->claims, r->nclaims);
	r->claims = NULL;
	r->nclaims = 0;
	free_paths(r->wants.paths, r->wants.npaths);
	memset(&r->wants, 0, sizeof(r->wants));
}

void
record_bare(struct record *dst, const struct record *src)
{
	if (dst != src)
		*dst = *src;
	dst->claims = NULL;
	dst->nclaims = 0;
	dst->wants.paths = NULL;
	dst->wants.npaths = 0;
}

static int
copy_paths(char ***dst, const char *const *src, size_t n)
{
	char **v;
	size_t i;

	*dst = NULL;
	if (n == 0)
		return 0;
	v = calloc(n, sizeof(*v));
	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((v[i] = strdup(src[i])) == NULL) {
			free_paths(v, i);
			return -1;
		}
	*dst = v;
	return 0;
}

int
record_copy(struct record *dst, const struct record *src)
{
	record_bare(dst, src);
	if (copy_paths(&dst->claims, (const char *const *)src->claims, src->nclaims) != 0)
		goto fail;
	dst->nclaims = src->nclaims;
	if (copy_paths(&dst->wants.paths, (const char *const *)src->wants.paths,
	    src->wants.npaths) != 0)
		goto fail;
	dst->wants.npaths = src->wants.npaths;
	return 0;
fail:
	/* copy_paths() leaves nothing behind when it fails: only claims copied before. */
	free_paths(dst->claims, dst->nclaims);
	record_bare(dst, dst);
	return err_set("out of memory");
}

int
record_claim_add(struct record *r, const char *path)
{
	char **grown, *copy = strdup(path);

	grown = copy != NULL ? realloc(r->claims, (r->nclaims + 1) * sizeof(*grown)) : NULL;
	if (grown == NULL) {
		free(copy);
		return err_set("out of memory");
	}
	grown[r->nclaims++] = copy;
	r->claims = grown;
	return 0;
}

int
record_wants_set(struct record *r, pid_t pid, uint64_t pid_start, int64_t since, int whole,
    const char *const *paths, size_t npaths)
{
	struct record_wants w = { pid, pid_start, since, whole, 0, NULL, 0 };

	if (pid != 0 && copy_paths(&w.paths, paths, npaths) != 0)
		return err_set("out of memory");
	w.npaths = pid != 0 ? npaths : 0;
	free_paths(r->wants.paths, r->wants.npaths);
	r->wants = w;
	if (pid == 0)
		memset(&r->wants, 0, sizeof(r->wants));
	return 0;
}

/* Appends r to s as it is: s now owns r's claims and wants. */
static int
record_set_take(struct record_set *s, struct record *r)
{
	struct record *grown;

	if (s->n >= RECORD_MAX_HOLDERS)
		return err_set("a workspace has at most %d holders", RECORD_MAX_HOLDERS);
	grown = realloc(s->h, (s->n + 1) * sizeof(*grown));
	if (grown == NULL)
		return err_set("out of memory");
	s->h = grown;
	s->h[s->n++] = *r;
	return 0;
}

struct record *
record_set_add(struct record_set *s, const struct record *r)
{
	struct record copy;

	if (record_copy(&copy, r) != 0)
		return NULL;
	if (record_set_take(s, &copy) != 0) {
		record_free(&copy);
		return NULL;
	}
	return &s->h[s->n - 1];
}

void
record_set_remove(struct record_set *s, size_t i)
{
	if (i >= s->n)
		return;
	record_free(&s->h[i]);
	memmove(&s->h[i], &s->h[i + 1], (s->n - i - 1) * sizeof(s->h[0]));
	s->n--;
}

int
record_set_find(const struct record_set *s, const char *session_id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->h[i].session_id, session_id) == 0)
			return (int)i;
	return -1;
}

void
record_set_free(struct record_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		record_free(&s->h[i]);
	free(s->h);
	s->h = NULL;
	s->n = 0;
	s->schema_version = 0;
	s->workspace[0] = '\0';
}
