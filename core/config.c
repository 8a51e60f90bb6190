/*
 * config.c - loading config.h's sources.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "sys.h"

#define CONFIG_MAX_BYTES 65536

static const char *const default_tools[] = {
	"Write", "Edit", "MultiEdit", "NotebookEdit", "Bash",
};

static void
free_list(char **list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free(list[i]);
	*n = 0;
}

static int
set_list(char **list, size_t *n, size_t max, const char *const *items, size_t count)
{
	size_t i;

	free_list(list, n);
	if (count > max)
		count = max;
	for (i = 0; i < count; i++) {
		list[i] = strdup(items[i]);
		if (list[i] == NULL)
			return err_set("out of memory");
		*n = i + 1;
	}
	return 0;
}

int
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->ttl_ms = CONFIG_TTL_DEFAULT_MS;
	c->release_on_stop = 1;
	return set_list(c->tools, &c->ntools, CONFIG_MAX_TOOLS, default_tools,
	    sizeof(default_tools) / sizeof(default_tools[0]));
}

void
config_free(struct config *c)
{
	free_list(c->tools, &c->ntools);
	free_list(c->readonly, &c->nreadonly);
	free_list(c->mutating, &c->nmutating);
}

/* Makes dst (which owns nothing) a deep copy of src. Returns 0, or -1. */
static int
config_copy(struct config *dst, const struct config *src)
{
	*dst = *src;
	dst->ntools = dst->nreadonly = dst->nmutating = 0;
	if (set_list(dst->tools, &dst->ntools, CONFIG_MAX_TOOLS,
	    (const char *const *)src->tools, src->ntools) != 0 ||
	    set_list(dst->readonly, &dst->nreadonly, CONFIG_MAX_PATTERNS,
	    (const char *const *)src->readonly, src->nreadonly) != 0 ||
	    set_list(dst->mutating, &dst->nmutating, CONFIG_MAX_PATTERNS,
	    (const char *const *)src->mutating, src->nmutating) != 0)
		return -1;
	return 0;
}

/* Adds a problem to the "; "-separated list in buf (the first one kept whole). */
static void
add_problem(char *buf, size_t size, const char *problem)
{
	size_t n = strlen(buf);

	snprintf(buf + n, size - n, "%s%s", n > 0 ? "; " : "", problem);
}

int
config_tool_needs_lock(const struct config *c, const char *tool)
{
	size_t i;

	for (i = 0; i < c->ntools; i++)
		if (strcmp(c->tools[i], tool) == 0)
			return 1;
	return 0;
}

static int
parse_ms(const char *text, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
set_scope(struct config *c, const char *v)
{
	if (strcmp(v, "workspace") == 0)
		c->scope_paths = 0;
	else if (strcmp(v, "paths") == 0)
		c->scope_paths = 1;
	else
		return -1;
	return 0;
}

static int
set_release_on(struct config *c, const char *v)
{
	if (strcmp(v, "stop") == 0)
		c->release_on_stop = 1;
	else if (strcmp(v, "session_end") == 0)
		c->release_on_stop = 0;
	else
		return -1;
	return 0;
}

/* Splits "A|B,C" into the tool list. */
static int
set_tools_text(struct config *c, const char *text)
{
	const char *items[CONFIG_MAX_TOOLS];
	char buf[1024], *tok, *save = NULL;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, "|, ", &save); tok != NULL && n < CONFIG_MAX_TOOLS;
	    tok = strtok_r(NULL, "|, ", &save))
		items[n++] = tok;
	return set_list(c->tools, &c->ntools, CONFIG_MAX_TOOLS, items, n);
}

static int
get_string_array(const cJSON *item, const char *path, const char *key,
    char **list, size_t *n, size_t max)
{
	const char *items[CONFIG_MAX_PATTERNS > CONFIG_MAX_TOOLS ? CONFIG_MAX_PATTERNS : CONFIG_MAX_TOOLS];
	const cJSON *el;
	size_t count = 0;

	if (!cJSON_IsArray(item))
		return err_set("'%s': \"%s\" must be an array of strings", path, key);
	cJSON_ArrayForEach(el, item) {
		if (!cJSON_IsString(el))
			return err_set("'%s': \"%s\" must be an array of strings", path, key);
		if (count == max)
			return err_set("'%s': \"%s\" has more than %zu entries", path, key, max);
		items[count++] = el->valuestring;
	}
	return set_list(list, n, max, items, count);
}

static int
get_ms(const cJSON *item, const char *path, const char *key, int64_t min, int64_t max,
    int64_t *out)
{
	if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
	    item->valuedouble < (double)min || item->valuedouble > (double)max)
		return err_set("'%s': \"%s\" must be a whole number from %lld to %lld", path,
		    key, (long long)min, (long long)max);
	*out = (int64_t)item->valuedouble;
	return 0;
}

static int
apply_json(struct config *c, const cJSON *root, const char *path)
{
	const cJSON *item;

	if (!cJSON_IsObject(root))
		return err_set("'%s': the configuration must be a JSON object", path);
	cJSON_ArrayForEach(item, root) {
		const char *k = item->string;

		if (strcmp(k, "disable") == 0) {
			if (!cJSON_IsBool(item))
				return err_set("'%s': \"disable\" must be true or false", path);
			c->disabled = cJSON_IsTrue(item);
		} else if (strcmp(k, "ttl_ms") == 0) {
			if (get_ms(item, path, k, 1000, INT32_MAX, &c->ttl_ms))
				return -1;
		} else if (strcmp(k, "wait_ms") == 0) {
			if (get_ms(item, path, k, 0, CONFIG_WAIT_MAX_MS, &c->wait_ms))
				return -1;
		} else if (strcmp(k, "scope") == 0) {
			if (!cJSON_IsString(item) || set_scope(c, item->valuestring) != 0)
				return err_set("'%s': \"scope\" must be \"workspace\" or \"paths\"", path);
		} else if (strcmp(k, "release_on") == 0) {
			if (!cJSON_IsString(item) || set_release_on(c, item->valuestring) != 0)
				return err_set("'%s': \"release_on\" must be \"stop\" or \"session_end\"", path);
		} else if (strcmp(k, "tools") == 0) {
			if (get_string_array(item, path, k, c->tools, &c->ntools, CONFIG_MAX_TOOLS))
				return -1;
		} else if (strcmp(k, "readonly_commands") == 0) {
			if (get_string_array(item, path, k, c->readonly, &c->nreadonly, CONFIG_MAX_PATTERNS))
				return -1;
		} else if (strcmp(k, "mutating_commands") == 0) {
			if (get_string_array(item, path, k, c->mutating, &c->nmutating, CONFIG_MAX_PATTERNS))
				return -1;
		} else {
			return err_set("'%s': unknown key \"%s\"", path, k);
		}
	}
	return 0;
}

int
config_load_file(struct config *c, const char *path)
{
	/*
	 * One byte more than the limit, and the NUL: reading CONFIG_MAX_BYTES + 1
	 * tells a file of exactly the limit (accepted) from a larger one.
	 */
	char buf[CONFIG_MAX_BYTES + 2];
	const char *end = NULL;
	struct config scratch;
	cJSON *root = NULL;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, rc = -1;

	fd = sys.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return err_set("cannot open the configuration '%s':", path);
	}
	if (sys.fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err_set("cannot read the configuration '%s': not a regular file", path);
		goto out;
	}
	while (len < sizeof(buf) - 1 && (n = sys.read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	if (len > CONFIG_MAX_BYTES) {
		err_set("'%s': the configuration is larger than %d bytes", path, CONFIG_MAX_BYTES);
		goto out;
	}
	buf[len] = '\0';
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (root == NULL) {
		const char *at = cJSON_GetErrorPtr();

		err_set("'%s': not valid JSON (at byte %zu)", path,
		    at != NULL && at >= buf && at <= buf + len ? (size_t)(at - buf) : (size_t)0);
		goto out;
	}
	/*
	 * Only white space may follow the object: "{...} {...}" or "{...} x" is
	 * a broken file, not the first object (a second one would silently do
	 * nothing, as an unknown key would). record.c and hookin.c check the same.
	 */
	while (end != NULL && end < buf + len &&
	    (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r'))
		end++;
	if (end != buf + len) {
		err_set("'%s': not valid JSON (bytes after the object, at byte %zu)", path,
		    end != NULL && end >= buf && end <= buf + len ? (size_t)(end - buf) : (size_t)0);
		goto out;
	}
	/* All or nothing: a file that is bad anywhere changes nothing. */
	if (config_copy(&scratch, c) != 0) {
		config_free(&scratch);
		goto out;
	}
	rc = apply_json(&scratch, root, path);
	if (rc == 0) {
		config_free(c);
		*c = scratch;
	} else {
		config_free(&scratch);
	}
out:
	cJSON_Delete(root);
	sys.close(fd);
	return rc;
}

int
config_load_env(struct config *c)
{
	char problems[1024] = "", one[512];
	const char *v;

	v = getenv("SESSION_LOCK_DISABLE");
	if (v != NULL && *v != '\0')
		c->disabled = strcmp(v, "0") != 0;
	v = getenv("SESSION_LOCK_TTL_MS");
	if (v != NULL && *v != '\0' && parse_ms(v, 1000, INT32_MAX, &c->ttl_ms) != 0) {
		snprintf(one, sizeof(one),
		    "SESSION_LOCK_TTL_MS='%.100s' is not a whole number of ms from 1000", v);
		add_problem(problems, sizeof(problems), one);
	}
	v = getenv("SESSION_LOCK_WAIT_MS");
	if (v != NULL && *v != '\0' && parse_ms(v, 0, CONFIG_WAIT_MAX_MS, &c->wait_ms) != 0) {
		snprintf(one, sizeof(one),
		    "SESSION_LOCK_WAIT_MS='%.100s' is not a whole number of ms from 0 to %d",
		    v, CONFIG_WAIT_MAX_MS);
		add_problem(problems, sizeof(problems), one);
	}
	v = getenv("SESSION_LOCK_SCOPE");
	if (v != NULL && *v != '\0' && set_scope(c, v) != 0) {
		snprintf(one, sizeof(one),
		    "SESSION_LOCK_SCOPE='%.100s' must be 'workspace' or 'paths'", v);
		add_problem(problems, sizeof(problems), one);
	}
	v = getenv("SESSION_LOCK_RELEASE_ON");
	if (v != NULL && *v != '\0' && set_release_on(c, v) != 0) {
		snprintf(one, sizeof(one),
		    "SESSION_LOCK_RELEASE_ON='%.100s' must be 'stop' or 'session_end'", v);
		add_problem(problems, sizeof(problems), one);
	}
	v = getenv("SESSION_LOCK_TOOLS");
	if (v != NULL && *v != '\0' && set_tools_text(c, v) != 0)
		add_problem(problems, sizeof(problems), err_last());
	if (problems[0] != '\0')
		return err_set("%s", problems);
	return 0;
}

int
config_load(struct config *c, const char *home, const char *workspace)
{
	char path[PATH_MAX], problems[1024] = "";

	if (home != NULL && *home != '\0') {
		snprintf(path, sizeof(path), "%s/.claude/session-lock.json", home);
		if (config_load_file(c, path) != 0)
			add_problem(problems, sizeof(problems), err_last());
	}
	if (workspace != NULL && *workspace != '\0') {
		snprintf(path, sizeof(path), "%s/.claude/session-lock.json", workspace);
		if (config_load_file(c, path) != 0)
			add_problem(problems, sizeof(problems), err_last());
	}
	if (config_load_env(c) != 0)
		add_problem(problems, sizeof(problems), err_last());
	if (problems[0] != '\0')
		return err_set("%s", problems);
	return 0;
}
