#!/usr/bin/env bash
# tests/run.sh [SUITE...] - runs test suites and prints one closing line,
# "N passed, N failed" (", N skipped" when any were), exiting non-zero when
# anything failed or was skipped without being allowed to.
#
# Suites: unit (Check programs), contract (the real binaries against fixture
# inputs), stress (reliability: quick slice unless SL_STRESS=full).
# Default: unit contract stress.
set -u
cd "$(dirname "$0")/.." || exit 2
suites=${*:-unit contract stress}
results=$(mktemp)
export SL_RESULTS=$results
trap 'rm -f "$results"' EXIT

: "${SL_UNIT:?run through make test}"

run_unit() {
	local t out rc line checks fails errs
	for t in "$SL_UNIT"/test_*; do
		[ -x "$t" ] || continue
		out=$("$t" 2>&1)
		rc=$?
		line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
		if [ -z "$line" ]; then
			printf '%s\n' "$out" | tail -n 20
			echo "$(basename "$t"): crashed or printed no summary (exit $rc)"
			echo "0 1 0" >> "$results"
			continue
		fi
		checks=$(printf '%s' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		fails=$(printf '%s' "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		errs=$(printf '%s' "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		[ "$fails" != 0 ] || [ "$errs" != 0 ] && printf '%s\n' "$out" | grep -vE '^(Running suite|[0-9]+%:)' | head -n 40
		echo "$(basename "$t"): $((checks - fails - errs)) passed, $((fails + errs)) failed"
		echo "$((checks - fails - errs)) $((fails + errs)) 0" >> "$results"
	done
}

run_scripts() {
	local f
	for f in tests/"$1"/*.sh; do
		[ -f "$f" ] || continue
		bash "$f" || true
	done
}

for s in $suites; do
	echo "== $s"
	case $s in
	unit) run_unit ;;
	contract|stress) run_scripts "$s" ;;
	*) echo "unknown suite '$s'"; echo "0 1 0" >> "$results" ;;
	esac
done

read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$results")
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
