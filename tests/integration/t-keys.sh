#!/bin/bash
# The master key: a wrong, exposed, short or missing key is refused with a
# clear message; the passphrase mode works; no key material leaks.
. "$(dirname "$0")/lib.sh"

write_conf
ecod_init || not_ok "init"
cp "$KEY" "$T/good.key"

head -c 32 /dev/urandom > "$KEY"
ecod_fails_to_start
expect_match "a wrong master key is refused" "$OUT" \
    "master key does not open this instance"
cp "$T/good.key" "$KEY"; chmod 644 "$KEY"
ecod_fails_to_start
expect_match "a key file others can read is refused" "$OUT" \
    "mode 0644.*chmod 600"
head -c 31 "$T/good.key" > "$KEY"; chmod 600 "$KEY"
ecod_fails_to_start
expect_match "a short key file is refused" "$OUT" "exactly 32 bytes"
rm -f "$KEY"
ecod_fails_to_start
expect_match "a missing key file is named" "$OUT" \
    "$KEY: cannot open master key file"
cp "$T/good.key" "$KEY"; chmod 600 "$KEY"

check "the right key starts the daemon" ecod_start
pid=$ECOD_PID
expect_match "core dumps are off" "$(grep 'Max core file size' \
    /proc/$pid/limits)" "Max core file size +0 +0"
khex=$(hex "$KEY")
dbhex=$(cat "$T"/data/ecod.db* | od -An -v -tx1 | tr -d ' \n')
expect_no_match "the master key is not in the database" "$dbhex" "$khex"
check "stops cleanly" ecod_stop
expect_no_match "the master key is not in the log" "$(hex "$LOG")" "$khex"

write_conf 'master_key_file = "data/inside.key";'
sed -i '/master_key_file = "master.key";/d' "$CONF"
rm -rf "$T/data"
ecod_init
expect_match "a key file inside the data directory is refused" \
    "$(cat "$T/init.out")" "must be outside the data directory"

# Passphrase mode (Argon2id): one line on standard input.
rm -rf "$T/data" "$KEY"
write_conf "master_key_passphrase = true;"
echo "correct horse battery staple" | ecod_init
expect_match "init with a passphrase" "$(cat "$T/init.out")" \
    "derived from the passphrase"
check "no key file is written in passphrase mode" test ! -e "$KEY"
echo "correct horse battery staple" > "$T/pass"
"$ECOD" -c "$CONF" < "$T/pass" >>"$LOG" 2>&1 &
ECOD_PID=$!
for i in $(seq 1 200); do ctl ping >/dev/null 2>&1 && break; sleep 0.05; done
expect_eq "the right passphrase starts the daemon" "$(ctl ping 2>&1)" "PONG"
check "stops cleanly" ecod_stop
OUT=$(echo "wrong horse" | "$ECOD" -c "$CONF" 2>&1)
expect_match "a wrong passphrase is refused" "$OUT" \
    "master key does not open this instance"
OUT=$("$ECOD" -c "$CONF" 2>&1 </dev/null)
expect_match "no passphrase at all is refused" "$OUT" "no passphrase read"
expect_no_match "the passphrase is in no log line" "$(cat "$LOG")" "horse"
expect_no_match "the passphrase is not in the database" \
    "$(cat "$T"/data/ecod.db* | tr -c '[:print:]' '\n')" "horse"
sed -i 's/master_key_passphrase = true;/master_key_passphrase = false;/' \
    "$CONF"
head -c 32 /dev/urandom > "$KEY"; chmod 600 "$KEY"
ecod_fails_to_start
expect_match "a key file cannot open a passphrase instance" "$OUT" \
    "master key does not open"

finish
