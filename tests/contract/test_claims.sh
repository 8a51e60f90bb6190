#!/usr/bin/env bash
# Path claims (issue 12): the "paths" scope, through the real hooks.
#
# A Write, Edit, ... claims its resolved target; two sessions' claims
# conflict when equal or one is an ancestor directory of the other; a
# changing Bash command needs the whole workspace; a wait that would close
# a cycle is refused at once; a dead session's claims are taken over and the
# others' stay; old (schema 1) records still count whole.
. "$(dirname "$0")/../lib.sh"
export SESSION_LOCK_SCOPE=paths

# read_of SESSION PID PATH: a PreToolUse Read of PATH by SESSION.
read_of() {
	fx PreToolUse.Write "$1" | sed -e "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$3\"#" \
		-e 's#"tool_name": "Write"#"tool_name": "Read"#' | CLAUDE_PID=$2 run pretooluse-lock
}

# bash_in SESSION PID COMMAND: a PreToolUse Bash of COMMAND by SESSION.
bash_in() {
	fx PreToolUse.Bash "$1" | sed "s#\"command\": \"[^\"]*\"#\"command\": \"$3\"#" |
		CLAUDE_PID=$2 run pretooluse-lock
}

stop_of() { fx Stop "$1" | CLAUDE_PID=$2 run stop-release; }

# claims_of SESSION: that session's claims in the record, as JSON ("" when it has none).
claims_of() {
	local i=0 sid
	while sid=$(json_get "$(lock_file)" "holders.$i.session_id" 2>/dev/null); do
		if [ "$sid" = "$1" ]; then
			json_get "$(lock_file)" "holders.$i.claims"
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}

# wants_of SESSION: does that session's holder say it waits (has "wants")?
wants_of() {
	local i=0 sid
	while sid=$(json_get "$(lock_file)" "holders.$i.session_id" 2>/dev/null); do
		[ "$sid" = "$1" ] && { json_get "$(lock_file)" "holders.$i.wants" > /dev/null; return; }
		i=$((i + 1))
	done
	return 1
}

# A file tool's target and a second session's target, and whether they conflict.
matrix_case() {
	local title=$1 first=$2 second=$3 want=$4
	t_begin "conflict matrix: $title"
	first=$WS/$first; second=$WS/$second
	spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
	mkdir -p "$WS/d/e" "$WS/real"
	ln -sfn "$WS/real" "$WS/link"
	write_to A "$a" "$first"; assert_rc 0
	write_to B "$b" "$second"
	if [ "$want" = conflict ]; then
		assert_rc 2
		assert_err_has "Claude Code session A (pid $a"
		assert_err_has "has claimed"
		assert_out_deny
		assert_out_has "\"systemMessage\":\"claude-session-lock blocked Write: session A (pid $a) has claimed $WS/"
		claims_of B > /dev/null && t_fail "B got a holder: $(cat "$(lock_file)")"
	else
		assert_rc 0
		case $(claims_of B) in *\"/*) ;; *) t_fail "B holds no claim: $(cat "$(lock_file)")" ;; esac
	fi
	# A's claim is untouched either way.
	case $(claims_of A) in *"$(basename "$first")"*) ;; *) t_fail "A lost its claim" ;; esac
	t_end
}

matrix_case "the same file" a.c a.c conflict
matrix_case "a directory and a file below it" d d/e/f.c conflict
matrix_case "a file and a directory above it" d/e/f.c d conflict
matrix_case "siblings" d/x.c d/y.c free
matrix_case "a name that only starts like the other" a ab free
matrix_case "through a symlinked directory" real/f.c link/f.c conflict
matrix_case "through .." a.c d/e/../../a.c conflict
matrix_case "through .. to a sibling" d/x.c d/e/../y.c free

t_begin "conflict matrix: a file outside the workspace needs no claim"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
mkdir -p "$T/elsewhere"
write_to B "$b" "$T/elsewhere/a.c"; assert_rc 0; assert_out_empty
claims_of B > /dev/null && t_fail "B got a holder for a file outside: $(cat "$(lock_file)")"
t_end

t_begin "the record: one file, schema 2, every session's claims; a re-entrant call adds none"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
assert_eq "$(json_get "$(lock_file)" schema_version)" 2 "schema"
assert_eq "$(json_get "$(lock_file)" workspace)" "$WS" "workspace"
assert_eq "$(claims_of A)" "[\"$WS/a.c\"]" "A's claims"
assert_eq "$(claims_of B)" "[\"$WS/b.c\"]" "B's claims"
write_to A "$a" "$WS/a.c"; assert_rc 0
assert_eq "$(claims_of A)" "[\"$WS/a.c\"]" "A's claims after a second Write"
t_end

t_begin "a directory claim covers the files below it, and replaces the claims it covers"
spawn_owner; a=$OWNER_PID
write_to A "$a" "$WS/d/x.c"; assert_rc 0
write_to A "$a" "$WS/d"; assert_rc 0
assert_eq "$(claims_of A)" "[\"$WS/d\"]" "A's claims"
write_to A "$a" "$WS/d/new.c"; assert_rc 0
assert_eq "$(claims_of A)" "[\"$WS/d\"]" "A's claims after a Write below"
t_end

t_begin "escalation: a changing Bash command needs the whole workspace"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
bash_in A "$a" "make"; assert_rc 0
assert_eq "$(json_get "$(lock_file)" schema_version)" 1 "a lone whole holder is written as schema 1"
write_to B "$b" "$WS/z.c"; assert_rc 2
assert_err_has "the whole workspace $WS is held by Claude Code session A"
assert_err_has "running a Bash command"
t_end

t_begin "escalation is blocked by another session's claims, which the reason names"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
bash_in A "$a" "make"; assert_rc 2
assert_err_has "Claude Code session B (pid $b"
assert_err_has "has claimed $WS/b.c"
assert_err_has "needs the whole workspace"
assert_err_has "wait '$WS'"
# A read-only command needs nothing.
bash_in A "$a" "git status"; assert_rc 0
# After B's turn ends, A gets the whole workspace.
stop_of B "$b"; assert_rc 0
bash_in A "$a" "make"; assert_rc 0
t_end

t_begin "a Write blocked by a claim advises a wait for that path"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/a.c"; assert_rc 2
assert_err_has "wait '$WS' --path '$WS/a.c'"
assert_err_has "or work on other files"
t_end

t_begin "the end of a turn releases that session's claims only"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
stop_of A "$a"; assert_rc 0
claims_of A > /dev/null && t_fail "A still listed"
assert_eq "$(claims_of B)" "[\"$WS/b.c\"]" "B's claims"
write_to C "$a" "$WS/a.c"; assert_rc 0
stop_of B "$b"; stop_of C "$a"
assert_no_file "$(lock_file)"
t_end

t_begin "takeover: a dead session's claims are taken over, the others' stay"
spawn_owner; b=$OWNER_PID; spawn_owner; c=$OWNER_PID
sleep 1000 & a=$!
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to A "$a" "$WS/d"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
kill "$a"; wait "$a" 2>/dev/null
write_to C "$c" "$WS/a.c"; assert_rc 0
claims_of A > /dev/null && t_fail "the dead A is still listed: $(cat "$(lock_file)")"
assert_eq "$(claims_of B)" "[\"$WS/b.c\"]" "B's claims"
assert_eq "$(claims_of C)" "[\"$WS/a.c\"]" "C's claims"
grep -q '"previous":{"session_id":"A"' "$(lock_file)" || t_fail "no previous A: $(cat "$(lock_file)")"
grep -q '"event":"takeover"' "$RT/session-lock.log" || t_fail "no takeover logged"
# Its directory claim went with it: another session may write there.
write_to D "$c" "$WS/d/x.c"; assert_rc 0
t_end

t_begin "takeover by lease: an expired session's claims go, a live one's stay"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID; spawn_owner; c=$OWNER_PID
write_to A "$a" "$WS/a.c" SESSION_LOCK_TTL_MS=1000; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
# The lease is measured on the boot clock: wait it out, whatever the machine's uptime.
until_true 10 sh -c "[ \$(awk '{ printf \"%d\", \$1 * 1000 }' /proc/uptime) -gt $(( $(boot_ms) + 1200 )) ]"
write_to C "$c" "$WS/a.c"; assert_rc 0
claims_of A > /dev/null && t_fail "the expired A is still listed"
assert_eq "$(claims_of B)" "[\"$WS/b.c\"]" "B's claims"
t_end

t_begin "a schema-1 record (the workspace scope, an older version) holds the whole workspace"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
put_record held A "$a"
cp "$(lock_file)" "$T/before"
write_to B "$b" "$WS/a.c"; assert_rc 2
assert_err_has "the whole workspace $WS is held by Claude Code session A"
assert_same_file "$T/before" "$(lock_file)"
t_end

t_begin "the workspace scope meets a paths holder: its Write needs the whole workspace"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c" SESSION_LOCK_SCOPE=workspace; assert_rc 2
assert_err_has "pid $a"
assert_eq "$(claims_of A)" "[\"$WS/a.c\"]" "A's claims"
t_end

t_begin "deadlock, two sessions: the wait that closes the cycle is refused at once"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
# A needs the whole workspace for a build and waits (up to 8 s) for B's claim.
fx PreToolUse.Bash A | sed 's#"command": "[^"]*"#"command": "make"#' |
	CLAUDE_PID=$a SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > "$T/a.out" 2> "$T/a.err" &
waiter=$!
until_true 8 wants_of A
# B now wants A's file: B waits for A, A waits for B. Refused, whatever B's wait.
started=$(date +%s%3N)
write_to B "$b" "$WS/a.c" SESSION_LOCK_WAIT_MS=8000
assert_rc 2
assert_err_has "refused at once, because waiting would deadlock"
assert_err_has "Claude Code session A (pid $a) has claimed $WS/a.c"
assert_err_has "That session waits for this session's claims on $WS/b.c"
assert_err_has "release"
assert_out_deny
case $OUT in *deadlock*) ;; *) t_fail "systemMessage lacks deadlock: $OUT" ;; esac
wants_of B && t_fail "the refused wait was recorded: $(cat "$(lock_file)")"
grep -q '"event":"block"' "$RT/session-lock.log" || t_fail "the refusal was not logged"
# B gives up its claims (its turn ends): A's wait takes the whole workspace.
stop_of B "$b"; assert_rc 0
wait "$waiter"; RC=$?
assert_rc 0
assert_eq "$(json_get "$(lock_file)" session_id)" A "the holder after the wait"
[ $(( $(date +%s%3N) - started )) -lt 60000 ] || t_fail "the refusal was not at once"
t_end

t_begin "deadlock, three sessions: A waits for B, B for C, C's wait for A is refused"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID; spawn_owner; c=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
write_to C "$c" "$WS/c.c"; assert_rc 0
fx PreToolUse.Write A | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/b.c\"#" |
	CLAUDE_PID=$a SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > "$T/a.out" 2> "$T/a.err" &
wa=$!
until_true 8 wants_of A
fx PreToolUse.Write B | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/c.c\"#" |
	CLAUDE_PID=$b SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > "$T/b.out" 2> "$T/b.err" &
wb=$!
until_true 8 wants_of B
write_to C "$c" "$WS/a.c"
assert_rc 2
assert_err_has "refused at once, because waiting would deadlock"
assert_err_has "Claude Code session A (pid $a) has claimed $WS/a.c"
assert_err_has "That session waits for session B (pid $b), which waits for this session's claims on $WS/c.c"
# C's turn ends: B gets c.c; then B's turn ends: A gets b.c.
stop_of C "$c"
wait "$wb"; RC=$?; assert_rc 0
stop_of B "$b"
wait "$wa"; RC=$?; assert_rc 0
assert_eq "$(claims_of A)" "[\"$WS/a.c\",\"$WS/b.c\"]" "A's claims"
t_end

t_begin "no false refusal: a waiter that waits for someone else is no cycle"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID; spawn_owner; c=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
write_to C "$c" "$WS/c.c"; assert_rc 0
fx PreToolUse.Write A | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/c.c\"#" |
	CLAUDE_PID=$a SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > "$T/a.out" 2> "$T/a.err" &
wa=$!
until_true 8 wants_of A
# B wants A's file; A waits for C, not for B: B is only blocked.
write_to B "$b" "$WS/a.c"; assert_rc 2
assert_err_has "has claimed $WS/a.c"
case $ERR in *deadlock*) t_fail "refused without a cycle: $ERR" ;; esac
stop_of C "$c"
wait "$wa"; RC=$?; assert_rc 0
t_end

t_begin "a dead waiter's wants are no cycle"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
fx PreToolUse.Bash A | sed 's#"command": "[^"]*"#"command": "make"#' |
	CLAUDE_PID=$a SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > /dev/null 2>&1 &
waiter=$!
until_true 8 wants_of A
kill -9 "$waiter"; wait "$waiter" 2>/dev/null
write_to B "$b" "$WS/a.c"; assert_rc 2
case $ERR in *deadlock*) t_fail "refused by a dead wait: $ERR" ;; esac
assert_err_has "has claimed $WS/a.c"
t_end

t_begin "first come, first served: a newcomer does not slip past an earlier waiter"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID; spawn_owner; c=$OWNER_PID
write_to A "$a" "$WS/d/x.c"; assert_rc 0
# B waits for the directory d, which A's claim on d/x.c is in the way of.
fx PreToolUse.Write B | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/d\"#" |
	CLAUDE_PID=$b SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > "$T/b.out" 2> "$T/b.err" &
wb=$!
until_true 8 wants_of B
# d/y.c is free of claims, but B came first for d.
write_to C "$c" "$WS/d/y.c"; assert_rc 2
assert_err_has "what this call needs is free, but a session that waits for it"
# An unrelated file is not held back.
write_to C "$c" "$WS/z.c"; assert_rc 0
stop_of A "$a"
wait "$wb"; RC=$?; assert_rc 0
assert_eq "$(claims_of B)" "[\"$WS/d\"]" "B's claims"
t_end

t_begin "a holder adding to its claims is not held back by a waiter: it goes on until its turn ends"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
fx PreToolUse.Bash B | sed 's#"command": "[^"]*"#"command": "make"#' |
	CLAUDE_PID=$b SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > "$T/b.out" 2> "$T/b.err" &
wb=$!
until_true 8 wants_of B
write_to A "$a" "$WS/b.c"; assert_rc 0
assert_eq "$(claims_of A)" "[\"$WS/a.c\",\"$WS/b.c\"]" "A's claims"
stop_of A "$a"
wait "$wb"; RC=$?; assert_rc 0
assert_eq "$(json_get "$(lock_file)" session_id)" B "the whole workspace goes to B"
t_end

t_begin "the holder hears once that a session waits for its claims"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to A "$a" "$WS/z.c"; assert_rc 0
fx PreToolUse.Write B | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/a.c\"#" |
	CLAUDE_PID=$b SESSION_LOCK_WAIT_MS=8000 "$SL_BIN/pretooluse-lock" > "$T/b.out" 2> "$T/b.err" &
wb=$!
until_true 8 wants_of B
fx PostToolUse.Write A | CLAUDE_PID=$a run posttooluse-refresh; assert_rc 0
assert_out_has '"additionalContext":"claude-session-lock: session B has been waiting since'
assert_out_has "to change files in $WS/a.c, which this session holds"
assert_out_lacks "z.c"
fx PostToolUse.Write A | CLAUDE_PID=$a run posttooluse-refresh; assert_rc 0
assert_out_empty
stop_of A "$a"
wait "$wb"; RC=$?; assert_rc 0
t_end

t_begin "a Read of a file another session claimed gets a one-line notice"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/d"; assert_rc 0
read_of B "$b" "$WS/d/x.c"; assert_rc 0
assert_out_has '"hookEventName":"PreToolUse"'
assert_out_has '"additionalContext":"claude-session-lock: '"$WS"'/d/x.c is inside '"$WS"'/d, claimed by session A (pid '"$a"')'
assert_out_lacks permissionDecision
read_of B "$b" "$WS/other.c"; assert_rc 0; assert_out_empty
# One's own claim: no notice.
read_of A "$a" "$WS/d/x.c"; assert_rc 0; assert_out_empty
# The workspace scope: Read is not looked at.
fx PreToolUse.Write B | sed -e "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/d/x.c\"#" \
	-e 's#"tool_name": "Write"#"tool_name": "Read"#' |
	CLAUDE_PID=$b SESSION_LOCK_SCOPE=workspace run pretooluse-lock
assert_rc 0; assert_out_empty
t_end

t_begin "SessionStart tells a new session which paths others hold"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c"; assert_rc 0
write_to A "$a" "$WS/d"; assert_rc 0
hook session-start SessionStart B "$b"; assert_rc 0
assert_out_has "session A (pid $a) has claimed $WS/a.c, $WS/d"
assert_out_has '"systemMessage":"Other sessions hold paths in'
t_end

t_begin "PostToolUse renews only the caller's holder"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
write_to A "$a" "$WS/a.c" SESSION_LOCK_TTL_MS=1000; assert_rc 0
write_to B "$b" "$WS/b.c"; assert_rc 0
b_renewed=$(json_get "$(lock_file)" holders.1.renewed_at)
until_true 10 sh -c "[ \$(date +%s%3N) -gt $(( $(date +%s%3N) + 2100 )) ]"
fx PostToolUse.Write A | CLAUDE_PID=$a SESSION_LOCK_TTL_MS=1000 run posttooluse-refresh; assert_rc 0
assert_eq "$(json_get "$(lock_file)" holders.1.renewed_at)" "$b_renewed" "B's renewal"
assert_eq "$(claims_of A)" "[\"$WS/a.c\"]" "A's claims"
t_end

t_finish
