#!/usr/bin/env bash
# Hostile paths and environments. The runtime directory, the mutex, the temp
# name or the audit log pre-made as a symlink to a victim: refused or
# replaced, the victim never changed. A runtime directory owned by another
# user, open to others (0777, 0755) or not a directory: refused (fail open).
# HOME unset, empty, relative, unwritable or a file: fail open. Standard
# descriptors closed at start: the hook still works and nothing it prints
# lands in a lock file.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

ROOT=0
[ "$(id -u)" = 0 ] && ROOT=1

# victim: a file and a directory nobody may change.
victim() {
	mkdir -p "$T/victim-dir"
	echo "precious" > "$T/victim"
	echo "precious too" > "$T/victim-dir/file"
	(cd "$T" && ls -lAR --time-style=+%s victim victim-dir) > "$T/victim.before"
}
victim_unchanged() {
	(cd "$T" && ls -lAR --time-style=+%s victim victim-dir) > "$T/victim.after"
	cmp -s "$T/victim.before" "$T/victim.after" ||
		t_fail "$1: the victim changed: $(diff "$T/victim.before" "$T/victim.after")"
	[ "$(cat "$T/victim")" = precious ] || t_fail "$1: the victim file's content changed"
}

rt_ready() { mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"; }

t_begin "runtime directory is a symlink to a victim directory: refused"
victim
mkdir -p "$HOME/.claude"
ln -s "$T/victim-dir" "$RT"
spawn_owner
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-a "$OWNER_PID"
crit_failed_open
assert_err_has "symlink"
crit_hook "$SL_BIN/stop-release" Stop sess-a "$OWNER_PID"
assert_rc 0
crit_hook "$SL_BIN/session-start" SessionStart sess-a "$OWNER_PID"
assert_rc 0
[ -L "$RT" ] || t_fail "the symlink was replaced"
victim_unchanged "runtime dir symlink"
crit_reap
t_end

for what in mutex tmp log log1; do
	for state in free dead; do
		t_begin "the $what name is a symlink to a victim file ($state lock): victim unchanged"
		victim
		rt_ready
		spawn_owner
		lf=$(lock_file)
		case $what in
		mutex) link=${lf%.json}.mutex ;;
		tmp) link=$lf.tmp ;;
		log) link=$RT/session-lock.log ;;
		log1) link=$RT/session-lock.log.1 ;;
		esac
		ln -s "$T/victim" "$link"
		[ "$state" = dead ] &&
			"$SL_TOOLS/crit_record" make --sid stale --pid "$(dead_pid)" --start 12345 > "$lf"
		crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-a "$OWNER_PID"
		assert_rc 0
		assert_out_empty
		case $what in
		mutex)
			assert_err_one_line
			assert_err_has "symlink"
			[ -L "$link" ] || t_fail "the mutex symlink was replaced"
			if [ "$state" = free ]; then assert_no_file "$lf"; else
				assert_eq "$(crit_state "$lf")" "found stale" "record"; fi ;;
		tmp)
			# A leftover at the temp name is removed, never written through.
			assert_eq "$(crit_state "$lf")" "found sess-a" "record"
			[ ! -L "$lf" ] || t_fail "the record is a symlink" ;;
		log|log1)
			# The log is only a log: the lock is taken; at most a note.
			assert_eq "$(crit_state "$lf")" "found sess-a" "record"
			[ -z "$ERR" ] || assert_err_one_line ;;
		esac
		# Release too, and a second round for the temp name.
		crit_hook "$SL_BIN/stop-release" Stop sess-a "$OWNER_PID"
		assert_rc 0
		victim_unchanged "$what symlink"
		[ -e "$link" ] || [ -L "$link" ] || [ "$what" = tmp ] || t_fail "the $what symlink vanished"
		crit_reap
		t_end
	done
done

t_begin "a directory at the temp name: fails open, never hangs"
rt_ready
spawn_owner
mkdir "$(lock_file).tmp"
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-a "$OWNER_PID"
crit_failed_open
assert_no_file "$(lock_file)"
crit_reap
t_end

t_begin "audit log rotation onto a symlinked session-lock.log.1: victim unchanged"
victim
rt_ready
spawn_owner
ln -s "$T/victim" "$RT/session-lock.log.1"
# A full log: the next logged event rotates it.
head -c 1100000 /dev/zero | tr '\0' 'x' > "$RT/session-lock.log"
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-a "$OWNER_PID"
assert_rc 0
assert_eq "$(crit_state "$(lock_file)")" "found sess-a" "record"
victim_unchanged "log rotation"
# rename() replaced the link itself: the old log is now a file of its own.
[ ! -L "$RT/session-lock.log.1" ] && [ "$(wc -c < "$RT/session-lock.log.1")" -ge 1100000 ] ||
	t_fail "the log was not rotated over the symlink (the case did not happen)"
crit_reap
t_end

for mode in 777 755 750 701 1777; do
	t_begin "runtime directory with mode $mode: refused"
	rt_ready
	chmod "$mode" "$RT"
	spawn_owner
	crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-a "$OWNER_PID"
	crit_failed_open
	assert_err_has "chmod 700"
	assert_no_file "$(lock_file)"
	crit_hook "$SL_BIN/session-start" SessionStart sess-a "$OWNER_PID"
	assert_rc 0
	assert_out_empty
	crit_reap
	t_end
done

t_begin "runtime directory owned by another user: refused"
if [ "$ROOT" = 1 ]; then
	rt_ready
	chown 65534:65534 "$RT"
	spawn_owner
	crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-a "$OWNER_PID"
	crit_failed_open
	assert_err_has "owned by uid 65534"
	assert_no_file "$(lock_file)"
	crit_reap
else
	t_skip "needs root to chown"
fi
t_end

t_begin "runtime directory is a file: refused"
mkdir -p "$HOME/.claude"
echo "not a directory" > "$RT"
spawn_owner
crit_hook "$SL_BIN/pretooluse-lock" PreToolUse.Write sess-a "$OWNER_PID"
crit_failed_open
assert_eq "$(cat "$RT")" "not a directory" "the file"
crit_reap
t_end

for h in unset empty relative file unwritable; do
	t_begin "HOME $h: fails open with one line"
	spawn_owner
	fx PreToolUse.Write sess-a > "$T/in"
	echo x > "$T/afile"
	case $h in
	unset) (unset HOME; CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" < "$T/in"; echo "$RC" > "$T/rc") ;;
	empty) HOME= CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" < "$T/in" ;;
	relative) HOME=home CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" < "$T/in" ;;
	file) HOME=$T/afile CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" < "$T/in" ;;
	unwritable)
		# /sys refuses mkdir even to root; a 0500 home does it for others.
		if [ "$ROOT" = 1 ]; then uw=/sys/kernel; else uw=$T/ro; mkdir -p "$uw"; chmod 500 "$uw"; fi
		HOME=$uw CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" < "$T/in" ;;
	esac
	if [ "$h" = unset ]; then
		RC=$(cat "$T/rc"); OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
	fi
	crit_failed_open
	assert_err_has "letting the tool run"
	crit_reap
	t_end
done

t_begin "stdout and stderr closed: the lock is taken, nothing lands in lock files"
rt_ready
spawn_owner
fx PreToolUse.Write sess-a > "$T/in"
CLAUDE_PID=$OWNER_PID "$SL_BIN/pretooluse-lock" < "$T/in" >&- 2>&-
assert_eq "$?" 0 "exit status"
assert_eq "$(crit_state "$(lock_file)")" "found sess-a" "record"
# A second session is blocked: its message has nowhere to go, and must not
# go into a lock file.
spawn_owner
fx PreToolUse.Write sess-b > "$T/in2"
CLAUDE_PID=$OWNER_PID "$SL_BIN/pretooluse-lock" < "$T/in2" >&- 2>&-
assert_eq "$?" 2 "blocked exit status"
# A corrupt record (young): the fail-open message must not land in it either.
printf '{"torn' > "$T/torn"
cp "$T/torn" "$(lock_file)"
CLAUDE_PID=$OWNER_PID "$SL_BIN/pretooluse-lock" < "$T/in2" >&- 2>&-
assert_eq "$?" 0 "fail-open exit status"
assert_same_file "$T/torn" "$(lock_file)"
grep -rl -e "pretooluse-lock" -e "parallel session lock" -e "letting the tool run" "$RT" > "$T/hits" 2>/dev/null
[ -s "$T/hits" ] && t_fail "hook messages written into: $(cat "$T/hits")"
for f in "$RT"/*.json "$RT"/session-lock.log; do
	[ -f "$f" ] || continue
	case $f in *.json) ;; *) continue ;; esac
done
while IFS= read -r line; do
	printf '%s' "$line" > "$T/line"
	"$SL_TOOLS/jget" "$T/line" event > /dev/null || t_fail "audit log line is not JSON: $line"
done < "$RT/session-lock.log"
crit_reap
t_end

t_begin "all three standard descriptors closed: fails open, writes nothing"
rt_ready
spawn_owner
CLAUDE_PID=$OWNER_PID "$SL_BIN/pretooluse-lock" <&- >&- 2>&-
assert_eq "$?" 0 "exit status"
assert_no_file "$(lock_file)"
CLAUDE_PID=$OWNER_PID "$SL_BIN/stop-release" <&- >&- 2>&-
assert_eq "$?" 0 "stop-release exit status"
CLAUDE_PID=$OWNER_PID "$SL_BIN/session-start" <&- >&- 2>&-
assert_eq "$?" 0 "session-start exit status"
ls -A "$RT" | grep -v -e '\.mutex$' -e '^session-lock\.log$' > "$T/left" || true
[ -s "$T/left" ] && t_fail "files created: $(cat "$T/left")"
crit_reap
t_end

t_begin "only stdin closed (stdout, stderr open): fails open with one line"
spawn_owner
CLAUDE_PID=$OWNER_PID crit_run_t 20 "$SL_BIN/pretooluse-lock" <&-
crit_failed_open
crit_reap
t_end

t_finish
