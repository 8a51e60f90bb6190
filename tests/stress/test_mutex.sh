#!/usr/bin/env bash
# Mutual exclusion through the real hook binaries: N contenders x M rounds,
# each its own session with its own live Claude Code stand-in, enter the
# lock with pretooluse-lock and leave with stop-release; inside, a
# non-atomic read-increment-write of a counter and entry/exit times.
# Afterwards: counter == entries, no two intervals overlap (mx_stress).
# Quick: 16 x 20 (sanitized: 16 x 5); SL_STRESS=full: 16 x 500 and 32 x 100.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

mutex_case() {
	local n=$1 m=$2 sleep_us=$3
	t_begin "mutual exclusion: $n contenders x $m rounds ($(crit_mode))"
	crit_tool mx_stress || { t_end; return; }
	fx PreToolUse.Write @SID@ > "$T/pre.json"
	fx Stop @SID@ > "$T/stop.json"
	mkdir -p "$T/work"
	# Warm the runtime directory so that its creation is not part of the race.
	spawn_owner
	hook pretooluse-lock PreToolUse.Write warmup "$OWNER_PID"
	hook stop-release Stop warmup "$OWNER_PID"
	timeout -k 5 1500 "$SL_TOOLS/mx_stress" -n "$n" -m "$m" -u "$sleep_us" -t 1400 \
		-p "$SL_BIN/pretooluse-lock" -s "$SL_BIN/stop-release" \
		-i "$T/pre.json" -j "$T/stop.json" -r "$(lock_file)" -d "$T/work" \
		> "$T/mx.out" 2> "$T/mx.err"
	RC=$?
	cat "$T/mx.out"
	[ "$RC" = 0 ] || t_fail "mx_stress exit $RC: $(head -c 2000 "$T/mx.err")"
	grep -q ' violations=0 ' "$T/mx.out" || t_fail "overlapping critical sections"
	# After the last release the workspace is free again and nothing is left over.
	assert_no_file "$(lock_file)"
	[ -z "$(crit_temps)" ] || t_fail "temporary files left: $(crit_temps)"
	crit_reap
	t_end
}

if [ "$(crit_mode)" = full ]; then
	mutex_case 16 500 300
	mutex_case 32 100 0
else
	mutex_case 16 "$(crit_size 20 500 5)" 300
fi
t_finish
