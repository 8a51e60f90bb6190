#!/usr/bin/env bash
# Path claims through the real hook binaries (the "paths" scope): N sessions,
# each with its own live Claude Code stand-in, play M rounds over 8 paths of
# one workspace, files and directories nested in each other. Each round a
# session picks a path (the same choices on every run), claims it with a
# PreToolUse Write of it (retrying after a jittered pause while blocked),
# stays inside for a moment, Writes it again with a longer lease (a
# re-entrant call that rewrites its holder in the shared record), and
# releases with Stop. A Write of a directory path claims the directory: it
# conflicts with every claim below it.
# Afterwards (cl_stress): no two intervals on conflicting paths (equal, or
# one an ancestor of the other) overlap, every round was played, and the
# record always showed the claim; the parallelism on disjoint paths is
# printed, not asserted. Inside: 5 to 10 ms and the re-entrant Write.
# Quick: 16 x 10 (sanitized: 16 x 5; a round costs about seven hook
# processes, blocked attempts included: 16 x 10 takes ~8 s on a 2-core VM at
# load 5, under a minute at load 25); SL_STRESS=full: 16 x 500, and 16 x 100
# with a changing Bash command (the whole workspace) among the paths.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

# d, d/e and z are directories; z/ is written with its trailing slash.
PATHS=(d d/a d/e d/e/f x y z/ z/w)

claims_case() {
	local n=$1 m=$2 sleep_us=$3 what=$4
	shift 4
	t_begin "path claims: $n sessions x $m rounds over $# paths$what ($(crit_mode))"
	crit_tool cl_stress || { t_end; return; }
	export SESSION_LOCK_SCOPE=paths
	mkdir -p "$WS/d/e" "$WS/z" "$T/work"
	fx PreToolUse.Write @SID@ | sed -e "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"@PATH@\"#" \
		> "$T/pre.json"
	fx PreToolUse.Bash @SID@ > "$T/bash.json"
	fx Stop @SID@ > "$T/stop.json"
	grep -q '@PATH@' "$T/pre.json" || t_fail "the Write fixture has no file_path to replace"
	# Warm the runtime directory so that its creation is not part of the race.
	spawn_owner
	hook pretooluse-lock PreToolUse.Write warmup "$OWNER_PID"
	hook stop-release Stop warmup "$OWNER_PID"
	timeout -k 5 1500 "$SL_TOOLS/cl_stress" -n "$n" -m "$m" -u "$sleep_us" -t 1400 \
		-p "$SL_BIN/pretooluse-lock" -s "$SL_BIN/stop-release" \
		-i "$T/pre.json" -j "$T/stop.json" -b "$T/bash.json" -w "$WS" \
		-r "$(lock_file)" -d "$T/work" -R "$@" > "$T/cl.out" 2> "$T/cl.err"
	RC=$?
	unset SESSION_LOCK_SCOPE
	sed 's/^/  /' "$T/cl.out"
	[ "$RC" = 0 ] || t_fail "cl_stress exit $RC: $(head -c 2000 "$T/cl.err")"
	grep -q ' violations=0 ' "$T/cl.out" || t_fail "overlapping claims on conflicting paths"
	grep -q " entries=$((n * m)) " "$T/cl.out" || t_fail "not every round was played"
	# After the last release nothing is claimed and nothing is left over.
	assert_no_file "$(lock_file)"
	[ -z "$(crit_temps)" ] || t_fail "temporary files left: $(crit_temps)"
	crit_reap
	t_end
}

if [ "$(crit_mode)" = full ]; then
	claims_case 16 500 10000 "" "${PATHS[@]}"
	claims_case 16 100 10000 " and the whole workspace" "${PATHS[@]}" '*'
else
	claims_case 16 "$(crit_size 10 500 5)" 10000 "" "${PATHS[@]}"
fi
t_finish
