# Shared by the integration tests: each test sources this, gets a private
# temporary directory with a config, starts its own ecod there, drives it
# with the real ecoctl (or raw bytes via rawsock), and cleans up on exit.
# Results are TAP-like lines: "ok - name" / "not ok - name".

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# Messages in English unless a test asks for another language (t-i18n).
unset LC_ALL LC_MESSAGES LANGUAGE
export LANG=C
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
ECOD_WRAP=()
NFAIL=0
FAKE=$T/faketime
ZONE=America/Mexico_City

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

# at ARGS...: ecoctl ARGS with stdin and stderr on a terminal (ptyrun.py;
# $PTYARGS first: what to type at which prompt, emptied after); sets TTY
# (what the person saw), STDOUT, RC and ECHO (the terminal's echo, on or
# off, as ecoctl left it).
PTY="/usr/bin/python3 $ROOT/tests/integration/ptyrun.py"
PTYARGS=()
at() {
	local out
	out=$($PTY "${PTYARGS[@]}" -- "$ECOCTL" -s "$SOCK" "$@")
	TTY=$(sed '/^--- stdout$/,$d' <<<"$out")
	STDOUT=$(sed -n '/^--- stdout$/,/^--- rc /p' <<<"$out" | sed '1d;$d')
	RC=$(sed -n 's/^--- rc //p' <<<"$out")
	ECHO=$(sed -n 's/^--- echo //p' <<<"$out")
	PTYARGS=()
}

ecod_init() { "$ECOD" -c "$CONF" --init "$@" >"$T/init.out" 2>&1; }

# ecod_start: starts the daemon in the background and waits until it
# answers; returns 1 if it exited instead.
ecod_start() {
	"${ECOD_WRAP[@]}" "$ECOD" -c "$CONF" "$@" >>"$LOG" 2>&1 &
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

# Booking codes for raw protocol tests (tests/tools/code.py): new_code
# makes one as ecoctl does, lookup_of CODE gives the token ecoctl sends for
# it, book_line SLOT a raw BOOK-NEW of SLOT for a new code, which it keeps
# in $T/code.SLOT; token is 32 random bytes in base64.
new_code() { /usr/bin/python3 "$ROOT/tests/tools/code.py" new; }
lookup_of() { /usr/bin/python3 "$ROOT/tests/tools/code.py" lookup "$1"; }
book_line() {
	local l
	l=$(/usr/bin/python3 "$ROOT/tests/tools/code.py" line "$1")
	printf '%s\n' "${l%%	*}" > "$T/code.$1"
	printf '%s' "${l#*	}"
}
token() { head -c 32 /dev/urandom | base64 -w0; }

# hex FILE: the file as one line of hex.
hex() { od -An -v -tx1 "$1" | tr -d ' \n'; }

# use_faketime: later ecod_start runs the daemon under libfaketime, its
# clock offset read from $FAKE at every call; see set_clock.
use_faketime() {
	lib=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -1)
	[ -n "$lib" ] || return 1
	echo "+0" > "$FAKE"
	ECOD_WRAP=(env FAKETIME_TIMESTAMP_FILE="$FAKE" FAKETIME_NO_CACHE=1
	    FAKETIME_DONT_FAKE_MONOTONIC=1 LD_PRELOAD="$lib"
	    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0")
}

# set_clock "YYYY-MM-DD HH:MM": the daemon's clock reads that local time.
set_clock() {
	echo "+$(( $(TZ=$ZONE date -d "$1" +%s) - $(date +%s) ))s" > "$FAKE"
}

# ldate SPEC: a local date (date -d SPEC) in the instance's zone.
ldate() { TZ=$ZONE date -d "$1" +%F; }

# make_key NAME: a key file $T/NAME.key with passphrase file $T/NAME.pass;
# prints the public key.
make_key() {
	echo "passphrase of $1" > "$T/$1.pass"
	"$ECOCTL" keygen --out "$T/$1.key" --name "$1" \
	    --passphrase-file "$T/$1.pass"
}

# as NAME ecoctl-args...: runs ecoctl logged in as NAME.
as() {
	who=$1; shift
	ECO_KEY=$T/$who.key ECO_PASSPHRASE_FILE=$T/$who.pass ctl "$@"
}

finish() { [ "$NFAIL" -eq 0 ]; exit $?; }

# need_peers NAME: the test runs clients as other uids, so it needs root,
# setpriv, user nobody and group nogroup; if not, says so, fails, exits.
need_peers() {
	if ! command -v setpriv >/dev/null || ! getent passwd nobody >/dev/null ||
	    ! getent group nogroup >/dev/null || [ "$(id -u)" != 0 ]; then
		echo "# needs root, setpriv, user nobody and group nogroup"
		not_ok "$1 can run here"
		finish
	fi
}

# as_uid UID|NAME cmd...: runs cmd as that uid, in group nogroup (the
# socket's group in these tests), with no other groups.
as_uid() {
	u=$1; shift
	setpriv --reuid="$u" --regid=nogroup --clear-groups "$@"
}
