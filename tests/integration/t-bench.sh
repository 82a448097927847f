#!/bin/bash
# make bench in a tiny form (small counts, short runs): it runs, and it
# prints its fifteen figures, each with its raw limit, ratio and target.
. "$(dirname "$0")/lib.sh"

out=$(BENCH_SECS=0.2 BENCH_BOOKED=500 BENCH_CONNS=4 BENCH_PER=3 \
    BENCH_BOOK1=5 BENCH_RAWTX=10 BENCH_HIST=300 BENCH_IDLE=50 \
    BENCH_DIR=$T sh "$ROOT/tests/bench/bench.sh" 2>&1)
st=$?
expect_eq "the bench exits 0" "$st" 0
[ "$st" -eq 0 ] || printf '#   %s\n' "$out"
expect_eq "it prints fifteen figures" \
    "$(printf '%s\n' "$out" | grep -c -E ' raw .* ratio .* target ')" 15
for f in "PING, one connection" "SLOTS, 50 free slots" \
    "SLOTS, 50 free, 500 booked" "durable BOOK, 4 connections" \
    "durable BOOK, one connection, median" "PING p99 while 4" \
    "ecod CPU per booking, 4 connections" \
    "avail add --weekly 52, 500 slots" "50 idle connections, ecod RSS" \
    "PING median beside 50 idle" "start-up, 1800 sealed rows" \
    "ecod RSS after that start" "audit verify, all [0-9]+ entries" \
    "PING max while that verify" "audit verify, 10[0-9]+ new entries"; do
	expect_match "a line for $f, with a number" "$out" \
	    "^$f.* [0-9.]+( us| ms|/s| s| MiB) "
done
check "no instance is left behind" test -z "$(ls "$T" | grep eco-bench)"
finish
