#!/bin/bash
# The schedule's indexes (daemon/index.c) follow every change: free slots
# by start (SLOTS), live slots by counsellor (the overlap check), bookings
# by case (STATUS, CANCEL, RESCHEDULE, a follow-up BOOK), after book,
# cancel, reschedule, withdraw, a weekly add, and a restart (sched_load).
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 60;" "max_bookings_per_uid_hour = 0;" \
    "max_bookings_per_connection = 1000;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }

D3=$(ldate "+3 days"); D4=$(ldate "+4 days"); D30=$(ldate "+30 days")

check "admin enrols ana" ctl admin counsellor add ana "$(make_key ana)"
avail() { as ana avail add --modality video "$@" | tr '\n' ' '; }
expect_eq "weekly slots 1 to 3" "$(avail --start "$D3 10:00" --minutes 30 \
    --weekly 3)" "1 2 3 "
expect_eq "slot 4" "$(avail --start "$D3 12:00" --minutes 30)" "4 "
expect_eq "slot 5" "$(avail --start "$D4 09:00" --minutes 30)" "5 "
ids() { ctl slots | cut -f1 | tr '\n' ' '; }
expect_eq "slots by start" "$(ids)" "1 4 5 2 3 "

# Book, cancel, book again, reschedule.
CODE=$(ctl book 4)
expect_eq "a booked slot leaves SLOTS" "$(ids)" "1 5 2 3 "
check "cancel" ctl cancel "$CODE"
expect_eq "a cancelled slot is back in SLOTS" "$(ids)" "1 4 5 2 3 "
check "the case books again after its cancel" ctl book 4 --code "$CODE"
expect_eq "and the slot leaves SLOTS again" "$(ids)" "1 5 2 3 "
out=$(ctl book 1 --code "$CODE" 2>&1)
expect_match "the case has an upcoming session (bookings by case)" "$out" \
    "upcoming session already"
check "reschedule to slot 5" ctl reschedule "$CODE" 5
expect_eq "the old slot is back, the new one gone" "$(ids)" "1 4 2 3 "
expect_eq "status lists the case's three bookings" \
    "$(ctl status "$CODE" | cut -f5 | tr '\n' ' ')" \
    "cancelled rescheduled booked "
CODE2=$(ctl book 1)
expect_eq "another case's status is its own" \
    "$(ctl status "$CODE2" | cut -f5 | tr '\n' ' ')" "booked "

# Withdraw, then the overlap check.
check "withdraw slot 2" as ana avail rm 2
expect_eq "a withdrawn slot leaves SLOTS" "$(ids)" "4 3 "
out=$(as ana avail add --start "$D3 10:15" --minutes 30 --weekly 52 \
    --modality video 2>&1); st=$?
expect_eq "a weekly add meeting slot 1 is refused" "$st" 1
expect_match "  in week 1" "$out" "week 1"
out=$(as ana avail add --start "$(ldate "$D3 +7 days") 10:15" --minutes 30 \
    --weekly 52 --modality video 2>&1)
expect_match "one meeting slot 3 (week 2), past withdrawn slot 2" "$out" \
    "week 2"
expect_eq "the withdrawn slot's time is free to publish again" \
    "$(avail --start "$(ldate "$D3 +7 days") 10:00" --minutes 30)" "6 "
expect_eq "a weekly add of 52 beside them" "$(avail \
    --start "$D3 10:30" --minutes 5 --weekly 52 | wc -w)" 52
out=$(as ana avail add --start "$(ldate "$D3 +49 days") 10:32" --minutes 5 \
    --modality video 2>&1)
expect_match "a slot meeting the 8th week of it is refused" "$out" \
    "overlaps"
expect_eq "a slot of 720 minutes" "$(avail --start "$D30 00:00" \
    --minutes 720)" "59 "
out=$(as ana avail add --start "$D30 11:55" --minutes 5 --modality video 2>&1)
expect_match "its last 5 minutes are taken (the longest slot counts)" "$out" \
    "overlaps"
expect_eq "the minute after it is free" "$(avail --start "$D30 12:00" \
    --minutes 5)" "60 "

# A restart loads the same indexes.
before_ids=$(ids); before_status=$(ctl status "$CODE")
ecod_stop; ecod_start || { not_ok "daemon restarts"; finish; }
expect_eq "SLOTS is the same after a restart" "$(ids)" "$before_ids"
expect_eq "so is STATUS" "$(ctl status "$CODE")" "$before_status"
out=$(ctl book 4 --code "$CODE" 2>&1)
expect_match "the case still has its upcoming session" "$out" \
    "upcoming session already"
out=$(as ana avail add --start "$D30 11:55" --minutes 5 --modality video 2>&1)
expect_match "the long slot still counts for overlaps" "$out" "overlaps"
check "cancel after the restart" ctl cancel "$CODE"
expect_match "frees slot 5 into SLOTS" "$(ids)" "^7 4 5 6 8 "

# A revoked counsellor's slots leave SLOTS, and stay out after a restart.
check "admin enrols bea" ctl admin counsellor add bea "$(make_key bea)"
expect_eq "bea's slot" "$(as bea avail add --start "$D3 12:00" --minutes 30 \
    --modality video)" 61
expect_match "is in SLOTS" "$(ids)" " 61 "
check "admin revokes ana" ctl admin revoke ana
expect_eq "only bea's slot is left" "$(ids)" "61 "
ecod_stop; ecod_start || { not_ok "daemon restarts"; finish; }
expect_eq "and after a restart" "$(ids)" "61 "
finish
