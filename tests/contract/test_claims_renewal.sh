#!/usr/bin/env bash
# The "paths" scope: a re-entrant PreToolUse that rewrites its own holder
# (its renewal is due, or its lease grows) keeps every other session's
# claims. It decided about no other holder (the re-entrant path looks at
# none), and the record it wrote used to drop them all: a second session
# could then claim a file the first one still had.
. "$(dirname "$0")/../lib.sh"
export SESSION_LOCK_SCOPE=paths

# holders: the session ids in the record, one line each.
holders() {
	local i=0 sid
	while sid=$(json_get "$(lock_file)" "holders.$i.session_id" 2>/dev/null); do
		echo "$sid"
		i=$((i + 1))
	done
}

# kept_after CASE: after A's rewrite, B still holds b.c and A cannot take it.
kept_after() {
	assert_eq "$(holders | tr '\n' ' ')" "A B " "holders after A's $1"
	assert_eq "$(json_get "$(lock_file)" holders.1.claims)" "[\"$WS/b.c\"]" "B's claims after A's $1"
	write_to A "$a" "$WS/b.c"
	assert_rc 2
	assert_err_has "$WS/b.c"
}

t_begin "a re-entrant Write whose lease grows keeps the other sessions' claims"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
a_renewed=$(json_get "$(lock_file)" holders.0.lease_ms)
write_to A "$a" "$WS/a.c" SESSION_LOCK_TTL_MS=600000; assert_rc 0
[ "$(json_get "$(lock_file)" holders.0.lease_ms)" != "$a_renewed" ] ||
	t_fail "A's holder was not rewritten: $(cat "$(lock_file)")"
kept_after "longer lease"
t_end

t_begin "a re-entrant Write after the renewal interval keeps the other sessions' claims"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
a_renewed=$(json_get "$(lock_file)" holders.0.renewed_at)
# The renewal interval is 2 s (lock.h LOCK_RENEW_MIN_INTERVAL_MS).
sleep 2.2
write_to A "$a" "$WS/a.c"; assert_rc 0
[ "$(json_get "$(lock_file)" holders.0.renewed_at)" != "$a_renewed" ] ||
	t_fail "A's holder was not renewed: $(cat "$(lock_file)")"
kept_after "renewal"
t_end

t_begin "a re-entrant Write keeps another session's wait"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
# B waits for a.c in the background (its wants go into the record).
fx PreToolUse.Write B | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/a.c\"#" > "$T/b-wait.json"
CLAUDE_PID=$b SESSION_LOCK_WAIT_MS=8000 "$(t_bin pretooluse-lock)" < "$T/b-wait.json" \
	> "$T/b-wait.out" 2> "$T/b-wait.err" &
waiter=$!
until_true 5 sh -c "grep -q '\"wants\"' '$(lock_file)'"
write_to A "$a" "$WS/a.c" SESSION_LOCK_TTL_MS=600000; assert_rc 0
grep -q '"wants"' "$(lock_file)" || t_fail "B's wait was dropped: $(cat "$(lock_file)")"
kept_after "longer lease, B waiting"
kill "$waiter" 2>/dev/null; wait "$waiter" 2>/dev/null
t_end

t_finish
