#!/bin/bash
# Many clients race for the same slots: each slot is booked exactly once,
# every loser is told so. Then the booking rate limits.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 0;" "max_bookings_per_uid_hour = 0;" \
    "max_connections = 64;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 30 \
    --weekly 5 >/dev/null

# 60 clients, 12 on each of the 5 slots, all at once.
mkdir "$T/race"
racers=()
for i in $(seq 1 60); do
	slot=$(( (i % 5) + 1 ))
	( ctl book $slot > "$T/race/$i.out" 2> "$T/race/$i.err"
	  echo $? > "$T/race/$i.rc"; echo $slot > "$T/race/$i.slot" ) &
	racers+=($!)
done
wait "${racers[@]}"
won=$(grep -l '^0$' "$T"/race/*.rc | wc -l)
lost=$(grep -l '^1$' "$T"/race/*.rc | wc -l)
expect_eq "exactly five clients won" "$won" 5
expect_eq "the other 55 lost" "$lost" 55
expect_eq "every loser was told the slot is taken" \
    "$(cat "$T"/race/*.err | grep -c 'someone has just booked slot')" 55
winners=$(for f in $(grep -l '^0$' "$T"/race/*.rc); do
	cat "${f%.rc}.slot"; done | sort -n | tr '\n' ' ')
expect_eq "one winner per slot" "$winners" "1 2 3 4 5 "
expect_eq "five distinct codes" "$(cat "$T"/race/*.out | sort -u | wc -l)" 5
expect_eq "the agenda holds five bookings on five slots" \
    "$(as ana agenda | cut -f2 | sort -u | wc -l)" 5
expect_eq "no slot is left free" "$(ctl slots)" ""
check "the daemon stops cleanly" ecod_stop

# Rate limits: per peer uid an hour, and per connection.
write_conf "min_notice_minutes = 0;" "max_bookings_per_uid_hour = 3;" \
    "max_bookings_per_connection = 2;"
ecod_start
as ana avail add --start "$(ldate '+9 days') 15:00" --minutes 30 \
    --weekly 6 >/dev/null
ids=$(ctl slots | cut -f1)
set -- $ids
out=$(printf 'HELLO 1\n%s\n%s\n%s\n' "$(book_line "$1")" "$(book_line "$2")" \
    "$(book_line "$3")" | "$RAWSOCK" "$SOCK")
expect_eq "one connection books twice" "$(echo "$out" | grep -cx 'OK')" 2
expect_match "and is refused a third time" "$(echo "$out" | tail -1)" \
    "^ERR limit "
check "a new connection of the same uid books a third" ctl book "$3" \
    >/dev/null
out=$(ctl book "$4" 2>&1); st=$?
expect_eq "the fourth of the hour is refused (exit 1)" "$st" 1
expect_match "with a clear reason" "$out" "too many bookings"
expect_no_match "the limits write nothing about the booker to the log" \
    "$(cat "$LOG")" "uid|limit"
check "the daemon stops cleanly" ecod_stop

finish
