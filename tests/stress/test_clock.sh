#!/usr/bin/env bash
# Wall-clock jumps (SESSION_LOCK_CLOCK_SKEW_MS on the test build shifts the
# wall clock only, as an NTP step or `date -s` would) of +-1 hour and +-1 day
# must not make a live holder look dead, nor keep a dead one: within one
# boot, leases are measured on CLOCK_BOOTTIME. Across hosts only the wall
# clock exists: a lease stamped further ahead than its own length is not
# trusted.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

TB=$SL_TBIN

skewed() {	# SKEW PROGRAM FIXTURE SESSION PID
	local skew=$1
	shift
	fx "$2" "$3" > "$T/in.$3"
	CLAUDE_PID=$4 SESSION_LOCK_CLOCK_SKEW_MS=$skew crit_run_t 20 "$TB/$1" < "$T/in.$3"
}

for skew in 3600000 -3600000 86400000 -86400000; do
	t_begin "wall clock $skew ms off: a live holder stays held"
	spawn_owner; A=$OWNER_PID
	spawn_owner; B=$OWNER_PID
	# Held by A, renewed 3 s ago (so that A's refresh below rewrites it).
	mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
	"$SL_TOOLS/crit_record" make --sid sess-a --pid "$A" --age 3000 > "$(lock_file)"
	cp "$(lock_file)" "$T/before"
	skewed "$skew" pretooluse-lock PreToolUse.Write sess-b "$B"
	assert_rc 2
	assert_err_has "(pid $A,"
	assert_same_file "$T/before" "$(lock_file)"
	# The holder's own refresh under the jump keeps it ours.
	skewed "$skew" posttooluse-refresh PostToolUse.Write sess-a "$A"
	assert_rc 0
	assert_err_empty
	assert_eq "$(crit_state "$(lock_file)")" "found sess-a" "record after a skewed refresh"
	cmp -s "$T/before" "$(lock_file)" && t_fail "the refresh did not rewrite the record"
	skewed 0 pretooluse-lock PreToolUse.Write sess-b "$B"
	assert_rc 2
	crit_reap
	t_end

	t_begin "wall clock $skew ms off while the holder writes: others still see it held"
	spawn_owner; A=$OWNER_PID
	spawn_owner; B=$OWNER_PID
	skewed "$skew" pretooluse-lock PreToolUse.Write sess-a "$A"
	assert_rc 0
	for s in 0 "$((-skew))" "$skew"; do
		skewed "$s" pretooluse-lock PreToolUse.Write sess-b "$B"
		assert_rc 2
	done
	assert_eq "$(crit_state "$(lock_file)")" "found sess-a" "record"
	# And the holder can release it under the jump.
	skewed "$skew" stop-release Stop sess-a "$A"
	assert_rc 0
	assert_no_file "$(lock_file)"
	crit_reap
	t_end

	t_begin "wall clock $skew ms off: a dead holder is taken over at once"
	spawn_owner; A=$OWNER_PID
	spawn_owner; B=$OWNER_PID
	skewed 0 pretooluse-lock PreToolUse.Write sess-a "$A"
	assert_rc 0
	kill -9 "$A"; wait "$A" 2>/dev/null
	skewed "$skew" pretooluse-lock PreToolUse.Write sess-b "$B"
	assert_rc 0
	assert_err_empty
	assert_eq "$(crit_state "$(lock_file)")" "found sess-b" "record"
	assert_eq "$(json_get "$(lock_file)" previous.reason)" dead "takeover reason"
	crit_reap
	t_end

	t_begin "wall clock $skew ms off: a lease that ended on the boot clock ends"
	spawn_owner; A=$OWNER_PID
	spawn_owner; B=$OWNER_PID
	mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
	# A live holder whose lease (1 s) ended 4 s ago by the boot clock.
	"$SL_TOOLS/crit_record" make --sid sess-a --pid "$A" --ttl 1000 --age 5000 > "$(lock_file)"
	skewed "$skew" pretooluse-lock PreToolUse.Write sess-b "$B"
	assert_rc 0
	assert_eq "$(crit_state "$(lock_file)")" "found sess-b" "record"
	assert_eq "$(json_get "$(lock_file)" previous.reason)" "lease ended" "takeover reason"
	crit_reap
	t_end
done

t_begin "another host's lease stamped a day ahead: not trusted, taken over"
spawn_owner; B=$OWNER_PID
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
"$SL_TOOLS/crit_record" make --sid remote --pid 4242 --host other-host.example \
	--age -86400000 > "$(lock_file)"
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-b "$B"
assert_rc 0
assert_eq "$(crit_state "$(lock_file)")" "found sess-b" "record"
crit_reap
t_end

t_begin "another host's lease stamped a day ago: ended, taken over"
spawn_owner; B=$OWNER_PID
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
"$SL_TOOLS/crit_record" make --sid remote --pid 4242 --host other-host.example \
	--age 86400000 > "$(lock_file)"
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-b "$B"
assert_rc 0
assert_eq "$(json_get "$(lock_file)" previous.reason)" "lease ended" "takeover reason"
crit_reap
t_end

t_begin "another host's fresh lease, our wall clock an hour behind: held"
spawn_owner; B=$OWNER_PID
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
# Written "now" by a host whose clock agrees with the real one; we run an hour
# behind, so the renewal looks an hour in the future: beyond its 5-minute
# lease, hence untrusted. The rule trades this for never keeping a bogus
# far-future lease forever; the figure documents it.
"$SL_TOOLS/crit_record" make --sid remote --pid 4242 --host other-host.example > "$(lock_file)"
skewed -60000 pretooluse-lock PreToolUse.Write sess-b "$B"
assert_rc 2
skewed -3600000 pretooluse-lock PreToolUse.Write sess-b "$B"
echo "clock: another host's fresh lease read with our clock 1 h behind: exit $RC (0 = taken over as 'stamped in the future')"
crit_reap
t_end

t_finish
