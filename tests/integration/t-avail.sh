#!/bin/bash
# Availability for a clinic's week, through the real daemon and ecoctl: avail
# list (free and booked, a range, --json), repeats by weekday (--days) and
# through a date (--until), across a clock change in a zone that has one, a
# local time that a change skips, the two-year bound, avail block (free
# slots withdrawn in one go, booked ones listed for session cancel, others'
# slots untouched, audit entries without the reason), buffer_minutes, and a
# clear error (exit 2) for each bad value of every new option.
. "$(dirname "$0")/lib.sh"

ZONE=America/New_York
write_conf 'timezone = "America/New_York";' "buffer_minutes = 15;" \
    "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;" "max_bookings_per_connection = 100;"
use_faketime || { not_ok "libfaketime is installed"; finish; }
# Monday 1 March 2027; New York moves its clocks forward on 14 March at 2:00.
set_clock "2027-03-01 09:00"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add beto "$(make_key beto)"
ctl admin counsellor add caro "$(make_key caro)"
ctl admin auditor add au "$(make_key au)"
export ECO_AUDIT_STATE=$T/audit-state

# bad NAME WANT ecoctl-args...: exit 2 and stderr matching WANT.
bad() {
	name=$1 want=$2; shift 2
	out=$("$@" 2>&1 >/dev/null); st=$?
	expect_eq "$name: exit 2" "$st" 2
	expect_match "  and says why" "$out" "$want"
}

# Repeats by weekday through a date, across the clock change.
out=$(as ana avail add --start "2027-03-08 10:00" --minutes 50 \
    --days lun,MIÉ,vie --until 2027-03-19 --location "Sala 2")
expect_eq "--days lun,MIÉ,vie --until: six slots, Mon/Wed/Fri of two weeks" \
    "$(echo $out)" "1 2 3 4 5 6"
list=$(as ana avail list)
expect_eq "avail list: their dates, each at 10:00 local before and after the change" \
    "$(echo "$list" | cut -f2 | tr '\n' ' ')" \
    "2027-03-08 10:00 2027-03-10 10:00 2027-03-12 10:00 2027-03-15 10:00 2027-03-17 10:00 2027-03-19 10:00 "
expect_eq "each a free slot of 50 minutes, its location, no booking" \
    "$(echo "$list" | cut -f3,5,6,7 | sort -u)" "$(printf '50\tSala 2\tfree\t')"
# The zone really changes there: 02:30 on 14 March does not exist.
bad "a single slot at 02:30 on the day of the change" \
    "no such local time" as ana avail add --start "2027-03-14 02:30" \
    --minutes 30
bad "a weekly repeat reaching a skipped 02:30" \
    "02:30 does not exist on 2027-03-14 \(a clock change skips it\)" \
    as ana avail add --start "2027-03-07 02:30" --minutes 30 --weekly 2
expect_eq "  and publishes nothing, not even the first week" \
    "$(as ana avail list --from 2027-03-07 --to 2027-03-07)" ""
out=$(as ana avail add --start "2027-03-06 02:30" --minutes 30 \
    --days sab,dom --until 2027-03-13)
expect_eq "the same time on days that have it" "$(echo $out)" "7 8 9"
expect_eq "  keeps 02:30" "$(as ana avail list --from 2027-03-06 --to 2027-03-13 \
    | grep -c '02:30')" 3
out=$(as ana avail add --start "2027-03-22 12:00" --minutes 30 \
    --days mon,wednesday,mie 2>&1); st=$?
expect_eq "a weekday named twice (wednesday, mie) is refused, exit 2" "$st" 2
out=$(as ana avail add --start "2027-03-22 12:00" --minutes 30 \
    --days "Mon,Wed" --weekly 2)
expect_eq "--days with --weekly: those weekdays for two weeks" \
    "$(echo $out | wc -w)" 4
expect_eq "--weekly alone keeps working" "$(as ana avail add \
    --start "2027-04-05 08:00" --minutes 30 --weekly 3 | wc -l)" 3

# The bound: two years from the first date.
out=$(as caro avail add --start "2027-03-02 08:00" --minutes 30 \
    --days lun,mar,mié,jue,vie,sáb,dom --until 2029-03-02)
expect_eq "every day through two years (731 days on): 732 slots" \
    "$(echo "$out" | wc -l)" 732
bad "one day further" "until: at most 731 days after the start's date" \
    as caro avail add --start "2027-03-02 09:00" --minutes 30 \
    --until 2029-03-03
bad "--weekly 105" "weeks: must be 1 to 104" \
    as caro avail add --start "2027-03-02 09:00" --minutes 30 --weekly 105
expect_eq "--weekly 104 is taken" "$(as caro avail add \
    --start "2027-03-02 10:00" --minutes 30 --weekly 104 | wc -l)" 104
expect_eq "caro's list holds them all (from now on)" \
    "$(as caro avail list | wc -l)" 836

# Bad values of the new options.
bad "--days with a word that is no weekday" "--days: weekdays like" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --days lun,foo
bad "--days empty" "--days: weekdays like" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --days ""
bad "--days lun,lun" "--days: weekdays like" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --days lun,lun
bad "--until that is no date" "until: no such local time" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --until 2027-02-30
bad "--until that is no date at all" "until: not a date" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --until mañana
bad "--until before the start" "until: before the start's date" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --until 2027-03-21
bad "--weekly with --until" "--weekly and --until do not go together" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --weekly 2 \
    --until 2027-04-30
bad "--days none of which falls in the dates" "days: none of those weekdays" \
    as ana avail add --start "2027-03-22 12:00" --minutes 30 --days mar \
    --until 2027-03-22
bad "avail list --from bad" "from: not a date" as ana avail list --from x
bad "avail list --to bad" "to: no such date" as ana avail list --to 2027-13-01
bad "avail list with an argument" "usage: ecoctl avail list" \
    as ana avail list 3
bad "avail block without --to" "usage: ecoctl avail block" \
    as ana avail block --from 2027-03-10
bad "avail block --from bad" "from: not a date" \
    as ana avail block --from 2027-3-10 --to 2027-03-12
bad "avail block --to before --from" "to: before from" \
    as ana avail block --from 2027-03-12 --to 2027-03-10
bad "avail block --reason with a control character" "--reason: one line" \
    as ana avail block --from 2027-03-10 --to 2027-03-12 \
    --reason "$(printf 'a\tb')"
bad "avail block --json (no listing)" "prints no listing" \
    as ana avail block --from 2027-03-10 --to 2027-03-12 --json

# buffer_minutes = 15: slot 1 is 10:00-10:50 on 8 March.
out=$(as ana avail add --start "2027-03-08 11:00" --minutes 30 2>&1); st=$?
expect_eq "a slot 10 minutes after one is refused (exit 1)" "$st" 1
expect_match "  naming buffer_minutes" "$out" \
    "less than 15 minutes \(buffer_minutes\) from a slot you published already"
out=$(as ana avail add --start "2027-03-08 09:00" --minutes 50 2>&1); st=$?
expect_eq "one ending 10 minutes before it is refused" "$st" 1
expect_match "  naming buffer_minutes" "$out" "buffer_minutes"
out=$(as ana avail add --start "2027-03-08 10:30" --minutes 30 2>&1)
expect_match "an overlap is still an overlap" "$out" "overlaps a slot"
expect_eq "one starting exactly 15 minutes after is taken" \
    "$(as ana avail add --start "2027-03-08 11:05" --minutes 30 | wc -l)" 1
expect_eq "one ending exactly 15 minutes before is taken" \
    "$(as ana avail add --start "2027-03-08 08:55" --minutes 50 | wc -l)" 1
expect_eq "another counsellor is not held to ana's buffer" \
    "$(as beto avail add --start "2027-03-08 11:00" --minutes 30 | wc -l)" 1
out=$(as ana avail add --start "2027-03-15 09:00" --minutes 50 --weekly 2 \
    2>&1); st=$?
expect_eq "a repeat whose first week is inside the buffer is refused whole" \
    "$st" 1
expect_match "  naming its week" "$out" "week 1: 2027-03-15T09:00"

# avail list: free and booked, a range, --json, others' slots apart.
B_SLOT=3
CODE=$(ctl book $B_SLOT)
expect_match "a worker books slot 3" "$CODE" '^[0-9A-Z-]{34}$'
BOOKING=$(as ana agenda | cut -f1 | head -1)
expect_eq "avail list shows slot 3 booked, with its booking" \
    "$(as ana avail list --from 2027-03-12 --to 2027-03-12 | cut -f1,6,7)" \
    "$(printf '3\tbooked\t%s' "$BOOKING")"
expect_eq "a range: 10 to 12 March (inclusive)" \
    "$(as ana avail list --from 2027-03-10 --to 2027-03-12 | cut -f1 | \
    tr '\n' ' ')" "2 3 "
json=$(as ana avail list --from 2027-03-10 --to 2027-03-12 --json)
expect_eq "--json: keys, numbers, null for a free slot's booking" \
    "$(printf '%s' "$json" | python3 -c 'import json,sys
v=json.load(sys.stdin)
print(sorted(v[0]), v[0]["slot"], v[0]["state"], v[0]["booking"], v[1]["state"], v[1]["booking"] > 0, v[1]["start"])')" \
    "['booking', 'location', 'minutes', 'modality', 'slot', 'start', 'state'] 2 free None booked True 2027-03-12T10:00"
expect_eq "--json of an empty range is []" \
    "$(as ana avail list --from 2030-01-01 --to 2030-01-02 --json)" "[]"
expect_no_match "ana's list holds none of beto's slots" \
    "$(as ana avail list --from 2027-03-08 --to 2027-03-08 | cut -f1)" \
    "^$(as beto avail list | cut -f1 | head -1)\$"
check "avail rm a slot" as ana avail rm 6
expect_no_match "a withdrawn slot leaves the list" \
    "$(as ana avail list | cut -f1)" "^6$"

# avail block: 10 to 15 March holds slots 2 (free), 3 (booked), 9 (free,
# 13 March 02:30) and 4 (free).
beto_before=$(as beto avail list)
out=$(as ana avail block --from 2027-03-10 --to 2027-03-15 \
    --reason "MARKER-REASON vacaciones"); st=$?
expect_eq "avail block exits 0" "$st" 0
expect_eq "prints the withdrawn ids, then the booked one to cancel" "$out" \
    "$(printf '2\n9\n4\nbooked\t%s\t3\t2027-03-12 10:00' "$BOOKING")"
expect_eq "the free ones left the list, the booked one stays" \
    "$(as ana avail list --from 2027-03-10 --to 2027-03-15 | cut -f1,6 | \
    tr '\n' ' ')" "$(printf '3\tbooked ')"
expect_no_match "and workers no longer see them" \
    "$(ctl slots --from 2027-03-10 --to 2027-03-15 | cut -f1)" "^(2|4)$"
expect_eq "beto's slots are untouched" "$(as beto avail list)" "$beto_before"
# On a terminal (stderr), what to do with the booked one; stdout unchanged.
out=$(ECO_KEY=$T/ana.key ECO_PASSPHRASE_FILE=$T/ana.pass /usr/bin/python3 \
    "$ROOT/tests/integration/ptyrun.py" -- "$ECOCTL" -s "$SOCK" avail block \
    --from 2027-03-12 --to 2027-03-12 --reason "MARKER-REASON2")
expect_match "on a terminal, stderr names the command to cancel it" "$out" \
    "booking $BOOKING\): ecoctl session cancel $BOOKING --reason-file F"
expect_match "  and repeats the reason there only" "$out" \
    "not sent\): MARKER-REASON2"
expect_match "  stdout is the same booked line" "$out" \
    "$(printf '^booked\t%s\t3\t2027-03-12 10:00' "$BOOKING")"
table=$(script -qec "env ECO_KEY=$T/ana.key ECO_PASSPHRASE_FILE=$T/ana.pass \
    $ECOCTL -s $SOCK avail list --from 2027-03-12 --to 2027-03-12" /dev/null |
    tr -d '\r')
expect_match "avail list on a terminal: a table with a header" "$table" \
    "^Slot +Start \(.*\) +Minutes +Modality +Location +State +Booking"
expect_match "  dates for people, the booking's id" "$table" \
    "^3 +Friday.*Sala 2 +booked +$BOOKING"
expect_eq "blocking again withdraws nothing, lists the booking still" \
    "$(as ana avail block --from 2027-03-10 --to 2027-03-15)" \
    "$(printf 'booked\t%s\t3\t2027-03-12 10:00' "$BOOKING")"
log=$(as au audit log)
expect_match "the audit log has counsellor:ana avail-block slot:2 ok" "$log" \
    "counsellor:ana	avail-block	slot:2	ok"
expect_match "  and slot:4" "$log" "counsellor:ana	avail-block	slot:4	ok"
expect_no_match "  and none for the booked slot 3" "$log" "avail-block	slot:3"
expect_no_match "avail list, a read like agenda, writes no entry" "$log" \
    "avail-list"
expect_match "(the log read is the real one: it has avail-add)" "$log" \
    "avail-add	slot:1	ok"
log=$(as au audit log)
expect_no_match "the reason is in no audit entry" "$log" "MARKER-REASON"
check "(the daemon's log is not empty)" test -s "$LOG"
check "the reason is in no log line" \
    test "$(grep -a -c MARKER-REASON "$LOG")" = 0
check "nor in the database or its WAL" \
    test "$(cat "$T"/data/ecod.db* | grep -a -c MARKER-REASON)" = 0
expect_eq "audit verify passes" "$(as au audit verify >/dev/null 2>&1; echo $?)" 0

# From now on, by default: a week later, 8 and 10 March are past.
set_clock "2027-03-11 09:00"
expect_eq "avail list starts from now" \
    "$(as ana avail list | cut -f2 | head -1)" "2027-03-12 10:00"

check "the daemon is still running" kill -0 "$ECOD_PID"
expect_eq "and still answers" "$(ctl ping)" "PONG"
finish
