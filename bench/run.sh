#!/usr/bin/env bash
# bench/run.sh - start-up and throughput figures of the hooks (make bench).
#
# Each hook runs as a whole process fed a real fixture, timed by
# bench/lockbench (fork/exec + wait4, CLOCK_MONOTONIC), alternating with
# /bin/true run the same number of times in the same run; the table shows
# medians, p99s and the ratio. The same again with 10,000 other workspaces'
# lock files in the runtime directory. The "paths" scope (path claims): a
# re-entrant Write next to the workspace scope's, and with 1,000 claims in
# the workspace's record; a new claim with 2 and with 1,000. Then
# acquire/release throughput with 1, 4 and 16 contending processes, peak
# RSS, and what the time goes to (strace -c, callgrind instruction counts,
# the loader's statistics).
# Figures are printed and written to bench/RESULTS.md; nothing is asserted.
#
#   BENCH_RUNS=N       runs per scenario (default 300)
#   BENCH_ONLY=paths   only the paths scope's rows, printed (nothing written)
#   BENCH_TP_SECONDS=S seconds per throughput figure (default 5)
#   BENCH_PROFILE=0    skip the strace/callgrind section
#   BENCH_RESULTS=F    where to write the results (default bench/RESULTS.md;
#                      "-" for nowhere)
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
: "${SL_BIN:=$ROOT/bin}"
RUNS=${BENCH_RUNS:-300}
TPS=${BENCH_TP_SECONDS:-5}
RESULTS=${BENCH_RESULTS:-bench/RESULTS.md}
ONLY=${BENCH_ONLY:-}
FX=$ROOT/fixtures/hooks/claude-code-2.1.330
OUT=$ROOT/build/bench
mkdir -p "$OUT"
for p in pretooluse-lock posttooluse-refresh stop-release session-start; do
	[ -x "$SL_BIN/$p" ] || { echo "bench: $SL_BIN/$p is not built (make)"; exit 2; }
done
${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Itests/tools -o "$OUT/lockbench" \
	bench/lockbench.c tests/tools/tool.c || exit 2
LB=$OUT/lockbench

SB=$(mktemp -d "${TMPDIR:-/tmp}/sl-bench.XXXXXX")
BG=
cleanup() {
	local p
	for p in $BG; do kill -9 "$p" 2>/dev/null; done
	for p in $BG; do wait "$p" 2>/dev/null; done
	rm -rf "$SB"
}
trap cleanup EXIT
export HOME=$SB/home LC_ALL=C
mkdir -p "$HOME" "$SB/ws"
WS=$(cd "$SB/ws" && pwd -P)
export CLAUDE_PROJECT_DIR=$WS
RT=$HOME/.claude/runtime
unset SESSION_LOCK_DISABLE SESSION_LOCK_TTL_MS SESSION_LOCK_WAIT_MS SESSION_LOCK_RELEASE_ON SESSION_LOCK_TOOLS \
	SESSION_LOCK_SCOPE
sleep 100000 & ME=$!; BG="$BG $ME"
sleep 100000 & OTHER=$!; BG="$BG $OTHER"
export CLAUDE_PID=$ME

fx() {	# fx NAME SESSION > file
	sed -e "s#/home/dev/project#$WS#g" \
	    -e "s#\"session_id\": \"[^\"]*\"#\"session_id\": \"$2\"#" "$FX/$1.json"
}
fx PreToolUse.Write me > "$SB/pre"
fx PreToolUse.Bash me > "$SB/pre-bash"
fx PostToolUse.Write me > "$SB/post"
fx PostToolUse.Bash me > "$SB/post-bash"
fx Stop me > "$SB/stop"
fx PreToolUse.Write other > "$SB/pre-other"
fx Stop other > "$SB/stop-other"
fx PreToolUse.Write @SID@ > "$SB/tp-pre"
fx Stop @SID@ > "$SB/tp-stop"
LF=$RT/session-lock-$(printf '%s' "$WS" | md5sum | cut -c1-12).json

B=$SL_BIN
TABLE=$SB/table
: > "$TABLE"

# row LABEL ARGS...: one timed scenario; appends a table row.
row() {
	local label=$1 r
	shift
	r=$("$LB" time -n "$RUNS" "$@")
	set -- $r
	printf '| %-44s | %7.2f | %7.2f | %7.2f | %7.2f | %5.2fx | %s |\n' "$label" \
		"$(echo "$1" | awk '{print $1/1000}')" "$(echo "$2" | awk '{print $1/1000}')" \
		"$(echo "$4" | awk '{print $1/1000}')" "$(echo "$5" | awk '{print $1/1000}')" \
		"$6" "$9" | tee -a "$TABLE"
	echo "$7" >> "$SB/rss"
	echo "$8" >> "$SB/rss-true"
}

scenarios() {	# scenarios SUFFIX
	local s=$1
	# The binary's own start-up: the hook returns before reading stdin.
	SESSION_LOCK_DISABLE=1 row "pretooluse-lock start-up only (DISABLE=1)$s" -i "$SB/pre" -- "$B/pretooluse-lock"
	# Free: our release (untimed) before each timed acquire.
	CLAUDE_PID=$ME row "PreToolUse, free workspace$s" -i "$SB/pre" -r "$B/stop-release" -j "$SB/stop" -- "$B/pretooluse-lock"
	CLAUDE_PID=$ME "$B/pretooluse-lock" < "$SB/pre"
	CLAUDE_PID=$ME row "PreToolUse, re-entrant (we hold it)$s" -i "$SB/pre" -- "$B/pretooluse-lock"
	CLAUDE_PID=$ME row "PreToolUse Bash (classifier), re-entrant$s" -i "$SB/pre-bash" -- "$B/pretooluse-lock"
	CLAUDE_PID=$ME row "PostToolUse refresh (no rewrite, < 2 s)$s" -i "$SB/post" -- "$B/posttooluse-refresh"
	cp "$LF" "$SB/held-by-me"
	# A copy of our record aged 3 s, put back before each run: the renewal is written.
	"$ROOT/build/test/tools/crit_record" make --sid me --pid "$ME" --ws "$WS" --age 3000 > "$SB/aged" 2>/dev/null ||
		sed -e 's/"renewed_boot_ms":[0-9]*/"renewed_boot_ms":1/' "$SB/held-by-me" > "$SB/aged"
	CLAUDE_PID=$ME row "PostToolUse refresh (renewal written)$s" -i "$SB/post" -s "$SB/aged" -d "$LF" -- "$B/posttooluse-refresh"
	cp "$SB/held-by-me" "$LF"
	# A changing Bash call marks the holder busy (one write), its PostToolUse clears it (another).
	CLAUDE_PID=$ME row "PreToolUse Bash, a new call (busy mark written)$s" -i "$SB/pre-bash" -s "$SB/held-by-me" -d "$LF" -- "$B/pretooluse-lock"
	CLAUDE_PID=$ME "$B/pretooluse-lock" < "$SB/pre-bash"
	cp "$LF" "$SB/busy-by-me"
	CLAUDE_PID=$ME row "PostToolUse Bash, its call ended (busy mark cleared)$s" -i "$SB/post-bash" -s "$SB/busy-by-me" -d "$LF" -- "$B/posttooluse-refresh"
	cp "$SB/held-by-me" "$LF"
	CLAUDE_PID=$OTHER row "PreToolUse, blocked (another session holds)$s" -i "$SB/pre-other" -- "$B/pretooluse-lock"
	# Release: our acquire (untimed) before each timed release.
	CLAUDE_PID=$ME row "Stop release$s" -i "$SB/stop" -r "$B/pretooluse-lock" -j "$SB/pre" -- "$B/stop-release"
}

# quiet LABEL PID INPUT: one untimed run that must exit 0 and say nothing on
# stderr (a hook that fails open also exits 0: the rows could not tell).
quiet() {
	local err
	err=$(CLAUDE_PID=$2 "$B/pretooluse-lock" < "$3" 2>&1 > /dev/null)
	[ $? = 0 ] && [ -z "$err" ] && return 0
	echo "bench: $1: the hook did not simply let the Write run: $err" >&2
	return 1
}

# The "paths" scope: a Write claims only its file (claim.h). Another live
# session's claims make the record long: 1,000 claims are its 999 (the
# record as the hooks wrote it, with that session's one claim grown to a
# list of 999 files) and our one.
paths_scenarios() {
	local rec one many
	sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/src/new.c\"#" "$SB/pre" > "$SB/pre-new"
	sed "s#\"file_path\": \"[^\"]*\"#\"file_path\": \"$WS/lib/f0001.c\"#" "$SB/pre-other" > "$SB/pre-other-claim"
	# The workspace scope's re-entrant Write again, in the same stretch of time.
	rm -f "$LF"
	CLAUDE_PID=$ME "$B/pretooluse-lock" < "$SB/pre"
	CLAUDE_PID=$ME row "PreToolUse, re-entrant, workspace scope" -i "$SB/pre" -- "$B/pretooluse-lock"
	rm -f "$LF"
	export SESSION_LOCK_SCOPE=paths
	quiet "our claim" "$ME" "$SB/pre"
	CLAUDE_PID=$ME row "PreToolUse, re-entrant, paths scope (1 claim)" -i "$SB/pre" -- "$B/pretooluse-lock"
	# The other session's lease outlasts the bench: a record put back stays live.
	SESSION_LOCK_TTL_MS=86400000 quiet "the other session's claim" "$OTHER" "$SB/pre-other-claim"
	cp "$LF" "$SB/claims-2"
	quiet "a new claim" "$ME" "$SB/pre-new"
	CLAUDE_PID=$ME row "PreToolUse, a new claim, paths scope (2 claims)" -i "$SB/pre-new" \
		-s "$SB/claims-2" -d "$LF" -- "$B/pretooluse-lock"
	one="\"claims\":[\"$WS/lib/f0001.c\"]"
	many=$(awk -v ws="$WS" 'BEGIN { for (i = 1; i <= 999; i++)
		printf "%s\"%s/lib/d%02d/f%04d.c\"", (i > 1 ? "," : ""), ws, i % 32, i }')
	rec=$(cat "$SB/claims-2")
	[[ $rec == *"$one"* ]] || echo "bench: the other session's claim is not in the record: $rec" >&2
	printf '%s\n' "${rec/"$one"/"\"claims\":[$many]"}" > "$SB/claims-1000"
	CLAIMS_BYTES=$(wc -c < "$SB/claims-1000")
	echo "bench: $(grep -o "\"$WS/" "$SB/claims-1000" | wc -l) claims in a record of $CLAIMS_BYTES bytes"
	cp "$SB/claims-1000" "$LF"
	quiet "re-entrant, 1,000 claims" "$ME" "$SB/pre"
	CLAUDE_PID=$ME row "PreToolUse, re-entrant, paths scope, 1,000 claims" -i "$SB/pre" -- "$B/pretooluse-lock"
	[ "$(grep -o "\"$WS/" "$LF" | wc -l)" = 1000 ] ||
		echo "bench: the record no longer holds 1,000 claims: $(head -c 600 "$LF")" >&2
	cp "$SB/claims-1000" "$LF"
	quiet "a new claim, 1,000 claims" "$ME" "$SB/pre-new"
	CLAUDE_PID=$ME row "PreToolUse, a new claim, paths scope, 1,000 claims" -i "$SB/pre-new" \
		-s "$SB/claims-1000" -d "$LF" -- "$B/pretooluse-lock"
	unset SESSION_LOCK_SCOPE
	rm -f "$LF"
}

header() {
	echo "| scenario | median ms | p99 ms | /bin/true median ms | /bin/true p99 ms | ratio (median) | exit codes |"
	echo "|---|---:|---:|---:|---:|---:|---|"
}

echo "bench: $RUNS runs per scenario, each alternating with /bin/true"
header | tee -a "$TABLE"
if [ "$ONLY" = paths ]; then
	paths_scenarios
	exit 0
fi
scenarios ""
paths_scenarios
# 10,000 other workspaces' records (and mutexes) in the runtime directory.
for i in $(seq 1 10000); do
	h=$(printf '%012x' $((i * 7919)))
	printf '{"schema_version":1,"session_id":"s%d","pid":%d,"acquired_at":1,"ttl_ms":300000}\n' "$i" "$i" \
		> "$RT/session-lock-$h.json"
	: > "$RT/session-lock-$h.mutex"
done
echo "bench: now with $(ls "$RT" | grep -c '\.json$') lock records in the runtime directory"
scenarios ", 10,000 other records"

# Throughput.
TP=$SB/tp
: > "$TP"
for p in 1 4 16; do
	rm -f "$LF"
	"$LB" throughput -p "$p" -t "$TPS" -a "$B/pretooluse-lock" -b "$B/stop-release" \
		-i "$SB/tp-pre" -j "$SB/tp-stop" > "$SB/tp.$p" 2> "$SB/tp.$p.err"
	awk -v p="$p" -v s="$TPS" '{c+=$1; b+=$2; e+=$3} END {
		printf "| %2d | %6d | %7.1f | %7d | %d |\n", p, c, c/s, b, e }' "$SB/tp.$p" | tee -a "$TP"
done

RSS=$(sort -n "$SB/rss" | tail -n 1)
RSS_TRUE=$(sort -n "$SB/rss-true" | tail -n 1)
echo "bench: peak RSS of one hook: $RSS KiB (/bin/true: $RSS_TRUE KiB)"

# What the time goes to.
PROF=$SB/prof
: > "$PROF"
if [ "${BENCH_PROFILE:-1}" = 1 ]; then
	CLAUDE_PID=$ME "$B/pretooluse-lock" < "$SB/pre"
	if command -v strace > /dev/null; then
		n_hook=$(CLAUDE_PID=$ME strace -f -c -o "$SB/st" "$B/pretooluse-lock" < "$SB/pre" 2>/dev/null; awk '/ total$/ {print $4}' "$SB/st")
		n_true=$(strace -f -c -o "$SB/st2" /bin/true < "$SB/pre"; awk '/ total$/ {print $4}' "$SB/st2")
		n_start=$(SESSION_LOCK_DISABLE=1 strace -f -c -o "$SB/st4" "$B/pretooluse-lock" < "$SB/pre"; awk '/ total$/ {print $4}' "$SB/st4")
		rm -f "$LF"
		n_free=$(CLAUDE_PID=$ME strace -f -c -o "$SB/st3" "$B/pretooluse-lock" < "$SB/pre" 2>/dev/null; awk '/ total$/ {print $4}' "$SB/st3")
		{
			echo "system calls (strace -c): /bin/true $n_true, hook start-up only $n_start, re-entrant PreToolUse $n_hook, acquire on a free workspace $n_free"
			echo "acquire on a free workspace, by call:"
			awk 'NR > 2 && !/^-/ && !/ total$/ && NF >= 5 {printf "  %-14s %s\n", $NF, $4}' "$SB/st3" | sort -k2 -n -r | head -n 14
		} | tee -a "$PROF"
	fi
	if command -v valgrind > /dev/null; then
		CLAUDE_PID=$ME valgrind --tool=callgrind --callgrind-out-file="$SB/cg.hook" "$B/pretooluse-lock" < "$SB/pre" > /dev/null 2>&1
		valgrind --tool=callgrind --callgrind-out-file="$SB/cg.true" /bin/true < "$SB/pre" > /dev/null 2>&1
		ir_hook=$(callgrind_annotate "$SB/cg.hook" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
		ir_true=$(callgrind_annotate "$SB/cg.true" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
		{
			echo "instructions (callgrind): /bin/true $ir_true, re-entrant PreToolUse $ir_hook"
			echo "re-entrant PreToolUse, top functions by own instructions:"
			callgrind_annotate "$SB/cg.hook" 2>/dev/null | awk '/^-+$/ {sec++} sec >= 3 && /\*|:/ && NF >= 2' |
				sed -e 's/ (\([0-9.]*%\))/ \1/' | head -n 12 | sed 's/^/  /'
		} | tee -a "$PROF"
	fi
	if command -v perf > /dev/null && perf stat -e page-faults /bin/true > /dev/null 2>&1; then
		pf_hook=$(CLAUDE_PID=$ME perf stat -x, -e page-faults "$B/pretooluse-lock" < "$SB/pre" 2>&1 >/dev/null | awk -F, '/page-faults/ {print $1}')
		pf_start=$(SESSION_LOCK_DISABLE=1 perf stat -x, -e page-faults "$B/pretooluse-lock" < "$SB/pre" 2>&1 >/dev/null | awk -F, '/page-faults/ {print $1}')
		pf_true=$(perf stat -x, -e page-faults /bin/true < "$SB/pre" 2>&1 >/dev/null | awk -F, '/page-faults/ {print $1}')
		echo "page faults (perf stat): /bin/true $pf_true, hook start-up only $pf_start, re-entrant PreToolUse $pf_hook" | tee -a "$PROF"
	fi
	{
		echo "dynamic loader (LD_DEBUG=statistics), re-entrant PreToolUse:"
		CLAUDE_PID=$ME LD_DEBUG=statistics "$B/pretooluse-lock" < "$SB/pre" 2>&1 >/dev/null |
			grep -E 'total startup time|relocation processing|number of relocations' | sed 's/^ *[0-9]*: */  /'
		echo "dynamic loader, /bin/true:"
		LD_DEBUG=statistics /bin/true 2>&1 | grep -E 'total startup time|relocation processing|number of relocations' |
			sed 's/^ *[0-9]*: */  /'
		echo "linked libraries of the hook: $(ldd "$B/pretooluse-lock" | awk '{print $1}' | tr '\n' ' ')"
		echo "hook binary size: $(wc -c < "$B/pretooluse-lock") bytes; /bin/true: $(wc -c < /bin/true) bytes"
	} | tee -a "$PROF"
fi

if [ "$RESULTS" != - ]; then
	{
		echo "# Benchmark results"
		echo
		echo "Written by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC')."
		echo
		echo "- Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r) ($(uname -m))"
		echo "- Build: $(cc --version | head -n 1); hooks linked against: $(ldd "$B/pretooluse-lock" | awk '{print $1}' | grep -v vdso | tr '\n' ' ')"
		echo "- Method: each hook is a whole process (fork, exec, wait4) fed a real Claude Code 2.1.330 fixture on stdin;"
		echo "  $RUNS timed runs per scenario after 10 warm-up runs, alternating with \`/bin/true\` (dynamically linked)"
		echo "  fed the same input, so both see the same machine; times are wall clock (CLOCK_MONOTONIC)."
		echo "  The free-workspace and release scenarios undo their effect between runs, untimed."
		echo "- The paths scope's rows (\`SESSION_LOCK_SCOPE=paths\`): our session claims the file it Writes; from the"
		echo "  new-claim rows on, another live session holds 1 or 999 claims in the same record (1,000 with ours:"
		echo "  ${CLAIMS_BYTES:-?} bytes). The new-claim rows put that record back before each run, untimed."
		echo "- What the figures mean and what dominates the time: README.md, section Speed."
		echo
		echo "## One hook invocation"
		echo
		cat "$TABLE"
		echo
		echo "## Throughput: acquire/release cycles per second"
		echo
		echo "Each process is its own session with its own live Claude Code stand-in; a blocked acquire backs"
		echo "off (1 ms doubling to 32 ms, randomised) and retries; ${TPS} s per figure. A cycle is two hook"
		echo "processes (PreToolUse, then Stop), so one process's rate is bounded by twice the start-up time."
		echo
		echo "| processes | cycles | cycles/s | blocked attempts | errors |"
		echo "|---:|---:|---:|---:|---:|"
		cat "$TP"
		echo
		echo "## Memory"
		echo
		echo "Peak resident set of one hook (wait4 ru_maxrss, largest over all runs): $RSS KiB (/bin/true: $RSS_TRUE KiB)."
		echo
		echo "## Where the time goes"
		echo
		echo '```'
		cat "$PROF"
		echo '```'
		# bench/client.sh's section, kept as it was
		[ -f "$RESULTS" ] && awk '/^## / { keep = ($0 == "## Hook cost as the client sees it") }
			keep { if (!started) print ""; started = 1; print }' "$RESULTS"
	} > "$RESULTS.new" && mv "$RESULTS.new" "$RESULTS"
	echo "bench: results written to $RESULTS"
fi
