#!/bin/bash
# A broken config stops ecod with FILE:LINE: what is wrong; relative paths
# are relative to the config file, wherever ecod is started from.
. "$(dirname "$0")/lib.sh"

# broken NAME LINE PATTERN: the config as written fails at LINE.
broken() {
	out=$("$ECOD" -n -c "$CONF" 2>&1); st=$?
	expect_eq "$1: ecod -n exits 1" "$st" 1
	expect_match "$1: names file and line" "$out" "^ecod: $CONF:$2: $3"
	ecod_fails_to_start
	expect_match "$1: start names file and line" "$OUT" "$CONF:$2: $3"
}

write_conf "" "no_such_setting = 1;"
broken "unknown setting" 6 'unknown setting "no_such_setting"'
write_conf "max_connections = \"lots\";"
broken "wrong type" 5 "max_connections must be an integer"
write_conf "" "" "max_line_bytes = 10;"
broken "out of range" 7 "max_line_bytes is out of range \\(256 to 1048576\\)"
write_conf "max_connections = = 30;" "log = \"stderr\";"
broken "syntax error" 5 "syntax error"
write_conf 'log = "file";'
broken "bad choice" 5 "log is not one of the allowed values"
write_conf 'timezone = "Atlantis/Capital";'
out=$("$ECOD" -n -c "$CONF" 2>&1)
expect_match "unknown time zone named" "$out" \
    "$CONF: timezone: unknown time zone \"Atlantis/Capital\""
out=$("$ECOD" -n -c "$T/none.conf" 2>&1)
expect_match "a missing config file is named" "$out" \
    "$T/none.conf: cannot read"

write_conf
check "init with relative paths" ecod_init
check "the data directory is beside the config" test -f "$T/data/ecod.db"
check "the key file is beside the config" test -f "$T/master.key"
cd /
"$ECOD" -c "$CONF" >>"$LOG" 2>&1 &
ECOD_PID=$!
for i in $(seq 1 100); do ctl ping >/dev/null 2>&1 && break; sleep 0.05; done
expect_eq "started from another folder, it serves the config's socket" \
    "$(ctl ping 2>&1)" "PONG"
check "stops cleanly" ecod_stop

write_conf 'log = "syslog";'
: > "$LOG"
ecod_start
expect_eq "log = syslog serves too" "$(ctl ping 2>&1)" "PONG"
check "and keeps stderr quiet" test ! -s "$LOG"
check "stops cleanly" ecod_stop

finish
