#!/bin/bash
# Hostile clients cannot lock anyone out: a slowloris is closed by the
# request deadline while root still pings; one uid cannot take more than
# max_connections_per_uid; admin uids keep reserved slots while others fill
# the rest; past the descriptor limit a connect gets ERR busy at once; a
# client that pipelines without reading is closed past max_output_bytes.
# The daemon keeps serving throughout.
. "$(dirname "$0")/lib.sh"

need_peers "hostile test"
if [ ! -x /usr/bin/python3 ]; then
	not_ok "hostile test has /usr/bin/python3"
	finish
fi
HOSTILE=$ROOT/tests/tools/hostile.py
OUT=$T/out
mkdir -m 1777 "$OUT"

# hostile UID mode args...: the hostile tool as that uid, in the background;
# wait_hostile waits for every one started.
HPIDS=()
hostile() {
	u=$1; shift
	as_uid "$u" /usr/bin/python3 "$HOSTILE" "$@" &
	HPIDS+=($!)
}
wait_hostile() { wait "${HPIDS[@]}"; HPIDS=(); }
# wait_file FILE [SECONDS]: waits until FILE exists.
wait_file() {
	n=0
	while [ ! -f "$1" ] && [ $n -lt $(( ${2:-30} * 10 )) ]; do
		sleep 0.1; n=$((n + 1))
	done
	[ -f "$1" ]
}
# field FILE NAME: a name=value from the tool's output.
field() { sed -n "s/^$2=//p" "$1"; }
# timed_ping [ctl-args]: ping, its output in $PING and seconds in $PING_S.
timed_ping() {
	t0=$(date +%s.%N)
	PING=$(timeout 20 "$ECOCTL" -s "$SOCK" "$@" ping 2>&1)
	PING_S=$(awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $t0 }")
}
# lt A B: the number A is below B ("-", no number, is not).
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "-" && a + 0 < b + 0) }'; }

write_conf 'socket_group = "nogroup";' 'request_timeout_seconds = 5;' \
    'max_connections_per_uid = 0;'
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
pid=$ECOD_PID

# 1. Slowloris: 300 connections (past max_connections = 256), one byte each
# every 2 s, never a newline. The reserve keeps root's slots free; the
# deadline closes every one about 5 s after its first byte.
hostile nobody slowloris "$SOCK" 300 2 30 "$OUT/slow"
wait_file "$OUT/slow" || not_ok "the slowloris connects"
echo "# slowloris: $(tr '\n' ' ' < "$OUT/slow")"
sleep 1
timed_ping
echo "# root ping during the slowloris: $PING in ${PING_S}s"
expect_eq "root pings during the slowloris" "$PING" "PONG"
out=$(as_uid 40001 "$ECOCTL" -s "$SOCK" ping 2>&1)
expect_match "another uid is told the daemon is busy" "$out" "busy|too many"
wait_file "$OUT/slow.done" 40 || not_ok "the slowloris ends"
wait_hostile
echo "# slowloris end: $(tr '\n' ' ' < "$OUT/slow.done")"
held=$(field "$OUT/slow.done" held)
expect_eq "the slowloris held every slot but the admin reserve" "$held" 252
expect_eq "the rest got ERR busy" "$(field "$OUT/slow.done" busy)" 48
expect_eq "the deadline closed every slow connection" \
    "$(field "$OUT/slow.done" still_open)" 0
expect_eq "each with ERR timeout" "$(field "$OUT/slow.done" err_timeout)" \
    "$held"
late=$(field "$OUT/slow.done" max_close_after)
check "none lasted much past request_timeout_seconds (max ${late}s)" \
    lt "$late" 12
expect_eq "afterwards another uid is served" \
    "$(as_uid 40001 "$ECOCTL" -s "$SOCK" ping 2>&1)" "PONG"
expect_match "request timeouts are counted" "$(ctl stats)" \
    "request_timeouts	(25[2-9]|2[6-9][0-9]|[3-9][0-9][0-9])"
check "stops" ecod_stop
n=$(grep -c 'connections in the last' "$LOG")
check "49 refusals are logged as $n summary lines, not one each" \
    test "$n" -ge 1 -a "$n" -le 3
expect_match "the summary counts them" "$(cat "$LOG")" \
    "refused [0-9]+ connections in the last 10 seconds: [0-9]+ at max_connections"

# 2. The per-uid cap, and the admin reserve against a fill by many uids.
write_conf 'socket_group = "nogroup";' 'max_connections = 40;' \
    'max_connections_per_uid = 8;' 'admin_reserved_connections = 4;'
ecod_start || not_ok "daemon restarts"
pid=$ECOD_PID
hostile nobody hold "$SOCK" 20 12 "$OUT/uid"
wait_file "$OUT/uid" || not_ok "one uid connects"
echo "# one uid: $(tr '\n' ' ' < "$OUT/uid")"
expect_eq "one uid holds max_connections_per_uid" "$(field "$OUT/uid" held)" 8
expect_eq "the rest get ERR busy for the uid" \
    "$(field "$OUT/uid" busy_uid)" 12
expect_eq "another uid is still served" \
    "$(as_uid 40001 "$ECOCTL" -s "$SOCK" ping 2>&1)" "PONG"
for u in 40001 40002 40003 40004; do
	hostile $u hold "$SOCK" 8 10 "$OUT/fill$u"
	wait_file "$OUT/fill$u" || not_ok "uid $u connects"
done
total=8
for u in 40001 40002 40003 40004; do
	total=$((total + $(field "$OUT/fill$u" held)))
done
echo "# five uids hold $total of max_connections 40"
expect_eq "non-admins fill all but the admin reserve" "$total" 36
out=$(as_uid 40009 "$ECOCTL" -s "$SOCK" ping 2>&1); st=$?
expect_eq "then a further non-admin is refused (exit 1)" "$st" 1
expect_match "with ERR busy" "$out" "too many connections"
timed_ping
echo "# root ping with non-admins filling the rest: ${PING_S}s"
expect_eq "root still gets in" "$PING" "PONG"
s=$(ctl stats)
expect_match "per-uid refusals are counted" "$s" \
    "connections_refused_uid	1[2-9]"
expect_match "full refusals are counted" "$s" "connections_refused_full	[1-9]"
wait_hostile
check "stops" ecod_stop

# 3. Out of descriptors: the daemon gets ulimit -n 64 (hard too), so
# max_connections = 256 cannot fit: it says so, and serves; a connect past
# the limit gets ERR busy at once, not a hang.
write_conf 'socket_group = "nogroup";'
: > "$LOG"
ECOD_WRAP=(bash -c 'ulimit -n 64 && exec "$@"' ecod-wrap)
ecod_start || not_ok "daemon starts with ulimit -n 64"
ECOD_WRAP=()
pid=$ECOD_PID
expect_match "the start-up warns that max_connections does not fit" \
    "$(cat "$LOG")" "max_connections = 256 needs 288 descriptors.*RLIMIT_NOFILE\) is 64.*LimitNOFILE="
hostile 0 hold "$SOCK" 100 8 "$OUT/fd"
wait_file "$OUT/fd" || not_ok "the descriptor flood connects"
echo "# descriptor flood: $(tr '\n' ' ' < "$OUT/fd")"
check "connections up to the descriptor limit are held" \
    test "$(field "$OUT/fd" held)" -ge 30
check "every one past it gets ERR busy" \
    test "$(field "$OUT/fd" busy_nofile)" -eq $((100 - $(field "$OUT/fd" held)))
timed_ping
echo "# ping past the descriptor limit: $PING in ${PING_S}s"
expect_match "a ping past the limit gets ERR busy" "$PING" \
    "out of descriptors"
check "promptly (${PING_S}s)" lt "$PING_S" 5
wait_hostile
sleep 0.5
expect_eq "once the flood ends, root is served" "$(ctl ping 2>&1)" "PONG"
expect_match "descriptor refusals are counted" "$(ctl stats)" \
    "connections_refused_nofile	[1-9]"
check "stops" ecod_stop
expect_eq "logged as one summary line" \
    "$(grep -c 'out of descriptors' "$LOG")" 1

# 4. A client that pipelines without reading is closed past
# max_output_bytes; others are served meanwhile.
write_conf 'socket_group = "nogroup";' 'max_output_bytes = 786432;' \
    'max_note_bytes = 65536;'
: > "$LOG"
ecod_start || not_ok "daemon restarts"
pid=$ECOD_PID
hostile 40001 pipeline "$SOCK" 5000 3 "$OUT/pipe"
wait_file "$OUT/pipe" || not_ok "the pipeliner sends"
expect_eq "others are served while it does not read" \
    "$(as_uid 40002 "$ECOCTL" -s "$SOCK" ping 2>&1)" "PONG"
wait_file "$OUT/pipe.done" 30
wait_hostile
echo "# pipeliner: $(tr '\n' ' ' < "$OUT/pipe.done")"
expect_eq "the non-reader is closed" "$(field "$OUT/pipe.done" closed)" yes
check "having got far less than its replies" \
    test "$(field "$OUT/pipe.done" received)" -lt 2000000
expect_match "the overflow is counted" "$(ctl stats)" "output_overflows	1"
expect_match "and logged by connection id" "$(cat "$LOG")" \
    "connection [0-9]+: output over 786432 bytes; closing"
expect_no_match "with no uid in the log" "$(cat "$LOG")" "40001"

# The daemon kept running through all of it.
check "the daemon is the same process" kill -0 "$pid"
expect_eq "and answers" "$(ctl ping 2>&1)" "PONG"
check "stops cleanly" ecod_stop

finish
