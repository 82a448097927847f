#!/bin/bash
# Crash torture, short form (make torture runs the long one): bookers,
# cancellers, note writers and an auditor on many connections while ecod
# is SIGKILLed at random moments, again and again. After each restart
# every acknowledged operation is there, nothing is half there, the
# database passes PRAGMA integrity_check and `ecoctl audit verify` passes
# from the head pinned before the kill. tests/torture/torture.py does the
# rounds; TORTURE_SECONDS and TORTURE_ROUNDS bound them.
. "$(dirname "$0")/lib.sh"

if ! command -v sqlite3 >/dev/null; then
	not_ok "the sqlite3 CLI is installed (TEST_DEBS)"; finish
fi
write_conf "min_notice_minutes = 0;" "cancel_window_minutes = 0;" \
    "max_bookings_per_uid_hour = 0;" \
    "max_bookings_per_connection = 1000000;" "max_connections = 64;"
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
ctl admin counsellor add ana "$(make_key ana)"
ctl admin auditor add au "$(make_key au)"
as ana avail add --start "$(ldate '+2 days') 10:00" --minutes 50 \
    --weekly 48 >/dev/null
check "the instance is set up: 48 free slots" \
    test "$(ctl slots | wc -l)" = 48
ecod_stop

/usr/bin/python3 "$ROOT/tests/torture/torture.py" --ecod "$ECOD" \
    --ecoctl "$ECOCTL" --conf "$CONF" --sock "$SOCK" --db "$DB" --dir "$T" \
    --seconds "${TORTURE_SECONDS:-15}" --rounds "${TORTURE_ROUNDS:-0}" \
    --check-sample "${TORTURE_CHECK_SAMPLE:-2000}" \
    ${TORTURE_SEED:+--seed "$TORTURE_SEED"} 2>&1 | tee "$T/torture.out" | \
    grep -v '^ok -\|^not ok -' 
while read -r line; do
	case "$line" in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	esac
done < "$T/torture.out"
grep -q '^# figures: ' "$T/torture.out" || not_ok "the torture ran to its end"
expect_no_match "the log names no code" "$(cat "$LOG" "$T/torture-ecod.log")" \
    '[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-'
finish
