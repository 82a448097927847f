#!/bin/bash
# Calendar exports that calendar programs handle, read by Debian's
# python3-icalendar: UIDs unique across instances, a reschedule keeps the
# UID and raises SEQUENCE and LAST-MODIFIED, a cancel is STATUS:CANCELLED;
# a mark changes LAST-MODIFIED only; the worker's own export (status CODE
# --ical) is titled neutrally and says nothing about counselling, the case
# or the code; long lines fold where calendars unfold them.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
quiet() { "$@" >/dev/null; }
if ! "$PY" -c 'import icalendar' 2>/dev/null; then
	not_ok "python3-icalendar is installed (make test installs it)"
	finish
fi
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;"
use_faketime || { not_ok "libfaketime is installed"; finish; }
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add beto "$(make_key beto)"
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --weekly 3 \
    --location "Consultorio 3" >/dev/null		# slots 1 2 3
as beto avail add --start "$D 12:00" --minutes 30 >/dev/null	# slot 4
INSTANCE=$(printf 'HELLO 1\nINFO\n' | "$RAWSOCK" "$SOCK" |
    sed -n 's/^\* instance //p')

# events: the VEVENTs of the calendar on stdin, parsed by icalendar, one a
# line: UID|SEQUENCE|LAST-MODIFIED (UTC seconds)|STATUS|SUMMARY|LOCATION|
# DTSTART (UTC seconds)|minutes.
events() {
	"$PY" -c '
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
for ev in cal.walk("VEVENT"):
    start = ev.decoded("DTSTART")
    end = ev.decoded("DTEND")
    print("|".join([str(ev["UID"]), str(ev.decoded("SEQUENCE")),
        str(int(ev.decoded("LAST-MODIFIED").timestamp())), str(ev["STATUS"]),
        str(ev["SUMMARY"]), str(ev.get("LOCATION", "")),
        str(int(start.timestamp())), str(int((end - start).total_seconds() // 60))]))
'
}
field() { cut -d'|' -f"$1"; }
# props: each VEVENT's property names, sorted, one event a line.
props() {
	"$PY" -c '
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
for ev in cal.walk("VEVENT"):
    print(" ".join(sorted(ev.keys())))
'
}

CODE=$(ctl book 1)
ev=$(ctl status "$CODE" --ical | events); st=$?
expect_eq "status --ical parses as iCalendar" "$st" 0
expect_eq "one event" "$(echo "$ev" | grep -c .)" 1
expect_eq "its UID names the first booking and the instance" \
    "$(echo "$ev" | field 1)" "booking-1@$INSTANCE.ecod"
expect_match "the instance id is 16 hex digits" "$INSTANCE" '^[0-9a-f]{16}$'
expect_eq "a new booking is SEQUENCE 0, confirmed" \
    "$(echo "$ev" | field 2,4)" "0|CONFIRMED"
expect_eq "the worker's event has the neutral default title, and the place" \
    "$(echo "$ev" | field 5,6)" "Cita|Consultorio 3"
expect_eq "at the session's time, for its minutes" "$(echo "$ev" | field 7,8)" \
    "$(TZ=$ZONE date -d "$D 10:00" +%s)|50"
raw=$(ctl status "$CODE" --ical)
expect_match "status --ical writes a calendar" "$raw" $'^BEGIN:VCALENDAR\r$'
expect_no_match "nothing in it says counselling, the service, the case or the code" \
    "$raw" "[Cc]ounsel|[Ss]esi|[Ss]ession|ECO|consejer|$CODE|CASE|DESCRIPTION"
expect_eq "the worker's event has the time, the place and what a calendar needs" \
    "$(echo "$raw" | props)" \
    "DTEND DTSTAMP DTSTART LAST-MODIFIED LOCATION SEQUENCE STATUS SUMMARY UID"
expect_eq "status --ical --json is bad usage" \
    "$(ctl status "$CODE" --ical --json >/dev/null 2>&1; echo $?)" 2
agenda=$(as ana agenda --ical | events)
expect_eq "the counsellor's export has the same UID" \
    "$(echo "$agenda" | field 1)" "booking-1@$INSTANCE.ecod"
expect_eq "titled for the counsellor" "$(echo "$agenda" | field 5)" \
    "Session (in person)"
out=$(as beto agenda --ical); st=$?
expect_eq "another counsellor's export is a calendar without it" \
    "$st|$(echo "$out" | head -1 | tr -d '\r')|$(echo "$out" | events)" \
    "0|BEGIN:VCALENDAR|"

# A reschedule, a second later: the same UID, a higher SEQUENCE and
# LAST-MODIFIED, the new time.
before=$(echo "$ev" | field 3)
set_clock "$(TZ=$ZONE date -d "+1 minute" "+%F %H:%M")"
check "reschedule" ctl reschedule "$CODE" 2
ev2=$(ctl status "$CODE" --ical | events)
expect_eq "after a reschedule the worker's calendar still has one event" \
    "$(echo "$ev2" | grep -c .)" 1
expect_eq "with the same UID" "$(echo "$ev2" | field 1)" \
    "booking-1@$INSTANCE.ecod"
expect_eq "SEQUENCE raised, still confirmed" "$(echo "$ev2" | field 2,4)" \
    "1|CONFIRMED"
last=$(echo "$ev2" | field 3)
check "LAST-MODIFIED later" test "$last" -gt "$before"
expect_eq "at the new time" "$(echo "$ev2" | field 7)" \
    "$(TZ=$ZONE date -d "$D +7 days 10:00" +%s)"
expect_eq "the counsellor's calendar too: one event, moved" \
    "$(as ana agenda --ical | events | field 1,2,4,7)" \
    "booking-1@$INSTANCE.ecod|1|CONFIRMED|$(TZ=$ZONE date -d "$D +7 days 10:00" +%s)"
expect_eq "an agenda from the new week on has the same event" \
    "$(as ana agenda --ical --from "$(ldate "$D +7 days")" | events | field 1,2,4)" \
    "booking-1@$INSTANCE.ecod|1|CONFIRMED"

# Moved to another counsellor: the first one's calendar cancels it.
check "reschedule to beto's slot" ctl reschedule "$CODE" 4
expect_eq "ana's calendar: the event cancelled, SEQUENCE raised" \
    "$(as ana agenda --ical | events | field 1,2,4)" \
    "booking-1@$INSTANCE.ecod|2|CANCELLED"
expect_eq "beto's: the same UID, confirmed at his time" \
    "$(as beto agenda --ical | events | field 1,2,4)" \
    "booking-1@$INSTANCE.ecod|2|CONFIRMED"

# A cancel: STATUS:CANCELLED with a higher SEQUENCE.
set_clock "$(TZ=$ZONE date -d "+2 minutes" "+%F %H:%M")"
check "cancel" ctl cancel "$CODE"
ev3=$(ctl status "$CODE" --ical | events)
expect_eq "after a cancel: one event, CANCELLED, SEQUENCE raised" \
    "$(echo "$ev3" | field 1,2,4)" "booking-1@$INSTANCE.ecod|3|CANCELLED"
check "LAST-MODIFIED later again" test "$(echo "$ev3" | field 3)" -gt "$last"
expect_eq "the counsellor's too" "$(as beto agenda --ical | events | field 2,4)" \
    "3|CANCELLED"

# A follow-up in the same case is another event; ical_summary is the title.
ctl book 3 --code "$CODE"
expect_eq "a follow-up is a second event with its own UID" \
    "$(ctl status "$CODE" --ical | events | field 1 | sort | tr '\n' ' ')" \
    "booking-1@$INSTANCE.ecod booking-4@$INSTANCE.ecod "

# Long lines fold at 75 octets, never inside a UTF-8 character, and unfold
# to the very text.
LONG="Edificio Central, planta baja, pasillo de la izquierda, tercera puerta: Consultorio número 3 (junto al jardín)"
as ana avail add --start "$D 16:00" --minutes 50 --location "$LONG" \
    >/dev/null						# slot 5
CODE5=$(ctl book 5)
raw=$(ctl status "$CODE5" --ical)
expect_eq "a long LOCATION unfolds to the text" \
    "$(echo "$raw" | events | field 6)" "$LONG"
expect_eq "no line longer than 75 octets" \
    "$(echo "$raw" | tr -d '\r' | LC_ALL=C awk 'length > 75' | wc -l)" 0
check "every line is UTF-8" sh -c 'printf "%s" "$1" | iconv -f UTF-8 -t UTF-8 >/dev/null' - "$raw"
expect_match "and the location was folded" "$raw" $'^ '

# A mark: the event's LAST-MODIFIED moves, its SEQUENCE does not (nothing a
# calendar shows changed).
m0=$(as ana agenda --ical | events | grep "^booking-4@")
set_clock "$(TZ=$ZONE date -d "$D +14 days 10:05" "+%F %H:%M")"
check "mark attended" as ana mark 4 attended
m1=$(as ana agenda --ical | events | grep "^booking-4@")
expect_eq "after a mark: SEQUENCE 0, confirmed" "$(echo "$m1" | field 2,4)" \
    "0|CONFIRMED"
check "LAST-MODIFIED later" test "$(echo "$m1" | field 3)" -gt \
    "$(echo "$m0" | field 3)"

ecod_stop
write_conf "min_notice_minutes = 0;" 'ical_summary = "Trámite; 10:00, ok";'
ecod_start || { not_ok "daemon restarts"; finish; }
expect_eq "ical_summary is the worker's title, TEXT escapes undone" \
    "$(ctl status "$CODE" --ical | events | field 5 | sort -u)" \
    "Trámite; 10:00, ok"
expect_match "and escaped in the file" "$(ctl status "$CODE" --ical)" \
    'SUMMARY:Trámite\\; 10:00\\, ok'

# An instance written before bookings kept their history still loads: each
# old booking its own event, a moved or cancelled one changed once. Its
# rows are made here, then re-sealed without the three history fields and
# the two mark fields after them at their end (40 bytes), as ecod wrote
# them before (keyprobe strip).
ecod_stop
rm -rf "$T/data" "$KEY"
echo "+0" > "$FAKE"
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "retention_days = 36500;"
ecod_init && ecod_start || { not_ok "a fresh instance starts"; finish; }
ctl admin counsellor add vera "$(make_key vera)"
as vera avail add --start "$(ldate "+3 days") 09:00" --minutes 50 \
    --weekly 4 >/dev/null
OLD1=$(ctl book 1) && ctl reschedule "$OLD1" 2 && OLD2=$(ctl book 3) &&
    ctl cancel "$OLD2"
ecod_stop
check "its booking rows, re-sealed as an older ecod wrote them" \
    "$ROOT/$BUILD/tests/keyprobe" "$DB" "$KEY" strip bookings 40
ecod_start || { not_ok "today's ecod starts on an older instance"; finish; }
OLD=$(printf 'HELLO 1\nINFO\n' | "$RAWSOCK" "$SOCK" | sed -n 's/^\* instance //p')
expect_eq "its moved booking: two events, the old one cancelled" \
    "$(ctl status "$OLD1" --ical | events | field 1,2,4 | sort)" \
    "$(printf 'booking-1@%s.ecod|1|CANCELLED\nbooking-2@%s.ecod|0|CONFIRMED' "$OLD" "$OLD")"
expect_eq "its cancelled booking: cancelled, changed once" \
    "$(ctl status "$OLD2" --ical | events | field 1,2,4)" \
    "booking-3@$OLD.ecod|1|CANCELLED"
expect_eq "the counsellor's agenda of it" \
    "$(as vera agenda --ical |
    events | field 2,4 | sort | tr '\n' ' ')" "0|CONFIRMED 1|CANCELLED 1|CANCELLED "
check "and admin verify passes" quiet ctl admin verify

# A second instance: its UIDs do not collide with the first's.
T1=$T
(
	T=$(mktemp -d /tmp/eco-test-XXXXXX); CONF=$T/ecod.conf SOCK=$T/ecod.sock
	LOG=$T/ecod.log; ECOD_PID=; ECOD_WRAP=()
	trap 'rm -rf "$T"' EXIT
	write_conf "min_notice_minutes = 0;"
	ecod_init && ecod_start >/dev/null || exit 1
	printf 'HELLO 1\nINFO\n' | "$RAWSOCK" "$SOCK" | sed -n 's/^\* instance //p'
	ecod_stop
) > "$T1/other"
check "another instance has another id" test -s "$T1/other" -a \
    "$(cat "$T1/other")" != "$INSTANCE"

finish
