#!/usr/bin/env bash
# tests/run.sh [SUITE...] - runs test suites and prints one closing line,
# "N passed, N failed" (", N skipped" when any were), exiting non-zero when
# anything failed or was skipped without being allowed to.
#
# Suites: unit (Check programs), contract (the real binaries against fixture
# inputs), stress (reliability: quick slice unless SL_STRESS=full),
# contract-young (the contract suite on a machine booted seconds ago: a time
# namespace whose CLOCK_BOOTTIME starts near zero; make test-young).
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

# run_young: the contract files under `unshare --time --boottime`, which sets
# CLOCK_BOOTTIME (and /proc/uptime) to about 2 s for everything inside. Needs
# a kernel with time namespaces and root, or an unprivileged user namespace;
# where neither works, one SKIP line says why (counted, never green).
run_young() {
	local off why="" pre f
	off=$((2 - $(cut -d. -f1 /proc/uptime)))
	for pre in "" "--user --map-current-user"; do
		# shellcheck disable=SC2086
		if why=$(unshare $pre --time --boottime "$off" awk '$1 >= 60 { exit 1 }' /proc/uptime 2>&1); then
			echo "CLOCK_BOOTTIME inside: $(unshare $pre --time --boottime "$off" cut -d' ' -f1 /proc/uptime) s (unshare ${pre:+$pre }--time --boottime $off)"
			# shellcheck disable=SC2086
			unshare $pre --time --boottime "$off" bash -c \
			    'for f in tests/contract/*.sh; do bash "$f" || true; done'
			return
		fi
		[ -n "$why" ] || why="the boot clock inside was not young"
	done
	echo "SKIP contract-young: no time namespace here (unshare --time --boottime: $why)"
	echo "0 0 1" >> "$results"
}

for s in $suites; do
	echo "== $s"
	case $s in
	unit) run_unit ;;
	contract|stress) run_scripts "$s" ;;
	contract-young) run_young ;;
	*) echo "unknown suite '$s'"; echo "0 1 0" >> "$results" ;;
	esac
done

read -r passed failed skipped < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$results")
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
# Nothing run at all is a failure; a suite that could only say SKIP is not.
[ "$failed" = 0 ] && { [ "$passed" -gt 0 ] || [ "$skipped" -gt 0 ]; }
