#!/bin/bash
# The client under a hostile daemon and a hostile file system, and the
# daemon's bounds on one request's work:
#  - a fake daemon (tests/tools/fake-ecod.py) sends broken tree heads,
#    sizes past any limit, over-long, control-character and endless
#    replies, bad entries, an OK after a write that failed: ecoctl exits 1
#    with a clear message and no sanitizer report (make asan runs this);
#  - audit export refuses a directory that is a link, or not empty, and
#    never writes through a link planted at its files; the state file
#    writer neither; files 0600, new directories 0700;
#  - export and state files with over-long lines or damage are refused,
#    naming the line;
#  - past one page (ECO_AUDIT_PAGE_MAX, 1000) AUDIT-ENTRIES answers
#    ERR limit, and audit log, verify and export page through all of it;
#  - NOTE-BEGIN of the largest size on many connections does not make
#    the daemon allocate it; a note of many chunks still round-trips.
. "$(dirname "$0")/lib.sh"

FAKE_ECOD=$ROOT/tests/tools/fake-ecod.py
ECOLOAD=$ROOT/$BUILD/tests/ecoload
FSOCK=$T/fake.sock
FAKE_PID=
HOLD_PID=
stop_helpers() {
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID"
	[ -n "$HOLD_PID" ] && kill "$HOLD_PID" 2>/dev/null && wait "$HOLD_PID"
	FAKE_PID=
	HOLD_PID=
}
trap 'stop_helpers 2>/dev/null; cleanup' EXIT
SAN='Sanitizer|runtime error|LeakSanitizer'

AU_PK=$(make_key au)
export ECO_AUDIT_STATE=$T/audit-state

# fake_start MODE: a fake daemon on $FSOCK.
fake_start() {
	rm -f "$FSOCK"
	/usr/bin/python3 "$FAKE_ECOD" "$FSOCK" "$1" &
	FAKE_PID=$!
	i=0
	while [ ! -S "$FSOCK" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
}

# hostile MODE PATTERN ecoctl-args...: under the fake daemon in MODE,
# ecoctl exits 1, says PATTERN, and no sanitizer speaks.
hostile() {
	mode=$1 want=$2; shift 2
	fake_start "$mode"
	ECO_KEY=$T/au.key ECO_PASSPHRASE_FILE=$T/au.pass \
	    "$ECOCTL" -s "$FSOCK" "$@" >"$T/h.out" 2>"$T/h.err"
	st=$?
	stop_helpers
	expect_eq "$mode: ecoctl $1 exits 1" "$st" 1
	expect_match "  and says: $want" "$(cat "$T/h.err")" "$want"
	expect_no_match "  with no sanitizer report" "$(cat "$T/h.err")" "$SAN"
}

hostile head-unterminated "bad tree head from the daemon" audit log
hostile head-unterminated "bad tree head from the daemon" audit export \
    "$T/x0"
check "  and export made no directory" test ! -e "$T/x0"
hostile head-garbage "bad tree head from the daemon" audit log
hostile head-huge "bad tree head from the daemon" audit log
hostile head-nul "bad tree head from the daemon" audit log
hostile size-overflow "bad tree head from the daemon" audit log
hostile size-int64 "bad tree head from the daemon" audit export "$T/x1"
hostile size-signed "bad tree head from the daemon" audit log
hostile longline "reply line too long" ping
hostile escape "control character in line" ping
check "  and no escape byte reaches the terminal" \
    sh -c "! grep -q \"\$(printf '\\033')\" '$T/h.err'"
hostile badcode "bad error code" ping
hostile nul "control character in line" ping
hostile pipe "write: Broken pipe" ping
hostile entry-long "bad entry from the daemon" audit log
hostile entry-escape "audit entry 1 is not text" audit log
check "  and it was not printed" test ! -s "$T/h.out"
hostile entry-count "the daemon sent 1 entries, not 2" audit log
hostile entry-endless "bad reply from the daemon: more than" audit log

# The real daemon. Notes may be as large as the setting allows.
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;" "max_note_bytes = 16777216;" \
    "max_output_bytes = 33554432;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add au "$AU_PK"
audit() { as au audit "$@"; }
check "the auditor can read the log" audit log >/dev/null
VKEY=$(audit pubkey)

# Export: a file planted as a link, a directory that is a link, one not
# empty. The targets must stay as they were.
echo precious > "$T/victim"
mkdir "$T/e1"
ln -s "$T/victim" "$T/e1/checkpoint"
ln -s "$T/victim" "$T/e1/entries"
out=$(audit export "$T/e1" 2>&1); st=$?
expect_eq "export into a directory holding planted links exits 1" "$st" 1
expect_match "  because it is not empty" "$out" "not empty; refused"
out=$(audit export --force "$T/e1" 2>&1); st=$?
expect_eq "export --force over planted links exits 0" "$st" 0
expect_eq "  and the link's target is untouched" "$(cat "$T/victim")" precious
check "  the links were replaced by files of ours" \
    test -f "$T/e1/checkpoint" -a ! -L "$T/e1/checkpoint" \
    -a -f "$T/e1/entries" -a ! -L "$T/e1/entries"
expect_eq "  mode 0600" "$(stat -c %a "$T/e1/checkpoint" "$T/e1/entries" |
    sort -u)" 600
out=$("$ECOCTL" audit verify --dir "$T/e1" --pubkey "$VKEY" 2>&1)
expect_match "  and it verifies offline" "$out" "verified [0-9]+ entries offline"

mkdir "$T/elsewhere"
ln -s "$T/elsewhere" "$T/e2"
out=$(audit export "$T/e2" 2>&1); st=$?
expect_eq "export into a directory that is a link exits 1" "$st" 1
expect_match "  saying so" "$out" "symbolic link; refused"
out=$(audit export --force "$T/e2" 2>&1); st=$?
expect_eq "  --force too" "$st" 1
expect_eq "  and the link's target stays empty" "$(ls -A "$T/elsewhere")" ""

mkdir "$T/e3"
echo mine > "$T/e3/other"
out=$(audit export "$T/e3" 2>&1); st=$?
expect_eq "export into a directory not empty exits 1" "$st" 1
check "  writing nothing" test ! -e "$T/e3/checkpoint" -a ! -e "$T/e3/entries"
check "export --force into it" audit export --force "$T/e3"
expect_eq "  leaves the other file alone" "$(cat "$T/e3/other")" mine

check "export into a new directory" audit export "$T/e4"
expect_eq "  made 0700" "$(stat -c %a "$T/e4")" 700
expect_eq "  files 0600" "$(stat -c %a "$T/e4/checkpoint" "$T/e4/entries" |
    sort -u)" 600
expect_eq "  and no temporary file is left" "$(ls -A "$T/e4" | tr '\n' ' ')" \
    "checkpoint entries "

# The export reader: a line over the bound is refused by number (it was
# split at 1 KiB before); a long but valid base64 line too.
cp -a "$T/e4" "$T/e5"
head -c 3000 /dev/zero | base64 -w0 >> "$T/e5/entries"; echo >> "$T/e5/entries"
n=$(wc -l < "$T/e5/entries")
out=$("$ECOCTL" audit verify --dir "$T/e5" --pubkey "$VKEY" 2>&1); st=$?
expect_eq "an export line over the bound: offline verify exits 1" "$st" 1
expect_match "  naming the line" "$out" "line $n is longer than [0-9]+ bytes"
cp -a "$T/e4" "$T/e6"
head -c 5000000 /dev/zero | tr '\0' A >> "$T/e6/entries"
out=$("$ECOCTL" audit verify --dir "$T/e6" --pubkey "$VKEY" 2>&1); st=$?
expect_eq "a 5 MB line with no end: exits 1" "$st" 1
expect_match "  naming it" "$out" "line $n is longer than"
expect_no_match "  with no sanitizer report" "$out" "$SAN"

# The state file: written through no planted link, 0600, folder 0700.
echo precious > "$T/victim2"
ln -s "$T/victim2" "$T/st1.new"		# the old writer's temporary name
out=$(audit verify --state "$T/st1" 2>&1); st=$?
expect_eq "verify with a link planted at the state's temporary name" "$st" 0
expect_match "  verifies" "$out" "^verified"
expect_eq "  leaves the link's target alone" "$(cat "$T/victim2")" precious
expect_eq "  and writes the state 0600" "$(stat -c %a "$T/st1")" 600
cp "$T/st1" "$T/victim3"
ln -s "$T/victim3" "$T/st2"
check "verify with the state file itself a link" \
    eval 'audit verify --state "$T/st2" >/dev/null 2>&1'
check "  replaces the link, not its target" \
    sh -c "test -f '$T/st2' -a ! -L '$T/st2' && cmp -s '$T/st1' '$T/victim3'"
check "verify with a state in a new folder" \
    eval 'audit verify --state "$T/stdir/state" >/dev/null 2>&1'
expect_eq "  makes the folder 0700" "$(stat -c %a "$T/stdir")" 700
mkdir "$T/realdir"
ln -s "$T/realdir" "$T/linkdir"
out=$(audit verify --state "$T/linkdir/state" 2>&1); st=$?
expect_eq "a state folder that is a link is refused" "$st" 1
expect_match "  saying so" "$out" "symbolic link; refused"
{ cat "$T/st1"; echo "extra line"; } > "$T/st3"
out=$(audit verify --state "$T/st3" 2>&1); st=$?
expect_eq "a damaged state file is refused" "$st" 1
expect_match "  naming the line" "$out" \
    "damaged state file: line $(($(wc -l < "$T/st1") + 1))"
sed 's/^size .*/size 99999999999999999999/' "$T/st1" > "$T/st4"
out=$(audit verify --state "$T/st4" 2>&1); st=$?
expect_eq "a state size past the limit is refused" "$st" 1
expect_match "  naming the line" "$out" "damaged state file: line 3"
{ echo "eco-audit-state-v1"; printf 'pubkey %0600d\n' 0; } > "$T/st5"
out=$(audit verify --state "$T/st5" 2>&1); st=$?
expect_eq "a long pubkey in the state file is refused" "$st" 1
expect_no_match "  with no sanitizer report" "$out" "$SAN"

# Paging: more entries than one page.
out=$("$ECOLOAD" enrol "$SOCK" 1100)
expect_eq "1100 enrolments (1100 audit entries)" "$out" "enrolled 1100"
out=$("$ECOLOAD" entries "$SOCK" 1 1001)
expect_match "AUDIT-ENTRIES for 1001 entries gets ERR limit" "$out" \
    "^ERR limit at most 1000 entries a request$"
expect_match "  with no data lines" "$out" "^0 data lines"
expect_match "  and the same connection still answers" "$out" "^then: OK PONG"
out=$("$ECOLOAD" entries "$SOCK" 101 1100)
expect_match "AUDIT-ENTRIES for exactly 1000 entries is served" "$out" \
    "^1000 data lines"
expect_match "  ending OK" "$out" "^OK$"
check "another client is served meanwhile" eval 'ctl ping >/dev/null'
log=$(audit log)
n=$(printf '%s\n' "$log" | wc -l)
check "audit log sees more than a page ($n entries)" test "$n" -gt 1100
expect_eq "  every one, in order" "$(printf '%s\n' "$log" | cut -f1 |
    awk '$1 != NR { bad = 1 } END { print bad ? "gap" : NR }')" "$n"
expect_eq "audit log --since 995 pages too, from 995 to the end" \
    "$(audit log --since 995 | cut -f1 |
    awk '$1 != NR + 994 { bad = 1 } END { print bad ? "gap" : (NR > 106) }')" 1
out=$(audit verify --state "$T/pst" 2>/dev/null)
expect_match "audit verify over pages" "$out" "^verified [0-9]{4} entries"
"$ECOLOAD" enrol "$SOCK" 5 >/dev/null
out=$(audit verify --state "$T/pst" 2>/dev/null)
expect_match "  and again: consistent with the size before" "$out" \
    "consistent with size [0-9]{4} verified before"
check "audit export over pages" audit export "$T/big"
expect_eq "  all the entries the head covers" "$(wc -l < "$T/big/entries")" \
    "$(sed -n 2p "$T/big/checkpoint")"
out=$("$ECOCTL" audit verify --dir "$T/big" --pubkey "$VKEY")
expect_match "  and they verify offline" "$out" "^verified [0-9]{4} entries offline"

# Uploads grow as chunks come: many connections that each declare the
# largest note and send nothing do not make the daemon allocate them.
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$ECOD_PID/status"; }
rss0=$(status_kb VmRSS)
data0=$(status_kb VmData)
mkfifo "$T/hold"
"$ECOLOAD" notes "$SOCK" 64 16777216 < "$T/hold" > "$T/held" &
HOLD_PID=$!
exec 9>"$T/hold"
i=0
while ! grep -q held "$T/held" 2>/dev/null && [ $i -lt 1200 ]; do
	sleep 0.1; i=$((i + 1))
done
expect_eq "64 connections each declared a 16 MiB note" "$(cat "$T/held")" \
    "held 64"
rss1=$(status_kb VmRSS)
data1=$(status_kb VmData)
echo "# daemon VmRSS ${rss0} kB -> ${rss1} kB, VmData ${data0} kB -> ${data1} kB"
check "  the daemon's VmRSS grew by less than 64 MiB" \
    test $((rss1 - rss0)) -lt 65536
check "  its VmData by less than 256 MiB (not 64 x 16 MiB)" \
    test $((data1 - data0)) -lt 262144
check "  and another client is served" eval 'ctl ping >/dev/null'
exec 9>&-
wait "$HOLD_PID"
HOLD_PID=

as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 50 >/dev/null
ctl book 1 >/dev/null
head -c 300000 /dev/urandom | base64 > "$T/long.txt"
id=$(as ana note write 1 --file "$T/long.txt"); st=$?
expect_eq "a note of many chunks is stored" "$st" 0
as ana note open "$id" > "$T/long.out"
check "  and opens byte for byte" cmp -s "$T/long.txt" "$T/long.out"
check "the daemon stops" ecod_stop

finish
