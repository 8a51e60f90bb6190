#!/usr/bin/env bash
# Every client version we have real inputs of (fixtures/hooks/claude-code-*),
# through the real hooks: each set takes, renews, blocks, refreshes and
# releases alike; and 2.1.332's PreSkillShellCommand (the `!`cmd`` of a skill
# or a custom slash command) is judged as a Bash call: a writing command
# takes the lock or is blocked (exit 2, the reason on stderr, which is what
# stops it), a reading one runs; doctor wants it registered exactly when the
# Claude Code on PATH has the event.
. "$(dirname "$0")/../lib.sh"

A=aaaaaaaa-1111-4111-8111-111111111111
B=bbbbbbbb-2222-4222-8222-222222222222

# owner2: two live stand-ins for Claude Code processes, $O1 and $O2.
owner2() {
	spawn_owner; disown "$OWNER_PID"; O1=$OWNER_PID
	spawn_owner; disown "$OWNER_PID"; O2=$OWNER_PID
}
no_allow() { case "$OUT$ERR" in *allow*) t_fail "an output says 'allow': $OUT $ERR" ;; esac; }
snapshot() { cp -p "$(lock_file)" "$T/before.json"; }
assert_untouched() { assert_same_file "$T/before.json" "$(lock_file)"; }
# skill NAME SESSION COMMAND: the 2.1.332 PreSkillShellCommand fixture NAME with its command replaced
skill() {
	fx "PreSkillShellCommand.$1" "$2" |
		sed "s#\"command\": \"[^\"]*\"#\"command\": \"$3\"#"
}

versions=
for dir in "$SL_ROOT"/fixtures/hooks/claude-code-*; do
	versions="$versions ${dir##*/claude-code-}"
done
[ "$(echo $versions | wc -w)" -ge 2 ] || { t_begin "fixtures of two client versions"; t_fail "only:$versions"; t_end; }

for v in $versions; do
	FX=$SL_ROOT/fixtures/hooks/claude-code-$v

	t_begin "$v: Write, Edit, NotebookEdit and Bash take the lock, renew it, and pass silently"
	owner2
	for f in PreToolUse.Write PreToolUse.Edit PreToolUse.NotebookEdit PreToolUse.Bash; do
		rm -f "$(lock_file)"
		hook pretooluse-lock "$f" "$A" "$O1"; no_allow
		assert_rc 0; assert_out_empty; assert_err_empty
		assert_eq "$(json_get "$(lock_file)" session_id)" "$A" "$f: holder"
		hook pretooluse-lock "$f" "$A" "$O1"; no_allow
		assert_rc 0; assert_out_empty; assert_err_empty
	done
	t_end

	t_begin "$v: another live session's Write, Edit, NotebookEdit and Bash are blocked (exit 2, reason on stderr)"
	owner2
	hook pretooluse-lock PreToolUse.Write "$A" "$O1"
	snapshot
	for f in PreToolUse.Write PreToolUse.Edit PreToolUse.NotebookEdit PreToolUse.Bash PreToolUse.Write.subagent; do
		hook pretooluse-lock "$f" "$B" "$O2"; no_allow
		assert_rc 2; assert_out_deny
		assert_err_has "pid $O1"
	done
	assert_untouched
	t_end

	t_begin "$v: Read and Agent pass while another session holds the lock"
	owner2
	hook pretooluse-lock PreToolUse.Write "$A" "$O1"
	for f in PreToolUse.Read PreToolUse.Agent; do
		hook pretooluse-lock "$f" "$B" "$O2"; no_allow
		assert_rc 0; assert_out_empty; assert_err_empty
	done
	t_end

	t_begin "$v: PostToolUse and PostToolUseFailure renew, Stop releases; SessionEnd releases"
	owner2
	hook pretooluse-lock PreToolUse.Bash "$A" "$O1"
	for f in PostToolUse.Bash PostToolUseFailure.Bash PostToolUse.Write.subagent; do
		hook posttooluse-refresh "$f" "$A" "$O1"; no_allow
		assert_rc 0; assert_out_empty; assert_err_empty
		assert_file "$(lock_file)"
	done
	hook stop-release Stop "$A" "$O1"
	assert_rc 0; assert_out_empty; assert_err_empty
	assert_no_file "$(lock_file)"
	hook pretooluse-lock PreToolUse.Write "$A" "$O1"
	hook stop-release SessionEnd "$A" "$O1"
	assert_rc 0; assert_out_empty
	assert_no_file "$(lock_file)"
	t_end

	t_begin "$v: SessionStart names another live holder"
	owner2
	hook pretooluse-lock PreToolUse.Write "$A" "$O1"
	hook session-start SessionStart "$B" "$O2"; no_allow
	assert_rc 0
	case $OUT in *"pid $O1"*) ;; *) t_fail "SessionStart does not name pid $O1: $OUT" ;; esac
	t_end
done

# --- PreSkillShellCommand (2.1.332 on) -------------------------------------------

FX=$SL_ROOT/fixtures/hooks/claude-code-2.1.332
for kind in command skill; do
	t_begin "PreSkillShellCommand ($kind): a writing command takes the lock on a free workspace, silently"
	owner2
	hook pretooluse-lock "PreSkillShellCommand.$kind" "$A" "$O1"; no_allow
	assert_rc 0; assert_out_empty; assert_err_empty
	assert_eq "$(json_get "$(lock_file)" session_id)" "$A" holder
	assert_eq "$(json_get "$(lock_file)" pid)" "$O1" "holder pid"
	t_end

	t_begin "PreSkillShellCommand ($kind): a writing command is blocked while another session holds the workspace"
	owner2
	hook pretooluse-lock PreToolUse.Write "$A" "$O1"
	snapshot
	hook pretooluse-lock "PreSkillShellCommand.$kind" "$B" "$O2"; no_allow
	assert_rc 2; assert_out_deny
	assert_err_one_line
	assert_err_has "pid $O1"
	assert_err_has "$WS"
	assert_untouched
	t_end

	t_begin "PreSkillShellCommand ($kind): a read-only command runs while another session holds the workspace"
	owner2
	hook pretooluse-lock PreToolUse.Write "$A" "$O1"
	snapshot
	for cmd in 'ls -la' 'git status' 'cat README.md | head -n 3'; do
		skill "$kind" "$B" "$cmd" | CLAUDE_PID=$O2 run pretooluse-lock; no_allow
		assert_rc 0; assert_out_empty; assert_err_empty
	done
	assert_untouched
	t_end

	t_begin "PreSkillShellCommand ($kind): the holder's own command passes, and its Stop releases"
	owner2
	hook pretooluse-lock PreToolUse.Bash "$A" "$O1"
	hook pretooluse-lock "PreSkillShellCommand.$kind" "$A" "$O1"; no_allow
	assert_rc 0; assert_out_empty; assert_err_empty
	hook stop-release Stop "$A" "$O1"
	assert_no_file "$(lock_file)"
	t_end
done

t_begin "PreSkillShellCommand: the same classifier as Bash (the reason names the redirection)"
owner2
hook pretooluse-lock PreToolUse.Write "$A" "$O1"
for cmd in 'echo x > out.txt' 'rm -f a' 'make' 'sed -i s/a/b/ f'; do
	skill command "$B" "$cmd" | CLAUDE_PID=$O2 run pretooluse-lock
	assert_rc 2
	fx PreToolUse.Bash "$B" | sed "s#\"command\": \"[^\"]*\"#\"command\": \"$cmd\"#" |
		CLAUDE_PID=$O2 run pretooluse-lock
	assert_rc 2
done
t_end

t_begin "PreSkillShellCommand without tool_name is still judged as Bash"
owner2
hook pretooluse-lock PreToolUse.Write "$A" "$O1"
fx PreSkillShellCommand.command "$B" | sed '/"tool_name"/d' | CLAUDE_PID=$O2 run pretooluse-lock
assert_rc 2; assert_err_has "pid $O1"
fx PreSkillShellCommand.command "$B" | sed -e '/"tool_name"/d' -e 's#"command": "[^"]*"#"command": "ls"#' |
	CLAUDE_PID=$O2 run pretooluse-lock
assert_rc 0; assert_err_empty
t_end

# --- doctor and the Claude Code on PATH ----------------------------------------------

# with_claude VERSION: a stand-in `claude` first on PATH that reports VERSION.
with_claude() {
	mkdir -p "$T/claude-bin"
	printf '#!/bin/sh\necho "%s (Claude Code)"\n' "$1" > "$T/claude-bin/claude"
	chmod +x "$T/claude-bin/claude"
	PATH=$T/claude-bin:$SL_BIN:$PATH
}
# doctor: session-lock doctor with the current PATH; sets RC and OUT.
doctor() {
	"$SL_BIN/session-lock" doctor > "$T/.out" 2>&1
	RC=$?
	OUT=$(cat "$T/.out")
}

t_begin "doctor with Claude Code 2.1.332: PreSkillShellCommand must be registered"
saved=$PATH
with_claude 2.1.332
"$SL_BIN/session-lock" settings install --bindir "$SL_BIN" > /dev/null
doctor
assert_rc 0
assert_out_has "for Claude Code 2.1.332"
"$SL_BIN/session-lock" settings install --bindir "$SL_BIN" --client-version 2.1.330 > /dev/null
doctor
assert_rc 3
assert_out_has "PreSkillShellCommand: pretooluse-lock is not registered"
PATH=$saved
t_end

t_begin "doctor with Claude Code 2.1.330: PreSkillShellCommand registered is a problem (a warning at every start)"
saved=$PATH
with_claude 2.1.330
"$SL_BIN/session-lock" settings install --bindir "$SL_BIN" > /dev/null
doctor
assert_rc 0
"$SL_BIN/session-lock" settings install --bindir "$SL_BIN" --client-version 2.1.332 > /dev/null
doctor
assert_rc 3
assert_out_has "PreSkillShellCommand: Claude Code 2.1.330 does not have this event"
assert_out_has "install.sh"
PATH=$saved
t_end

t_begin "doctor without claude on PATH: either way is fine, and it says it could not tell"
"$SL_BIN/session-lock" settings install --bindir "$SL_BIN" --client-version 2.1.332 > /dev/null
PATH=$T/nowhere:$SL_BIN "$SL_BIN/session-lock" doctor > "$T/.out" 2>&1
assert_eq "$?" 0 "doctor status with PreSkillShellCommand"
assert_file_has "$T/.out" "Claude Code not found on PATH"
"$SL_BIN/session-lock" settings install --bindir "$SL_BIN" --client-version 2.1.330 > /dev/null
PATH=$T/nowhere:$SL_BIN "$SL_BIN/session-lock" doctor > "$T/.out" 2>&1
assert_eq "$?" 0 "doctor status without it"
t_end

t_finish
