#!/bin/bash
# The booking code never leaves the worker's hands: every command that
# takes one asks for it at the terminal (echo off, in the person's
# language, a typo asked again), or reads it as the first line of standard
# input or of --code-file F; given as an argument on a terminal it still
# works and a warning says why the prompt is safer. While ecoctl waits at
# the prompt, ps shows no code and core dumps are off; after a whole
# worker session under a throw-away HOME the code is in no file under that
# HOME nor under /tmp.
. "$(dirname "$0")/lib.sh"

PROMPT="Your code (not shown as you type): "
write_conf "min_notice_minutes = 0;" "max_bookings_per_uid_hour = 0;" \
    "max_bookings_per_connection = 1000;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --weekly 30 \
    --location "Consultorio 3" >/dev/null		# slots 1..30

# typed CODE: at's next command gets CODE typed at the code prompt.
typed() { PTYARGS=(--expect "$PROMPT" "$1"); }
booked_in() { grep -cP "\tbooked(\t|$)" <<<"$1"; }

CODE=$(ctl book 1)
printf '%s\n' "$CODE" > "$T/code.file"
chmod 600 "$T/code.file"

# status, each way.
typed "$CODE"; PTYARGS+=(--proc "$T/proc"); at status
expect_eq "status at a terminal asks for the code: the session" \
    "$(booked_in "$STDOUT")" 1
expect_eq "  exit 0" "$RC" 0
expect_match "  the prompt is there" "$TTY" "Your code \\(not shown as you type\\)"
expect_eq "  and the code typed is not echoed" "$(grep -c -- "$CODE" <<<"$TTY")" 0
expect_no_match "  no warning: nothing was on the command line" "$TTY" \
    "command line"
expect_match "  waiting at the prompt, ecoctl's command line is just that" \
    "$(sed -n 's/^cmdline //p' "$T/proc")" "status *$"
expect_no_match "  and holds no code" "$(cat "$T/proc")" "${CODE:0:9}"
expect_match "  and it cannot dump core" \
    "$(grep '^Max core file size' "$T/proc")" "^Max core file size +0 +0 "
PTYARGS=(--expect "Your code: " "$CODE"); at status --show-code
expect_eq "status --show-code: the session" "$(booked_in "$STDOUT")" 1
expect_eq "  and what is typed is shown" "$(grep -c -- "$CODE" <<<"$TTY")" 1
out=$(printf '%s\n' "$CODE" | ctl status 2>&1)
expect_eq "status with the code on standard input" "$(booked_in "$out")" 1
out=$(ctl status --code-file "$T/code.file" </dev/null 2>&1)
expect_eq "status --code-file" "$(booked_in "$out")" 1
out=$(printf '%s\n' "$CODE" | tr 'A-Z' 'a-z' | tr -d - | ctl status 2>&1)
expect_eq "  lowercase and without dashes, from stdin too" \
    "$(booked_in "$out")" 1

# status --ical, each way.
typed "$CODE"; at status --ical
expect_match "status --ical at a terminal" "$STDOUT" "^BEGIN:VCALENDAR"
expect_eq "  with no code echoed" "$(grep -c -- "$CODE" <<<"$TTY")" 0
out=$(printf '%s\n' "$CODE" | ctl status --ical)
expect_match "status --ical from stdin" "$out" "BEGIN:VEVENT"
out=$(ctl status --ical --code-file "$T/code.file" </dev/null)
expect_match "status --ical --code-file" "$out" "BEGIN:VEVENT"

# A typo at the prompt is asked again; three are refused as no code.
bad=${CODE:0:33}$( [ "${CODE:33:1}" = 2 ] && echo 3 || echo 2 )
PTYARGS=(--expect "$PROMPT" "$bad" --expect "$PROMPT" "$CODE"); at status
expect_match "a typo at the prompt is caught" "$TTY" "That is not a code"
expect_eq "  and asked again: the second try works" "$(booked_in "$STDOUT")" 1
PTYARGS=(--expect "$PROMPT" "$bad" --expect "$PROMPT" "$bad"
    --expect "$PROMPT" "$bad"); at status
expect_eq "three typos: exit 1" "$RC" 1
expect_match "  and the person is told how a code looks" "$TTY" \
    "no case has this code"
expect_eq "  asked three times" "$(grep -c "not shown as you type" <<<"$TTY")" 3
out=$(printf '%s\n' "$bad" | ctl status 2>&1); rc=$?
expect_match "a typo on stdin: no such code" "$out" "no case has this code"
expect_eq "  exit 1" "$rc" 1
out=$(ctl status </dev/null 2>&1); rc=$?
expect_match "nothing on stdin: said, not hung" "$out" \
    "no code read from standard input"
expect_eq "  exit 1" "$rc" 1
out=$(ctl status "$CODE" --code-file "$T/code.file" 2>&1); rc=$?
expect_match "the code twice (argument and --code-file) is refused" "$out" \
    "the code is given twice"
expect_eq "  exit 1" "$rc" 1
out=$(ctl status --code-file "$T/nothere" 2>&1)
expect_match "a --code-file that cannot be read says so" "$out" \
    "nothere: No such file"
: > "$T/empty"
out=$(ctl status --code-file "$T/empty" 2>&1)
expect_match "an empty --code-file says so" "$out" "first line is empty"
out=$(ctl slots --code-file "$T/code.file" 2>&1); rc=$?
expect_eq "--code-file is only for commands that take a code" "$rc" 2

# The argument still works; on a terminal it is warned about.
at status "$CODE"
expect_eq "the code as an argument at a terminal still works" \
    "$(booked_in "$STDOUT")" 1
expect_match "  with a one-line warning" "$TTY" \
    "a code on the command line stays in the shell's history"
expect_eq "  one line" "$(grep -c "command line" <<<"$TTY")" 1
out=$(ctl status "$CODE" 2>&1)
expect_no_match "piped, the argument is not warned about" "$out" "command line"
expect_eq "  and works" "$(booked_in "$out")" 1
PTYARGS=(--expect "Su código (no se muestra al escribirlo): " "$CODE")
out=$(LANG=es_MX.UTF-8 LANGUAGE= $PTY "${PTYARGS[@]}" -- \
    "$ECOCTL" -s "$SOCK" status); PTYARGS=()
expect_match "in Spanish the prompt is Spanish" "$out" \
    "Su código \\(no se muestra al escribirlo\\)"
expect_match "  and the session is listed" "$out" "	booked"

# reschedule, each way (slots 2, 3, 4, then back to 5).
typed "$CODE"; at reschedule 2
expect_eq "reschedule SLOT at a terminal asks for the code" "$RC" 0
out=$(printf '%s\n' "$CODE" | ctl reschedule 3 2>&1); rc=$?
expect_eq "reschedule SLOT with the code on stdin" "$rc:$out" "0:"
out=$(ctl reschedule 4 --code-file "$T/code.file" </dev/null 2>&1); rc=$?
expect_eq "reschedule SLOT --code-file" "$rc:$out" "0:"
out=$(ctl reschedule "$CODE" 5 2>&1); rc=$?
expect_eq "reschedule CODE SLOT, the old form" "$rc:$out" "0:"
expect_match "  the session is in slot 5 now" \
    "$(ctl status --code-file "$T/code.file" | grep booked)" \
    "^$(ldate "+31 days")"
out=$(ctl reschedule 2>&1); rc=$?
expect_eq "reschedule with no slot is a usage error" "$rc" 2

# cancel, each way (booking again in between, with book --code each way).
typed "$CODE"; at cancel
expect_eq "cancel at a terminal asks for the code" "$RC" 0
expect_eq "  nothing booked now" \
    "$(booked_in "$(ctl status --code-file "$T/code.file")")" 0
typed "$CODE"; at book 6 --code
expect_eq "book SLOT --code at a terminal asks for the code" "$RC" 0
expect_eq "  nothing new on stdout: the same case" "$STDOUT" ""
expect_eq "  booked again" \
    "$(booked_in "$(ctl status --code-file "$T/code.file")")" 1
out=$(printf '%s\n' "$CODE" | ctl cancel 2>&1); rc=$?
expect_eq "cancel with the code on stdin" "$rc:$out" "0:"
out=$(printf '%s\n' "$CODE" | ctl book 7 --code 2>&1); rc=$?
expect_eq "book SLOT --code with the code on stdin" "$rc:$out" "0:"
out=$(ctl cancel --code-file "$T/code.file" </dev/null 2>&1); rc=$?
expect_eq "cancel --code-file" "$rc:$out" "0:"
out=$(ctl book 8 --code-file "$T/code.file" </dev/null 2>&1); rc=$?
expect_eq "book SLOT --code-file: a follow-up" "$rc:$out" "0:"
ctl cancel "$CODE" >/dev/null 2>&1
out=$(ctl book 9 --code "$CODE" 2>&1); rc=$?
expect_eq "book SLOT --code CODE, the old form, still works" "$rc:$out" "0:"
ctl cancel "$CODE" >/dev/null 2>&1
out=$(ctl book --code "$CODE" 10 2>&1); rc=$?
expect_eq "  and with the slot last" "$rc:$out" "0:"
ctl cancel "$CODE" >/dev/null 2>&1
out=$(ctl book 11 --code="$CODE" 2>&1); rc=$?
expect_eq "  and as --code=CODE" "$rc:$out" "0:"
expect_eq "  each in the same case: one booked session" \
    "$(booked_in "$(ctl status --code-file "$T/code.file")")" 1
out=$(ctl book 12 13 --code 2>&1); rc=$?
expect_eq "two slots and --code: a usage error" "$rc" 2
out=$(ctl book 12 "$CODE" 2>&1); rc=$?
expect_eq "a code with no --code: a usage error" "$rc" 2

# messages and reply, each way. The counsellor writes once first.
bk=$(as ana agenda | awk -F'\t' '$6 == "booked" { print $1; exit }')
printf 'from the service\n' > "$T/staff.txt"
as ana message send "booking:$bk" --file "$T/staff.txt" >/dev/null
typed "$CODE"; at messages
expect_match "messages at a terminal asks for the code" "$STDOUT" \
    "from the service"
expect_eq "  with no code echoed" "$(grep -c -- "$CODE" <<<"$TTY")" 0
out=$(printf '%s\n' "$CODE" | ctl messages 2>&1)
expect_match "messages with the code on stdin" "$out" "from the service"
out=$(ctl messages --code-file "$T/code.file" </dev/null 2>&1)
expect_match "messages --code-file" "$out" "from the service"
printf 'a worker reply\n' > "$T/reply.txt"
typed "$CODE"; at reply --file "$T/reply.txt"
expect_eq "reply --file at a terminal asks for the code" "$RC:$STDOUT" "0:"
out=$(printf '%s\nsecond reply, after the code line\n' "$CODE" | ctl reply 2>&1)
rc=$?
expect_eq "reply: the code, then the text, both on stdin" "$rc:$out" "0:"
out=$(printf 'third reply, from stdin\n' | ctl reply --code-file "$T/code.file" 2>&1)
rc=$?
expect_eq "reply --code-file, the text on stdin" "$rc:$out" "0:"
thread=$(ctl messages --code-file "$T/code.file" </dev/null)
expect_match "  all three replies are in the thread" \
    "$(tr '\n' ' ' <<<"$thread")" \
    "a worker reply.*second reply, after the code line.*third reply, from stdin"
expect_no_match "  and the code line is not part of any" "$thread" "${CODE:0:9}"

# A code given as an argument is wiped from ecoctl's own command line once
# read: a slot inside the cancellation window makes book stop and ask, and
# ps then shows no code.
W=$(TZ=$ZONE date -d "+3 hours" "+%F %H:00")
as ana avail add --start "$W" --minutes 30 --location "Consultorio 3" \
    > "$T/wslot"
WSLOT=$(cat "$T/wslot")
expect_match "a slot inside the cancellation window" "$WSLOT" '^[0-9]+$'
PTYARGS=(--expect "[y/N] " n --proc "$T/proc2"); at book "$WSLOT" --code "$CODE"
expect_match "book SLOT --code CODE asks about the window" "$TTY" "\\[y/N\\]"
expect_match "  waiting there, its command line is still book's" \
    "$(sed -n 's/^cmdline //p' "$T/proc2")" "book $WSLOT --code"
expect_no_match "  but the code on it is wiped" "$(cat "$T/proc2")" "${CODE:0:9}"

# Mistyped: nothing says the code back, nothing sends it.
for form in "status --code $CODE" "status --cod=$CODE" "cancel --code $CODE" \
    "reschedule --code $CODE 5" "book 5 --codes=$CODE"; do
	# shellcheck disable=SC2086
	out=$(ctl $form </dev/null 2>&1); rc=$?
	expect_eq "ecoctl $(sed "s/$CODE/CODE/" <<<"$form"): bad usage, exit 2" \
	    "$rc:$(grep -c "no option" <<<"$out")" "2:1"
	expect_no_match "  and the error does not say the code" "$out" \
	    "${CODE:0:9}"
done
for form in "book --code $CODE" "book $CODE" "reschedule $CODE"; do
	# shellcheck disable=SC2086
	# No daemon at this socket: refused before anything is sent.
	out=$(printf '%s\n' "$CODE" |
	    "$ECOCTL" -s "$T/none.sock" $form 2>&1); rc=$?
	expect_eq "ecoctl $(sed "s/$CODE/CODE/" <<<"$form"): the code where the slot goes is refused unsent, exit 2" \
	    "$rc:$(grep -c "slot: not an id" <<<"$out")" "2:1"
done

# Signals at the prompt: the terminal is left echoing.
PTYARGS=(--expect "$PROMPT" $'\x03'); at status
expect_eq "Ctrl-C at the prompt ends ecoctl by SIGINT" "$RC" -2
expect_eq "  and leaves the terminal echoing" "$ECHO" on
expect_eq "  (which ptyrun can tell: stty -echo leaves it off)" \
    "$($PTY -- stty -echo | sed -n 's/^--- echo //p')" off
PTYARGS=(--expect "$PROMPT" $'\x1a' --expect "$PROMPT" "$CODE"); at status
expect_eq "Ctrl-Z at the prompt, then on again: asked again" \
    "$(grep -o "$PROMPT" <<<"$TTY" | wc -l):$(booked_in "$STDOUT")" "2:1"
expect_eq "  echo off again: the code typed then is not shown" \
    "$(grep -c -- "$CODE" <<<"$TTY")" 0

# ecoctl shell: --code-file and --show-code are one line's; a code asked
# for on a piped stdin is the next line.
out=$(printf 'status --code-file %s\nstatus\n%s\n' "$T/code.file" "$CODE" |
    ctl shell 2>&1)
expect_eq "the shell: --code-file for one line, then a code on the next line" \
    "$(booked_in "$out")" 2
expect_no_match "  nothing refused" "$out" "ecoctl:"

# A whole worker session, the code only in memory, under a throw-away
# HOME: then the code is in no file under HOME nor /tmp.
H=$(mktemp -d /tmp/eco-home-XXXXXX)
out=$(/usr/bin/python3 "$ROOT/tests/tools/worker_session.py" "$ECOCTL" \
    "$SOCK" "$H" 20 21 22 23)
echo "$out" | sed 's/^/# /'
expect_eq "a whole worker session at a terminal: every command worked" \
    "$(grep -c '^ok ' <<<"$out"):$(grep -c '^fail' <<<"$out")" "9:0"
expect_match "  files were looked at" "$out" "^scanned [1-9]"
expect_eq "  and none of them under HOME or /tmp holds the code" \
    "$(grep -c '^found ' <<<"$out")" 0
rm -rf "$H"

finish
