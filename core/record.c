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

static int
parse_object(struct record *r, const cJSON *root, int *newer)
{
	int64_t v = 0;

	if (!cJSON_IsObject(root))
		return err_set("the record is not a JSON object");
	if (get_int(root, "schema_version", 1, 1, INT32_MAX, &v))
		return -1;
	if (v > RECORD_SCHEMA_VERSION) {
		*newer = 1;
		return err_set("schema_version %" PRId64 " is newer than this program understands", v);
	}
	r->schema_version = (int)v;
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
	if (get_str(root, "workspace", 0, r->workspace, sizeof(r->workspace)) ||
	    get_str(root, "boot_id", 0, r->boot_id, sizeof(r->boot_id)) ||
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

int
record_parse(struct record *out, const char *buf, size_t len, int *newer)
{
	const char *end = NULL;
	cJSON *root;
	int rc;

	*newer = 0;
	record_defaults(out);
	if (len == 0)
		return err_set("the record is empty");
	if (len > RECORD_MAX_BYTES)
		return err_set("the record is larger than %d bytes", RECORD_MAX_BYTES);
	if (memchr(buf, '\0', len) != NULL)
		return err_set("the record contains a NUL byte");
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();
		size_t off = at != NULL && at >= buf && at <= buf + len ? (size_t)(at - buf) : 0;

		return err_set("the record is not valid JSON (at byte %zu)", off);
	}
	while (end != NULL && end < buf + len &&
	    (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r'))
		end++;
	if (end != buf + len) {
		cJSON_Delete(root);
		return err_set("the record has trailing bytes after the JSON object");
	}
	rc = parse_object(out, root, newer);
	cJSON_Delete(root);
	return rc;
}

static int
add_int(cJSON *obj, const char *key, int64_t v)
{
	return cJSON_AddNumberToObject(obj, key, (double)v) != NULL;
}

char *
record_format(const struct record *r)
{
	cJSON *root = cJSON_CreateObject(), *prev, *busy;
	char *text = NULL, *line = NULL;
	size_t len;
	int ok;

	if (root == NULL)
		goto out;
	ok = add_int(root, "schema_version", RECORD_SCHEMA_VERSION) &&
	    cJSON_AddStringToObject(root, "session_id", r->session_id) != NULL &&
	    add_int(root, "pid", r->pid) &&
	    add_int(root, "acquired_at", r->acquired_at) &&
	    add_int(root, "ttl_ms", r->ttl_ms) &&
	    cJSON_AddStringToObject(root, "workspace", r->workspace) != NULL &&
	    add_int(root, "pid_start", (int64_t)r->pid_start) &&
	    cJSON_AddStringToObject(root, "boot_id", r->boot_id) != NULL &&
	    cJSON_AddStringToObject(root, "host", r->host) != NULL &&
	    add_int(root, "renewed_at", r->renewed_at) &&
	    (r->renewed_boot_ms < 0 || add_int(root, "renewed_boot_ms", r->renewed_boot_ms)) &&
	    add_int(root, "lease_ms", r->lease_ms) &&
	    add_int(root, "lease_until", r->lease_until) &&
	    cJSON_AddStringToObject(root, "kind", r->kind) != NULL &&
	    (r->command[0] == '\0' || cJSON_AddStringToObject(root, "command", r->command) != NULL);
	if (ok && r->previous.session_id[0] != '\0') {
		prev = cJSON_AddObjectToObject(root, "previous");
		ok = prev != NULL &&
		    cJSON_AddStringToObject(prev, "session_id", r->previous.session_id) != NULL &&
		    add_int(prev, "pid", r->previous.pid) &&
		    cJSON_AddStringToObject(prev, "host", r->previous.host) != NULL &&
		    cJSON_AddStringToObject(prev, "reason", r->previous.reason) != NULL &&
		    add_int(prev, "idle_ms", r->previous.idle_ms) &&
		    add_int(prev, "at", r->previous.at);
	}
	if (ok && r->busy.tool[0] != '\0') {
		busy = cJSON_AddObjectToObject(root, "busy");
		ok = busy != NULL &&
		    cJSON_AddStringToObject(busy, "tool", r->busy.tool) != NULL &&
		    (r->busy.id[0] == '\0' ||
		    cJSON_AddStringToObject(busy, "id", r->busy.id) != NULL) &&
		    add_int(busy, "since", r->busy.since) &&
		    (r->busy.since_boot_ms < 0 ||
		    add_int(busy, "since_boot_ms", r->busy.since_boot_ms)) &&
		    cJSON_AddBoolToObject(busy, "background", r->busy.background) != NULL;
	}
	if (!ok)
		goto out;
	text = cJSON_PrintUnformatted(root);
	if (text == NULL)
		goto out;
	len = strlen(text);
	line = malloc(len + 2);
	if (line == NULL)
		goto out;
	memcpy(line, text, len);
	line[len] = '\n';
	line[len + 1] = '\0';
out:
	if (line == NULL)
		err_set("cannot format the lock record: out of memory");
	free(text);
	cJSON_Delete(root);
	return line;
}
