#!/usr/bin/env bash
# The quick slice of `make fuzz` inside `make test` (issue 5): every libFuzzer
# target (hook input, lock record, /proc stat line) is built and run for a
# few seconds from the fixtures; each must run and find no crash, leak or
# hang. Without clang's libFuzzer the case is reported as skipped, loudly.
. "$(dirname "$0")/../lib.sh"
. "$SL_ROOT/tests/tools/crit_lib.bash"

secs=$(crit_size 3 30 3)

t_begin "fuzz slice: every target runs ${secs} s from the fixtures with 0 crashes"
out=$T/fuzz
if ! command -v clang > /dev/null; then
	t_skip "clang is not installed (apt-get install clang libclang-rt-14-dev); run 'make fuzz'"
else
	FUZZ_SECONDS=$secs FUZZ_OUT=$out bash "$SL_ROOT/tests/fuzz/run.sh" > "$T/log" 2>&1
	rc=$?
	grep '^fuzz: ' "$T/log" | sed 's/^/  /'
	if grep -q 'build failed' "$T/log" && cat "$out"/*/build.log 2>/dev/null | grep -q 'libclang_rt\.fuzzer'; then
		t_skip "clang has no libFuzzer runtime (apt-get install libclang-rt-14-dev)"
	elif [ "$rc" != 0 ]; then
		tail -n 40 "$T/log"
		t_fail "tests/fuzz/run.sh exited $rc"
	else
		n=$(grep -c ' 0 crashes$' "$T/log")
		targets=$(ls "$SL_ROOT"/tests/fuzz/fuzz_*.c | wc -l)
		assert_eq "$n" "$((targets + 1))" "targets that ran with 0 crashes (and the total line)"
		grep -E '^fuzz: fuzz_[a-z]+: 0 executions' "$T/log" && t_fail "a target ran no input"
	fi
fi
t_end

t_finish
