#!/bin/bash
# Retention that erases: ecoctl admin purge deletes the cases whose last
# session ended more than retention_days ago, with their bookings and
# intake messages, and notes past note_retention_days; their sealed bytes
# are then in no file under data_dir (database, WAL, shm), while the
# bytes of a recent case still are. The audit log records the counts and
# still verifies; only an admin may purge.
. "$(dirname "$0")/lib.sh"

need_peers "purge test"
as_nobody() { as_uid nobody "$ECOCTL" -s "$SOCK" "$@"; }
export ECO_AUDIT_STATE=$T/audit-state

write_conf "min_notice_minutes = 0;" 'socket_group = "nogroup";' \
    "retention_days = 30;" "note_retention_days = 45;"
use_faketime || { not_ok "libfaketime is installed"; finish; }
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add au "$(make_key au)"
D1=$(ldate "+1 day"); D32=$(ldate "+32 days"); D40=$(ldate "+40 days")
D50=$(ldate "+50 days")
as ana avail add --start "$D1 10:00" --minutes 50 >/dev/null	# slot 1
as ana avail add --start "$D40 10:00" --minutes 50 >/dev/null	# slot 2
echo "intake of the old case" > "$T/msg1"
echo "intake of the recent case" > "$T/msg2"
OLD=$(ctl book 1 --message-file "$T/msg1")	# case 1, booking 1
NEW=$(ctl book 2 --message-file "$T/msg2")	# case 2, booking 2
set_clock "$D1 11:00"
echo "note on the old case" | as ana note write 1 >/dev/null	# note 1
echo "note on the recent case" | as ana note write 2 >/dev/null	# note 2
echo "staff to the old case" | as ana message send 1 >/dev/null	# message 1
echo "the old case answers" | ctl reply "$OLD"			# message 2
echo "staff to the recent case" | as ana message send 2 >/dev/null # message 3

# blob TABLE ID: the hex of a sealed row body as the database holds it.
blob() {
	sqlite3 -readonly "$DB" "SELECT hex(body) FROM $1 WHERE id = $2" |
	    tr 'A-F' 'a-f'
}
# found HEX: how many files under data_dir hold a 32-byte window of HEX
# (from the middle, so neither the row header nor a shared prefix).
found() {
	/usr/bin/python3 - "$T/data" "$1" <<'EOF'
import os, sys
b = bytes.fromhex(sys.argv[2])
w = b[len(b) // 2 - 16:len(b) // 2 + 16]
n = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        with open(os.path.join(d, f), 'rb') as fh:
            n += w in fh.read()
print(n)
EOF
}
for r in "cases 1" "bookings 1" "notes 1" "cases 2" "bookings 2" "notes 2" \
    "messages 1" "messages 2" "messages 3"; do
	set -- $r
	eval "B_$1_$2=\$(blob $1 $2)"
done
check "each row has a sealed body of at least 32 bytes" test \
    "${#B_cases_1}" -ge 64 -a "${#B_bookings_1}" -ge 64 -a \
    "${#B_notes_1}" -ge 64 -a "${#B_cases_2}" -ge 64
check "before the purge the old case's row is found" \
    test "$(found "$B_cases_1")" -ge 1
check "  and its booking's" test "$(found "$B_bookings_1")" -ge 1
check "  and its note's" test "$(found "$B_notes_1")" -ge 1
check "  and its messages'" test "$(found "$B_messages_1")" -ge 1 -a \
    "$(found "$B_messages_2")" -ge 1

# Not yet expired: nothing goes.
expect_eq "a purge before anything expired deletes nothing" \
    "$(ctl admin purge | tr '\t\n' '= ')" "cases=0 bookings=0 notes=0 messages=0 "

out=$(as_nobody admin purge 2>&1); st=$?
expect_eq "a non-admin uid is refused PURGE (exit 1)" "$st" 1
expect_match "  saying who may" "$out" \
    "admin purge is the operator's: run it as root, or as a user listed in admin_uids"
printf 'HELLO 1\nPURGE\nPING\n' | as_uid nobody "$RAWSOCK" "$SOCK" \
    > "$T/raw" 2>&1
expect_match "  the protocol answers ERR denied" "$(cat "$T/raw")" \
    "^ERR denied"
expect_match "  and the connection is still served" "$(cat "$T/raw")" \
    "PONG"
expect_eq "the old case is still there" "$(ctl status "$OLD" | wc -l)" 1

# 31 days after the old session: the old case and its booking go; its
# note, 31 days old, stays (note_retention_days = 45).
set_clock "$D32 12:00"
expect_eq "the purge prints the counts" \
    "$(ctl admin purge | tr '\t\n' '= ')" "cases=1 bookings=1 notes=0 messages=2 "
expect_eq "the old case's row is in no file" "$(found "$B_cases_1")" 0
expect_eq "its booking (and intake message) is in no file" \
    "$(found "$B_bookings_1")" 0
check "its note, not yet past note_retention_days, is kept" \
    test "$(found "$B_notes_1")" -ge 1
expect_eq "its messages, both ways, are in no file" \
    "$(found "$B_messages_1")$(found "$B_messages_2")" 00
check "the recent case's message is kept" \
    test "$(found "$B_messages_3")" -ge 1
check "the recent case's row is still found (the search works)" \
    test "$(found "$B_cases_2")" -ge 1
check "  and its booking's" test "$(found "$B_bookings_2")" -ge 1
check "the WAL was truncated" test ! -s "$DB-wal"
out=$(ctl status "$OLD" 2>&1)
expect_match "the old code is no such code" "$out" "^ecoctl: no case has this code\."
expect_match "the recent case is intact" "$(ctl status "$NEW")" "booked"
expect_eq "  with its intake message" "$(as ana message 2)" \
    "intake of the recent case"
expect_eq "ana still lists both notes" "$(as ana note list | cut -f1 | \
    tr '\n' ' ')" "1 2 "
expect_eq "slots stay" "$(sqlite3 -readonly "$DB" \
    'SELECT count(*) FROM slots')" 2

# A kept note whose booking is gone survives a restart.
check "stops" ecod_stop
check "restarts with a note whose booking was purged" ecod_start
expect_eq "  which ana still opens" "$(as ana note open 1)" \
    "note on the old case"

# 46 days after it was written, the old case's note goes too.
set_clock "$D50 12:00"
expect_eq "a later purge deletes the note" \
    "$(ctl admin purge | tr '\t\n' '= ')" "cases=0 bookings=0 notes=1 messages=0 "
expect_eq "the old note is in no file" "$(found "$B_notes_1")" 0
check "the recent case's note is still found" \
    test "$(found "$B_notes_2")" -ge 1
expect_eq "a second purge deletes nothing" \
    "$(ctl admin purge | tr '\t\n' '= ')" "cases=0 bookings=0 notes=0 messages=0 "
expect_eq "ana lists only the recent note" "$(as ana note list | cut -f1)" 2

# When the newest case goes too, its ids are not given out again, not
# even after a restart: entries and kept notes name them.
D200=$(ldate "+200 days")
set_clock "$D200 12:00"
expect_eq "the recent case expires in its turn" \
    "$(ctl admin purge | tr '\t\n' '= ')" "cases=1 bookings=1 notes=1 messages=1 "
check "its row is in no file now" test "$(found "$B_cases_2")" -eq 0
check "restarts" ecod_stop
ecod_start
as ana avail add --start "$(ldate "+201 days") 10:00" --minutes 50 \
    >/dev/null
CODE3=$(ctl book 3)
expect_match "a new booking gets a new id, not a purged one" \
    "$(as au audit log | grep $'\tbook\t' | tail -1)" \
    $'\tworker\tbook\tbooking:3\tok$'
expect_eq "  and its case a new one" "$(sqlite3 -readonly "$DB" \
    'SELECT group_concat(id) FROM cases')" 3

# What the audit log says.
log=$(as au audit log)
expect_match "the audit log has the purge with its counts" "$log" \
    $'\tadmin\tpurge\t-\tok cases=1 bookings=1 notes=0 messages=2$'
expect_match "  and the note's" "$log" \
    $'\tadmin\tpurge\t-\tok cases=0 bookings=0 notes=1 messages=0$'
expect_eq "  one entry a purge" "$(echo "$log" | \
    grep -c $'\tadmin\tpurge\t-\tok')" 5
expect_eq "  and the refusals" "$(echo "$log" | \
    grep -c $'\tpurge\t.*refused')" 2
expect_no_match "  no code in it" "$log" "$OLD|$NEW"
out=$(as au audit verify 2>&1); st=$?
expect_eq "audit verify passes" "$st" 0
expect_match "  over every entry" "$out" "^verified [0-9]+ entries"
check "integrity_check ok" test "$(sqlite3 -readonly "$DB" \
    'PRAGMA integrity_check')" = ok
check "stops" ecod_stop

# The daily run: its timer reads the monotonic clock, so here libfaketime
# moves that clock too. It waits PURGE_FIRST (300 s) after the start, then
# a day. wait_audit PATTERN: pings (which wakes the daemon) until the
# audit log has a line matching PATTERN; prints the count of such lines.
wait_audit() {
	for i in $(seq 1 60); do
		ctl ping >/dev/null
		n=$(as au audit log | grep -cE -- "$1")
		[ "$n" -gt 0 ] && break
		sleep 0.5
	done
	echo "$n"
}
m=FAKETIME_DONT_FAKE_MONOTONIC
ECOD_WRAP=("${ECOD_WRAP[@]/$m=1/$m=0}")
ecod_start || not_ok "starts with its monotonic clock faked"
auto=$'\tecod\tpurge\t-\tok'
expect_eq "no purge at start" "$(as au audit log | grep -c "$auto")" 0
set_clock "$D200 12:10"
expect_eq "the daily run purges a few minutes after the start" \
    "$(wait_audit "$auto cases=0 ")" 1
expect_match "  and logs the counts" "$(cat "$LOG")" \
    "purge: 0 cases, 0 bookings, 0 notes, 0 messages deleted"
set_clock "$(ldate "+240 days") 12:00"
expect_eq "a day later it runs again, deleting what expired" \
    "$(wait_audit "$auto cases=1 bookings=1 notes=0 messages=0$")" 1
out=$(ctl status "$CODE3" 2>&1)
expect_match "  that case's code is no such code" "$out" "^ecoctl: no case has this code\."
check "its booking's row is gone" test "$(sqlite3 -readonly "$DB" \
    'SELECT count(*) FROM bookings')" = 0
check "stops" ecod_stop

# note_retention_days shorter than retention_days is a config error.
write_conf "retention_days = 30;" "note_retention_days = 10;"
out=$("$ECOD" -n -c "$CONF" 2>&1); st=$?
expect_eq "note_retention_days < retention_days: ecod -n exits 1" "$st" 1
expect_match "  naming FILE:LINE and the setting" "$out" \
    "ecod.conf:6: note_retention_days: .*at least retention_days"
write_conf "retention_days = 30;"
check "left out, note_retention_days follows retention_days" eval \
    "\"\$ECOD\" -n -c \"\$CONF\" >/dev/null"
finish
