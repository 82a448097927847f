#!/bin/bash
# The booking code never reaches the daemon. ecoctl makes it, sends only
# its lookup token (with, for a new case, the case key's public half) and
# keeps the key seed made from it. Every byte a worker's whole session puts
# on the socket is captured (tests/tools/tap.py) and searched for the code
# in every form, its random bytes and the seed. A mistyped code sends
# nothing. A code ecod made before (version 1) still works, sent as it is
# (the daemon had it already), and its case gets a key on first use.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --weekly 6 >/dev/null	# 1-6

TAP=$T/tap.sock
CAP=$T/wire
/usr/bin/python3 "$ROOT/tests/tools/tap.py" "$TAP" "$SOCK" "$CAP" \
    > "$T/tap.out" 2>&1 &
TAP_PID=$!
for _ in $(seq 100); do [ -S "$TAP" ] && break; sleep 0.1; done
w() { "$ECOCTL" -s "$TAP" "$@"; }

# A worker's whole session through the tap.
printf 'Hola, quisiera hablar.\n' > "$T/intake"
CODE=$(w book 1 --message-file "$T/intake")
check "book through the tap prints a code" test -n "$CODE"
check "status" w status "$CODE" >/dev/null
check "status --ical" w status "$CODE" --ical >/dev/null
printf 'Bienvenida.\n' > "$T/s1"
as ana message send 1 --file "$T/s1" >/dev/null
expect_eq "messages opens the staff message" \
    "$(w messages "$CODE" --open 1)" "Bienvenida."
printf 'Gracias.\n' > "$T/w1"
check "reply" w reply "$CODE" --file "$T/w1"
check "reschedule" w reschedule "$CODE" 2
check "cancel" w cancel "$CODE"
check "a follow-up book with --code" w book 3 --code "$CODE"
before=$(stat -c %s "$CAP")
out=$(w status "${CODE%?}" 2>&1); st=$?
expect_eq "a mistyped code is refused (exit 1)" "$st" 1
expect_match "  as no such code" "$out" "no case has this code"
expect_eq "  and nothing was sent: the client knows it is no code" \
    "$(stat -c %s "$CAP")" "$before"
kill "$TAP_PID"; wait "$TAP_PID" 2>/dev/null

/usr/bin/python3 "$ROOT/tests/tools/secrets.py" "$CODE" > "$T/forms"
found=$(/usr/bin/python3 - "$CAP" "$T/forms" <<'PY'
import sys
cap = open(sys.argv[1], "rb").read()
forms = [bytes.fromhex(l) for l in open(sys.argv[2]).read().split()]
print("token" if forms[0] in cap else "no token")
print(len(forms) - 1, sum(1 for f in forms[1:] if f in cap))
for verb in (b"BOOK-NEW", b"BOOK ", b"STATUS", b"MSG-THREAD", b"MSG-POST",
             b"RESCHEDULE", b"CANCEL"):
    print(verb.decode().strip(), cap.count(b"\n" + verb) +
          cap.startswith(verb))
PY
)
echo "$found" | sed 's/^/# /'
expect_eq "the capture holds the lookup token (the tap saw the session)" \
    "$(echo "$found" | sed -n 1p)" "token"
expect_match "  and every worker verb" \
    "$(echo "$found" | sed -n '3,$p' | tr '\n' ' ')" \
    '^BOOK-NEW [1-9][0-9]* BOOK [1-9][0-9]* STATUS [1-9][0-9]* MSG-THREAD [1-9][0-9]* MSG-POST [1-9][0-9]* RESCHEDULE [1-9][0-9]* CANCEL [1-9][0-9]* $'
expect_match "the code in no form, nor its bytes, nor the case key's seed" \
    "$(echo "$found" | sed -n 2p)" "^[0-9]+ 0$"

# On the wire: the token finds the case; the code itself finds nothing,
# and a new case cannot take a token in use.
LOOKUP=$(lookup_of "$CODE")
out=$(printf 'HELLO 1\nSTATUS %s\nSTATUS %s\nBOOK-NEW 5 %s %s\n' \
    "$LOOKUP" "$CODE" "$LOOKUP" "$(token)" | "$RAWSOCK" "$SOCK")
expect_match "STATUS by token: the case's sessions" "$out" \
    $'\n''\* [0-9T:-]+ 50 presencial .* booked '
expect_match "STATUS by the code itself: no such code" \
    "$(echo "$out" | grep '^ERR' | sed -n 1p)" "^ERR notfound no such code$"
expect_match "BOOK-NEW with a token in use is refused" \
    "$(echo "$out" | tail -n 1)" "^ERR conflict this code is in use"

# A case ecod opened itself before: found by the blind index of its code's
# bytes, with no case key (keyprobe makes case 2 one).
OTHER=$(ctl book 4)
ecod_stop
HEX=$(head -c 16 /dev/urandom | od -An -v -tx1 | tr -d ' \n')
"$ROOT/$BUILD/tests/keyprobe" "$DB" "$KEY" legacy 2 "$HEX" ||
    not_ok "keyprobe legacy"
V1=$(/usr/bin/python3 "$ROOT/tests/tools/code.py" v1 "$HEX")
ecod_start || not_ok "the daemon restarts"
expect_match "a version 1 code still finds its case" \
    "$(ctl status "$V1" | cut -f5)" "^booked$"
out=$(ctl status "$OTHER" 2>&1); st=$?
expect_eq "  (the case is that code's now, not the new one's)" "$st" 1
out=$(as ana message send 2 --file "$T/s1" 2>&1); st=$?
check "staff cannot write to a case with no key yet" test "$st" -ne 0
expect_match "  and are told why" "$out" "key"
out=$(ctl messages "$V1" 2>&1); st=$?
expect_eq "the worker's first messages gives the case its key (exit 0)" \
    "$st" 0
id=$(as ana message send 2 --file "$T/s1")
check "then staff can write" test -n "$id"
expect_eq "  and the worker opens it with the version 1 code" \
    "$(ctl messages "$V1" --open "$id")" "Bienvenida."
check "reschedule with it" ctl reschedule "$V1" 5
check "cancel with it" ctl cancel "$V1"
check "a follow-up book with it" ctl book 6 --code "$V1"
expect_eq "  in the same case" "$(ctl status "$V1" | cut -f5 | sort | uniq -c |
    tr -s ' ' | tr '\n' ',')" " 1 booked, 1 cancelled, 1 rescheduled,"

make_key audi >/dev/null
ctl admin auditor add audi "$(awk '/^public/ {print $2}' "$T/audi.key")" \
    2>/dev/null
audit=$(as audi audit log 2>&1)
expect_match "the case key set later is recorded, naming no case" "$audit" \
    "worker"$'\t'"case-key"$'\t'"-"$'\t'"ok"
expect_no_match "  (no case-key entry names a case)" "$audit" \
    "case-key"$'\t'"case:"
check "admin verify passes" ctl admin verify
check "the daemon stops cleanly" ecod_stop

# A code holder cannot grow the audit log without bound: past
# audit_refusals_per_window threads served in a window, reads are counted
# for one summary entry, written when the window ends (here at shutdown).
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;" "audit_refusals_per_window = 3;" \
    "audit_window_seconds = 3600;"
ecod_start || not_ok "the daemon restarts"
rows() { ctl admin stats | sed -n 's/^rows_audit	//p'; }
before=$(rows)
out=$(for i in $(seq 40); do printf 'MSG-THREAD %s\n' "$LOOKUP"; done |
    sed '1i HELLO 1' | "$RAWSOCK" "$SOCK")
expect_eq "40 threads served on one connection" \
    "$(echo "$out" | grep -c '^OK 1$')" 40
expect_eq "  only 3 entries of their own" "$(( $(rows) - before ))" 3
ecod_stop
ecod_start || not_ok "the daemon restarts"
expect_match "  the other 37 in one summary entry" "$(as audi audit log 2>&1)" \
    "worker"$'\t'"message-read"$'\t'"-"$'\t'"ok x 37 in [0-9]+ s"
check "admin verify passes" ctl admin verify
check "the daemon stops cleanly" ecod_stop
finish
