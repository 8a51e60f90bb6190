#!/usr/bin/env bash
# The blocked-session loop (issue 9): a blocked session runs `session-lock
# wait` through its Bash tool, which queues it and takes the lock FOR IT in
# its turn; the holder hears once of each waiter; the block reason says what
# the holder is doing and why this call needs the lock.
#
# A session's Bash tool environment is simulated as the real client sets it
# (PROTOCOL.md 5a): CLAUDE_CODE_SESSION_ID and CLAUDE_PID, no
# CLAUDE_PROJECT_DIR, the working directory in the workspace.
. "$(dirname "$0")/../lib.sh"

queue_len() { cat "$RT"/session-lock-*.queue 2>/dev/null | wc -l; }
queue_has() { [ "$(queue_len)" -ge "$1" ]; }
done_count() { [ -f "$T/order" ] && [ "$(wc -l < "$T/order")" -ge "$1" ]; }
assert_err_matches_idle() { printf '%s' "$ERR" | grep -Eq "\(pid [0-9]+, idle [0-9]+ s, holding the lock since" || t_fail "not idle: $ERR"; }
holder_is() { [ "$(json_get "$(lock_file)" session_id 2>/dev/null)" = "$1" ]; }

# bash_tool SESSION PID CMD...: runs CMD as the Bash tool of that session would.
bash_tool() {
	local sid=$1 pid=$2
	shift 2
	( unset CLAUDE_PROJECT_DIR; cd "$WS" && CLAUDE_CODE_SESSION_ID=$sid CLAUDE_PID=$pid "$@" )
}
# waiter SESSION PID [ARGS]: `session-lock wait` in the background; appends
# "SESSION RC" to $T/order and its stdout to $T/out.SESSION.
waiter() {
	local sid=$1 pid=$2
	shift 2
	( bash_tool "$sid" "$pid" "$SL_BIN/session-lock" wait "$@" > "$T/out.$sid" 2> "$T/err.$sid"
	  echo "$sid $?" >> "$T/order" ) &
}
# A Bash PreToolUse/PostToolUse pair member with a given tool_use_id and command.
bash_input() {
	fx "$1" "$2" | sed -e "s#\"tool_use_id\": \"[^\"]*\"#\"tool_use_id\": \"$3\"#" \
	    -e "s#\"command\": \"[^\"]*\"#\"command\": \"$4\"#"
}

t_begin "session-lock wait in a blocked session waits, then takes the lock for that session"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write aaaaaaaa-holder "$a"
hook pretooluse-lock PreToolUse.Write bbbbbbbb-waiter "$b"
assert_rc 2
waiter bbbbbbbb-waiter "$b"
until_true 10 queue_has 1
[ ! -s "$T/order" ] || t_fail "wait returned while the lock was held: $(cat "$T/order")"
hook stop-release Stop aaaaaaaa-holder "$a"
until_true 15 done_count 1
assert_eq "$(cat "$T/order")" "bbbbbbbb-waiter 0" "wait's result"
assert_file_has "$T/out.bbbbbbbb-waiter" "is now this session's"
assert_eq "$(json_get "$(lock_file)" session_id)" bbbbbbbb-waiter "holder after the wait"
assert_eq "$(json_get "$(lock_file)" pid)" "$b" "holder pid is the session's claude process"
assert_eq "$(queue_len)" 0 "queue after"
# The session's retried Write now finds the lock its own.
hook pretooluse-lock PreToolUse.Write bbbbbbbb-waiter "$b"
assert_rc 0; assert_out_empty
t_end

t_begin "three sessions waiting are served in arrival order, each taking the lock itself"
spawn_owner; h=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$h"
for i in 1 2 3; do
	spawn_owner; eval "p$i=$OWNER_PID"
	waiter "s$i" "$OWNER_PID"
	until_true 10 queue_has "$i"
done
hook stop-release Stop holder "$h"
until_true 15 done_count 1
assert_eq "$(json_get "$(lock_file)" session_id)" s1 "first served"
# A newcomer that does not wait is told the queue came first, or meets s1.
spawn_owner
hook pretooluse-lock PreToolUse.Write newcomer "$OWNER_PID"
assert_rc 2
hook stop-release Stop s1 "$p1"
until_true 15 done_count 2
assert_eq "$(json_get "$(lock_file)" session_id)" s2 "second served"
hook stop-release Stop s2 "$p2"
until_true 15 done_count 3
assert_eq "$(json_get "$(lock_file)" session_id)" s3 "third served"
assert_eq "$(cut -d' ' -f1 "$T/order" | tr '\n' ' ')" "s1 s2 s3 " "order"
assert_eq "$(cut -d' ' -f2 "$T/order" | tr '\n' ' ')" "0 0 0 " "exit statuses"
t_end

t_begin "a killed wait (Bash time-out, Ctrl-C, SIGKILL) holds no one back"
spawn_owner; h=$OWNER_PID; spawn_owner; w=$OWNER_PID; spawn_owner; n=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$h"
( unset CLAUDE_PROJECT_DIR; cd "$WS" && CLAUDE_CODE_SESSION_ID=killed CLAUDE_PID=$w \
	exec "$SL_BIN/session-lock" wait ) > /dev/null 2>&1 &
wp=$!
until_true 10 queue_has 1
kill -9 "$wp"; wait "$wp" 2>/dev/null
waiter next "$n"
# Joining rewrites the queue without the dead waiter's entry.
until_true 10 grep -q " next " "$RT"/session-lock-*.queue
assert_eq "$(queue_len)" 1 "entries once the live waiter joined"
hook stop-release Stop holder "$h"
until_true 15 done_count 1
assert_eq "$(cat "$T/order")" "next 0" "the live waiter's result"
assert_eq "$(json_get "$(lock_file)" session_id)" next "holder"
t_end

t_begin "a session that already holds the lock: wait returns 0 at once and changes nothing"
spawn_owner; a=$OWNER_PID
hook pretooluse-lock PreToolUse.Write mine "$a"
cp -p "$(lock_file)" "$T/before.json"
bash_tool mine "$a" "$SL_BIN/session-lock" wait > "$T/o" 2> "$T/e"
assert_eq "$?" 0 "exit"
assert_file_has "$T/o" "already holds"
assert_eq "$(json_get "$(lock_file)" session_id)" mine "holder"
assert_eq "$(queue_len)" 0 "queue"
t_end

t_begin "wait in a session times out with 75, naming the holder, and leaves the queue"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write aaaaaaaa-holder "$a"
bash_tool bbbbbbbb "$b" "$SL_BIN/session-lock" wait --timeout 0.3 > "$T/o" 2> "$T/e"
assert_eq "$?" 75 "exit"
assert_file_has "$T/e" "still held"
assert_file_has "$T/e" "pid $a"
assert_file_has "$T/e" "session-lock wait '$WS'"
assert_eq "$(queue_len)" 0 "queue after giving up"
assert_eq "$(json_get "$(lock_file)" session_id)" aaaaaaaa-holder "holder unchanged"
t_end

t_begin "outside a session, wait only waits: it takes nothing"
spawn_owner; a=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"
( "$SL_BIN/session-lock" wait --timeout 20 > "$T/o" 2>&1; echo "plain $?" >> "$T/order" ) &
sleep 0.3
[ ! -s "$T/order" ] || t_fail "returned while held: $(cat "$T/order")"
hook stop-release Stop holder "$a"
until_true 15 done_count 1
assert_eq "$(cat "$T/order")" "plain 0" "result"
[ ! -e "$(lock_file)" ] || t_fail "a plain wait took the lock: $(cat "$(lock_file)")"
run session-lock wait --take
assert_rc 2
t_end

t_begin "--no-take inside a session only waits"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"
hook stop-release Stop holder "$a"
bash_tool watcher "$b" "$SL_BIN/session-lock" wait --no-take --timeout 1 > /dev/null 2>&1
assert_eq "$?" 0 "exit"
[ ! -e "$(lock_file)" ] || t_fail "--no-take took the lock"
t_end

t_begin "the holder's next PostToolUse tells it once that a session waits"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write aaaaaaaa-holder "$a"
hook posttooluse-refresh PostToolUse.Write aaaaaaaa-holder "$a"
assert_rc 0; assert_out_empty
waiter bbbbbbbb-waiter "$b" --timeout 20
until_true 10 queue_has 1
hook posttooluse-refresh PostToolUse.Write aaaaaaaa-holder "$a"
assert_rc 0
printf '%s' "$OUT" > "$T/out.json"
assert_eq "$(json_get "$T/out.json" hookSpecificOutput.hookEventName)" PostToolUse "event name"
ctx=$(json_get "$T/out.json" hookSpecificOutput.additionalContext)
case $ctx in *"session bbbbbbbb has been waiting since"*"end your turn"*) ;;
*) t_fail "no waiter notice: $OUT" ;; esac
hook posttooluse-refresh PostToolUse.Write aaaaaaaa-holder "$a"
assert_rc 0; assert_out_empty
hook stop-release Stop aaaaaaaa-holder "$a"
until_true 15 done_count 1
t_end

t_begin "a holder in a changing Bash command is shown as running it, not idle, until it ends"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
bash_input PreToolUse.Bash aaaaaaaa "toolu_long" "sleep 7 > out.txt" | CLAUDE_PID=$a run pretooluse-lock
assert_rc 0
assert_eq "$(json_get "$(lock_file)" busy.id)" toolu_long "busy mark"
hook pretooluse-lock PreToolUse.Write bbbbbbbb "$b"
assert_rc 2
assert_err_has "running a Bash command for"
# Another call's end does not clear it; its own end does.
bash_input PostToolUse.Bash aaaaaaaa "toolu_other" "ls" | CLAUDE_PID=$a run posttooluse-refresh
assert_eq "$(json_get "$(lock_file)" busy.id)" toolu_long "busy mark after another call"
bash_input PostToolUse.Bash aaaaaaaa "toolu_long" "sleep 7 > out.txt" | CLAUDE_PID=$a run posttooluse-refresh
assert_rc 0
json_get "$(lock_file)" busy.id > /dev/null 2>&1 && t_fail "busy mark left after the call ended"
hook pretooluse-lock PreToolUse.Write bbbbbbbb "$b"
assert_rc 2
assert_err_matches_idle
t_end

t_begin "a blocked Bash command is told why it needs the lock"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"
bash_input PreToolUse.Bash other "toolu_x" "echo hi > notes.txt" | CLAUDE_PID=$b run pretooluse-lock
assert_rc 2
assert_err_has "This Bash command needs the lock (redirection to a file)"
assert_err_has "session-lock wait"
t_end

t_finish
