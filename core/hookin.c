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

int
hookin_parse(struct hook_input *out, const char *buf, size_t len)
{
	const cJSON *input, *item;
	const char *end = NULL;
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
	out->session_id = get_str(root, "session_id");
	if (out->session_id == NULL || out->session_id[0] == '\0') {
		hookin_free(out);
		return err_set("stdin has no 'session_id'");
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
