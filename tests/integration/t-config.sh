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
write_conf 'ical_summary = "";'
broken "an empty ical_summary" 5 "ical_summary: must be 1 to 64 bytes of text on one line"
write_conf "ical_summary = \"$(printf 'x%.0s' $(seq 1 65))\";"
broken "a long ical_summary" 5 "ical_summary: must be 1 to 64 bytes"
write_conf 'timezone = "Atlantis/Capital";'
out=$("$ECOD" -n -c "$CONF" 2>&1)
out=$("$ECOD" -n -c "$T/none.conf" 2>&1)
expect_match "a missing config file is named" "$out" \
    "$T/none.conf: cannot read"

# Descriptors: -n and start-up compare max_connections with RLIMIT_NOFILE,
# raising the soft limit to the hard one when that is enough.
write_conf
out=$(bash -c 'ulimit -n 100 && exec "$@"' - "$ECOD" -n -c "$CONF" 2>&1); st=$?
expect_eq "ecod -n with too few descriptors still checks the file" "$st" 0
expect_match "but says max_connections does not fit, and what to raise" \
    "$out" "warning: $CONF: max_connections = 256 needs 288 descriptors, but the limit \\(RLIMIT_NOFILE\\) is 100, hard 100: raise it \\(LimitNOFILE="
out=$(bash -c 'ulimit -S -n 100 && ulimit -H -n 4096 && exec "$@"' - \
    "$ECOD" -n -c "$CONF" 2>&1)
expect_eq "a soft limit under a hard one that fits is raised, silently" \
    "$out" "$CONF: configuration OK"
write_conf 'max_connections = 60;'
out=$(bash -c 'ulimit -n 100 && exec "$@"' - "$ECOD" -n -c "$CONF" 2>&1)
expect_eq "a max_connections that fits draws no warning" \
    "$out" "$CONF: configuration OK"

# --init takes an existing data directory only as 0700.
write_conf
mkdir -m 0755 "$T/data"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$ECOD" -c "$CONF" --init 2>&1); st=$?
	expect_eq "init that cannot tighten the data directory fails" "$st" 1
	expect_match "and says so" "$out" \
	    "$T/data: is mode 0755 and cannot be made 0700"
fi
ln -s "$T/data" "$T/data-link"
write_conf
sed -i 's/^data_dir = .*/data_dir = "data-link";/' "$CONF"
out=$("$ECOD" -c "$CONF" --init 2>&1); st=$?
expect_eq "init refuses a data directory that is a symbolic link" "$st" 1
expect_match "naming it" "$out" "data-link: exists and is not a directory ecod can use \\(a symbolic link\\)"
expect_eq "and leaves its target alone" "$(stat -c %a "$T/data")" 755
write_conf
check "init with relative paths" ecod_init
expect_eq "init makes an existing 0755 data directory 0700" \
    "$(stat -c %a "$T/data")" 700
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
