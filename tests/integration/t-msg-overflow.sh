#!/bin/bash
# A thread read that cannot go out whole is not marked read: a reply past
# the connection's output limit (max_output_bytes) is refused before the
# read marks are committed, and the daemon keeps serving.
. "$(dirname "$0")/lib.sh"

write_conf "min_notice_minutes = 0;" "max_line_bytes = 131072;" \
    "max_message_bytes = 65536;" "max_messages_per_case = 20;" \
    "max_worker_bytes_per_case = 1048576;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
as ana avail add --start "$(ldate "+3 days") 10:00" --minutes 50 >/dev/null
CODE=$(ctl book 1)
LOOKUP=$(lookup_of "$CODE")
echo 'Hola; un mensaje del personal.' > "$T/staff"
as ana message send 1 --file "$T/staff" >/dev/null
head -c 48000 /dev/urandom | base64 -w0 | head -c 64000 > "$T/big"
for i in 1 2 3 4 5 6 7 8 9 10; do ctl reply "$CODE" --file "$T/big"; done
expect_eq "ten large worker messages and one from staff" \
    "$(as ana message list | wc -l)" 11
expect_match "the staff message is unread" \
    "$(printf 'HELLO 1\nSTATUS %s\nQUIT\n' "$LOOKUP" | "$RAWSOCK" "$SOCK")" \
    "OK unread 1"

# The same instance with a small output limit: the thread no longer fits.
ecod_stop
write_conf "min_notice_minutes = 0;" "max_line_bytes = 131072;" \
    "max_message_bytes = 65536;" "max_output_bytes = 786432;" \
    "max_note_bytes = 1024;"
ecod_start || { not_ok "restarts with a small max_output_bytes"; finish; }
printf 'HELLO 1\nMSG-THREAD %s\nSTATUS %s\nQUIT\n' "$LOOKUP" "$LOOKUP" |
    "$RAWSOCK" "$SOCK" > "$T/raw" 2>&1
expect_match "a thread over the output limit is refused, clearly" \
    "$(cat "$T/raw")" "^ERR limit the thread is [0-9]+ bytes.*nothing was marked read"
expect_match "  the connection still serves" "$(cat "$T/raw")" "OK unread"
expect_match "  and the staff message is still unread" "$(cat "$T/raw")" \
    "OK unread 1"
out=$(ctl status "$CODE" 2>&1 >/dev/null)
expect_match "status still says a message waits" "$out" "^1 new message"
check "the daemon keeps running" ctl ping
finish
