/*
 * workspace.c - resolving workspaces and target paths, and hashing them.
 */
#include <errno.h>
#include <limits.h>
#include <nettle/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "workspace.h"

static int
resolve_dir(char out[PATH_MAX], const char *path, const char *what)
{
	if (realpath(path, out) == NULL)
		return err_set("cannot resolve %s '%s':", what, path);
	return 0;
}

int
workspace_resolve(char out[PATH_MAX], const char *project_dir, const char *cwd)
{
	char here[PATH_MAX];

	if (project_dir != NULL && *project_dir != '\0')
		return resolve_dir(out, project_dir, "CLAUDE_PROJECT_DIR");
	if (cwd != NULL && *cwd != '\0')
		return resolve_dir(out, cwd, "the session's cwd");
	if (getcwd(here, sizeof(here)) == NULL)
		return err_set("cannot get the current directory:");
	return resolve_dir(out, here, "the current directory");
}

void
workspace_hash(char out[WORKSPACE_HASH_LEN + 1], const char *path)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t digest[MD5_DIGEST_SIZE];
	struct md5_ctx ctx;
	int i;

	md5_init(&ctx);
	md5_update(&ctx, strlen(path), (const uint8_t *)path);
	md5_digest(&ctx, sizeof(digest), digest);
	for (i = 0; i < WORKSPACE_HASH_LEN / 2; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0xf];
	}
	out[WORKSPACE_HASH_LEN] = '\0';
}

/*
 * Appends component name to the resolved path in out, folding "." and "..".
 * Returns -1 when the result would not fit.
 */
static int
append_component(char out[PATH_MAX], const char *name, size_t len)
{
	size_t n = strlen(out);
	char *slash;

	if (len == 0 || (len == 1 && name[0] == '.'))
		return 0;
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		slash = strrchr(out, '/');
		if (slash != NULL)
			*(slash == out ? slash + 1 : slash) = '\0';
		return 0;
	}
	if (n + 1 + len + 1 > PATH_MAX)
		return -1;
	if (n > 1)
		out[n++] = '/';
	memcpy(out + n, name, len);
	out[n + len] = '\0';
	return 0;
}

/*
 * When the last component of full is a dangling symbolic link, replaces full
 * with the link's destination (repeatedly, as the kernel would): a Write
 * through the link creates the file there, so that is the target. Without
 * this, a dangling link outside a workspace that points into it resolved to
 * the link's own place, and the write escaped the workspace's lock.
 * A loop of links is left as it is (writing through it fails anyway).
 */
static void
follow_dangling(char full[PATH_MAX])
{
	char link[PATH_MAX], next[PATH_MAX], *slash;
	struct stat st;
	ssize_t n;
	int hops, len;

	for (hops = 0; hops < 40 && lstat(full, &st) == 0 && S_ISLNK(st.st_mode); hops++) {
		n = readlink(full, link, sizeof(link) - 1);
		if (n <= 0)
			return;
		link[n] = '\0';
		slash = strrchr(full, '/');	/* full always has one */
		if (link[0] == '/' || slash == NULL)
			len = snprintf(next, sizeof(next), "%s", link);
		else
			len = snprintf(next, sizeof(next), "%.*s/%s", (int)(slash - full), full, link);
		if (len < 0 || (size_t)len >= sizeof(next))
			return;
		memcpy(full, next, (size_t)len + 1);
	}
}

int
workspace_resolve_target(char out[PATH_MAX], const char *path, const char *base)
{
	char full[PATH_MAX], probe[PATH_MAX];
	const char *rest, *p, *q;
	size_t cut;
	int n;

	if (path == NULL || *path == '\0')
		return err_set("cannot resolve an empty path");
	n = path[0] == '/' ? snprintf(full, sizeof(full), "%s", path)
	    : snprintf(full, sizeof(full), "%s/%s", base != NULL ? base : ".", path);
	if (n < 0 || (size_t)n >= sizeof(full))
		return err_set("cannot resolve '%s': path too long", path);
	if (realpath(full, out) != NULL)
		return 0;
	follow_dangling(full);

	/* Find the longest prefix (ending at a '/') that resolves. */
	snprintf(probe, sizeof(probe), "%s", full);
	for (;;) {
		char *slash = strrchr(probe, '/');

		if (slash == NULL)
			return err_set("cannot resolve '%s':", path);
		if (slash == probe) {
			strcpy(out, "/");
			cut = 1;
			break;
		}
		*slash = '\0';
		if (realpath(probe, out) != NULL) {
			cut = (size_t)(slash - probe) + 1;
			break;
		}
	}
	for (rest = full + cut; *rest != '\0'; rest = q) {
		p = rest;
		q = strchr(p, '/');
		if (q == NULL)
			q = p + strlen(p);
		if (append_component(out, p, (size_t)(q - p)) != 0)
			return err_set("cannot resolve '%s': path too long", path);
		if (*q == '/')
			q++;
	}
	return 0;
}

int
workspace_contains(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return path[0] == '/';
	return strncmp(dir, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}
