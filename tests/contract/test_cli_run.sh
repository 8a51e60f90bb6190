#!/usr/bin/env bash
# The same lock for people and scripts (issue 6): session-lock run and wait.
. "$(dirname "$0")/../lib.sh"
unset CLAUDE_CODE_SESSION_ID

rt() { mkdir -p "$RT" && chmod 700 "$HOME/.claude" "$RT"; }
has_record() { [ -f "$(lock_file)" ]; }
no_record() { [ ! -e "$(lock_file)" ]; }
log_file() { printf '%s/session-lock.log' "$RT"; }


# running PID: the process exists and has not exited (a zombie has).
running() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ]
}

# reap PID SECONDS: waits, bounded, for a background job; sets RC.
reap() {
	local n=$(($2 * 20))
	while running "$1"; do
		n=$((n - 1))
		if [ "$n" -le 0 ]; then
			t_fail "pid $1 still running after $2 s"
			kill -9 "$1" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$1"
	RC=$?
}

# bg_run ARGS...: session-lock ARGS in the background; $P is its pid.
bg_run() {
	"$SL_BIN/session-lock" "$@" > "$T/bg.out" 2> "$T/bg.err" &
	P=$!
	T_BG_PIDS="$T_BG_PIDS $P"
}

# put_dead_record: a record whose holder process is gone.
put_dead_record() {
	local r
	r=$(now_ms)
	rt
	printf '{"schema_version":1,"session_id":"gone-session","pid":%s,"acquired_at":%s,"ttl_ms":300000,"workspace":"%s","renewed_at":%s,"lease_ms":300000}\n' \
		"$(dead_pid)" "$r" "$WS" "$r" > "$(lock_file)"
}

# --- run ----------------------------------------------------------------------

t_begin "run: holds the lock as its own holder while the command runs; sessions are blocked naming it"
bg_run run -- sleep 3
until_true 5 has_record
assert_eq "$(json_get "$(lock_file)" kind)" run "kind"
assert_eq "$(json_get "$(lock_file)" pid)" "$P" "holder pid"
assert_eq "$(json_get "$(lock_file)" command)" "sleep 3" "command"
case $(json_get "$(lock_file)" session_id) in "run:$P:"*) ;; *) t_fail "session_id $(json_get "$(lock_file)" session_id)" ;; esac
spawn_owner
hook pretooluse-lock PreToolUse.Write session-b "$OWNER_PID"
assert_rc 2
assert_err_has "'session-lock run' of 'sleep 3'"
assert_err_has "pid $P"
run session-lock status --json
assert_rc 1
printf '%s\n' "$OUT" > "$T/s.json"
assert_eq "$(json_get "$T/s.json" holder.kind)" run "status kind"
assert_eq "$(json_get "$T/s.json" holder.command)" "sleep 3" "status command"
assert_eq "$(json_get "$T/s.json" holder.alive)" alive "status alive"
reap "$P" 10
assert_rc 0
assert_no_file "$(lock_file)"
assert_file_has "$(log_file)" "\"event\":\"acquire\",\"workspace\":\"$WS\",\"session_id\":\"run:$P:"
assert_file_has "$(log_file)" "\"event\":\"release\",\"workspace\":\"$WS\",\"session_id\":\"run:$P:"
# now the session may work
hook pretooluse-lock PreToolUse.Write session-b "$OWNER_PID"
assert_rc 0
t_end

t_begin "run: releases after success and after failure, passing the status and output through"
run session-lock run -- echo hello world
assert_rc 0
assert_eq "$OUT" "hello world" "output"
assert_no_file "$(lock_file)"
run session-lock run -- sh -c 'echo oops >&2; exit 7'
assert_rc 7
assert_eq "$ERR" "oops" "stderr"
assert_no_file "$(lock_file)"
T_EXPECT_SIGNAL=1 run session-lock run -- sh -c 'kill -KILL $$'
assert_rc 137
assert_no_file "$(lock_file)"
assert_eq "$(grep -c '"event":"release"' "$(log_file)")" 3 "releases logged"
t_end

t_begin "run: PATH names the workspace; --wait=0 and a stale dead holder is taken over"
mkdir -p "$T/other"; other=$(cd "$T/other" && pwd -P)
run session-lock run "$other" -- sh -c "cat '$(lock_file "$other")'"
assert_rc 0
assert_out_has "\"workspace\":\"$other\""
put_dead_record
run session-lock run --wait=0 -- true
assert_rc 0
assert_no_file "$(lock_file)"
assert_file_has "$(log_file)" '"event":"takeover"'
t_end

for sig in TERM INT HUP; do
	t_begin "run: SIGTERM/SIGINT/SIGHUP ($sig) is passed on, the lock released, exit 128+sig"
	set -m	# a background job of a script ignores SIGINT unless job control is on
	bg_run run -- sleep 30
	set +m
	until_true 5 has_record
	child=$(pgrep -P "$P" sleep)
	[ -n "$child" ] || t_fail "no child"
	kill -"$sig" "$P"
	reap "$P" 10
	case $sig in TERM) want=143 ;; INT) want=130 ;; HUP) want=129 ;; esac
	assert_eq "$RC" "$want" "exit status"
	assert_no_file "$(lock_file)"
	[ -n "$child" ] && [ -e "/proc/$child" ] && t_fail "the command is still there"
	assert_file_has "$(log_file)" '"event":"release"'
	t_end
done

# gone PID: the process has ended (absent, or a zombie not yet reaped).
gone() { ! running "$1"; }
# still_size FILE: FILE stops growing (the same size 0.5 s apart).
still_size() {
	local a b
	a=$(stat -c %s "$1"); sleep 0.5; b=$(stat -c %s "$1")
	[ "$a" = "$b" ]
}

t_begin "run: a supervisor killed with SIGKILL takes its command with it; the lock is then free"
bg_run run -- sh -c "echo \$\$ > '$T/cmd.pid'; while :; do date +%s%N >> '$T/tick'; sleep 0.1; done"
until_true 5 test -s "$T/tick"
cmd=$(cat "$T/cmd.pid")
T_BG_PIDS="$T_BG_PIDS $cmd"
running "$cmd" || t_fail "the command is not running"
kill -9 "$P"
wait "$P" 2>/dev/null
until_true 10 gone "$cmd"
until_true 10 still_size "$T/tick"
spawn_owner
hook pretooluse-lock PreToolUse.Write session-b "$OWNER_PID"
assert_rc 0
t_end

t_begin "run without a terminal: SIGKILL of the supervisor ends the command's whole process group"
# setsid: no controlling terminal, as under cron, CI or Claude Code's Bash tool
setsid "$SL_BIN/session-lock" run -- sh -c "sleep 1000 & echo \$! > '$T/grandchild.pid'; echo \$\$ > '$T/cmd.pid'; wait" \
	> "$T/bg.out" 2> "$T/bg.err" &
T_BG_PIDS="$T_BG_PIDS $!"
disown $!
until_true 5 test -s "$T/grandchild.pid"
until_true 5 has_record
sup=$(json_get "$(lock_file)" pid)
cmd=$(cat "$T/cmd.pid"); gc=$(cat "$T/grandchild.pid")
T_BG_PIDS="$T_BG_PIDS $cmd $gc"
assert_eq "$(ps -o pgid= -p "$cmd" | tr -d ' ')" "$cmd" "the command leads its own process group"
kill -9 "$sup"
until_true 10 gone "$cmd"
until_true 10 gone "$gc"
t_end

t_begin "run: a command that ends normally leaves no helper process behind"
run session-lock run -- sh -c 'echo $PPID'
assert_rc 0
sup=$OUT
sleep 0.2
left=$(ps -o pid= --ppid "$sup" 2>/dev/null | tr -d ' ')
[ -z "$left" ] || t_fail "processes of the supervisor left: $left"
t_end

t_begin "run: a command that ignores the signal keeps the lock until it ends"
bg_run run -- sh -c "trap '' TERM; touch '$T/started'; sleep 1.5"
until_true 5 test -f "$T/started"
kill -TERM "$P"
sleep 0.5
has_record || t_fail "the lock was released while the command still ran"
running "$P" || t_fail "session-lock run ended before its command"
reap "$P" 10
assert_rc 143
assert_no_file "$(lock_file)"
t_end

t_begin "run: renews the lease during a long command (TTL 1 s), so no session takes over"
export SESSION_LOCK_TTL_MS=1000
# The command runs until told to stop, so the checks take as long as a loaded
# machine needs; each waits past the lease last seen, which only a renewal
# can have extended.
bg_run run -- sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' sh "$T/go"
until_true 5 has_record
lease=$(json_get "$(lock_file)" lease_ms)
[ "$lease" -le 3000 ] || t_fail "lease_ms $lease: the test needs a lease under 3.3 s"
r=$(json_get "$(lock_file)" renewed_at)
spawn_owner
for round in 1 2; do
	while [ "$(now_ms)" -le $((r + lease + 300)) ]; do sleep 0.05; done
	hook pretooluse-lock PreToolUse.Write session-b "$OWNER_PID"
	assert_rc 2
	assert_err_has "'session-lock run' of 'sh -c"
	next=$(json_get "$(lock_file)" renewed_at)
	[ "$next" -gt "$r" ] || t_fail "round $round: renewed_at did not advance: $r -> $next"
	assert_eq "$(json_get "$(lock_file)" pid)" "$P" "holder"
	r=$next
done
touch "$T/go"
reap "$P" 10
assert_rc 0
assert_no_file "$(lock_file)"
unset SESSION_LOCK_TTL_MS
t_end

t_begin "run --wait: gets the lock when the holder releases within the wait"
spawn_owner; a=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder-a "$a"
bg_run run --wait 10 -- sh -c "echo ran > '$T/ran'"
sleep 1
running "$P" || t_fail "run did not wait"
assert_no_file "$T/ran"
hook stop-release Stop holder-a "$a"
reap "$P" 15
assert_rc 0
assert_file "$T/ran"
assert_no_file "$(lock_file)"
assert_file_has "$(log_file)" "\"event\":\"acquire\",\"workspace\":\"$WS\",\"session_id\":\"run:$P:"
t_end

t_begin "run --wait: exits 75 when the holder keeps the lock; without --wait at once"
spawn_owner; a=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder-a "$a"
cp "$(lock_file)" "$T/before"
start=$(now_ms)
run session-lock run --wait 1 -- touch "$T/ran"
took=$(($(now_ms) - start))
assert_rc 75
assert_err_one_line
assert_err_has "pid $a"
assert_err_has "cannot lock '$WS'"
[ "$took" -ge 1000 ] && [ "$took" -lt 5000 ] || t_fail "waited $took ms for --wait 1"
assert_no_file "$T/ran"
assert_same_file "$T/before" "$(lock_file)"
start=$(now_ms)
run session-lock run -- touch "$T/ran"
took=$(($(now_ms) - start))
assert_rc 75
assert_err_has "--wait"
[ "$took" -lt 1000 ] || t_fail "a try took $took ms"
assert_no_file "$T/ran"
[ -z "$(cat "$RT"/session-lock-*.queue 2>/dev/null)" ] || t_fail "left an entry in the waiters' queue"
t_end

t_begin "run: a command that cannot run exits 127 or 126, after releasing"
run session-lock run -- "$T/no-such-program"
assert_rc 127
assert_err_has "cannot run '$T/no-such-program'"
assert_no_file "$(lock_file)"
printf 'data\n' > "$T/not-exec"
run session-lock run -- "$T/not-exec"
assert_rc 126
assert_no_file "$(lock_file)"
t_end

t_begin "run: usage errors exit 2"
run session-lock run -- 
assert_rc 2
run session-lock run sleep 1
assert_rc 2
run session-lock run --wait x -- true
assert_rc 2
run session-lock run --wait -1 -- true
assert_rc 2
assert_no_file "$(lock_file)"
t_end

# --- wait ---------------------------------------------------------------------

t_begin "wait: a free or stale workspace returns 0 at once"
start=$(now_ms)
run session-lock wait
assert_rc 0
put_dead_record
run session-lock wait --timeout 5
assert_rc 0
[ $(($(now_ms) - start)) -lt 2000 ] || t_fail "took $(($(now_ms) - start)) ms"
has_record || t_fail "wait changed the record"
t_end

t_begin "wait: exits 75 on timeout while held"
spawn_owner; a=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder-a "$a"
start=$(now_ms)
run session-lock wait --timeout 0.5
took=$(($(now_ms) - start))
assert_rc 75
assert_err_one_line
assert_err_has "pid $a"
[ "$took" -ge 500 ] && [ "$took" -lt 4000 ] || t_fail "waited $took ms for --timeout 0.5"
t_end

t_begin "wait: returns when the holder releases"
spawn_owner; a=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder-a "$a"
bg_run wait --timeout 10
sleep 1
running "$P" || t_fail "wait returned while the lock was held"
hook stop-release Stop holder-a "$a"
start=$(now_ms)
reap "$P" 5
assert_rc 0
[ $(($(now_ms) - start)) -lt 2500 ] || t_fail "noticed the release after $(($(now_ms) - start)) ms"
t_end

t_begin "wait: returns when a 'session-lock run' ends"
bg_run run -- sleep 1.5
R=$P
until_true 5 has_record
start=$(now_ms)
run session-lock wait --timeout 10
assert_rc 0
[ $(($(now_ms) - start)) -ge 700 ] || t_fail "wait returned before the run ended"
reap "$R" 5
t_end

t_begin "wait: usage errors exit 2"
run session-lock wait --timeout
assert_rc 2
run session-lock wait --timeout abc
assert_rc 2
run session-lock wait a b
assert_rc 2
t_end

t_finish
