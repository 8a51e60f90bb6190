#!/usr/bin/env bash
# The plugin (issue 13): plugin/ensure-built.sh, its SessionStart hook, in a
# copy of the source tree as `claude plugin install` makes it: builds bin/
# once (also when two sessions start together), runs session-start with the
# hook's input, rebuilds when the sources change (not their file times),
# and, when it cannot build (missing dependencies, a failing or slow build,
# a build killed midway), leaves placeholders that let every tool run and
# says what to do in one systemMessage. Then: doctor and the plugin's
# installs; and the same call run by both registrations (install.sh's and
# the plugin's) at once, which must be harmless.
#
# `make` is a stand-in here that copies the programs `make test` built
# ($SL_BIN) into its BIN= directory, and dpkg-query one that says which
# build dependencies are installed: the logic is under test, not the
# compiler (the real build runs in the e2e suite, tests/e2e).
. "$(dirname "$0")/../lib.sh"
# As after ./install.sh: `session-lock` is on PATH (doctor checks it).
export PATH=$SL_BIN:$PATH

A=aaaaaaaa-1111-4111-8111-111111111111
B=bbbbbbbb-2222-4222-8222-222222222222
PROGRAMS="pretooluse-lock posttooluse-refresh stop-release session-start session-lock"

# The stand-ins, first on PATH when the script runs.
FAKE=$T_ROOT/fakebin
mkdir -p "$FAKE"
cat > "$FAKE/make" <<'EOF'
#!/bin/sh
# make -C ROOT -jN BIN=DIR OBJ=DIR all: copies the real programs into DIR.
echo "make $*" >> "$MAKE_LOG"
[ -z "${FAKE_MAKE_SLEEP:-}" ] || sleep "$FAKE_MAKE_SLEEP"
[ -z "${FAKE_MAKE_FAIL:-}" ] || { echo "cc: error: boom" >&2; exit 2; }
for a; do case $a in BIN=*) bin=${a#BIN=} ;; esac; done
mkdir -p "$bin" && cp "$SL_BIN"/pretooluse-lock "$SL_BIN"/posttooluse-refresh \
	"$SL_BIN"/stop-release "$SL_BIN"/session-start "$SL_BIN"/session-lock "$bin"/
EOF
cat > "$FAKE/dpkg-query" <<'EOF'
#!/bin/sh
# dpkg-query -W -f=... PACKAGE...: every package but those in $FAKE_MISSING is installed.
for p; do
	case $p in -*) continue ;; esac
	case " ${FAKE_MISSING:-} " in *" $p "*) ;; *) echo "$p install ok installed" ;; esac
done
EOF
chmod +x "$FAKE/make" "$FAKE/dpkg-query"

# root: a copy of what the plugin ships, at $R (a fresh one per case).
root() {
	R=$T/plugin
	mkdir -p "$R"
	cp -r "$SL_ROOT"/Makefile "$SL_ROOT"/core "$SL_ROOT"/cli "$SL_ROOT"/hooks \
		"$SL_ROOT"/install.sh "$SL_ROOT"/plugin "$SL_ROOT"/.claude-plugin "$R"/
	export MAKE_LOG=$T/make.log
	: > "$MAKE_LOG"
}

# start SESSION [PID]: the plugin's SessionStart hook as the client runs it
# (the hook input on stdin, CLAUDE_PID set); sets RC, OUT, ERR.
start() {
	fx SessionStart "$1" | CLAUDE_PID=${2:-$$} PATH="$FAKE:$PATH" "$R/plugin/ensure-built.sh" \
		> "$T/.out" 2> "$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}

builds() { grep -c . "$MAKE_LOG"; }
# message: the systemMessage of OUT, which must be the only thing on stdout.
message() {
	printf '%s\n' "$OUT" > "$T/.msg.json"
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || t_fail "stdout is not one JSON line: $OUT"
	json_get "$T/.msg.json" systemMessage || t_fail "stdout has no systemMessage: $OUT"
}
assert_built() {
	local p
	for p in $PROGRAMS; do
		cmp -s "$R/bin/$p" "$SL_BIN/$p" || t_fail "bin/$p is not the built program"
	done
	assert_file "$R/bin/.stamp"
	assert_no_file "$R/bin/.placeholder"
	[ -z "$(ls -d "$R"/build/plugin/tmp.* 2>/dev/null)" ] || t_fail "a temporary build directory is left"
}
assert_placeholders() {
	local p
	assert_file "$R/bin/.placeholder"
	for p in $PROGRAMS; do
		[ -x "$R/bin/$p" ] || t_fail "bin/$p is missing: a hook would fail on every tool call"
	done
}
# A placeholder hook lets the tool run and prints nothing; no lock is taken.
assert_hooks_let_tools_run() {
	local p f
	for p in pretooluse-lock:PreToolUse.Write posttooluse-refresh:PostToolUse.Write stop-release:Stop; do
		f=${p#*:}; p=${p%:*}
		fx "$f" "$A" | CLAUDE_PID=$$ "$R/bin/$p" > "$T/.o" 2> "$T/.e"
		assert_eq "$?" 0 "placeholder $p status"
		[ ! -s "$T/.o" ] && [ ! -s "$T/.e" ] || t_fail "placeholder $p printed: $(cat "$T/.o" "$T/.e")"
	done
	assert_no_file "$(lock_file)"
}

t_begin "first start: builds bin/ once, then runs session-start with the hook's input"
root
spawn_owner; disown "$OWNER_PID"
put_record held "$B" "$OWNER_PID"
start "$A"
assert_rc 0
assert_eq "$(builds)" 1 "builds"
assert_built
assert_out_has "additionalContext"
assert_out_has "pid $OWNER_PID"
assert_file_has "$R/build/plugin/builds.log" "built in"
start "$A"
assert_rc 0
assert_eq "$(builds)" 1 "builds after a second start"
assert_out_has "pid $OWNER_PID"
t_end

t_begin "up to date: the same sources with new file times are not rebuilt, a changed source is"
root
start "$A"
assert_eq "$(builds)" 1 "builds"
sleep 1.1
find "$R" -type f -exec touch {} +
start "$A"
assert_rc 0
assert_out_empty
assert_eq "$(builds)" 1 "builds after touching every file"
echo "/* a change */" >> "$R/core/lock.c"
start "$A"
assert_rc 0
assert_out_empty
assert_eq "$(builds)" 2 "builds after a change"
assert_built
t_end

t_begin "two sessions starting together build once; the other waits and finds it built"
root
export FAKE_MAKE_SLEEP=1
start "$A" & p1=$!
start "$B" & p2=$!
wait "$p1"; r1=$?
wait "$p2"; r2=$?
unset FAKE_MAKE_SLEEP
assert_eq "$r1 $r2" "0 0" "statuses"
assert_eq "$(builds)" 1 "builds"
assert_eq "$(grep -c 'built in' "$R/build/plugin/builds.log")" 1 "builds.log lines"
assert_built
t_end

t_begin "during the first build, bin/ holds placeholders: tools run, session-lock says why"
root
export FAKE_MAKE_SLEEP=3
start "$A" & p1=$!
until_true 10 test -s "$MAKE_LOG"
assert_placeholders
assert_hooks_let_tools_run
"$R/bin/session-lock" status > "$T/.o" 2>&1
assert_eq "$?" 3 "placeholder session-lock status"
assert_file_has "$T/.o" "not built"
wait "$p1"
unset FAKE_MAKE_SLEEP
assert_built
t_end

t_begin "missing build dependencies: placeholders, one systemMessage naming them, every tool runs"
root
FAKE_MISSING="gcc nettle-dev" start "$A"
assert_rc 0
assert_err_empty
msg=$(message)
case $msg in *"lock is OFF"*"gcc nettle-dev"*) ;; *) t_fail "the message does not name what to install: $msg" ;; esac
if command -v apt-get > /dev/null; then
	case $msg in *"apt-get install -y gcc nettle-dev"*) ;; *) t_fail "no apt-get command: $msg" ;; esac
fi
assert_eq "$(builds)" 0 "builds"
assert_placeholders
assert_hooks_let_tools_run
"$R/bin/session-lock" status > "$T/.o" 2>&1
assert_file_has "$T/.o" "gcc nettle-dev"
# once they are installed, the next start builds
start "$A"
assert_rc 0
assert_out_empty
assert_eq "$(builds)" 1 "builds"
assert_built
t_end

t_begin "out of date and the dependencies gone: the old programs are kept, and the user is told"
root
start "$A"
echo "/* a change */" >> "$R/core/lock.c"
FAKE_MISSING=gcc start "$A"
assert_rc 0
case $(message) in *"out of date"*gcc*) ;; *) t_fail "message: $OUT" ;; esac
assert_eq "$(builds)" 1 "builds"
cmp -s "$R/bin/pretooluse-lock" "$SL_BIN/pretooluse-lock" || t_fail "the built pretooluse-lock was replaced"
assert_no_file "$R/bin/.placeholder"
t_end

t_begin "a failing build: placeholders, the log named, not tried again until the sources change"
root
FAKE_MAKE_FAIL=1 start "$A"
assert_rc 0
case $(message) in *"build failed"*"$R/build/plugin/last-build.log"*) ;; *) t_fail "message: $OUT" ;; esac
assert_file_has "$R/build/plugin/last-build.log" "boom"
assert_placeholders
assert_hooks_let_tools_run
FAKE_MAKE_FAIL=1 start "$A"
case $(message) in *"build failed"*) ;; *) t_fail "second message: $OUT" ;; esac
assert_eq "$(builds)" 1 "builds of the same sources"
echo "/* a fix */" >> "$R/core/lock.c"
start "$A"
assert_rc 0
assert_out_empty
assert_eq "$(builds)" 2 "builds"
assert_built
t_end

t_begin "a failing rebuild keeps the programs built before, and says so"
root
start "$A"
echo "/* a change */" >> "$R/core/lock.c"
FAKE_MAKE_FAIL=1 start "$A"
assert_rc 0
case $(message) in *"out of date"*"build failed"*"previous ones stay in use"*) ;; *) t_fail "message: $OUT" ;; esac
cmp -s "$R/bin/pretooluse-lock" "$SL_BIN/pretooluse-lock" || t_fail "the built pretooluse-lock was replaced"
assert_no_file "$R/bin/.placeholder"
t_end

t_begin "a build over the time limit: placeholders, said, and the next start tries again"
root
FAKE_MAKE_SLEEP=5 SESSION_LOCK_BUILD_LIMIT=1 start "$A"
assert_rc 0
case $(message) in *"longer than 1 s"*) ;; *) t_fail "message: $OUT" ;; esac
assert_placeholders
start "$A"
assert_eq "$(builds)" 2 "builds"
assert_built
t_end

t_begin "killed midway (the client's timeout kills the process group): placeholders stay, the next start cleans up"
root
export FAKE_MAKE_SLEEP=30
fx SessionStart "$A" > "$T/in.json"
setsid sh -c 'PATH="$1:$PATH" exec "$2/plugin/ensure-built.sh" < "$3" > /dev/null 2>&1' sh "$FAKE" "$R" "$T/in.json" &
pg=$!
disown "$pg"
T_BG_PIDS="$T_BG_PIDS $pg"
until_true 10 test -s "$MAKE_LOG"
kill -KILL -- "-$pg"
until_true 10 sh -c "! kill -0 -- -$pg 2>/dev/null"
unset FAKE_MAKE_SLEEP
assert_placeholders
[ -n "$(ls -d "$R"/build/plugin/tmp.* 2>/dev/null)" ] || t_fail "precondition: the killed build left no temporary directory"
start "$A"
assert_rc 0
assert_eq "$(builds)" 2 "builds"
assert_built
t_end

# --- doctor and the plugin's installs ---------------------------------------------

# installed SCOPE ENABLED: our plugin $R recorded as installed from marketplace mkt.
installed() {
	mkdir -p "$HOME/.claude/plugins"
	cat > "$HOME/.claude/plugins/installed_plugins.json" <<EOF
{"version": 2, "plugins": {"session-lock@mkt": [{"scope": "$1", "projectPath": "$WS", "installPath": "$R", "version": "1.0.0"}]}}
EOF
	printf '{"enabledPlugins": {"session-lock@mkt": %s}}\n' "$2" > "$HOME/.claude/settings.json"
}
doctor() {
	PATH=$T/nowhere:$SL_BIN "$SL_BIN/session-lock" doctor > "$T/.out" 2>&1
	RC=$?
	OUT=$(cat "$T/.out")
}

t_begin "doctor: the plugin alone registers the hooks"
root
start "$A"
installed user true
doctor
assert_rc 0
assert_out_has "hooks registered by the plugin session-lock@mkt ('$R')"
assert_out_lacks "problem:"
assert_out_lacks "note:"
t_end

t_begin "doctor: the plugin and install.sh's registration both: a note, how to keep one, exit 0"
root
start "$A"
installed project true
"$SL_BIN/session-lock" settings install --bindir "$SL_BIN" --client-version 2.1.330 > /dev/null
doctor
assert_rc 0
assert_out_has "registered twice"
assert_out_has "$HOME/.claude/settings.json"
assert_out_has "session-lock@mkt"
assert_out_has "./install.sh --uninstall"
assert_out_has "claude plugin uninstall session-lock@"
t_end

t_begin "doctor: a disabled plugin registers nothing; one not built yet, or only placeholders"
root
installed user false
doctor
assert_rc 3
assert_out_has "installed (user scope) but disabled"
assert_out_has "not registered"
installed user true
doctor
assert_rc 0
assert_out_has "not built yet"
FAKE_MISSING=gcc start "$A"
doctor
assert_rc 3
assert_out_has "could not be built"
assert_out_has "$R/build/plugin/last-build.log"
t_end

t_begin "doctor: run in a session started with --plugin-dir of ours, the hooks are registered there"
root
start "$A"
# a stand-in for that claude process: its command line names the plugin directory
tail -f -- /dev/null --plugin-dir "$R" > /dev/null 2>&1 &
cl=$!
T_BG_PIDS="$T_BG_PIDS $cl"
doctor
assert_rc 3
assert_out_has "not registered"
CLAUDE_PID=$cl PATH=$T/nowhere:$SL_BIN "$SL_BIN/session-lock" doctor > "$T/.out" 2>&1
assert_eq "$?" 0 "doctor status inside that session"
assert_file_has "$T/.out" "by 'claude --plugin-dir $R' of this session"
kill "$cl" 2>/dev/null
t_end

# --- both registrations on one call ------------------------------------------------
#
# With install.sh's hooks and the plugin's both in effect, the client runs
# two pretooluse-lock processes for one tool call, at the same time, with
# the same input and CLAUDE_PID. The lock is re-entrant for its session and
# every change is made under the workspace's flock, so this must be exactly
# one holder, one acquire and one release, whatever the interleaving.

# twice PROGRAM FIXTURE SESSION PID: both at once; sets R1, R2, E1, E2.
twice() {
	fx "$2" "$3" > "$T/in.json"
	CLAUDE_PID=$4 "$SL_BIN/$1" < "$T/in.json" > "$T/o1" 2> "$T/e1" & local a=$!
	CLAUDE_PID=$4 "$SL_BIN/$1" < "$T/in.json" > "$T/o2" 2> "$T/e2" & local b=$!
	wait "$a"; R1=$?
	wait "$b"; R2=$?
	E1=$(cat "$T/e1"); E2=$(cat "$T/e2")
	# A pass prints nothing; a block prints its deny object (hook.h).
	if [ "$R1" = 2 ]; then grep -q '"permissionDecision":"deny"' "$T/o1"; else [ ! -s "$T/o1" ]; fi ||
		t_fail "$1 printed on stdout: $(cat "$T/o1")"
	if [ "$R2" = 2 ]; then grep -q '"permissionDecision":"deny"' "$T/o2"; else [ ! -s "$T/o2" ]; fi ||
		t_fail "$1 printed on stdout: $(cat "$T/o2")"
}
events() { grep -c "\"event\":\"$1\"" "$RT/session-lock.log" 2>/dev/null; }

t_begin "two registrations, one call, 20 rounds: one acquire, both pass; one release at Stop"
spawn_owner; disown "$OWNER_PID"; me=$OWNER_PID
for i in $(seq 1 20); do
	twice pretooluse-lock PreToolUse.Write "$A" "$me"
	[ "$R1 $R2" = "0 0" ] || { t_fail "round $i: statuses $R1 $R2: $E1 $E2"; break; }
	[ "$(json_get "$(lock_file)" session_id)" = "$A" ] || { t_fail "round $i: the record does not name $A"; break; }
	twice posttooluse-refresh PostToolUse.Write "$A" "$me"
	twice stop-release Stop "$A" "$me"
	[ "$R1 $R2" = "0 0" ] || { t_fail "round $i: stop-release statuses $R1 $R2"; break; }
	[ ! -e "$(lock_file)" ] || { t_fail "round $i: the lock is still there after Stop"; break; }
done
assert_eq "$(events acquire)" 20 "acquire events"
assert_eq "$(events release)" 20 "release events"
assert_eq "$(events takeover)" 0 "takeover events"
t_end

t_begin "two registrations, one call, while another session holds it: both block with the same reason"
spawn_owner; disown "$OWNER_PID"; holder=$OWNER_PID
spawn_owner; disown "$OWNER_PID"; me=$OWNER_PID
put_record held "$B" "$holder"
cp -p "$(lock_file)" "$T/before.json"
twice pretooluse-lock PreToolUse.Write "$A" "$me"
assert_eq "$R1 $R2" "2 2" "statuses"
assert_eq "$E1" "$E2" "the two reasons"
case $E1 in *"pid $holder"*) ;; *) t_fail "the reason does not name the holder: $E1" ;; esac
assert_same_file "$T/before.json" "$(lock_file)"
t_end

t_finish
