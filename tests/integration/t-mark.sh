#!/bin/bash
# Correcting a mark: mark BOOKING attended|no-show --correct changes a mark
# made by mistake, once, within mark_correction_minutes of the first mark,
# by the booking's counsellor only; each correction has its own audit entry
# and the booking row keeps that it was corrected, across a restart. The
# same mark again changes nothing; a plain mark over another tells how to
# correct it. Rows written before marks kept their time still load.
. "$(dirname "$0")/lib.sh"

use_faketime || { not_ok "libfaketime is installed"; finish; }
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "mark_correction_minutes = 60;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add beto "$(make_key beto)"
ctl admin auditor add eva "$(make_key eva)"
D=$(ldate "+2 days")
as ana avail add --start "$D 10:00" --minutes 50 >/dev/null
as ana avail add --start "$D 11:00" --minutes 50 >/dev/null
as ana avail add --start "$D 12:00" --minutes 50 >/dev/null
for s in 1 2 3; do ctl book $s >/dev/null; done
entries() { as eva audit log | cut -f3- | grep -c "mark"; }
state() { as ana agenda | awk -F'\t' -v b="$1" '$1 == b { print $6 }'; }

set_clock "$D 12:30"
check "ana marks booking 1 a no-show" as ana mark 1 no-show
n=$(entries)
check "the same mark again: exit 0" as ana mark 1 no-show
expect_eq "  and nothing written" "$(entries)" "$n"
out=$(as ana mark 1 attended 2>&1); st=$?
expect_eq "a plain mark over another: exit 1" "$st" 1
expect_eq "  saying how to correct it" "$out" \
    "ecoctl: booking 1 is marked no-show already. A mark can be corrected once, soon after it was made: ecoctl mark 1 attended --correct"
expect_eq "  and it is still a no-show" "$(state 1)" "no-show"
out=$(as beto mark 1 attended --correct 2>&1); st=$?
expect_eq "another counsellor cannot correct it (exit 1)" "$st" 1
expect_eq "  no such booking of his" "$out" "ecoctl: no such booking of yours"
expect_eq "  and it is still a no-show" "$(state 1)" "no-show"

set_clock "$D 13:00"
check "ana corrects it, within the hour" as ana mark 1 attended --correct
expect_eq "  it is attended now" "$(state 1)" "attended"
check "the same correction again changes nothing (exit 0)" \
    as ana mark 1 attended --correct
out=$(as ana mark 1 no-show --correct 2>&1); st=$?
expect_eq "a second correction is refused (exit 1)" "$st" 1
expect_eq "  with the reason" "$out" \
    "ecoctl: the mark was corrected once already; it cannot be corrected again"
out=$(LANG=es_MX.UTF-8 as ana mark 1 no-show --correct 2>&1)
expect_eq "  in Spanish too" "$out" \
    "ecoctl: la marca ya se corrigió una vez; no se puede corregir otra vez"
expect_eq "  and it stays attended" "$(state 1)" "attended"
out=$(printf 'HELLO 1\nMARK-CORRECT 1 no-show\n' | "$RAWSOCK" "$SOCK")
expect_match "MARK-CORRECT is for counsellors only" "$out" "^ERR denied"

check "ana marks booking 2 attended" as ana mark 2 attended
set_clock "$D 14:01"
out=$(as ana mark 2 no-show --correct 2>&1); st=$?
expect_eq "a correction past the window is refused (exit 1)" "$st" 1
expect_eq "  with the reason" "$out" \
    "ecoctl: too late to correct the mark: corrections close 60 minutes after the first mark"
out=$(as ana mark 3 attended --correct 2>&1); st=$?
expect_eq "a booking not marked has nothing to correct (exit 1)" "$st" 1
expect_match "  and says so" "$out" "booked, not marked"

log=$(as eva audit log | cut -f3-)
expect_eq "one audit entry for the correction, by actor and id only" \
    "$(printf '%s\n' "$log" | grep -c "mark-correct	booking:1	ok$")" 1
expect_match "the refusals recorded too" "$log" \
    "counsellor:beto	mark-correct	booking:1	refused"
expect_match "  (the late one)" "$log" \
    "counsellor:ana	mark-correct	booking:2	refused"
expect_eq "the first marks are there" \
    "$(printf '%s\n' "$log" | grep -c "mark-\(no-show\|attended\)	booking:[12]	ok$")" 2
check "the audit log verifies" as eva audit verify >/dev/null 2>&1

# The row keeps it: after a restart the correction is still spent and the
# window still counts from the first mark.
ecod_stop
ecod_start || { not_ok "daemon restarts"; finish; }
set_clock "$D 13:05"
out=$(as ana mark 1 no-show --correct 2>&1)
expect_match "after a restart, booking 1 was corrected already" "$out" \
    "corrected once already"
check "booking 2, 25 minutes after its first mark, can be corrected" \
    as ana mark 2 no-show --correct
expect_eq "  and is a no-show" "$(state 2)" "no-show"
check "admin verify passes" ctl admin verify >/dev/null

# mark_correction_minutes: bounded, with its file and line; 0 turns
# corrections off.
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "mark_correction_minutes = 43201;"
out=$("$ECOD" -n -c "$CONF" 2>&1); st=$?
expect_eq "mark_correction_minutes past its bound: ecod -n exits 1" "$st" 1
expect_match "  naming the file and line" "$out" \
    "ecod.conf:7: .*mark_correction_minutes.*43200"
ecod_stop
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "mark_correction_minutes = 0;"
ecod_start || { not_ok "daemon restarts with corrections off"; finish; }
check "booking 3 is marked" as ana mark 3 attended
out=$(as ana mark 3 no-show --correct 2>&1); st=$?
expect_eq "mark_correction_minutes = 0: no correction (exit 1)" "$st" 1
expect_match "  and says so" "$out" "mark_correction_minutes is 0"

# Rows written before bookings kept their marks' times (history, no mark
# fields: 16 bytes less) still load: a marked one counts from its last
# change, none is corrected.
ecod_stop
check "booking rows re-sealed without the mark fields" \
    "$ROOT/$BUILD/tests/keyprobe" "$DB" "$KEY" strip bookings 16
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "mark_correction_minutes = 60;"
ecod_start || { not_ok "today's ecod starts on the older rows"; finish; }
expect_eq "their states are kept" \
    "$(for b in 1 2 3; do state $b; done | tr '\n' ' ')" \
    "attended no-show attended "
set_clock "$D 13:06"
check "a mark of an older row is corrected within its window" \
    as ana mark 3 no-show --correct
expect_eq "the daemon still answers" "$(ctl ping)" "PONG"
finish
