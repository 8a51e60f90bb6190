#!/usr/bin/env bash
# The audit log under concurrency (issue 3): appends from many processes at
# once never interleave within a line and none is lost, also across a
# rotation. 8 sessions, each in its own workspace, take and give back their
# locks in a loop through the real hooks, all writing one log.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

W=8
C=$(crit_size 15 100 5)
LOG_MAX=$((1024 * 1024))	# AUDIT_MAX_BYTES, core/audit.h

# writer I: C acquire/release cycles of session wI in workspace $T/wsI.
writer() {
	local i=$1 n ws
	ws=$(cd "$T/ws$i" && pwd -P)
	sed -e "s#/home/dev/project#$ws#g" -e "s#\"session_id\": \"[^\"]*\"#\"session_id\": \"w$i\"#" \
		"$FX/PreToolUse.Write.json" > "$T/pre.$i"
	sed -e "s#/home/dev/project#$ws#g" -e "s#\"session_id\": \"[^\"]*\"#\"session_id\": \"w$i\"#" \
		"$FX/Stop.json" > "$T/stop.$i"
	for n in $(seq "$C"); do
		CLAUDE_PROJECT_DIR=$ws CLAUDE_PID=$2 "$SL_BIN/pretooluse-lock" < "$T/pre.$i" || echo "w$i pre $n: $?"
		CLAUDE_PROJECT_DIR=$ws CLAUDE_PID=$2 "$SL_BIN/stop-release" < "$T/stop.$i" || echo "w$i stop $n: $?"
	done > "$T/errors.$i" 2>&1
}

# check_lines FILE: every line is one JSON object with an "event"; prints
# the number of lines that are not.
check_lines() {
	local line bad=0
	while IFS= read -r line; do
		printf '%s\n' "$line" > "$T/line.json"
		"$SL_TOOLS/jget" "$T/line.json" event > /dev/null 2>&1 || bad=$((bad + 1))
	done < "$1"
	echo "$bad"
}

run_writers() {
	local i pids=
	for i in $(seq "$W"); do
		mkdir -p "$T/ws$i"
		spawn_owner
		writer "$i" "$OWNER_PID" &
		pids="$pids $!"
	done
	for i in $pids; do wait "$i"; done
}

t_begin "audit log: $W writers x $C cycles at once: every line whole, none lost ($(crit_mode))"
crit_tool jget || { t_end; t_finish; exit; }
run_writers
cat "$T"/errors.* > "$T/errors"
[ -s "$T/errors" ] && t_fail "hooks failed: $(head -n 5 "$T/errors")"
log=$RT/session-lock.log
assert_eq "$(wc -l < "$log")" "$((W * C * 2))" "log lines"
assert_eq "$(grep -c '"event":"acquire"' "$log")" "$((W * C))" "acquire lines"
assert_eq "$(grep -c '"event":"release"' "$log")" "$((W * C))" "release lines"
assert_eq "$(check_lines "$log")" 0 "lines that are not one JSON object"
echo "audit: $((W * C * 2)) lines from $W concurrent writers, 0 torn, 0 lost"
t_end

t_begin "audit log: concurrent writers across a rotation lose nothing and rotate once"
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
# A log just under the limit, so the writers' first lines rotate it.
pad='{"ts":0,"event":"padding","note":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}'
while [ "$(stat -c %s "$RT/session-lock.log" 2>/dev/null || echo 0)" -lt $((LOG_MAX - 200)) ]; do
	for i in $(seq 1000); do printf '%s\n' "$pad"; done >> "$RT/session-lock.log"
done
chmod 600 "$RT/session-lock.log"
before=$(wc -l < "$RT/session-lock.log")
run_writers
cat "$T"/errors.* > "$T/errors"
[ -s "$T/errors" ] && t_fail "hooks failed: $(head -n 5 "$T/errors")"
[ -f "$RT/session-lock.log.1" ] || t_fail "the log was not rotated"
cur=$(wc -l < "$RT/session-lock.log")
old=$(wc -l < "$RT/session-lock.log.1" 2>/dev/null || echo 0)
ours=$(cat "$RT/session-lock.log" "$RT/session-lock.log.1" 2>/dev/null | grep -vc '"event":"padding"')
assert_eq "$ours" "$((W * C * 2))" "our lines across both files"
# Rotated once: the padding is all in .1 (a second rotation would have lost it).
assert_eq "$(grep -c '"event":"padding"' "$RT/session-lock.log.1" 2>/dev/null)" "$before" "padding lines kept in .1"
assert_eq "$(check_lines "$RT/session-lock.log")" 0 "torn lines in the log"
echo "audit: rotation under $W writers: $before old lines kept, $((cur + old - before)) new, 0 torn"
t_end

t_finish
