#!/bin/bash
# ecoctl shell: a counsellor's day of commands with one passphrase and one
# login; a failing command does not stop the rest; a connection the daemon
# closed for idleness is opened and logged in again without the passphrase;
# after --lock-minutes without a command the key is wiped and asked again.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 0;"
sed -i 's/^idle_timeout_seconds = .*/idle_timeout_seconds = 1;/' "$CONF"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add eva "$(make_key eva)"
D=$(ldate "+3 days")
logins() { as eva audit log | awk -F'\t' '$3 == "counsellor:ana" && $4 == "login"' | wc -l; }

# A script on stdin: one login for many commands.
echo "Sesión 1, sin riesgo." > "$T/note"
cat > "$T/day" <<EOS
avail add --start "$D 10:00" --minutes 50 --weekly 2 --location 'Consultorio 3'
agenda
book 1
agenda
note write 1 --file $T/note
note list
mark 99 attended
note open 1
EOS
before=$(logins)
out=$(ECO_PASSPHRASE_FILE=$T/ana.pass ctl shell --key "$T/ana.key" \
    < "$T/day" 2>"$T/err"); st=$?
expect_eq "a day of counsellor commands logs in once" "$(( $(logins) - before ))" 1
expect_match "the commands ran, in order" "$(echo "$out" | tr '\n' '|')" \
    "^1\\|2\\|[0-9A-Z-]{34}\\|1	$D 10:00	50	presencial	Consultorio 3	booked	1	-	\\|1\\|1	1	1	ana	.*\\|Sesión 1, sin riesgo\\.\\|$"
expect_match "a failing command says why and the rest go on" "$(cat "$T/err")" \
    "^ecoctl: no such booking of yours$"
expect_eq "the exit status is the last failure's" "$st" 1

# Idle: the daemon closes the connection after a second; the shell opens
# another and signs its challenge with the key it holds, no passphrase.
mkfifo "$T/fifo"
( echo agenda; sleep 2.5; echo agenda; sleep 0.2 ) > "$T/fifo" &
writer=$!
before=$(logins)
out=$(ECO_PASSPHRASE_FILE=$T/ana.pass ctl shell --key "$T/ana.key" \
    < "$T/fifo" 2>&1); st=$?
wait "$writer"
expect_eq "after the daemon closed it for idleness, the shell goes on" \
    "$st|$(echo "$out" | grep -c '^1	')" "0|2"
expect_eq "logged in again on the new connection" "$(( $(logins) - before ))" 2
rm -f "$T/fifo"

# At a terminal: the prompt, the passphrase asked once for two commands.
out=$(/usr/bin/python3 - "$ECOCTL" "$SOCK" "$T/ana.key" <<'EOPY'
import os, pty, sys, time, select
argv = [sys.argv[1], "-s", sys.argv[2], "shell", "--key", sys.argv[3]]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
seen = b""
def until(text, t=10):
    global seen
    end = time.time() + t
    while text not in seen and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                return
until(b"Passphrase: ")
os.write(fd, b"passphrase of ana\n")
until(b"ecoctl> ")
os.write(fd, b"agenda\n")
until(b"ecoctl ana> ")
os.write(fd, b"note list\n")
until(b"ecoctl ana> ", 10)
seen_before = seen
os.write(fd, b"exit\n")
until(b"\xff", 2)
os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace").replace("\r", ""))
EOPY
)
expect_eq "the passphrase is asked once" "$(grep -c 'Passphrase:' <<<"$out")" 1
expect_match "the prompt, then the logged-in name in it" \
    "$(tr '\n' '|' <<<"$out")" "ecoctl> agenda\\|.*ecoctl ana> note list\\|"

# The lock: past --lock-minutes the key is wiped and asked for again; the
# clock is moved with faketime, for the shell only.
lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
if [ -n "$lib" ]; then
	echo "+0" > "$T/shellclock"
	mkfifo "$T/fifo2"
	( echo agenda; sleep 1; echo "+2m" > "$T/shellclock"; sleep 0.3;
	    echo agenda; sleep 0.5 ) > "$T/fifo2" &
	writer=$!
	out=$(env FAKETIME_TIMESTAMP_FILE="$T/shellclock" FAKETIME_NO_CACHE=1 \
	    FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$lib" \
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
	    ECO_PASSPHRASE_FILE=$T/ana.pass "$ECOCTL" -s "$SOCK" shell \
	    --key "$T/ana.key" --lock-minutes 1 < "$T/fifo2" 2>&1)
	wait "$writer"
	expect_match "past --lock-minutes the key is locked, and said" "$out" \
	    "ecoctl: the key was locked after 1 minutes without a command"
	expect_eq "and unlocked again for the next command" \
	    "$(echo "$out" | grep -c '^1	')" 2
else
	not_ok "libfaketime is installed"
fi

# A key named on a line holds for the lines after it (the line itself is
# wiped); a worker's or an admin's command at a counsellor's prompt runs on
# a connection of its own, recorded under its own actor.
before=$(logins)
out=$(printf 'agenda --key %s --passphrase-file %s\nagenda\nadmin list\nping\nagenda\n' \
    "$T/ana.key" "$T/ana.pass" | ctl shell 2>&1); st=$?
expect_eq "a --key on a line serves the next lines too, one login" \
    "$st|$(( $(logins) - before ))|$(echo "$out" | grep -c '^1	')" "0|1|3"
expect_eq "an admin command at her prompt is the admin's in the log" \
    "$(as eva audit log | awk -F'\t' '$4 == "people" { print $3 }' | tail -1)" admin

out=$(printf 'shell\n"unclosed\nhelp book\n' | ctl shell 2>&1); st=$?
expect_match "shell inside the shell is refused" "$out" "already in the shell"
expect_match "an unclosed quote is said" "$out" "a quote is not closed"
expect_match "help works inside, and does not end the shell" "$out" \
    "usage: ecoctl book SLOT"
expect_eq "exit status 2 (bad usage) for those" "$st" 2

finish
