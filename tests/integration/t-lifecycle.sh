#!/bin/bash
# Init, start, ping, stats, stop; refusals; ecoctl's exit statuses.
. "$(dirname "$0")/lib.sh"

write_conf
out=$("$ECOD" -n -c "$CONF" 2>&1)
expect_match "ecod -n accepts a good config" "$out" "configuration OK$"

ecod_fails_to_start
expect_match "start without an instance is refused, pointing at --init" \
    "$OUT" "no instance here.*--init"

check "ecod --init creates an instance" ecod_init
expect_eq "data directory is mode 700" "$(stat -c %a "$T/data")" 700
expect_eq "master key file is mode 600" "$(stat -c %a "$KEY")" 600
expect_eq "master key file holds 32 bytes" "$(stat -c %s "$KEY")" 32
before=$(cksum < "$DB")$(cksum < "$KEY")
ecod_init
expect_match "a second --init refuses" "$(cat "$T/init.out")" \
    "exists already; refusing"
expect_eq "the refused --init touched nothing" \
    "$(cksum < "$DB")$(cksum < "$KEY")" "$before"

check "ecod starts" ecod_start
expect_eq "ping answers" "$(ctl ping)" "PONG"
expect_eq "socket is mode 600 without socket_group" \
    "$(stat -c %a "$SOCK")" 600
stats=$(ctl stats)
expect_match "stats shows uptime" "$stats" "^uptime_seconds	[0-9]+$"
expect_match "stats shows connections" "$stats" "^connections	1$"
expect_match "stats counts sealed rows (instance, audit key, head, tag mark)" \
    "$stats" "^rows_meta	4$"
expect_match "and audit entries" "$stats" "^rows_audit	[1-9]"
expect_eq "admin stats is the same command" \
    "$(ctl admin stats | cut -f1)" "$(echo "$stats" | cut -f1)"
expect_eq "ECO_SOCKET names the socket" "$(ECO_SOCKET=$SOCK "$ECOCTL" ping)" \
    "PONG"

ecod_fails_to_start
expect_match "a second daemon on the same instance is refused" "$OUT" \
    "another ecod is running"
mkdir "$T/other"
sed 's|"data"|"other/data"|; s|"master.key"|"other/master.key"|' "$CONF" \
    > "$T/other.conf"
"$ECOD" -c "$T/other.conf" --init >/dev/null 2>&1
OUT=$("$ECOD" -c "$T/other.conf" 2>&1 </dev/null)
expect_match "a second daemon on the same socket is refused" "$OUT" \
    "another ecod is listening"
expect_eq "the first daemon still answers" "$(ctl ping)" "PONG"

check "SIGTERM stops the daemon with status 0" ecod_stop
check "the socket file is removed on stop" test ! -e "$SOCK"
expect_match "the log says it stopped" "$(cat "$LOG")" "stopped"

ecod_start
kill -KILL "$ECOD_PID"; wait "$ECOD_PID" 2>/dev/null; ECOD_PID=
check "after kill -9 a stale socket file remains" test -S "$SOCK"
check "a restart replaces the stale socket" ecod_start
expect_eq "and serves" "$(ctl ping)" "PONG"
ecod_stop

: > "$SOCK.tmp"; mv "$SOCK.tmp" "$SOCK"
ecod_fails_to_start
expect_match "a plain file at the socket path is refused" "$OUT" \
    "exists and is not a socket"
rm -f "$SOCK"

out=$(ctl ping 2>&1); st=$?
expect_eq "ecoctl without a daemon exits 1" "$st" 1
expect_match "and says the daemon is not running" "$out" "is ecod running"
"$ECOCTL" >/dev/null 2>&1
expect_eq "ecoctl without a command exits 2" "$?" 2
"$ECOCTL" frobnicate >/dev/null 2>&1
expect_eq "ecoctl with an unknown command exits 2" "$?" 2
"$ECOCTL" ping extra >/dev/null 2>&1
expect_eq "ecoctl with extra arguments exits 2" "$?" 2
"$ECOCTL" -Z ping >/dev/null 2>&1
expect_eq "ecoctl with an unknown option exits 2" "$?" 2
expect_match "ecoctl --help lists commands" "$("$ECOCTL" --help)" "ping"
expect_match "ecoctl --version" "$("$ECOCTL" --version)" "^ecoctl [0-9]"
expect_match "ecod -V" "$("$ECOD" -V)" "^ecod [0-9]"
"$ECOD" --bogus >/dev/null 2>&1
expect_eq "ecod with an unknown option exits 2" "$?" 2

finish
