#!/usr/bin/env bash
# tests/fuzz/run.sh - builds the libFuzzer targets (tests/fuzz/fuzz_*.c)
# with clang -fsanitize=fuzzer,address,undefined against the core sources,
# seeds each from the fixtures, runs each for FUZZ_SECONDS (default 30),
# and prints executions and crashes per target. Exit 0 only when every
# target ran and none crashed, leaked or timed out.
#
#   FUZZ_SECONDS=N   time per target (default 30)
#   FUZZ_JOBS=N      parallel jobs per target (default 1)
#   FUZZ_CC=clang    the compiler (needs libclang-rt-*-dev for libFuzzer)
#   FUZZ_OUT=DIR     build and corpus directory (default build/fuzz)
# Crash inputs are kept in $FUZZ_OUT/<target>/ (crash-*, leak-*, timeout-*).
set -u
cd "$(dirname "$0")/../.." || exit 2
SECS=${FUZZ_SECONDS:-30}
CC=${FUZZ_CC:-clang}
OUT=${FUZZ_OUT:-build/fuzz}

if ! command -v "$CC" > /dev/null; then
	echo "fuzz: '$CC' not found (Debian: apt-get install clang libclang-rt-14-dev)"
	exit 2
fi
CJSON_CFLAGS=$(pkg-config --cflags libcjson 2>/dev/null || echo -I/usr/include/cjson)
CJSON_LIBS="$(pkg-config --libs libcjson 2>/dev/null || echo -lcjson) -lnettle"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -DSESSION_LOCK_VERSION=\"fuzz\" -Icore $CJSON_CFLAGS
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

# Sources each target needs (the parsers use the error text and the syscall seam).
srcs_for() {
	case $1 in
	fuzz_hookin) echo core/hookin.c core/record.c core/err.c core/sys.c ;;
	fuzz_record) echo core/record.c core/err.c ;;
	fuzz_procstat) echo core/proc.c core/err.c core/sys.c ;;
	*) echo "" ;;
	esac
}

# Seeds: real hook inputs; records (filled templates, corrupt cases); stat lines.
seed() {
	local target=$1 dir=$2 f i=0
	mkdir -p "$dir"
	case $target in
	fuzz_hookin)
		# every client version's real inputs
		for f in fixtures/hooks/claude-code-*/*.json; do
			cp "$f" "$dir/$(basename "$(dirname "$f")")-$(basename "$f")"
		done ;;
	fuzz_record)
		for f in fixtures/records/*.json.in fixtures/records/corrupt/*.json.in; do
			[ -f "$f" ] || continue
			i=$((i + 1))
			sed -e 's/@SID@/cc57b173-9f31-4ed4-8578-34257355fc14/g; s/@PID@/4242/g' \
			    -e 's/@ACQ@/1795426852636/g; s/@TTL@/300000/g; s#@WS@#/home/dev/project#g' \
			    -e 's/@START@/822921/g; s/@BOOT@/e654aa07-98e2-400c-a3a5-6cd09bda695b/g' \
			    -e 's/@HOST@/vm/g; s/@REN@/1795426852636/g; s/@RENBOOT@/8229255/g' \
			    -e 's/@LEASE@/300000/g; s/@UNTIL@/1795427152636/g' \
			    -e 's/@PREV_SID@/old/g; s/@PREV_PID@/17/g; s/@PREV_REASON@/dead/g; s/@PREV_IDLE@/5/g' \
			    "$f" > "$dir/seed-$i"
		done
		for f in fixtures/records/*.json fixtures/records/corrupt/*.json; do
			[ -f "$f" ] && [ "$(wc -c < "$f")" -lt 65536 ] && cp "$f" "$dir/"
		done ;;
	fuzz_procstat)
		for f in /proc/self/stat /proc/1/stat; do cat "$f" > "$dir/stat-$i" 2>/dev/null; i=$((i + 1)); done
		printf '42 (a) (b) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 12345 1000 100 1\n' > "$dir/paren"
		printf '43 (x) Z 0 (y)) S 1 43 43 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n' > "$dir/fake-z" ;;
	esac
}

# -jobs makes libFuzzer write fuzz-N.log into the current directory: only
# when asked for (FUZZ_JOBS > 1).
jobs=()
[ "${FUZZ_JOBS:-1}" -gt 1 ] && jobs=(-jobs="$FUZZ_JOBS" -workers="$FUZZ_JOBS")

total_fail=0
summary=
for src in tests/fuzz/fuzz_*.c; do
	target=$(basename "$src" .c)
	deps=$(srcs_for "$target")
	[ -n "$deps" ] || { echo "fuzz: no source list for $target"; total_fail=1; continue; }
	mkdir -p "$OUT/$target"
	bin=$OUT/$target/$target
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -o "$bin" "$src" $deps $CJSON_LIBS 2> "$OUT/$target/build.log"; then
		cat "$OUT/$target/build.log"
		echo "fuzz: $target: build failed"
		total_fail=1
		continue
	fi
	corpus=$OUT/$target/corpus
	seed "$target" "$corpus"
	rm -f "$OUT/$target"/crash-* "$OUT/$target"/leak-* "$OUT/$target"/timeout-* "$OUT/$target"/oom-*
	log=$OUT/$target/fuzz.log
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$SECS" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		${jobs[@]+"${jobs[@]}"} \
		-artifact_prefix="$OUT/$target/" -print_final_stats=1 "$corpus" > "$log" 2>&1
	rc=$?
	execs=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{s+=$2} END {print s+0}')
	crashes=$(ls "$OUT/$target" | grep -cE '^(crash|leak|timeout|oom)-')
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | awk '{print $2}')
	if [ "$rc" != 0 ] && [ "$crashes" = 0 ]; then crashes=1; fi
	line="$target: $execs executions in ${SECS} s, coverage ${cov:-?} edges, corpus $(ls "$corpus" | wc -l) inputs, $crashes crashes"
	echo "fuzz: $line"
	summary="$summary$line"$'\n'
	if [ "$crashes" != 0 ]; then
		total_fail=1
		grep -E -A 30 'ERROR|runtime error|deadly signal' "$log" | head -n 60
		ls "$OUT/$target" | grep -E '^(crash|leak|timeout|oom)-' | sed "s#^#  kept: $OUT/$target/#"
	fi
done
printf '%s' "$summary" > "$OUT/summary.txt"
if [ "$total_fail" = 0 ]; then echo "fuzz: all targets ran, 0 crashes"; else echo "fuzz: FAILED"; fi
exit "$total_fail"
