# Shared by the integration tests: each test sources this, gets a private
# temporary directory with a config, starts its own ecod there, drives it
# with the real ecoctl (or raw bytes via rawsock), and cleans up on exit.
# Results are TAP-like lines: "ok - name" / "not ok - name".

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${ECO_BUILD:-build}
ECOD=$ROOT/$BUILD/ecod
ECOCTL=$ROOT/$BUILD/ecoctl
RAWSOCK=$ROOT/$BUILD/tests/rawsock
DBPOKE=$ROOT/$BUILD/tests/dbpoke

T=$(mktemp -d /tmp/eco-test-XXXXXX)
chmod 755 "$T"
CONF=$T/ecod.conf
SOCK=$T/ecod.sock
DB=$T/data/ecod.db
KEY=$T/master.key
LOG=$T/ecod.log
ECOD_PID=
NFAIL=0

cleanup() {
	if [ -n "$ECOD_PID" ] && kill -0 "$ECOD_PID" 2>/dev/null; then
		kill -KILL "$ECOD_PID" 2>/dev/null
		wait "$ECOD_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT

# write_conf [extra settings...]: the base config plus one setting a line.
write_conf() {
	{
		echo 'socket = "ecod.sock";'
		echo 'data_dir = "data";'
		echo 'master_key_file = "master.key";'
		echo 'idle_timeout_seconds = 30;'
		for line in "$@"; do echo "$line"; done
	} > "$CONF"
}

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; NFAIL=$((NFAIL + 1)); }

# check NAME COMMAND...: passes if the command succeeds.
check() {
	name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"
	else not_ok "$1"; echo "#   got:  $2"; echo "#   want: $3"; fi
}

# expect_match NAME TEXT PATTERN (grep -E)
expect_match() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then ok "$1"
	else not_ok "$1"; echo "#   got:  $2"; echo "#   want: /$3/"; fi
}

# expect_no_match NAME TEXT PATTERN
expect_no_match() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then
		not_ok "$1"; echo "#   found /$3/ in: $2"
	else ok "$1"; fi
}

ctl() { "$ECOCTL" -s "$SOCK" "$@"; }

ecod_init() { "$ECOD" -c "$CONF" --init "$@" >"$T/init.out" 2>&1; }

# ecod_start: starts the daemon in the background and waits until it
# answers; returns 1 if it exited instead.
ecod_start() {
	"$ECOD" -c "$CONF" "$@" >>"$LOG" 2>&1 &
	ECOD_PID=$!
	i=0
	while [ $i -lt 200 ]; do
		if ! kill -0 "$ECOD_PID" 2>/dev/null; then
			wait "$ECOD_PID"
			ECOD_PID=
			return 1
		fi
		"$ECOCTL" -s "$SOCK" ping >/dev/null 2>&1 && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# ecod_stop: SIGTERM, and the exit status of the daemon.
ecod_stop() {
	[ -n "$ECOD_PID" ] || return 1
	kill -TERM "$ECOD_PID"
	wait "$ECOD_PID"
	st=$?
	ECOD_PID=
	return $st
}

# ecod_fails_to_start: runs the daemon in the foreground expecting exit 1;
# its stderr in $OUT.
ecod_fails_to_start() {
	OUT=$(timeout 60 "$ECOD" -c "$CONF" "$@" 2>&1 </dev/null)
	[ $? -eq 1 ]
}

# file_has FILE STRING: the file holds STRING, binary or not.
file_has() { [ -f "$1" ] && grep -a -q -F -- "$2" "$1"; }

# hex FILE: the file as one line of hex.
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

finish() { [ "$NFAIL" -eq 0 ]; exit $?; }
