#!/bin/bash
# The worker's moment at a terminal: after book, the code alone on stdout and
# on the terminal how to keep it; cancel and reschedule say what happened; a
# slot inside the cancel window is said before it is booked, and booked only
# if the person says yes. Scripts (no terminal) see only the contract.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 1440;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --weekly 3 \
    --location "Consultorio 3" >/dev/null		# slots 1 2 3
soon=$(TZ=$ZONE date -d "+3 hours" "+%F %H:00")
as ana avail add --start "$soon" --minutes 30 --modality telefono \
    >/dev/null						# slot 4


at book 1
CODE=$STDOUT
expect_match "book at a terminal: the code alone on stdout" "$CODE" \
    '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$'
expect_eq "and exit 0" "$RC" 0
expect_match "the terminal says it is the only way back" "$TTY" \
    "It is the only way back to this booking"
expect_match "how to keep it, and not as a photo on a shared phone" \
    "$(tr '\n' ' ' <<<"$TTY")" \
    "Write it down on paper.*Do not take a photo of it on a phone or computer others use"
expect_match "what it lets them do" "$(tr '\n' ' ' <<<"$TTY")" \
    "ecoctl status.*ecoctl cancel.*ecoctl reschedule.*ecoctl book SLOT --code"
wd=$(LC_ALL=C date -d "$D" "+%A %-d %B %Y")
wd1=$(LC_ALL=C date -d "$D -1 day" "+%A %-d %B %Y")
expect_match "the session, with weekday and zone" "$TTY" \
    "Your session: $wd, 10:00 \\(Mexico City time\\), 50 minutes, in person, Consultorio 3\\."
expect_match "and until when it can be changed" "$TTY" \
    "You can cancel or change it until $wd1, 10:00 \\(Mexico City time\\)\\."
expect_eq "the code is written on the terminal once, by stdout only" \
    "$(grep -c -- "$CODE" <<<"$TTY")" 0

out=$(ctl book 2 2>&1)
expect_match "piped (no terminal), book prints the code and nothing else" \
    "$out" '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$'
CODE2=$out

wd2=$(LC_ALL=C date -d "$D +7 days" "+%A %-d %B %Y")
at reschedule "$CODE" 3
expect_eq "reschedule at a terminal: nothing on stdout" "$STDOUT" ""
expect_match "and says where the session moved" "$TTY" \
    "^Moved: your session of $wd, 10:00 \\(Mexico City time\\) is now on $(LC_ALL=C date -d "$D +14 days" "+%A %-d %B %Y"), 10:00 \\(Mexico City time\\), 50 minutes, in person, Consultorio 3\\.$"
at cancel "$CODE"
expect_eq "cancel at a terminal: nothing on stdout" "$STDOUT" ""
expect_match "and says which session was cancelled, and that the code works" \
    "$TTY" "^Cancelled: your session of .*, 10:00 \\(Mexico City time\\), 50 minutes, in person, Consultorio 3\\.
Your code still works: book again with ecoctl book SLOT --code\\.$"
expect_eq "piped, cancel says nothing" "$(ctl cancel "$CODE2" 2>&1)" ""

# A slot inside the cancel window: said before, booked only on a yes.
PTYARGS=(--answer n --after "[y/N]")
at book 4
expect_match "a slot inside the window is said before booking" "$TTY" \
    "This session starts .*: that is less than 24 hours from now, so once it is booked you cannot cancel or change it yourself \\(the service still can\\)\\."
expect_match "and asked" "$TTY" "Book it\\? \\[y/N\\]"
expect_eq "no: nothing booked, exit 1" "$RC|$STDOUT" "1|"
expect_match "and says so" "$TTY" "Not booked\\."
expect_eq "the slot is still free" "$(ctl slots | cut -f1 | grep -c '^4$')" 1
PTYARGS=(--answer y --after "[y/N]")
at book 4
expect_match "yes: booked" "$STDOUT" '^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$'
expect_eq "and the slot is taken" "$(ctl slots | cut -f1 | grep -c '^4$')" 0

# A slot taken under someone's hands: the next free ones are offered.
at book 4
expect_match "a slot just taken: said, and the next free ones offered" \
    "$TTY" "^ecoctl: someone has just booked slot 4\\.
The next free slots:
  1 .*"

finish
