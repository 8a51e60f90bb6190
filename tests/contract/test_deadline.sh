#!/usr/bin/env bash
# Nothing hangs, and a conflict is a block however slow or strange the files
# around the lock are (issue 10, parts 1 and 2): a FIFO at the audit log's
# name, another process holding the log's flock or the workspace mutex.
#
# A hook the client kills at its timeout (10 s for PreToolUse) lets the tool
# run, so a hang is a conflict let through. Every run here is wrapped in
# `timeout 30`: a hang fails the case instead of the suite. How long each
# run took is printed, never asserted (speed is `make bench`'s business).
. "$(dirname "$0")/../lib.sh"

A=aaaaaaaa-1111-4111-8111-111111111111
B=bbbbbbbb-2222-4222-8222-222222222222

owner() { spawn_owner; disown "$OWNER_PID"; }

# timed PROGRAM [ARGS...] < input: runs $SL_BIN/PROGRAM under `timeout 30`;
# sets RC, OUT, ERR and MS (wall time), and prints the time.
timed() {
	local prog=$1 t0 t1
	shift
	local bin=$SL_BIN
	# put_record moved the boot clock: only the test build reads that (lib.sh's run).
	[ -n "${SESSION_LOCK_BOOT_SKEW_MS:-}" ] && bin=$SL_TBIN
	t0=$(date +%s%N)
	timeout 30 "$bin/$prog" "$@" > "$T/.out" 2> "$T/.err"
	RC=$?
	t1=$(date +%s%N)
	MS=$(((t1 - t0) / 1000000))
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	printf '    %s: %s exit %s in %d ms\n' "$T_CASE" "$prog" "$RC" "$MS"
	[ "$RC" != 124 ] || t_fail "$prog hung: killed by timeout 30"
	case "$OUT$ERR" in *allow*) t_fail "an output says 'allow': $OUT $ERR" ;; esac
}

# hold_flock FILE: another process takes FILE's flock and keeps it (a sleep
# holding the locked descriptor, killed by its pid); returns once it holds it.
hold_flock() {
	( exec 8>> "$1" && flock 8 && exec sleep 60 ) &
	HOLDER=$!
	T_BG_PIDS="$T_BG_PIDS $HOLDER"
	until_true 10 held "$1"
}
held() { ! flock -n "$1" true; }
release_flock() { kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null; }

mutex_file() { printf '%s.mutex' "$(lock_file | sed 's/\.json$//')"; }
log_file() { printf '%s/session-lock.log' "$RT"; }
rec() { json_get "$(lock_file)" "$1"; }
snapshot() { cp -p "$(lock_file)" "$T/before"; }
assert_untouched() { assert_same_file "$T/before" "$(lock_file)"; }

# --- stdin ---------------------------------------------------------------------

t_begin "a client that never closes stdin: each hook gives up within its own deadline"
owner
mkfifo "$T/stdin"
exec 9<> "$T/stdin"	# a writer that stays: no EOF ever comes
printf '{"session_id": "%s"' "$A" >&9
for h in posttooluse-refresh:4 stop-release:4 pretooluse-lock:5 session-start:5; do
	CLAUDE_PID=$OWNER_PID timed "${h%:*}" < "$T/stdin"
	assert_rc 0; assert_out_empty
	assert_err_has "within ${h#*:} s"
done
exec 9>&-
t_end

# --- the audit log ------------------------------------------------------------

t_begin "a FIFO at the audit log's name: a blocked session is blocked at once, the FIFO left alone"
owner; a=$OWNER_PID; owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write "$A" "$a"
rm -f "$(log_file)"; mkfifo "$(log_file)"
snapshot
fx PreToolUse.Write "$B" | CLAUDE_PID=$b timed pretooluse-lock
assert_rc 2; assert_out_deny
assert_err_has "pid $a"
assert_untouched
[ -p "$(log_file)" ] || t_fail "the FIFO was replaced"
t_end

t_begin "a FIFO at the audit log's name: a free lock is still taken, the line skipped with a note"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"; mkfifo "$(log_file)"
fx PreToolUse.Write "$A" | CLAUDE_PID=$OWNER_PID timed pretooluse-lock
assert_rc 0; assert_out_empty
assert_err_one_line
assert_err_has "audit log"
assert_eq "$(rec session_id)" "$A" "record session_id"
t_end

t_begin "a FIFO with a reader at the audit log's name is refused, not written to"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"; mkfifo "$(log_file)"
cat "$(log_file)" > "$T/read" &
reader=$!
T_BG_PIDS="$T_BG_PIDS $reader"
fx PreToolUse.Write "$A" | CLAUDE_PID=$OWNER_PID timed pretooluse-lock
assert_rc 0
assert_err_has "not a regular file"
assert_eq "$(rec session_id)" "$A" "record session_id"
kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
[ ! -s "$T/read" ] || t_fail "a line was written into the FIFO: $(cat "$T/read")"
t_end

t_begin "another process holding the audit log's flock: a blocked session is blocked, not held up"
owner; a=$OWNER_PID; owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write "$A" "$a"
snapshot
hold_flock "$(log_file)"
fx PreToolUse.Write "$B" | CLAUDE_PID=$b timed pretooluse-lock
assert_rc 2; assert_out_deny
assert_err_has "pid $a"
assert_untouched
held "$(log_file)" || t_fail "the log's flock holder was disturbed"
# the line is written all the same (only rotation needs the flock)
assert_file_has "$(log_file)" '"event":"block"'
release_flock
t_end

t_begin "another process holding the audit log's flock: a free lock is taken and logged"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"; : > "$(log_file)"; chmod 600 "$(log_file)"
hold_flock "$(log_file)"
fx PreToolUse.Write "$A" | CLAUDE_PID=$OWNER_PID timed pretooluse-lock
assert_rc 0; assert_out_empty; assert_err_empty
assert_eq "$(rec session_id)" "$A" "record session_id"
assert_file_has "$(log_file)" '"event":"acquire"'
release_flock
t_end

t_begin "release --force with a FIFO at the audit log's name releases and warns, never hangs"
owner
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
rm -f "$(log_file)"; mkfifo "$(log_file)"
timed session-lock release --force
assert_rc 0
assert_out_has "released"
assert_err_has "audit log"
assert_no_file "$(lock_file)"
t_end

t_begin "release --force while another process holds the audit log's flock releases and logs"
owner
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
hold_flock "$(log_file)"
timed session-lock release --force
assert_rc 0
assert_no_file "$(lock_file)"
assert_file_has "$(log_file)" '"event":"force-release"'
release_flock
t_end

# --- the workspace mutex --------------------------------------------------------

t_begin "a busy workspace mutex blocks a PreToolUse on a free lock: retry, never a second writer"
owner
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
: > "$(mutex_file)"; chmod 600 "$(mutex_file)"
hold_flock "$(mutex_file)"
fx PreToolUse.Write "$A" | CLAUDE_PID=$OWNER_PID timed pretooluse-lock
assert_rc 2; assert_out_deny
assert_err_one_line
assert_err_has "being changed"
assert_err_has "retry"
assert_no_file "$(lock_file)"
release_flock
# and once the other process is done, the same call takes the lock
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
assert_rc 0
assert_eq "$(rec session_id)" "$A" "record session_id"
t_end

t_begin "a busy workspace mutex over a dead holder's lock blocks: no takeover behind another's back"
owner
put_record held "$A" "$(dead_pid)"
snapshot
hold_flock "$(mutex_file)"
fx PreToolUse.Write "$B" | CLAUDE_PID=$OWNER_PID timed pretooluse-lock
assert_rc 2; assert_out_deny
assert_err_has "being changed"
assert_untouched
release_flock
t_end

t_begin "a busy mutex while waiting (wait_ms 8000) for a live holder: blocked by the holder, in time"
owner; a=$OWNER_PID; owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write "$A" "$a"
snapshot
hold_flock "$(mutex_file)"
fx PreToolUse.Write "$B" | SESSION_LOCK_WAIT_MS=8000 CLAUDE_PID=$b timed pretooluse-lock
assert_rc 2; assert_out_deny
assert_err_has "pid $a"
assert_untouched
release_flock
t_end

t_begin "a busy workspace mutex: PostToolUse and Stop never block and never hang, and say so"
owner
put_record held "$A" "$OWNER_PID" IDLE=60000
snapshot
hold_flock "$(mutex_file)"
fx PostToolUse.Write "$A" | CLAUDE_PID=$OWNER_PID timed posttooluse-refresh
assert_rc 0; assert_out_empty; assert_err_one_line
assert_err_has "being changed"
fx Stop "$A" | CLAUDE_PID=$OWNER_PID timed stop-release
assert_rc 0; assert_out_empty; assert_err_one_line
assert_err_has "being changed"
fx SessionEnd "$A" | CLAUDE_PID=$OWNER_PID timed stop-release
assert_rc 0; assert_out_empty; assert_err_one_line
assert_untouched
release_flock
t_end

t_begin "a busy workspace mutex: release --force gives up with a message, never hangs"
owner
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
hold_flock "$(mutex_file)"
timed session-lock release --force
assert_rc 3
assert_err_has "being changed"
assert_file "$(lock_file)"
release_flock
t_end

t_begin "a busy workspace mutex: 'session-lock run' does not run its command, and says why"
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
: > "$(mutex_file)"; chmod 600 "$(mutex_file)"
hold_flock "$(mutex_file)"
timed session-lock run -- touch "$T/ran"
assert_rc 75
assert_err_has "changing it right now"
assert_no_file "$T/ran"
assert_no_file "$(lock_file)"
release_flock
t_end

t_finish
