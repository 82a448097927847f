#!/bin/bash
# ecoctl's three output forms (docs/PROTOCOL.md, "ecoctl's output"): every
# listing's --json is one document a real JSON parser reads, with the same
# rows as the tab-separated form; on a terminal, an aligned table with a
# header, words for people and "-" for an empty field; piped, the contract.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
write_conf "min_notice_minutes = 0;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add eva "$(make_key eva)"
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --weekly 2 \
    --location "Consultorio 3" >/dev/null
as ana avail add --start "$D 12:00" --minutes 30 --modality telefono \
    >/dev/null
printf 'Hola.\n' > "$T/msg"
CODE=$(ctl book 1 --message-file "$T/msg")
echo "Sesión." | as ana note write 1 >/dev/null

# tsv_of KEYS...: the JSON array on stdin as the contract's lines: the
# named keys in order, a local time with a space, a flag as the wire's word.
tsv_of() {
	"$PY" -c '
import json, sys
keys = sys.argv[1:]
rows = json.load(sys.stdin)
assert isinstance(rows, list)
for r in rows:
    assert sorted(r) == sorted(keys), (sorted(r), sorted(keys))
    out = []
    for k in keys:
        v = r[k]
        if v is True: v = "message"
        elif v is False: v = "-"
        elif isinstance(v, str) and k in ("start",) and len(v) == 16:
            v = v.replace("T", " ")
        elif k == "time" and len(v) == 16 and v[10] == "T":
            v = v.replace("T", " ")
        out.append(str(v))
    print("\t".join(out))
' "$@"
}

# same WHAT [CUT] KEYS -- ARGS...: ecoctl ARGS --json parses, has those
# keys, and gives the rows of ecoctl ARGS piped, compared as cut -f CUT
# (FIELDS=...) where a figure moves between the two runs; and, for a log
# that grows between them, only as many rows as the first run had.
same() {
	what=$1; shift
	fields=1-
	case $1 in FIELDS=*) fields=${1#FIELDS=}; shift;; esac
	keys=()
	while [ "$1" != "--" ]; do keys+=("$1"); shift; done
	shift
	tsv=$("$@") || { not_ok "$what: runs"; return; }
	json=$("$@" --json) || { not_ok "$what --json: runs"; return; }
	check "$what --json: one JSON document" \
	    "$PY" -m json.tool <<<"$json" >/dev/null
	expect_eq "$what --json: the same rows as the tab-separated form" \
	    "$(tsv_of "${keys[@]}" <<<"$json" | sed -n "1,$(wc -l <<<"$tsv")p" |
	    cut -f "$fields")" "$(cut -f "$fields" <<<"$tsv")"
	[ -n "$tsv" ] || not_ok "$what: the listing is not empty"
}

same "slots" slot start minutes modality location -- ctl slots
same "status" start minutes modality location state join -- ctl status "$CODE"
same "agenda" booking start minutes modality location state case message \
    join -- as ana agenda
same "note list" note case booking author time -- as ana note list
same "audit log" seq time actor action object outcome -- as eva audit log
same "admin list" name role state fingerprint created -- ctl admin list
same "admin stats" FIELDS=1 name value -- ctl admin stats
same "admin verify" FIELDS=1 what count -- ctl admin verify
expect_eq "slots --json with none is an empty array" \
    "$(ctl slots --from "$D" --to "$D" --modality video --json)" "[]"
expect_eq "the agenda's message flag is a JSON boolean" \
    "$(as ana agenda --json | "$PY" -c 'import json,sys; print([r["message"] for r in json.load(sys.stdin)])')" \
    "[True]"
out=$(ctl cancel "$CODE" --json 2>&1); st=$?
expect_eq "--json on a command that lists nothing is bad usage (exit 2)" \
    "$st" 2
expect_match "and says which commands list" "$out" \
    "cancel prints no listing: --json is for slots, status"
expect_eq "and nothing was cancelled" "$(ctl status "$CODE" | cut -f5)" booked

# On a terminal (script(1) gives ecoctl a pseudo-terminal): a table.
tty_run() { script -qec "$*" /dev/null | tr -d '\r'; }
table=$(tty_run "$ECOCTL" -s "$SOCK" slots)
expect_match "a table has a header, the zone named once" \
    "$(echo "$table" | head -1)" \
    "^Slot +Start \\(Mexico City time\\) +Minutes +Modality +Location$"
wd=$(LC_ALL=C TZ=$ZONE date -d "$D" "+%A %-d %B %Y")
expect_match "dates with the weekday, modalities in words, - for empty" \
    "$(echo "$table" | grep '^3 ')" \
    "^3 +$wd, 12:00 +30 +phone +-$"
expect_match "in person, with its location" \
    "$(echo "$table" | grep '^2 ')" "^2 +.*, 10:00 +50 +in person +Consultorio 3$"
expect_eq "the stats' values are JSON numbers" \
    "$(ctl admin stats --json | "$PY" -c 'import json,sys; print(all(isinstance(r["value"], int) for r in json.load(sys.stdin)))')" \
    True
cols=$(echo "$table" | awk '{ print index($0, "Minutes") }' | head -1)
expect_eq "columns are aligned" \
    "$(echo "$table" | sed -n 2,3p | cut -c"$cols"- | cut -c1-2 | tr '\n' ' ')" \
    "30 50 "
expect_match "the status table reads the state in words" \
    "$(tty_run "$ECOCTL" -s "$SOCK" status "$CODE" | tail -1)" \
    " booked$"
expect_eq "no rows on a terminal: a sentence" \
    "$(tty_run "$ECOCTL" -s "$SOCK" slots --from "$D" --to "$D" --modality video)" \
    "No free slots in that range."
expect_eq "piped, no rows print nothing" \
    "$(ctl slots --from "$D" --to "$D" --modality video)" ""
expect_eq "piped, the contract: wire words, an empty field empty" \
    "$(ctl slots | grep '^3')" "$(printf '3\t%s 12:00\t30\ttelefono\t' "$D")"

finish
