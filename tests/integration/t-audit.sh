#!/bin/bash
# The audit log through the real daemon and ecoctl: a normal day verifies;
# an entry changed, the last entries removed, two reordered, or an older
# copy of the database restored, is each detected by ecoctl audit verify
# (exit 1, entry or size named), and the daemon refuses the edited file.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add au "$(make_key au)"
export ECO_AUDIT_STATE=$T/audit-state
audit() { as au audit "$@"; }

# A normal day.
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 50 \
    --weekly 4 >/dev/null
CODE=$(ctl book 1)
ctl reschedule "$CODE" 2
ctl book 3 >/dev/null
ctl cancel "$CODE"
echo "nota MARKER-AUDIT-Q1" | as ana note write 3 >/dev/null
as ana note open 1 >/dev/null
"$ECOCTL" keygen --out "$T/fake.key" --name ana \
    --passphrase-file "$T/au.pass" >/dev/null	# ana's name, another key
ECO_KEY=$T/fake.key ECO_PASSPHRASE_FILE=$T/au.pass ctl agenda 2>/dev/null
"$ECOCTL" -s "$SOCK" agenda --key "$T/au.key" \
    --passphrase-file "$T/au.pass" >/dev/null 2>&1	# auditor: denied

VKEY=$(audit pubkey)
expect_match "audit pubkey is NAME+KEYHASH+BASE64KEY" "$VKEY" \
    '^eco-audit/[0-9a-f]{16}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$'
log=$(audit log)
for what in "ecod	start" "admin	enrol	person:1" \
    "counsellor:ana	login	person:1	ok" "counsellor:ana	avail-add	slot:1" \
    "worker	book	booking:1" "worker	reschedule	booking:2" \
    "worker	cancel	booking:2" "counsellor:ana	note-write	note:1" \
    "counsellor:ana	note-open	note:1" "login	person:1	failed"; do
	expect_match "the log records: $(echo "$what" | tr '\t' ' ')" "$log" \
	    "$what"
done
expect_match "entries are seq, UTC time, actor, action, object, outcome" \
    "$(echo "$log" | head -1)" \
    '^1	[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z	ecod	start	-	ok$'
expect_no_match "no code, note text or uid in the log" "$log" \
    "$CODE|MARKER|uid|$(echo "$CODE" | tr -d -)"
expect_eq "audit log --since" "$(audit log --since 3 | head -1 | cut -f1)" 3

out=$(audit verify 2>"$T/err"); st=$?
expect_eq "audit verify of a normal day exits 0" "$st" 0
expect_match "and says what it verified" "$out" \
    "^verified [0-9]+ entries: signed tree head size [0-9]+, first"
expect_match "the key is pinned on first use" "$(cat "$T/err")" "pinned"
ctl book 4 >/dev/null
out=$(audit verify)
expect_match "a second verify checks consistency with the first" "$out" \
    "consistent with size [0-9]+ verified before"
PK_BAD=$(printf "eco-audit/%s" "$(echo "$VKEY" | cut -d+ -f1 | cut -d/ -f2)")+00000000+AAAA
out=$(audit verify --pubkey "eco-audit/0000000000000000+00000000+AAAA" \
    2>&1); st=$?
expect_eq "a --pubkey other than the pinned one fails" "$st" 1

# Export, and the offline check with no daemon.
check "audit export" audit export "$T/exp"
check "the export holds the checkpoint and the entries" \
    test -s "$T/exp/checkpoint" -a -s "$T/exp/entries"
expect_match "the checkpoint is a C2SP signed note" \
    "$(cat "$T/exp/checkpoint")" "^— eco-audit/[0-9a-f]{16} [A-Za-z0-9+/=]+$"
expect_eq "its first line is the origin" "$(head -1 "$T/exp/checkpoint")" \
    "${VKEY%%+*}"
expect_eq "entries: one a line, base64 of the exact leaf bytes" \
    "$(head -1 "$T/exp/entries" | base64 -d | cut -f1,3,4)" \
    "$(printf '1\tecod\tstart')"
# The reference implementation of C2SP signed notes checks the head.
if command -v go >/dev/null; then
	out=$(cd "$ROOT/tests/interop" && GO111MODULE=off \
	    GOPATH=/usr/share/gocode GOCACHE="$T/gocache" \
	    go run note_open.go "$T/exp/checkpoint" "$VKEY" 2>&1); st=$?
	expect_eq "Go's sumdb/note verifies the signed tree head" "$st" 0
	expect_eq "  and reads the checkpoint body" "$(echo "$out" | head -1)" \
	    "${VKEY%%+*}"
	sed '2s/.*/999999/' "$T/exp/checkpoint" > "$T/forged"
	out=$(cd "$ROOT/tests/interop" && GO111MODULE=off \
	    GOPATH=/usr/share/gocode GOCACHE="$T/gocache" \
	    go run note_open.go "$T/forged" "$VKEY" 2>&1)
	expect_match "  and refuses a forged size" "$out" "invalid signature"
else
	not_ok "go is installed (make test installs golang-go)"
fi
out=$("$ECOCTL" audit verify --dir "$T/exp" --pubkey "$VKEY"); st=$?
expect_eq "offline verify exits 0" "$st" 0
expect_match "offline verify says so" "$out" "verified [0-9]+ entries offline"
cp -a "$T/exp" "$T/exp2"
sed -i '3s/^./A/' "$T/exp2/entries"
out=$("$ECOCTL" audit verify --dir "$T/exp2" --pubkey "$VKEY" 2>&1); st=$?
expect_eq "offline: a changed entry fails (exit 1)" "$st" 1
cp -a "$T/exp" "$T/exp3"; sed -i '$d' "$T/exp3/entries"
out=$("$ECOCTL" audit verify --dir "$T/exp3" --pubkey "$VKEY" 2>&1); st=$?
expect_eq "offline: a removed entry fails" "$st" 1
expect_match "  naming the sizes" "$out" "covers [0-9]+ entries, the export has"
cp -a "$T/exp" "$T/exp4"
sed -i '2{h;d};3{G}' "$T/exp4/entries"
out=$("$ECOCTL" audit verify --dir "$T/exp4" --pubkey "$VKEY" 2>&1); st=$?
expect_eq "offline: two entries swapped fail" "$st" 1
expect_match "  naming the entry" "$out" "entry 2 is out of place"
out=$("$ECOCTL" audit verify --dir "$T/exp" --pubkey "$PK_BAD" 2>&1); st=$?
expect_eq "offline: without the right key it fails" "$st" 1

# Damage on disk. Keep a copy to restore between cases.
check "the daemon stops" ecod_stop
cp -a "$T/data" "$T/good"
cp "$ECO_AUDIT_STATE" "$T/good-state"
restore() {
	rm -rf "$T/data"; cp -a "$T/good" "$T/data"
	cp "$T/good-state" "$ECO_AUDIT_STATE"
}
n=$(grep '^size' "$ECO_AUDIT_STATE" | cut -d' ' -f2)

# 0. Incremental: the next verify fetches only the entries after the head
# verified before, and still finds a change among those.
restore; ecod_start
ctl admin list >/dev/null
out=$(audit verify 2>&1); st=$?
expect_eq "an incremental verify exits 0" "$st" 0
got=$(printf '%s\n' "$out" | sed -n 's/^verified \([0-9]*\) entries: signed tree head size \([0-9]*\), consistent with size '"$n"' verified before$/\2-\1/p')
expect_eq "  fetching only the entries after the $n verified before" \
    "$((got))" "$n"
check "  and keeps the tree's frontier in the state" \
    grep -q '^node ' "$ECO_AUDIT_STATE"
k=$(grep '^size' "$ECO_AUDIT_STATE" | cut -d' ' -f2)
ctl admin list >/dev/null
"$DBPOKE" "$DB" flip audit "$((k + 1))"
out=$(audit verify 2>&1); st=$?
expect_eq "a changed new entry: the incremental verify exits 1" "$st" 1
expect_match "  naming it" "$out" "audit entry $((k + 1))"
ecod_stop

# 1. One entry changed, while the daemon runs: an old one, found by a
# full walk (--full; the incremental verify trusts what it verified).
restore; ecod_start
"$DBPOKE" "$DB" flip audit 5
out=$(audit verify --full 2>&1); st=$?
expect_eq "a changed entry: verify --full exits 1" "$st" 1
expect_match "  naming the entry" "$out" "audit entry 5"
ecod_stop
ecod_fails_to_start
expect_match "  and the daemon refuses the edited file" "$OUT" \
    "table audit row 5 fails authentication"

# 2. The last entries removed: while it runs, then while it is stopped.
restore; ecod_start
last=$(ctl stats | awk -F'\t' '$1 == "rows_audit" { print $2 }')
"$DBPOKE" "$DB" delete audit "$last"
"$DBPOKE" "$DB" delete audit $((last - 1))
out=$(audit verify --full 2>&1); st=$?
expect_eq "the last entries removed: verify --full exits 1" "$st" 1
expect_match "  naming the entry" "$out" "audit entry $((last - 1))"
ecod_stop
ecod_fails_to_start
expect_match "  and the daemon refuses to start (entries after the gap)" \
    "$OUT" "audit log: entry $((last - 1)) is missing"
restore; ecod_start
last=$(ctl stats | awk -F'\t' '$1 == "rows_audit" { print $2 }')
ecod_stop
"$DBPOKE" "$DB" delete audit "$last"
"$DBPOKE" "$DB" delete audit $((last - 1))
ecod_fails_to_start
expect_match "removed while stopped: the daemon refuses, naming the sizes" \
    "$OUT" "head covers $last entries, the log has $((last - 2))"

# 3. Two entries reordered.
restore; ecod_start
"$DBPOKE" "$DB" swap audit 3 4
out=$(audit verify --full 2>&1); st=$?
expect_eq "two entries reordered: verify --full exits 1" "$st" 1
expect_match "  naming an entry" "$out" "audit entry 3"
ecod_stop
ecod_fails_to_start
expect_match "  and the daemon refuses to start" "$OUT" \
    "table audit row 3 fails authentication"

# 4. An older copy of the whole database restored (a rollback).
restore
cp -a "$T/data" "$T/old"
ecod_start
for h in 08 09 11 12 13 14; do
	as ana avail add --start "$(ldate '+20 days') $h:00" --minutes 30 \
	    >/dev/null
done
expect_match "the log grows and verifies" "$(audit verify)" "consistent"
ecod_stop
rm -rf "$T/data"; cp -a "$T/old" "$T/data"
check "the daemon starts on the older copy (it is consistent in itself)" \
    ecod_start
out=$(audit verify 2>&1); st=$?
expect_eq "but the auditor's verify exits 1" "$st" 1
expect_match "  naming the rollback and the sizes" "$out" \
    "rollback: the log has [0-9]+ entries, fewer than the [0-9]+ verified"
check "the daemon stops" ecod_stop

# 5. A log past one tile (256 entries): the tree's hashes are kept as
# tiles, start-up and proofs read them, and a damaged one is caught.
restore; ecod_start
for h in 08 09 11 12 13 14; do
	as ana avail add --start "$(ldate '+30 days') $h:00" --minutes 30 \
	    --weekly 52 >/dev/null
done
big=$(ctl stats | awk -F'\t' '$1 == "rows_audit" { print $2 }')
expect_eq "the log has one complete tile" \
    "$(ctl stats | awk -F'\t' '$1 == "rows_audit_tiles" { print $2 }')" \
    "$((big / 256))"
out=$(audit verify 2>&1); st=$?
expect_eq "a log past a tile verifies from the head before it" "$st" 0
expect_match "  with a consistency proof" "$out" "consistent with size $n"
check "the daemon stops" ecod_stop
check "and starts again from its tiles" ecod_start
vk=$(grep '^size' "$ECO_AUDIT_STATE" | cut -d' ' -f2)
expect_match "  where a new entry still verifies" \
    "$(ctl admin list >/dev/null; audit verify 2>&1)" \
    "consistent with size $vk verified before"
out=$(audit verify --full 2>&1); st=$?
expect_eq "  and so does the whole log (verify --full)" "$st" 0
big=$(ctl stats | awk -F'\t' '$1 == "rows_audit" { print $2 }')
check "the daemon stops" ecod_stop
cp -a "$T/data" "$T/big"
"$DBPOKE" "$DB" flip audit_tiles 0
ecod_fails_to_start
expect_match "a changed tile stops start-up, named" "$OUT" \
    "table audit_tiles row 0 fails authentication"
"$DBPOKE" "$DB" flip audit_tiles 0		# flipped back
"$DBPOKE" "$DB" copy audit_tiles 0 7
ecod_fails_to_start
expect_match "a tile added stops start-up, with the counts" "$OUT" \
    "2 tiles are stored, but its [0-9]+ entries make 1"
"$DBPOKE" "$DB" delete audit_tiles 7
"$DBPOKE" "$DB" flip audit 2
check "an old entry changed: the daemon starts (it reads the tiles)" \
    ecod_start
out=$(audit log 2>&1); st=$?
expect_eq "  but never serves that entry (audit log exits 1)" "$st" 1
expect_match "  naming it" "$out" "audit entry 2 is damaged"
out=$(audit verify --full 2>&1); st=$?
expect_eq "  verify --full exits 1" "$st" 1
out=$(ctl admin verify 2>&1); st=$?
expect_eq "  admin verify exits 1" "$st" 1
expect_match "  naming the row" "$out" "table audit row 2 fails authentication"
check "the daemon stops" ecod_stop
rm -rf "$T/data"; cp -a "$T/big" "$T/data"
"$DBPOKE" "$DB" delete audit_tiles 0
check "a log with no tiles (from an older ecod) starts" ecod_start
check "  writing its tiles" grep -q "wrote the tiles of $big entries" "$LOG"
expect_eq "  all of them" \
    "$(ctl stats | awk -F'\t' '$1 == "rows_audit_tiles" { print $2 }')" \
    "$((big / 256))"
out=$(audit verify --full 2>&1); st=$?
expect_eq "  and verifies in full" "$st" 0
check "the daemon stops" ecod_stop

finish
