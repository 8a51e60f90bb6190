/*
 * test_plugin.c - the plugin: its hooks file against settings/hooks.json
 * (so the two registrations cannot drift apart), its manifests, and how
 * `session-lock doctor` finds its installs (plugin.h).
 */
#include "unit.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugin.h"
#include "settings.h"

#define ROOT_VAR "${CLAUDE_PLUGIN_ROOT}"

/* The file at root-relative path rel, NUL-terminated, or NULL when absent. */
static char *
slurp(const char *rel)
{
	const char *root = getenv("SL_ROOT");
	char path[PATH_MAX];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", root != NULL ? root : ".", rel);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	ck_assert(fseek(f, 0, SEEK_END) == 0);
	n = ftell(f);
	ck_assert(n >= 0 && fseek(f, 0, SEEK_SET) == 0);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static cJSON *
json_file(const char *rel)
{
	char *text = slurp(rel);
	cJSON *j;

	ck_assert_msg(text != NULL, "cannot read %s", rel);
	j = cJSON_Parse(text);
	ck_assert_msg(j != NULL, "%s is not valid JSON", rel);
	free(text);
	return j;
}

static const char *
str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *
base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* ensure-built.sh's own time limit for the build, in seconds. */
static int
build_limit(void)
{
	char *text = slurp("plugin/ensure-built.sh");
	const char *p;
	int n = -1;

	ck_assert_ptr_nonnull(text);
	p = strstr(text, "\nBUILD_LIMIT=${SESSION_LOCK_BUILD_LIMIT:-");
	ck_assert_msg(p != NULL, "ensure-built.sh sets no BUILD_LIMIT");
	ck_assert_int_eq(sscanf(p + strlen("\nBUILD_LIMIT=${SESSION_LOCK_BUILD_LIMIT:-"), "%d", &n), 1);
	free(text);
	return n;
}

/* --- the hooks file ------------------------------------------------------------ */

/*
 * Event for event, group for group, entry for entry: the same events in the
 * same order, the same matchers and time limits, the same programs, now in
 * the plugin's bin/, in the exec form. The one difference is SessionStart,
 * which runs ensure-built.sh (it builds, then runs session-start) with a
 * time limit that covers the build.
 */
START_TEST(hooks_file_matches_the_settings_template)
{
	cJSON *want = json_file("settings/hooks.json"), *got = json_file("plugin/hooks.json");
	const cJSON *wh = cJSON_GetObjectItemCaseSensitive(want, "hooks");
	const cJSON *gh = cJSON_GetObjectItemCaseSensitive(got, "hooks");
	const cJSON *we, *ge, *wg, *gg, *wx, *gx, *args;
	char exe[PATH_MAX];
	int limit = build_limit(), nw, ng;

	ck_assert(cJSON_IsObject(wh) && cJSON_IsObject(gh));
	ck_assert_int_eq(cJSON_GetArraySize(gh), cJSON_GetArraySize(wh));
	for (we = wh->child, ge = gh->child; we != NULL; we = we->next, ge = ge->next) {
		const int start = strcmp(we->string, "SessionStart") == 0;

		ck_assert_ptr_nonnull(ge);
		ck_assert_str_eq(ge->string, we->string);
		ck_assert_int_eq(cJSON_GetArraySize(ge), cJSON_GetArraySize(we));
		for (wg = we->child, gg = ge->child; wg != NULL; wg = wg->next, gg = gg->next) {
			const char *wm = str(wg, "matcher"), *gm = str(gg, "matcher");

			ck_assert_msg((wm == NULL) == (gm == NULL) && (wm == NULL || strcmp(wm, gm) == 0),
			    "%s: matcher %s, settings/hooks.json has %s", we->string,
			    gm != NULL ? gm : "(none)", wm != NULL ? wm : "(none)");
			nw = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(wg, "hooks"));
			ng = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(gg, "hooks"));
			ck_assert_int_eq(ng, nw);
			wx = cJSON_GetObjectItemCaseSensitive(wg, "hooks")->child;
			gx = cJSON_GetObjectItemCaseSensitive(gg, "hooks")->child;
			for (; wx != NULL; wx = wx->next, gx = gx->next) {
				const int wt = cJSON_GetObjectItemCaseSensitive(wx, "timeout")->valueint;
				const cJSON *t = cJSON_GetObjectItemCaseSensitive(gx, "timeout");

				ck_assert_str_eq(str(gx, "type"), "command");
				args = cJSON_GetObjectItemCaseSensitive(gx, "args");
				ck_assert_msg(cJSON_IsArray(args) && cJSON_GetArraySize(args) == 0,
				    "%s: not the exec form (\"args\": [])", we->string);
				ck_assert(cJSON_IsNumber(t));
				if (start) {
					ck_assert_str_eq(str(gx, "command"),
					    ROOT_VAR "/plugin/ensure-built.sh");
					/* the build, then session-start's own limit */
					ck_assert_int_ge(t->valueint, limit + wt);
					ck_assert_int_le(t->valueint, 600);	/* the client's cap */
				} else {
					snprintf(exe, sizeof(exe), ROOT_VAR "/bin/%s",
					    base(str(wx, "command")));
					ck_assert_str_eq(str(gx, "command"), exe);
					ck_assert_int_eq(t->valueint, wt);
				}
			}
		}
	}
	ck_assert_ptr_null(ge);
	cJSON_Delete(want);
	cJSON_Delete(got);
}
END_TEST

/* And so against the table install writes: every registration is in the plugin's file. */
START_TEST(hooks_file_has_every_registration)
{
	cJSON *got = json_file("plugin/hooks.json");
	const cJSON *ev, *g, *e;
	char exe[PATH_MAX];
	size_t i;
	int found;

	for (i = 0; i < settings_nhooks; i++) {
		const struct settings_hook *h = &settings_hooks[i];

		ev = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(got, "hooks"),
		    h->event);
		ck_assert_msg(cJSON_IsArray(ev), "plugin/hooks.json lacks %s", h->event);
		snprintf(exe, sizeof(exe), ROOT_VAR "/bin/%s", h->program);
		if (strcmp(h->event, "SessionStart") == 0)
			snprintf(exe, sizeof(exe), ROOT_VAR "/plugin/ensure-built.sh");
		found = 0;
		cJSON_ArrayForEach(g, ev) {
			if ((h->matcher == NULL) != (str(g, "matcher") == NULL) ||
			    (h->matcher != NULL && strcmp(h->matcher, str(g, "matcher")) != 0))
				continue;
			cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(g, "hooks"))
				if (str(e, "command") != NULL && strcmp(str(e, "command"), exe) == 0)
					found++;
		}
		ck_assert_msg(found == 1, "%s runs %s %d times", h->event, exe, found);
	}
	cJSON_Delete(got);
}
END_TEST

/*
 * The client reads a plugin's hooks/hooks.json by default; ours holds the
 * C sources of the hooks, and the manifest names plugin/hooks.json instead.
 */
START_TEST(manifest_names_the_hooks_file_outside_hooks_dir)
{
	cJSON *m = json_file(".claude-plugin/plugin.json");
	char *text;

	ck_assert_str_eq(str(m, "name"), PLUGIN_NAME);
	ck_assert_str_eq(str(m, "hooks"), "./plugin/hooks.json");
	/* the cache directory of an install is named by it: a new version must change it */
	ck_assert_str_eq(str(m, "version"), SESSION_LOCK_VERSION);
	ck_assert_ptr_nonnull(str(m, "description"));
	text = slurp("hooks/hooks.json");
	ck_assert_msg(text == NULL, "hooks/hooks.json exists: the client would load it too");
	cJSON_Delete(m);
}
END_TEST

START_TEST(marketplace_lists_the_plugin_in_place)
{
	char *text = slurp(".claude-plugin/marketplace.json");
	char out[PATH_MAX];
	cJSON *m;

	ck_assert_ptr_nonnull(text);
	m = cJSON_Parse(text);
	ck_assert_str_eq(str(m, "name"), PLUGIN_NAME);
	ck_assert_int_eq(plugin_listed_path(out, "/src/repo", text, strlen(text)), 0);
	ck_assert_str_eq(out, "/src/repo");
	cJSON_Delete(m);
	free(text);
}
END_TEST

/* --- where the client records installs --------------------------------------- */

static const char installed[] =
    "{\"version\": 2, \"plugins\": {"
    "\"other@mkt\": [{\"scope\": \"user\", \"installPath\": \"/c/other\"}],"
    "\"session-lock-extra@mkt\": [{\"scope\": \"user\", \"installPath\": \"/c/x\"}],"
    "\"session-lock@mkt\": ["
    " {\"scope\": \"project\", \"projectPath\": \"/p\", \"installPath\": \"/c/mkt/1\", \"version\": \"1.0.0\"},"
    " {\"scope\": \"local\", \"projectPath\": \"/q\", \"installPath\": \"/c/mkt/1\"},"
    " {\"scope\": \"user\", \"installPath\": \"/c/mkt/1\"},"
    " {\"scope\": \"user\"}],"
    "\"session-lock@other\": [{\"scope\": \"user\", \"installPath\": \"/c/other/1\"}]}}";

START_TEST(installs_of_ours_in_every_marketplace)
{
	struct plugin_install in[PLUGIN_MAX];
	int n = plugin_parse_installs(in, PLUGIN_MAX, installed, strlen(installed), "/p/sub");

	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(in[0].id, "session-lock@mkt");
	ck_assert_str_eq(in[0].scope, "project");
	ck_assert_str_eq(in[0].project, "/p");
	ck_assert_str_eq(in[0].path, "/c/mkt/1");
	ck_assert_int_eq(in[0].applies, 1);	/* /p/sub is inside /p */
	ck_assert_int_eq(in[1].applies, 0);	/* another project */
	ck_assert_str_eq(in[2].scope, "user");
	ck_assert_int_eq(in[2].applies, 1);
	ck_assert_str_eq(in[3].id, "session-lock@other");
	ck_assert_int_eq(in[3].enabled, 1);
	ck_assert_int_eq(plugin_parse_installs(in, 2, installed, strlen(installed), "/"), 2);
	ck_assert_int_eq(plugin_parse_installs(in, PLUGIN_MAX, installed, strlen(installed), "/pp"), 4);
	ck_assert_int_eq(in[0].applies, 0);	/* /pp is not inside /p */
	ck_assert_int_eq(plugin_parse_installs(in, PLUGIN_MAX, "[]", 2, "/"), -1);
	ck_assert_int_eq(plugin_parse_installs(in, PLUGIN_MAX, "{", 1, "/"), -1);
	ck_assert_int_eq(plugin_parse_installs(in, PLUGIN_MAX, "{\"plugins\": {}}", 15, "/"), 0);
}
END_TEST

START_TEST(enabled_as_a_settings_file_says)
{
	static const char on[] = "{\"enabledPlugins\": {\"session-lock@mkt\": true}}";
	static const char off[] = "{\"model\": 1, \"enabledPlugins\": {\"session-lock@mkt\": false}}";
	static const char other[] = "{\"enabledPlugins\": {\"session-lock@x\": false}}";

	ck_assert_int_eq(plugin_enabled_in(on, strlen(on), "session-lock@mkt"), 1);
	ck_assert_int_eq(plugin_enabled_in(off, strlen(off), "session-lock@mkt"), 0);
	ck_assert_int_eq(plugin_enabled_in(other, strlen(other), "session-lock@mkt"), -1);
	ck_assert_int_eq(plugin_enabled_in("{}", 2, "session-lock@mkt"), -1);
	ck_assert_int_eq(plugin_enabled_in("{", 1, "session-lock@mkt"), -1);
	ck_assert_int_eq(plugin_enabled_in(NULL, 0, "session-lock@mkt"), -1);
}
END_TEST

START_TEST(local_marketplace_runs_in_place)
{
	static const char known[] =
	    "{\"dir\": {\"source\": {\"source\": \"directory\", \"path\": \"/src/r\"}, \"installLocation\": \"/src/r\"},"
	    " \"gh\": {\"source\": {\"source\": \"github\", \"repo\": \"o/r\"}, \"installLocation\": \"/h/.claude/plugins/marketplaces/gh\"}}";
	static const char sub[] = "{\"plugins\": [{\"name\": \"x\", \"source\": \"./x\"}, {\"name\": \"session-lock\", \"source\": \"./tools/lock/\"}]}";
	static const char git[] = "{\"plugins\": [{\"name\": \"session-lock\", \"source\": {\"source\": \"url\", \"url\": \"https://e/r.git\"}}]}";
	static const char up[] = "{\"plugins\": [{\"name\": \"session-lock\", \"source\": \"./../elsewhere\"}]}";
	char out[PATH_MAX];

	ck_assert_int_eq(plugin_marketplace_dir(out, known, strlen(known), "dir"), 0);
	ck_assert_str_eq(out, "/src/r");
	ck_assert_int_eq(plugin_marketplace_dir(out, known, strlen(known), "gh"), -1);
	ck_assert_int_eq(plugin_marketplace_dir(out, known, strlen(known), "none"), -1);
	ck_assert_int_eq(plugin_listed_path(out, "/src/r", sub, strlen(sub)), 0);
	ck_assert_str_eq(out, "/src/r/tools/lock");
	ck_assert_int_eq(plugin_listed_path(out, "/src/r", git, strlen(git)), -1);
	ck_assert_int_eq(plugin_listed_path(out, "/src/r", up, strlen(up)), -1);
	ck_assert_int_eq(plugin_listed_path(out, "/src/r", "{}", 2), -1);
}
END_TEST

static void
put(const char *dir, const char *rel, const char *text)
{
	char path[PATH_MAX], *slash;
	FILE *f;

	unit_path(path, dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash != NULL; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0700);
		*slash = '/';
	}
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The most specific settings file that names the plugin decides; the root follows a local marketplace. */
START_TEST(installs_from_the_files_of_a_home)
{
	struct plugin_install in[PLUGIN_MAX];
	char home[PATH_MAX], ws[PATH_MAX], text[3 * PATH_MAX], repo[PATH_MAX];

	unit_scratch(home, "plugin");
	unit_path(ws, home, "ws");
	unit_path(repo, home, "repo");
	mkdir(ws, 0700);
	mkdir(repo, 0700);
	ck_assert_int_eq(plugin_installs(in, PLUGIN_MAX, home, ws), 0);	/* nothing installed */
	snprintf(text, sizeof(text), "{\"plugins\": {\"session-lock@loc\": [{\"scope\": \"user\", "
	    "\"installPath\": \"%s/cache/1\"}]}}", home);
	put(home, ".claude/plugins/installed_plugins.json", text);
	ck_assert_int_eq(plugin_installs(in, PLUGIN_MAX, home, ws), 1);
	ck_assert_int_eq(in[0].enabled, 1);	/* named nowhere */
	ck_assert_str_eq(in[0].root, in[0].path);	/* no known marketplace: the copy */
	put(home, ".claude/settings.json", "{\"enabledPlugins\": {\"session-lock@loc\": false}}");
	ck_assert_int_eq(plugin_installs(in, PLUGIN_MAX, home, ws), 1);
	ck_assert_int_eq(in[0].enabled, 0);
	put(ws, ".claude/settings.json", "{\"enabledPlugins\": {\"session-lock@loc\": true}}");
	ck_assert_int_eq(plugin_installs(in, PLUGIN_MAX, home, ws), 1);
	ck_assert_int_eq(in[0].enabled, 1);
	put(ws, ".claude/settings.local.json", "{\"enabledPlugins\": {\"session-lock@loc\": false}}");
	ck_assert_int_eq(plugin_installs(in, PLUGIN_MAX, home, ws), 1);
	ck_assert_int_eq(in[0].enabled, 0);
	snprintf(text, sizeof(text), "{\"loc\": {\"source\": {\"source\": \"directory\", \"path\": \"%s\"}, "
	    "\"installLocation\": \"%s\"}}", repo, repo);
	put(home, ".claude/plugins/known_marketplaces.json", text);
	put(repo, ".claude-plugin/marketplace.json", "{\"plugins\": [{\"name\": \"session-lock\", \"source\": \"./\"}]}");
	ck_assert_int_eq(plugin_installs(in, PLUGIN_MAX, home, ws), 1);
	ck_assert_str_eq(in[0].root, repo);
	put(home, ".claude/plugins/installed_plugins.json", "{\"plugins\": ");
	ck_assert_int_eq(plugin_installs(in, PLUGIN_MAX, home, ws), -1);
	unit_remove_tree(home);
}
END_TEST

START_TEST(root_and_build_state_of_a_plugin_dir)
{
	char dir[PATH_MAX], bin[PATH_MAX], out[PATH_MAX];

	unit_scratch(dir, "plugin");
	unit_path(bin, dir, "bin");
	mkdir(bin, 0700);
	ck_assert_int_eq(plugin_root_of(out, bin), -1);	/* no manifest */
	put(dir, ".claude-plugin/plugin.json", "{\"name\": \"someone-else\"}");
	ck_assert_int_eq(plugin_root_of(out, bin), -1);
	put(dir, ".claude-plugin/plugin.json", "{\"name\": \"session-lock\", \"version\": \"1\"}");
	ck_assert_int_eq(plugin_root_of(out, bin), 0);
	ck_assert_str_eq(out, dir);
	ck_assert_int_eq(plugin_root_of(out, dir), -1);	/* not a bin/ */
	ck_assert_int_eq(plugin_build_state(dir), PLUGIN_UNBUILT);
	put(dir, "bin/.stamp", "1 2\n");
	ck_assert_int_eq(plugin_build_state(dir), PLUGIN_BUILT);
	put(dir, "bin/.placeholder", "");
	ck_assert_int_eq(plugin_build_state(dir), PLUGIN_PLACEHOLDER);
	unit_remove_tree(dir);
}
END_TEST

START_TEST(plugin_dirs_of_a_command_line)
{
	static const char args[] = "claude\0--plugin-dir\0/a b/c\0-p\0hi --plugin-dir x\0"
	    "--plugin-dir=rel/d\0--plugin-dirx\0y\0--plugin-dir";
	char out[4][PATH_MAX];

	ck_assert_int_eq(plugin_dir_args(out, 4, args, sizeof(args)), 2);
	ck_assert_str_eq(out[0], "/a b/c");
	ck_assert_str_eq(out[1], "rel/d");
	ck_assert_int_eq(plugin_dir_args(out, 1, args, sizeof(args)), 1);
	ck_assert_int_eq(plugin_dir_args(out, 4, "claude\0-p", 10), 0);
	/* the last word without its NUL: not a whole argument */
	ck_assert_int_eq(plugin_dir_args(out, 4, "--plugin-dir\0/x", 15), 0);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("plugin");
	TCase *tc = tcase_create("plugin");

	tcase_add_test(tc, hooks_file_matches_the_settings_template);
	tcase_add_test(tc, hooks_file_has_every_registration);
	tcase_add_test(tc, manifest_names_the_hooks_file_outside_hooks_dir);
	tcase_add_test(tc, marketplace_lists_the_plugin_in_place);
	tcase_add_test(tc, installs_of_ours_in_every_marketplace);
	tcase_add_test(tc, enabled_as_a_settings_file_says);
	tcase_add_test(tc, local_marketplace_runs_in_place);
	tcase_add_test(tc, installs_from_the_files_of_a_home);
	tcase_add_test(tc, root_and_build_state_of_a_plugin_dir);
	tcase_add_test(tc, plugin_dirs_of_a_command_line);
	suite_add_tcase(s, tc);
	return s;
}
