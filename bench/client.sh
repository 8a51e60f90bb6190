#!/usr/bin/env bash
# bench/client.sh - what one PreToolUse hook costs as the real Claude Code
# client sees it, in the two ways a hook can be registered:
#
#   shell form   "command": "exec BINDIR/pretooluse-lock"        (/bin/sh -c, which execs)
#   exec form    "command": "BINDIR/pretooluse-lock", "args": []  (no shell)
#
# and, in the same run, `exec /bin/true` and a plain /bin/true in exec form
# (the floor of each form), plus the shell form without `exec` (what a
# hand-written registration usually looks like), and the exec form twice
# (two copies of the program in one group: install.sh's registration and
# the plugin's both in effect; the client runs them at once, and the call
# waits for the slower, which is the figure for that row). For each client version,
# rounds of short `claude -p` sessions run one after another, one session
# per registration, in turn; each session makes WRITES Write calls in its
# workspace (the first takes the lock, the rest renew it: the common case)
# against the stand-in API of tests/e2e. The figure is the client's own:
# its --debug-file log times every hook ("Hooks: PreToolUse:Write [...]
# finished with status 0 (NNms)", from spawn to exit, whole milliseconds).
# Medians and means over all samples are printed, and written into
# bench/RESULTS.md under "Hook cost as the client sees it" (the rest of
# that file is make bench's; each keeps the other's section).
#
#   bash bench/client.sh                    (after make; make bench-client does both)
#   CLIENT_VERSIONS="2.1.330 2.1.332"       the versions (tests/e2e/client.sh finds or installs them)
#   BENCH_ROUNDS=N (default 6), BENCH_WRITES=N (default 30)
#   BENCH_FORMS="exec twice"                only these registrations (default: all)
#   BENCH_RESULTS=F                         where to write (default bench/RESULTS.md; "-" for nowhere)
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
: "${SL_BIN:=$ROOT/bin}"
VERSIONS=${CLIENT_VERSIONS:-2.1.330 2.1.332}
ROUNDS=${BENCH_ROUNDS:-6}
WRITES=${BENCH_WRITES:-30}
RESULTS=${BENCH_RESULTS:-bench/RESULTS.md}
HEADING="## Hook cost as the client sees it"

[ -x "$SL_BIN/pretooluse-lock" ] || { echo "bench: $SL_BIN/pretooluse-lock is not built (make)"; exit 2; }
command -v node > /dev/null || { echo "bench: node is needed (the stand-in API)"; exit 2; }

SB=$(mktemp -d "${TMPDIR:-/tmp}/sl-client-bench.XXXXXX")
STANDIN=
cleanup() {
	[ -n "$STANDIN" ] && kill "$STANDIN" 2>/dev/null && wait "$STANDIN" 2>/dev/null
	rm -rf "$SB"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$SB/scripts" "$SB/bin"
# A copy, so that a rebuild meanwhile cannot change what is measured.
cp "$SL_BIN/pretooluse-lock" "$SB/bin/" || exit 2
mkdir -p "$SB/bin2" && cp "$SL_BIN/pretooluse-lock" "$SB/bin2/" || exit 2

node tests/e2e/standin.js --scripts "$SB/scripts" --log /dev/null --port-file "$SB/port" \
	> /dev/null 2> "$SB/standin.err" &
STANDIN=$!
for _ in $(seq 50); do [ -s "$SB/port" ] && break; sleep 0.1; done
[ -s "$SB/port" ] || { echo "bench: the stand-in did not start: $(cat "$SB/standin.err")"; exit 2; }
PORT=$(cat "$SB/port")

# The registrations compared: NAME and the hook entry (JSON).
B=$SB/bin/pretooluse-lock
FORMS=${BENCH_FORMS:-shell-exec exec true-shell true-exec shell-noexec twice}
entry() {
	case $1 in
	shell-exec) printf '{"type":"command","command":"exec %s","timeout":10}' "$B" ;;
	exec) printf '{"type":"command","command":"%s","args":[],"timeout":10}' "$B" ;;
	true-shell) printf '{"type":"command","command":"exec /bin/true","timeout":10}' ;;
	true-exec) printf '{"type":"command","command":"/bin/true","args":[],"timeout":10}' ;;
	shell-noexec) printf '{"type":"command","command":"%s","timeout":10}' "$B" ;;
	twice) printf '{"type":"command","command":"%s","args":[],"timeout":10},{"type":"command","command":"%s","args":[],"timeout":10}' "$B" "$SB/bin2/pretooluse-lock" ;;
	esac
}
# hooks per Write call
per_call() { [ "$1" = twice ] && echo 2 || echo 1; }
label() {
	case $1 in
	shell-exec) echo 'shell form `exec BINDIR/pretooluse-lock`' ;;
	exec) echo 'exec form `BINDIR/pretooluse-lock`, `args: []`' ;;
	true-shell) echo 'shell form `exec /bin/true`' ;;
	true-exec) echo 'exec form `/bin/true`, `args: []`' ;;
	shell-noexec) echo 'shell form `BINDIR/pretooluse-lock` (no exec)' ;;
	twice) echo 'exec form twice (settings + plugin), per call: the slower of the two' ;;
	esac
}

# session VERSION CLAUDE FORM ROUND: one claude -p run; appends its hook times to $SB/t.VERSION.FORM
session() {
	local ver=$1 claude=$2 form=$3 r=$4 d name turns i j n
	d=$SB/run/$ver-$form-$r
	name=b${ver//./}-$form-$r
	mkdir -p "$d/home/.claude" "$d/ws"
	printf '{"hooks":{"PreToolUse":[{"matcher":"Write","hooks":[%s]}]}}\n' "$(entry "$form")" \
		> "$d/home/.claude/settings.json"
	# five Writes a turn (they run one after another), WRITES in all
	turns=
	for ((i = 0; i < WRITES; i += 5)); do
		turns="$turns${turns:+,}{\"tools\":["
		for ((j = i; j < i + 5 && j < WRITES; j++)); do
			turns="$turns$([ "$j" -gt "$i" ] && echo ,){\"tool\":\"Write\",\"input\":{\"file_path\":\"$d/ws/f$j.txt\",\"content\":\"$j\\n\"}}"
		done
		turns="$turns]}"
	done
	printf '{"turns":[%s],"final":"done"}\n' "$turns" > "$SB/scripts/$name.json"
	(cd "$d/ws" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$d/home" USER="$(id -un)" LANG=C.UTF-8 \
		TERM=dumb SHELL=/bin/bash TMPDIR="$SB" ANTHROPIC_BASE_URL="http://127.0.0.1:$PORT" \
		ANTHROPIC_API_KEY=sk-ant-bench-offline CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 \
		DISABLE_AUTOUPDATER=1 IS_SANDBOX=1 \
		timeout 180 "$claude" -p "bench [[e2e:$name]]" --dangerously-skip-permissions \
		--debug-file "$d/debug.log" > "$d/out" 2>&1)
	sed -n 's/.*Hooks: PreToolUse:Write \[.*\] finished with status \([0-9]*\) (\([0-9]*\)ms).*/\1 \2/p' \
		"$d/debug.log" > "$d/times"
	# only clean runs count: every Write hooked, every hook exit 0
	n=$(($(per_call "$form") * WRITES))
	if [ "$(awk '$1 == 0' "$d/times" | wc -l)" -ne "$n" ]; then
		echo "bench: $ver $form round $r: $(wc -l < "$d/times") hook runs logged, not $n clean ones (kept in $d)" >&2
		return 1
	fi
	# the hooks of one call finish before the next call starts: consecutive lines
	awk -v k="$(per_call "$form")" '{ m = (NR - 1) % k ? (m > $2 ? m : $2) : $2 } NR % k == 0 { print m }' \
		"$d/times" >> "$SB/t.$ver.$form"
	rm -rf "$d"
}

# stats FILE -> "n median mean p90"
stats() {
	sort -n "$1" | awk '{v[NR] = $1; s += $1} END {
		if (NR == 0) { print "0 - - -"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		p = v[int(NR * 0.9 + 0.999)]
		printf "%d %.1f %.2f %d\n", NR, m, s / NR, p }'
}

TABLE=$SB/table
fails=0
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ver in $VERSIONS; do
	claude=$(CLAUDE_CODE_VERSION=$ver bash tests/e2e/client.sh) || exit 1
	echo "bench: Claude Code $ver: $ROUNDS rounds of $(echo $FORMS | wc -w) sessions, $WRITES Writes each"
	for r in $(seq "$ROUNDS"); do
		for form in $FORMS; do
			session "$ver" "$claude" "$form" "$r" || fails=$((fails + 1))
		done
	done
	for form in $FORMS; do
		set -- $(stats "$SB/t.$ver.$form")
		printf '| %s | %s | %s | %s | %s | %s |\n' "$ver" "$(label "$form")" "$1" "$2" "$3" "$4" | tee -a "$TABLE"
	done
done
[ "$fails" -eq 0 ] || echo "bench: $fails sessions did not run cleanly and are left out"

if [ "$RESULTS" != - ]; then
	{
		echo "$HEADING"
		echo
		echo "Written by \`bash bench/client.sh\` (\`make bench-client\`) on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs."
		echo "One PreToolUse hook on a Write, timed by the client itself (\`--debug-file\`: \"Hooks: PreToolUse:Write"
		echo "[...] finished with status 0 (NNms)\", spawn to exit, whole ms); $ROUNDS rounds of one \`claude -p\` session per"
		echo "registration in turn, $WRITES Writes each (the first takes the lock, the others renew it), offline"
		echo "against the e2e stand-in API. Every session's every hook exited 0 and every Write was hooked."
		echo "Load average at the start: $load0; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the rounds"
		echo "alternate the registrations, so a busy machine slows all of them alike)."
		echo
		echo "| client | registration | samples | median ms | mean ms | p90 ms |"
		echo "|---|---|---:|---:|---:|---:|"
		cat "$TABLE"
		echo
	} > "$SB/section"
	# Keep everything else in RESULTS (make bench's part); replace our section.
	if [ -f "$RESULTS" ]; then
		awk -v h="$HEADING" -v f="$SB/section" '
			$0 == h { skip = 1; while ((getline l < f) > 0) print l; done = 1; next }
			skip && /^## / { skip = 0 }
			!skip { print }
			END { if (!done) { print ""; while ((getline l < f) > 0) print l } }' "$RESULTS" > "$RESULTS.new"
	else
		cp "$SB/section" "$RESULTS.new"
	fi
	mv "$RESULTS.new" "$RESULTS"
	echo "bench: results written to $RESULTS"
fi
