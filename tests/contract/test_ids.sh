#!/usr/bin/env bash
# Session ids are opaque strings of any length, compared whole (issue 10,
# part 9): an id is not cut at a "\u0000" escape (cJSON's strings end at a
# NUL, which made "abc\u0000def" the session "abc"), and an id longer than
# the record's field is kept as its SHA-256 key instead of failing open.
# Through the real hooks and session-lock, on the client's fixture inputs.
. "$(dirname "$0")/../lib.sh"
unset CLAUDE_CODE_SESSION_ID

# with_sid FIXTURE SID_JSON: the fixture with its session_id set to SID_JSON,
# spliced in as JSON text (sed would read the backslashes).
with_sid() {
	local t
	t=$(fx "$1" PLACEHOLDER-SID)
	printf '%s%s%s\n' "${t%%PLACEHOLDER-SID*}" "$2" "${t#*PLACEHOLDER-SID}"
}
# as PROGRAM FIXTURE SID_JSON PID: runs a hook for that session and process.
as() {
	with_sid "$2" "$3" | CLAUDE_PID=$4 run "$1"
}
rec() { json_get "$(lock_file)" "$1"; }

NUL_A='abc\u0000def'
NUL_B='abc\u0000xyz'
LONG=$(printf 'x%.0s' $(seq 200))		# 200 bytes
LONG2=$(printf 'x%.0s' $(seq 199))y		# the same but the last byte
LONG_KEY=sha256:aa20c23e3201834050679e1d88941b9a6fed0557c9a705cb2c315e2e63fd486d

t_begin "two ids that differ only after a NUL escape are two sessions: the second is blocked"
spawn_owner; P1=$OWNER_PID
spawn_owner; P2=$OWNER_PID
as pretooluse-lock PreToolUse.Write "$NUL_A" "$P1"
assert_rc 0; assert_out_empty; assert_err_empty
case $(rec session_id) in sha256:*) ;; *) t_fail "the record's session is not a digest key: $(rec session_id)" ;; esac
cp "$(lock_file)" "$T/before"
as pretooluse-lock PreToolUse.Write "$NUL_B" "$P2"
assert_rc 2; assert_out_deny; assert_err_has "pid $P1"
as pretooluse-lock PreToolUse.Write abc "$P2"		# what cJSON alone would read
assert_rc 2; assert_err_has "pid $P1"
assert_same_file "$T/before" "$(lock_file)"
# The holder itself, resumed in a new process, is still the same session.
as pretooluse-lock PreToolUse.Write "$NUL_A" "$P2"
assert_rc 0; assert_err_empty
t_end

t_begin "a 200-byte id is a session of its own: it takes, renews and releases its lock"
spawn_owner; P1=$OWNER_PID
spawn_owner; P2=$OWNER_PID
as pretooluse-lock PreToolUse.Write "$LONG" "$P1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_eq "$(rec session_id)" "$LONG_KEY" "record session_id"
old=$(rec renewed_at)
sleep 2.1	# a renewal younger than 2 s is not written: make this one due
as pretooluse-lock PreToolUse.Write "$LONG" "$P1"
assert_rc 0; assert_err_empty
[ "$(rec renewed_at)" -gt "$old" ] || t_fail "the long id's own lock was not renewed"
as pretooluse-lock PreToolUse.Write "$LONG2" "$P2"	# the same first 199 bytes
assert_rc 2; assert_err_has "pid $P1"
as stop-release Stop "$LONG" "$P1"
assert_rc 0; assert_err_empty
assert_no_file "$(lock_file)"
t_end

t_begin "a 200-byte id is blocked while another session holds the lock (it used to fail open)"
spawn_owner; P1=$OWNER_PID
spawn_owner; P2=$OWNER_PID
as pretooluse-lock PreToolUse.Write aaaaaaaa-1111-4111-8111-111111111111 "$P1"
assert_rc 0
as pretooluse-lock PreToolUse.Write "$LONG" "$P2"
assert_rc 2; assert_out_deny; assert_err_has "pid $P1"
as session-start SessionStart "$LONG" "$P2"
assert_rc 0; assert_err_empty
assert_out_has "pid $P1"
t_end

t_begin "session-lock knows a long CLAUDE_CODE_SESSION_ID as the session that holds the lock"
spawn_owner; P1=$OWNER_PID
as pretooluse-lock PreToolUse.Write "$LONG" "$P1"
assert_rc 0
CLAUDE_CODE_SESSION_ID=$LONG CLAUDE_PID=$P1 run session-lock status
assert_rc 0; assert_out_has "verdict:     ours"
CLAUDE_CODE_SESSION_ID=$LONG2 CLAUDE_PID=$P1 run session-lock status
assert_out_has "verdict:     ours"	# the same process: ours by PID, as /clear
spawn_owner; P2=$OWNER_PID
CLAUDE_CODE_SESSION_ID=$LONG2 CLAUDE_PID=$P2 run session-lock status
assert_rc 1; assert_out_has "verdict:     held"
t_end

t_finish
