#!/usr/bin/env bash
# A bad configuration does not switch the lock off (issue 10, part 3). A file
# that does not parse, has an unknown key or a bad value, or cannot be read,
# is ignored whole; the defaults and every good source still apply, so a
# conflicting tool is still blocked. SessionStart tells the user which file
# is wrong (systemMessage); the other hooks say it in one stderr line at
# most, which the model never reads.
. "$(dirname "$0")/../lib.sh"

A=aaaaaaaa-1111-4111-8111-111111111111
B=bbbbbbbb-2222-4222-8222-222222222222

owner() { spawn_owner; disown "$OWNER_PID"; }
rec() { json_get "$(lock_file)" "$1"; }
user_file() { printf '%s/.claude/session-lock.json' "$HOME"; }
project_file() { printf '%s/.claude/session-lock.json' "$WS"; }
# put FILE TEXT: writes a configuration file.
put() { mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" > "$1"; }
out_json() { printf '%s\n' "$OUT" > "$T/out.json"; }
jv() { json_get "$T/out.json" "$1"; }

# conflict: A takes the lock, B's Write is blocked by it.
conflict() {
	owner; a=$OWNER_PID; owner; b=$OWNER_PID
	hook pretooluse-lock PreToolUse.Write "$A" "$a"
	assert_rc 0; assert_out_empty
	assert_eq "$(rec session_id)" "$A" "record session_id"
	hook pretooluse-lock PreToolUse.Write "$B" "$b"
	assert_rc 2; assert_out_deny
	assert_err_has "pid $a"
}

for where in user project; do
	for bad in '{"ttl_ms": 1000,,}' '{"ttl_msec": 1000}' '{"wait_ms": "soon"}' '[]'; do
		t_begin "a $where configuration '$bad': a conflicting Write is still blocked"
		put "$("${where}_file")" "$bad"
		conflict
		t_end
	done
done

t_begin "a bad file is ignored whole: its good keys do not apply, the other files' do"
put "$(user_file)" '{"ttl_ms": 60000}'
put "$(project_file)" '{"ttl_ms": 120000, "release_on": "session_end", "bogus": 1}'
owner
hook pretooluse-lock PreToolUse.Write "$A" "$OWNER_PID"
assert_rc 0; assert_out_empty
assert_eq "$(rec ttl_ms)" 60000 "ttl_ms (the user's; the project file's is ignored)"
hook stop-release Stop "$A" "$OWNER_PID"
assert_no_file "$(lock_file)"	# release_on of the bad file did not apply
t_end

t_begin "\"disable\": true in a file that is otherwise bad does not switch the lock off"
put "$(project_file)" '{"disable": true, "typo": 1}'
conflict
t_end

t_begin "a configuration that is a directory or a FIFO is ignored; the lock holds"
mkdir -p "$(user_file)"
mkdir -p "$WS/.claude"; mkfifo "$(project_file)"
conflict
t_end

t_begin "a bad SESSION_LOCK_TTL_MS is ignored; the files and the other variables still apply"
put "$(user_file)" '{"ttl_ms": 90000}'
owner
fx PreToolUse.Write "$A" | SESSION_LOCK_TTL_MS=soon SESSION_LOCK_RELEASE_ON=session_end \
	CLAUDE_PID=$OWNER_PID run pretooluse-lock
assert_rc 0; assert_out_empty
assert_eq "$(rec ttl_ms)" 90000 "ttl_ms"
fx Stop "$A" | SESSION_LOCK_TTL_MS=soon SESSION_LOCK_RELEASE_ON=session_end \
	CLAUDE_PID=$OWNER_PID run stop-release
assert_rc 0
assert_file "$(lock_file)"	# release_on session_end applied: kept at Stop
owner; b=$OWNER_PID
fx PreToolUse.Write "$B" | SESSION_LOCK_TTL_MS=soon CLAUDE_PID=$b run pretooluse-lock
assert_rc 2
t_end

t_begin "SessionStart tells the user (systemMessage) which file is wrong and why, the model nothing"
put "$(user_file)" '{"ttl_ms": 1000,,}'
put "$(project_file)" '{"ttl_msec": 1000}'
owner
hook session-start SessionStart "$A" "$OWNER_PID"
assert_rc 0
out_json
msg=$(jv systemMessage)
case $msg in *"$(user_file)"*"not valid JSON"*) ;; *) t_fail "systemMessage lacks the user file and why: $msg" ;; esac
case $msg in *"$(project_file)"*"ttl_msec"*) ;; *) t_fail "systemMessage lacks the project file and why: $msg" ;; esac
case $msg in *defaults*) ;; *) t_fail "systemMessage does not say the defaults apply: $msg" ;; esac
jv hookSpecificOutput > /dev/null && t_fail "the model was told: $OUT"
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "lines on stdout"
t_end

t_begin "SessionStart with a bad file and another session holding the lock says both"
put "$(project_file)" '{"ttl_ms": "long"}'
owner; a=$OWNER_PID; owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write "$A" "$a"
hook session-start SessionStart "$B" "$b"
assert_rc 0
out_json
case $(jv systemMessage) in *"pid $a"*"$(project_file)"*) ;; *) t_fail "systemMessage: $(jv systemMessage)" ;; esac
case $(jv hookSpecificOutput.additionalContext) in *"pid $a"*) ;; *) t_fail "additionalContext: $OUT" ;; esac
t_end

t_begin "the other hooks stay quiet about a bad file: nothing on stdout, one stderr line when they pass"
put "$(user_file)" '{"ttl_ms": 1000,,}'
owner
for h in pretooluse-lock:PreToolUse.Write posttooluse-refresh:PostToolUse.Write stop-release:Stop; do
	hook "${h%%:*}" "${h#*:}" "$A" "$OWNER_PID"
	assert_rc 0; assert_out_empty
	assert_err_one_line
	assert_err_has "$(user_file)"
done
t_end

# The configuration's open failing (EMFILE) in the test build: found by asking
# which failing open names the configuration (lib.sh fault_nth).
write_with_fault() {
	rm -rf "$RT"
	fx PreToolUse.Write "$A" | T_USE_TBIN=1 SESSION_LOCK_FAULT="$1" CLAUDE_PID=$OWNER_PID \
		run pretooluse-lock
}
t_begin "a configuration that cannot be opened (EMFILE) is ignored; the lock is still taken"
put "$(user_file)" '{"ttl_ms": 60000}'
owner
if fault_nth open:EMFILE "configuration" write_with_fault; then
	write_with_fault "open:EMFILE:$FAULT_NTH"
	assert_rc 0; assert_out_empty
	assert_err_has "$(user_file)"
	assert_eq "$(rec session_id)" "$A" "record session_id"
	assert_eq "$(rec ttl_ms)" 300000 "ttl_ms (the default: the file could not be read)"
else
	t_fail "no failing open gave a message about the configuration"
fi
t_end

t_begin "doctor names each bad file and says the hooks ignore it"
put "$(user_file)" '{"ttl_ms": 1000,,}'
put "$(project_file)" '{"ttl_msec": 1000}'
run session-lock doctor
assert_out_has "$(user_file)"
assert_out_has "$(project_file)"
assert_out_has "ttl_msec"
assert_out_has "ignore"
assert_out_lacks "let every tool run"
t_end

t_finish
