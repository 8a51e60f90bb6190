#!/usr/bin/env bash
# The session-lock command line (issue 3): status, release, gc, doctor, log,
# help. run and wait are in test_cli_run.sh.
. "$(dirname "$0")/../lib.sh"
unset CLAUDE_CODE_SESSION_ID

# rt: creates the runtime directory as the hooks would (0700).
rt() { mkdir -p "$RT" && chmod 700 "$HOME/.claude" "$RT"; }

# put_hand_record PID RENEWED_MS_AGO [HOST] [DIR] [SESSION]: a hand-made record
# (no boot id: idle time is measured on the wall clock) for workspace DIR.
put_hand_record() {
	local pid=$1 ago=$2 host=${3:-} dir=${4:-$WS} sid=${5:-hand-made-session}
	local r=$(($(now_ms) - ago))
	rt
	printf '{"schema_version":1,"session_id":"%s","pid":%s,"acquired_at":%s,"ttl_ms":300000,"workspace":"%s","host":"%s","renewed_at":%s,"lease_ms":300000,"kind":"claude"}\n' \
		"$sid" "$pid" "$r" "$dir" "$host" "$r" > "$(lock_file "$dir")"
}

# sl ARGS...: runs session-lock, bounded.
# As after ./install.sh: `session-lock` is on PATH (doctor checks it).
export PATH=$SL_BIN:$PATH
sl() { run session-lock "$@"; }
out_json() { printf '%s\n' "$OUT" > "$T/out.json"; }
jv() { json_get "$T/out.json" "$1"; }
log_file() { printf '%s/session-lock.log' "$RT"; }
other_ws() { mkdir -p "$T/$1" && (cd "$T/$1" && pwd -P); }

# --- status -------------------------------------------------------------------

t_begin "status: a free workspace, no runtime directory: exit 0, creates nothing"
sl status
assert_rc 0
assert_out_has "verdict:     free"
assert_out_has "$WS"
sl status --json
assert_rc 0; out_json
assert_eq "$(jv state)" free "state"
assert_eq "$(jv verdict)" free "verdict"
assert_eq "$(jv takeable)" true "takeable"
assert_eq "$(jv holder)" null "holder"
assert_eq "$(jv workspace)" "$WS" "workspace"
assert_eq "$(jv lock_file)" "$(lock_file)" "lock_file"
assert_no_file "$RT"
t_end

t_begin "status: held by a live session: exit 1, every field, and the record untouched"
spawn_owner
hook pretooluse-lock PreToolUse.Write 3f2a9c1e-1111-2222-3333-444455556666 "$OWNER_PID"
assert_rc 0
cp "$(lock_file)" "$T/before"
touch -d '2 seconds ago' "$(lock_file)"
m1=$(stat -c %Y "$(lock_file)")
sleep 1.1
sl status
assert_rc 1
assert_out_has "verdict:     held"
assert_out_has "holder:      session 3f2a9c1e"
assert_out_has "pid:         $OWNER_PID (alive)"
assert_out_has "lease ends:  in 4m5"
sl status --json
assert_rc 1; out_json
assert_eq "$(jv state)" held "state"
assert_eq "$(jv takeable)" false "takeable"
assert_eq "$(jv holder.session_id)" 3f2a9c1e-1111-2222-3333-444455556666 "session_id"
assert_eq "$(jv holder.short_id)" 3f2a9c1e "short_id"
assert_eq "$(jv holder.pid)" "$OWNER_PID" "pid"
assert_eq "$(jv holder.alive)" alive "alive"
assert_eq "$(jv holder.this_host)" true "this_host"
assert_eq "$(jv holder.kind)" claude "kind"
assert_eq "$(jv holder.host)" "$(hostname)" "host"
[ "$(jv holder.held_ms)" -ge 1000 ] || t_fail "held_ms $(jv holder.held_ms) < 1000"
[ "$(jv holder.idle_ms)" -ge 1000 ] || t_fail "idle_ms $(jv holder.idle_ms) < 1000"
left=$(jv holder.lease_left_ms)
[ "$left" -gt 290000 ] && [ "$left" -le 299000 ] || t_fail "lease_left_ms $left"
assert_same_file "$T/before" "$(lock_file)"
assert_eq "$(stat -c %Y "$(lock_file)")" "$m1" "mtime after status"
t_end

t_begin "status: PATH argument and CLAUDE_PROJECT_DIR pick the workspace"
spawn_owner
other=$(other_ws other)
put_hand_record "$OWNER_PID" 0 "" "$other"
sl status
assert_rc 0
CLAUDE_PROJECT_DIR=$other sl status
assert_rc 1
sl status "$other"
assert_rc 1
assert_out_has "workspace:   $other"
cd "$other" || t_fail "cd"
unset CLAUDE_PROJECT_DIR
sl status
assert_rc 1
t_end

t_begin "status: a dead holder is stale and takeable: exit 0"
put_hand_record "$(dead_pid)" 1000
sl status
assert_rc 0
assert_out_has "verdict:     stale: dead owner"
sl status --json
assert_rc 0; out_json
assert_eq "$(jv state)" stale "state"
assert_eq "$(jv verdict)" "stale: dead owner" "verdict"
assert_eq "$(jv holder.alive)" dead "alive"
assert_eq "$(jv takeable)" true "takeable"
t_end

t_begin "status: a live holder whose lease ended is stale: exit 0"
spawn_owner
put_hand_record "$OWNER_PID" 400000
sl status --json
assert_rc 0; out_json
assert_eq "$(jv verdict)" "stale: lease ended" "verdict"
assert_eq "$(jv holder.alive)" alive "alive"
[ "$(jv holder.lease_left_ms)" -le -99000 ] || t_fail "lease_left_ms $(jv holder.lease_left_ms)"
sl status
assert_out_has "lease ends:  ended 1m4"
t_end

t_begin "status: a record from another host: alive unknown, held while its lease runs"
put_hand_record "$(dead_pid)" 1000 build-server.example
sl status --json
assert_rc 1; out_json
assert_eq "$(jv holder.alive)" unknown "alive"
assert_eq "$(jv holder.this_host)" false "this_host"
assert_eq "$(jv holder.host)" build-server.example "host"
assert_eq "$(jv verdict)" held "verdict"
sl status
assert_rc 1
assert_out_has "host:        build-server.example"
assert_out_lacks "(this host)"
put_hand_record "$(dead_pid)" 400000 build-server.example
sl status --json
assert_rc 0; out_json
assert_eq "$(jv verdict)" "stale: lease ended" "verdict of an expired foreign record"
t_end

t_begin "status: a corrupt record: shown, exit 3 while young, 0 once older than the TTL"
rt
printf '{"schema_version":1,"session_id":' > "$(lock_file)"
sl status
assert_rc 3
assert_out_has "verdict:     corrupt"
assert_err_one_line
assert_err_has "corrupt"
sl status --json
assert_rc 3; out_json
assert_eq "$(jv state)" corrupt "state"
assert_eq "$(jv takeable)" false "takeable"
assert_eq "$(jv holder)" null "holder"
case $(jv error) in *corrupt*) ;; *) t_fail "error: $(jv error)" ;; esac
touch -d '1 hour ago' "$(lock_file)"
sl status --json
assert_rc 0; out_json
assert_eq "$(jv takeable)" true "takeable when old"
t_end

t_begin "status --all: every record, held, dead, foreign, corrupt and unsafe, as a table and JSON"
spawn_owner
a=$(other_ws a); b=$(other_ws b); c=$(other_ws c); d=$(other_ws d); e=$(other_ws e)
hook pretooluse-lock PreToolUse.Write aaaaaaaa-live "$OWNER_PID"
put_hand_record "$(dead_pid)" 5000 "" "$a" bbbbbbbb-dead
put_hand_record 4242 1000 far.example "$b" cccccccc-far
printf 'garbage' > "$(lock_file "$c")"
ln -s /etc/passwd "$(lock_file "$d")"
: > "$RT/session-lock-$(printf '%s' "$e" | md5sum | cut -c1-12).mutex"
sl status --all
assert_rc 1
assert_out_has "VERDICT"
assert_out_has "aaaaaaaa"
assert_out_has "stale: dead owner"
assert_out_has "far.example"
assert_out_has "corrupt"
assert_out_has "unsafe"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 6 ] || t_fail "expected a heading and 5 rows: $OUT"
sl status --all --json
assert_rc 1; out_json
n=0
while json_get "$T/out.json" "$n.hash" > /dev/null; do n=$((n + 1)); done
assert_eq "$n" 5 "records in the array"
seen=
for i in 0 1 2 3 4; do seen="$seen $(jv "$i.state")"; done
for s in held stale corrupt unsafe; do
	case $seen in *"$s"*) ;; *) t_fail "no '$s' record in:$seen" ;; esac
done
for i in 0 1 2 3 4; do
	[ "$(jv "$i.holder.host")" = far.example ] && assert_eq "$(jv "$i.holder.alive")" unknown "foreign alive"
	[ "$(jv "$i.holder.session_id")" = bbbbbbbb-dead ] && assert_eq "$(jv "$i.workspace")" "$a" "dead workspace"
done
[ -L "$(lock_file "$d")" ] || t_fail "the symlink was touched"
t_end

t_begin "status --all exits as status does: 0 when all are takeable, 3 when one cannot be told, 1 when one is held"
a=$(other_ws a); c=$(other_ws c)
put_hand_record "$(dead_pid)" 5000 "" "$a" bbbbbbbb-dead
sl status --all
assert_rc 0
sl status "$a"
assert_rc 0
printf 'garbage' > "$(lock_file "$c")"
sl status --all
assert_rc 3
sl status "$c"
assert_rc 3
spawn_owner
hook pretooluse-lock PreToolUse.Write aaaaaaaa-live "$OWNER_PID"
sl status --all --json
assert_rc 1
sl status
assert_rc 1
t_end

t_begin "status --all with no runtime directory: empty, exit 0; usage errors exit 2"
sl status --all --json
assert_rc 0
assert_eq "$OUT" "[]" "json"
sl status --all
assert_rc 0
assert_out_has "no locks"
sl status --all "$WS"
assert_rc 2
sl status --bogus
assert_rc 2
sl status a b
assert_rc 2
assert_no_file "$RT"
t_end

t_begin "status: an unsafe runtime directory fails with the fix"
rt; chmod 777 "$RT"
sl status
assert_rc 3
assert_err_one_line
assert_err_has "chmod 700"
t_end

# --- release ------------------------------------------------------------------

t_begin "release: a dead holder's lock is removed and logged"
put_hand_record "$(dead_pid)" 1000 "" "$WS" dddddddd-dead
sl release
assert_rc 0
assert_out_has "released"
assert_out_has "dddddddd"
assert_no_file "$(lock_file)"
assert_file_has "$(log_file)" '"event":"release"'
t_end

t_begin "release: an ended lease is removed"
spawn_owner
put_hand_record "$OWNER_PID" 400000
sl release
assert_rc 0
assert_no_file "$(lock_file)"
t_end

t_begin "release: a live holder is refused without --force, exit 1, and named"
spawn_owner
hook pretooluse-lock PreToolUse.Write 5e5e5e5e-live "$OWNER_PID"
cp "$(lock_file)" "$T/before"
sl release
assert_rc 1
assert_err_one_line
assert_err_has "cannot release '$WS'"
assert_err_has "5e5e5e5e"
assert_err_has "pid $OWNER_PID"
assert_err_has "--force"
assert_same_file "$T/before" "$(lock_file)"
assert_file_lacks "$(log_file)" 'force-release'
t_end

t_begin "release --force: removes a live holder's lock, says whose, logs force-release"
spawn_owner
hook pretooluse-lock PreToolUse.Write 6f6f6f6f-live "$OWNER_PID"
sl release --force
assert_rc 0
assert_out_has "6f6f6f6f"
assert_out_has "pid $OWNER_PID"
assert_no_file "$(lock_file)"
assert_file_has "$(log_file)" '"event":"force-release"'
tail -n 1 "$(log_file)" > "$T/last.json"
assert_eq "$(json_get "$T/last.json" previous.session_id)" 6f6f6f6f-live "logged previous holder"
# the session's next tool call takes it again
spawn_owner
hook pretooluse-lock PreToolUse.Write other-session "$OWNER_PID"
assert_rc 0
t_end

t_begin "release: nothing to release exits 0; a corrupt record is removed; PATH works"
sl release
assert_rc 0
assert_out_has "nothing to release"
other=$(other_ws other)
rt; printf 'x' > "$(lock_file "$other")"
sl release "$other"
assert_rc 0
assert_no_file "$(lock_file "$other")"
sl release --bogus
assert_rc 2
t_end

# --- gc -----------------------------------------------------------------------

t_begin "gc: removes dead, expired and old corrupt locks and leftovers, never a live one"
spawn_owner
live=$(other_ws live); dead=$(other_ws dead); exp=$(other_ws exp); old=$(other_ws old)
young=$(other_ws young); tmpw=$(other_ws tmpw); orphan=$(other_ws orphan)
h() { printf '%s' "$1" | md5sum | cut -c1-12; }
WS=$live CLAUDE_PROJECT_DIR=$live hook pretooluse-lock PreToolUse.Write live-session "$OWNER_PID"
cp "$(lock_file "$live")" "$T/live.before"
put_hand_record "$(dead_pid)" 1000 "" "$dead" dead-session
put_hand_record "$OWNER_PID" 400000 "" "$exp" expired-session
printf 'junk' > "$(lock_file "$old")"; touch -d '1 hour ago' "$(lock_file "$old")"
printf 'junk' > "$(lock_file "$young")"
printf '{"half' > "$RT/session-lock-$(h "$tmpw").json.tmp"
: > "$RT/session-lock-$(h "$orphan").mutex"
: > "$RT/unrelated-file"
sl gc
assert_rc 0
assert_same_file "$T/live.before" "$(lock_file "$live")"
assert_file "$RT/session-lock-$(h "$live").mutex"
assert_no_file "$(lock_file "$dead")"
assert_no_file "$(lock_file "$exp")"
assert_no_file "$(lock_file "$old")"
assert_file "$(lock_file "$young")"
assert_no_file "$RT/session-lock-$(h "$tmpw").json.tmp"
assert_no_file "$RT/session-lock-$(h "$orphan").mutex"
assert_no_file "$RT/session-lock-$(h "$dead").mutex"
assert_file "$RT/unrelated-file"
assert_file "$RT/session-lock.log"
assert_out_has "removed the lock on '$dead' held by session dead-ses"
assert_out_has "removed the lock on '$exp' held by session expired-"
assert_out_has "session-lock-$(h "$old").json"
assert_out_has "session-lock-$(h "$tmpw").json.tmp"
assert_out_has "session-lock-$(h "$orphan").mutex"
assert_out_has "left '$(lock_file "$young")'"
assert_out_lacks "'$live'"
# gc again: nothing left to do
sl gc
assert_rc 0
assert_out_has "nothing to remove"
t_end

t_begin "gc: leaves a temporary file whose workspace mutex is held"
tmpw=$(other_ws tmpw)
hh=$(printf '%s' "$tmpw" | md5sum | cut -c1-12)
rt
printf '{"half' > "$RT/session-lock-$hh.json.tmp"
: > "$RT/session-lock-$hh.mutex"
flock -o "$RT/session-lock-$hh.mutex" sleep 5 &
fl=$!; T_BG_PIDS="$T_BG_PIDS $fl"
sleep 0.3
timeout 10 "$SL_BIN/session-lock" gc > "$T/gc.out" 2>&1
assert_eq "$?" 0 "gc status"
assert_file "$RT/session-lock-$hh.json.tmp"
assert_file "$RT/session-lock-$hh.mutex"
kill "$fl" 2>/dev/null; wait "$fl" 2>/dev/null
sl gc
assert_no_file "$RT/session-lock-$hh.json.tmp"
assert_no_file "$RT/session-lock-$hh.mutex"
t_end

t_begin "gc: no runtime directory is nothing to do; unsafe directory fails"
sl gc
assert_rc 0
assert_no_file "$RT"
rt; chmod 777 "$RT"
sl gc
assert_rc 3
assert_err_has "chmod 700"
sl gc extra
assert_rc 2
t_end

# --- doctor -------------------------------------------------------------------

t_begin "doctor: a good setup exits 0"
sl settings install --bindir "$SL_BIN"
assert_rc 0
sl doctor
assert_rc 0
assert_out_has "no problems found"
assert_out_lacks "problem:"
rt
sl doctor
assert_rc 0
t_end

t_begin "doctor: a lock without its release hooks is called out, exit 3"
mkdir -p "$HOME/.claude"
cat > "$HOME/.claude/settings.json" <<EOF
{"hooks": {"PreToolUse": [{"matcher": "Edit|Write|MultiEdit|NotebookEdit|Bash|Read",
  "hooks": [{"type": "command", "command": "exec $SL_BIN/pretooluse-lock", "timeout": 10}]}]}}
EOF
sl doctor
assert_rc 3
assert_out_has "lock you out"
assert_out_has "Stop: stop-release is not registered"
assert_out_has "SessionEnd: stop-release is not registered"
assert_out_has "PostToolUse: posttooluse-refresh is not registered"
assert_out_has "install.sh"
assert_out_lacks "PreToolUse: pretooluse-lock is not registered"
t_end

t_begin "doctor: an install from before PreToolUse had Read is a note with its fix, not a problem"
sl settings install --bindir "$SL_BIN"
assert_rc 0
F=$HOME/.claude/settings.json
sed -i 's#"Edit|Write|MultiEdit|NotebookEdit|Bash|Read"#"Edit|Write|MultiEdit|NotebookEdit|Bash"#' "$F"
assert_file_lacks "$F" '|Read"'
rt
sl doctor
assert_rc 0
assert_out_has "note: '$F': PreToolUse: matcher 'Edit|Write|MultiEdit|NotebookEdit|Bash' misses Read: every write is still locked, but with \"scope\": \"paths\" a Read of a file another session has claimed is not told that it may be changing: run ./install.sh again (or 'session-lock settings install --file $F --bindir DIR') to update the registration"
assert_out_lacks "problem:"
assert_out_has "no problems found"
assert_eq "$(printf '%s\n' "$OUT" | grep -c '^note:')" 1 "note lines"
sl settings install --bindir "$SL_BIN"
assert_rc 0
sl doctor
assert_rc 0
assert_out_lacks "misses Read"
t_end

t_begin "doctor: registration in the project's settings counts; none at all is one line"
sl doctor
assert_rc 3
assert_out_has "not registered in"
assert_eq "$(printf '%s\n' "$OUT" | grep -c '^problem:')" 1 "problem lines"
sl settings install --bindir "$SL_BIN" --file "$WS/.claude/settings.json"
assert_rc 0
sl doctor
assert_rc 0
t_end

t_begin "doctor: runtime directory mode 0777, bad config JSON, invalid settings JSON"
sl settings install --bindir "$SL_BIN"
rt; chmod 777 "$RT"
printf '{"ttl_ms": 1000,,}' > "$HOME/.claude/session-lock.json"
mkdir -p "$WS/.claude"; printf '{"hooks": ' > "$WS/.claude/settings.json"
sl doctor
assert_rc 3
assert_out_has "chmod 700 $RT"
assert_out_has "$HOME/.claude/session-lock.json"
assert_out_has "not valid JSON"
assert_out_has "'$WS/.claude/settings.json' is not valid settings"
assert_out_has "3 problems found"
t_end

t_begin "doctor: session-lock missing from PATH, or another program by that name, is a problem"
sl settings install --bindir "$SL_BIN"
PATH=/usr/bin:/bin sl doctor
assert_rc 3
assert_out_has "'session-lock' is not on your PATH"
assert_out_has "add '$SL_BIN' to PATH"
mkdir -p "$T/other"; printf '#!/bin/sh\n' > "$T/other/session-lock"; chmod 755 "$T/other/session-lock"
PATH=$T/other:$SL_BIN:/usr/bin:/bin sl doctor
assert_rc 3
assert_out_has "'$T/other/session-lock', another program"
mkdir -p "$T/linked"; ln -s "$SL_BIN/session-lock" "$T/linked/session-lock"
PATH=$T/linked:/usr/bin:/bin sl doctor
assert_rc 0
t_end

t_begin "doctor: a missing hook program and SESSION_LOCK_DISABLE are problems"
mkdir -p "$T/bin"
cp "$SL_BIN/session-lock" "$SL_BIN/pretooluse-lock" "$SL_BIN/posttooluse-refresh" "$SL_BIN/session-start" "$T/bin/"
"$T/bin/session-lock" settings install --bindir "$SL_BIN" > /dev/null
SESSION_LOCK_DISABLE=1 timeout 10 "$T/bin/session-lock" doctor > "$T/doc.out" 2>&1
assert_eq "$?" 3 "doctor status"
assert_file_has "$T/doc.out" "$T/bin/stop-release' is missing"
assert_file_has "$T/doc.out" "SESSION_LOCK_DISABLE"
t_end

# --- log ----------------------------------------------------------------------

t_begin "log: readable lines, -n, --json lines that parse"
spawn_owner; a=$OWNER_PID; spawn_owner; b=$OWNER_PID
hook pretooluse-lock PreToolUse.Write 11111111-aaaa "$a"
hook pretooluse-lock PreToolUse.Edit 22222222-bbbb "$b"
assert_rc 2
hook stop-release Stop 11111111-aaaa "$a"
sl log
assert_rc 0
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 3 "lines"
assert_out_has "acquire"
assert_out_has "block"
assert_out_has "release"
assert_out_has "11111111"
assert_out_has "22222222"
assert_out_has "$WS"
assert_out_has "pid $a"
assert_out_has "tool Write"
printf '%s\n' "$OUT" | sed -n 2p | grep -q "blocked by session 11111111" || t_fail "block line: $OUT"
sl log -n 1
assert_rc 0
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "lines with -n 1"
assert_out_has "release"
sl log -n 2 --json
assert_rc 0
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "json lines"
printf '%s\n' "$OUT" | sed -n 1p > "$T/l1.json"
printf '%s\n' "$OUT" | sed -n 2p > "$T/l2.json"
assert_eq "$(json_get "$T/l1.json" event)" block "first event"
assert_eq "$(json_get "$T/l1.json" holder.session_id)" 11111111-aaaa "blocker"
assert_eq "$(json_get "$T/l2.json" event)" release "second event"
assert_eq "$(json_get "$T/l2.json" pid)" "$a" "pid"
sl log -n 0
assert_rc 0
assert_out_empty
sl log -n x
assert_rc 2
t_end

t_begin "log: reaches back into the rotated session-lock.log.1"
rt
for i in 1 2 3 4; do
	printf '{"ts":%s,"event":"acquire","workspace":"/old/%s","session_id":"old-%s","pid":%s}\n' "$(now_ms)" "$i" "$i" "$((1000 + i))"
done > "$RT/session-lock.log.1"
for i in 1 2; do
	printf '{"ts":%s,"event":"release","workspace":"/new/%s","session_id":"new-%s","pid":%s}\n' "$(now_ms)" "$i" "$i" "$((2000 + i))"
done > "$RT/session-lock.log"
sl log -n 2
assert_out_lacks "/old/"
assert_out_has "/new/1"
sl log -n 4
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 4 "lines"
assert_eq "$(printf '%s\n' "$OUT" | sed -n 1p | grep -c '/old/3')" 1 "oldest shown first"
assert_eq "$(printf '%s\n' "$OUT" | sed -n 4p | grep -c '/new/2')" 1 "newest last"
sl log --json
assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 6 "all lines"
assert_eq "$(printf '%s\n' "$OUT" | head -n 1)" "$(head -n 1 "$RT/session-lock.log.1")" "raw line"
printf 'not json\n' >> "$RT/session-lock.log"
sl log -n 1
assert_rc 0
assert_out_has "not json"
t_end

t_begin "log: real rotation by the hooks keeps the old lines readable"
rt
# a log just under the limit: the next event rotates it
head -c 1048570 /dev/zero | tr '\0' 'x' > "$RT/session-lock.log"
printf '\n{"ts":1,"event":"acquire","workspace":"/before-rotation","session_id":"pre-rot","pid":1}\n' >> "$RT/session-lock.log"
spawn_owner
hook pretooluse-lock PreToolUse.Write after-rotation "$OWNER_PID"
assert_file "$RT/session-lock.log.1"
sl log -n 2
assert_out_has "after-ro"
assert_out_has "/before-rotation"
t_end

# --- help and errors -------------------------------------------------------------

t_begin "every subcommand has --help; --version; unknown commands exit 2"
for c in status release gc doctor log run wait hash; do
	sl "$c" --help
	assert_rc 0
	assert_out_has "usage: session-lock $c"
	[ "$c" = hash ] || assert_out_has "exit status"
done
sl --version
assert_rc 0
assert_out_has "session-lock "
sl frobnicate
assert_rc 2
t_end

t_finish
