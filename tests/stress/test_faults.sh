#!/usr/bin/env bash
# I/O faults through the system-call seam of the test build
# (SESSION_LOCK_FAULT=CALL:ERR[:N]). For the faults that matter - a short
# write, ENOSPC, a failing rename, EMFILE at the temp file or the mutex, EIO
# at close, ENOLCK at flock, EACCES at mkdir, EIO reading stdin or the
# record - the existing lock stays byte-identical, no partial record is
# visible, no temp file is left, and the hook fails open: exit 0, empty
# stdout, one stderr line naming the cause. Then a sweep: every call of
# every kind fails in turn (N = 1..), and the invariants hold for each.
# fsync: the hooks never fsync records (core/store.h); the settings writer
# does, and a failing fsync must leave settings.json as it was.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

TB=$SL_TBIN

# setup KIND: the state before the faulty hook; sets OLD (a copy of the
# record, or "" for none), PA (a live stand-in for the session at work).
setup() {
	mkdir -p "$RT"
	chmod 700 "$HOME/.claude" "$RT"
	spawn_owner; PA=$OWNER_PID
	case $1 in
	free) ;;
	dead) "$SL_TOOLS/crit_record" make --sid stale --pid "$(dead_pid)" --start 12345 > "$(lock_file)" ;;
	ours-old) "$SL_TOOLS/crit_record" make --sid sess-a --pid "$PA" --age 3000 > "$(lock_file)" ;;
	ours) "$SL_TOOLS/crit_record" make --sid sess-a --pid "$PA" > "$(lock_file)" ;;
	shared)
		# The paths scope: sess-a and sess-b hold claims in one record.
		spawn_owner; PB=$OWNER_PID
		shared_write sess-b "$PB" "$WS/b.c"
		shared_write sess-a "$PA" "$WS/a.c" ;;
	esac
	OLD=
	if [ -f "$(lock_file)" ]; then cp "$(lock_file)" "$T/old.json"; OLD=$T/old.json; fi
}

# shared_write SID PID PATH: a Write of PATH through the production hook.
shared_write() {
	fx PreToolUse.Write "$1" | sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$3\"#" |
		CLAUDE_PID=$2 "$SL_BIN/pretooluse-lock" > /dev/null 2>&1 ||
		t_fail "setup: the Write of $3 by $1 did not pass"
}

# untouched: the record is exactly as before (or still absent).
untouched() {
	if [ -n "$OLD" ]; then
		cmp -s "$OLD" "$(lock_file)" || t_fail "$1: the lock record changed: $(head -c 300 "$(lock_file)" 2>/dev/null)"
	else
		assert_no_file "$(lock_file)"
	fi
	[ -z "$(crit_temps)" ] || t_fail "$1: temporary file left: $(crit_temps)"
}

# fault_case SETUP PROGRAM FIXTURE SPEC CAUSE: one named fault that must
# fail open; CAUSE is text the message must contain.
fault_case() {
	local setup=$1 prog=$2 fixture=$3 spec=$4 cause=$5
	t_begin "$spec during $prog ($setup lock): fails open, lock untouched"
	setup "$setup"
	fx "$fixture" sess-a > "$T/in"
	CLAUDE_PID=$PA SESSION_LOCK_FAULT=$spec crit_run_t 20 "$TB/$prog" < "$T/in"
	crit_failed_open
	assert_err_has "$cause"
	untouched "$spec"
	crit_reap
	t_end
}

# takeover_run SPEC: a takeover of a dead holder's lock with SPEC failing.
takeover_run() {
	rm -rf "$HOME/.claude"
	setup dead
	fx PreToolUse.Write sess-a > "$T/in"
	CLAUDE_PID=$PA SESSION_LOCK_FAULT=$1 crit_run_t 20 "$TB/pretooluse-lock" < "$T/in"
	crit_reap
}

for s in dead ours-old free; do
	fault_case "$s" pretooluse-lock PreToolUse.Write write:ENOSPC "No space left on device"
	fault_case "$s" pretooluse-lock PreToolUse.Write rename:EIO "Input/output error"
	fault_case "$s" pretooluse-lock PreToolUse.Write flock:ENOLCK "No locks available"
done
fault_case dead pretooluse-lock PreToolUse.Write rename:EXDEV "cross-device"
fault_case dead pretooluse-lock PreToolUse.Write write:EIO "Input/output error"
fault_case ours-old posttooluse-refresh PostToolUse.Write write:ENOSPC "No space left on device"
fault_case ours-old posttooluse-refresh PostToolUse.Write rename:EIO "Input/output error"
fault_case ours stop-release Stop unlink:EIO "Input/output error"
fault_case ours stop-release Stop flock:ENOLCK "No locks available"
fault_case dead pretooluse-lock PreToolUse.Write read:EIO "Input/output error"
# A record shared by two sessions' claims: a failing write of one session's
# part leaves the whole record, the other's claims with it, as it was.
export SESSION_LOCK_SCOPE=paths
fault_case shared pretooluse-lock PreToolUse.Write write:ENOSPC "No space left on device"
fault_case shared pretooluse-lock PreToolUse.Write rename:EIO "Input/output error"
fault_case shared pretooluse-lock PreToolUse.Write flock:ENOLCK "No locks available"
fault_case shared pretooluse-lock PreToolUse.Write read:EIO "Input/output error"
fault_case shared stop-release Stop rename:EIO "Input/output error"
fault_case shared stop-release Stop write:ENOSPC "No space left on device"
unset SESSION_LOCK_SCOPE

# The N-th open/close that is the temp file's, the mutex's or the record's.
for spec in "open:EMFILE:.json.tmp" "open:EMFILE:.mutex" "open:EMFILE:lock record '" \
	"close:EIO:.json.tmp" "read:EIO:lock record '" "unlink:EIO:.json.tmp"; do
	IFS=: read -r a b c <<< "$spec"
	set -- "$a" "$b" "$c"
	t_begin "$1:$2 at the $3 during takeover: fails open, lock untouched"
	if ! fault_nth "$1:$2" "$3" takeover_run; then
		t_fail "no $1 call failing with $2 gave a message about '$3'"
	else
		n=$FAULT_NTH
		rm -rf "$HOME/.claude"
		setup dead
		fx PreToolUse.Write sess-a > "$T/in"
		CLAUDE_PID=$PA SESSION_LOCK_FAULT=$1:$2:$n crit_run_t 20 "$TB/pretooluse-lock" < "$T/in"
		crit_failed_open
		untouched "$1:$2:$n"
		echo "faults: $1:$2:$n hits the $3 ($ERR)" | sed "s#$HOME#~#g"
	fi
	crit_reap
	t_end
done

# A short write of the record is retried: the record is written whole.
# (write 1 is the record's; write 2 the audit log's, which may only be noted)
for n in 1 2; do
	t_begin "short write $n during takeover: retried, the record is whole"
	setup dead
	fx PreToolUse.Write sess-a > "$T/in"
	CLAUDE_PID=$PA SESSION_LOCK_FAULT=write:short:$n crit_run_t 20 "$TB/pretooluse-lock" < "$T/in"
	assert_rc 0
	assert_out_empty
	if [ "$n" = 1 ]; then assert_err_empty; else [ -z "$ERR" ] || assert_err_has "audit log"; fi
	assert_eq "$(crit_state "$(lock_file)")" "found sess-a" "record after a short write"
	[ -z "$(crit_temps)" ] || t_fail "temporary file left: $(crit_temps)"
	crit_reap
	t_end
done

# The seam fails one call; the hook looks the runtime directory up again for
# each ancestor of the target, so a single failing mkdir may be retried.
# Either outcome is fine: failed open with nothing half-made, or a whole lock.
for n in 1 2; do
	t_begin "mkdir EACCES ($n) creating the runtime directory: fails open or retries cleanly"
	spawn_owner
	fx PreToolUse.Write sess-a > "$T/in"
	CLAUDE_PID=$OWNER_PID SESSION_LOCK_FAULT=mkdir:EACCES:$n crit_run_t 20 "$TB/pretooluse-lock" < "$T/in"
	assert_rc 0
	assert_out_empty
	if [ -n "$ERR" ]; then
		assert_err_one_line
		assert_err_has "Permission denied"
		[ ! -e "$(lock_file)" ] || t_fail "failed open, yet a record exists"
	else
		assert_eq "$(crit_state "$(lock_file)")" "found sess-a" "record after a retried mkdir"
	fi
	[ -z "$(crit_temps)" ] || t_fail "temporary file left: $(crit_temps)"
	crit_reap
	t_end
done

# The sweep: every call of each kind fails in turn.
MAXN=$(crit_size 6 30 3)
CALLS="open read write close rename unlink flock"
[ "$(crit_mode)" = full ] && CALLS="$CALLS mkdir fsync"
sweeps=0
for prog_fx_setup in "pretooluse-lock PreToolUse.Write dead" "pretooluse-lock PreToolUse.Write free" \
	"posttooluse-refresh PostToolUse.Write ours-old" "stop-release Stop ours"; do
	set -- $prog_fx_setup
	prog=$1 fixture=$2 st=$3
	t_begin "every failing call in turn during $prog ($st lock): exit 0/2, record old or whole"
	setup "$st"
	fx "$fixture" sess-a > "$T/in"
	lf=$(lock_file)
	for call in $CALLS; do
		for err in EIO ENOSPC; do
			[ "$err" = ENOSPC ] && [ "$call" != write ] && continue
			for n in $(seq 1 "$MAXN"); do
				rm -rf "$HOME/.claude"
				mkdir -p "$RT"
				chmod 700 "$HOME/.claude" "$RT"
				[ -n "$OLD" ] && cp "$OLD" "$lf"
				CLAUDE_PID=$PA SESSION_LOCK_FAULT=$call:$err:$n crit_run_fast "$TB/$prog" < "$T/in"
				sweeps=$((sweeps + 1))
				what="$call:$err:$n"
				case $RC in
				0|2) ;;
				*) t_fail "$what: exit $RC" ;;
				esac
				[ -z "$OUT" ] || t_fail "$what: stdout: $OUT"
				case $ERR in *"
"*) t_fail "$what: more than one stderr line: $ERR" ;; esac
				if [ -n "$OLD" ] && cmp -s "$OLD" "$lf"; then
					:
				else
					state=$(crit_state "$lf")
					case $prog:$state in
					stop-release:absent|*:"found sess-a") ;;
					*:absent) [ -z "$OLD" ] || t_fail "$what: the old record vanished" ;;
					*) t_fail "$what: record is '$state': neither the old one nor a whole new one" ;;
					esac
				fi
				for f in "$RT"/*.tmp; do
					[ -e "$f" ] && t_fail "$what: temporary file left: $f"
				done
			done
		done
	done
	crit_reap
	t_end
done
echo "faults: $sweeps faulty runs in the sweep (calls $CALLS; N = 1..$MAXN)"

# fsync is used where durability matters: the settings writer.
t_begin "fsync EIO during 'session-lock settings install': settings.json untouched"
if [ ! -x "$TB/session-lock" ] || ! "$TB/session-lock" settings --help > /dev/null 2>&1; then
	t_skip "no 'session-lock settings' in this build"
else
	mkdir -p "$T/cfg"
	printf '{\n  "model": "opus",\n  "hooks": {}\n}\n' > "$T/cfg/settings.json"
	cp "$T/cfg/settings.json" "$T/orig.json"
	main_n=
	for n in 1 2 3 4 5 6; do
		cp "$T/orig.json" "$T/cfg/settings.json"
		rm -f "$T/cfg/settings.json.bak-session-lock"
		SESSION_LOCK_FAULT=fsync:EIO:$n crit_run_t 20 "$TB/session-lock" settings install \
			--file "$T/cfg/settings.json" --bindir "$SL_BIN"
		case $ERR in *"cannot sync '$T/cfg/.settings.json.session-lock"*) main_n=$n ;; esac
		if ! cmp -s "$T/orig.json" "$T/cfg/settings.json"; then
			# Replaced: then it must be the whole new file.
			"$SL_TOOLS/jget" "$T/cfg/settings.json" hooks.PreToolUse > /dev/null ||
				t_fail "fsync:EIO:$n: settings.json is neither the old file nor a whole new one"
			[ "$RC" = 0 ] || case $ERR in *"cannot sync the directory"*) ;; *)
				t_fail "fsync:EIO:$n: exit $RC but settings.json changed: $ERR" ;; esac
		fi
		ls -A "$T/cfg" | grep -q '\.session-lock-' && t_fail "fsync:EIO:$n: temporary file left: $(ls -A "$T/cfg")"
	done
	if [ -z "$main_n" ]; then
		t_fail "no fsync failure hit settings.json's own temporary file"
	else
		cp "$T/orig.json" "$T/cfg/settings.json"
		SESSION_LOCK_FAULT=fsync:EIO:$main_n crit_run_t 20 "$TB/session-lock" settings install \
			--file "$T/cfg/settings.json" --bindir "$SL_BIN"
		[ "$RC" != 0 ] || t_fail "install reported success although fsync failed"
		assert_same_file "$T/orig.json" "$T/cfg/settings.json"
		echo "faults: fsync:EIO:$main_n hits settings.json's temporary file; settings.json untouched"
	fi
	# And without a fault, the same install does change it (the fault mattered).
	crit_run_t 20 "$TB/session-lock" settings install --file "$T/cfg/settings.json" --bindir "$SL_BIN"
	assert_rc 0
	cmp -s "$T/orig.json" "$T/cfg/settings.json" && t_fail "install without a fault changed nothing"
fi
t_end

t_finish
