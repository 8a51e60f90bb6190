#!/usr/bin/env bash
# The acquire and takeover races. Statistical: no lock at all, a lock owned
# by a dead process (a child forked and reaped), one whose lease ended (live
# owner), and a torn record an hour old; K contenders released together; exactly one winner,
# every round (mx_race). Deterministic: a contender paused between deciding
# "stale" and taking the mutex must re-check under the mutex and back off.
# Quick: 8 contenders x 60 rounds per kind; SL_STRESS=full: 16 x 500.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

K=$(crit_size 8 16 4)
R=$(crit_size 60 500 10)

race_case() {
	local mode=$1
	t_begin "race for a $mode lock: $K contenders x $R rounds, one winner each ($(crit_mode))"
	crit_tool mx_race || { t_end; return; }
	fx PreToolUse.Write @SID@ > "$T/pre.json"
	mkdir -p "$T/work" "$RT"
	chmod 700 "$HOME/.claude" "$RT"
	timeout -k 5 1200 "$SL_TOOLS/mx_race" -k "$K" -r "$R" -m "$mode" -t 1100 \
		-p "$SL_BIN/pretooluse-lock" -i "$T/pre.json" -R "$(lock_file)" -d "$T/work" \
		> "$T/race.out" 2> "$T/race.err"
	RC=$?
	cat "$T/race.out"
	[ "$RC" = 0 ] || t_fail "mx_race exit $RC: $(head -c 2000 "$T/race.err")"
	grep -q "one_winner=$R " "$T/race.out" || t_fail "not every round had exactly one winner"
	[ -z "$(crit_temps)" ] || t_fail "temporary files left: $(crit_temps)"
	t_end
}

race_case free
race_case dead
race_case expired
race_case corrupt

# wait_for FILE: waits up to 10 s for FILE to appear.
wait_for() {
	local i
	for i in $(seq 200); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

paused_case() {
	local kind=$1
	t_begin "paused contender (stale: $kind) re-checks under the mutex and blocks"
	crit_tool crit_record || { t_end; return; }
	mkdir -p "$RT"
	chmod 700 "$HOME/.claude" "$RT"
	if [ "$kind" = dead ]; then
		"$SL_TOOLS/crit_record" make --sid stale-holder --pid "$(dead_pid)" --start 12345 \
			> "$(lock_file)"
	else
		spawn_owner
		"$SL_TOOLS/crit_record" make --sid stale-holder --pid "$OWNER_PID" --ttl 1000 \
			--age 5000 > "$(lock_file)"
	fi
	spawn_owner; local p1=$OWNER_PID
	spawn_owner; local p2=$OWNER_PID
	fx PreToolUse.Write contender-one > "$T/in1"
	# Contender 1 decides "stale", then waits at the step for $T/go.
	CLAUDE_PID=$p1 SESSION_LOCK_PAUSE_AT="decided:$T/go" \
		timeout -k 5 40 "$SL_TBIN/pretooluse-lock" < "$T/in1" > "$T/out1" 2> "$T/err1" &
	local bg=$!
	if ! wait_for "$T/go.waiting"; then
		t_fail "contender 1 never reached the 'decided' step"
		touch "$T/go"; wait "$bg"; t_end; return
	fi
	# Contender 2 takes over meanwhile.
	hook pretooluse-lock PreToolUse.Write contender-two "$p2"
	assert_rc 0
	assert_err_empty
	assert_eq "$(crit_state "$(lock_file)")" "found contender-two" "record after contender 2"
	touch "$T/go"
	wait "$bg"
	local rc1=$?
	assert_eq "$rc1" 2 "contender 1's exit status (stderr: $(cat "$T/err1"))"
	grep -q "(pid $p2," "$T/err1" ||
		t_fail "contender 1's message does not name contender 2 (pid $p2): $(cat "$T/err1")"
	grep -q '"permissionDecision":"deny"' "$T/out1" ||
		t_fail "contender 1's stdout does not deny: $(cat "$T/out1")"
	assert_eq "$(crit_state "$(lock_file)")" "found contender-two" "record after contender 1"
	assert_eq "$(json_get "$(lock_file)" previous.session_id)" stale-holder "previous holder"
	crit_reap
	t_end
}

paused_case dead
paused_case expired

t_begin "a contender holding the mutex makes the other wait, then lose"
crit_tool crit_record || { t_end; t_finish; exit; }
mkdir -p "$RT"
chmod 700 "$HOME/.claude" "$RT"
"$SL_TOOLS/crit_record" make --sid stale-holder --pid "$(dead_pid)" --start 12345 > "$(lock_file)"
spawn_owner; p1=$OWNER_PID
spawn_owner; p2=$OWNER_PID
fx PreToolUse.Write contender-one > "$T/in1"
CLAUDE_PID=$p1 SESSION_LOCK_PAUSE_AT="mutex-locked:$T/go" \
	timeout -k 5 40 "$SL_TBIN/pretooluse-lock" < "$T/in1" > "$T/out1" 2> "$T/err1" &
bg=$!
if wait_for "$T/go.waiting"; then
	# Contender 2 saw the stale record too, and now waits for the mutex.
	fx PreToolUse.Write contender-two > "$T/in2"
	CLAUDE_PID=$p2 timeout -k 5 40 "$SL_BIN/pretooluse-lock" < "$T/in2" > "$T/out2" 2> "$T/err2" &
	bg2=$!
	sleep 0.5
	kill -0 "$bg2" 2>/dev/null || t_fail "contender 2 did not wait for the mutex held by contender 1"
	touch "$T/go"
	wait "$bg"; rc1=$?
	wait "$bg2"; rc2=$?
	assert_eq "$rc1" 0 "contender 1 (holding the mutex) exit (stderr: $(cat "$T/err1"))"
	assert_eq "$rc2" 2 "contender 2 exit (stderr: $(cat "$T/err2"))"
	grep -q "(pid $p1," "$T/err2" || t_fail "contender 2 does not name contender 1: $(cat "$T/err2")"
	assert_eq "$(crit_state "$(lock_file)")" "found contender-one" "record"
else
	t_fail "contender 1 never reached the 'mutex-locked' step"
	touch "$T/go"; wait "$bg"
fi
crit_reap
t_end

t_finish
