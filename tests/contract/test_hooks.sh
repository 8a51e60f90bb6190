#!/usr/bin/env bash
# The rules of issue 2, through the real hook binaries: acquire, re-entry,
# block, refresh, release, takeovers (dead owner, PID reuse, other boot,
# ended lease), Bash leases, resume, /clear, subagents, the workspace, the
# owner process, session-start, the switches, and the audit log.
#
# Every case runs the programs of $SL_BIN on a real client's fixture input,
# in a fresh $HOME, and checks the exit status, stdout, stderr and the files
# left. Records are planted from the templates in fixtures/records/.
. "$(dirname "$0")/../lib.sh"

# hk PROGRAM FIXTURE SESSION [PID]: lib.sh's hook, then the rule that holds
# for every answer: never "allow" (it would bypass the user's permissions).
hk() {
	hook "$@"
	no_allow
}
# feed PROGRAM [PID] < input: runs a hook on a hand-made input.
feed() {
	if [ -n "${2:-}" ]; then CLAUDE_PID=$2 run "$1"; else run "$1"; fi
	no_allow
}
no_allow() {
	case "$OUT$ERR" in *allow*) t_fail "an output says 'allow': $OUT $ERR" ;; esac
}

# Bash with its own timeout (ms) in tool_input.
bash_with_timeout() { fx PreToolUse.Bash "$1" | sed "s#\"command\":#\"timeout\": $2, \"command\":#"; }

rec() { json_get "$(lock_file)" "$1"; }
assert_rec() { assert_eq "$(rec "$1")" "$2" "record $1"; }
assert_mode() { assert_eq "$(stat -c %a "$1")" "$2" "mode of $1"; }
assert_no_temp() {
	local f
	for f in "$RT"/*.tmp; do [ -e "$f" ] && t_fail "temporary file left: $f"; done
}
snapshot() { cp -p "$(lock_file)" "$T/before.json"; }
assert_untouched() { assert_same_file "$T/before.json" "$(lock_file)"; }
assert_between() { [ "$2" -le "$1" ] && [ "$1" -le "$3" ] || t_fail "${4:-value} $1 not in [$2, $3]"; }
# assert_err_matches ERE
assert_err_matches() { printf '%s' "$ERR" | grep -Eq -- "$1" || t_fail "stderr does not match /$1/: $ERR"; }
# the audit log's lines, one file each: $T/log.1, $T/log.2, ...
split_log() {
	local n=0 line
	while IFS= read -r line; do
		n=$((n + 1))
		printf '%s\n' "$line" > "$T/log.$n"
	done < "$RT/session-lock.log"
	LOG_LINES=$n
}
# owners N: N live stand-ins for Claude Code processes, in $O1..$ON.
owners() {
	local i
	for i in $(seq "$1"); do
		spawn_owner
		disown "$OWNER_PID"	# lib.sh kills it at exit; no "Killed" notice
		eval "O$i=$OWNER_PID"
	done
}
# kill_owner PID: kills a stand-in and waits until it is gone or a zombie (the
# bound only catches a process that never dies, not a slow machine).
owner_gone() {
	[ ! -e "/proc/$1" ] || [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = Z ]
}
kill_owner() {
	kill -9 "$1" 2>/dev/null
	until_true 120 owner_gone "$1"
}

A=aaaaaaaa-1111-4111-8111-111111111111
B=bbbbbbbb-2222-4222-8222-222222222222
C=cccccccc-3333-4333-8333-333333333333

# --- acquire ----------------------------------------------------------------

t_begin "a Write on a free workspace takes the lock, passes silently and writes every field"
owners 1
t0=$(now_ms); b0=$(boot_ms)
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
t1=$(now_ms); b1=$(boot_ms)
assert_rc 0; assert_out_empty; assert_err_empty
assert_file "$(lock_file)"
assert_rec schema_version 1
assert_rec session_id "$A"
assert_rec pid "$O1"
assert_rec ttl_ms 300000
assert_rec workspace "$WS"
assert_rec pid_start "$(pid_start "$O1")"
assert_rec boot_id "$BOOT_ID"
assert_rec host "$HOST"
assert_rec kind claude
assert_between "$(rec acquired_at)" "$t0" "$t1" acquired_at
assert_rec renewed_at "$(rec acquired_at)"
assert_between "$(rec renewed_boot_ms)" "$b0" "$((b1 + 10))" renewed_boot_ms
assert_rec lease_ms 300000
assert_rec lease_until "$(($(rec renewed_at) + 300000))"
assert_mode "$HOME/.claude" 700
assert_mode "$RT" 700
assert_mode "$(lock_file)" 600
assert_mode "$RT/session-lock.log" 600
assert_no_temp
t_end

t_begin "each tool that can change files takes the lock: Write, Edit, NotebookEdit, Bash, MultiEdit"
owners 1
for fixture in PreToolUse.Write PreToolUse.Edit PreToolUse.NotebookEdit PreToolUse.Bash MultiEdit; do
	rm -f "$(lock_file)"
	if [ "$fixture" = MultiEdit ]; then
		fx PreToolUse.Edit "$A" | sed 's/"tool_name": "Edit"/"tool_name": "MultiEdit"/' | feed pretooluse-lock "$O1"
	else
		hk pretooluse-lock "$fixture" "$A" "$O1"
	fi
	assert_rc 0; assert_out_empty; assert_err_empty
	[ -f "$(lock_file)" ] || t_fail "$fixture took no lock"
done
t_end

t_begin "the same session again passes silently and keeps its record (re-entrant)"
owners 1
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
acquired=$(rec acquired_at)
hk pretooluse-lock PreToolUse.Edit "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec session_id "$A"
assert_rec pid "$O1"
assert_rec acquired_at "$acquired"
assert_eq "$(ls "$RT" | grep -c '\.json$')" 1 "records in the runtime directory"
t_end

t_begin "a lock of ours renewed less than 2 s ago is not rewritten"
owners 1
# Stamped a minute ahead on the boot clock: however slow this machine, the
# hook runs "within 2 s" of the renewal, so nothing here depends on timing.
put_record held "$A" "$O1" RENBOOT=$(($(boot_ms) + 60000))
snapshot
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_untouched
t_end

t_begin "a PreToolUse of ours renews a lease last renewed a minute ago"
owners 1
put_record held "$A" "$O1" IDLE=60000
old=$(rec renewed_at); acquired=$(rec acquired_at)
t0=$(now_ms)
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_between "$(rec renewed_at)" "$t0" "$(now_ms)" renewed_at
[ "$(rec renewed_at)" -gt "$old" ] || t_fail "renewed_at did not grow"
assert_rec acquired_at "$acquired"
assert_rec lease_until "$(($(rec renewed_at) + 300000))"
t_end

# --- block ------------------------------------------------------------------

t_begin "another live session is blocked: exit 2, its pid and short id on stderr, nothing on stdout"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 2; assert_out_deny
assert_err_one_line
assert_err_has "pid $O1"
assert_err_has "session aaaaaaaa"
assert_err_has "$WS"
# The one thing to do next, by absolute path, and why this call needs the lock.
assert_err_has "Next: run \`$SL_BIN/session-lock wait '$WS'\`"
assert_err_has "This Write needs the lock: it changes $WS/"
assert_err_has "holding the lock since"
case $ERR in *release*) t_fail "the reason gives advice that cannot work: $ERR" ;; esac
case $ERR in *bbbbbbbb*) t_fail "the reason names the blocked session instead of the holder: $ERR" ;; esac
assert_untouched
assert_no_temp
t_end

t_begin "every tool that can change files is blocked while another session holds the lock"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
for fixture in PreToolUse.Edit PreToolUse.NotebookEdit PreToolUse.Bash; do
	hk pretooluse-lock "$fixture" "$B" "$O2"
	assert_rc 2; assert_out_deny; assert_err_has "pid $O1"
done
fx PreToolUse.Edit "$B" | sed 's/"tool_name": "Edit"/"tool_name": "MultiEdit"/' | feed pretooluse-lock "$O2"
assert_rc 2; assert_out_deny
assert_untouched
t_end

t_begin "the block reason tells how long the holder has been idle"
owners 2
put_record held "$A" "$O1" IDLE=42000
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 2
assert_err_matches 'idle 4[23] s'
t_end

t_begin "a lease that has not ended is not taken over (200 s idle of 300)"
owners 2
put_record held "$A" "$O1" IDLE=200000
snapshot
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 2; assert_out_deny
assert_err_matches 'idle 20[01] s'
assert_untouched
t_end

# --- refresh ----------------------------------------------------------------

t_begin "posttooluse-refresh renews our lease on PostToolUse"
owners 1
put_record held "$A" "$O1" IDLE=60000
old=$(rec renewed_at); acquired=$(rec acquired_at)
hk posttooluse-refresh PostToolUse.Write "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
[ "$(rec renewed_at)" -gt "$old" ] || t_fail "renewed_at did not grow: $(rec renewed_at) <= $old"
assert_rec acquired_at "$acquired"
assert_rec session_id "$A"
assert_rec lease_until "$(($(rec renewed_at) + $(rec lease_ms)))"
assert_no_temp
t_end

t_begin "posttooluse-refresh renews our lease on PostToolUseFailure"
owners 1
put_record held "$A" "$O1" IDLE=60000
old=$(rec renewed_at)
hk posttooluse-refresh PostToolUseFailure.Bash "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
[ "$(rec renewed_at)" -gt "$old" ] || t_fail "renewed_at did not grow"
t_end

t_begin "posttooluse-refresh never creates a lock"
owners 1
for fixture in PostToolUse.Write PostToolUse.Bash PostToolUseFailure.Bash; do
	hk posttooluse-refresh "$fixture" "$A" "$O1"
	assert_rc 0; assert_out_empty
done
assert_no_file "$(lock_file)"
t_end

t_begin "posttooluse-refresh leaves another session's lock byte-identical"
owners 2
put_record held "$A" "$O1" IDLE=60000
snapshot
hk posttooluse-refresh PostToolUse.Write "$B" "$O2"
assert_rc 0; assert_out_empty
hk posttooluse-refresh PostToolUseFailure.Bash "$B" "$O2"
assert_rc 0; assert_out_empty
assert_untouched
t_end

t_begin "posttooluse-refresh leaves even a dead holder's lock alone"
owners 1
put_record held "$A" "$(dead_pid)" IDLE=60000
snapshot
hk posttooluse-refresh PostToolUse.Write "$B" "$O1"
assert_rc 0; assert_out_empty
assert_untouched
t_end

# --- release ----------------------------------------------------------------

for fixture in Stop SessionEnd SessionEnd.prompt_input_exit; do
	t_begin "stop-release at $fixture removes our lock and leaves no record or temporary file"
	owners 1
	hk pretooluse-lock PreToolUse.Write "$A" "$O1"
	hk stop-release "$fixture" "$A" "$O1"
	assert_rc 0; assert_out_empty; assert_err_empty
	assert_no_file "$(lock_file)"
	assert_no_temp
	t_end
done

for fixture in Stop SessionEnd; do
	t_begin "stop-release at $fixture leaves another live session's lock byte-identical"
	owners 2
	hk pretooluse-lock PreToolUse.Write "$A" "$O1"
	snapshot
	hk stop-release "$fixture" "$B" "$O2"
	assert_rc 0; assert_out_empty
	assert_untouched
	t_end

	t_begin "stop-release at $fixture leaves even a dead holder's lock alone"
	owners 1
	put_record held "$A" "$(dead_pid)"
	snapshot
	hk stop-release "$fixture" "$B" "$O1"
	assert_rc 0; assert_out_empty
	assert_untouched
	t_end
done

t_begin "stop-release with no lock does nothing and passes"
owners 1
hk stop-release Stop "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_no_file "$(lock_file)"
t_end

t_begin "Stop keeps the lock while background tasks run; SessionEnd then releases it"
owners 1
hk pretooluse-lock PreToolUse.Bash "$A" "$O1"
snapshot
fx Stop "$A" | sed 's/"background_tasks": \[\]/"background_tasks": [{"id": "b1", "command": "make"}]/' |
	feed stop-release "$O1"
assert_rc 0; assert_out_empty
assert_untouched
hk stop-release SessionEnd "$A" "$O1"
assert_rc 0; assert_out_empty
assert_no_file "$(lock_file)"
t_end

t_begin "SESSION_LOCK_RELEASE_ON=session_end keeps the lock at Stop and releases it at SessionEnd"
owners 1
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
SESSION_LOCK_RELEASE_ON=session_end hk stop-release Stop "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_untouched
SESSION_LOCK_RELEASE_ON=session_end hk stop-release SessionEnd "$A" "$O1"
assert_rc 0; assert_out_empty
assert_no_file "$(lock_file)"
t_end

t_begin "release_on \"session_end\" in ~/.claude/session-lock.json keeps the lock at Stop"
owners 1
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
printf '{"release_on": "session_end"}\n' > "$HOME/.claude/session-lock.json"
snapshot
hk stop-release Stop "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_untouched
t_end

# --- takeovers --------------------------------------------------------------

t_begin "a dead owner's lock is taken over at once, with the previous holder recorded"
owners 1
dead=$(dead_pid)
put_record held "$A" "$dead"
hk pretooluse-lock PreToolUse.Write "$B" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec session_id "$B"
assert_rec pid "$O1"
assert_rec pid_start "$(pid_start "$O1")"
assert_rec previous.session_id "$A"
assert_rec previous.pid "$dead"
assert_rec previous.reason dead
assert_no_temp
t_end

t_begin "a live PID with another start time is a reused PID: taken over as dead"
owners 2
put_record held "$A" "$O1" START=$(($(pid_start "$O1") + 4242))
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0; assert_out_empty
assert_rec session_id "$B"
assert_rec previous.reason dead
t_end

t_begin "a record from another boot is taken over at once, even when its PID is alive now"
owners 2
put_record held "$A" "$O1" BOOT=00000000-0000-4000-8000-000000000000 RENBOOT=1000
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0; assert_out_empty
assert_rec session_id "$B"
assert_rec pid "$O2"
assert_rec previous.reason dead
t_end

t_begin "a live holder whose lease ended (400 s idle of 300) is taken over"
owners 2
put_record held "$A" "$O1" IDLE=400000
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec session_id "$B"
assert_rec previous.session_id "$A"
assert_rec previous.reason "lease ended"
assert_between "$(rec previous.idle_ms)" 400000 460000 previous.idle_ms
t_end

t_begin "a legacy record (the five established fields) of a live holder blocks, and is taken over once its TTL ends"
owners 2
put_record legacy "$A" "$O1"
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 2; assert_out_deny; assert_err_has "pid $O1"
put_record legacy "$A" "$O1" ACQ=$(($(now_ms) - 400000))
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0; assert_out_empty
assert_rec session_id "$B"
assert_rec previous.reason "lease ended"
t_end

t_begin "a holder on another host counts only by its lease: a PID dead here does not free it"
owners 1
put_record held "$A" "$(dead_pid)" HOST=other-host.example RENBOOT=1000
snapshot
hk pretooluse-lock PreToolUse.Write "$B" "$O1"
assert_rc 2; assert_out_deny
assert_err_has "other-host.example"
assert_untouched
put_record held "$A" "$(dead_pid)" HOST=other-host.example RENBOOT=1000 IDLE=400000
hk pretooluse-lock PreToolUse.Write "$B" "$O1"
assert_rc 0; assert_out_empty
assert_rec session_id "$B"
assert_rec previous.reason "lease ended"
t_end

# --- Bash leases ------------------------------------------------------------

t_begin "a Bash call with timeout 600000 gets a 630000 ms lease; the TTL stays 300000"
owners 1
bash_with_timeout "$A" 600000 | feed pretooluse-lock "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec lease_ms 630000
assert_rec ttl_ms 300000
assert_rec lease_until "$(($(rec renewed_at) + 630000))"
t_end

t_begin "a Bash call without a timeout (120000 + 30000 < TTL) gets the 300000 ms TTL lease"
owners 1
hk pretooluse-lock PreToolUse.Bash "$A" "$O1"
assert_rc 0
assert_rec lease_ms 300000
assert_rec lease_until "$(($(rec renewed_at) + 300000))"
t_end

t_begin "a background Bash call without a timeout gets the client's 600000 + 30000 ms lease"
owners 1
fx PreToolUse.Bash "$A" | sed 's#"command":#"run_in_background": true, "command":#' | feed pretooluse-lock "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec lease_ms 630000
assert_rec ttl_ms 300000
# with its own timeout, that timeout counts, as in the foreground
rm -f "$(lock_file)"
bash_with_timeout "$A" 400000 | sed 's#"command":#"run_in_background": true, "command":#' | feed pretooluse-lock "$O1"
assert_rc 0
assert_rec lease_ms 430000
t_end

t_begin "a long Bash lease is not taken over mid-run, past the TTL, until it ends"
owners 2
put_record held "$A" "$O1" IDLE=400000 LEASE=630000
snapshot
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 2; assert_out_deny; assert_err_has "pid $O1"
assert_untouched
put_record held "$A" "$O1" IDLE=640000 LEASE=630000
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0
assert_rec previous.reason "lease ended"
t_end

t_begin "a later short call of ours does not shorten our long Bash lease"
owners 1
put_record held "$A" "$O1" IDLE=100000 LEASE=630000
until=$(rec lease_until)
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
assert_rc 0; assert_out_empty
[ "$(rec lease_ms)" -gt 300000 ] || t_fail "lease shortened to $(rec lease_ms)"
assert_between "$(rec lease_until)" "$((until - 1000))" "$((until + 1000))" lease_until
t_end

# --- taken over while away ----------------------------------------------------

t_begin "a session whose dead-looking process lost the lock is told so in its next block"
owners 3
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
kill_owner "$O1"
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0
assert_rec previous.session_id "$A"
snapshot
hk pretooluse-lock PreToolUse.Write "$A" "$O3"      # A again, resumed in a new process
assert_rc 2; assert_out_deny; assert_err_one_line
assert_err_has "pid $O2"
assert_err_has "session bbbbbbbb"
assert_err_has "took over this session's lock"
assert_err_has "process was gone"
assert_untouched
t_end

t_begin "a session whose lease ended is told who took over and after how long idle"
owners 2
put_record held "$A" "$O1" IDLE=400000
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
assert_rc 2; assert_out_deny
assert_err_has "took over this session's lock"
assert_err_matches "lease ended after 40[0-9] s idle"
t_end

for fixture in PostToolUse.Write PostToolUseFailure.Bash; do
	event=${fixture%%.*}
	t_begin "after a takeover, $event warns the model in one $event JSON object and renews nothing"
	owners 3
	hk pretooluse-lock PreToolUse.Write "$A" "$O1"
	kill_owner "$O1"
	hk pretooluse-lock PreToolUse.Write "$B" "$O2"
	snapshot
	hk posttooluse-refresh "$fixture" "$A" "$O3"
	assert_rc 0; assert_err_empty
	printf '%s\n' "$OUT" > "$T/out.json"
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "stdout lines"
	assert_eq "$(json_get "$T/out.json" hookSpecificOutput.hookEventName)" "$event" hookEventName
	json_get "$T/out.json" hookSpecificOutput.additionalContext > "$T/ctx"
	assert_file_has "$T/ctx" "took over"
	assert_file_has "$T/ctx" "pid $O2"
	assert_untouched
	t_end
done

# --- resume, /clear, subagents ------------------------------------------------

t_begin "resume: the same session in a new process passes and the record moves to the new pid"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
acquired=$(rec acquired_at)
hk pretooluse-lock PreToolUse.Edit "$A" "$O2"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec session_id "$A"
assert_rec pid "$O2"
assert_rec pid_start "$(pid_start "$O2")"
assert_rec acquired_at "$acquired"
t_end

t_begin "resume: SessionStart of the resumed session prints nothing over its own lock"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
hk session-start SessionStart.resume "$A" "$O2"
assert_rc 0; assert_out_empty; assert_err_empty
assert_untouched
t_end

t_begin "/clear: the same Claude Code process with a new session id passes, and its Stop releases"
owners 1
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
hk pretooluse-lock PreToolUse.Write "$C" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec pid "$O1"
hk stop-release Stop "$C" "$O1"
assert_rc 0
assert_no_file "$(lock_file)"
t_end

t_begin "a subagent of the holding session passes"
owners 1
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
hk pretooluse-lock PreToolUse.Write.subagent "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_rec session_id "$A"
t_end

t_begin "a subagent of another session is blocked like its parent"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
hk pretooluse-lock PreToolUse.Write.subagent "$B" "$O2"
assert_rc 2; assert_out_deny; assert_err_has "pid $O1"
t_end

# --- which workspace, which owner ---------------------------------------------

t_begin "the lock is on CLAUDE_PROJECT_DIR, not on the input's cwd"
owners 1
mkdir -p "$WS/sub"
fx PreToolUse.Write "$A" | sed "s#\"cwd\": \"[^\"]*\"#\"cwd\": \"$WS/sub\"#" | feed pretooluse-lock "$O1"
assert_rc 0; assert_out_empty
assert_file "$(lock_file "$WS")"
assert_no_file "$(lock_file "$WS/sub")"
assert_rec workspace "$WS"
t_end

t_begin "without CLAUDE_PROJECT_DIR the input's cwd is the workspace"
owners 1
mkdir -p "$T/other"; other=$(cd "$T/other" && pwd -P)
unset CLAUDE_PROJECT_DIR
sed "s#/home/dev/project#$other#g; s#\"session_id\": \"[^\"]*\"#\"session_id\": \"$A\"#" \
	"$FX/PreToolUse.Write.json" | feed pretooluse-lock "$O1"
assert_rc 0; assert_out_empty
assert_file "$(lock_file "$other")"
assert_no_file "$(lock_file "$WS")"
assert_eq "$(json_get "$(lock_file "$other")" workspace)" "$other" workspace
t_end

t_begin "without CLAUDE_PROJECT_DIR and cwd the hook's own directory is the workspace"
owners 1
unset CLAUDE_PROJECT_DIR
fx PreToolUse.Bash "$A" | sed '/"cwd":/d' | feed pretooluse-lock "$O1"
assert_rc 0; assert_out_empty
assert_file "$(lock_file "$WS")"
t_end

t_begin "a symlinked CLAUDE_PROJECT_DIR locks its target"
owners 2
ln -s "$WS" "$T/link"
CLAUDE_PROJECT_DIR=$T/link hk pretooluse-lock PreToolUse.Write "$A" "$O1"
assert_rc 0
assert_file "$(lock_file "$WS")"
assert_no_file "$(lock_file "$T/link")"
hk pretooluse-lock PreToolUse.Write "$B" "$O2"     # through the real path: the same lock
assert_rc 2; assert_err_has "pid $O1"
t_end

t_begin "without CLAUDE_PID the owner is the hook's parent when it runs it directly"
me=$BASHPID	# ($BASHPID inside $(...) would be the subshell's)
hk pretooluse-lock PreToolUse.Write "$A"
assert_rc 0
assert_rec pid "$me"
assert_rec pid_start "$(pid_start "$me")"
t_end

for shell in "sh -c" "bash -c"; do
	t_begin "without CLAUDE_PID the owner is the process that ran '$shell HOOK', not the shell"
	me=$BASHPID
	fx PreToolUse.Write "$A" > "$T/in.json"
	# "; true" keeps the shell from exec'ing the hook, as dash does in the client.
	$shell "'$SL_BIN/pretooluse-lock' < '$T/in.json'; true" > "$T/out" 2> "$T/err"
	RC=$?
	assert_rc 0
	assert_eq "$(cat "$T/out" "$T/err")" "" "output"
	assert_rec pid "$me"
	assert_rec pid_start "$(pid_start "$me")"
	rm -f "$(lock_file)"
	$shell "'$SL_BIN/pretooluse-lock' < '$T/in.json'" > "$T/out" 2> "$T/err"  # may exec
	assert_rec pid "$me"
	t_end
done

# --- session-start ----------------------------------------------------------------

t_begin "session-start names another live holder in one SessionStart JSON object"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
hk session-start SessionStart "$B" "$O2"
assert_rc 0; assert_err_empty
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "stdout lines"
printf '%s\n' "$OUT" > "$T/out.json"
assert_eq "$(json_get "$T/out.json" hookSpecificOutput.hookEventName)" SessionStart hookEventName
json_get "$T/out.json" hookSpecificOutput.additionalContext > "$T/ctx" ||
	t_fail "no additionalContext: $OUT"
assert_file_has "$T/ctx" "session aaaaaaaa"
assert_file_has "$T/ctx" "pid $O1"
assert_file_has "$T/ctx" "$WS"
assert_file_has "$T/ctx" "blocked"
json_get "$T/out.json" systemMessage > "$T/sys" || t_fail "no systemMessage: $OUT"
assert_file_has "$T/sys" "pid $O1"
assert_untouched
t_end

t_begin "session-start prints nothing and creates no lock when the workspace is free"
owners 1
hk session-start SessionStart "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_no_file "$(lock_file)"
t_end

t_begin "session-start prints nothing when the lock is ours"
owners 1
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
hk session-start SessionStart "$A" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_untouched
t_end

t_begin "session-start removes a dead holder's record and prints nothing"
owners 1
put_record held "$A" "$(dead_pid)"
hk session-start SessionStart "$B" "$O1"
assert_rc 0; assert_out_empty; assert_err_empty
assert_no_file "$(lock_file)"
assert_no_temp
t_end

t_begin "session-start removes the record of a reused PID (live, other start time)"
owners 2
put_record held "$A" "$O1" START=$(($(pid_start "$O1") + 4242))
hk session-start SessionStart "$B" "$O2"
assert_rc 0; assert_out_empty
assert_no_file "$(lock_file)"
t_end

# --- switches and tools that need no lock ----------------------------------------

t_begin "SESSION_LOCK_DISABLE=1 makes every hook a no-op that creates no file"
owners 1
for pair in pretooluse-lock:PreToolUse.Write pretooluse-lock:PreToolUse.Bash \
	posttooluse-refresh:PostToolUse.Write stop-release:Stop stop-release:SessionEnd \
	session-start:SessionStart; do
	SESSION_LOCK_DISABLE=1 hk "${pair%%:*}" "${pair#*:}" "$A" "$O1"
	assert_rc 0; assert_out_empty; assert_err_empty
done
assert_no_file "$HOME/.claude"
t_end

t_begin "SESSION_LOCK_DISABLE=1 lets a Write through another session's lock and leaves it alone"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
SESSION_LOCK_DISABLE=1 hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0; assert_out_empty; assert_err_empty
SESSION_LOCK_DISABLE=1 hk stop-release SessionEnd "$A" "$O1"
assert_rc 0
assert_untouched
t_end

t_begin "SESSION_LOCK_DISABLE=0 does not disable"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
SESSION_LOCK_DISABLE=0 hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 2
t_end

t_begin "\"disable\": true in ~/.claude/session-lock.json makes pretooluse-lock a no-op"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
printf '{"disable": true}\n' > "$HOME/.claude/session-lock.json"
snapshot
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
assert_rc 0; assert_out_empty; assert_err_empty
assert_untouched
t_end

t_begin "Read and Agent pass untouched and create no file"
owners 1
for fixture in PreToolUse.Read PreToolUse.Agent; do
	hk pretooluse-lock "$fixture" "$A" "$O1"
	assert_rc 0; assert_out_empty; assert_err_empty
done
assert_no_file "$HOME/.claude"
t_end

t_begin "Read and Agent pass while another session holds the lock"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
snapshot
for fixture in PreToolUse.Read PreToolUse.Agent; do
	hk pretooluse-lock "$fixture" "$B" "$O2"
	assert_rc 0; assert_out_empty; assert_err_empty
done
assert_untouched
t_end

t_begin "events that are not tool calls pass pretooluse-lock untouched"
owners 1
for fixture in UserPromptSubmit SubagentStart SubagentStop; do
	hk pretooluse-lock "$fixture" "$A" "$O1"
	assert_rc 0; assert_out_empty; assert_err_empty
done
assert_no_file "$(lock_file)"
t_end

# --- the audit log ---------------------------------------------------------------

t_begin "the audit log has one JSON line each for acquire, block, takeover (previous, reason) and release"
owners 2
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
kill_owner "$O1"
hk pretooluse-lock PreToolUse.Write "$B" "$O2"
hk stop-release SessionEnd "$B" "$O2"
split_log
assert_eq "$LOG_LINES" 4 "log lines"
for i in $(seq "$LOG_LINES"); do
	json_get "$T/log.$i" event > /dev/null || t_fail "log line $i is not JSON: $(cat "$T/log.$i")"
done
assert_eq "$(json_get "$T/log.1" event)" acquire "line 1 event"
assert_eq "$(json_get "$T/log.1" session_id)" "$A" "line 1 session"
assert_eq "$(json_get "$T/log.1" pid)" "$O1" "line 1 pid"
assert_eq "$(json_get "$T/log.1" tool)" Write "line 1 tool"
assert_eq "$(json_get "$T/log.1" workspace)" "$WS" "line 1 workspace"
assert_eq "$(json_get "$T/log.2" event)" block "line 2 event"
assert_eq "$(json_get "$T/log.2" session_id)" "$B" "line 2 session"
assert_eq "$(json_get "$T/log.2" holder.session_id)" "$A" "line 2 holder"
assert_eq "$(json_get "$T/log.3" event)" takeover "line 3 event"
assert_eq "$(json_get "$T/log.3" session_id)" "$B" "line 3 session"
assert_eq "$(json_get "$T/log.3" reason)" dead "line 3 reason"
assert_eq "$(json_get "$T/log.3" previous.session_id)" "$A" "line 3 previous"
assert_eq "$(json_get "$T/log.3" previous.pid)" "$O1" "line 3 previous pid"
assert_eq "$(json_get "$T/log.4" event)" release "line 4 event"
assert_eq "$(json_get "$T/log.4" session_id)" "$B" "line 4 session"
t_end

t_begin "renewals and refreshes are not logged"
owners 1
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
put_record held "$A" "$O1" IDLE=60000
hk pretooluse-lock PreToolUse.Write "$A" "$O1"
hk posttooluse-refresh PostToolUse.Write "$A" "$O1"
split_log
assert_eq "$LOG_LINES" 1 "log lines"
t_end

t_finish
