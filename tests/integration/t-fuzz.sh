#!/bin/bash
# The short fuzz run inside make test (and make asan): builds every
# libFuzzer target (make fuzz-build, so a clean clone works) and runs each
# for about 3 s (-max_total_time=2; libFuzzer looks at the clock once a
# second) on its committed seed corpus, which holds an input for
# every past finding. One line a target: "ok - fuzz NAME: N execs, cov C,
# ..." or "not ok - fuzz NAME: crashed ..." with the input that did it.
# The long run is make fuzz (FUZZ_SECONDS each).
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
secs=${ECO_FUZZ_SECONDS:-2}

if ! make -s --no-print-directory fuzz-build >"$T/build.log" 2>&1; then
	not_ok "fuzz: build the targets (make fuzz-build)"
	sed 's/^/#   /' "$T/build.log" | tail -20
	finish
fi
for name in $(make -s --no-print-directory fuzz-list); do
	if out=$(sh tests/fuzz/run.sh "$name" "$secs"); then
		ok "fuzz $out"
	else
		not_ok "fuzz $out"
	fi
done
finish
