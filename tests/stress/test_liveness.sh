#!/usr/bin/env bash
# Liveness of a recorded holder, case by case (research section 10.10):
# the hook's own PID (dead), our own Claude Code process (ours), a live PID
# with the wrong start time (PID reuse: dead), a zombie (dead), PID 1 and
# another user's process (alive: block), another boot (dead), another host
# (only the lease counts: block while fresh, take over after), and process
# names containing ") (" that would fool a parser splitting at the first ')'.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# seed ARGS...: the record, by crit_record make (session "holder").
seed() {
	mkdir -p "$RT"
	chmod 700 "$HOME/.claude" "$RT"
	"$SL_TOOLS/crit_record" make --sid holder --ws "$WS" "$@" > "$(lock_file)"
	cp "$(lock_file)" "$T/before"
}

# run_me: PreToolUse as session sess-me with its own live stand-in.
run_me() {
	spawn_owner; ME=$OWNER_PID
	crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-me "$ME"
}

expect_takeover() {	# REASON
	assert_rc 0
	assert_out_empty
	assert_err_empty
	assert_eq "$(crit_state "$(lock_file)")" "found sess-me" "record"
	assert_eq "$(json_get "$(lock_file)" previous.session_id)" holder "previous holder"
	assert_eq "$(json_get "$(lock_file)" previous.reason)" "$1" "takeover reason"
	crit_audit_has takeover "\"reason\":\"$1\""
}

expect_block() {	# PID
	assert_rc 2
	assert_out_deny
	assert_err_has "(pid $1"
	assert_same_file "$T/before" "$(lock_file)"
}

# stat_start PID: field 22 of /proc/PID/stat, parsed after the last ')'.
stat_start() {
	sed -e 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20
}

t_begin "record names the hook's own process: dead, taken over"
spawn_owner; ME=$OWNER_PID
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
fx PreToolUse.Write sess-me > "$T/in"
# The shell writes its own PID and start time, then becomes the hook (exec
# keeps both), so the record names the very process reading it.
CLAUDE_PID=$ME crit_run_t 20 sh -c '"$1" make --sid holder --pid $$ --ws "$2" > "$3" && exec "$4"' \
	sh "$SL_TOOLS/crit_record" "$WS" "$(lock_file)" "$SL_BIN/pretooluse-lock" < "$T/in"
expect_takeover dead
crit_reap
t_end

t_begin "record names our own Claude Code process under another session id: ours"
spawn_owner; ME=$OWNER_PID
seed --pid "$ME"
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-me "$ME"
assert_rc 0
assert_err_empty
# Ours (rule 2: the same owner process, e.g. after /clear): renewed, not taken over.
[ "$(json_get "$(lock_file)" previous.reason 2>/dev/null)" = "" ] || t_fail "treated as a takeover"
assert_eq "$(json_get "$(lock_file)" pid)" "$ME" "owner pid"
crit_reap
t_end

t_begin "live PID with another start time (PID reuse): dead, taken over"
spawn_owner
seed --pid "$OWNER_PID" --start $(( $(stat_start "$OWNER_PID") + 7 ))
run_me
expect_takeover dead
crit_reap
t_end

t_begin "live PID, start time unknown (an older writer): alive, blocks"
spawn_owner; H=$OWNER_PID
seed --pid "$H" --start 0
run_me
expect_block "$H"
crit_reap
t_end

t_begin "zombie holder (exited, not reaped): dead, taken over"
# tests/tools/zombie writes the PID once /proc shows it as Z, and keeps it so:
# waiting for it is bounded only to catch a broken tool, not a slow machine.
crit_tool zombie && {
	"$SL_TOOLS/zombie" "$T/zpid" &
	T_BG_PIDS="$T_BG_PIDS $!"
	if until_true 120 test -s "$T/zpid"; then
		Z=$(cat "$T/zpid")
		assert_eq "$(sed -e 's/.*) //' "/proc/$Z/stat" 2>/dev/null | cut -c1)" Z "state of $Z"
		seed --pid "$Z"
		run_me
		expect_takeover dead
	fi
}
crit_reap
t_end

t_begin "PID 1 (init; EPERM to signal for non-root): alive, blocks"
seed --pid 1
run_me
expect_block 1
crit_reap
t_end

t_begin "another user's process: alive, blocks"
if [ "$ROOT" = 1 ] && command -v setpriv > /dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 &
	H=$!
	T_BG_PIDS="$T_BG_PIDS $H"
	sleep 0.2
	seed --pid "$H"
	run_me
	expect_block "$H"
else
	t_skip "needs root and setpriv to start a process as another user"
fi
crit_reap
t_end

t_begin "a hook run by another user sees root's process alive (EPERM): blocks"
if [ "$ROOT" = 1 ] && command -v setpriv > /dev/null; then
	spawn_owner; H=$OWNER_PID
	seed --pid "$H"
	# Hand the sandbox to nobody; nobody's hook reads root's holder.
	chown -R 65534:65534 "$HOME" "$WS"
	chmod 755 "$T_ROOT" "$T"
	setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 &
	ME=$!
	T_BG_PIDS="$T_BG_PIDS $ME"
	fx PreToolUse.Write sess-me > "$T/in"
	chmod 644 "$T/in"
	CLAUDE_PID=$ME crit_run_t 20 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SL_BIN/pretooluse-lock" < "$T/in"
	expect_block "$H"
else
	t_skip "needs root and setpriv"
fi
crit_reap
t_end

t_begin "another boot id: dead, taken over even though the PID is alive here"
spawn_owner
seed --pid "$OWNER_PID" --boot other
run_me
expect_takeover dead
crit_reap
t_end

t_begin "another host, fresh lease: blocks even though the PID is gone here"
P=$(dead_pid)
seed --pid "$P" --host other-host.example --start 12345
run_me
expect_block "$P"
assert_err_has "on host other-host.example"
crit_reap
t_end

t_begin "another host, lease ended: taken over"
seed --pid "$(dead_pid)" --host other-host.example --age 400000
run_me
expect_takeover "lease ended"
crit_reap
t_end

for name in 'a) (b' 'x) Z 0 (y)' 'p) S 1 1 1 1 ('; do
	t_begin "holder named '$name' in /proc/PID/stat: seen alive"
	crit_spawn_named "$name"
	H=$OWNER_PID
	sleep 0.1
	case $(cat "/proc/$H/stat") in *"($name)"*) ;; *) t_fail "the stand-in is not named '$name': $(cat "/proc/$H/stat")" ;; esac
	seed --pid "$H"
	run_me
	expect_block "$H"
	# And as the owner of a session: its start time is recorded correctly.
	rm -f "$(lock_file)"
	crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-odd "$H"
	assert_rc 0
	assert_eq "$(json_get "$(lock_file)" pid_start)" "$(stat_start "$H")" "recorded start time"
	cp "$(lock_file)" "$T/before"
	run_me
	expect_block "$H"
	crit_reap
	t_end
done

t_finish
