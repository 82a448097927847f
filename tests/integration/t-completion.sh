#!/bin/bash
# bash completion (completion/ecoctl.bash), in a bash without rc files:
# commands word by word, a command's options from its usage, file names
# where an option takes one; the words come from this ecoctl itself.
. "$(dirname "$0")/lib.sh"

COMPL=$ROOT/completion/ecoctl.bash
# comp WORDS...: what completing the last word offers, sorted, one line.
comp() {
	bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_ecoctl; printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
	    - "$COMPL" "$ECOCTL" "$@"
}
expect_match "the first word: every command's first word, once" "$(comp "")" \
    "^admin agenda audit avail book cancel help keygen mark message messages note passwd ping reply reschedule session shell slots stats status $"
expect_eq "a prefix" "$(comp st)" "stats status "
expect_eq "admin's second words" "$(comp admin "")" \
    "audit-pubkey auditor backup counsellor list purge revoke rotate-key stats verify "
expect_eq "admin counsellor's third" "$(comp admin counsellor "")" "add rekey "
expect_eq "a command's options, from its usage" "$(comp note write 3 --)" \
    "--amends --file --help --key --passphrase-file "
expect_eq "mark's options: --correct, from its usage" "$(comp mark 3 attended --)" \
    "--correct --help --key --passphrase-file "
expect_eq "avail add's join options" "$(comp avail add --jo)" \
    "--join --join-file "
expect_eq "listings offer --json" "$(comp slots --j)" "--json "
expect_eq "ecoctl's own -s SOCKET is skipped" "$(comp -s /tmp/x.sock sl)" "slots "
mkdir "$T/d" && : > "$T/d/ana.key"
expect_eq "--key completes a file name" "$(comp agenda --key "$T/d/an")" \
    "$T/d/ana.key "
expect_eq "--join-file a file name" \
    "$(comp avail add --join-file "$T/d/an")" "$T/d/ana.key "
expect_eq "--dir a folder" "$(comp admin backup --dir "$T/")" "$T/d "
expect_eq "--modality its words" "$(comp slots --modality "")" \
    "presencial telefono video "
expect_eq "after help, commands too" "$(comp help av)" "avail "
expect_eq "avail's second words" "$(comp avail "")" "add block list rm "
expect_eq "avail add's options" "$(comp avail add --)" \
    "--days --help --join --join-file --key --location --minutes --modality --passphrase-file --start --until --weekly "
expect_eq "avail block's" "$(comp avail block --)" \
    "--from --help --key --passphrase-file --reason --to "
expect_eq "avail list is a listing" "$(comp avail list --j)" "--json "
expect_eq "--days its weekdays" "$(comp avail add --days "")" \
    "dom jue lun mar mie sab vie "
expect_eq "  one more after a comma" "$(comp avail add --days lun,v)" "lun,vie "
expect_match "it is registered for ecoctl, falling back to file names" \
    "$(bash --norc -c ". $COMPL; complete -p ecoctl")" "-o default -F _ecoctl ecoctl"
n=$("$ECOCTL" help --commands | wc -l)
expect_eq "help --commands lists the whole table" "$n" \
    "$("$ECOCTL" help | grep -c '^  [a-z]')"
finish
