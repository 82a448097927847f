#!/bin/sh
# Runs every test: the cmocka unit tests, then the integration scripts
# (each starts its own daemon under a temporary directory). Ends with
# "N passed, N failed" and exits non-zero if anything failed.
BUILD=${ECO_BUILD:-build}
export ECO_BUILD="$BUILD"
pass=0
fail=0
crashed=""

for t in "$BUILD"/tests/test_*; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -E '^\[ *(PASSED|FAILED|  OK|RUN) *\]' | \
	    grep -v -E '^\[ (RUN|      OK) ' 
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p')
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p')
	pass=$((pass + ${p:-0}))
	fail=$((fail + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
		printf '%s\n' "$out" | tail -20
		fail=$((fail + 1))
		crashed="$crashed $t"
	fi
done

for t in tests/integration/t-*.sh; do
	echo "# $t"
	out=$(bash "$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | grep -c '^ok ')
	f=$(printf '%s\n' "$out" | grep -c '^not ok ')
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		fail=$((fail + 1))
		crashed="$crashed $t"
	fi
done

[ -n "$crashed" ] && echo "crashed or exited non-zero:$crashed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
