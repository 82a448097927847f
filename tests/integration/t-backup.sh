#!/bin/bash
# Online backup and tested restore, through the real daemon and ecoctl:
# a backup taken while bookings go on holds every booking acknowledged
# before it began, passes integrity_check, holds no key; it is written
# 0600 through no link; --dir --keep keeps the newest copies. ecod
# --restore brings it back in a fresh directory with the master key, and
# an auditor who verified the log past the backup gets "restore" from
# audit verify, while a raw older copy put back is still a rollback.
. "$(dirname "$0")/lib.sh"

need_peers "backup test"
export ECO_AUDIT_STATE=$T/audit-state
audit() { as au audit "$@"; }
quiet() { "$@" >/dev/null 2>&1; }

write_conf "min_notice_minutes = 0;" 'socket_group = "nogroup";' \
    "max_bookings_per_uid_hour = 0;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)" >/dev/null
ctl admin auditor add au "$(make_key au)" >/dev/null
D=$(ldate "+2 days")
for h in 08 09 10 11 12 13 14 15 16 17; do
	as ana avail add --start "$D $h:00" --minutes 50 --weekly 30 \
	    >/dev/null || not_ok "slots at $h"
done
NSLOTS=300
echo "an intake message" > "$T/msg"
ctl book 1 --message-file "$T/msg" > "$T/code1"
echo "a session note" | as ana note write 1 >/dev/null
audit verify >/dev/null 2>&1 || not_ok "first audit verify"

# A booking load on the slots from 2 up, in the background: each line of
# $T/acked is a slot and its code, written once ecoctl has the answer.
load() {
	s=$1
	while [ "$s" -le "$NSLOTS" ] && [ ! -e "$T/stop" ]; do
		code=$(ctl book "$s" 2>/dev/null) && echo "$s $code" >> "$T/acked.$2"
		s=$((s + 2))
	done
}
load 2 a & L1=$!
load 3 b & L2=$!
sleep 0.3
cat "$T"/acked.* > "$T/before" 2>/dev/null	# acknowledged before BACKUP
out=$(ctl admin backup "$T/b1.db" 2>&1); st=$?
# What load a acknowledges from here on was booked after the backup: wait
# for one such (a slow build books slowly), then stop the load.
na=$(cat "$T/acked.a" 2>/dev/null | wc -l)
for _ in $(seq 100); do
	[ "$(cat "$T/acked.a" 2>/dev/null | wc -l)" -gt "$na" ] && break
	sleep 0.1
done
sleep 0.3
touch "$T/stop"; wait $L1 $L2
expect_eq "admin backup during a booking load exits 0" "$st" 0
expect_match "  and says size, rows checked and tree size" "$out" \
    "^backup: $T/b1.db: [0-9]+ bytes, [0-9]+ sealed rows checked, audit tree size [0-9]+"
B=$(printf '%s\n' "$out" | sed -n 's/.*audit tree size \([0-9]*\)$/\1/p')
nbefore=$(wc -l < "$T/before")
nall=$(cat "$T"/acked.* | wc -l)
echo "# $nbefore bookings acknowledged before the backup, $nall by the end"
check "  some bookings were acknowledged before it and more after" \
    [ "$nbefore" -gt 0 -a "$nall" -gt "$nbefore" ]
expect_eq "  the copy is mode 0600" "$(stat -c %a "$T/b1.db")" 600
expect_eq "  sqlite3 integrity_check of the copy" \
    "$(sqlite3 -readonly "$T/b1.db" 'PRAGMA integrity_check')" ok
expect_eq "  the copy's SHA-256 is the one printed" \
    "$(sha256sum < "$T/b1.db" | cut -d' ' -f1)" \
    "$(printf '%s\n' "$out" | sed -n 's/^sha256 //p')"
check "  the master key's bytes are not in it" \
    [ "$(/usr/bin/python3 -c 'import sys; print(open(sys.argv[1],"rb").read() in open(sys.argv[2],"rb").read())' "$KEY" "$T/b1.db")" = False ]
in_clear() { grep -a -q -e "a session note" -e "an intake message" "$1"; }
check "  nor a note or an intake in clear" eval '! in_clear "$T/b1.db"'
expect_eq "  its last audit entry is the backup mark" "$(audit log |
    sed -n "${B}p" | cut -f3-6 | tr '\t' ' ')" "admin backup - begun"
expect_match "  and the end is recorded" "$(audit log | cut -f3-6 |
    tr '\t' ' ')" "admin backup - ok size=$B"
check "  nothing of the copy is left in data_dir" \
    [ "$(ls "$T/data" | grep -c backup)" = 0 ]

# The file: never over an existing one without --force, never through a
# link (a link at the name is replaced), only for an admin.
out=$(ctl admin backup "$T/b1.db" 2>&1); st=$?
expect_eq "a second backup to the same file is refused" "$st" 1
expect_match "  saying why" "$out" "exists; refused \(--force"
echo "not to be touched" > "$T/target"
ln -s "$T/target" "$T/link.db"
ctl admin backup --force "$T/link.db" >/dev/null 2>&1
expect_eq "--force over a symbolic link replaces the link" \
    "$(stat -c %F "$T/link.db")" "regular file"
expect_eq "  and leaves its target alone" "$(cat "$T/target")" \
    "not to be touched"
out=$(as_uid nobody "$ECOCTL" -s "$SOCK" admin backup "$T/x.db" 2>&1); st=$?
expect_eq "a non-admin's backup is refused" "$st" 1
check "  and writes nothing" [ ! -e "$T/x.db" ]
out=$(ctl admin backup 2>&1); st=$?
expect_eq "admin backup with neither FILE nor --dir is a usage error" "$st" 2
for i in 1 2 3; do
	ctl admin backup --dir "$T/bk" --keep 2 > "$T/keep.$i" || \
	    not_ok "backup --dir $i"
	sleep 1.05
done
touch "$T/bk/notes.txt" "$T/bk/ecod-latest.db"
ctl admin backup --dir "$T/bk" --keep 2 > "$T/keep.4"
expect_eq "--dir --keep 2 keeps the 2 newest dated copies" \
    "$(ls "$T/bk" | grep -c '^ecod-[0-9]\{8\}T[0-9]\{6\}Z\.db$')" 2
check "  and no file of another name is removed" \
    [ -e "$T/bk/notes.txt" -a -e "$T/bk/ecod-latest.db" ]
expect_eq "  the folder it made is 0700" "$(stat -c %a "$T/bk")" 700
expect_match "  says what it removed" "$(cat "$T/keep.4")" "^removed $T/bk/ecod-"

# A copy that fails (a folder left at its temporary name), with the
# client's next lines already queued: they get answers, the daemon lives,
# and the log says failed, never ok.
mkdir "$T/data/ecod.backup.tmp"
out=$(printf 'HELLO 1\nBACKUP\nBACKUP-END\nPING\n' | "$RAWSOCK" "$SOCK")
rmdir "$T/data/ecod.backup.tmp"
expect_match "a failed copy answers ERR" "$out" "^ERR internal the backup failed"
expect_match "  a queued BACKUP-END finds no backup" "$out" "ERR notfound no backup"
expect_match "  and the daemon still answers" "$out" "OK PONG"
check "  and still runs" quiet ctl ping
last=$(audit log | cut -f4,6 | grep '^backup' | tail -2 | tr '\t\n' ' ')
expect_match "  the log says begun, then failed with nothing sent" "$last" \
    "^backup begun backup failed size=[0-9]+ sent=0 $"
# A reader that takes all but the first byte and goes: failed, with the
# bytes that left.
out=$(printf 'HELLO 1\nBACKUP\nBACKUP-READ 1\n' | "$RAWSOCK" "$SOCK")
sleep 0.2
expect_match "a reader that leaves with part of the copy: failed, and what left" \
    "$(audit log | cut -f4,6 | grep '^backup' | tail -1)" \
    "backup	failed size=[0-9]+ sent=[1-9][0-9]*$"
# --keep counts the new copy and never removes it, whatever the names of
# the others say of the clock.
touch "$T/bk/ecod-29991231T000000Z.db"
out=$(ctl admin backup --dir "$T/bk" --keep 1)
new=$(printf '%s\n' "$out" | sed -n "s|^backup: $T/bk/\([^:]*\):.*|\1|p")
expect_eq "--keep 1 keeps the new copy, even beside a later name" \
    "$(ls "$T/bk" | grep '^ecod-[0-9]')" "$new"

# A raw copy of the instance as it is now, for the rollback case below.
# The auditor then verifies past the backup: it records the backup's tree.
out=$(audit verify 2>&1) || not_ok "audit verify after the backups: $out"
ecod_stop
cp -a "$T/data" "$T/raw-old"
ecod_start || not_ok "restart"
ctl book 299 >/dev/null 2>&1
audit verify >/dev/null 2>&1 || not_ok "audit verify before the restore"
before=$(sed -n 's/^size //p' "$ECO_AUDIT_STATE")
ecod_stop

# Restore into a fresh directory, with the master key of the instance.
mkdir "$T/new"
cp "$KEY" "$T/new/master.key"
sed -e "s|^data_dir = .*|data_dir = \"$T/new/data\";|" \
    -e "s|^master_key_file = .*|master_key_file = \"$T/new/master.key\";|" \
    "$CONF" > "$T/new/ecod.conf"
out=$("$ECOD" -c "$T/new/ecod.conf" --restore "$T/b1.db" 2>&1); st=$?
expect_eq "ecod --restore of the backup exits 0" "$st" 0
expect_match "  and names the entry that records it" "$out" \
    "audit log of $B entries verifies, and entry $((B + 1)) records the restore"
out=$("$ECOD" -c "$T/new/ecod.conf" --restore "$T/b1.db" 2>&1); st=$?
expect_eq "a second restore over the restored instance is refused" "$st" 1
expect_match "  naming the database" "$out" "ecod.db: exists; a restore"
mkdir "$T/wrong"; head -c 32 /dev/urandom > "$T/wrong/master.key"
chmod 600 "$T/wrong/master.key"
sed -e "s|^data_dir = .*|data_dir = \"$T/wrong/data\";|" \
    -e "s|^master_key_file = .*|master_key_file = \"$T/wrong/master.key\";|" \
    "$CONF" > "$T/wrong/ecod.conf"
out=$("$ECOD" -c "$T/wrong/ecod.conf" --restore "$T/b1.db" 2>&1); st=$?
expect_eq "a restore with another key fails" "$st" 1
expect_match "  saying the key does not open it" "$out" "master key does not open"
check "  and leaves no database behind" [ ! -e "$T/wrong/data/ecod.db" ]
mkdir "$T/raw"; cp "$KEY" "$T/raw/master.key"
sed -e "s|^data_dir = .*|data_dir = \"$T/raw/data\";|" \
    -e "s|^master_key_file = .*|master_key_file = \"$T/raw/master.key\";|" \
    "$CONF" > "$T/raw/ecod.conf"
out=$("$ECOD" -c "$T/raw/ecod.conf" --restore "$T/raw-old/ecod.db" 2>&1); st=$?
expect_eq "a raw copy of a database is not a backup to restore" "$st" 1
expect_match "  saying why" "$out" 'is not the "backup begun" mark'
check "  and leaves no database behind" [ ! -e "$T/raw/data/ecod.db" ]

# A copy with an old audit entry gone: a start reads only the tree's
# tiles and its last entries, but a restore rehashes the whole log.
mkdir "$T/gap"; cp "$KEY" "$T/gap/master.key"
sed -e "s|^data_dir = .*|data_dir = \"$T/gap/data\";|" \
    -e "s|^master_key_file = .*|master_key_file = \"$T/gap/master.key\";|" \
    "$CONF" > "$T/gap/ecod.conf"
cp "$T/b1.db" "$T/gap.db"
"$DBPOKE" "$T/gap.db" delete audit 2
out=$("$ECOD" -c "$T/gap/ecod.conf" --restore "$T/gap.db" 2>&1); st=$?
expect_eq "a backup missing an old audit entry is not restored" "$st" 1
expect_match "  naming the entry" "$out" "entry 2 is missing"
check "  and leaves no database behind" [ ! -e "$T/gap/data/ecod.db" ]

CONF=$T/new/ecod.conf; DB=$T/new/data/ecod.db; SOCK=$T/new/ecod.sock
ecod_start || { not_ok "the restored instance starts"; finish; }
missing=0
while read -r slot code; do
	ctl status "$code" >/dev/null 2>&1 || missing=$((missing + 1))
done < "$T/before"
expect_eq "every booking acknowledged before the backup is there" "$missing" 0
check "  and the first case with it" quiet ctl status "$(cat "$T/code1")"
check "  the note opens" quiet as ana note open 1
# The first booking load a had acknowledged once the backup had answered
# (not the last in slot order: those may have been acknowledged between
# $T/before and the backup's snapshot, and so be in it).
late=$(sed -n "$((na + 1))p" "$T/acked.a" | cut -d' ' -f2)
expect_match "  (a booking made after the backup to look for)" "$late" \
    '^[0-9A-Z-]{34}$'
out=$(ctl status "$late" 2>&1)
expect_match "a booking made after the backup is not in the restore" \
    "$out" "^ecoctl: no case has this code\."
check "admin verify of the restored instance" quiet ctl admin verify
expect_eq "sqlite3 integrity_check of the restored database" \
    "$(sqlite3 -readonly "$DB" 'PRAGMA integrity_check')" ok
out=$(audit verify 2>&1); st=$?
expect_eq "audit verify after the restore exits 0" "$st" 0
expect_match "  and reports the restore to the backup's size" "$out" \
    "restore: entry $((B + 1)) records a restore from the backup of size $B"
expect_match "  naming the entries lost" "$out" \
    "the $((before - B)) entries $((B + 1))..$before verified before"
out=$(audit verify 2>&1); st=$?
expect_eq "  the next verify is an ordinary one" "$st" 0
expect_match "  consistent with the restored log" "$out" "consistent with size"
ecod_stop

# The raw copy from before the restore put back in place: the auditor has
# verified past it, and no restore entry explains the smaller log.
rm -rf "$T/new/data"; cp -a "$T/raw-old" "$T/new/data"
ecod_start || { not_ok "the raw copy starts"; finish; }
out=$(audit verify 2>&1); st=$?
expect_eq "an older raw copy put back still fails audit verify" "$st" 1
expect_match "  as a rollback no restore explains" "$out" \
    "(rollback|fork).*no restore entry explains it"
ecod_stop
finish
