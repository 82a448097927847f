#!/bin/bash
# The case as a conversation, through the real daemon and ecoctl: staff
# and worker write to each other through the code alone, sealed end to
# end; the service cancels a booked session and the worker learns why.
. "$(dirname "$0")/lib.sh"

PK_REC=$(make_key coord)
write_conf "min_notice_minutes = 0;" "recovery_public_key = \"$PK_REC\";" \
    "max_message_bytes = 2000;" "max_messages_per_case = 12;" \
    "max_worker_bytes_per_case = 5000;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin counsellor add beto "$(make_key beto)"
ctl admin counsellor add carla "$(make_key carla)"
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --weekly 3 >/dev/null	# 1-3
as beto avail add --start "$D 12:00" --minutes 50 --weekly 2 >/dev/null	# 4-5
M=MARKER-MSG-q7Yv2
printf 'Hola, me gustaría hablar de algo (%s-intake).\n' "$M" > "$T/intake"
CODE=$(ctl book 1 --message-file "$T/intake")		# case 1, booking 1
OTHER=$(ctl book 4)					# case 2, booking 2
check "book prints a code" test -n "$CODE"
expect_eq "the counsellor reads the intake byte for byte" \
    "$(as ana message 1 | od -c)" "$(od -c < "$T/intake")"

# A full conversation: staff reply, worker reply, staff reply.
printf 'Gracias por escribir. %s-staff1\n¿Cómo estás?\n' "$M" > "$T/s1"
printf 'Bien, gracias. %s-worker1\n' "$M" > "$T/w1"
printf '\0binario\r\n%s-staff2' "$M" > "$T/s2"
expect_eq "message send prints the message id" \
    "$(as ana message send 1 --file "$T/s1")" 1
out=$(ctl status "$CODE" 2>&1 >/dev/null)
expect_match "status counts the unread staff message" "$out" \
    "^1 new message"
ctl messages "$CODE" --open 1 > "$T/s1.w"
check "the worker opens the staff reply byte for byte" cmp "$T/s1" "$T/s1.w"
out=$(ctl status "$CODE" 2>&1 >/dev/null)
expect_eq "once served, it is read" "$out" ""
check "reply prints nothing" test -z "$(ctl reply "$CODE" --file "$T/w1")"
ctl messages "$CODE" --open 2 > "$T/w1.w"
check "the worker rereads its own reply" cmp "$T/w1" "$T/w1.w"
as ana message open 2 > "$T/w1.s"
check "the counsellor reads the worker's reply byte for byte" \
    cmp "$T/w1" "$T/w1.s"
expect_eq "a second staff reply, by booking" \
    "$(as ana message send booking:1 --file "$T/s2")" 3
ctl messages "$CODE" --open 3 > "$T/s2.w"
check "a binary staff reply opens byte for byte" cmp "$T/s2" "$T/s2.w"
as ana message open 3 > "$T/s2.s"
check "the author rereads it" cmp "$T/s2" "$T/s2.s"
as ana message open 1 > "$T/s1.s"
check "and the first" cmp "$T/s1" "$T/s1.s"
ctl messages "$CODE" > "$T/thread"
thread=$(tr -d '\0' < "$T/thread")
expect_eq "the thread, piped: id, from, author, time, bytes; then the text" \
    "$(echo "$thread" | grep -P '^\d+\t' | cut -f1-3 | tr '\t\n' ', ')" \
    "1,counsellor,ana 2,worker,- 3,counsellor,ana "
expect_match "  with each text" "$thread" "$M-worker1"
ctl messages "$CODE" --json > "$T/thread.json"
check "messages --json is JSON with the three texts" /usr/bin/python3 -c "
import json,sys
v=json.load(open('$T/thread.json'))
assert [m['message'] for m in v]==[1,2,3], v
assert v[1]['text']==open('$T/w1').read() and v[1]['from']=='worker'
"
list=$(as ana message list --case 1)
expect_eq "message list: id, case, booking, from, author" \
    "$(echo "$list" | cut -f1-5 | tr '\t\n' ', ')" \
    "1,1,-,counsellor,ana 2,1,1,worker,- 3,1,-,counsellor,ana "
expect_eq "  and whether the worker read it" \
    "$(echo "$list" | cut -f7 | tr '\n' ' ')" "yes - yes "
ECO_PASSPHRASE_FILE=$T/coord.pass ctl message open 2 \
    --recovery-key "$T/coord.key" > "$T/w1.r"
check "the recovery key opens the worker's reply" cmp "$T/w1" "$T/w1.r"

# Who cannot read or write.
out=$(ctl messages "$OTHER" --open 1 2>&1); st=$?
expect_eq "another code cannot read the thread" "$st" 1
expect_match "  (not in its case)" "$out" "no message 1"
expect_eq "another code's thread is empty" "$(ctl messages "$OTHER")" ""
bad=$(echo "$CODE" | sed 's/^./X/')
out=$(ctl messages "$bad" 2>&1); st=$?
check "a wrong code reads nothing" test $st -ne 0
expect_match "  and is told to check the code" "$out" "no case has this code|no such code"
out=$(as beto message open 2 2>&1); st=$?
expect_eq "another counsellor cannot open it" "$st" 1
expect_match "  (none for them)" "$out" "no such message"
out=$(as beto message send 1 --file "$T/s1" 2>&1); st=$?
expect_eq "nor write to a case not theirs" "$st" 1
expect_match "  (no such case of theirs)" "$out" "no such case"
expect_eq "message list shows beto none of it" "$(as beto message list)" ""
# Limits and bad input.
head -c 2001 /dev/zero | tr '\0' a > "$T/big"
out=$(ctl reply "$CODE" --file "$T/big" 2>&1); st=$?
expect_eq "a message over max_message_bytes is refused (exit 2)" "$st" 2
expect_match "  with the limit named" "$out" "at most 2000 bytes"
: > "$T/empty"
out=$(ctl reply "$CODE" --file "$T/empty" 2>&1); st=$?
expect_match "an empty message is refused" "$out" "empty"
LOOKUP=$(lookup_of "$CODE")
printf 'HELLO 1\nMSG-POST %s AAAA\nMSG-POST %s %s\nCASE-SET %s %s\nQUIT\n' \
    "$LOOKUP" "$LOOKUP" "$(head -c 300 /dev/urandom | base64 -w0)" \
    "$LOOKUP" "$(token)" | "$RAWSOCK" "$SOCK" > "$T/raw" 2>&1
expect_match "garbage as a message is refused" "$(cat "$T/raw")" \
    "ERR invalid sealed"
expect_match "another key for the case is refused" "$(cat "$T/raw")" \
    "ERR conflict this case has another key"
ctl admin revoke ana
out=$(as ana message send 1 --file "$T/s1" 2>&1); st=$?
check "a revoked counsellor cannot send" test $st -ne 0


# The service cancels a booked session: the worker sees it, and why, and
# books again in the same case at once.
CODE2=$(ctl book 5)					# case 3, booking 3
printf 'Beto está enfermo; perdón. %s-cancel\n' "$M" > "$T/why"
out=$(as beto session cancel 3 2>&1); st=$?
expect_eq "session cancel needs --reason-file (exit 2)" "$st" 2
check "session cancel prints nothing" \
    test -z "$(as beto session cancel 3 --reason-file "$T/why")"
expect_match "the worker's status shows it cancelled by the service" \
    "$(ctl status "$CODE2")" "cancelled-by-service"
out=$(ctl status "$CODE2" 2>&1 >/dev/null)
expect_match "  with a message waiting" "$out" "^1 new message"
id=$(ctl messages "$CODE2" | head -1 | cut -f1)
ctl messages "$CODE2" --open "$id" > "$T/why.w"
check "the worker reads the reason byte for byte" cmp "$T/why" "$T/why.w"
printf 'Entiendo, gracias. %s-answer\n' "$M" > "$T/answer"
check "  and can answer it, the case's only session cancelled" \
    ctl reply "$CODE2" --file "$T/answer"
id=$(as beto message list | tail -1 | cut -f1)
as beto message open "$id" > "$T/answer.s"
check "  the counsellor who cancelled reads the answer" \
    cmp "$T/answer" "$T/answer.s"
expect_no_match "the slot is withdrawn" "$(ctl slots)" "^5"$'\t'
as beto avail add --start "$D 16:00" --minutes 50 >/dev/null		# slot 6
check "the worker books again in the same case at once" \
    ctl book 6 --code "$CODE2"
expect_eq "  and has one upcoming session" \
    "$(ctl status "$CODE2" | grep -c booked)" 1
out=$(as carla session cancel 4 --reason-file "$T/why" 2>&1); st=$?
expect_eq "another counsellor cannot cancel it" "$st" 1
expect_match "  (not theirs)" "$out" "no such booking"

# Withdrawing a booked slot cancels its session, given a reason.
out=$(as beto avail rm 6 2>&1); st=$?
expect_eq "a booked slot is not withdrawn without a reason" "$st" 1
expect_match "  which says what to do" "$out" "session cancel"
check "with --reason-file it is" as beto avail rm 6 --reason-file "$T/why"
expect_match "  and its session is cancelled by the service" \
    "$(ctl status "$CODE2" | tail -1)" "cancelled-by-service"
as beto avail add --start "$D 18:00" --minutes 50 >/dev/null		# slot 7
check "a free slot is withdrawn as before" as beto avail rm 7

# An admin cancels a whole day.
as carla avail add --start "$D 09:00" --minutes 30 >/dev/null		# 8
as carla avail add --start "$D 09:30" --minutes 30 >/dev/null		# 9
C7=$(ctl book 8); C8=$(ctl book 9)
ctl session cancel --day "$D" --reason-file "$T/why"
expect_match "admin --day: every booked session that day" \
    "$(ctl status "$C7" 2>/dev/null)$(ctl status "$C8" 2>/dev/null)" \
    "cancelled-by-service.*cancelled-by-service"
ctl messages "$C8" --open "$(ctl messages "$C8" | head -1 | cut -f1)" \
    > "$T/why.d"
check "  each worker reads the reason" cmp "$T/why" "$T/why.d"
expect_match "  from the service" "$(ctl messages "$C8" | head -1)" \
    $'\tservice\t'

# Audit: every message written and served, each cancellation: actor and
# object id only.
make_key audi >/dev/null
ctl admin auditor add audi "$(cat "$T/audi.key" | awk '/^public/ {print $2}')" \
    2>/dev/null
as audi audit log > "$T/audit" 2>&1
expect_match "message-write entries" "$(cat "$T/audit")" \
    "counsellor:ana"$'\t'"message-write"$'\t'"message:1"
expect_match "message-read by the worker, one entry a thread" \
    "$(cat "$T/audit")" "worker"$'\t'"message-read"$'\t'"-"$'\t'"ok$"
expect_no_match "  naming no case and no count" "$(cat "$T/audit")" \
    "worker"$'\t'"message-read"$'\t'"(case:|.*n=)"
expect_match "message-read by staff, by message" "$(cat "$T/audit")" \
    "counsellor:ana"$'\t'"message-read"$'\t'"message:2"
expect_match "session-cancel" "$(cat "$T/audit")" \
    "counsellor:beto"$'\t'"session-cancel"$'\t'"booking:3"
expect_match "session-cancel by an admin" "$(cat "$T/audit")" \
    "admin"$'\t'"session-cancel"$'\t'"booking:"

# The marker in every message is nowhere under the instance.
ctl admin verify >/dev/null
check "admin verify passes with messages" ctl admin verify
if grep -rqa "$M" "$T/data" "$LOG" "$T"/*.conf 2>/dev/null; then
	not_ok "no message text in the database, WAL or logs"
else
	ok "no message text in the database, WAL or logs"
fi
ecod_stop
ecod_start || not_ok "restarts"
ctl messages "$CODE" > "$T/thread2"
expect_eq "after a restart the thread is whole" \
    "$(tr -d '\0' < "$T/thread2" | grep -cP '^\d+\t(worker|counsellor)\t')" 3
ctl messages "$CODE" --open 3 > "$T/s2.x"
check "  and opens byte for byte" cmp "$T/s2" "$T/s2.x"
check "the daemon keeps running" ctl ping

# A full thread: the worker's messages are capped, by count and by bytes
# in all, yet staff still write and the service still cancels, saying why.
as carla avail add --start "$D 11:00" --minutes 50 >/dev/null		# 10
CODE4=$(ctl book 10)
head -c 1999 /dev/zero | tr '\0' b > "$T/full"; echo >> "$T/full"
ctl reply "$CODE4" --file "$T/full" && ctl reply "$CODE4" --file "$T/full"
out=$(ctl reply "$CODE4" --file "$T/full" 2>&1); st=$?
expect_eq "the worker's text in a case is capped" "$st" 1
expect_match "  naming the bytes in all and what is left" "$out" \
    "5000 bytes of text in all; 1000 are left"
echo x > "$T/x"
for i in 3 4 5 6 7 8 9 10 11 12; do ctl reply "$CODE4" --file "$T/x"; done
out=$(ctl reply "$CODE4" --file "$T/x" 2>&1); st=$?
expect_eq "the worker's messages in a case are capped" "$st" 1
expect_match "  at max_messages_per_case" "$out" "12 messages in this case"
bk=$(as carla agenda | awk -F'\t' '$6 == "booked" {print $1}' | tail -1)
check "a counsellor still writes to a case the worker filled" \
    as carla message send "booking:$bk" --file "$T/s1"
check "the service still cancels, with its reason" \
    as carla session cancel "$bk" --reason-file "$T/why"
expect_eq "  which the worker reads" \
    "$(ctl messages "$CODE4" | grep -aP '^\d+\t' | cut -f2 | uniq -c | tr -s ' ')" \
    " 12 worker
 2 counsellor"

# A counsellor the worker moved away from gets no more of their messages;
# reply says on the terminal whom it sealed to.
as carla avail add --start "$D 13:00" --minutes 50 >/dev/null		# 11
as beto avail add --start "$D 14:00" --minutes 50 >/dev/null		# 12
CODE5=$(ctl book 11)
ctl reschedule "$CODE5" 12 2>/dev/null
echo "a beto, no a carla ($M-moved)" > "$T/moved"
out=$(/usr/bin/python3 "$ROOT/tests/integration/ptyrun.py" -- "$ECOCTL" \
    -s "$SOCK" reply "$CODE5" --file "$T/moved")
expect_match "reply names on the terminal whom it sealed to" "$out" \
    "Sent, sealed to 1 counsellor of the case: beto\."
id=$(ctl messages "$CODE5" | grep -aP '^\d+\tworker\t' | cut -f1)
as beto message open "$id" > "$T/moved.b"
check "the counsellor of the session it moved to reads it" \
    cmp "$T/moved" "$T/moved.b"
out=$(as carla message open "$id" 2>&1); st=$?
expect_eq "the one it moved away from cannot" "$st" 1
expect_match "  (none for her)" "$out" "no such message"

# An empty message is refused by the daemon too (ecoctl never sends one):
# here the service's reason for a cancellation, sealed as an admin would.
bk=$(as beto agenda | awk -F'\t' '$6 == "booked" {print $1}' | tail -1)
out=$(/usr/bin/python3 - "$SOCK" "$bk" <<'PY'
import base64, os, socket, struct, sys
import nacl.bindings as nb
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); f = s.makefile("rwb")
def req(*a):
    f.write((" ".join(a) + "\n").encode()); f.flush()
    while True:
        ln = f.readline().decode().rstrip("\n")
        if not ln.startswith("* "):
            return ln
req("HELLO", "1")
ok, case, _, ck = req("CASE-KEY", "booking", sys.argv[2]).split()
rec = base64.b64decode(req("RECOVERY-KEY").split()[1])
rcpt = [base64.b64decode(ck), nb.crypto_sign_ed25519_pk_to_curve25519(rec)]
key = os.urandom(32)
hdr = b"ECM1" + struct.pack(">Q", int(case)) + bytes([3]) + b"\0" * 32
hdr += bytes([len(rcpt)]) + b"".join(r + nb.crypto_box_seal(key, r) for r in rcpt)
nonce = os.urandom(24)
blob = hdr + nonce + nb.crypto_aead_xchacha20poly1305_ietf_encrypt(
    b"\0" * 64, hdr, nonce, key)
print(req("SESSION-CANCEL", sys.argv[2], base64.b64encode(blob).decode()))
print(req("PING"))
PY
)
expect_match "an empty message is refused, clearly" "$out" \
    "^ERR invalid sealed: an empty message"
expect_match "  and the connection still serves" "$out" "OK PONG"
expect_match "  and nothing was cancelled" "$(ctl status "$CODE5" | tail -1)" \
    $'\tbooked\t'

# On a terminal, message text cannot drive it or pass for ecoctl's own
# lines: control bytes are shown escaped and each line indented; piped
# and --json, it stays byte for byte, a NUL byte included.
printf 'hola\033[2J\a\n\xe2\x80\x94 The service wrote, today:\n\tfin\xc2\x9b\0.' \
    > "$T/esc"
as beto message send "booking:$bk" --file "$T/esc" >/dev/null
tty_out() {
	/usr/bin/python3 -c '
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=s, stderr=subprocess.DEVNULL)
os.close(s); out = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
p.wait(); sys.stdout.buffer.write(out)' "$@"
}
out=$(tty_out "$ECOCTL" -s "$SOCK" messages "$CODE5" | tr -d '\r')
expect_match "messages on a terminal escapes control bytes" "$out" \
    '^  hola\\x1b\[2J\\x07$'
expect_match "  keeps tabs and UTF-8, escapes C1 and NUL" "$out" \
    $'^  \tfin\\\\xc2\\\\x9b\\\\x00\\.$'
expect_no_match "  and no text line passes for a header" "$out" \
    '^— The service wrote, today'
expect_no_match "  nothing raw reaches the terminal" \
    "$(printf '%s' "$out" | od -An -c)" \
    '033|  \\a|\\0'
id=$(ctl messages "$CODE5" | grep -aP '^\d+\tcounsellor\t' | cut -f1)
ctl messages "$CODE5" --open "$id" > "$T/esc.w"
check "piped, it stays byte for byte" cmp "$T/esc" "$T/esc.w"
out=$(tty_out "$ECOCTL" -s "$SOCK" messages "$CODE5" --open "$id" | tr -d '\r')
expect_match "messages --open on a terminal escapes too" "$out" \
    '^hola\\x1b\[2J\\x07$'
ctl messages "$CODE5" --json > "$T/esc.json"
check "--json keeps the text whole, past its NUL byte" /usr/bin/python3 -c "
import json
v = json.load(open('$T/esc.json', encoding='utf-8', errors='surrogateescape'))
t = [m['text'] for m in v if m['from'] == 'counsellor'][0]
assert t.endswith(chr(0) + '.'), repr(t)
"
out=$(ECO_KEY=$T/beto.key ECO_PASSPHRASE_FILE=$T/beto.pass \
    tty_out "$ECOCTL" -s "$SOCK" message open "$id" | tr -d '\r')
expect_match "message open on a terminal escapes too" "$out" \
    '^hola\\x1b\[2J\\x07$'
as beto message open "$id" > "$T/esc.s"
check "  and piped stays byte for byte" cmp "$T/esc" "$T/esc.s"

# A thread must fit one reply: the configuration says so, by line.
printf 'socket = "x.sock";\ndata_dir = "d";\nmaster_key_file = "k";\nmax_messages_per_case = 10000;\n' \
    > "$T/big.conf"
out=$("$ECOD" -n -c "$T/big.conf" 2>&1); st=$?
check "a thread larger than a reply is refused at start" test $st -ne 0
expect_match "  naming the file, line and setting" "$out" \
    "big.conf:4: max_messages_per_case: .*needs max_output_bytes"
printf 'socket = "x.sock";\ndata_dir = "d";\nmaster_key_file = "k";\nmax_line_bytes = 1024;\nmax_message_bytes = 4096;\n' \
    > "$T/line.conf"
out=$("$ECOD" -n -c "$T/line.conf" 2>&1)
expect_match "a message larger than a line is refused, named" "$out" \
    "line.conf:5: max_message_bytes: .*needs max_line_bytes"
printf 'socket = "x.sock";\ndata_dir = "d";\nmaster_key_file = "k";\nmax_line_bytes = 1024;\n' \
    > "$T/short.conf"
out=$("$ECOD" -n -c "$T/short.conf" 2>&1); st=$?
check "a line too short for any message is refused at start" test $st -ne 0
expect_match "  naming max_line_bytes, file and line" "$out" \
    "short.conf:4: max_line_bytes: .*holds no case message.*at least [0-9]+"

finish
