#!/usr/bin/env bash
# Corrupt and odd lock records, each with its expected decision
# (fixtures/records/corrupt/expected.tsv): young (mtime now) and old (an hour,
# beyond the TTL), through PreToolUse, Stop and SessionStart. Plus generated
# cases: every prefix of a valid record (of both schemas), the 4 MiB size limit, a directory,
# FIFO, symlinks and a foreign-owned file at the record's name. Then a byte-flip
# loop against the real binaries (record and stdin): never a signal, never a
# hang, exit 0 or 2.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

CDIR=$SL_ROOT/fixtures/records/corrupt
BOOT=$(cat /proc/sys/kernel/random/boot_id)
HOST=$(uname -n)

# fill TEMPLATE OUT: the template with a live holder of session "holder"
# (pid $HOLDER, a lease renewed at $NOW) put in; .json files are used as they are.
fill() {
	case $1 in
	*.in)
		local now=$NOW nowb=$NOWB start=$START
		sed -e "s#@SID@#holder#g; s#@PID@#$HOLDER#g; s#@ACQ@#$now#g; s#@TTL@#300000#g" \
		    -e "s#@WS@#$WS#g; s#@START@#$start#g; s#@BOOT@#$BOOT#g; s#@HOST@#$HOST#g" \
		    -e "s#@REN@#$now#g; s#@RENBOOT@#$nowb#g; s#@LEASE@#300000#g" \
		    -e "s#@UNTIL@#$((now + 300000))#g" "$1" > "$2" ;;
	*) ln -sf "$1" "$2" ;;
	esac
}

# place FILE AGE: installs FILE as the lock record ($LF), mtime now or an
# hour ago; $T/before is what it was.
place() {
	[ -d "$RT" ] || { mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"; }
	cp "$1" "$LF"
	[ "$2" = old ] && touch -d '-1 hour' "$LF"
	BEFORE=$1
}

# prepare: inputs for the three hooks as session sess-me (pid $ME), and $LF.
prepare() {
	LF=$(lock_file)
	fx PreToolUse.Write sess-me > "$T/in.pre"
	fx Stop sess-me > "$T/in.stop"
	fx SessionStart sess-me > "$T/in.start"
}

# hk PROGRAM INPUT: runs a hook as sess-me, no time limit (these cases
# cannot block: no FIFO, no held mutex).
hk() {
	CLAUDE_PID=$ME crit_run_fast "$SL_BIN/$1" < "$T/in.$2"
}

# expect OUTCOME CLASS WHAT: checks the last PreToolUse run.
expect() {
	local what=$3
	case $1 in
	failopen)
		[ "$RC" = 0 ] && [ -z "$OUT" ] || t_fail "$what: expected fail open; exit $RC, stdout '$OUT'"
		case $ERR in ""|*$'\n'*) t_fail "$what: expected one stderr line, got: '$ERR'" ;; esac
		cmp -s "$BEFORE" "$LF" || t_fail "$what: the file was changed" ;;
	block)
		[ "$RC" = 2 ] || t_fail "$what: expected a block (exit 2); exit $RC, stderr '$ERR'"
		cmp -s "$BEFORE" "$LF" || t_fail "$what: the file was changed" ;;
	takeover)
		[ "$RC" = 0 ] && [ -z "$ERR" ] && [ -z "$OUT" ] ||
			t_fail "$what: expected a silent takeover; exit $RC, stdout '$OUT', stderr '$ERR'"
		[ "$(crit_state "$LF")" = "found sess-me" ] ||
			t_fail "$what: the record is '$(crit_state "$LF")', not ours"
		if [ "$2" = corrupt ]; then
			crit_audit_has takeover '"reason":"corrupt record"'
		else
			crit_audit_has takeover
		fi ;;
	esac
	[ ! -e "$LF.tmp" ] || t_fail "$what: temporary file left"
}

ROWS=0
# One holder and one caller for the whole table (the cases share a sandbox
# setup; each case still gets its own $T, $HOME and workspace).
spawn_owner; HOLDER=$OWNER_PID
spawn_owner; ME=$OWNER_PID
OWNERS=$T_BG_PIDS
START=$("$SL_TOOLS/crit_record" start "$HOLDER")
while IFS=$'\t' read -r file class young old note; do
	case $file in '#'*|'') continue ;; esac
	ROWS=$((ROWS + 1))
	t_begin "corrupt/$file ($note)"
	[ -f "$CDIR/$file" ] || { t_fail "fixture $file is missing"; t_end; continue; }
	NOW=$(($(date +%s%N) / 1000000))
	NOWB=$("$SL_TOOLS/crit_record" boot)
	fill "$CDIR/$file" "$T/fixture"
	prepare
	for age in young old; do
		want=$young
		[ "$age" = old ] && want=$old
		rm -f "$RT/session-lock.log"
		place "$T/fixture" "$age"
		hk pretooluse-lock pre
		expect "$want" "$class" "$age PreToolUse"
		# Stop never removes what is not ours; it may only fail open.
		place "$T/fixture" "$age"
		hk stop-release stop
		assert_rc 0
		cmp -s "$BEFORE" "$LF" || t_fail "$age Stop changed the file"
		# SessionStart clears only the dead and the old corrupt ones.
		place "$T/fixture" "$age"
		hk session-start start
		assert_rc 0
		case $class:$age in
		corrupt:old|dead:*)
			[ ! -e "$LF" ] || t_fail "$age SessionStart left the $class record" ;;
		*)
			cmp -s "$BEFORE" "$LF" || t_fail "$age SessionStart changed the $class file" ;;
		esac
	done
	t_end
done < "$CDIR/expected.tsv"
T_BG_PIDS=$OWNERS
crit_reap
echo "corrupt: $ROWS fixture cases, each young and old, through PreToolUse, Stop and SessionStart"

t_begin "every prefix of a valid record"
crit_tool crit_flip || { t_end; t_finish; exit; }
spawn_owner; HOLDER=$OWNER_PID
spawn_owner; ME=$OWNER_PID
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
"$SL_TOOLS/crit_record" make --sid holder --pid "$HOLDER" --ws "$WS" > "$T/full"
fx PreToolUse.Write sess-me > "$T/in.pre"
for age in young old; do
	if [ "$age" = young ]; then opt= step=1; else opt=-o step=$(crit_size 5 1 25); fi
	CLAUDE_PID=$ME "$SL_TOOLS/crit_flip" -b "$SL_BIN/pretooluse-lock" -p "$T/full" -m prefix $opt \
		-k "$step" -i "$T/in.pre" -r "$(lock_file)" > "$T/pfx.out" 2> "$T/pfx.err"
	RC=$?
	echo "corrupt: $(cat "$T/pfx.out") of a $(wc -c < "$T/full")-byte record"
	[ "$RC" = 0 ] || t_fail "$age prefixes: $(head -c 3000 "$T/pfx.err")"
done
crit_reap
t_end

t_begin "every prefix of a valid schema-2 record (claims of two holders)"
crit_tool crit_flip || { t_end; t_finish; exit; }
spawn_owner; HOLDER=$OWNER_PID
spawn_owner; ME=$OWNER_PID
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
START=$("$SL_TOOLS/crit_record" start "$HOLDER")
NOW=$(($(date +%s%N) / 1000000))
NOWB=$("$SL_TOOLS/crit_record" boot)
fill "$CDIR/v2-held.json.in" "$T/full"
fx PreToolUse.Write sess-me > "$T/in.pre"
for age in young old; do
	if [ "$age" = young ]; then opt= step=1; else opt=-o step=$(crit_size 5 1 25); fi
	CLAUDE_PID=$ME "$SL_TOOLS/crit_flip" -b "$SL_BIN/pretooluse-lock" -p "$T/full" -m prefix $opt \
		-k "$step" -i "$T/in.pre" -r "$(lock_file)" > "$T/pfx.out" 2> "$T/pfx.err"
	RC=$?
	echo "corrupt: $(cat "$T/pfx.out") of a $(wc -c < "$T/full")-byte schema-2 record"
	[ "$RC" = 0 ] || t_fail "$age prefixes: $(head -c 3000 "$T/pfx.err")"
done
crit_reap
t_end

t_begin "the 4 MiB limit: 4194304 bytes is read, 4194305 is corrupt"
spawn_owner; HOLDER=$OWNER_PID
spawn_owner; ME=$OWNER_PID
"$SL_TOOLS/crit_record" make --sid holder --pid "$HOLDER" --ws "$WS" > "$T/full"
prepare
pad() {	# pad FILE SIZE: the record followed by white space up to SIZE bytes
	local have
	have=$(wc -c < "$T/full")
	{ cat "$T/full"; head -c $(($2 - have)) /dev/zero | tr '\0' ' '; } > "$1"
}
pad "$T/at" 4194304
place "$T/at" young
hk pretooluse-lock pre
expect block held "4194304 bytes"
pad "$T/over" 4194305
place "$T/over" young
hk pretooluse-lock pre
expect failopen corrupt "4194305 bytes (young)"
pad "$T/big" 10000000
place "$T/big" young
hk pretooluse-lock pre
expect failopen corrupt "10 MB (young)"
place "$T/over" old
hk pretooluse-lock pre
expect takeover corrupt "4194305 bytes (old)"
crit_reap
t_end

# special KIND: puts a non-regular thing at the record's name.
special() {
	local lf
	lf=$(lock_file)
	mkdir -p "$RT"
	chmod 700 "$HOME/.claude" "$RT"
	rm -rf "$lf"
	echo "victim content" > "$T/victim"
	case $1 in
	directory) mkdir "$lf" ;;
	fifo) mkfifo "$lf" ;;
	symlink) ln -s "$T/victim" "$lf" ;;
	symlink-to-record) cp "$T/full" "$T/victim"; ln -s "$T/victim" "$lf" ;;
	dangling) ln -s "$T/nowhere" "$lf" ;;
	loop) ln -s "$(basename "$lf")" "$lf" ;;
	foreign) cp "$T/full" "$lf"; chown 65534:65534 "$lf" ;;
	esac
	cp -P "$T/victim" "$T/victim.before"
}

for kind in directory fifo symlink symlink-to-record dangling loop foreign; do
	t_begin "a $kind at the record's name: fails open, never followed, hung or replaced"
	spawn_owner; HOLDER=$OWNER_PID
	spawn_owner; ME=$OWNER_PID
	"$SL_TOOLS/crit_record" make --sid holder --pid "$(dead_pid)" --start 12345 --ws "$WS" > "$T/full"
	for age in young old; do
		special "$kind"
		lf=$(lock_file)
		[ "$age" = old ] && touch -h -d '-1 hour' "$lf"
		ls -ld --time-style=+%s "$lf" > "$T/meta.before"
		for prog_fx in "pretooluse-lock PreToolUse.Write" "stop-release Stop" "session-start SessionStart"; do
			set -- $prog_fx
			crit_hook "$SL_BIN/$1" "$2" sess-me "$ME"
			assert_rc 0
			assert_out_empty
			[ "$1" = pretooluse-lock ] && assert_err_one_line
			ls -ld --time-style=+%s "$lf" > "$T/meta.after" 2>&1
			cmp -s "$T/meta.before" "$T/meta.after" ||
				t_fail "$age $1 changed the $kind: $(cat "$T/meta.after")"
			cmp -s "$T/victim" "$T/victim.before" || t_fail "$age $1 changed the victim file"
			[ ! -e "$T/nowhere" ] || t_fail "$age $1 created the dangling link's target"
			[ "$kind" = directory ] && [ -n "$(ls -A "$lf")" ] && t_fail "$age $1 wrote into the directory"
		done
	done
	crit_reap
	t_end
done

# Byte flips against the real binaries.
SECS=$(crit_size 3 120 2)
t_begin "byte flips of a lock record: PreToolUse never crashes or hangs (${SECS} s)"
crit_tool crit_flip || { t_end; t_finish; exit; }
spawn_owner; HOLDER=$OWNER_PID
spawn_owner; ME=$OWNER_PID
mkdir -p "$RT"; chmod 700 "$HOME/.claude" "$RT"
"$SL_TOOLS/crit_record" make --sid holder --pid "$HOLDER" --ws "$WS" > "$T/payload"
fx PreToolUse.Write sess-me > "$T/in"
CLAUDE_PID=$ME "$SL_TOOLS/crit_flip" -b "$SL_BIN/pretooluse-lock" -p "$T/payload" -m record \
	-i "$T/in" -r "$(lock_file)" -s "$SECS" -n 100000 > "$T/flip.out" 2> "$T/flip.err"
RC=$?
cat "$T/flip.out"
[ "$RC" = 0 ] || t_fail "crit_flip: $(head -c 3000 "$T/flip.err")"
crit_reap
t_end

for f in PreToolUse.Write PreToolUse.Bash PostToolUse.Write Stop; do
	case $f in
	Pre*) prog=pretooluse-lock ;;
	Post*) prog=posttooluse-refresh ;;
	Stop) prog=stop-release ;;
	esac
	t_begin "byte flips of the $f input: $prog never crashes or hangs ($(( (SECS + 1) / 2)) s)"
	spawn_owner
	fx "$f" > "$T/payload"
	CLAUDE_PID=$OWNER_PID "$SL_TOOLS/crit_flip" -b "$SL_BIN/$prog" -p "$T/payload" -m stdin \
		-s "$(( (SECS + 1) / 2))" -n 100000 > "$T/flip.out" 2> "$T/flip.err"
	RC=$?
	cat "$T/flip.out"
	[ "$RC" = 0 ] || t_fail "crit_flip: $(head -c 3000 "$T/flip.err")"
	crit_reap
	t_end
done

t_finish
