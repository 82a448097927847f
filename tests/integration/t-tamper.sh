#!/bin/bash
# A database changed on disk is detected at start, and the row is named:
# an altered row, a row copied to another id, a truncated row or file.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 0;"
ecod_init || not_ok "init"
cp -a "$T/data" "$T/pristine"
restore() { rm -rf "$T/data"; cp -a "$T/pristine" "$T/data"; }

check "the pristine instance starts" ecod_start
check "and stops" ecod_stop

restore; "$DBPOKE" "$DB" flip meta 2
ecod_fails_to_start
expect_match "an altered row is detected and named" "$OUT" \
    "table meta row 2 fails authentication"
expect_eq "and no socket is left" "$(test -e "$SOCK" && echo yes)" ""

restore; "$DBPOKE" "$DB" copy meta 2 7
ecod_fails_to_start
expect_match "a row copied to another id is detected and named" "$OUT" \
    "table meta row 7 fails authentication"

restore; "$DBPOKE" "$DB" swap meta 1 2
ecod_fails_to_start
expect_match "two rows swapped are detected" "$OUT" \
    "table meta row 1|master key does not open"

restore; "$DBPOKE" "$DB" cut meta 2 20
ecod_fails_to_start
expect_match "a truncated row is detected and named" "$OUT" \
    "table meta row 2 fails authentication"

restore; "$DBPOKE" "$DB" delete meta 1
ecod_fails_to_start
expect_match "a missing instance row is named" "$OUT" \
    "not an initialised ECO instance"

# A row of every sealed table: those the model loads are authenticated
# as it loads them (opened once), the others before; each is named.
restore; ecod_start || not_ok "start for the rows"
ctl admin counsellor add ana "$(make_key ana)" >/dev/null
ctl admin auditor add au "$(make_key au)" >/dev/null
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 30 >/dev/null
ctl book 1 >/dev/null
echo "a note" | as ana note write 1 >/dev/null
ecod_stop
cp -a "$T/data" "$T/rows"
for t in counsellors slots bookings notes audit; do
	rm -rf "$T/data"; cp -a "$T/rows" "$T/data"
	"$DBPOKE" "$DB" flip "$t" 1
	ecod_fails_to_start
	expect_match "an altered row of $t stops start-up, named" "$OUT" \
	    "table $t row 1 fails authentication"
done
# Case rows grow with history and a request reads only the one its code
# finds: start-up leaves them to admin verify and the purge, which read
# every one. The purge keeps a bad one, named, and goes on with the rest.
rm -rf "$T/data"; cp -a "$T/rows" "$T/data"
"$DBPOKE" "$DB" flip cases 1
check "an altered case row does not stop start-up" ecod_start
out=$(ctl admin verify 2>&1); st=$?
expect_eq "  admin verify exits 1" "$st" 1
expect_match "  naming the row" "$out" "table cases row 1 fails authentication"
out=$(ctl admin purge 2>&1); st=$?
expect_eq "  the purge, which reads case rows, still runs (exit 0)" "$st" 0
check "  keeping that row, named in the log" grep -q \
    "purge: 1 case rows fail authentication (the first is row 1)" "$LOG"
expect_match "  the daemon still answers" "$(ctl ping)" "PONG"
check "  and stops" ecod_stop

# A case's tag (its code's blind index, which the seal does not cover)
# moved onto another case: each code then fails, named, and never shows
# the other worker's booking.
restore; ecod_start || not_ok "start for the tags"
ctl admin counsellor add bea "$(make_key bea)" >/dev/null
as bea avail add --start "$(ldate '+2 days') 10:00" --minutes 30 \
    --weekly 2 >/dev/null
CODE1=$(ctl book 1); CODE2=$(ctl book 2)
when2=$(ctl status "$CODE2" | cut -f2)
expect_match "two cases booked" "$CODE1 $CODE2 $when2" \
    "^[0-9A-Z-]{34} [0-9A-Z-]{34} [0-9]"
ecod_stop
"$DBPOKE" "$DB" swaptag cases 1 2
check "the daemon starts with two case tags exchanged" ecod_start
out=$(ctl status "$CODE1" 2>&1); st=$?
expect_eq "  the first code fails (exit 1)" "$st" 1
expect_no_match "  without showing the other case's booking" "$out" \
    "$when2"
expect_match "  saying it failed, nothing changed" "$out" \
    "storage failure; nothing changed"
check "  the daemon names the row in its log" \
    grep -q "table cases row 2 fails authentication" "$LOG"
out=$(ctl cancel "$CODE2" 2>&1); st=$?
expect_eq "  the second code cannot cancel the first's booking" "$st" 1
out=$(ctl admin verify 2>&1); st=$?
expect_eq "  admin verify finds it (exit 1)" "$st" 1
expect_match "  naming a row" "$out" "table cases row [12] fails authentication"
expect_match "  the daemon still answers" "$(ctl ping)" "PONG"
check "  and stops" ecod_stop

restore; "$DBPOKE" "$DB" version 99
ecod_fails_to_start
expect_match "a schema from a newer ecod is refused" "$OUT" \
    "schema version 99 is newer"

restore; truncate -s 5000 "$DB"
ecod_fails_to_start
expect_match "a truncated database file is refused clearly" "$OUT" \
    "$DB: .*(malformed|not a database|disk image)"

restore; head -c 8192 /dev/urandom > "$DB"
ecod_fails_to_start
expect_match "a file that is not a database is refused" "$OUT" \
    "$DB: .*not a database"

restore
check "the restored instance starts again" ecod_start
check "and stops" ecod_stop

finish
