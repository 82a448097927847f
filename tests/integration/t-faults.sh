#!/bin/bash
# Storage faults: a full disk (a small tmpfs as the data directory, made
# full by a filler file) and I/O errors (build/tests/faultshim.so, an
# LD_PRELOAD that fails write/pwrite/fsync/fdatasync on the database and
# its WAL while a control file exists). While a fault lasts every change
# is refused at once with the kind of storage failure named, on a
# connection that stays usable, and memory keeps what the disk has; once
# it clears, service is back without a restart; after a SIGKILL nothing
# acknowledged is lost and nothing refused comes back. Then fault rounds
# under load (tests/torture/torture.py --faults), TORTURE_FAULTS of them.
. "$(dirname "$0")/lib.sh"

SHIM=$ROOT/$BUILD/tests/faultshim.so
FCTL=$T/fault
MNT=
cleanup_faults() {
	if [ -n "$ECOD_PID" ] && kill -0 "$ECOD_PID" 2>/dev/null; then
		kill -KILL "$ECOD_PID"; wait "$ECOD_PID" 2>/dev/null
	fi
	ECOD_PID=
	[ -n "$MNT" ] && umount "$MNT"
	cleanup
}
trap cleanup_faults EXIT

if ! command -v sqlite3 >/dev/null || [ ! -f "$SHIM" ]; then
	not_ok "the sqlite3 CLI and $SHIM are there"; finish
fi
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;" \
    "max_bookings_per_connection = 1000000;" "max_connections = 64;"
mkdir -m 700 "$T/data"
if mount -t tmpfs -o size=32m,mode=0700 tmpfs "$T/data" 2>/dev/null; then
	MNT=$T/data
	full_on() {
		dd if=/dev/zero of="$T/data/filler" bs=64k 2>/dev/null
		return 0
	}
	full_off() { rm -f "$T/data/filler"; }
	FULL=full
else
	echo "# no tmpfs here (mount refused): a full disk is the shim's ENOSPC"
	full_on() { echo "ENOSPC write" > "$FCTL"; }
	full_off() { rm -f "$FCTL"; }
	FULL=ENOSPC-write
fi
ecod_init || { not_ok "ecod --init on the data directory"; cat "$T/init.out"; finish; }
ECOD_WRAP=(env LD_PRELOAD="$SHIM" ECO_FAULT_CTL="$FCTL"
    ECO_FAULT_PATH="$T/data/" ECO_FAULT_LOG="$T/faults.log"
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add au "$(make_key au)"
export ECO_AUDIT_STATE=$T/audit-state
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 50 \
    --weekly 48 >/dev/null
C1=$(ctl book 1)
C2=$(ctl book 2)
echo "nota uno" | as ana note write 1 >/dev/null
as au audit verify >/dev/null 2>&1
rows() { ctl admin stats | sed -n "s/^rows_$1	//p"; }
nbook=$(rows bookings)

# A full disk.
full_on
refused=
for s in $(seq 3 40); do
	out=$(timeout 20 "$ECOCTL" -s "$SOCK" book "$s" 2>&1); st=$?
	[ $st -eq 0 ] && continue
	refused=$s
	break
done
expect_match "a full disk: BOOK is refused, not hung (exit 1)" \
    "${st:-}:$out" "^1:"
expect_match "  the reason names the full disk" "$out" \
    "storage failure \(the disk is full\); nothing changed"
out=$(printf 'HELLO 1\n%s\nPING\n' "$(book_line "$refused")" | \
    timeout 20 "$RAWSOCK" "$SOCK")
expect_match "  the ERR code is internal" "$(echo "$out" | sed -n 2p)" \
    "^ERR internal storage failure"
expect_eq "  the same connection still answers" "$(echo "$out" | sed -n 3p)" \
    "OK PONG"
check "  another client is served" ctl ping
check "  the refused slot is still free (nothing half applied)" \
    sh -c "\"$ECOCTL\" -s \"$SOCK\" slots | cut -f1 | grep -qx $refused"
out=$(timeout 20 "$ECOCTL" -s "$SOCK" cancel "$C1" 2>&1)
expect_match "  CANCEL is refused with the reason" "$out" "the disk is full"
expect_match "  and the booking stays booked" "$(ctl status "$C1")" "	booked	"
out=$(echo "nota dos" | timeout 60 env ECO_KEY="$T/ana.key" \
    ECO_PASSPHRASE_FILE="$T/ana.pass" "$ECOCTL" -s "$SOCK" note write 1 2>&1)
expect_match "  a note write is refused with the reason" "$out" \
    "the disk is full"
full_off
code=$(ctl book "$refused"); st=$?
expect_eq "the disk has room again: the refused slot books, no restart" \
    "$st" 0
check "  the cancel goes through" ctl cancel "$C1"
expect_eq "  a note writes" "$(echo "nota dos" | as ana note write 1)" 2
expect_eq "  and opens" "$(as ana note open 2)" "nota dos"

# A transient fsync failure (one call): the failed change must not come
# back after a crash, although its frames reached the WAL file.
before=$(rows bookings)
echo "EIO sync once" > "$FCTL"
out=$(ctl book 20 2>&1); st=$?
expect_match "an fsync failure: BOOK refused, an I/O error named" \
    "$st:$out" "^1:.*a disk I/O error"
kill -KILL "$ECOD_PID"; wait "$ECOD_PID" 2>/dev/null; ECOD_PID=
ecod_start || not_ok "the daemon restarts"
expect_eq "  after SIGKILL the refused booking is not there" \
    "$(rows bookings)" "$before"
check "  its slot is free" sh -c "\"$ECOCTL\" -s \"$SOCK\" slots | cut -f1 | grep -qx 20"
check "  and books" ctl book 20 >/dev/null

# Every write failing, then SIGKILL while it lasts.
echo "EIO all" > "$FCTL"
for s in 21 22 23; do ctl book $s >/dev/null 2>&1; done
out=$(ctl cancel "$C2" 2>&1)
expect_match "EIO on every write: refused, an I/O error named" "$out" \
    "a disk I/O error"
kill -KILL "$ECOD_PID"; wait "$ECOD_PID" 2>/dev/null; ECOD_PID=
out=$(timeout 60 "${ECOD_WRAP[@]}" "$ECOD" -c "$CONF" 2>&1); st=$?
expect_eq "a start while writes fail exits 1, no hang" "$st" 1
expect_match "  and says why" "$out" "storage failure \(a disk I/O error\)"
rm -f "$FCTL"
mkdir "$T/copy"
cp "$DB" "$T/copy/c.db"; [ -f "$DB-wal" ] && cp "$DB-wal" "$T/copy/c.db-wal"
expect_eq "PRAGMA integrity_check after the kill" \
    "$(sqlite3 "$T/copy/c.db" 'PRAGMA integrity_check;')" "ok"
ecod_start || not_ok "the daemon restarts once the fault is gone"
expect_eq "every acknowledged change is there" \
    "$(ctl status "$C1" | cut -f5) $(ctl status "$C2" | cut -f5) $(ctl status "$code" | cut -f5)" \
    "cancelled booked booked"
expect_eq "the refused bookings are not" "$(ctl slots | cut -f1 | \
    grep -cx '2[123]')" 3
out=$(as au audit verify 2>&1)
expect_match "audit verify passes from the head pinned before" "$out" \
    "consistent with size [0-9]+ verified before"
expect_eq "booking rows match the agenda" "$(rows bookings)" \
    "$(as ana agenda | wc -l)"
expect_match "faults were injected through the shim" \
    "$(sort "$T/faults.log" | uniq -c | tr '\n' ' ')" "EIO"
ecod_stop

# Under load: each fault in turn, then the full check live and after a
# SIGKILL and restart.
n=${TORTURE_FAULTS:-2}
/usr/bin/python3 "$ROOT/tests/torture/torture.py" --ecod "$ECOD" \
    --ecoctl "$ECOCTL" --conf "$CONF" --sock "$SOCK" --db "$DB" --dir "$T" \
    --seconds 0 --rounds "$n" --min-rounds 0 --shim "$SHIM" --fault-ctl "$FCTL" \
    --fault-log "$T/faults.log" --filler "$T/data/filler" \
    --faults "$FULL,EIO-sync,EIO-all,EIO-write,ENOSPC-write" \
    ${TORTURE_SEED:+--seed "$TORTURE_SEED"} > "$T/torture.out" 2>&1
grep -v '^ok -\|^not ok -' "$T/torture.out"
while read -r line; do
	case "$line" in
	"ok - "*) ok "faults under load: ${line#ok - }" ;;
	"not ok - "*) not_ok "faults under load: ${line#not ok - }" ;;
	esac
done < "$T/torture.out"
grep -q '^# figures: ' "$T/torture.out" || not_ok "the fault rounds ran to their end"
echo "# faults injected by the shim: $(sort "$T/faults.log" | uniq -c | tr -s ' \n' ' ')"
finish
