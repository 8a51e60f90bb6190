/*
 * client.h - which Claude Code the user runs, so that the hooks are
 * registered only for events that client knows.
 *
 * Why it matters: a client given a settings file with a hook event it does
 * not know skips that entry, and its interactive terminal shows a blocking
 * "Settings Warning" dialog about it at every start (measured: 2.1.330 with
 * a PreSkillShellCommand hook). So an event newer than the oldest client we
 * support is registered only for a client known to have it.
 *
 * Versions are "MAJOR.MINOR.PATCH" as `claude --version` prints them
 * ("2.1.332 (Claude Code)"); anything after the three numbers is ignored.
 */
#ifndef SL_CLIENT_H
#define SL_CLIENT_H

#define CLIENT_VERSION_MAX 32

/* How long `claude --version` may take (a cold start of the native binary takes a second or two). */
#define CLIENT_TIMEOUT_MS 20000

/*
 * Copies the version at the start of text ("2.1.332" of "2.1.332 (Claude
 * Code)\n", leading white space skipped) into out. Returns 0, or -1 when
 * text does not start with three dot-separated numbers.
 */
int client_parse(char out[CLIENT_VERSION_MAX], const char *text);

/*
 * Compares two versions number by number. Returns <0, 0 or >0 as a is
 * before, the same as, or after b; a version that does not parse comes
 * before every one that does.
 */
int client_compare(const char *a, const char *b);

/*
 * Runs `claude --version` (the first claude on PATH, stdin and stderr on
 * /dev/null) and parses what it prints into out. Returns 0, or -1 with
 * err_set() when there is no claude on PATH, it cannot be started, exits
 * with a failure, prints no version, or takes longer than
 * CLIENT_TIMEOUT_MS (it is then killed).
 */
int client_version(char out[CLIENT_VERSION_MAX]);

#endif
