#!/bin/bash
# Roles come from the peer uid: a connection that is not admin may ping
# but not see STATS; admin_uids grants it; the socket follows socket_group.
. "$(dirname "$0")/lib.sh"

need_peers "roles test"
nobody=$(id -u nobody)
as_nobody() { as_uid nobody "$ECOCTL" -s "$SOCK" "$@"; }

write_conf 'socket_group = "nogroup";'
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
expect_eq "with socket_group the socket is mode 660" \
    "$(stat -c %a "$SOCK")" 660
expect_eq "and belongs to that group" "$(stat -c %G "$SOCK")" nogroup
expect_eq "a group member may ping" "$(as_nobody ping 2>&1)" "PONG"
out=$(as_nobody stats 2>&1); st=$?
expect_eq "a non-admin uid is refused STATS (exit 1)" "$st" 1
expect_match "with a clear reason" "$out" \
    "stats is the operator's: run it as root, or as a user listed in admin_uids"
expect_match "root may see STATS" "$(ctl stats)" "^connections"
check "stops" ecod_stop

write_conf 'socket_group = "nogroup";' "admin_uids = [ $nobody ];"
ecod_start
expect_match "a uid in admin_uids may see STATS" "$(as_nobody stats 2>&1)" \
    "^connections"
check "stops" ecod_stop

write_conf
ecod_start
out=$(as_nobody ping 2>&1); st=$?
expect_eq "without socket_group others cannot connect" "$st" 1
expect_match "and are told why" "$out" "Permission denied"
expect_match "  and what to ask for" "$out" "socket_group names in ecod.conf"
check "stops" ecod_stop

finish
