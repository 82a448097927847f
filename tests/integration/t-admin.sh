#!/bin/bash
# Admin verbs for people and integrity, through the real daemon and ecoctl:
# admin list shows names, roles, states and key fingerprints and nothing of
# workers; counsellor rekey lets the new key in and not the old one and is
# in the audit log; admin audit-pubkey is the auditor's audit pubkey; admin
# verify passes on a clean instance and names a row damaged while it runs.
# A uid that is not admin gets ERR denied for each verb.
. "$(dirname "$0")/lib.sh"

need_peers "admin test"
as_nobody() { as_uid nobody "$@"; }

write_conf 'socket_group = "nogroup";' "min_notice_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ANA=$(make_key ana)
BETO=$(make_key beto)
ctl admin counsellor add ana "$ANA"
ctl admin counsellor add beto "$BETO"
ctl admin auditor add au "$(make_key au)"
ctl admin revoke beto
export ECO_AUDIT_STATE=$T/audit-state
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 50 \
    --weekly 2 >/dev/null
CODE=$(ctl book 1)

# fp PUBKEY: the first 16 hex digits of SHA-256 of the decoded key.
fp() {
	/usr/bin/python3 -c 'import base64, hashlib, sys
print(hashlib.sha256(base64.b64decode(sys.argv[1])).hexdigest()[:16])' "$1"
}

# admin list
out=$(ctl admin list); st=$?
expect_eq "admin list succeeds" "$st" 0
expect_eq "it has one line a person enrolled" "$(echo "$out" | wc -l)" 3
expect_match "ana: counsellor, active, her key's fingerprint, created" \
    "$out" "^ana	counsellor	active	$(fp "$ANA")	\
[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$"
expect_match "beto: revoked" "$out" "^beto	counsellor	revoked	$(fp "$BETO")	"
expect_match "au: auditor" "$out" "^au	auditor	active	[0-9a-f]{16}	"
expect_eq "every line has five fields" \
    "$(echo "$out" | awk -F'\t' 'NF != 5' | wc -l)" 0
expect_no_match "nothing about workers: no booking code" "$out" "$CODE"
expect_no_match "no slot, booking or worker word" "$out" \
    "worker|booking|slot|$(ldate '+2 days')"

# admin counsellor rekey
"$ECOCTL" keygen --out "$T/ana-new.key" --name ana \
    --passphrase-file "$T/ana.pass" > "$T/ana-new.pub"
NEW=$(cat "$T/ana-new.pub")
out=$(ctl admin counsellor rekey ana "$BETO" 2>&1); st=$?
expect_eq "rekey to a key enrolled under another name is refused" "$st" 1
expect_match "and says why" "$out" "enrolled already"
out=$(ctl admin counsellor rekey beto "$NEW" 2>&1); st=$?
expect_eq "rekey of a revoked name is refused" "$st" 1
expect_match "and says why" "$out" "revoked"
out=$(ctl admin counsellor rekey nadie "$NEW" 2>&1); st=$?
expect_eq "rekey of a name not enrolled is refused" "$st" 1
out=$(ctl admin counsellor rekey au "$NEW" 2>&1); st=$?
expect_eq "counsellor rekey of an auditor's name is refused" "$st" 1
check "admin counsellor rekey ana NEWKEY" ctl admin counsellor rekey ana "$NEW"
expect_match "the new key logs in" \
    "$(ECO_KEY=$T/ana-new.key ECO_PASSPHRASE_FILE=$T/ana.pass ctl agenda)" \
    "^1	"
out=$(as ana agenda 2>&1); st=$?
expect_eq "the old key no longer logs in" "$st" 1
expect_match "admin list shows the new fingerprint" "$(ctl admin list)" \
    "^ana	counsellor	active	$(fp "$NEW")	"
out=$(ctl admin counsellor rekey ana "$NEW" 2>&1); st=$?
expect_eq "rekey to the key it has already is refused" "$st" 1

# admin audit-pubkey
VKEY=$(as au audit pubkey)
expect_match "the auditor's audit pubkey is a verifier key" "$VKEY" \
    '^eco-audit/[0-9a-f]{16}\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$'
expect_eq "admin audit-pubkey is the same key" "$(ctl admin audit-pubkey)" \
    "$VKEY"

# admin verify, clean
out=$(ctl admin verify); st=$?
expect_eq "admin verify passes on a clean instance" "$st" 0
for t in meta counsellors slots cases bookings notes audit; do
	expect_match "and counts table $t" "$out" "^$t	[0-9]+$"
done
count() { echo "$out" | awk -F'\t' -v t="$1" '$1 == t { print $2 }'; }
expect_eq "counsellors: 3" "$(count counsellors)" 3
expect_eq "slots: 2" "$(count slots)" 2
size=$(echo "$out" | awk -F'\t' '$1 == "audit-tree" { print $2 }')
expect_eq "the tree size is the audit table's" "$size" \
    "$(echo "$out" | awk -F'\t' '$1 == "audit" { print $2 }')"

log=$(as au audit log)
for what in "admin	people	-	ok" "admin	rekey	person:1	ok" \
    "admin	verify	-	ok"; do
	expect_match "the log records: $(echo "$what" | tr '\t' ' ')" "$log" \
	    "$what"
done
check "and the log verifies for the auditor" as au audit verify \
    --pubkey "$VKEY"

# Non-admins: ERR denied for each verb, the connection still served.
for req in "PEOPLE" "REKEY counsellor ana $NEW" "ADMIN-AUDIT-PUBKEY" \
    "VERIFY"; do
	out=$(printf 'HELLO 1\n%s\nPING\n' "$req" | as_nobody "$RAWSOCK" "$SOCK")
	expect_match "a non-admin uid gets ERR denied for ${req%% *}" "$out" \
	    "^ERR denied"
	expect_match "and the same connection still answers" "$out" "PONG"
done
for cmd in "admin list" "admin counsellor rekey ana $ANA" \
    "admin audit-pubkey" "admin verify"; do
	out=$(as_nobody "$ECOCTL" -s "$SOCK" $cmd 2>&1); st=$?
	expect_eq "ecoctl ${cmd%% ana *} as a non-admin uid exits 1" "$st" 1
done

# Damage while it runs: a slot row flipped on disk is found by verify.
"$DBPOKE" "$DB" flip slots 2 || not_ok "dbpoke can write the live database"
out=$(ctl admin verify 2>&1); st=$?
expect_eq "admin verify fails on a damaged row (exit 1)" "$st" 1
expect_match "and names its table and id" "$out" \
    "table slots row 2 fails authentication"
expect_match "the daemon still answers" "$(ctl ping)" "PONG"

# An audit entry removed while it runs: the tree no longer matches.
"$DBPOKE" "$DB" flip slots 2	# flipped back
out=$(ctl admin verify 2>&1); st=$?
expect_eq "with the row flipped back, verify passes again" "$st" 0
last=$(echo "$out" | awk -F'\t' '$1 == "audit" { print $2 }')
"$DBPOKE" "$DB" delete audit "$last"
out=$(ctl admin verify 2>&1); st=$?
expect_eq "admin verify fails with an audit entry removed (exit 1)" "$st" 1
expect_match "and says the log does not match its signed head" "$out" \
    "audit log"
check "the daemon stops cleanly (exit 0)" ecod_stop

finish
