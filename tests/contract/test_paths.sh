#!/usr/bin/env bash
# The target path decides (issue 6): Write/Edit/NotebookEdit outside the
# workspace need no lock; a target inside a workspace another live session
# holds is blocked, even when it is not our own workspace.
. "$(dirname "$0")/../lib.sh"

# hold DIR SESSION PID: SESSION (launched in DIR) takes DIR's lock with a Write inside it.
hold() {
	write_to "$2" "$3" "$1/held.txt" CLAUDE_PROJECT_DIR="$1"
	assert_rc 0
	assert_file "$(lock_file "$1")"
}

t_begin "a write outside the workspace passes without taking the lock"
spawn_owner
mkdir -p "$T/elsewhere"
write_to s1 "$OWNER_PID" "$T/elsewhere/plan.md"
assert_rc 0; assert_out_empty
assert_no_file "$(lock_file)"
t_end

t_begin "a write outside the workspace passes while another session holds the workspace"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"; assert_rc 0
write_to other "$b" "/tmp/not-in-the-workspace-$$.txt"
assert_rc 0; assert_out_empty
t_end

t_begin "a write into another live session's workspace is blocked, naming that workspace"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
mkdir -p "$T/theirs"; theirs=$(cd "$T/theirs" && pwd -P)
hold "$theirs" them "$a"
write_to us "$b" "$theirs/sub/dir/file.txt"
assert_rc 2
assert_err_has "pid $a"
assert_err_has "$theirs"
assert_no_file "$(lock_file)"
t_end

t_begin "a write into a workspace whose holder is dead passes"
spawn_owner; b=$OWNER_PID; dead=$(dead_pid)
mkdir -p "$T/theirs"; theirs=$(cd "$T/theirs" && pwd -P)
hold "$theirs" them "$dead"
write_to us "$b" "$theirs/file.txt"
assert_rc 0
t_end

t_begin "a nested workspace held by another session blocks the outer one: into it and beside it"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
mkdir -p "$WS/inner"; inner="$WS/inner"
hold "$inner" inner-session "$a"
write_to outer "$b" "$inner/x.c"
assert_rc 2; assert_err_has "pid $a"
# Holding the outer workspace would let its Bash commands change inner/ too:
# nested workspaces are one lock, taken whole.
write_to outer "$b" "$WS/top.c"
assert_rc 2; assert_err_has "pid $a"; assert_err_has "the workspace $inner is held"
assert_err_has "wait '$WS'"
assert_no_file "$(lock_file)"
# A changing Bash command in the outer workspace: blocked, as the audit asked.
fx PreToolUse.Bash outer | sed 's#"command": "[^"]*"#"command": "rm -rf inner/x.c"#' |
	CLAUDE_PID=$b run pretooluse-lock
assert_rc 2; assert_err_has "pid $a"
# Once the inner session has released, the outer one takes its workspace.
fx Stop inner-session | CLAUDE_PROJECT_DIR=$inner CLAUDE_PID=$a run stop-release
write_to outer "$b" "$WS/top.c"
assert_rc 0
assert_eq "$(json_get "$(lock_file)" session_id)" outer "outer holder"
t_end

t_begin "nested acquisitions are atomic: of an outer and an inner session started together, one wins"
mkdir -p "$WS/inner"; inner="$WS/inner"
fails=0
for round in 1 2 3 4 5 6 7 8 9 10; do
	rm -f "$RT"/session-lock-*.json
	spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
	# Both pause right after their first, lock-free read, then go on together.
	rm -f "$T/go"
	fx PreToolUse.Write outer | SESSION_LOCK_PAUSE_AT="decided:$T/go" CLAUDE_PID=$a \
		"$SL_TBIN/pretooluse-lock" > /dev/null 2>&1 &
	p1=$!
	fx PreToolUse.Write inner | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$inner/y.c\"#" |
		SESSION_LOCK_PAUSE_AT="decided:$T/go" CLAUDE_PROJECT_DIR=$inner CLAUDE_PID=$b \
		"$SL_TBIN/pretooluse-lock" > /dev/null 2>&1 &
	p2=$!
	until_true 10 test -e "$T/go.waiting"
	sleep 0.1
	touch "$T/go"
	wait "$p1"; r1=$?
	wait "$p2"; r2=$?
	held=0
	[ -e "$(lock_file)" ] && held=$((held + 1))
	[ -e "$(lock_file "$inner")" ] && held=$((held + 1))
	if [ "$held" != 1 ] || [ "$((r1 + r2))" != 2 ]; then
		fails=$((fails + 1))
		echo "  round $round: outer exit $r1, inner exit $r2, $held records"
	fi
done
assert_eq "$fails" 0 "rounds where both or neither held"
t_end

t_begin "an outer workspace held by another session blocks the nested one"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
mkdir -p "$WS/inner"; inner="$WS/inner"
hook pretooluse-lock PreToolUse.Write outer-session "$a"; assert_rc 0
fx PreToolUse.Write inner-session | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$inner/y.c\"#" |
	CLAUDE_PROJECT_DIR=$inner CLAUDE_PID=$b run pretooluse-lock
assert_rc 2; assert_err_has "pid $a"; assert_err_has "$WS"
t_end

t_begin "a relative and a dot-dot target are resolved before deciding"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
mkdir -p "$T/theirs"; theirs=$(cd "$T/theirs" && pwd -P)
hold "$theirs" them "$a"
write_to us "$b" "$WS/../theirs/new/../f.txt"
assert_rc 2
write_to us "$b" "$theirs/../elsewhere.txt"
assert_rc 0
t_end

t_begin "a symlink into another session's workspace is resolved to it"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
mkdir -p "$T/theirs"; theirs=$(cd "$T/theirs" && pwd -P)
ln -s "$theirs" "$T/link"
hold "$theirs" them "$a"
write_to us "$b" "$T/link/f.txt"
assert_rc 2
t_end

t_begin "a NotebookEdit is judged by its notebook_path"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write holder "$a"
fx PreToolUse.NotebookEdit other | CLAUDE_PID=$b run pretooluse-lock
assert_rc 2
fx PreToolUse.NotebookEdit other | sed "s#\"notebook_path\": \"[^\"]*\"#\"notebook_path\": \"$T/out.ipynb\"#" |
	CLAUDE_PID=$b run pretooluse-lock
assert_rc 0
t_end

t_finish
