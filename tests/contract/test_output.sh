#!/usr/bin/env bash
# Nothing we print for a terminal or hand to the client carries a raw control
# character (issue 10, part 8): a session id and a workspace directory name
# holding ESC sequences, a C1 control (U+009B, CSI) and a byte that is not
# UTF-8 (0x9b, CSI on an 8-bit terminal), shown through every output: the
# block reason, SessionStart's systemMessage and additionalContext, status,
# status --all, status --json, log, log --json and doctor. They are written
# visibly, as \x1b (text.h).
. "$(dirname "$0")/../lib.sh"
unset CLAUDE_CODE_SESSION_ID

ESC=$'\x1b'
C1=$'\xc2\x9b'
RAW=$'\x9b'
# A session id that clears the screen, retitles the window and rings the
# bell; in JSON it is written with escapes, as a client would send it.
SID_JSON='evil\u001b[2J\u001b]0;pwned\u0007\u009b31m-1111'
B=bbbbbbbb-2222-4222-8222-222222222222

# no_controls WHAT TEXT: TEXT has no ESC, BEL, C1 or raw 0x9b byte.
no_controls() {
	case $2 in
	*"$ESC"* | *$'\x07'* | *"$C1"* | *"$RAW"*)
		t_fail "$1 has a raw control character: $(printf '%s' "$2" | od -c | head -5)" ;;
	esac
}
# shows_escaped WHAT TEXT: the ESC was made visible, not dropped.
shows_escaped() {
	case $2 in *'\x1b'*) ;; *) t_fail "$1 does not show the ESC as \\x1b: $2" ;; esac
}

# input EVENT TOOL SID_JSON: a hook input for the workspace $WS.
input() {
	printf '{"session_id":"%s","transcript_path":"/tmp/t.jsonl","cwd":"%s","hook_event_name":"%s"' \
		"$3" "$WS_JSON" "$1"
	case $1 in
	PreToolUse) printf ',"tool_name":"%s","tool_input":{"file_path":"%s/a.txt","content":"x"}' \
		"$2" "$WS_JSON" ;;
	SessionStart) printf ',"source":"startup"' ;;
	esac
	printf '}\n'
}

# A workspace whose name turns the terminal red and holds a C1 and a raw byte.
hostile_ws() {
	mkdir "$T/ws${ESC}[31mred${C1}${RAW}x"
	WS=$(cd "$T/ws${ESC}[31mred${C1}${RAW}x" && pwd -P)
	export CLAUDE_PROJECT_DIR=$WS
	cd "$WS" || exit 1
	# JSON-escape what JSON cannot carry raw (the ESC); the other bytes pass.
	WS_JSON=${WS//$ESC/\\u001b}
}

# held: session SID_JSON holds the hostile workspace, B is blocked once (so
# the log has a block naming the holder).
held() {
	hostile_ws
	spawn_owner; A_PID=$OWNER_PID
	spawn_owner; B_PID=$OWNER_PID
	input PreToolUse Write "$SID_JSON" | CLAUDE_PID=$A_PID run pretooluse-lock
	assert_rc 0
	assert_file "$(lock_file)"
}

# decoded WHAT KEY...: each KEY of the JSON object on stdout, decoded, has no
# control character and shows the ESC escaped.
decoded() {
	local what=$1 key value
	shift
	printf '%s\n' "$OUT" > "$T/out.json"
	no_controls "$what stdout" "$OUT"
	for key; do
		value=$(json_get "$T/out.json" "$key") || { t_fail "no $key in: $OUT"; continue; }
		no_controls "$what $key" "$value"
		shows_escaped "$what $key" "$value"
	done
}

t_begin "a block reason naming a hostile session and workspace is one line without control characters"
held
input PreToolUse Write "$B" | CLAUDE_PID=$B_PID run pretooluse-lock
assert_rc 2; assert_err_one_line
no_controls "the block reason" "$ERR"
shows_escaped "the block reason" "$ERR"
assert_err_has 'evil\x1b[2J'
assert_err_has 'red\xc2\x9b\x9bx'
decoded "the deny" hookSpecificOutput.permissionDecisionReason systemMessage
t_end

t_begin "SessionStart's systemMessage and additionalContext carry no control characters once decoded"
held
input SessionStart "" "$B" | CLAUDE_PID=$B_PID run session-start
assert_rc 0; assert_err_empty
decoded "SessionStart" systemMessage hookSpecificOutput.additionalContext
case $(json_get "$T/out.json" hookSpecificOutput.additionalContext) in
*'evil\x1b[2J'*) ;;
*) t_fail "additionalContext does not name the holder: $OUT" ;;
esac
t_end

t_begin "status, status --all and status --json show a hostile holder without control characters"
held
run session-lock status
assert_rc 1
no_controls "status" "$OUT$ERR"
shows_escaped "status" "$OUT"
assert_out_has 'session id:  evil\x1b[2J\x1b]0;pwned\x07\xc2\x9b31m-1111'
assert_out_has 'workspace:   '"${WS%%"$ESC"*}"'\x1b[31mred\xc2\x9b\x9bx'
run session-lock status --all
assert_rc 1
no_controls "status --all" "$OUT$ERR"
shows_escaped "status --all" "$OUT"
run session-lock status --json
assert_rc 1
no_controls "status --json" "$OUT$ERR"
printf '%s\n' "$OUT" > "$T/out.json"
# The JSON still means the same id: ESC and U+009B decode back to themselves.
assert_eq "$(json_get "$T/out.json" holder.session_id)" \
	"evil${ESC}[2J${ESC}]0;pwned"$'\x07'"${C1}31m-1111" "decoded session_id"
t_end

t_begin "log and log --json show a hostile block without control characters"
held
input PreToolUse Write "$B" | CLAUDE_PID=$B_PID run pretooluse-lock
assert_rc 2
run session-lock log
assert_rc 0
no_controls "log" "$OUT$ERR"
shows_escaped "log" "$OUT"
assert_out_has 'blocked by session evil\x1b[2J'
run session-lock log --json
assert_rc 0
no_controls "log --json" "$OUT$ERR"
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "log lines"
t_end

t_begin "doctor and command-line errors name a hostile workspace without control characters"
hostile_ws
run session-lock doctor "$WS"
no_controls "doctor" "$OUT$ERR"
shows_escaped "doctor" "$OUT"
run session-lock status "$WS/missing${ESC}[0m"
assert_rc 3
no_controls "an error" "$OUT$ERR"
shows_escaped "an error" "$ERR"
t_end

t_finish
