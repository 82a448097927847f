#!/bin/bash
# Correcting a mark: mark BOOKING attended|no-show --correct changes a mark
# made by mistake, once, within mark_correction_minutes of the first mark
# (the daemon's clock), by the booking's counsellor only; the correction
# has its own audit entry (actor and booking id only) and the booking row
# keeps that it was corrected, across a restart. The same mark again
# changes nothing; a plain mark over another says how to correct it. A bad
# mark_correction_minutes stops ecod with file and line; 0 turns
# corrections off. Rows written before marks kept their times still load.
. "$(dirname "$0")/lib.sh"

conf() {
	write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" "$@"
}
use_faketime || { not_ok "libfaketime is installed"; finish; }
export ECO_AUDIT_STATE=$T/audit-state
conf "mark_correction_minutes = 60;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add beto "$(make_key beto)"
ctl admin auditor add eva "$(make_key eva)"
D=$(ldate "+2 days")
D1=$(ldate "+3 days")
for h in 09:00 10:00 11:00 12:00; do
	as ana avail add --start "$D $h" --minutes 50 >/dev/null
done
CODE1=$(ctl book 1)
for s in 2 3 4; do ctl book $s >/dev/null; done
# marks: the audit entries of marks and corrections; state B: booking B's
# state in ana's agenda; refusal CMD...: runs ecoctl, prints its stderr and
# exit status.
marks() { as eva audit log | cut -f3- | grep -c "	mark-"; }
state() { as ana agenda | awk -F'\t' -v b="$1" '$1 == b { print $6 }'; }
refusal() { out=$("$@" 2>&1); st=$?; printf '%s (exit %s)' "$out" "$st"; }

set_clock "$D 12:30"
check "ana marks booking 1 a no-show" as ana mark 1 no-show
expect_eq "  the agenda shows it" "$(state 1)" "no-show"
n=$(marks)
check "the same mark again: exit 0" as ana mark 1 no-show
expect_eq "  and nothing is written" "$(marks)" "$n"
expect_eq "a plain mark over another is refused, saying how to correct it" \
    "$(refusal as ana mark 1 attended)" \
    "ecoctl: booking 1 is marked no-show already. A mark can be corrected once, soon after it was made: ecoctl mark 1 attended --correct (exit 1)"
expect_eq "  and it is still a no-show" "$(state 1)" "no-show"
expect_eq "another counsellor cannot correct it" \
    "$(refusal as beto mark 1 attended --correct)" \
    "ecoctl: no such booking of yours (exit 1)"
expect_eq "  nor an auditor" "$(refusal as eva mark 1 attended --correct)" \
    "ecoctl: mark needs a counsellor's key: --key FILE or ECO_KEY (this key is not a counsellor's) (exit 1)"
out=$(printf 'HELLO 1\nMARK-CORRECT 1 attended\n' | "$RAWSOCK" "$SOCK")
expect_match "  nor a connection that has not logged in" "$out" "^ERR denied"
expect_eq "  and it is still a no-show" "$(state 1)" "no-show"
expect_eq "a booking that does not exist" \
    "$(refusal as ana mark 99 attended --correct)" \
    "ecoctl: no such booking of yours (exit 1)"
expect_match "a booking not marked has nothing to correct" \
    "$(refusal as ana mark 3 attended --correct)" \
    "the booking is booked, not marked: there is no mark to correct \(exit 1\)$"
expect_eq "  and stays booked" "$(state 3)" "booked"
check "ana marks booking 2 attended" as ana mark 2 attended

set_clock "$D 13:00"
check "ana corrects booking 1, within the hour" as ana mark 1 attended --correct
expect_eq "  her agenda shows it attended" "$(state 1)" "attended"
expect_eq "  so does the worker's status" "$(ctl status "$CODE1" | cut -f5)" \
    "attended"
n=$(marks)
check "the same correction again: exit 0" as ana mark 1 attended --correct
expect_eq "  and nothing is written" "$(marks)" "$n"
expect_eq "a second correction is refused" \
    "$(refusal as ana mark 1 no-show --correct)" \
    "ecoctl: the mark was corrected once already; it cannot be corrected again (exit 1)"
expect_eq "  in Spanish too" \
    "$(LANG=es_MX.UTF-8 refusal as ana mark 1 no-show --correct)" \
    "ecoctl: la marca ya se corrigió una vez; no se puede corregir de nuevo (exit 1)"
expect_eq "  and it stays attended" "$(state 1)" "attended"

# Booking 2 was marked at 12:30 (and a few seconds): at 13:35 its window
# of 60 minutes has closed.
set_clock "$D 13:35"
expect_eq "a correction past the window is refused" \
    "$(refusal as ana mark 2 no-show --correct)" \
    "ecoctl: too late to correct the mark: corrections close 60 minutes after the first mark (exit 1)"
expect_eq "  and it stays attended" "$(state 2)" "attended"
check "ana marks booking 3 a no-show" as ana mark 3 no-show
expect_eq "the daemon still answers" "$(ctl ping)" "PONG"

log=$(as eva audit log | cut -f3-)
expect_eq "one audit entry for the correction, by actor and booking id" \
    "$(printf '%s\n' "$log" | grep -c "^counsellor:ana	mark-correct	booking:1	ok$")" 1
expect_eq "  and no other correction accepted" \
    "$(printf '%s\n' "$log" | grep -c "mark-correct	.*	ok")" 1
expect_eq "the first marks, each once" \
    "$(printf '%s\n' "$log" | grep -E "^counsellor:ana	mark-(no-show|attended)	booking:[123]	ok$" | sort | tr '\n' '|')" \
    "counsellor:ana	mark-attended	booking:2	ok|counsellor:ana	mark-no-show	booking:1	ok|counsellor:ana	mark-no-show	booking:3	ok|"
expect_match "the refusals recorded: beto's" "$log" \
    "^counsellor:beto	mark-correct	booking:1	refused$"
expect_match "  ana's second correction" "$log" \
    "^counsellor:ana	mark-correct	booking:1	refused$"
expect_match "  the late one" "$log" \
    "^counsellor:ana	mark-correct	booking:2	refused$"
expect_match "  and the unknown id, as -" "$log" \
    "^counsellor:ana	mark-correct	-	refused$"
expect_no_match "  never the id of no booking" "$log" "booking:99"
expect_no_match "no code in the audit log" "$log" "$CODE1"
expect_no_match "  nor in ecod's log" "$(cat "$LOG")" "$CODE1"
out=$(as eva audit verify 2>&1); st=$?
expect_eq "the audit log verifies" "$st" 0
expect_match "  saying so" "$out" "entries"

# The row keeps the correction: after a restart it is still spent, and
# each window still counts from the booking's first mark.
ecod_stop
set_clock "$D 13:50"
ecod_start || { not_ok "daemon restarts"; finish; }
expect_eq "after a restart booking 1 is still attended" "$(state 1)" "attended"
expect_eq "  its correction still spent" \
    "$(refusal as ana mark 1 no-show --correct)" \
    "ecoctl: the mark was corrected once already; it cannot be corrected again (exit 1)"
expect_match "booking 2's window still closed" \
    "$(refusal as ana mark 2 no-show --correct)" "too late to correct"
check "booking 3, marked 15 minutes ago, is corrected" \
    as ana mark 3 attended --correct
expect_eq "  and is attended" "$(state 3)" "attended"
out=$(ctl admin verify 2>&1); st=$?
expect_eq "admin verify passes" "$st" 0

# mark_correction_minutes: an integer from 0 to 43200, else ecod does not
# start and names the file and line; 0 turns corrections off.
ecod_stop
for bad in "43201|is out of range \\(0 to 43200\\)" \
    "-1|is out of range \\(0 to 43200\\)" "\"60\"|must be an integer"; do
	conf "mark_correction_minutes = ${bad%%|*};"
	out=$("$ECOD" -n -c "$CONF" 2>&1); st=$?
	expect_eq "mark_correction_minutes = ${bad%%|*}: ecod -n exits 1" "$st" 1
	expect_match "  naming file and line" "$out" \
	    "^ecod: $CONF:7: mark_correction_minutes ${bad#*|}"
	ecod_fails_to_start; st=$?
	expect_eq "  ecod does not start" "$st" 0
	expect_match "  and says why" "$OUT" \
	    "$CONF:7: mark_correction_minutes ${bad#*|}"
done
conf "mark_correction_minutes = 0;"
out=$("$ECOD" -n -c "$CONF" 2>&1)
expect_eq "mark_correction_minutes = 0 is a valid setting" "$out" \
    "$CONF: configuration OK"
ecod_start || { not_ok "daemon restarts with corrections off"; finish; }
check "ana marks booking 4 attended" as ana mark 4 attended
expect_eq "with mark_correction_minutes = 0 no mark is corrected" \
    "$(refusal as ana mark 4 no-show --correct)" \
    "ecoctl: marks cannot be corrected on this instance (mark_correction_minutes is 0) (exit 1)"
expect_eq "  and it stays attended" "$(state 4)" "attended"

# Without the setting the window is 1440 minutes: 23 hours later booking
# 4's one correction (not spent by the refusal) is still open.
ecod_stop
conf
set_clock "$D1 13:00"
ecod_start || { not_ok "daemon restarts with the default window"; finish; }
check "by default a mark is corrected 23 hours later" \
    as ana mark 4 no-show --correct
expect_eq "  and is a no-show" "$(state 4)" "no-show"
expect_eq "the audit log has both of booking 4's tries" \
    "$(as eva audit log | cut -f3- | grep "mark-correct	booking:4" | tr '\n' '|')" \
    "counsellor:ana	mark-correct	booking:4	refused|counsellor:ana	mark-correct	booking:4	ok|"

# Rows written before bookings kept their marks' times (the history, and
# no mark fields: 16 bytes less) still load: a marked one counts its window
# from its last change, and none is corrected.
ecod_stop
check "booking rows re-sealed without the mark fields" \
    "$ROOT/$BUILD/tests/keyprobe" "$DB" "$KEY" strip bookings 16
conf "mark_correction_minutes = 60;"
set_clock "$D1 13:30"
ecod_start || { not_ok "today's ecod starts on the older rows"; finish; }
expect_eq "their states are kept" \
    "$(for b in 1 2 3 4; do state $b; done | tr '\n' ' ')" \
    "attended attended attended no-show "
check "booking 4, last changed 30 minutes ago, is corrected" \
    as ana mark 4 attended --correct
expect_match "booking 2, last changed yesterday, is not" \
    "$(refusal as ana mark 2 no-show --correct)" "too late to correct"
expect_eq "the daemon still answers" "$(ctl ping)" "PONG"
out=$(ctl admin verify 2>&1); st=$?
expect_eq "admin verify passes" "$st" 0
finish
