#!/usr/bin/env bash
# kill -9 at every step. For each operation (acquire on a free workspace,
# takeover of a dead owner's lock, takeover of an old torn record, renewal
# by PreToolUse, refresh by PostToolUse, release by Stop, sweep by
# SessionStart) and each protocol step of core/lock.h, the test build
# ($SL_TBIN) raises SIGKILL right after the step (SESSION_LOCK_CRASH_AT).
# Afterwards: the record is the old one byte for byte, or a whole valid
# record of the crashed session (or absent, for release/sweep) - never torn;
# the mutex is free; `session-lock gc` (when it exists) or the next write
# leaves no temporary file; and the next acquire by another session follows
# the rules (blocks on a live holder, takes a free or stale lock).
# Then real hooks are killed at random moments under load.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

STEPS="decided mutex-locked record-read temp-created temp-written renamed removed logged"
T_EXPECT_SIGNAL=
HAVE_GC=0
crit_has_gc && HAVE_GC=1
COVERED=0
REACHED_LIST=

# The steps each operation must reach (core/lock.h); record-read is reached
# only when there is a record to read.
expected_steps() {
	case $1 in
	acquire-free) echo "decided mutex-locked temp-created temp-written renamed logged" ;;
	takeover-dead|takeover-corrupt) echo "decided mutex-locked record-read temp-created temp-written renamed logged" ;;
	renew|refresh) echo "decided mutex-locked record-read temp-created temp-written renamed" ;;
	release|sweep) echo "decided mutex-locked record-read removed" ;;
	esac
}

# setup OP: creates the state before OP; sets BIN, FIXTURE, OLD (a copy of
# the record or "" when none) and the owners PA (the crashing session's) and
# PB (the next session's).
setup() {
	mkdir -p "$RT"
	chmod 700 "$HOME/.claude" "$RT"
	spawn_owner; PA=$OWNER_PID
	spawn_owner; PB=$OWNER_PID
	BIN=pretooluse-lock; FIXTURE=PreToolUse.Write
	case $1 in
	acquire-free) ;;
	takeover-dead)
		"$SL_TOOLS/crit_record" make --sid stale --pid "$(dead_pid)" --start 12345 > "$(lock_file)" ;;
	takeover-corrupt)
		"$SL_TOOLS/crit_record" make --sid stale --pid "$PB" | head -c 100 > "$(lock_file)"
		touch -d '-1 hour' "$(lock_file)" ;;
	renew)
		"$SL_TOOLS/crit_record" make --sid sess-a --pid "$PA" --age 3000 > "$(lock_file)" ;;
	refresh)
		"$SL_TOOLS/crit_record" make --sid sess-a --pid "$PA" --age 3000 > "$(lock_file)"
		BIN=posttooluse-refresh; FIXTURE=PostToolUse.Write ;;
	release)
		"$SL_TOOLS/crit_record" make --sid sess-a --pid "$PA" > "$(lock_file)"
		BIN=stop-release; FIXTURE=Stop ;;
	sweep)
		"$SL_TOOLS/crit_record" make --sid stale --pid "$(dead_pid)" --start 12345 > "$(lock_file)"
		BIN=session-start; FIXTURE=SessionStart ;;
	esac
	OLD=
	if [ -f "$(lock_file)" ]; then
		cp "$(lock_file)" "$T/old.json"
		OLD=$T/old.json
	fi
}

# check_after OP STEP: the invariants after the crash (or the normal end).
check_after() {
	local op=$1 step=$2 lf state
	lf=$(lock_file)
	state=$(crit_state "$lf")
	if [ -n "$OLD" ] && [ -f "$lf" ] && cmp -s "$OLD" "$lf"; then
		:	# the old record, untouched
	else
		case $op:$state in
		release:absent|sweep:absent) ;;
		acquire-free:absent) ;;
		release:*|sweep:*) t_fail "after $step: record is '$state', expected the old one or none" ;;
		*:"found sess-a") ;;
		*) t_fail "after $step: record is '$state' ($(head -c 300 "$lf" 2>/dev/null)), expected the old one or a whole record of sess-a" ;;
		esac
	fi
	# The mutex dies with its holder.
	if [ -e "$RT/$(basename "$lf" .json).mutex" ]; then
		"$SL_TOOLS/crit_record" trylock "$RT/$(basename "$lf" .json).mutex" ||
			t_fail "after $step: the mutex is still held"
	fi
	if [ "$HAVE_GC" = 1 ]; then
		crit_run_t 20 "$SL_BIN/session-lock" gc
		[ -z "$(crit_temps)" ] || t_fail "after $step: 'session-lock gc' left $(crit_temps)"
	fi
	# The next acquire by another session follows the rules.
	state=$(crit_state "$lf")
	crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-b "$PB"
	case $state in
	"found sess-a")
		assert_rc 2
		case $ERR in *"(pid $PA,"*) ;; *) t_fail "after $step: the block does not name pid $PA: $ERR" ;; esac
		# The holder leaves; then B gets it.
		crit_hook "$SL_BIN/stop-release" Stop sess-a "$PA"
		assert_rc 0
		assert_err_empty
		crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-b "$PB"
		;;
	esac
	assert_rc 0
	assert_err_empty
	assert_eq "$(crit_state "$lf")" "found sess-b" "after $step: record after the next acquire"
	[ -z "$(crit_temps)" ] || t_fail "after $step: temporary file survived the next write: $(crit_temps)"
}

for op in acquire-free takeover-dead takeover-corrupt renew refresh release sweep; do
	reached=
	for step in $STEPS; do
		t_begin "crash after '$step' during $op"
		setup "$op"
		fx "$FIXTURE" sess-a > "$T/in"
		T_EXPECT_SIGNAL=1
		CLAUDE_PID=$PA SESSION_LOCK_CRASH_AT=$step crit_run_t 20 "$SL_TBIN/$BIN" < "$T/in"
		T_EXPECT_SIGNAL=
		if [ "$RC" = 137 ]; then
			reached="$reached $step"
			COVERED=$((COVERED + 1))
		elif [ "$RC" -gt 128 ]; then
			t_fail "$BIN died by signal $((RC - 128)), not by the injected SIGKILL"
		elif [ "$RC" != 0 ] || [ -n "$ERR" ]; then
			t_fail "step not reached, but $BIN did not end normally: exit $RC, stderr: $ERR"
		fi
		check_after "$op" "$step"
		crit_reap
		t_end
	done
	t_begin "crash steps reached during $op"
	for step in $(expected_steps "$op"); do
		case " $reached " in
		*" $step "*) ;;
		*) t_fail "step '$step' (core/lock.h) was never reached during $op" ;;
		esac
	done
	echo "crash: $op: killed after:$reached"
	REACHED_LIST="$REACHED_LIST $op:$(echo $reached | wc -w)"
	t_end
done
echo "crash: $COVERED (operation, step) crash points exercised; gc $( [ "$HAVE_GC" = 1 ] && echo checked || echo 'absent: next write checked instead')"

# The paths scope: the record holds several sessions' claims, and a crash
# while one session changes its part must leave the others' parts whole.
#   claim-join     sess-b holds b.c; sess-a's Write of a.c adds its holder
#   claim-takeover a dead session holds a.c, sess-b b.c; sess-a takes a.c
#   claim-release  sess-a holds a.c, sess-b b.c; sess-a's Stop drops its part
claims_setup() {
	mkdir -p "$RT"
	chmod 700 "$HOME/.claude" "$RT"
	spawn_owner; PA=$OWNER_PID
	spawn_owner; PB=$OWNER_PID
	BIN=pretooluse-lock; FIXTURE=PreToolUse.Write
	local dead
	case $1 in
	claim-takeover)
		sleep 1000 & dead=$!
		claims_write sess-x "$dead" "$WS/a.c"
		kill "$dead"; wait "$dead" 2>/dev/null ;;
	claim-release)
		claims_write sess-a "$PA" "$WS/a.c"
		BIN=stop-release; FIXTURE=Stop ;;
	esac
	claims_write sess-b "$PB" "$WS/b.c"
	cp "$(lock_file)" "$T/old.json"
	OLD=$T/old.json
}

# claims_write SID PID PATH: a Write of PATH through the production hook.
claims_write() {
	fx PreToolUse.Write "$1" | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$3\"#" |
		CLAUDE_PID=$2 "$SL_BIN/pretooluse-lock" > /dev/null 2>&1 ||
		t_fail "setup: the Write of $3 by $1 did not pass"
}

claims_check_after() {
	local op=$1 step=$2 lf holders want
	lf=$(lock_file)
	holders=$("$SL_TOOLS/crit_record" holders "$lf")
	case $op in
	claim-join|claim-takeover) want="found
sess-b $WS/b.c
sess-a $WS/a.c" ;;
	claim-release) want="found
sess-b $WS/b.c" ;;
	esac
	if ! cmp -s "$OLD" "$lf" && [ "$holders" != "$want" ]; then
		t_fail "after $step: the record is neither the old one nor the new one: $holders"
	fi
	case $holders in *"sess-b $WS/b.c"*) ;; *) t_fail "after $step: sess-b's claim is gone: $holders" ;; esac
	if [ -e "$RT/$(basename "$lf" .json).mutex" ]; then
		"$SL_TOOLS/crit_record" trylock "$RT/$(basename "$lf" .json).mutex" ||
			t_fail "after $step: the mutex is still held"
	fi
	# The next Write by a third session: a.c goes to it once sess-a is gone
	# (or if it never got it); b.c stays sess-b's.
	crit_hook "$SL_BIN/stop-release" Stop sess-a "$PA"; assert_rc 0
	spawn_owner
	fx PreToolUse.Write sess-c | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/a.c\"#" > "$T/.in"
	CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" < "$T/.in"
	assert_rc 0
	fx PreToolUse.Write sess-c | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/b.c\"#" > "$T/.in"
	CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" < "$T/.in"
	assert_rc 2
	[ -z "$(crit_temps)" ] || t_fail "after $step: temporary file survived the next write: $(crit_temps)"
}

for op in claim-join claim-takeover claim-release; do
	reached=
	for step in $STEPS; do
		t_begin "crash after '$step' during $op (paths scope)"
		export SESSION_LOCK_SCOPE=paths
		claims_setup "$op"
		fx "$FIXTURE" sess-a | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/a.c\"#" > "$T/in"
		T_EXPECT_SIGNAL=1
		CLAUDE_PID=$PA SESSION_LOCK_CRASH_AT=$step crit_run_t 20 "$SL_TBIN/$BIN" < "$T/in"
		T_EXPECT_SIGNAL=
		if [ "$RC" = 137 ]; then
			reached="$reached $step"
			COVERED=$((COVERED + 1))
		elif [ "$RC" -gt 128 ]; then
			t_fail "$BIN died by signal $((RC - 128)), not by the injected SIGKILL"
		elif [ "$RC" != 0 ] || [ -n "$ERR" ]; then
			t_fail "step not reached, but $BIN did not end normally: exit $RC, stderr: $ERR"
		fi
		claims_check_after "$op" "$step"
		unset SESSION_LOCK_SCOPE
		crit_reap
		t_end
	done
	t_begin "crash steps reached during $op (paths scope)"
	for step in decided mutex-locked record-read temp-created temp-written renamed; do
		case " $reached " in
		*" $step "*) ;;
		*) t_fail "step '$step' (core/lock.h) was never reached during $op" ;;
		esac
	done
	echo "crash: $op: killed after:$reached"
	t_end
done

# Real hooks killed at random moments while several sessions contend.
KILLS=$(crit_size 60 600 20)
t_begin "random kill -9 of real hooks under load ($KILLS kills)"
mkdir -p "$RT"
chmod 700 "$HOME/.claude" "$RT"
spawn_owner; PA=$OWNER_PID
spawn_owner; PB=$OWNER_PID
fx PreToolUse.Write sess-a > "$T/pa"; fx Stop sess-a > "$T/sa"
fx PreToolUse.Write sess-b > "$T/pb"; fx Stop sess-b > "$T/sb"
torn=0
for i in $(seq "$KILLS"); do
	case $((i % 4)) in
	0) CLAUDE_PID=$PA "$SL_BIN/pretooluse-lock" < "$T/pa" > /dev/null 2>&1 & ;;
	1) CLAUDE_PID=$PB "$SL_BIN/pretooluse-lock" < "$T/pb" > /dev/null 2>&1 & ;;
	2) CLAUDE_PID=$PA "$SL_BIN/stop-release" < "$T/sa" > /dev/null 2>&1 & ;;
	3) CLAUDE_PID=$PB "$SL_BIN/stop-release" < "$T/sb" > /dev/null 2>&1 & ;;
	esac
	victim=$!
	# A second hook runs alongside, undisturbed.
	CLAUDE_PID=$PB "$SL_BIN/pretooluse-lock" < "$T/pb" > /dev/null 2>&1 &
	other=$!
	sleep "0.00$((RANDOM % 6))"
	kill -9 "$victim" 2>/dev/null
	wait "$victim" 2>/dev/null
	wait "$other" 2>/dev/null
	case $(crit_state "$(lock_file)") in
	absent|found\ sess-a|found\ sess-b) ;;
	*) torn=$((torn + 1)); t_fail "after kill $i the record is $(crit_state "$(lock_file)")" ;;
	esac
done
"$SL_TOOLS/crit_record" trylock "$RT/$(basename "$(lock_file)" .json).mutex" ||
	t_fail "the mutex is still held after the kills"
# Both sessions leave; the next acquire works and leaves no temp file.
crit_hook "$SL_BIN/stop-release" Stop sess-a "$PA"; assert_rc 0
crit_hook "$SL_BIN/stop-release" Stop sess-b "$PB"; assert_rc 0
spawn_owner
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-c "$OWNER_PID"
assert_rc 0
assert_err_empty
assert_eq "$(crit_state "$(lock_file)")" "found sess-c" "record after the kills"
[ -z "$(crit_temps)" ] || t_fail "temporary file survived: $(crit_temps)"
echo "crash: random kills under load: $KILLS kills, torn records $torn"
crit_reap
t_end

t_finish
