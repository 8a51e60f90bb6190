# tests/tools/crit_lib.bash - shared by the reliability scripts in tests/stress
# (sourced after tests/lib.sh; not a test itself).
#
# crit_size QUICK FULL [SANITIZED]: picks a size. SL_STRESS=full (make stress)
# gives FULL; a sanitized build (make test-asan) gives SANITIZED (default
# QUICK); otherwise QUICK (the slice inside make test).
crit_size() {
	if [ "${SL_STRESS:-}" = full ]; then
		echo "$2"
	elif [ -n "${SL_SANITIZED:-}" ]; then
		echo "${3:-$1}"
	else
		echo "$1"
	fi
}

# crit_mode: "full", "quick" or "sanitized", for the figure lines.
crit_mode() {
	if [ "${SL_STRESS:-}" = full ]; then echo full
	elif [ -n "${SL_SANITIZED:-}" ]; then echo sanitized
	else echo quick; fi
}

# crit_tool NAME: fails the case (and returns 1) when a helper is missing.
crit_tool() {
	[ -x "$SL_TOOLS/$1" ] && return 0
	t_fail "helper $SL_TOOLS/$1 is not built"
	return 1
}

# crit_run_t SECONDS PROGRAM [ARGS...] <<< input: like lib.sh's run, with a
# time limit (exit 124 = hung) and the program given by path.
crit_run_t() {
	local secs=$1
	shift
	# (the group's stderr hides bash's "Killed" notice for a crashed program)
	{ timeout -k 5 "$secs" "$@" > "$T/.out" 2> "$T/.err"; } 2>/dev/null
	RC=$?
	crit_slurp
	if [ "$RC" = 124 ]; then
		t_fail "$(basename "$1") hung (stopped after $secs s); stderr: $ERR"
	elif [ "$RC" -gt 128 ] && [ "$RC" != 255 ] && [ -z "${T_EXPECT_SIGNAL:-}" ]; then
		t_fail "$(basename "$1") died by signal $((RC - 128)); stderr: $ERR"
	fi
}

# crit_slurp: OUT and ERR from the last run's files, without forking
# (process creation costs milliseconds here; the loops run thousands).
crit_slurp() {
	OUT= ERR=
	IFS= read -r -d '' OUT < "$T/.out"
	IFS= read -r -d '' ERR < "$T/.err"
	OUT=${OUT%$'\n'}
	ERR=${ERR%$'\n'}
}

# crit_run_fast PROGRAM [ARGS...] < input: crit_run_t without the time limit,
# for hot loops over cases that cannot block (no FIFO, no held mutex).
crit_run_fast() {
	{ "$@" > "$T/.out" 2> "$T/.err"; } 2>/dev/null
	RC=$?
	crit_slurp
	if [ "$RC" -gt 128 ] && [ "$RC" != 255 ] && [ -z "${T_EXPECT_SIGNAL:-}" ]; then
		t_fail "$(basename "$1") died by signal $((RC - 128)); stderr: $ERR"
	fi
}

# crit_hook BIN FIXTURE SESSION PID: feeds a fixture to BIN (a path) as the
# Claude Code process PID of SESSION, with a 20 s limit.
crit_hook() {
	local bin=$1 fixture=$2 sid=$3 pid=$4
	fx "$fixture" "$sid" > "$T/.in"
	CLAUDE_PID=$pid crit_run_t 20 "$bin" < "$T/.in"
}

# crit_failed_open: the hook failed open: exit 0, nothing on stdout, one line
# on stderr.
crit_failed_open() {
	assert_rc 0
	assert_out_empty
	assert_err_one_line
}

# crit_state FILE: "absent", "found SID", "corrupt", ... (crit_record check).
crit_state() {
	"$SL_TOOLS/crit_record" check "$1" 2>/dev/null
}

# crit_temps: leftover temporary files in the runtime directory (no fork).
crit_temps() {
	local f
	for f in "$RT"/*.tmp "$RT"/.*.tmp "$RT"/*.tmp.*; do
		[ -e "$f" ] || [ -L "$f" ] && printf '%s ' "${f##*/}"
	done
	return 0
}

# crit_has_gc: does `session-lock gc` exist (another issue writes it)?
crit_has_gc() {
	"$SL_BIN/session-lock" gc --help > /dev/null 2>&1
}

# crit_spawn_named NAME: runs a copy of sleep named NAME as a live process;
# sets OWNER_PID.
crit_spawn_named() {
	cp "$(command -v sleep)" "$T/$1"
	"$T/$1" 1000 &
	OWNER_PID=$!
	T_BG_PIDS="$T_BG_PIDS $OWNER_PID"
}

# crit_audit_has EVENT [TEXT]: the audit log has a line with event EVENT
# (and TEXT).
crit_audit_has() {
	local log=$RT/session-lock.log
	grep "\"event\":\"$1\"" "$log" 2>/dev/null | grep -q -- "${2:-}" ||
		t_fail "audit log lacks a '$1' line${2:+ with '$2'}: $(tail -n 3 "$log" 2>/dev/null)"
}

# crit_reap: ends the stand-ins started so far (quietly: no "Killed" job notices).
crit_reap() {
	local p
	for p in $T_BG_PIDS; do kill -9 "$p" 2>/dev/null; done
	for p in $T_BG_PIDS; do wait "$p" 2>/dev/null; done
	T_BG_PIDS=
}
