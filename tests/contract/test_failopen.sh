#!/usr/bin/env bash
# Fail open, loudly (issue 2): whatever is wrong with the input, HOME, the
# runtime directory or the record, a hook lets the tool run (exit 0, nothing
# on stdout), writes exactly one line on stderr naming the problem, never
# crashes, never hangs and never deletes a file it does not own.
#
# Every run is wrapped in `timeout 10`: a hang is a failure, not a stuck suite.
. "$(dirname "$0")/../lib.sh"

HOOKS="pretooluse-lock posttooluse-refresh stop-release session-start"
A=aaaaaaaa-1111-4111-8111-111111111111
B=bbbbbbbb-2222-4222-8222-222222222222


# The fixture each hook is registered for.
fixture_of() {
	case $1 in
	pretooluse-lock) echo PreToolUse.Write ;;
	posttooluse-refresh) echo PostToolUse.Write ;;
	stop-release) echo SessionEnd ;;
	session-start) echo SessionStart ;;
	esac
}

# try PROGRAM [NAME=VALUE | -u NAME ...] < input: runs PROGRAM (lib.sh's
# t_bin; the test build with T_TBIN=1) under `timeout 10`, with env(1)
# arguments; sets RC, OUT, ERR. A hang or a signal fails the case.
try() {
	local prog=$1 bin
	shift
	bin=$(T_USE_TBIN=${T_TBIN:-} t_bin "$prog")
	timeout 10 env "$@" "$bin" > "$T/.out" 2> "$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	if [ "$RC" = 124 ]; then
		t_fail "$prog hung: killed by timeout 10"
	elif [ "$RC" -gt 128 ] && [ -z "${T_EXPECT_SIGNAL:-}" ]; then
		t_fail "$prog died by signal $((RC - 128)); stderr: $ERR"
	fi
	case "$OUT$ERR" in *allow*) t_fail "an output says 'allow': $OUT $ERR" ;; esac
}

# assert_open TEXT: the run failed open, saying TEXT in one line on stderr.
assert_open() {
	assert_rc 0
	assert_out_empty
	assert_err_one_line
	assert_err_has "$1"
}

owner() { spawn_owner; disown "$OWNER_PID"; }
rec() { json_get "$(lock_file)" "$1"; }
snapshot() { cp -p "$1" "$T/before"; }
assert_untouched() { assert_same_file "$T/before" "$1"; }
assert_no_temp() {
	local f
	for f in "$RT"/*.tmp; do [ -e "$f" ] && t_fail "temporary file left: $f"; done
}
# plant_runtime_dir: a runtime directory with a file that is not ours to delete.
sentinel() { printf 'not yours\n' > "$1/sentinel"; }
assert_sentinel() { [ "$(cat "$1/sentinel" 2>/dev/null)" = "not yours" ] || t_fail "$1/sentinel was touched"; }
is_root() { [ "$(id -u)" = 0 ]; }

# --- stdin ------------------------------------------------------------------------

t_begin "empty stdin: every hook fails open, saying so in one line"
owner
for h in $HOOKS; do
	try "$h" CLAUDE_PID="$OWNER_PID" < /dev/null
	assert_open "stdin is empty"
	case $ERR in "$h: "*) ;; *) t_fail "$h's line does not start with its name: $ERR" ;; esac
done
assert_no_file "$HOME/.claude"
t_end

t_begin "every truncated prefix of a Write input fails open and takes no lock"
owner
fx PreToolUse.Write "$A" > "$T/full.json"
last=$(($(grep -bo '}' "$T/full.json" | tail -n 1 | cut -d: -f1)))	# offset of the closing brace
bad=0
for n in $(seq 1 "$last"); do
	head -c "$n" "$T/full.json" | try pretooluse-lock CLAUDE_PID="$OWNER_PID"
	if [ "$RC" != 0 ] || [ -n "$OUT" ] || [ "$(printf '%s\n' "$ERR" | wc -l)" != 1 ] ||
		[ -z "$ERR" ] || [ -e "$(lock_file)" ]; then
		t_fail "prefix of $n bytes: exit $RC, stdout '$OUT', stderr '$ERR'"
		bad=$((bad + 1))
		[ $bad -ge 3 ] && break
	fi
done
head -c "$((last + 1))" "$T/full.json" | try pretooluse-lock CLAUDE_PID="$OWNER_PID"
assert_rc 0; assert_err_empty
assert_file "$(lock_file)"	# the whole object does take it: the loop tested the right thing
t_end

t_begin "truncated inputs fail open in the other three hooks too"
owner
for h in posttooluse-refresh stop-release session-start; do
	fx "$(fixture_of "$h")" "$A" > "$T/full.json"
	size=$(stat -c %s "$T/full.json")
	for n in $(seq 1 11 $((size - 3))); do
		head -c "$n" "$T/full.json" | try "$h" CLAUDE_PID="$OWNER_PID"
		[ "$RC" = 0 ] && [ -z "$OUT" ] && [ -n "$ERR" ] ||
			{ t_fail "$h, prefix of $n bytes: exit $RC, stdout '$OUT', stderr '$ERR'"; break; }
	done
done
t_end

t_begin "input that is not a JSON object fails open: text, an array, a string, null, a number"
owner
fx PreToolUse.Write "$A" > "$T/obj.json"
for input in 'hello, hook' "[$(cat "$T/obj.json")]" '"PreToolUse"' null 42 '{' '}'; do
	for h in $HOOKS; do
		printf '%s\n' "$input" | try "$h" CLAUDE_PID="$OWNER_PID"
		assert_rc 0; assert_out_empty; assert_err_one_line
	done
done
assert_no_file "$(lock_file)"
t_end

t_begin "valid JSON followed by garbage, or by a second object, fails open"
owner
for tail in 'x' '{}' "$(fx PreToolUse.Write "$B")"; do
	{ fx PreToolUse.Write "$A"; printf '%s\n' "$tail"; } | try pretooluse-lock CLAUDE_PID="$OWNER_PID"
	assert_open "after the JSON object"
done
assert_no_file "$(lock_file)"
t_end

t_begin "a missing, empty, null or non-string session_id fails open naming session_id"
owner
for sub in '/"session_id":/d' 's/"session_id": "[^"]*"/"session_id": ""/' \
	's/"session_id": "[^"]*"/"session_id": null/' 's/"session_id": "[^"]*"/"session_id": 42/'; do
	for h in $HOOKS; do
		fx "$(fixture_of "$h")" | sed "$sub" | try "$h" CLAUDE_PID="$OWNER_PID"
		assert_open "session_id"
	done
done
assert_no_file "$(lock_file)"
t_end

# A session_id longer than a record's field is no longer a reason to fail
# open: it is kept as its digest (record.h), in test_ids.sh.

t_begin "80 MB on stdin (over the 64 MiB bound) fails open without reading it all"
owner
{
	printf '{"session_id": "%s", "hook_event_name": "PreToolUse", "tool_name": "Write", "pad": "' "$A"
	head -c 80000000 /dev/zero | tr '\0' a
	printf '"}\n'
} 2>/dev/null | try pretooluse-lock CLAUDE_PID="$OWNER_PID"
assert_open "larger than 64 MiB"
assert_no_file "$(lock_file)"
t_end

t_begin "a legitimate 5 MB Write takes the lock"
owner
fx PreToolUse.Write "$A" | sed 's/hello from the mock\\n/@BIG@/' > "$T/tpl"
tpl=$(cat "$T/tpl")
{
	printf '%s' "${tpl%%@BIG@*}"
	head -c 5000000 /dev/zero | tr '\0' x
	printf '%s\n' "${tpl#*@BIG@}"
} | try pretooluse-lock CLAUDE_PID="$OWNER_PID"
assert_rc 0; assert_out_empty; assert_err_empty
assert_eq "$(rec session_id)" "$A" "record session_id"
t_end

t_begin "a client that never closes stdin: the hook fails open after its 5 s bound, not never"
owner
mkfifo "$T/stdin"
exec 9<> "$T/stdin"	# a writer that stays: no EOF ever comes
printf '{"session_id": "%s"' "$A" >&9
try pretooluse-lock CLAUDE_PID="$OWNER_PID" < "$T/stdin"
exec 9>&-
assert_open "within 5 s"
assert_no_file "$(lock_file)"
t_end

t_begin "closed stdin, stdout or stderr crash nothing; a block still exits 2 with stdout closed"
owner; a=$OWNER_PID; owner; b=$OWNER_PID
timeout 10 env CLAUDE_PID="$a" "$SL_BIN/pretooluse-lock" <&- > "$T/out" 2> "$T/err"
RC=$?; ERR=$(cat "$T/err"); OUT=$(cat "$T/out")
assert_open "stdin is empty"
fx PreToolUse.Write "$A" | CLAUDE_PID=$a timeout 10 "$SL_BIN/pretooluse-lock" 2>&- > "$T/out"
assert_eq "$?" 0 "exit with stderr closed"
fx PreToolUse.Write "$B" | CLAUDE_PID=$b timeout 10 "$SL_BIN/pretooluse-lock" >&- 2> "$T/err"
assert_eq "$?" 2 "exit of a block with stdout closed"
assert_file_has "$T/err" "pid $a"
t_end

# --- HOME -------------------------------------------------------------------------

t_begin "HOME unset: every hook fails open saying HOME is not set"
owner
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" -u HOME CLAUDE_PID="$OWNER_PID"
	assert_open "HOME is not set"
done
t_end

t_begin "HOME empty or relative: every hook fails open"
owner
for home in "" "relative/home"; do
	for h in $HOOKS; do
		fx "$(fixture_of "$h")" "$A" | try "$h" HOME="$home" CLAUDE_PID="$OWNER_PID"
		assert_rc 0; assert_out_empty; assert_err_one_line; assert_err_has "HOME"
	done
done
t_end

t_begin "an unwritable HOME (a regular file; /proc; mode 500 when not root): every hook fails open"
owner
printf 'a file, not a home\n' > "$T/homefile"
cp "$T/homefile" "$T/homefile.orig"
homes="$T/homefile /proc"
if ! is_root; then
	mkdir -p "$T/ro"; chmod 500 "$T/ro"; homes="$homes $T/ro"
fi
for home in $homes; do
	for h in $HOOKS; do
		fx "$(fixture_of "$h")" "$A" | try "$h" HOME="$home" CLAUDE_PID="$OWNER_PID"
		assert_rc 0; assert_out_empty; assert_err_one_line
		case $ERR in *"$home"*) ;; *) t_fail "$h does not name '$home': $ERR" ;; esac
	done
done
assert_same_file "$T/homefile.orig" "$T/homefile"
is_root && assert_no_file /proc/.claude
t_end

t_begin "~/.claude being a regular file fails open and leaves the file alone"
owner
printf 'mine\n' > "$HOME/.claude"
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
	assert_rc 0; assert_out_empty; assert_err_one_line
done
assert_eq "$(cat "$HOME/.claude")" mine "~/.claude"
t_end

# --- the runtime directory ----------------------------------------------------------

t_begin "a runtime directory that is a symlink: every hook refuses it, follows nothing, deletes nothing"
owner
mkdir -p "$HOME/.claude" "$T/elsewhere"; chmod 700 "$T/elsewhere"
sentinel "$T/elsewhere"
ln -s "$T/elsewhere" "$RT"
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
	assert_open "symlink"
	assert_err_has "$RT"
done
[ -L "$RT" ] || t_fail "the symlink was removed"
assert_sentinel "$T/elsewhere"
assert_eq "$(ls -A "$T/elsewhere")" sentinel "files in the symlink's target"
t_end

for mode in 777 750 707; do
	t_begin "a runtime directory with mode $mode: every hook refuses it and creates nothing in it"
	owner
	mkdir -p "$RT"; chmod 700 "$HOME/.claude"; chmod "$mode" "$RT"
	sentinel "$RT"
	for h in $HOOKS; do
		fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
		assert_open "mode 0$mode"
		assert_err_has "chmod 700"
	done
	assert_eq "$(ls -A "$RT")" sentinel "files in the runtime directory"
	assert_sentinel "$RT"
	t_end
done

t_begin "a runtime directory owned by another uid: every hook refuses it and deletes nothing"
owner
if ! is_root; then
	t_skip "needs root to chown the runtime directory to nobody"
else
	mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
	put_record held "$B" "$(dead_pid)"	# a dead holder's record: tempting to sweep
	sentinel "$RT"
	chown -R nobody "$RT"
	snapshot "$(lock_file)"
	for h in $HOOKS; do
		fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
		assert_open "owned by uid $(id -u nobody)"
	done
	assert_untouched "$(lock_file)"
	assert_sentinel "$RT"
fi
t_end

t_begin "a runtime directory that is a regular file: every hook fails open and leaves it"
owner
mkdir -p "$HOME/.claude"; printf 'x\n' > "$RT"
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
	assert_open "not a directory"
done
assert_eq "$(cat "$RT")" x "the file at the runtime directory's name"
t_end

# --- the record ---------------------------------------------------------------------

for bad in not-json.txt torn.json; do
	t_begin "a fresh record that is not valid JSON ($bad): every hook fails open and leaves it byte-identical"
	owner
	mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
	cp "$RECORDS/$bad" "$(lock_file)"; chmod 600 "$(lock_file)"
	snapshot "$(lock_file)"
	for h in $HOOKS; do
		fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
		assert_open "$(lock_file)"
		assert_err_has "corrupt"
	done
	assert_untouched "$(lock_file)"
	assert_no_temp
	t_end
done

t_begin "a record that is not valid JSON and older than the TTL is taken over"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
cp "$RECORDS/not-json.txt" "$(lock_file)"; chmod 600 "$(lock_file)"
touch -d '-1 hour' "$(lock_file)"
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
assert_rc 0; assert_out_empty
assert_eq "$(rec session_id)" "$A" "record session_id"
assert_eq "$(rec pid)" "$OWNER_PID" "record pid"
assert_eq "$(rec previous.reason)" "corrupt record" "record previous.reason"
assert_no_temp
t_end

t_begin "session-start removes a record that is not valid JSON and older than the TTL"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
cp "$RECORDS/not-json.txt" "$(lock_file)"; chmod 600 "$(lock_file)"
touch -d '-1 hour' "$(lock_file)"
hook session-start SessionStart "$A" "$OWNER_PID"
assert_rc 0; assert_out_empty
assert_no_file "$(lock_file)"
t_end

t_begin "a record from a newer schema: every hook fails open and never replaces or removes it"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
put_record newer-schema "$B" "$(dead_pid)"
touch -d '-1 hour' "$(lock_file)"
snapshot "$(lock_file)"
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
	assert_open "newer"
done
assert_untouched "$(lock_file)"
t_end

t_begin "a record that is a symlink: every hook refuses to follow it; link and target stay"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
put_record held "$B" "$(dead_pid)" FILE="$T/target.json"
cp "$T/target.json" "$T/target.orig"
ln -s "$T/target.json" "$(lock_file)"
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
	assert_open "symlink"
done
[ -L "$(lock_file)" ] || t_fail "the symlink at the record's name was removed"
assert_same_file "$T/target.orig" "$T/target.json"
t_end

t_begin "a record that is a FIFO: no hook hangs on it, each fails open"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
mkfifo -m 600 "$(lock_file)"
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
	assert_open "not a regular file"
done
[ -p "$(lock_file)" ] || t_fail "the FIFO was removed"
t_end

t_begin "a record that is a directory: every hook fails open and leaves it"
owner
mkdir -p "$(lock_file)"; chmod 700 "$HOME/.claude" "$RT"
sentinel "$(lock_file)"
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
	assert_open "not a regular file"
done
assert_sentinel "$(lock_file)"
t_end

t_begin "a record owned by another uid: every hook refuses it and leaves it"
owner
if ! is_root; then
	t_skip "needs root to chown a record to nobody"
else
	put_record held "$B" "$(dead_pid)"
	chown nobody "$(lock_file)"
	snapshot "$(lock_file)"
	for h in $HOOKS; do
		fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PID="$OWNER_PID"
		assert_open "owned by uid"
	done
	assert_untouched "$(lock_file)"
fi
t_end

# --- environment and configuration ----------------------------------------------------

t_begin "a CLAUDE_PROJECT_DIR that does not exist fails open naming it"
owner
for h in $HOOKS; do
	fx "$(fixture_of "$h")" "$A" | try "$h" CLAUDE_PROJECT_DIR="$T/gone" CLAUDE_PID="$OWNER_PID"
	assert_open "$T/gone"
done
t_end

# A bad configuration is ignored, never a reason to fail open: test_badconfig.sh.

# --- system call failures (the test build's fault injection) -------------------------

# free_acquire SPEC: our session takes a free lock with SPEC failing.
free_acquire() {
	rm -rf "$HOME/.claude"
	fx PreToolUse.Write "$A" | T_TBIN=1 try pretooluse-lock SESSION_LOCK_FAULT="$1" CLAUDE_PID="$OWNER_PID"
}

# CALL:ERR@TEXT: the call whose message names TEXT (the temporary record;
# the close of the temporary record is the only close whose failure
# matters). An unreadable configuration is ignored: test_badconfig.sh.
# The held registry (nested workspaces) is written first and best effort: its
# failures are no reason to fail open, so the record's own calls are asked for.
for fault in "rename:EIO@cannot replace the lock record" write:ENOSPC@.json.tmp open:EMFILE@.json.tmp close:EIO@.json.tmp; do
	t_begin "a failing $fault while taking a free lock fails open and leaves no record or temporary file"
	owner
	case $fault in *@*)
		fault_nth "${fault%@*}" "${fault#*@}" free_acquire ||
			t_fail "no failing ${fault%@*} gave a message about '${fault#*@}'"
		fault=${fault%@*}:$FAULT_NTH
		rm -rf "$HOME/.claude" ;;
	esac
	fx PreToolUse.Write "$A" | T_TBIN=1 try pretooluse-lock SESSION_LOCK_FAULT="$fault" CLAUDE_PID="$OWNER_PID"
	assert_rc 0; assert_out_empty; assert_err_one_line
	assert_no_file "$(lock_file)"
	assert_no_temp
	t_end
done

for fault in rename:EIO write:ENOSPC; do
	t_begin "a failing $fault while renewing our lease leaves the old record byte-identical"
	owner
	put_record held "$A" "$OWNER_PID" IDLE=60000
	snapshot "$(lock_file)"
	fx PostToolUse.Write "$A" | T_TBIN=1 try posttooluse-refresh SESSION_LOCK_FAULT="$fault" CLAUDE_PID="$OWNER_PID"
	assert_open "lease not renewed"
	assert_untouched "$(lock_file)"
	assert_no_temp
	t_end
done

t_begin "a short write is completed: the record is whole"
owner
fx PreToolUse.Write "$A" | T_TBIN=1 try pretooluse-lock SESSION_LOCK_FAULT=write:short CLAUDE_PID="$OWNER_PID"
assert_rc 0; assert_out_empty; assert_err_empty
assert_eq "$(rec session_id)" "$A" "record session_id"
assert_eq "$(rec kind)" claude "record kind"
t_end

t_begin "a failing unlink at release fails open and keeps our record"
owner
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
snapshot "$(lock_file)"
fx SessionEnd "$A" | T_TBIN=1 try stop-release SESSION_LOCK_FAULT=unlink:EIO CLAUDE_PID="$OWNER_PID"
assert_open "lock not released"
assert_untouched "$(lock_file)"
t_end

t_begin "a hook killed after writing its temporary file leaves the old record; the next one cleans up"
owner; a=$OWNER_PID
put_record held "$A" "$a" IDLE=60000
snapshot "$(lock_file)"
fx PreToolUse.Write "$A" | T_EXPECT_SIGNAL=1 T_TBIN=1 try pretooluse-lock SESSION_LOCK_CRASH_AT=temp-written CLAUDE_PID="$a"
assert_eq "$RC" 137 "exit status of the killed hook"
assert_untouched "$(lock_file)"
hook pretooluse-lock PreToolUse.Write "$A" "$a"
assert_rc 0; assert_out_empty
assert_no_temp
[ "$(rec renewed_at)" -gt "$(json_get "$T/before" renewed_at)" ] || t_fail "the lease was not renewed"
t_end

t_begin "a failing audit log write does not change the decision"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
mkdir "$RT/session-lock.log"	# the log cannot be opened
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
assert_rc 0; assert_out_empty
assert_eq "$(rec session_id)" "$A" "record session_id"
t_end

t_finish
