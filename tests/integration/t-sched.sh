#!/bin/bash
# Scheduling through the real daemon and ecoctl: two counsellors, several
# anonymous bookers, every command of the scheduling contract.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 60;" "cancel_window_minutes = 1440;" \
    "max_bookings_per_uid_hour = 0;"
use_faketime || { not_ok "libfaketime is installed"; finish; }
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }

D3=$(ldate "+3 days"); D4=$(ldate "+4 days"); D5=$(ldate "+5 days")
D10=$(ldate "+10 days")

# Keys and enrolment.
PK_ANA=$(make_key ana)
expect_match "keygen prints a public key" "$PK_ANA" '^[A-Za-z0-9+/]{43}=$'
expect_eq "the key file is mode 600" "$(stat -c %a "$T/ana.key")" 600
check "no key material in the clear in the key file" \
    test "$(grep -c 'passphrase of' "$T/ana.key")" = 0
out=$("$ECOCTL" keygen --out "$T/ana.key" --passphrase-file "$T/ana.pass" \
    2>&1); st=$?
expect_eq "keygen refuses to overwrite a key file" "$st" 1
PK_BETO=$(make_key beto)
PK_CARO=$(make_key caro)
check "admin enrols ana" ctl admin counsellor add ana "$PK_ANA"
check "admin enrols beto" ctl admin counsellor add beto "$PK_BETO"
check "admin enrols caro" ctl admin counsellor add caro "$PK_CARO"
out=$(ctl admin counsellor add ana "$PK_BETO" 2>&1); st=$?
expect_eq "a name cannot be enrolled twice (exit 1)" "$st" 1
expect_match "and says so" "$out" "enrolled already"
out=$(ctl admin counsellor add dora "not-a-key" 2>&1)
expect_match "a bad public key is refused, the field named" "$out" \
    "pubkey: not base64 of 32 bytes"
out=$(ctl admin counsellor add "bad name" "$PK_BETO" 2>&1)
expect_match "a bad name is refused, the field named" "$out" \
    "name: 1 to 64 letters"

# Logins.
echo "wrong" > "$T/wrong.pass"
out=$(ECO_KEY=$T/ana.key ctl agenda --passphrase-file "$T/wrong.pass" 2>&1)
st=$?
expect_eq "a wrong passphrase fails (exit 1)" "$st" 1
expect_match "and says so" "$out" "wrong passphrase"
make_key eve >/dev/null
out=$(as eve agenda 2>&1); st=$?
expect_eq "an unenrolled key cannot log in (exit 1)" "$st" 1
expect_match "login failed" "$out" "login failed"
out=$(ctl agenda 2>&1); st=$?
expect_eq "agenda without a key is an error" "$st" 1
expect_match "naming --key, and whose key" "$out" "^ecoctl: agenda needs a counsellor's key: --key FILE or ECO_KEY$"

# Availability.
out=$(as ana avail add --start "$D3 10:00" --minutes 50 --weekly 2 \
    --modality presencial --location "Consultorio 3")
expect_eq "ana publishes two weekly slots" "$out" "$(printf '1\n2')"
expect_eq "beto publishes a slot at the same time" "$(as beto avail add \
    --start "$D3 10:00" --minutes 60 --modality video)" 3
expect_eq "ana publishes a phone slot" "$(as ana avail add \
    --start "$D4 09:00" --minutes 45 --modality telefono)" 4
expect_eq "ana publishes another" "$(as ana avail add \
    --start "$D5 09:00" --minutes 45 --location "Consultorio 3")" 5
expect_eq "beto publishes a later slot" "$(as beto avail add \
    --start "$D10 11:00" --minutes 30 --modality video)" 6

# bad_avail WHAT EXIT ARGS...: a refused avail add. A value the daemon
# refuses (ERR invalid) is bad usage, exit 2; a conflict is exit 1.
bad_avail() {
	out=$(as ana avail add "${@:3}" 2>&1); st=$?
	expect_eq "$1: exit $2" "$st" "$2"
}
bad_avail "an overlapping slot is refused" 1 --start "$D3 10:30" \
    --minutes 30
expect_match "  as an overlap" "$out" "overlaps"
bad_avail "a slot in the past is refused" 2 \
    --start "$(ldate yesterday) 10:00" --minutes 30
expect_match "  as past" "$out" "in the past"
bad_avail "zero minutes are refused" 2 --start "$D4 12:00" --minutes 0
bad_avail "a thousand minutes are refused" 2 --start "$D4 12:00" \
    --minutes 1000
expect_match "  with the range" "$out" "minutes: must be 5 to 720"
bad_avail "February 30 is refused" 2 --start "2027-02-30 10:00" \
    --minutes 30
expect_match "  as a date that does not exist" "$out" "does not exist"
bad_avail "a date without time is refused" 2 --start "$D4" --minutes 30
bad_avail "an unknown modality is refused" 2 --start "$D4 12:00" \
    --minutes 30 --modality carta
expect_match "  listing the modalities" "$out" "presencial, telefono, video"
bad_avail "105 weeks are refused (two years at most)" 2 \
    --start "$D4 12:00" --minutes 30 --weekly 105
"$ECOCTL" -s "$SOCK" avail add --minutes 30 >/dev/null 2>&1
expect_eq "avail add without --start is a usage error (exit 2)" "$?" 2

# Free slots.
all=$(ctl slots)
expect_eq "slots lists all six, by start" "$(echo "$all" | cut -f1 | \
    tr '\n' ' ')" "1 3 4 5 2 6 "
expect_eq "a slot line: id, local start, minutes, modality, location" \
    "$(echo "$all" | head -1)" \
    "$(printf '1\t%s 10:00\t50\tpresencial\tConsultorio 3' "$D3")"
expect_eq "slots --modality video" "$(ctl slots --modality video | \
    cut -f1 | tr '\n' ' ')" "3 6 "
expect_eq "slots --from --to (inclusive)" "$(ctl slots --from "$D4" \
    --to "$D5" | cut -f1 | tr '\n' ' ')" "4 5 "
out=$(ctl slots --from "tomorrow" 2>&1); st=$?
expect_eq "slots with a bad date is bad usage (exit 2)" "$st" 2
expect_match "and names the field" "$out" "^ecoctl: from: "

# Booking, anonymously.
CODE1=$(ctl book 1)
expect_match "book prints a code of 28 characters in groups" "$CODE1" \
    '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$'
out=$(ctl book 1 2>&1); st=$?
expect_eq "a booked slot cannot be booked again (exit 1)" "$st" 1
expect_match "and the loser is told" "$out" "^ecoctl: someone has just booked slot 1\."
expect_match "with the next free slots, the taken one not among them" \
    "$(echo "$out" | sed -n '2,$p' | tr '\n' '|')" \
    "^The next free slots:\|(  [02-9][0-9]* [^|]*\|){5}Take one with: ecoctl book SLOT\|$"
expect_eq "status shows the booking (no join details: the last column empty)" \
    "$(ctl status "$CODE1")" \
    "$(printf '%s 10:00\t50\tpresencial\tConsultorio 3\tbooked\t' "$D3")"
typo=$(echo "$CODE1" | sed 's/^\(.\)/\1/; s/^./X/')
[ "$typo" = "$CODE1" ] && typo=$(echo "$CODE1" | sed 's/^./Y/')
out=$(ctl status "$typo" 2>&1); st=$?
expect_eq "a typo in the code exits 1" "$st" 1
expect_match "and says to check it, no more (a typo and an unknown code read alike)" \
    "$out" "^ecoctl: no case has this code\. Check it character by character: .*new case\.$"
expect_eq "the code is read in lower case, without hyphens" \
    "$(ctl status "$(echo "$CODE1" | tr -d - | tr A-Z a-z)" | cut -f5)" \
    booked
out=$(ctl book 4 --code "$CODE1" 2>&1)
expect_match "one upcoming booking per case" "$out" "upcoming session already"
CODE2=$(ctl book 3)
check "a second worker books beto's slot" test -n "$CODE2"
check "codes differ" test "$CODE1" != "$CODE2"
expect_eq "booked slots leave the list" "$(ctl slots | cut -f1 | \
    tr '\n' ' ')" "4 5 2 6 "

# Reschedule: to a taken slot nothing changes; to a free one it moves.
before=$(ctl status "$CODE1"; ctl slots)
out=$(ctl reschedule "$CODE1" 3 2>&1); st=$?
expect_eq "reschedule to a taken slot exits 1" "$st" 1
expect_match "and says it is taken" "$out" "^ecoctl: someone has just booked slot 3\."
expect_match "and how to take another" "$out" "Take one with: ecoctl reschedule SLOT$"
expect_eq "and nothing changed" "$(ctl status "$CODE1"; ctl slots)" "$before"
check "reschedule to a free slot" ctl reschedule "$CODE1" 4
expect_eq "the old booking is rescheduled, the new one booked" \
    "$(ctl status "$CODE1" | cut -f1,5 | tr '\t\n' '| ')" \
    "$D3 10:00|rescheduled $D4 09:00|booked "
expect_eq "the old slot is free again" "$(ctl slots | cut -f1 | \
    tr '\n' ' ')" "1 5 2 6 "

# Cancel, then a follow-up in the same case.
check "cancel" ctl cancel "$CODE1"
expect_eq "status shows it cancelled" "$(ctl status "$CODE1" | tail -1 | \
    cut -f5)" cancelled
out=$(ctl cancel "$CODE1" 2>&1)
expect_match "nothing left to cancel" "$out" "no upcoming session"
out=$(ctl book 5 --code "$CODE1")
expect_eq "a follow-up with --code prints nothing" "$out" ""
expect_eq "the follow-up joins the case" "$(ctl status "$CODE1" | wc -l)" 3
agenda=$(as ana agenda)
expect_eq "ana's agenda: her three bookings of case 1" \
    "$(echo "$agenda" | cut -f1,6,7 | tr '\t\n' '| ')" \
    "1|rescheduled|1 3|cancelled|1 4|booked|1 "
expect_eq "an agenda line has the contract's columns and a message flag" \
    "$(echo "$agenda" | tail -1)" \
    "$(printf '4\t%s 09:00\t45\tpresencial\tConsultorio 3\tbooked\t1\t-\t' "$D5")"
expect_eq "beto sees only his booking" "$(as beto agenda | cut -f1,7 | \
    tr '\t\n' '| ')" "2|2 "
expect_eq "agenda --from --to" "$(as ana agenda --from "$D5" --to "$D5" | \
    cut -f1)" 4

# Intake message: sealed to the slot's counsellor, opened only by her.
printf 'Necesito hablar.\nGracias, ñ.\n' > "$T/msg"
CODE3=$(ctl book 2 --message-file "$T/msg")
check "booking with a message" test -n "$CODE3"
expect_eq "the agenda shows that a message exists" \
    "$(as ana agenda | awk -F'\t' '$1 == 5 { print $8 }')" message
as ana message 5 > "$T/msg.out"
check "ana opens the message, byte for byte" cmp "$T/msg" "$T/msg.out"
out=$(as beto message 5 2>&1); st=$?
expect_eq "beto cannot fetch it (exit 1)" "$st" 1
out=$(as ana message 4 2>&1)
expect_match "a booking without a message says so" "$out" "no message"
head -c 5000 /dev/zero > "$T/big"
out=$(ctl book 6 --message-file "$T/big" 2>&1); st=$?
expect_eq "a message over 4096 bytes is refused before sending" "$st" 1

# iCalendar.
ical=$(as ana agenda --ical)
expect_match "ical starts with BEGIN:VCALENDAR" "$(echo "$ical" | head -1)" \
    "^BEGIN:VCALENDAR.$"
expect_eq "every ical line ends with CRLF" \
    "$(echo "$ical" | grep -vc $'\r$')" 0
expect_eq "one VEVENT a booking, a reschedule chain one event" "$(echo "$ical" | grep -c '^BEGIN:VEVENT')" 3
expect_match "times are UTC" "$ical" "DTSTART:[0-9]{8}T[0-9]{6}Z"
expect_no_match "no code, message or case in the calendar" "$ical" \
    "$CODE1|$CODE3|Necesito|CASE"

# The cancellation window and the minimum notice, on the daemon's clock.
set_clock "$D3 08:00"
out=$(ctl cancel "$CODE2" 2>&1); st=$?
expect_eq "cancel inside the window exits 1" "$st" 1
until=$(LC_ALL=C date -d "$D3 -1 day" "+%A %-d %B %Y")
expect_eq "and says the window closed, since when, and who can still cancel" \
    "$out" "ecoctl: it is too late to change this session yourself: changes were possible until $until, 10:00 (Mexico City time) (24 hours before it starts). The service can still cancel it for you: contact them."
out=$(ctl reschedule "$CODE2" 6 2>&1)
expect_match "reschedule inside the window is refused too" "$out" "too late"
expect_eq "and the booking stands" "$(ctl status "$CODE2" | cut -f5)" booked
expect_eq "two hours ahead, slot 1 is bookable" "$(ctl slots --to "$D3" | \
    cut -f1)" 1
set_clock "$D3 09:30"
expect_eq "half an hour ahead, it is not listed" "$(ctl slots --to "$D3")" ""
out=$(ctl book 1 2>&1)
expect_eq "nor bookable (minimum notice), and says until when one can book" \
    "$out" "ecoctl: slot 1 starts too soon: a session can be booked until 1 hour before it starts. ecoctl slots lists those that can still be booked."

# Marks, once the session has started.
out=$(as beto mark 2 attended 2>&1)
expect_match "a session not yet started cannot be marked" "$out" \
    "not started"
set_clock "$D3 10:05"
check "beto marks his session attended" as beto mark 2 attended
expect_eq "status shows attended" "$(ctl status "$CODE2" | cut -f5)" attended
out=$(as ana mark 2 no-show 2>&1)
expect_match "ana cannot mark beto's booking" "$out" "no such booking"
out=$(as beto mark 2 no-show 2>&1)
expect_match "a marked booking cannot be marked again: mark --correct" \
    "$out" "marked attended already.*ecoctl mark 2 no-show --correct"
"$ECOCTL" -s "$SOCK" mark 2 maybe >/dev/null 2>&1
expect_eq "mark with a bad state is a usage error" "$?" 2
set_clock "$D5 10:00"
check "ana marks a no-show" as ana mark 4 no-show
echo "+0" > "$FAKE"

# Withdrawing slots.
out=$(as ana avail rm 5 2>&1)
expect_match "a booked slot cannot be withdrawn" "$out" "is booked"
out=$(as beto avail rm 1 2>&1)
expect_match "nor another counsellor's" "$out" "no such slot"
check "beto withdraws a free slot" as beto avail rm 6
expect_no_match "and it leaves the list" "$(ctl slots | cut -f1)" "^6$"

# Revocation.
expect_eq "beto's new slot is listed" "$(as beto avail add \
    --start "$D10 15:00" --minutes 30)" 7
check "admin revokes beto" ctl admin revoke beto
out=$(as beto agenda 2>&1); st=$?
expect_eq "a revoked counsellor cannot log in (exit 1)" "$st" 1
expect_match "login failed" "$out" "login failed"
expect_no_match "his free slots are no longer offered" \
    "$(ctl slots | cut -f1)" "^7$"
out=$(ctl admin revoke nobody-here 2>&1)
expect_match "revoking an unknown name" "$out" "no such name"

# Failed logins never lock out the holder of the right key.
mv "$T/caro.key" "$T/caro.real"
make_key caro >/dev/null	# another key under caro's name
for i in 1 2 3 4 5; do as caro agenda >/dev/null 2>&1; done
mv "$T/caro.real" "$T/caro.key"
out=$(as caro agenda 2>&1); st=$?
expect_eq "after 5 failures for her name the right key logs in (exit 0)" \
    "$st" 0
expect_no_match "at once" "$out" "too many failed logins"

# Raw protocol: roles and fields are checked before any handler.
SIG0=$(head -c 64 /dev/zero | base64 -w0)
out=$(printf 'HELLO 1\nAVAIL-ADD x 1 1 video ""\nAGENDA\nBOOK-NEW abc %s %s\nBOOK-NEW 999 %s %s\nSTATUS x\nAUTH %s\nENROL counsellor zed %s\nAUTH xyz\n' \
    "$(token)" "$(token)" "$(token)" "$(token)" "$SIG0" "$PK_BETO" | \
    "$RAWSOCK" "$SOCK")
expect_match "AVAIL-ADD needs a counsellor" "$(echo "$out" | sed -n 2p)" \
    "^ERR denied"
expect_match "AGENDA needs a counsellor" "$(echo "$out" | sed -n 3p)" \
    "^ERR denied"
expect_match "BOOK with a bad id" "$(echo "$out" | sed -n 4p)" "^ERR invalid"
expect_match "BOOK of no slot" "$(echo "$out" | sed -n 5p)" "^ERR notfound"
expect_match "STATUS of junk" "$(echo "$out" | sed -n 6p)" \
    "^ERR notfound no such code"
expect_match "AUTH before LOGIN" "$(echo "$out" | sed -n 7p)" "^ERR auth"
expect_match "ENROL of a key enrolled under another name" \
    "$(echo "$out" | sed -n 8p)" "^ERR conflict that key is enrolled"
expect_match "AUTH with a malformed signature names the field" \
    "$(echo "$out" | sed -n 9p)" "^ERR invalid signature: not base64 of 64 bytes"

# Durability: acknowledged changes survive a restart and kill -9.
before=$(ctl status "$CODE1"; as ana agenda)
check "the daemon stops" ecod_stop
ecod_start
expect_eq "after a restart every booking is there" \
    "$(ctl status "$CODE1"; as ana agenda)" "$before"
CODE4=$(ctl book 1)
kill -KILL "$ECOD_PID"; wait "$ECOD_PID" 2>/dev/null; ECOD_PID=
ecod_start
expect_eq "a booking acknowledged before kill -9 survives" \
    "$(ctl status "$CODE4" | cut -f5)" booked
check "the daemon stops cleanly" ecod_stop

finish
