#!/bin/sh
# run.sh NAME SECONDS: runs the libFuzzer target build-fuzz/fuzz_NAME for
# SECONDS on a fresh working corpus (build-fuzz/corpus/NAME) seeded from
# tests/fuzz/corpus/NAME, with tests/fuzz/NAME.dict if there is one.
# Prints one line, "NAME: N execs, cov C, ft F, corpus K" and exits 0, or
# "NAME: crashed ..." with the crash file and exits 1. Run from the top of
# the tree; the full log is build-fuzz/NAME.log.
name=$1
secs=${2:-60}
dir=${FUZZ_DIR:-build-fuzz}
bin=$dir/fuzz_$name
work=$dir/corpus/$name
log=$dir/$name.log

if [ ! -x "$bin" ]; then
	echo "$name: no $bin (make fuzz-build)"
	exit 1
fi
rm -rf "$work"
mkdir -p "$work" "$dir/crashes"
set -- -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$name-"
[ -f "tests/fuzz/$name.dict" ] && set -- "$@" -dict="tests/fuzz/$name.dict"
ASAN_OPTIONS=detect_leaks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$bin" "$@" "$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
rc=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
last=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -1)
cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
if [ "$rc" -ne 0 ]; then
	crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	why=$(grep -m1 -E '^SUMMARY|ERROR: ' "$log")
	echo "$name: crashed after ${execs:-?} execs: ${why:-exit $rc};" \
	    "input ${crash:-not written}, log $log"
	exit 1
fi
echo "$name: ${execs:-?} execs, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
