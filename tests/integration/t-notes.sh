#!/bin/bash
# Sealed session notes through the real daemon and ecoctl: written and
# opened on the counsellor's side, recoverable with the coordinator's key,
# never readable by the daemon, tampering detected.
. "$(dirname "$0")/lib.sh"

PK_REC=$(make_key coord)
write_conf "min_notice_minutes = 0;" "max_note_bytes = 65536;" \
    "recovery_public_key = \"$PK_REC\";"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add beto "$(make_key beto)"
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --weekly 2 >/dev/null
as beto avail add --start "$D 12:00" --minutes 50 >/dev/null
CODE=$(ctl book 1)		# booking 1: ana's slot 1
ctl book 3 >/dev/null		# booking 2: beto's slot
ctl book 2 >/dev/null		# booking 3: another case, ana's slot 2
MARK=MARKER-NOTE-Zt5w8

# Write and open: text from stdin, binary, empty, at the limit.
id=$(printf 'Sesión 1: %s.\nSin riesgo inmediato.\n' "$MARK" | \
    as ana note write 1)
expect_eq "note write prints the note id" "$id" 1
expect_eq "note open prints the text byte for byte" "$(as ana note open 1)" \
    "$(printf 'Sesión 1: %s.\nSin riesgo inmediato.' "$MARK")"
head -c 30000 /dev/urandom > "$T/bin"
printf '\0\0\r\n' >> "$T/bin"
expect_eq "a binary note" "$(as ana note write 1 --file "$T/bin")" 2
as ana note open 2 > "$T/bin.out"
check "comes back byte for byte" cmp "$T/bin" "$T/bin.out"
: > "$T/empty"
expect_eq "an empty note" "$(as ana note write 1 --file "$T/empty")" 3
check "opens empty" test "$(as ana note open 3 | wc -c)" = 0
head -c 65536 /dev/urandom > "$T/max"
expect_eq "a note of max_note_bytes" "$(as ana note write 1 \
    --file "$T/max")" 4
as ana note open 4 > "$T/max.out"
check "comes back whole" cmp "$T/max" "$T/max.out"
head -c 65537 /dev/urandom > "$T/over"
out=$(as ana note write 1 --file "$T/over" 2>&1); st=$?
expect_eq "one byte more is refused (bad usage: exit 2)" "$st" 2
expect_match "with the limit named" "$out" "at most 65536 bytes"

# Amendments are new notes naming the one they amend.
expect_eq "an amendment" "$(echo 'Corrección' | as ana note write 1 \
    --amends 1)" 5
out=$(echo x | as ana note write 3 --amends 1 2>&1)
expect_match "amending a note of another case is refused" "$out" \
    "no such note in this case"
list=$(as ana note list)
expect_eq "note list: id, case, booking, author, time" \
    "$(echo "$list" | head -1 | cut -f1-4)" "$(printf '1\t1\t1\tana')"
expect_match "  with a local time" "$(echo "$list" | head -1 | cut -f5)" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$'
expect_eq "note list --case" "$(as ana note list --case 1 | cut -f1 | \
    tr '\n' ' ')" "1 2 3 4 5 "

# Who may write and open.
out=$(echo x | as ana note write 2 2>&1)
expect_match "a counsellor cannot write on beto's booking" "$out" \
    "no such booking of yours"
out=$(as beto note open 1 2>&1); st=$?
expect_eq "a counsellor who is not a recipient is refused (exit 1)" "$st" 1
expect_match "  told there is no such note for them" "$out" "no such note"
expect_eq "and lists none of them" "$(as beto note list)" ""
echo wrong > "$T/wrong"
out=$(ECO_KEY=$T/ana.key ctl note open 1 --passphrase-file "$T/wrong" 2>&1)
expect_match "a wrong passphrase is a clear error" "$out" "wrong passphrase"

# Recovery by the coordinator's key.
expect_eq "note open --recovery-key" "$(ECO_PASSPHRASE_FILE=$T/coord.pass \
    ctl note open 1 --recovery-key "$T/coord.key")" \
    "$(as ana note open 1)"
expect_eq "note list --recovery-key lists all" \
    "$(ECO_PASSPHRASE_FILE=$T/coord.pass ctl note list \
    --recovery-key "$T/coord.key" | wc -l)" 5
out=$(ECO_PASSPHRASE_FILE=$T/ana.pass ctl note open 1 \
    --recovery-key "$T/ana.key" 2>&1)
expect_match "another key is not the recovery key" "$out" "login failed"
expect_match "recovery access is logged" "$(cat "$LOG")" \
    "note 1 served to the recovery key holder"
expect_match "every access is logged by ids" "$(cat "$LOG")" \
    "note 1 served to person 1"

# Passphrase change leaves the notes alone.
echo "a new passphrase" > "$T/ana.new"
check "passwd" env ECO_KEY="$T/ana.key" ECO_PASSPHRASE_FILE="$T/ana.pass" \
    "$ECOCTL" -s "$SOCK" passwd --new-passphrase-file "$T/ana.new"
out=$(as ana note open 1 2>&1)
expect_match "the old passphrase no longer opens the key" "$out" \
    "wrong passphrase"
cp "$T/ana.new" "$T/ana.pass"
expect_match "the new one does, and the notes open" "$(as ana note open 1)" \
    "$MARK"
expect_eq "the key file is still mode 600" "$(stat -c %a "$T/ana.key")" 600

# Raw protocol: a note the daemon cannot check is refused.
cmds=$(printf 'HELLO 1\nNOTE-DATA AAAA\nNOTE-OPEN 1\n')
out=$(printf '%s\n' "$cmds" | "$RAWSOCK" "$SOCK")
expect_match "NOTE-DATA needs a counsellor" "$(echo "$out" | sed -n 2p)" \
    "^ERR denied"
expect_match "NOTE-OPEN needs a recipient's login" \
    "$(echo "$out" | sed -n 3p)" "^ERR denied"

# Revocation: nothing more for her; her notes stay recoverable.
ctl admin revoke ana
out=$(as ana note open 1 2>&1); st=$?
expect_eq "a revoked counsellor cannot open (exit 1)" "$st" 1
out=$(echo x | as ana note write 1 2>&1); st=$?
expect_eq "nor write" "$st" 1
expect_match "her notes open with the recovery key" \
    "$(ECO_PASSPHRASE_FILE=$T/coord.pass ctl note open 1 \
    --recovery-key "$T/coord.key")" "$MARK"

# The daemon cannot open a note: no code for it, no plaintext anywhere.
syms=$(nm -D "$ECOD")
expect_match "nm reads ecod's imports (control)" "$syms" \
    "crypto_aead_xchacha20poly1305_ietf_decrypt"
expect_no_match "ecod has no code that opens a sealed box" "$syms" \
    "crypto_box_seal_open|crypto_box_open"
for f in $(find "$T/data" -type f) "$KEY" "$LOG"; do
	if file_has "$f" "$MARK" || file_has "$f" "Sin riesgo"; then
		not_ok "the note text is in $(basename "$f")"
	else
		ok "the note text is not in $(basename "$f")"
	fi
done
check "the WAL was among them" test -f "$DB-wal"

# Tampering, on disk, while the daemon runs: refused, not printed.
"$DBPOKE" "$DB" flip notes 1
out=$(ECO_PASSPHRASE_FILE=$T/coord.pass ctl note open 1 \
    --recovery-key "$T/coord.key" 2>/dev/null); st=$?
expect_eq "an altered note is refused (exit 1)" "$st" 1
expect_eq "and nothing is printed" "$out" ""
"$DBPOKE" "$DB" swap notes 2 3
out=$(ECO_PASSPHRASE_FILE=$T/coord.pass ctl note open 2 \
    --recovery-key "$T/coord.key" 2>&1); st=$?
expect_eq "notes swapped between rows are refused" "$st" 1
expect_match "  as damaged" "$out" "damaged or was altered"
check "the daemon stops" ecod_stop
ecod_fails_to_start
expect_match "and refuses to start, naming the row" "$OUT" \
    "table notes row 1 fails authentication"

finish
