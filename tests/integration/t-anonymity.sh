#!/bin/bash
# Nothing that identifies a booker reaches the disk or the log: no booking
# code, no location or message text, no uid. Checked on the database
# file, its WAL and the daemon's debug log, with the daemon still running
# (the WAL full) and after it stops.
. "$(dirname "$0")/lib.sh"

if ! command -v setpriv >/dev/null || ! getent passwd nobody >/dev/null; then
	not_ok "setpriv and user nobody exist"; finish
fi
LOC=MARKER-LOC-Rm9x2
MSG=MARKER-MSG-Kq7v4
write_conf "min_notice_minutes = 0;" 'socket_group = "nogroup";' \
    "cancel_window_minutes = 0;"
ecod_init && ecod_start -d || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 30 \
    --weekly 3 --location "Sala $LOC" >/dev/null
printf 'Quiero hablar de algo. %s\n' "$MSG" > "$T/msg"
chmod 644 "$T/msg"
nobody=$(id -u nobody)
worker() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$ECOCTL" -s "$SOCK" "$@"
}
CODE=$(worker book 1 --message-file "$T/msg")
check "a worker (uid $nobody) books with a message" test -n "$CODE"
worker status "$CODE" >/dev/null
worker reschedule "$CODE" 2
worker cancel "$CODE"
worker book 3 --code "$CODE"

# Positive controls: the data is there, readable through the daemon.
expect_match "the location is served" "$(ctl slots)$(worker status \
    "$CODE")" "$LOC"
expect_match "the message is stored (its counsellor opens it)" \
    "$(as ana message 1)" "$MSG"

# scan WHAT: none of the secrets in the db, the WAL, or the log.
scan() {
	raw=$(echo "$CODE" | tr -d -)
	le=$(printf '\\x%02x\\x%02x\\x00\\x00' $((nobody & 255)) $((nobody >> 8)))
	for f in "$DB" "$DB-wal" "$LOG"; do
		[ -f "$f" ] || continue
		name=$(basename "$f")
		for s in "$CODE" "$raw" "$LOC" "$MSG" "Quiero" "Sala"; do
			if file_has "$f" "$s"; then
				not_ok "$1: $name holds \"$s\""
			else
				ok "$1: $name does not hold \"$s\""
			fi
		done
		if grep -a -q -w "$nobody" "$f" 2>/dev/null ||
		    LC_ALL=C grep -a -q -P "$le" "$f" 2>/dev/null; then
			not_ok "$1: $name holds the booker's uid"
		else
			ok "$1: $name holds no uid of the booker"
		fi
	done
}
check "the WAL exists while the daemon runs" test -s "$DB-wal"
scan "running"
expect_match "the debug log did record the connections (control)" \
    "$(cat "$LOG")" "connection [0-9]+: open"
check "the daemon stops" ecod_stop
scan "stopped"

finish
