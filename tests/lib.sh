# tests/lib.sh - sourced by every shell test file.
#
# A test file calls `t_begin "what it checks"`, runs things, asserts with the
# helpers below, and ends the case with `t_end`. A failed assertion marks the
# case failed and prints why; the file goes on with the next case. At the end
# of the file `t_finish` prints the file's tally, which tests/run.sh adds up.
#
# Each case runs in a fresh sandbox: $T (scratch), $HOME ($T/home), $WS
# (a workspace directory), $RT (the runtime directory the hooks use).

set -u
# `fx ... | run prog` must set RC, OUT and ERR in this shell, not in a subshell.
shopt -s lastpipe
export LC_ALL=C
unset SESSION_LOCK_DISABLE SESSION_LOCK_TTL_MS SESSION_LOCK_WAIT_MS SESSION_LOCK_SCOPE CLAUDE_PROJECT_DIR \
	SESSION_LOCK_FAULT SESSION_LOCK_CRASH_AT SESSION_LOCK_PAUSE_AT CLAUDE_PID \
	SESSION_LOCK_CLOCK_SKEW_MS SESSION_LOCK_RELEASE_ON SESSION_LOCK_TOOLS \
	SESSION_LOCK_BOOT_SKEW_MS

: "${SL_BIN:?SL_BIN must name the directory of the built programs (run through make test)}"
: "${SL_ROOT:?SL_ROOT must name the source tree}"
SL_TBIN=${SL_TBIN:-$SL_BIN}
FX=$SL_ROOT/fixtures/hooks/claude-code-2.1.330
T_PASSED=0
T_FAILED=0
T_SKIPPED=0
T_CASE=
T_CASE_FAILED=0
T_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/sl-test.XXXXXX")
T_KEEP=${T_KEEP:-0}
T_BG_PIDS=

t_cleanup() {
	local p
	# Out of the job table first, so bash does not report each as "Killed".
	disown -a 2>/dev/null
	for p in $T_BG_PIDS; do kill -9 "$p" 2>/dev/null; done
	if [ "$T_KEEP" = 1 ]; then echo "kept sandbox: $T_ROOT" >&2; else rm -rf "$T_ROOT"; fi
}
trap t_cleanup EXIT

t_begin() {
	T_CASE=$1
	T_CASE_FAILED=0
	T=$(mktemp -d "$T_ROOT/case.XXXXXX")
	export HOME=$T/home
	mkdir -p "$HOME" "$T/ws"
	WS=$(cd "$T/ws" && pwd -P)
	RT=$HOME/.claude/runtime
	export CLAUDE_PROJECT_DIR=$WS
	unset CLAUDE_PID SESSION_LOCK_BOOT_SKEW_MS
	cd "$WS" || exit 1
}

t_fail() {
	T_CASE_FAILED=1
	printf '  FAIL %s: %s\n' "$T_CASE" "$*"
}

t_end() {
	cd "$T_ROOT" || true
	if [ "$T_CASE_FAILED" = 0 ]; then
		T_PASSED=$((T_PASSED + 1))
		[ "${T_VERBOSE:-0}" = 1 ] && printf '  ok   %s\n' "$T_CASE"
	elif [ "$T_CASE_FAILED" = 1 ]; then
		T_FAILED=$((T_FAILED + 1))
	fi	# 2: skipped, counted by t_skip
	return 0
}

# t_skip REASON: the case could not run; counted and printed, never green.
t_skip() {
	T_SKIPPED=$((T_SKIPPED + 1))
	printf '  SKIP %s: %s\n' "$T_CASE" "$*"
	T_CASE_FAILED=2
}

t_finish() {
	printf '%s: %d passed, %d failed, %d skipped\n' "$(basename "$0" .sh)" \
		"$T_PASSED" "$T_FAILED" "$T_SKIPPED"
	if [ -n "${SL_RESULTS:-}" ]; then
		printf '%d %d %d\n' "$T_PASSED" "$T_FAILED" "$T_SKIPPED" >> "$SL_RESULTS"
	fi
	[ "$T_FAILED" = 0 ]
}

# --- fixtures ---------------------------------------------------------------

# fx NAME [SESSION_ID]: the real fixture NAME.json, with the captured
# workspace (/home/dev/project) replaced by $WS and, when given, the session id
# replaced.
fx() {
	local sid=${2:-}
	if [ -n "$sid" ]; then
		sed -e "s#/home/dev/project#$WS#g" \
		    -e "s#\"session_id\": \"[^\"]*\"#\"session_id\": \"$sid\"#" "$FX/$1.json"
	else
		sed -e "s#/home/dev/project#$WS#g" "$FX/$1.json"
	fi
}

# A live process to stand in for a Claude Code process; killed at exit.
# Sets $OWNER_PID.
spawn_owner() {
	sleep 1000 &
	OWNER_PID=$!
	T_BG_PIDS="$T_BG_PIDS $OWNER_PID"
}

# A PID that was just used and is now certainly gone (child reaped).
dead_pid() {
	sh -c 'exit 0' &
	local p=$!
	wait "$p" 2>/dev/null
	echo "$p"
}

# --- running programs -------------------------------------------------------

# t_bin PROGRAM: the path to run PROGRAM from: $SL_BIN, or the test build
# ($SL_TBIN) when the case asks for it (T_USE_TBIN) or needs it (put_record
# moved the boot clock: only the test build reads SESSION_LOCK_BOOT_SKEW_MS).
t_bin() {
	if [ -n "${T_USE_TBIN:-}${SESSION_LOCK_BOOT_SKEW_MS:-}" ]; then
		printf '%s/%s' "$SL_TBIN" "$1"
	else
		printf '%s/%s' "$SL_BIN" "$1"
	fi
}

# run PROGRAM [ARGS...] <<< input: runs PROGRAM (t_bin), sets RC, OUT, ERR.
# A program killed by a signal is always a failure of the case.
run() {
	local prog=$1
	shift
	local bin
	bin=$(t_bin "$prog")
	"$bin" "$@" > "$T/.out" 2> "$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
	if [ "$RC" -gt 128 ] && [ "$RC" != 255 ] && [ -z "${T_EXPECT_SIGNAL:-}" ]; then
		t_fail "$prog died by signal $((RC - 128)); stderr: $ERR"
	fi
}

# hook PROGRAM FIXTURE SESSION [PID]: feeds the fixture to a hook as the
# Claude Code process PID (CLAUDE_PID) of session SESSION.
hook() {
	local prog=$1 fixture=$2 sid=$3 pid=${4:-}
	if [ -n "$pid" ]; then
		fx "$fixture" "$sid" | CLAUDE_PID=$pid run "$prog"
	else
		fx "$fixture" "$sid" | run "$prog"
	fi
}

# write_to SESSION PID PATH [VAR=VALUE...]: a PreToolUse Write of PATH by
# SESSION (its Claude Code process PID), VAR=VALUE set for the hook alone;
# sets RC, OUT, ERR as run does.
write_to() {
	local sid=$1 pid=$2 path=$3 v
	shift 3
	for v in "$@"; do local -x "$v"; done
	fx PreToolUse.Write "$sid" | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$path\"#" |
		CLAUDE_PID=$pid run pretooluse-lock
}

# --- assertions -------------------------------------------------------------

assert_rc() { [ "$RC" = "$1" ] || t_fail "exit status $RC, expected $1 (stderr: $ERR)"; }
assert_out_empty() { [ -z "$OUT" ] || t_fail "stdout not empty: $OUT"; }
assert_err_empty() { [ -z "$ERR" ] || t_fail "stderr not empty: $ERR"; }
assert_err_has() { case $ERR in *"$1"*) ;; *) t_fail "stderr lacks '$1': $ERR" ;; esac; }
assert_out_has() { case $OUT in *"$1"*) ;; *) t_fail "stdout lacks '$1': $OUT" ;; esac; }
assert_out_lacks() { case $OUT in *"$1"*) t_fail "stdout has '$1': $OUT" ;; esac; }
assert_err_one_line() {
	[ -n "$ERR" ] || { t_fail "stderr is empty, expected one line"; return; }
	[ "$(printf '%s\n' "$ERR" | wc -l)" = 1 ] || t_fail "stderr is not one line: $ERR"
}
assert_eq() { [ "$1" = "$2" ] || t_fail "${3:-value}: got '$1', expected '$2'"; }
assert_file() { [ -f "$1" ] || t_fail "missing file $1"; }
assert_no_file() { [ ! -e "$1" ] && [ ! -L "$1" ] || t_fail "file should not exist: $1"; }
assert_file_has() { grep -q -- "$2" "$1" 2>/dev/null || t_fail "$1 lacks '$2'"; }
assert_file_lacks() { ! grep -q -- "$2" "$1" 2>/dev/null || t_fail "$1 has '$2'"; }
assert_same_file() { cmp -s "$1" "$2" || t_fail "$1 differs from $2"; }

# assert_out_deny: a block's stdout is exactly one JSON object that denies
# with the reason on stderr (hook.h: what the model reads without the
# command path) and carries a systemMessage for the user.
assert_out_deny() {
	printf '%s' "$OUT" > "$T/.deny.json"
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || t_fail "stdout is not one line: $OUT"
	[ "$("$SL_TOOLS/jget" "$T/.deny.json" hookSpecificOutput.permissionDecision)" = deny ] ||
		t_fail "stdout does not deny: $OUT"
	[ "$("$SL_TOOLS/jget" "$T/.deny.json" hookSpecificOutput.permissionDecisionReason)" = "$ERR" ] ||
		t_fail "the deny reason differs from stderr: $OUT"
	"$SL_TOOLS/jget" "$T/.deny.json" systemMessage > /dev/null || t_fail "no systemMessage: $OUT"
	case $OUT in *allow*) t_fail "stdout says allow: $OUT" ;; esac
}

# lock_file [DIR]: the lock record path of a workspace (default $WS).
lock_file() {
	local dir=${1:-$WS}
	printf '%s/session-lock-%s.json' "$RT" "$(printf '%s' "$dir" | md5sum | cut -c1-12)"
}

# json_get FILE PATH: a value of a JSON file (keys joined by '.'), via tests/tools/jget.
json_get() {
	"$SL_TOOLS/jget" "$1" "$2"
}

# --- records and clocks -------------------------------------------------------

BOOT_ID=$(cat /proc/sys/kernel/random/boot_id)
HOST=$(uname -n)
RECORDS=$SL_ROOT/fixtures/records

now_ms() { date +%s%3N; }
# CLOCK_BOOTTIME in ms, as the hooks stamp renewed_boot_ms (10 ms steps).
boot_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
# pid_start PID: field 22 of /proc/PID/stat (comm may hold spaces: cut at ") ").
pid_start() { sed 's/.*) //' "/proc/$1/stat" | awk '{ print $20 }'; }

# put_record TEMPLATE SESSION PID [NAME=VALUE...]: plants a record made from
# fixtures/records/TEMPLATE.json.in at $(lock_file) (or FILE=...). Defaults:
# renewed now on this host and boot, with PID's real start time, 300 s lease.
# IDLE=ms makes the renewal that old. The wall clock is dated back; the boot
# clock cannot be (CLOCK_BOOTTIME may be younger than ms on a fresh machine,
# and a negative renewed_boot_ms is corrupt), so the record is stamped now on
# it and the rest of the case runs ms later: SESSION_LOCK_BOOT_SKEW_MS is
# exported until the next t_begin, and run() takes the test build, which
# reads it. (RENBOOT=... given explicitly leaves the boot clock alone.)
put_record() {
	local tpl=$1 now boot kv sedargs=() k
	local -A v=([SID]=$2 [PID]=$3 [WS]=$WS [TTL]=300000 [LEASE]=300000 [BOOT]=$BOOT_ID
		[HOST]=$HOST [IDLE]=0 [FILE]=$(lock_file) [PREV_SID]=x [PREV_PID]=1
		[PREV_REASON]=dead [PREV_IDLE]=0)
	shift 3
	for kv; do v[${kv%%=*}]=${kv#*=}; done
	now=$(now_ms); boot=$(boot_ms)
	[ -n "${v[START]:-}" ] || v[START]=$(pid_start "${v[PID]}" 2>/dev/null || echo 1)
	[ -n "${v[START]}" ] || v[START]=1
	[ -n "${v[REN]:-}" ] || v[REN]=$((now - v[IDLE]))
	if [ -z "${v[RENBOOT]:-}" ]; then
		v[RENBOOT]=$boot
		if [ "${v[IDLE]}" != 0 ]; then export SESSION_LOCK_BOOT_SKEW_MS=${v[IDLE]}; fi
	fi
	[ -n "${v[ACQ]:-}" ] || v[ACQ]=${v[REN]}
	[ -n "${v[UNTIL]:-}" ] || v[UNTIL]=$((v[REN] + v[LEASE]))
	for k in "${!v[@]}"; do sedargs+=(-e "s#@$k@#${v[$k]}#g"); done
	mkdir -p "$(dirname "${v[FILE]}")"
	chmod 700 "$HOME/.claude" "$(dirname "${v[FILE]}")" 2>/dev/null
	sed "${sedargs[@]}" "$RECORDS/$tpl.json.in" > "${v[FILE]}"
	chmod 600 "${v[FILE]}"
}

# until_true SECONDS CMD...: polls CMD every 50 ms; fails the case on timeout.
until_true() {
	local n=$(($1 * 20))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || { t_fail "timed out waiting for: $*"; return 1; }
		sleep 0.05
	done
}

# --- fault injection ----------------------------------------------------------

# fault_nth CALL:ERR TEXT RUNNER: sets FAULT_NTH to the smallest N in 1..30 at
# which `RUNNER CALL:ERR:N` (one run of a test-build hook with that
# SESSION_LOCK_FAULT; it sets ERR) says TEXT on stderr. The call a test means
# is found by asking, not counted by hand: reads of /proc and of the
# configuration come first and move with the code. Returns 1, FAULT_NTH
# empty, when no N does. Messages are gathered once per CALL:ERR and RUNNER,
# so call it outside a subshell.
declare -A T_FAULT_SCANNED T_FAULT_MSG
fault_nth() {
	local ce=$1 text=$2 runner=$3 n
	if [ -z "${T_FAULT_SCANNED[$ce|$runner]:-}" ]; then
		T_FAULT_SCANNED[$ce|$runner]=1
		for n in $(seq 1 30); do
			"$runner" "$ce:$n"
			T_FAULT_MSG[$ce|$runner|$n]=$ERR
		done
	fi
	FAULT_NTH=
	for n in $(seq 1 30); do
		case ${T_FAULT_MSG[$ce|$runner|$n]} in *"$text"*) FAULT_NTH=$n; return 0 ;; esac
	done
	return 1
}
