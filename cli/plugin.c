/*
 * plugin.c - finding our plugin's installs the way the client records them.
 *
 * The files read here are the client's (installed_plugins.json, the
 * settings files' "enabledPlugins"), read only, through settings_load(),
 * which already refuses what is not a regular file of a sane size.
 */
#include <cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "plugin.h"
#include "settings.h"
#include "sys.h"

/* Copies s into a buffer of cap bytes; returns -1 (and copies nothing) when it does not fit. */
static int
copy(char *out, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (n >= cap)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

/* Is path dir itself or below it? */
static int
inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Is id "session-lock@<marketplace>"? */
static int
ours(const char *id)
{
	size_t n = strlen(PLUGIN_NAME);

	return strncmp(id, PLUGIN_NAME, n) == 0 && id[n] == '@' && id[n + 1] != '\0';
}

static const char *
string_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int
plugin_parse_installs(struct plugin_install *out, size_t cap, const char *text, size_t len,
    const char *ws)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	const cJSON *plugins, *list, *rec;
	const char *scope, *path, *project;
	int n = -1;

	plugins = cJSON_GetObjectItemCaseSensitive(root, "plugins");
	if (!cJSON_IsObject(plugins))
		goto out;
	n = 0;
	cJSON_ArrayForEach(list, plugins) {
		if (!ours(list->string) || !cJSON_IsArray(list))
			continue;
		cJSON_ArrayForEach(rec, list) {
			struct plugin_install *p;

			if ((size_t)n >= cap)
				goto out;
			p = &out[n];
			scope = string_of(rec, "scope");
			path = string_of(rec, "installPath");
			project = string_of(rec, "projectPath");
			if (scope == NULL || path == NULL)
				continue;
			memset(p, 0, sizeof(*p));
			if (copy(p->id, sizeof(p->id), list->string) != 0 ||
			    copy(p->scope, sizeof(p->scope), scope) != 0 ||
			    copy(p->path, sizeof(p->path), path) != 0 ||
			    copy(p->project, sizeof(p->project), project != NULL ? project : "") != 0)
				continue;
			p->applies = strcmp(scope, "user") == 0 ||
			    (p->project[0] != '\0' && ws != NULL && inside(ws, p->project));
			p->enabled = 1;
			n++;
		}
	}
out:
	cJSON_Delete(root);
	return n;
}

int
plugin_enabled_in(const char *text, size_t len, const char *id)
{
	cJSON *root;
	const cJSON *v;
	int r = -1;

	if (text == NULL)
		return -1;
	root = cJSON_ParseWithLength(text, len);
	v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "enabledPlugins"),
	    id);
	if (cJSON_IsBool(v))
		r = cJSON_IsTrue(v) ? 1 : 0;
	cJSON_Delete(root);
	return r;
}

int
plugin_marketplace_dir(char out[PATH_MAX], const char *known, size_t len, const char *mkt)
{
	cJSON *root = cJSON_ParseWithLength(known, len);
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, mkt);
	const char *kind = string_of(cJSON_GetObjectItemCaseSensitive(m, "source"), "source");
	const char *dir = string_of(m, "installLocation");
	int r = -1;

	if (kind != NULL && strcmp(kind, "directory") == 0 && dir != NULL && dir[0] == '/' &&
	    copy(out, PATH_MAX, dir) == 0)
		r = 0;
	cJSON_Delete(root);
	return r;
}

int
plugin_listed_path(char out[PATH_MAX], const char *dir, const char *text, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(text, len);
	const cJSON *p;
	const char *name, *src;
	int r = -1, n;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(root, "plugins")) {
		name = string_of(p, "name");
		src = string_of(p, "source");
		if (name == NULL || strcmp(name, PLUGIN_NAME) != 0)
			continue;
		if (src == NULL || strncmp(src, "./", 2) != 0 || strstr(src, "..") != NULL)
			break;
		src += 2;
		while (*src == '/')
			src++;
		n = *src == '\0' ? snprintf(out, PATH_MAX, "%s", dir) :
		    snprintf(out, PATH_MAX, "%s/%s", dir, src);
		if (n > 0 && n < PATH_MAX) {
			while (n > 1 && out[n - 1] == '/')
				out[--n] = '\0';
			r = 0;
		}
		break;
	}
	cJSON_Delete(root);
	return r;
}

/* Loads a JSON file of the client's; a missing one has text NULL. */
static int
load(struct settings_file *f, const char *path)
{
	cJSON *j;

	if (settings_load(f, path) != 0)
		return -1;
	if (!f->exists)
		return 0;
	j = cJSON_ParseWithLength(f->text, f->len);
	if (j == NULL) {
		err_set("cannot read '%s': not valid JSON", path);
		return -1;
	}
	cJSON_Delete(j);
	return 0;
}

/*
 * Sets p->root: the local marketplace directory the client runs the plugin
 * from, else its installPath. known is known_marketplaces.json (text NULL
 * when absent). A marketplace.json that cannot be read leaves installPath.
 */
static void
resolve_root(struct plugin_install *p, const struct settings_file *known)
{
	struct settings_file m = SETTINGS_FILE_INIT;
	char dir[PATH_MAX], path[PATH_MAX + 64];
	const char *mkt = strchr(p->id, '@') + 1;

	memcpy(p->root, p->path, sizeof(p->root));
	if (known->text == NULL || plugin_marketplace_dir(dir, known->text, known->len, mkt) != 0)
		return;
	snprintf(path, sizeof(path), "%s/.claude-plugin/marketplace.json", dir);
	if (settings_load(&m, path) == 0 && m.exists)
		(void)plugin_listed_path(p->root, dir, m.text, m.len);
	settings_file_free(&m);
}

int
plugin_installs(struct plugin_install *out, size_t cap, const char *home, const char *ws)
{
	struct settings_file files[3] = { SETTINGS_FILE_INIT, SETTINGS_FILE_INIT, SETTINGS_FILE_INIT };
	struct settings_file inst = SETTINGS_FILE_INIT, known = SETTINGS_FILE_INIT;
	char path[PATH_MAX + 64];
	int n = 0, i, j, v;

	/*
	 * Most specific first: the first that names the plugin decides. One
	 * that cannot be read or parsed names nothing (the client ignores it
	 * too, and doctor's own settings check reports it).
	 */
	snprintf(path, sizeof(path), "%s/.claude/settings.local.json", ws);
	(void)settings_load(&files[0], path);
	snprintf(path, sizeof(path), "%s/.claude/settings.json", ws);
	(void)settings_load(&files[1], path);
	snprintf(path, sizeof(path), "%s/.claude/settings.json", home);
	(void)settings_load(&files[2], path);
	snprintf(path, sizeof(path), "%s/.claude/plugins/installed_plugins.json", home);
	if (load(&inst, path) != 0)
		goto fail;
	if (inst.exists) {
		n = plugin_parse_installs(out, cap, inst.text, inst.len, ws);
		if (n < 0) {
			err_set("cannot read '%s': it has no \"plugins\" object", path);
			goto fail;
		}
	}
	/* without it (or unreadable), the copies are where the hooks run */
	snprintf(path, sizeof(path), "%s/.claude/plugins/known_marketplaces.json", home);
	if (n > 0)
		(void)settings_load(&known, path);
	for (i = 0; i < n; i++) {
		resolve_root(&out[i], &known);
		for (j = 0; j < 3; j++) {
			v = plugin_enabled_in(files[j].text, files[j].len, out[i].id);
			if (v >= 0) {
				out[i].enabled = v;
				break;
			}
		}
	}
	goto out;
fail:
	n = -1;
out:
	for (i = 0; i < 3; i++)
		settings_file_free(&files[i]);
	settings_file_free(&inst);
	settings_file_free(&known);
	return n;
}

int
plugin_root_of(char out[PATH_MAX], const char *bindir)
{
	struct settings_file f = SETTINGS_FILE_INIT;
	char root[PATH_MAX], manifest[PATH_MAX + 64];
	const char *slash = strrchr(bindir, '/');
	const char *name;
	cJSON *j = NULL;
	int r = -1;

	if (slash == NULL || strcmp(slash, "/bin") != 0 || (size_t)(slash - bindir) >= sizeof(root))
		return -1;
	memcpy(root, bindir, (size_t)(slash - bindir));
	root[slash - bindir] = '\0';
	snprintf(manifest, sizeof(manifest), "%s/.claude-plugin/plugin.json", root);
	if (settings_load(&f, manifest) != 0 || !f.exists)
		goto out;
	j = cJSON_ParseWithLength(f.text, f.len);
	name = string_of(j, "name");
	if (name != NULL && strcmp(name, PLUGIN_NAME) == 0 && copy(out, PATH_MAX, root) == 0)
		r = 0;
out:
	cJSON_Delete(j);
	settings_file_free(&f);
	return r;
}

int
plugin_dir_args(char (*out)[PATH_MAX], size_t cap, const char *args, size_t len)
{
	static const char opt[] = "--plugin-dir";
	const char *p = args, *end = args + len, *next, *dir;
	size_t n = 0;

	for (; p < end && n < cap; p = next) {
		next = memchr(p, '\0', (size_t)(end - p));
		next = next != NULL ? next + 1 : end;
		dir = NULL;
		if (strcmp(p, opt) == 0 && next < end)
			dir = next;
		else if (strncmp(p, opt, sizeof(opt) - 1) == 0 && p[sizeof(opt) - 1] == '=')
			dir = p + sizeof(opt);
		if (dir != NULL && memchr(dir, '\0', (size_t)(end - dir)) != NULL &&
		    copy(out[n], PATH_MAX, dir) == 0)
			n++;
	}
	return (int)n;
}

int
plugin_session_dir(char out[PATH_MAX], int pid)
{
	char path[64], args[16384], cwd[PATH_MAX], dirs[4][PATH_MAX], bin[PATH_MAX + sizeof(args) + 8];
	ssize_t len, c;
	int fd, n, i, r = -1;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = sys.open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	len = sys.read(fd, args, sizeof(args) - 1);
	sys.close(fd);
	if (len <= 0)
		return -1;
	args[len] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	c = readlink(path, cwd, sizeof(cwd) - 1);
	cwd[c > 0 ? c : 0] = '\0';
	n = plugin_dir_args(dirs, 4, args, (size_t)len);
	for (i = 0; i < n && r != 0; i++) {
		if (dirs[i][0] == '/')
			snprintf(bin, sizeof(bin), "%s/bin", dirs[i]);
		else if (cwd[0] != '\0')
			snprintf(bin, sizeof(bin), "%s/%s/bin", cwd, dirs[i]);
		else
			continue;
		if (strlen(bin) < PATH_MAX && plugin_root_of(out, bin) == 0)
			r = 0;
	}
	return r;
}

enum plugin_build
plugin_build_state(const char *root)
{
	char path[PATH_MAX + 64];
	struct stat st;

	snprintf(path, sizeof(path), "%s/bin/.placeholder", root);
	if (sys.lstat(path, &st) == 0)
		return PLUGIN_PLACEHOLDER;
	snprintf(path, sizeof(path), "%s/bin/.stamp", root);
	if (sys.lstat(path, &st) == 0)
		return PLUGIN_BUILT;
	return PLUGIN_UNBUILT;
}
