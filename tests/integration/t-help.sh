#!/bin/bash
# ecoctl's help: "ecoctl help", "ecoctl help COMMAND" and "ecoctl COMMAND
# --help" print the usage with an example and exit 0, with no daemon; an
# unknown command gets the nearest ones; bad usage exits 2, whether ecoctl
# or the daemon notices it (ERR usage, ERR invalid).
. "$(dirname "$0")/lib.sh"

out=$("$ECOCTL" -s "$T/none.sock" help); st=$?
expect_eq "ecoctl help exits 0" "$st" 0
expect_match "  and lists the commands" "$out" "^  book SLOT"
# The commands' names: the words of each listed line up to its arguments.
names=$(printf '%s\n' "$out" | awk '/^  [a-z]/ {
	n = ""
	for (i = 1; i <= NF && $i ~ /^[a-z][a-z-]*$/; i++)
		n = n (n == "" ? "" : " ") $i
	print n }')
expect_eq "  all of them" "$(printf '%s\n' "$names" | wc -l)" 42
bad=""
while read -r name; do
	# shellcheck disable=SC2086
	h=$("$ECOCTL" -s "$T/none.sock" help $name); st=$?
	[ "$st" -eq 0 ] || bad="$bad [help $name: $st]"
	printf '%s\n' "$h" | grep -q "^usage: ecoctl $name" ||
	    bad="$bad [help $name: no usage]"
	printf '%s\n' "$h" | grep -A1 "^example:" | grep -q "^  ecoctl $name" ||
	    bad="$bad [help $name: no example]"
	# shellcheck disable=SC2086
	[ "$("$ECOCTL" -s "$T/none.sock" $name --help)" = "$h" ] ||
	    bad="$bad [$name --help differs]"
done <<< "$names"
expect_eq "every command's help: usage and example, exit 0, same as --help" \
    "$bad" ""
expect_eq "slots --help exits 0 with no daemon" \
    "$("$ECOCTL" -s "$T/none.sock" slots --help >/dev/null; echo $?)" 0
expect_eq "-h as a command's first argument too" \
    "$("$ECOCTL" -s "$T/none.sock" book -h | head -1)" \
    "usage: ecoctl book SLOT [--code | --code-file F] [--message-file F]"

out=$("$ECOCTL" boo 2>&1); st=$?
expect_eq "a mistyped command exits 2" "$st" 2
expect_match "  naming the nearest" "$out" "did you mean:"
expect_match "  book" "$out" "^  ecoctl book SLOT"
expect_no_match "  not the whole list" "$out" "admin rotate-key"
out=$("$ECOCTL" admin revok ana 2>&1); st=$?
expect_eq "a mistyped subcommand exits 2" "$st" 2
expect_match "  naming it" "$out" "^  ecoctl admin revoke NAME$"
out=$("$ECOCTL" admin 2>&1); st=$?
expect_eq "a group alone exits 2" "$st" 2
expect_match "  listing its commands" "$out" "^  ecoctl admin backup"
out=$("$ECOCTL" help xyzzy 2>&1); st=$?
expect_eq "help of no such command exits 2" "$st" 2
expect_match "  saying where the list is" "$out" "ecoctl help lists them all"
out=$("$ECOCTL" book 2>&1); st=$?
expect_eq "a command without its argument exits 2" "$st" 2
expect_match "  with its usage" "$out" "^usage: ecoctl book SLOT"
expect_match "  an example" "$out" "for example: ecoctl book 12"

write_conf
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
out=$(ctl book abc 2>&1); st=$?
expect_eq "book abc exits 2 (bad usage)" "$st" 2
expect_match "  saying why" "$out" "slot: not an id"
out=$(ctl slots --from garbage 2>&1); st=$?
expect_eq "a malformed date exits 2" "$st" 2
expect_match "  saying why" "$out" "from: not a date"
out=$(ctl book 99 2>&1); st=$?
expect_eq "no such slot is not bad usage: exit 1" "$st" 1

# Refusals that say what to do.
ctl admin auditor add au "$(make_key au)" >/dev/null
out=$(as au agenda 2>&1); st=$?
expect_eq "a counsellor's command with an auditor's key exits 1" "$st" 1
expect_match "  saying which key it needs" "$out" \
    "agenda needs a counsellor's key: --key FILE or ECO_KEY \(this key is not a counsellor's\)"
ctl admin counsellor add cora "$(make_key cora)" >/dev/null
out=$(as cora audit verify 2>&1); st=$?
expect_match "an auditor's command with a counsellor's key says so" "$out" \
    "audit verify needs an auditor's key: --key FILE or ECO_KEY \(this key is not an auditor's\)"
"$ECOCTL" keygen --out "$T/nobody.key" --name nobody \
    --passphrase-file "$T/au.pass" >/dev/null
out=$(ECO_KEY=$T/nobody.key ECO_PASSPHRASE_FILE=$T/au.pass ctl agenda 2>&1)
expect_match "a key never enrolled: what a failed login can mean" "$out" \
    "login failed: this key is not enrolled under its name, or it was revoked"
check "the daemon stops" ecod_stop
finish
