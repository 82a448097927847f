#!/bin/bash
# Master-key rotation: ecoctl admin rotate-key re-seals every row under a
# new key while the daemon runs. With data present every code, note,
# intake message and the audit log still work; the old key (kept as
# master.key.old) opens a copy of the old database and no row of the new
# one. A kill -9 at any moment of a rotation leaves an instance that
# starts with one of the two keys and loses nothing (ROTATE_ROUNDS rounds,
# 20 by default). Wrong uses are refused and change nothing. Passphrase
# mode: rotate-key --passphrase, then only the new passphrase opens it.
. "$(dirname "$0")/lib.sh"

need_peers "rotate test"
as_nobody() { as_uid nobody "$ECOCTL" -s "$SOCK" "$@"; }
export ECO_AUDIT_STATE=$T/audit-state
KEYPROBE=$ROOT/$BUILD/tests/keyprobe
probe() { "$KEYPROBE" "$1" "$2"; }
sum() { sha256sum "$1" | cut -d' ' -f1; }
# counts: admin verify's counts of the tables a rotation must not change.
quiet() { "$@" >/dev/null; }
# start_pass FILE: starts the daemon with the passphrase in FILE on its
# standard input (a background job's would be /dev/null).
start_pass() {
	"$ECOD" -c "$CONF" < "$1" >>"$LOG" 2>&1 &
	ECOD_PID=$!
	for i in $(seq 1 200); do
		kill -0 "$ECOD_PID" 2>/dev/null || { ECOD_PID=; return 1; }
		ctl ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}
counts() { ctl admin verify | grep -v '^meta\|^audit' | tr '\t\n' '= '; }

write_conf "min_notice_minutes = 0;" 'socket_group = "nogroup";' \
    "retention_days = 30;" "max_bookings_per_uid_hour = 0;" \
    "max_bookings_per_connection = 1000000;"
use_faketime || { not_ok "libfaketime is installed"; finish; }
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add au "$(make_key au)"
D1=$(ldate "+1 day"); D32=$(ldate "+32 days"); D40=$(ldate "+40 days")
as ana avail add --start "$D1 10:00" --minutes 50 >/dev/null	# slot 1
as ana avail add --start "$D40 10:00" --minutes 50 --weekly 3 \
    >/dev/null							# slots 2-4
echo "intake of the expired case" > "$T/msg0"
echo "intake of case one" > "$T/msg1"
echo "intake of case two" > "$T/msg2"
ctl book 1 --message-file "$T/msg0" >/dev/null		# booking 1
C1=$(ctl book 2 --message-file "$T/msg1")		# booking 2
C2=$(ctl book 4 --message-file "$T/msg2")		# booking 3
set_clock "$D1 11:00"
echo "note on case one" | as ana note write 2 >/dev/null	# note 1
set_clock "$D32 12:00"
expect_eq "a purge sets a purge floor (meta row 4)" \
    "$(ctl admin purge | head -1 | tr '\t' '=')" "cases=1"
expect_eq "  which is in the database" "$(sqlite3 -readonly "$DB" \
    'SELECT count(*) FROM meta WHERE id = 4')" 1
check "the audit log verifies before" quiet as au audit verify
BEFORE=$(counts)
ROWS_BEFORE=$(ctl admin verify | awk '$1 != "audit-tree" { n += $2 } END { print n }')
sqlite3 "$DB" ".backup '$T/old.db'"
OLDSUM=$(sum "$KEY")

out=$(ctl admin rotate-key); st=$?
expect_eq "rotate-key succeeds" "$st" 0
expect_match "  and says how many rows" "$out" \
    "^master key rotated: [0-9]+ rows re-sealed; the daemon paused [0-9]+ ms"
expect_match "  and where the old key is" "$out" "old key kept in $KEY.old"
rows=$(echo "$out" | sed -n 's/^master key rotated: \([0-9]*\) rows.*/\1/p')
# admin verify counted before its own entry; the index key row is new.
expect_eq "  every row was re-sealed, the new index key row too" "$rows" \
    $((ROWS_BEFORE + 2))
echo "# stall: $(echo "$out" | head -1)"
check "the old key is kept as master.key.old" \
    test "$(sum "$KEY.old")" = "$OLDSUM"
check "master.key holds a new key" test "$(sum "$KEY")" != "$OLDSUM"
check "  mode 0600" test "$(stat -c %a "$KEY")" = 600
check "no master.key.new is left" test ! -e "$KEY.new"
expect_eq "the case's codes still work" "$(ctl status "$C1" | wc -l)" 1
expect_match "  both of them" "$(ctl status "$C2")" "booked"
expect_eq "the note opens" "$(as ana note open 1)" "note on case one"
expect_eq "the intake message opens" "$(as ana message 2)" \
    "intake of case one"
expect_eq "admin verify counts the same rows" "$(counts)" "$BEFORE"
check "audit verify passes" quiet as au audit verify
expect_match "the audit log has the rotation" "$(as au audit log | \
    grep rotate-key)" $'\tadmin\trotate-key\t-\tok rows='"$rows"'$'
as ana avail add --start "$D40 14:00" --minutes 50 >/dev/null	# slot 5
C3=$(ctl book 5)
expect_match "a new booking after the rotation" "$(ctl status "$C3")" \
    "booked"
check "stops" ecod_stop
expect_match "the old key opens every row of a copy of the old database" \
    "$(probe "$T/old.db" "$KEY.old")" "^opened ([0-9]+) of \1 rows$"
expect_match "  the new key none of them" "$(probe "$T/old.db" "$KEY")" \
    "^opened 0 of"
expect_match "the old key opens no row of the live database" \
    "$(probe "$DB" "$KEY.old")" "^opened 0 of [1-9]"
expect_match "  the new key every one" "$(probe "$DB" "$KEY")" \
    "^opened ([0-9]+) of \1 rows$"
check "restarts with master.key" ecod_start
expect_eq "  the codes work" "$(ctl status "$C1" | wc -l)" 1
expect_match "  the new one too" "$(ctl status "$C3")" "booked"
expect_eq "  the note opens" "$(as ana note open 1)" "note on case one"
check "  audit verify passes from the pinned head" quiet as au audit verify
expect_no_match "the log holds no key material or code" "$(cat "$LOG")" \
    "$(echo "$C1" | cut -c1-9)|$(od -An -tx1 "$KEY" | tr -d ' \n')"

# Refusals: each clear, each changing nothing.
BEFORE=$(counts)
SUM=$(sum "$KEY")
ROWS=$(ctl admin verify | tr '\t\n' '= ')
out=$(ctl admin rotate-key 2>&1); st=$?
expect_eq "a rotation while master.key.old exists is refused (exit 1)" \
    "$st" 1
expect_match "  saying to remove it first" "$out" \
    "master.key.old exists: remove it first"
rm -f "$KEY.old"
out=$(echo "pass" | ctl admin rotate-key --passphrase 2>&1); st=$?
expect_eq "--passphrase on a key-file instance is refused (exit 2)" "$st" 2
expect_match "  clearly" "$out" "is a key file: rotate-key without"
out=$(as_nobody admin rotate-key 2>&1); st=$?
expect_eq "a non-admin uid is refused" "$st" 1
expect_match "  saying who may" "$out" "admin rotate-key is the operator's"
printf 'HELLO 1\nROTATE-KEY\nPING\n' | as_uid nobody "$RAWSOCK" "$SOCK" \
    > "$T/raw" 2>&1
expect_match "  the protocol answers ERR denied" "$(cat "$T/raw")" \
    "^ERR denied"
expect_match "  and the connection is still served" "$(cat "$T/raw")" \
    "PONG"
printf 'HELLO 1\nROTATE-KEY a*b\nPING\n' | "$RAWSOCK" "$SOCK" > "$T/raw" 2>&1
expect_match "a passphrase that is not base64 is refused" \
    "$(cat "$T/raw")" "^ERR invalid passphrase: not base64"
check "nothing changed: the key" test "$(sum "$KEY")" = "$SUM"
check "  no master.key.new" test ! -e "$KEY.new"
expect_eq "  the rows" "$(counts)" "$BEFORE"
check "stops" ecod_stop
mkdir -p "$T/cred"; cp "$KEY" "$T/cred/master.key"
ECOD_WRAP=(env CREDENTIALS_DIRECTORY="$T/cred")
check "starts with the key as a systemd credential" ecod_start
out=$(ctl admin rotate-key 2>&1); st=$?
expect_eq "a key from a credential is refused" "$st" 1
expect_match "  clearly" "$out" "systemd credential master.key"
check "  and nothing changed" test "$(sum "$KEY")" = "$SUM" -a ! -e "$KEY.new"
check "stops" ecod_stop
ECOD_WRAP=()

# Crash torture: a few thousand rows, a rotation, kill -9 after 0 to a few
# ms, restart. Where each kill landed is told from the files and the log.
ecod_start || { not_ok "restarts for the torture"; finish; }
for d in 1 2 3 4 5 6 7; do
	for h in 08 10 12 14 16 18; do
		as ana avail add --start "$(ldate "+$((100 + d)) days") $h:00" \
		    --minutes 50 --weekly 52 >/dev/null
	done
done
for i in $(seq 1 700); do ctl book $((5 + i * 2)) >/dev/null; done
CODES=("$C1" "$C2" "$C3")
rm -f "$KEY.old"
t0=$(date +%s%N); ctl admin rotate-key > "$T/rot.out"; t1=$(date +%s%N)
echo "# stall: $(head -1 "$T/rot.out")"
SPAN=$(( (t1 - t0) / 1000000 + 2 ))
rm -f "$KEY.old"
BEFORE=$(counts)
rounds=${ROTATE_ROUNDS:-20}
before=0; during=0; committed=0; renaming=0; done_=0; lost=0
for r in $(seq 1 "$rounds"); do
	SUM=$(sum "$KEY")
	ctl admin rotate-key >/dev/null 2>&1 &
	cpid=$!
	sleep "$(printf '0.%03d' $((RANDOM % SPAN)))"
	kill -KILL "$ECOD_PID"; wait "$ECOD_PID" 2>/dev/null; ECOD_PID=
	wait "$cpid" 2>/dev/null
	new=0; old=0; changed=0
	[ -e "$KEY.new" ] && new=1
	[ -e "$KEY.old" ] && old=1
	[ "$(sum "$KEY")" != "$SUM" ] && changed=1
	n=$(grep -c "a key rotation had committed" "$LOG")
	if ! ecod_start; then
		lost=$((lost + 1)); echo "# round $r: does not start"
		tail -3 "$LOG"; break
	fi
	if [ "$(grep -c "a key rotation had committed" "$LOG")" -gt "$n" ]; then
		if [ $old = 1 ]; then renaming=$((renaming + 1))
		else committed=$((committed + 1)); fi
	elif [ $changed = 1 ]; then done_=$((done_ + 1))
	elif [ $new = 1 ]; then during=$((during + 1))
	else before=$((before + 1)); fi
	got=$(counts)
	if [ "$got" != "$BEFORE" ]; then
		lost=$((lost + 1)); echo "# round $r: $got"
	fi
	for c in "${CODES[@]}"; do
		ctl status "$c" >/dev/null || { lost=$((lost + 1)); break; }
	done
	rm -f "$KEY.old"
done
echo "# rotation torture: $rounds rounds; killed before the new key file" \
    "$before, with it written before the commit $during, after the commit" \
    "before the rename $committed, during the rename $renaming, after" \
    "the rename $done_"
expect_eq "every round restarts with all rows and codes" "$lost" 0
check "audit verify passes after the torture" quiet as au audit verify
check "stops" ecod_stop

# Passphrase mode.
rm -rf "$T/data" "$KEY" "$KEY.new" "$KEY.old"
write_conf "master_key_passphrase = true;" "min_notice_minutes = 0;"
echo "first passphrase" > "$T/p1"
echo "second passphrase" > "$T/p2"
ecod_init < "$T/p1"
start_pass "$T/p1" || { not_ok "starts in passphrase mode"
	cat "$T/init.out"; tail -5 "$LOG"; finish; }
ctl admin counsellor add bea "$(make_key bea)"
as bea avail add --start "$D40 10:00" --minutes 50 >/dev/null
P1=$(ctl book 1)
out=$(ctl admin rotate-key 2>&1); st=$?
expect_eq "rotate-key without --passphrase on a passphrase instance fails" \
    "$st" 2
expect_match "  clearly" "$out" "comes from a passphrase: rotate-key --passphrase"
out=$(ctl admin rotate-key --passphrase < "$T/p2"); st=$?
expect_eq "rotate-key --passphrase succeeds" "$st" 0
expect_match "  and says the old passphrase no longer opens it" "$out" \
    "old passphrase no longer opens"
expect_match "the code works at once" "$(ctl status "$P1")" "booked"
check "stops" ecod_stop
OUT=$(timeout 60 "$ECOD" -c "$CONF" 2>&1 < "$T/p1")
expect_match "the old passphrase is refused" "$OUT" \
    "master key does not open this instance"
check "the new passphrase starts it" start_pass "$T/p2"
expect_match "  the code works" "$(ctl status "$P1")" "booked"
check "  admin verify passes" quiet ctl admin verify
expect_no_match "the passphrases are in no log line" "$(cat "$LOG")" \
    "first passphrase|second passphrase"
expect_no_match "  nor in the database" \
    "$(cat "$T"/data/ecod.db* | tr -c '[:print:]' '\n')" "passphrase"
check "stops" ecod_stop

finish
