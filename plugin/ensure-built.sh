#!/bin/sh
# plugin/ensure-built.sh - the plugin's SessionStart hook: makes sure the
# programs are built, then runs session-start in its place.
#
# A plugin is copied, not built: `claude plugin install` copies the source
# tree into ~/.claude/plugins/cache/<marketplace>/session-lock/<version>/,
# and `claude --plugin-dir DIR` uses DIR as it is. The hooks of plugin/
# hooks.json run the programs in <root>/bin, so this script, the plugin's
# only SessionStart hook, builds them there before the session's first tool
# call (the client waits for SessionStart hooks before the first request).
# It must be the one that also runs session-start: the client starts all
# hooks of an event at once, so a second SessionStart entry would race the
# build.
#
#   - up to date (every program is there, and bin/.stamp is newer than the
#     sources, or holds their checksum): exec bin/session-start at once,
#     without starting another process;
#   - otherwise, under an flock (two sessions starting together build once:
#     the second waits, then finds it built), `make` builds into a temporary
#     directory, and each program is renamed into bin/, so a hook starting
#     meanwhile runs a whole old or a whole new program, never half of one;
#   - cannot build (a build dependency is missing, the build fails or takes
#     longer than BUILD_LIMIT): the hooks must neither fail nor block on
#     every tool call, so a missing program is replaced by a placeholder
#     that lets every tool run, and the user is told once, at the start, in
#     a systemMessage, what to install or where the build log is. The next
#     start tries again (a failed build only after the sources changed).
#
# File times alone cannot say that bin/ is current: the copy `claude plugin
# install` makes gives every file a new time, in any order. They only say
# when the checksum of the sources need not be taken.
# Everything this script writes stays inside the plugin directory (bin/,
# build/plugin/), so it goes with the plugin when the client removes it.
#
# Exit status: always 0 (a SessionStart hook cannot stop a session; the
# user is told instead), or session-start's own.

BUILD_LIMIT=${SESSION_LOCK_BUILD_LIMIT:-540}	# seconds; the hook's timeout is 600
PROGRAMS="pretooluse-lock posttooluse-refresh stop-release session-start session-lock"

root=$(cd "${0%/*}/.." && pwd -P) || exit 0
bin=$root/bin
state=$root/build/plugin

# The user sees a systemMessage at the start of the session; the model never
# does. One JSON object on stdout, exit 0.
tell() {
	msg=$(printf '%s' "session-lock: $1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\n\t' '  ')
	printf '{"systemMessage": "%s"}\n' "$msg"
	exit 0
}

# The checksum of what the build reads (names and contents).
stamp() {
	(
		cd "$root" || exit 1
		set -- Makefile core/*.[ch] cli/*.[ch] hooks/*.c
		{ printf '%s\n' "$@"; cat "$@"; } | cksum
	)
}

# Are all programs in bin/ real and built from these sources? First the
# cheap way, with no process started: no source newer than bin/.stamp (test's
# -nt, a shell builtin; a shell without it takes the checksum). Else the
# checksum decides, and a match renews the stamp's time (a copy with new
# file times), so that the next start takes the cheap way again.
current() {
	[ -f "$bin/.stamp" ] && [ ! -e "$bin/.placeholder" ] || return 1
	for p in $PROGRAMS; do
		[ -x "$bin/$p" ] || return 1
	done
	for f in "$root"/Makefile "$root"/core/*.[ch] "$root"/cli/*.[ch] "$root"/hooks/*.c; do
		# shellcheck disable=SC3013 # not POSIX, but dash, bash and busybox have it; without it: the checksum
		if [ "$bin/.stamp" -nt "$f" ]; then :; else
			[ -n "$now" ] || now=$(stamp) || return 1
			read -r built < "$bin/.stamp" || return 1
			[ "$built" = "$now" ] || return 1
			touch "$bin/.stamp" 2>/dev/null
			return 0
		fi
	done
}

# session-start takes over stdin (the hook input) and stdout.
run_session_start() {
	[ -x "$bin/session-start" ] && exec "$bin/session-start"
	exit 0
}

# Puts a placeholder where a program is missing: a hook that exits at once,
# so the tool runs and nothing is printed, and a session-lock that says why
# it cannot work. Real programs, even out-of-date ones, are kept: an old
# lock is better than none. bin/.placeholder says that one is there.
placeholders() {
	mkdir -p "$bin" || return 1
	for p in $PROGRAMS; do
		[ -x "$bin/$p" ] && continue
		: > "$bin/.placeholder"
		if [ "$p" = session-lock ]; then
			printf '#!/bin/sh\necho "session-lock: not built (%s): start a new Claude Code session to build it" >&2\nexit 3\n' \
				"$(printf '%s' "$1" | tr -d '"\\%$`')" > "$bin/.$p.tmp"
		else
			printf '#!/bin/sh\nexit 0\n' > "$bin/.$p.tmp"
		fi
		chmod 755 "$bin/.$p.tmp" && mv -f "$bin/.$p.tmp" "$bin/$p"
	done
}

now=
current && run_session_start
[ -n "$now" ] || now=$(stamp) || tell "cannot read the sources in '$root'; the lock is off in this session"

mkdir -p "$state" 2>/dev/null ||
	tell "cannot build in '$root' (not writable); the lock is off in this session"
if command -v flock >/dev/null 2>&1; then
	exec 9>"$state/lock"
	flock -w "$BUILD_LIMIT" 9 ||
		tell "another session's build did not finish within $BUILD_LIMIT s; the lock is off in this session"
	# Another session may have built while this one waited.
	current && run_session_start
	# Left by a build that was killed (at the hook's timeout): no one uses it now.
	rm -rf "$state"/tmp.*
fi

missing=$(bash "$root/install.sh" --missing-deps 2>/dev/null)
if [ -n "$missing" ]; then
	placeholders "missing build dependencies: $missing"
	if command -v apt-get >/dev/null 2>&1; then
		sudo=
		[ "$(id -u)" = 0 ] || sudo="sudo "
		how="${sudo}apt-get install -y $missing"
	else
		how="a C compiler, make, pkg-config and the cJSON, PCRE2 and nettle development files ($missing)"
	fi
	[ -e "$bin/.placeholder" ] &&
		tell "the lock is OFF: its programs cannot be built, the build dependencies are missing. Install them: $how -- then start a new session, which builds them. Until then every tool runs unchecked."
	tell "the programs in '$bin' are out of date and cannot be rebuilt: install $how, then start a new session"
fi

log=$state/last-build.log
# A build that failed or ran out of time ($1): with placeholders the lock is
# off; with real programs from older sources, those stay in use.
failed() {
	if [ -e "$bin/.placeholder" ]; then
		tell "the lock is OFF: $1 (log: $log). $2"
	fi
	tell "its programs are out of date: $1 (log: $log), so the previous ones stay in use. $2"
}
retry="Run 'make -C $root' to see why; remove '$state/failed' to try again at the next start."
if [ -f "$state/failed" ] && [ "$(cat "$state/failed")" = "$now" ]; then
	failed "its build failed" "$retry"
fi

# If the client kills this hook at its timeout, the tools must still find
# something to run in bin/.
placeholders "its first build is under way or was cut short"
tmp=$(mktemp -d "$state/tmp.XXXXXX") || tell "cannot create a build directory in '$state'; the lock is off in this session"
# --foreground keeps make in this hook's process group, which the client
# kills at the hook's timeout (timeout(1) would otherwise move it to a group
# of its own, and the build would outlive the hook).
limit=
timeout --foreground 1 true 2>/dev/null && limit="timeout --foreground $BUILD_LIMIT"
t0=$(date +%s)
# stdin is the hook input, which session-start reads: make must not. Nor
# does it need the lock's descriptor.
$limit make -C "$root" -j"$(nproc 2>/dev/null || echo 2)" BIN="$tmp/bin" OBJ="$tmp/obj" all \
	</dev/null >"$log" 2>&1 9>&-
status=$?
if [ "$status" = 0 ]; then
	mkdir -p "$bin" || tell "cannot create '$bin'; the lock is off in this session"
	for p in $PROGRAMS; do
		mv -f "$tmp/bin/$p" "$bin/$p" || tell "cannot install '$bin/$p'; the lock is off in this session"
	done
	rm -f "$bin/.placeholder" "$state/failed"
	printf '%s\n' "$now" > "$bin/.stamp.tmp" && mv -f "$bin/.stamp.tmp" "$bin/.stamp"
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) built in $(($(date +%s) - t0)) s" >> "$state/builds.log"
	rm -rf "$tmp"
	run_session_start
fi
rm -rf "$tmp"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) build failed with status $status after $(($(date +%s) - t0)) s" >> "$state/builds.log"
if [ "$status" = 124 ]; then
	failed "building its programs took longer than $BUILD_LIMIT s (a busy machine?)" \
		"The next start tries again."
fi
printf '%s\n' "$now" > "$state/failed"
failed "its build failed" "$retry"
