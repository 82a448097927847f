#!/bin/bash
# Hostile and malformed input: each gets one ERR line, the connection and
# every other client go on being served.
. "$(dirname "$0")/lib.sh"

write_conf "max_line_bytes = 2048;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }

# send BYTES: a raw session on one connection; prints the replies.
send() { printf "$1" | "$RAWSOCK" "$SOCK"; }

# bad NAME REQUEST CODE: after HELLO, REQUEST gets "ERR CODE", the PING
# after it on the same connection still works, and ecoctl is served.
bad() {
	out=$(send "HELLO 1\n$2\nPING\n")
	expect_match "$1: ERR $3" "$(echo "$out" | sed -n 2p)" "^ERR $3 "
	expect_eq "$1: same connection goes on" "$(echo "$out" | sed -n 3p)" \
	    "OK PONG"
	expect_eq "$1: another client is served" "$(ctl ping 2>&1)" "PONG"
}

out=$(send "HELLO 1\nPING\n")
expect_eq "handshake then ping" "$out" "$(printf 'OK ECO 1 ecod/0.1.0\nOK PONG')"
out=$(send "HELLO 1\nINFO\n")
expect_eq "INFO gives what a client shows people, nothing about anyone" \
    "$(echo "$out" | sed -n '2,$p' | sed 's/^\* instance [0-9a-f]\{16\}$/* instance HEX/')" \
    "$(printf '* timezone America/Mexico_City\n* instance HEX\n* min_notice_minutes 120\n* cancel_window_minutes 1440\n* ical_summary Cita\nOK')"
out=$(send "PING\n")
expect_match "a verb before HELLO is refused" "$out" "^ERR hello "
out=$(send "HELLO 2\nHELLO 1\nPING\n")
expect_match "an unknown protocol version is refused" \
    "$(echo "$out" | head -1)" "^ERR version "
expect_eq "and the right one still works" "$(echo "$out" | tail -1)" "OK PONG"
bad "HELLO twice" "HELLO 1" hello
bad "unknown verb" "FROBNICATE" unknown
bad "missing field" "HELLO" usage
bad "extra field" "PING now" usage
bad "invalid UTF-8" "PING \xff\xfe" proto
bad "overlong UTF-8" "PING \xc0\xaf" proto
bad "NUL byte" "PI\000NG" proto
bad "control character" "PING \033[2J" proto
bad "unterminated quote" 'PING "abc' proto
bad "bad escape" 'PING "a\\nb"' proto
bad "too many fields" "$(printf 'x %.0s' $(seq 1 40))" proto
long=$(head -c 5000 /dev/zero | tr '\0' 'A')
bad "line over max_line_bytes" "$long" toolong
out=$(send "HELLO 1\n$(head -c 2048 /dev/zero | tr '\0' 'A')\n")
expect_match "a line of exactly max_line_bytes is read (not too long)" \
    "$(echo "$out" | sed -n 2p)" "^ERR unknown "

# Two megabytes with no newline: one ERR, skipped to the next newline.
out=$( { printf 'HELLO 1\n'; head -c 2000000 /dev/zero | tr '\0' 'x';
    printf '\nPING\n'; } | "$RAWSOCK" "$SOCK")
expect_eq "a 2 MB flood without newline gets one ERR toolong" \
    "$(echo "$out" | grep -c '^ERR toolong')" 1
expect_eq "and the connection recovers at the next line" \
    "$(echo "$out" | tail -1)" "OK PONG"

out=$(send "HELLO 1\r\nPING\r\n")
expect_eq "CRLF line ends are accepted" "$(echo "$out" | tail -1)" "OK PONG"
out=$(send "HELLO 1\n\n   \nPING\n")
expect_eq "blank lines get no reply" "$(echo "$out" | wc -l)" 2
out=$(send "hello 1\nping\n")
expect_eq "verbs are case-insensitive" "$(echo "$out" | tail -1)" "OK PONG"

out=$( { printf 'HELLO 1\n'; for i in $(seq 1 2000); do echo PING; done; } |
    "$RAWSOCK" "$SOCK")
expect_eq "2000 pipelined requests get 2000 replies in order" \
    "$(echo "$out" | grep -c '^OK PONG$')" 2000

out=$(send "HELLO 1\nHELP\n")
expect_match "HELP lists the verbs" "$out" "^\\* PING$"
expect_no_match "HELP hides nothing a caller may use" "$out" "^ERR"
out=$(send "HELLO 1\nQUIT\nPING\n")
expect_eq "QUIT answers and closes" "$out" \
    "$(printf 'OK ECO 1 ecod/0.1.0\nOK BYE')"

expect_no_match "the log holds no client input" "$(cat "$LOG")" \
    "FROBNICATE|AAAA|xxxx"
check "the daemon survived all of it" kill -0 "$ECOD_PID"
check "and stops cleanly" ecod_stop

# Idle timeout and the connection limit, on a daemon with small limits.
write_conf "max_connections = 3;" "idle_timeout_seconds = 2;"
sed -i '/idle_timeout_seconds = 30;/d' "$CONF"
ecod_start || not_ok "daemon restarts with small limits"
start=$(date +%s)
out=$(printf 'HELLO 1\n' | "$RAWSOCK" -q 10 "$SOCK")
took=$(( $(date +%s) - start ))
expect_match "an idle connection is told why it is closed" "$out" \
    "^ERR timeout "
check "and closed after about idle_timeout_seconds" test "$took" -le 5

printf 'HELLO 1\n' | "$RAWSOCK" -c 3 -q 1 "$SOCK" > "$T/held" &
held=$!
sleep 0.5
out=$(ctl ping 2>&1); st=$?
expect_eq "past max_connections ecoctl exits 1" "$st" 1
expect_match "and says the daemon is busy" "$out" "too many connections"
wait $held
sleep 0.2
expect_eq "once they close, clients are served again" "$(ctl ping)" "PONG"
expect_match "refused connections are counted" "$(ctl stats)" \
    "connections_refused	[1-9]"
check "the daemon stops cleanly" ecod_stop

finish
