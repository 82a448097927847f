#!/bin/bash
# Hostile logins and refusals (issue 10, findings 2 and 3). An attacker's
# failed logins for ana's name, from another uid, do not stop the real ana
# logging in at once; enrolled, unknown and revoked names get the same
# answer, byte for byte, in the same time; a burst of failures leaves a few
# entries whose counts add up to the burst, flushed by the window's timer
# and at shutdown (kinds past 31 share one entry); refused verbs, notes
# and messages are recorded; a start that fails (socket in use, socket
# path broken) records nothing.
. "$(dirname "$0")/lib.sh"

need_peers "abuse test"
nobody=$(id -u nobody)
as_nobody() { as_uid nobody "$@"; }
cp "$ROOT/tests/tools/authprobe.py" "$T/authprobe.py"
# probe TRIES PER GROUP=NAMES...: failed logins from the uid nobody.
probe() { as_nobody /usr/bin/python3 "$T/authprobe.py" "$SOCK" "$@"; }
FAILS=0		# failed logins this test made, all of which must be counted
export ECO_AUDIT_STATE=$T/audit-state
audit() { as au audit "$@"; }
# failed_sum LOG: the failed logins the log accounts for, one by one and
# in summaries ("failed x N in T s").
failed_sum() {
	printf '%s\n' "$1" | awk -F'\t' '$4 == "login" && $6 == "failed" { n++ }
	    $4 == "login" && $6 ~ /^failed x [0-9]+ in [0-9]+ s$/ {
	    split($6, w, " "); n += w[3] } END { print n + 0 }'
}
# log_has NAME PATTERN / log_lacks NAME PATTERN: an entry of $log matches.
log_has() {
	if printf '%s\n' "$log" | grep -qE -- "$2"; then ok "$1"
	else not_ok "$1"; echo "#   no entry matches /$2/"; fi
}
log_lacks() {
	found=$(printf '%s\n' "$log" | cut -f3-5 | grep -E -- "$2")
	if [ -z "$found" ]; then ok "$1"
	else not_ok "$1"; echo "$found" | sed 's/^/#   found: /'; fi
}
verify() { audit verify >/dev/null 2>&1; }
# failed_entries LOG: how many entries those are.
failed_entries() {
	printf '%s\n' "$1" | awk -F'\t' '$4 == "login" && $6 ~ /^failed/' |
	    wc -l
}

base_conf() {
	write_conf 'socket_group = "nogroup";' 'min_notice_minutes = 0;' \
	    "max_bookings_per_uid_hour = 0;" "$@"
}
base_conf 'audit_window_seconds = 3;'
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add bob "$(make_key bob)"
ctl admin counsellor add caro "$(make_key caro)"
ctl admin auditor add au "$(make_key au)"
ctl admin revoke bob
SIG=$(head -c 64 /dev/zero | base64 -w0)	# decodes, signs nothing

# Under its budget a failed AUTH leaves the connection usable; the third
# closes it; another client is served meanwhile.
out=$(printf 'HELLO 1\nLOGIN ana\nAUTH %s\nPING\n' "$SIG" | "$RAWSOCK" "$SOCK")
expect_eq "a failed AUTH answers ERR auth login failed" \
    "$(echo "$out" | sed -n 3p)" "ERR auth login failed"
expect_eq "and the same connection is still usable" \
    "$(echo "$out" | sed -n 4p)" "OK PONG"
out=$(printf 'HELLO 1\nLOGIN ana\nAUTH %s\nLOGIN zed\nAUTH %s\nLOGIN bob\nAUTH %s\nPING\n' \
    "$SIG" "$SIG" "$SIG" | "$RAWSOCK" "$SOCK")
expect_eq "three failed AUTHs, then the connection is closed" \
    "$(echo "$out" | grep -c '^ERR auth login failed$'):$(echo "$out" |
    grep -c PONG)" "3:0"
FAILS=$((FAILS + 4))
expect_eq "another client is served" "$(ctl ping)" "PONG"

# Refusals that matter are recorded, by ids and fixed words only.
out=$(as_nobody "$ECOCTL" -s "$SOCK" stats 2>&1); st=$?
expect_eq "a worker is refused STATS (exit 1)" "$st" 1
out=$(printf 'HELLO 1\nENROL counsellor zed %s\nPING\n' "$SIG" |
    as_nobody "$RAWSOCK" "$SOCK")
expect_match "and ENROL, ERR denied" "$(echo "$out" | sed -n 2p)" "^ERR denied"
expect_eq "on a connection still usable" "$(echo "$out" | sed -n 3p)" "OK PONG"
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 50 >/dev/null
ctl book 1 >/dev/null
echo "nota de ana" | as ana note write 1 >/dev/null
out=$(as caro note open 1 2>&1); st=$?
expect_eq "caro may not open ana's note (exit 1)" "$st" 1
as caro note open 999 >/dev/null 2>&1
out=$(as caro message 1 2>&1); st=$?
expect_eq "nor the message of ana's booking (exit 1)" "$st" 1
log=$(audit log)
for what in "worker	stats	-	refused" "worker	enrol	-	refused" \
    "counsellor:caro	note-open	note:1	refused" \
    "counsellor:caro	note-open	-	refused" \
    "counsellor:caro	message-open	booking:1	refused" \
    "admin	login	person:1	failed" "admin	login	person:2	failed" \
    "admin	login	-	failed"; do
	log_has "the log records: $(echo "$what" | tr '\t' ' ')" "	$what\$"
done
log_lacks "a note id that names nothing is not written" "note:999"

# Many failures for ana's name from another uid, by bad signatures and by
# a real signature of another key: the real ana still logs in at once.
out=$(probe 60 1 ana=ana); FAILS=$((FAILS + 60))
expect_eq "60 failures for ana's name from the uid nobody all answer alike" \
    "$(echo "$out" | sed -n 's/^answer ana: //p')" "ERR auth login failed"
echo "the attacker's" > "$T/fake.pass"
"$ECOCTL" keygen --out "$T/fake.key" --name ana \
    --passphrase-file "$T/fake.pass" >/dev/null
chown nobody "$T/fake.key" "$T/fake.pass"
out=$(ECO_KEY=$T/fake.key ECO_PASSPHRASE_FILE=$T/fake.pass \
    as_nobody "$ECOCTL" -s "$SOCK" agenda 2>&1); FAILS=$((FAILS + 1))
expect_match "another key under ana's name fails" "$out" "login failed"
t0=$(date +%s)
out=$(as ana agenda 2>&1); st=$?
expect_eq "the real ana logs in at once (exit 0)" "$st" 0
expect_no_match "with no wait" "$out" "too many|try again"
expect_eq "within seconds" "$(( $(date +%s) - t0 < 20 ))" 1

# Enrolled, unknown and revoked names: the same bytes, the same time.
out=$(probe 300 1 enrolled=ana+caro unknown=zed+nobody-here revoked=bob)
FAILS=$((FAILS + 900))
echo "$out" | sed 's/^/# /'
expect_eq "each kind of name gets one answer, the same for all" \
    "$(echo "$out" | sed -n 's/^answer [a-z]*: //p' | sort | uniq -c |
    awk '{ $1 = $1; print }')" "3 ERR auth login failed"
mu=$(echo "$out" | awk '$1 == "unknown" { print $2 }')
for kind in enrolled revoked; do
	m=$(echo "$out" | awk -v k=$kind '$1 == k { print $2 }')
	expect_eq "the median AUTH time for $kind names is that of unknown ones" \
	    "$(awk -v m="$m" -v u="$mu" 'BEGIN { print (m < 1.5 * u &&
	    u < 1.5 * m) ? "alike" : m " vs " u " us" }')" alike
done

# A burst: far fewer entries than failures, and the counts add up.
t0=$(date +%s.%N)
probe 1500 1 a=ana+zed+bob >/dev/null; FAILS=$((FAILS + 1500))
t1=$(date +%s.%N)
sleep 4		# the window (3 s) closes: its timer writes the summaries
log=$(audit log)
n=$(failed_entries "$log")
echo "# $FAILS failed logins (1500 in $(echo "$t1 - $t0" | bc) s):" \
    "$n entries, $(echo "$log" | grep -c '	failed x ') of them summaries"
expect_eq "every failed login is counted in the log" "$(failed_sum "$log")" \
    "$FAILS"
expect_eq "in far fewer entries than failures" "$(( n * 10 < FAILS ))" 1
log_has "a summary reads: worker login - failed x N in T s" \
    "	worker	login	-	failed x [0-9]+ in [0-9]+ s$"
log_lacks "no claimed name, uid or client text in the log" \
    "zed|nobody-here|$nobody|uid|AAAA"
check "audit verify passes" verify

# Shutdown writes what the window counted: no timer in this daemon's life.
check "stops" ecod_stop
base_conf 'audit_window_seconds = 3600;' 'audit_refusals_per_window = 0;'
check "restarts with an hour's window, every refusal counted" ecod_start
probe 50 1 a=ana+zed >/dev/null; FAILS=$((FAILS + 50))
# The uid nobody is past its budget (10), the daemon not past its (100):
# nobody's failures now close their connection, root's do not.
two=$(printf 'HELLO 1\nLOGIN ana\nAUTH %s\nLOGIN ana\nAUTH %s\nPING\n' "$SIG" "$SIG")
out=$(echo "$two" | as_nobody "$RAWSOCK" "$SOCK"); FAILS=$((FAILS + 1))
expect_eq "past its uid's budget, a failure closes the connection" \
    "$(echo "$out" | grep -c '^ERR auth login failed$'):$(echo "$out" |
    grep -c PONG)" "1:0"
out=$(echo "$two" | "$RAWSOCK" "$SOCK"); FAILS=$((FAILS + 2))
expect_eq "another uid's connection keeps its tries and stays usable" \
    "$(echo "$out" | grep -c '^ERR auth login failed$'):$(echo "$out" |
    grep -c PONG)" "2:1"
# Every verb a worker may not use, and every one root may not: more kinds
# of refusal than a window keeps apart (31), so the rest share one entry.
verbs='STATS
ENROL a b c
REVOKE a
AVAIL-ADD a b c d e
AVAIL-RM 1
AGENDA
MARK 1 x
MESSAGE 1
RECOVERY-KEY
NOTE-BEGIN 1 - 1
NOTE-DATA x
NOTE-END
NOTE-LIST
NOTE-OPEN 1
CASE-KEY case 1
MSG-SEND 1 x
MSG-LIST
MSG-OPEN 1
SESSION-CANCEL 1
AUDIT-PUBKEY
AUDIT-HEAD
AUDIT-ENTRIES 1 1
AUDIT-CONSISTENCY 1 1
AUDIT-INCLUSION 1 1'
out=$(printf 'HELLO 1\n%s\nPING\n' "$verbs" | as_nobody "$RAWSOCK" "$SOCK")
expect_eq "a worker is denied 24 verbs, on a connection still usable" \
    "$(echo "$out" | grep -c '^ERR denied'):$(echo "$out" | tail -1)" \
    "24:OK PONG"
out=$(printf 'HELLO 1\n%s\nPING\n' "$verbs" | "$RAWSOCK" "$SOCK")
expect_eq "root (admin) is denied the 18 that are not admin verbs" \
    "$(echo "$out" | grep -c '^ERR denied')" 18
check "stops" ecod_stop
check "starts" ecod_start
log=$(audit log)
expect_eq "shutdown wrote the pending summaries" "$(failed_sum "$log")" \
    "$FAILS"
# The entries shutdown wrote: between the last two starts.
sums=$(echo "$log" | awk -F'\t' '$3 == "ecod" && $4 == "start" { n++; next }
    n == 2' | grep -v '	login	')
expect_eq "the 42 denied verbs are counted in the summaries" \
    "$(echo "$sums" | awk -F'\t' '$6 ~ /^refused x / { split($6, w, " ");
    n += w[3] } END { print n + 0 }')" 42
expect_eq "in at most 31 kinds and one entry for the rest" \
    "$(echo "$sums" | wc -l):$(echo "$sums" | grep -c \
    '	ecod	refusals	-	refused x 13 in [0-9]* s$')" "30:1"
check "audit verify passes" verify

# A start that fails appends nothing: "start" only once the socket is up.
check "stops" ecod_stop
mkdir "$T/b"
printf 'socket = "%s";\ndata_dir = "data";\nmaster_key_file = "master.key";\n' \
    "$SOCK" > "$T/b/ecod.conf"
"$ECOD" -c "$T/b/ecod.conf" --init >/dev/null 2>&1
"$ECOD" -c "$T/b/ecod.conf" >>"$LOG" 2>&1 &
other=$!
i=0; until ctl ping >/dev/null 2>&1 || [ $i -gt 200 ]; do sleep 0.05; i=$((i + 1)); done
ecod_fails_to_start
expect_match "with the socket held by another ecod, start fails" "$OUT" \
    "another ecod is listening"
kill -TERM $other; wait $other
sed 's|^socket = .*|socket = "no-such-dir/ecod.sock";|' "$CONF" > "$T/bad.conf"
timeout 60 "$ECOD" -c "$T/bad.conf" >/dev/null 2>&1 </dev/null
expect_eq "with a socket in a missing folder, start fails (exit 1)" "$?" 1
base_conf
check "starts" ecod_start
log=$(audit log)
expect_eq "only the 4 starts that served are in the log" \
    "$(echo "$log" | grep -c '	ecod	start	-	ok$')" 4
check "audit verify passes" verify
check "stops" ecod_stop

finish
