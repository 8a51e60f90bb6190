#!/usr/bin/env bash
# Path claims from the command line: `session-lock claim`, `release` inside a
# session, `wait --path`, the refusal of a wait that would deadlock (exit 76),
# and `status` listing every holder's claims and waits.
#
# A session's Bash tool environment is simulated as the real client sets it
# (as in test_handoff.sh): CLAUDE_CODE_SESSION_ID and CLAUDE_PID, no
# CLAUDE_PROJECT_DIR, the working directory in the workspace. Every case runs
# in the "paths" scope.
. "$(dirname "$0")/../lib.sh"
export SESSION_LOCK_SCOPE=paths

# bash_tool SESSION PID CMD...: runs CMD as the Bash tool of that session would.
bash_tool() {
	local sid=$1 pid=$2
	shift 2
	( unset CLAUDE_PROJECT_DIR; cd "$WS" && CLAUDE_CODE_SESSION_ID=$sid CLAUDE_PID=$pid "$@" )
}
# sl_as SESSION PID ARGS...: session-lock ARGS in that session's Bash tool; sets RC, OUT, ERR.
sl_as() {
	local sid=$1 pid=$2
	shift 2
	bash_tool "$sid" "$pid" "$SL_BIN/session-lock" "$@" > "$T/.out" 2> "$T/.err"
	RC=$?
	OUT=$(cat "$T/.out")
	ERR=$(cat "$T/.err")
}
# waiter SESSION PID ARGS...: `session-lock wait ARGS` of that session in the
# background; appends "SESSION RC" to $T/order, its output to $T/out.SESSION.
waiter() {
	local sid=$1 pid=$2
	shift 2
	( bash_tool "$sid" "$pid" "$SL_BIN/session-lock" wait "$@" > "$T/out.$sid" 2>&1
	  echo "$sid $?" >> "$T/order" ) &
	T_BG_PIDS="$T_BG_PIDS $!"
}
done_count() { [ -f "$T/order" ] && [ "$(wc -l < "$T/order")" -ge "$1" ]; }
# rec PATH: a value of the workspace's record (holders.N.claims.M and the like).
rec() { json_get "$(lock_file)" "$1" 2>/dev/null; }
# wants_of N PATH: holder N of the record waits for PATH.
wants_of() { [ "$(rec "holders.$1.wants.paths.0")" = "$2" ]; }
# bash_call SESSION PID CMD: a PreToolUse Bash of CMD by that session.
bash_call() {
	fx PreToolUse.Bash "$1" | sed "s#\"command\": \"[^\"]*\"#\"command\": \"$3\"#" |
		CLAUDE_PID=$2 run pretooluse-lock
}

t_begin "claim acts for a session: outside one it is a usage error, inside it claims each path"
spawn_owner; a=$OWNER_PID
mkdir -p "$WS/src"
run session-lock claim src
assert_rc 2
assert_err_has "claim acts for a Claude Code session"
assert_no_file "$(lock_file)"
sl_as aaaaaaaa-1111 "$a" claim src a.c
assert_rc 0
assert_eq "$OUT" "claimed '$WS/src' for this session (aaaaaaaa)
claimed '$WS/a.c' for this session (aaaaaaaa)" "stdout"
assert_eq "$(rec schema_version)" 2 "schema"
assert_eq "$(rec holders.0.session_id)" aaaaaaaa-1111 "holder"
assert_eq "$(rec holders.0.pid)" "$a" "holder pid is the session's claude process"
assert_eq "$(rec holders.0.claims.0)" "$WS/src" "first claim"
assert_eq "$(rec holders.0.claims.1)" "$WS/a.c" "second claim"
assert_eq "$(rec holders.0.whole)" false "whole"
# Again, and a path inside a claimed directory: already the session's.
sl_as aaaaaaaa-1111 "$a" claim src/deep/x.c
assert_rc 0
assert_out_has "'$WS/src/deep/x.c' is already this session's (aaaaaaaa)"
# Relative to the current directory, not the workspace.
( cd "$WS/src" && CLAUDE_CODE_SESSION_ID=aaaaaaaa-1111 CLAUDE_PID=$a \
	"$SL_BIN/session-lock" claim ../b.c > "$T/o" 2>&1 ) || t_fail "claim from src/: $(cat "$T/o")"
assert_eq "$(rec holders.0.claims.2)" "$WS/b.c" "a claim made from src/"
run session-lock claim --bogus x
assert_rc 2
t_end

t_begin "renewing a claim the session holds keeps other sessions' claims"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID; spawn_owner; a2=$OWNER_PID
sl_as aaaaaaaa-1111 "$a" claim a.c; assert_rc 0
sl_as bbbbbbbb-2222 "$b" claim b.c; assert_rc 0
# The same session from a new process (--resume): its record is rewritten, not the others'.
sl_as aaaaaaaa-1111 "$a2" claim a.c
assert_rc 0
assert_eq "$(rec holders.0.pid)" "$a2" "the renewed holder's process"
assert_eq "$(rec holders.1.claims.0)" "$WS/b.c" "the other session's claim after a renewal"
# And through the hook: a Write to its own claimed file.
write_to aaaaaaaa-1111 "$a" "$WS/a.c"
assert_rc 0
assert_eq "$(rec holders.1.claims.0)" "$WS/b.c" "the other session's claim after a Write"
write_to bbbbbbbb-2222 "$b" "$WS/a.c"
assert_rc 2
t_end

t_begin "claim of a path outside the workspace: one line, exit 2, nothing claimed"
spawn_owner; a=$OWNER_PID
mkdir -p "$T/elsewhere"
sl_as aaaaaaaa-1111 "$a" claim a.c "$T/elsewhere/x" ../escape
assert_rc 2
assert_err_one_line
assert_err_has "'$T/elsewhere/x' is outside the workspace '$WS'"
assert_out_empty
assert_no_file "$(lock_file)"
t_end

t_begin "claim of the workspace itself takes the whole of it"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
sl_as aaaaaaaa-1111 "$a" claim .
assert_rc 0
assert_out_has "claimed the whole workspace '$WS' for this session (aaaaaaaa)"
assert_eq "$(rec session_id)" aaaaaaaa-1111 "a whole-workspace holder alone is a schema-1 record"
sl_as bbbbbbbb-2222 "$b" claim x.c
assert_rc 1
assert_err_has "the whole workspace $WS is held by Claude Code session aaaaaaaa (pid $a"
t_end

t_begin "claim conflict: exit 1, naming the holder, its claim in the way, and the wait to run"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
mkdir -p "$WS/src"
sl_as aaaaaaaa-1111 "$a" claim src
assert_rc 0
cp "$(lock_file)" "$T/before.json"
sl_as bbbbbbbb-2222 "$b" claim b.c src/x.c
assert_rc 1
assert_out_has "claimed '$WS/b.c' for this session (bbbbbbbb)"
assert_err_has "Claude Code session aaaaaaaa (pid $a"
assert_err_has "has claimed $WS/src."
assert_err_has "it changes $WS/src/x.c"
assert_err_has "session-lock wait '$WS' --path '$WS/src/x.c'"
assert_eq "$(rec holders.0.claims.0)" "$WS/src" "the holder's claim"
assert_eq "$(rec holders.1.claims.0)" "$WS/b.c" "the claim made before the conflict stays"
rec holders.1.claims.1 > /dev/null && t_fail "the conflicting path was claimed"
# A directory above another's claim conflicts too.
sl_as bbbbbbbb-2222 "$b" claim .
assert_rc 1
t_end

t_begin "release in a session gives up its own claims while another's claim blocks it, and leaves the other's"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
sl_as aaaaaaaa-1111 "$a" claim a.c
sl_as bbbbbbbb-2222 "$b" claim b.c c.c
# B is blocked: its Write of A's file is denied, and so is a changing Bash command.
write_to bbbbbbbb-2222 "$b" "$WS/a.c"
assert_rc 2
bash_call bbbbbbbb-2222 "$b" "rm -f a.c"
assert_rc 2
# ... but it may give up its own claims, through its Bash tool.
bash_call bbbbbbbb-2222 "$b" "session-lock release"
assert_rc 0; assert_out_empty
sl_as bbbbbbbb-2222 "$b" release
assert_rc 0
assert_out_has "released this session's (bbbbbbbb) claims in '$WS': $WS/b.c, $WS/c.c"
assert_out_has "'$WS' is still held by session aaaaaaaa (pid $a, alive"
assert_eq "$(rec holders.0.session_id)" aaaaaaaa-1111 "the other holder"
assert_eq "$(rec holders.0.claims.0)" "$WS/a.c" "the other's claim"
rec holders.1 > /dev/null && t_fail "B is still in the record: $(cat "$(lock_file)")"
assert_file_has "$RT/session-lock.log" '"event":"release"'
# Nothing left of its own: said, and refused as before (a live holder).
sl_as bbbbbbbb-2222 "$b" release
assert_rc 1
assert_out_has "this session (bbbbbbbb) holds nothing in '$WS'"
assert_err_has "a live session other than this one"
# --force still needs the lock through the hook, and outside a session is unchanged.
bash_call bbbbbbbb-2222 "$b" "session-lock release --force"
assert_rc 2
run session-lock release
assert_rc 1
assert_err_has "use --force"
t_end

t_begin "release in a session gives up its whole-workspace lock"
spawn_owner; a=$OWNER_PID
hook pretooluse-lock PreToolUse.Bash aaaaaaaa-1111 "$a"
assert_rc 0
assert_eq "$(rec session_id)" aaaaaaaa-1111 "holder"
sl_as aaaaaaaa-1111 "$a" release
assert_rc 0
assert_out_has "released this session's (aaaaaaaa) lock on the whole workspace '$WS'"
assert_no_file "$(lock_file)"
t_end

t_begin "wait --path waits for the other session's Stop, then takes the claim"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to aaaaaaaa-1111 "$a" "$WS/a.c"
assert_rc 0
assert_eq "$(rec holders.0.claims.0)" "$WS/a.c" "the Write's claim"
waiter bbbbbbbb-2222 "$b" --path a.c --timeout 60
until_true 20 wants_of 1 "$WS/a.c"
[ ! -s "$T/order" ] || t_fail "wait returned while a.c was claimed: $(cat "$T/order")"
assert_eq "$(rec holders.1.session_id)" bbbbbbbb-2222 "the waiter's holder"
hook stop-release Stop aaaaaaaa-1111 "$a"
until_true 20 done_count 1
assert_eq "$(cat "$T/order")" "bbbbbbbb-2222 0" "wait's result"
assert_file_has "$T/out.bbbbbbbb-2222" "the claim on '$WS/a.c' is now this session's (bbbbbbbb)"
assert_eq "$(rec holders.0.session_id)" bbbbbbbb-2222 "holder after the wait"
assert_eq "$(rec holders.0.claims.0)" "$WS/a.c" "claim after the wait"
rec holders.0.wants > /dev/null && t_fail "the wait is still recorded: $(cat "$(lock_file)")"
# Its retried Write passes.
write_to bbbbbbbb-2222 "$b" "$WS/a.c"
assert_rc 0; assert_out_empty
t_end

t_begin "wait --path: usage errors outside a session, with --no-take, outside the workspace"
spawn_owner; a=$OWNER_PID
run session-lock wait --path a.c
assert_rc 2
assert_err_has "--path takes a claim for a Claude Code session"
sl_as aaaaaaaa-1111 "$a" wait --path a.c --no-take
assert_rc 2
sl_as aaaaaaaa-1111 "$a" wait --path /
assert_rc 2
assert_err_has "'/' is outside the workspace"
assert_no_file "$(lock_file)"
t_end

t_begin "a wait that would deadlock is refused at once (76), naming the claims on the cycle"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
sl_as aaaaaaaa-1111 "$a" claim a.c; assert_rc 0
sl_as bbbbbbbb-2222 "$b" claim b.c; assert_rc 0
# A waits for B's b.c ...
waiter aaaaaaaa-1111 "$a" --path b.c --timeout 60
until_true 20 wants_of 0 "$WS/b.c"
# ... so B waiting for A's a.c would close the cycle: refused, not a time-out (75).
sl_as bbbbbbbb-2222 "$b" wait --path a.c --timeout 60
assert_rc 76
assert_err_has "refused at once, because waiting would deadlock"
assert_err_has "session aaaaaaaa (pid $a) has claimed $WS/a.c"
assert_err_has "waits for this session's claims on $WS/b.c"
assert_err_has "session-lock release"
rec holders.1.wants > /dev/null && t_fail "the refused wait was recorded: $(cat "$(lock_file)")"
# A claim made without waiting is refused the same way.
sl_as bbbbbbbb-2222 "$b" claim a.c
assert_rc 76
# The way out it names: B gives up its claims, and A's wait takes b.c.
sl_as bbbbbbbb-2222 "$b" release
assert_rc 0
until_true 20 done_count 1
assert_eq "$(cat "$T/order")" "aaaaaaaa-1111 0" "A's wait"
assert_eq "$(rec holders.0.claims.1)" "$WS/b.c" "A's claims after its wait"
t_end

t_begin "status lists every holder's claims and waits, as text and JSON; exit 1 while another holds"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
mkdir -p "$WS/src"
sl_as aaaaaaaa-1111 "$a" claim src a.c
sl_as bbbbbbbb-2222 "$b" claim b.c
( unset CLAUDE_PROJECT_DIR; cd "$WS" && CLAUDE_CODE_SESSION_ID=bbbbbbbb-2222 CLAUDE_PID=$b \
	exec "$SL_BIN/session-lock" wait --path a.c --timeout 60 ) > /dev/null 2>&1 &
wp=$!
T_BG_PIDS="$T_BG_PIDS $wp"
until_true 20 wants_of 1 "$WS/a.c"
run session-lock status
assert_rc 1
assert_out_has "verdict:     held"
assert_out_has "holders:     2"
assert_out_has "session aaaaaaaa (pid $a, alive, idle "
assert_out_has "): claims $WS/src, $WS/a.c"
assert_out_has "): claims $WS/b.c; waits for $WS/a.c since "
run session-lock status --all
assert_rc 1
assert_out_has "): claims $WS/src, $WS/a.c"
run session-lock status --json
assert_rc 1
printf '%s' "$OUT" > "$T/s.json"
assert_eq "$(json_get "$T/s.json" schema_version)" 2 "schema_version"
assert_eq "$(json_get "$T/s.json" holders.0.session_id)" aaaaaaaa-1111 "first holder"
assert_eq "$(json_get "$T/s.json" holders.0.verdict)" held "its verdict"
assert_eq "$(json_get "$T/s.json" holders.0.claims.1)" "$WS/a.c" "its claims"
assert_eq "$(json_get "$T/s.json" holders.0.wants)" null "it waits for nothing"
assert_eq "$(json_get "$T/s.json" holders.1.claims.0)" "$WS/b.c" "second holder's claim"
assert_eq "$(json_get "$T/s.json" holders.1.wants.paths.0)" "$WS/a.c" "what it waits for"
assert_eq "$(json_get "$T/s.json" holders.1.wants.waiting)" true "its wait is live"
# The session itself sees its own holder as ours, the other one in the way.
sl_as aaaaaaaa-1111 "$a" status
assert_rc 1
assert_out_has "holder:      session bbbbbbbb"
printf '%s\n' "$OUT" | grep -q "^  ours  *session aaaaaaaa" || t_fail "ours not marked: $OUT"
# A wait whose process is gone (a Bash time-out, Ctrl-C) is shown as such.
kill -9 "$wp"; wait "$wp" 2>/dev/null
run session-lock status
assert_out_has "waits for $WS/a.c (no longer: its waiting process"
t_end

t_begin "after a cd, claim finds the session's workspace by the record that lists it"
spawn_owner; a=$OWNER_PID
mkdir -p "$WS/sub/deep"
write_to aaaaaaaa-1111 "$a" "$WS/a.c"; assert_rc 0
( unset CLAUDE_PROJECT_DIR; cd "$WS/sub/deep" &&
  CLAUDE_CODE_SESSION_ID=aaaaaaaa-1111 CLAUDE_PID=$a "$SL_BIN/session-lock" claim x.c ) \
	> "$T/.out" 2> "$T/.err"
RC=$?; OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
assert_rc 0
assert_eq "$(rec holders.0.claims.1)" "$WS/sub/deep/x.c" "the claim, in the workspace's record"
assert_no_file "$(lock_file "$WS/sub/deep")"
t_end

t_finish
