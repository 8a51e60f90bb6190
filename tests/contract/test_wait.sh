#!/usr/bin/env bash
# A short, fair wait (issue 6): with wait_ms, a blocked PreToolUse waits for
# the lock; waiters are served first come, first served.
. "$(dirname "$0")/../lib.sh"

queue_len() { cat "$RT"/session-lock-*.queue 2>/dev/null | wc -l; }

queue_has() { [ "$(queue_len)" -ge "$1" ]; }
done_count() { [ -f "$T/order" ] && [ "$(wc -l < "$T/order")" -ge "$1" ]; }

# waiter N PID: a waiting PreToolUse in the background; appends "wN RC" to $T/order.
waiter() {
	( fx PreToolUse.Write "w$1" | SESSION_LOCK_WAIT_MS=8000 CLAUDE_PID=$2 \
		"$SL_BIN/pretooluse-lock" 2>/dev/null; echo "w$1 $?" >> "$T/order" ) &
}

t_begin "without wait_ms a held lock blocks at once"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"
start=$(date +%s%N)
hook pretooluse-lock PreToolUse.Write other "$b"
assert_rc 2
[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 5000 ] || t_fail "a plain block took over 5 s"
t_end

t_begin "a waiter gets the lock when the holder releases within wait_ms"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"
waiter 1 "$b"
until_true 5 queue_has 1
[ ! -s "$T/order" ] || t_fail "the waiter returned before the release: $(cat "$T/order")"
hook stop-release Stop holder "$a"
until_true 10 done_count 1
assert_eq "$(cat "$T/order")" "w1 0" "waiter result"
assert_eq "$(json_get "$(lock_file)" session_id)" "w1" "new holder"
assert_eq "$(queue_len)" 0 "queue length after"
t_end

t_begin "a waiter blocks when wait_ms passes and leaves the queue"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"
fx PreToolUse.Write w1 | SESSION_LOCK_WAIT_MS=300 CLAUDE_PID=$b run pretooluse-lock
assert_rc 2; assert_err_has "pid $a"
assert_eq "$(queue_len)" 0 "queue length after giving up"
t_end

t_begin "three waiters are served in the order they came"
spawn_owner; h=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$h"
for i in 1 2 3; do spawn_owner; eval "p$i=$OWNER_PID"; waiter "$i" "$OWNER_PID"; until_true 5 queue_has "$i"; done
hook stop-release Stop holder "$h"
until_true 10 done_count 1
assert_eq "$(json_get "$(lock_file)" session_id)" "w1" "first served"
hook stop-release Stop w1 "$p1"
until_true 10 done_count 2
assert_eq "$(json_get "$(lock_file)" session_id)" "w2" "second served"
hook stop-release Stop w2 "$p2"
until_true 10 done_count 3
assert_eq "$(json_get "$(lock_file)" session_id)" "w3" "third served"
assert_eq "$(cut -d' ' -f1 "$T/order" | tr '\n' ' ')" "w1 w2 w3 " "order of acquisition"
t_end

t_begin "a newcomer without a wait is told that queued sessions came first"
spawn_owner; h=$OWNER_PID; spawn_owner; w=$OWNER_PID; spawn_owner; n=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$h"
waiter 1 "$w"; until_true 5 queue_has 1
# The holder is killed: the lock is free for the oldest waiter, not the newcomer.
kill -9 "$h"; wait "$h" 2>/dev/null
hook pretooluse-lock PreToolUse.Write newcomer "$n"
# The waiter polls, so it may take the lock over before the newcomer runs:
# then the newcomer is blocked by the waiter as a holder, not as a queue.
case $RC:$ERR in
2:*"session w1 (pid"*) ;;
2:*) assert_err_has "came first" ;;
*) t_fail "the newcomer was not blocked (exit $RC): $ERR" ;;
esac
until_true 10 done_count 1
assert_eq "$(json_get "$(lock_file)" session_id)" "w1" "the waiter got the lock"
t_end

t_begin "a waiter killed at its hook timeout does not hold up the queue"
spawn_owner; h=$OWNER_PID; spawn_owner; w=$OWNER_PID; spawn_owner; n=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$h"
( fx PreToolUse.Write w1 | SESSION_LOCK_WAIT_MS=8000 CLAUDE_PID=$w exec "$SL_BIN/pretooluse-lock" ) 2>/dev/null &
wp=$!
until_true 5 queue_has 1
kill -9 "$wp"; wait "$wp" 2>/dev/null
hook stop-release Stop holder "$h"
hook pretooluse-lock PreToolUse.Write newcomer "$n"
assert_rc 0
t_end

t_begin "wait_ms above 8000 is refused as a bad setting (fail open, one line)"
spawn_owner
fx PreToolUse.Write s | SESSION_LOCK_WAIT_MS=60000 CLAUDE_PID=$OWNER_PID run pretooluse-lock
assert_rc 0; assert_out_empty; assert_err_one_line; assert_err_has "SESSION_LOCK_WAIT_MS"
t_end

t_finish
