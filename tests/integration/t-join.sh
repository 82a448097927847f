#!/bin/bash
# A slot's join details (a room, a number to call, a video link): set with
# avail add --join or --join-file, shown by status only to the code of a
# case booked there and only while it is booked, and to the slot's
# counsellor in the agenda; never by slots (in any form, nor on the wire),
# never in a log line or the audit log, and sealed at rest. Rows written
# before slots had them still load; bad join text is refused, exit 2.
. "$(dirname "$0")/lib.sh"

PHONE="55 5555 0199 ext MARKER-JOIN-Tel7q"
VIDEO="https://meet.example.org/MARKER-JOIN-Vid3k"
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;"
ecod_init && ecod_start -d || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add beto "$(make_key beto)"
D=$(ldate "+2 days")

# Three slots: by telephone (--join), by video (--join-file, its newline
# dropped), in person without join details.
check "avail add --join" as ana avail add --start "$D 10:00" --minutes 50 \
    --modality telefono --join "$PHONE" --location "Sala Norte" >/dev/null
printf '%s\n' "$VIDEO" > "$T/video.txt"
check "avail add --join-file" as ana avail add --start "$D 12:00" \
    --minutes 50 --modality video --join-file "$T/video.txt" >/dev/null
check "avail add without join details" as beto avail add --start "$D 10:00" \
    --minutes 50 --location "Consultorio 3" >/dev/null

# Positive control: slots shows the slots, with their locations.
expect_match "slots lists the three, locations too" \
    "$(ctl slots | cut -f1,5 | tr '\t\n' ': ')" "^1:Sala Norte 3:Consultorio 3 2: $"
for form in "" "--json"; do
	expect_no_match "slots $form does not show join details" \
	    "$(ctl slots $form)" "MARKER-JOIN"
done
expect_no_match "slots on a terminal does not show join details" \
    "$(script -qec "$ECOCTL -s $SOCK slots" /dev/null)" "MARKER-JOIN"
wire=$(printf 'HELLO 1\nSLOTS\nSLOTS - - telefono\n' | "$RAWSOCK" "$SOCK")
expect_match "SLOTS on the wire lists the slots" "$wire" '^\* 1 .* "Sala Norte"$'
expect_no_match "and not their join details" "$wire" "MARKER-JOIN"
expect_eq "SLOTS lines have five fields" \
    "$(printf '%s\n' "$wire" | grep -m1 '^\* 1 ')" \
    "* 1 ${D}T10:00 50 telefono \"Sala Norte\""

# Booked: the booker sees them, piped as the last column.
CODE=$(ctl book 1)
check "a worker books the telephone slot" test -n "$CODE"
expect_eq "status piped: the join details end the line" "$(ctl status "$CODE")" \
    "$(printf '%s 10:00\t50\ttelefono\tSala Norte\tbooked\t%s' "$D" "$PHONE")"
expect_match "status --json: the key join" "$(ctl status "$CODE" --json)" \
    "\"state\": \"booked\", \"join\": \"$PHONE\"}"
tty=$(script -qec "$ECOCTL -s $SOCK status $CODE" /dev/null | tr -d '\r')
expect_match "status on a terminal says how to join, in words" "$tty" \
    "^To join your session of .*, 10:00: call $PHONE$"
expect_no_match "  and has no column of it" "$(printf '%s\n' "$tty" | head -1)" \
    "join"
tty=$(LANG=es_MX.UTF-8 script -qec "$ECOCTL -s $SOCK status $CODE" /dev/null |
    tr -d '\r')
expect_match "  in Spanish" "$tty" \
    "^Para entrar a su cita del .*, 10:00: llame al $PHONE$"
expect_match "STATUS on the wire: its last field" \
    "$(printf 'HELLO 1\nSTATUS %s\n' "$(lookup_of "$CODE")" | "$RAWSOCK" "$SOCK")" \
    "^\* ${D}T10:00 .* booked [0-9]+ 1 0 [0-9]+ \"$PHONE\"$"
expect_no_match "status --ical leaves them out (the calendar says nothing)" \
    "$(ctl status "$CODE" --ical)" "MARKER-JOIN"

VCODE=$(ctl book 2)
expect_eq "the video booker sees the link, from the file, one line" \
    "$(ctl status "$VCODE" | cut -f6)" "$VIDEO"
tty=$(script -qec "$ECOCTL -s $SOCK status $VCODE" /dev/null | tr -d '\r')
expect_match "  on a terminal: open the link" "$tty" ": open $VIDEO$"
OCODE=$(ctl book 3)
other=$(ctl status "$OCODE"; ctl status "$OCODE" --json; ctl status "$VCODE")
expect_match "another worker's code shows its own session" "$other" "Consultorio 3"
expect_no_match "and not the telephone details" "$other" "Tel7q"
expect_eq "a session without join details: the last column empty" \
    "$(ctl status "$OCODE" | cut -f5-)" "$(printf 'booked\t')"

# The counsellor: her agenda shows them; another counsellor's does not.
expect_eq "the agenda piped: join details the last column" \
    "$(as ana agenda | cut -f1,9)" "$(printf '1\t%s\n2\t%s' "$PHONE" "$VIDEO")"
expect_match "the agenda --json: the key join" "$(as ana agenda --json)" \
    "\"message\": false, \"join\": \"$PHONE\"}"
expect_no_match "beto's agenda does not show ana's" \
    "$(as beto agenda; as beto agenda --json)" "MARKER-JOIN"

# Cancelled: no longer shown to the code, and the slot, free again, still
# does not show them.
check "the telephone booking is cancelled" ctl cancel "$CODE"
expect_eq "status of a cancelled session: no join details" \
    "$(ctl status "$CODE" | cut -f5-)" "$(printf 'cancelled\t')"
expect_no_match "the freed slot in slots: none either" \
    "$(ctl slots; ctl slots --json)" "MARKER-JOIN"

# Bad join text: exit 2, a clear line, and the daemon serves on.
long=$(printf 'x%.0s' $(seq 301))
out=$(as ana avail add --start "$D 15:00" --minutes 50 --join "$long" 2>&1)
expect_eq "301 bytes of join details: exit 2" "$?" 2
expect_match "  and says the limit" "$out" "301 bytes; at most 300"
out=$(as ana avail add --start "$D 15:00" --minutes 50 \
    --join "$(printf 'a\tb')" 2>&1)
expect_eq "a tab in join details: exit 2" "$?" 2
expect_match "  and says why" "$out" "control characters"
printf 'line one\nline two\n' > "$T/two.txt"
out=$(as ana avail add --start "$D 15:00" --minutes 50 --join-file "$T/two.txt" 2>&1)
expect_eq "a join file of two lines: exit 2" "$?" 2
expect_match "  and says why" "$out" "two.txt: the join details are one line"
out=$(as ana avail add --start "$D 15:00" --minutes 50 --join a \
    --join-file "$T/video.txt" 2>&1)
expect_eq "--join and --join-file together: exit 2" "$?" 2
expect_eq "no slot was made by them (the freed one is the only free)" \
    "$(ctl slots | wc -l)" 1
out=$(printf 'HELLO 1\nAVAIL-ADD %sT15:00 50 1 video "" %s\nPING\n' "$D" \
    "$(printf 'J%.0s' $(seq 301))" | "$RAWSOCK" "$SOCK")
expect_match "on the wire, refused before the role (a worker)" "$out" \
    "^ERR denied"
expect_eq "the daemon is running" "$(ctl ping)" "PONG"

# Nothing of them on disk in the clear, nor in the (debug) log nor the
# audit log; the positive control is that they are served (above).
scan() {
	for f in "$T"/data/* "$LOG"; do
		[ -f "$f" ] || continue
		for s in MARKER-JOIN "55 5555 0199" meet.example; do
			if file_has "$f" "$s"; then
				not_ok "$1: $(basename "$f") holds \"$s\""
			else
				ok "$1: $(basename "$f") does not hold \"$s\""
			fi
		done
	done
}
check "the log is there, and at debug level" file_has "$LOG" "connection"
scan "running"
ecod_stop
scan "stopped"
ecod_start -d || { not_ok "daemon restarts"; finish; }
expect_eq "after a restart the join details are read back" \
    "$(ctl status "$VCODE" | cut -f6)" "$VIDEO"
check "admin verify passes" ctl admin verify >/dev/null

# An instance written before slots had join details: its slot rows are
# made here, then re-sealed without the (empty) join field at their end,
# as ecod wrote them before (keyprobe strip: 4 bytes, its length).
ecod_stop
rm -rf "$T/data" "$KEY"
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;"
ecod_init && ecod_start || { not_ok "a fresh instance starts"; finish; }
ctl admin counsellor add vera "$(make_key vera)"
as vera avail add --start "$D 09:00" --minutes 50 --weekly 2 \
    --location "Sala Sur" >/dev/null
ecod_stop
sizes() {
	/usr/bin/python3 -c 'import sqlite3,sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(str(n) for (n,) in db.execute(
    "SELECT length(body) FROM slots ORDER BY id")))' "$DB"
}
before=$(sizes)
check "its slot rows, re-sealed as an older ecod wrote them" \
    "$ROOT/$BUILD/tests/keyprobe" "$DB" "$KEY" strip slots 4
after=$(sizes)
expect_eq "  each 4 bytes shorter" "$after" \
    "$(for n in $before; do printf '%s ' $((n - 4)); done | sed 's/ $//')"
ecod_start || { not_ok "today's ecod starts on the older rows"; finish; }
expect_eq "its slots are listed" "$(ctl slots | cut -f1,5 | tr '\t\n' ': ')" \
    "1:Sala Sur 2:Sala Sur "
OLD=$(ctl book 1)
expect_eq "a booking of one: no join details" \
    "$(ctl status "$OLD" | cut -f4-)" "$(printf 'Sala Sur\tbooked\t')"
check "admin verify passes on them" ctl admin verify >/dev/null
check "a slot with join details is added beside them" \
    as vera avail add --start "$D 15:00" --minutes 50 --join "Sala Sur, 2o piso" >/dev/null
expect_eq "and shown to its booker" "$(ctl status "$(ctl book 3)" | cut -f6)" \
    "Sala Sur, 2o piso"
finish
