#!/bin/bash
# The README's tour, run as it stands. Every ```console block of README.md
# is part of it: a line "$ COMMAND" is a command (a line ending in "\"
# goes on to the next), the lines after it, up to the next "$ " or the
# end of the block, are its output as a person sees it at a terminal, and
# a command expected to fail ends with a comment "# ... exit N". The test
# runs the commands in order, in one bash at a pseudo-terminal (so
# listings are tables and what ecoctl tells a person on stderr shows),
# against a throw-away instance, and compares each command's output,
# stdout and stderr as the terminal shows them, and exit status with the
# README's: the values that change from run to run (codes, keys,
# fingerprints, dates and times) as patterns, a run of spaces (a table's
# column widths) as one, all else as written. A failure names the
# README's line and the command.
#
# `make run` is not run: the test stands in for it, with a fresh instance
# whose settings are conf/ecod.conf's (the one make run uses), in a folder
# laid out as a checkout ($T/repo: build/, var/ecod.sock), where the
# tour's second terminal starts. The tour's shell has the system's PATH
# and no ECO_SOCKET: ecoctl and the socket are found through the README's
# own exports.
#
# ECO_README=FILE checks another README (to try an edit); with
# ECO_README_TRANSCRIPT=FILE the run's commands and their raw outputs are
# written there, in the README's form, when the tour is changed.
. "$(dirname "$0")/lib.sh"

README=${ECO_README:-$ROOT/README.md}
D=$T/tour
REPO=$T/repo
mkdir -p "$D" "$REPO/var" "$T/home" "$T/tmp"
ln -s "$ROOT/$BUILD" "$REPO/build"

# The instance make run would make: conf/ecod.conf's settings, its paths
# those of write_conf, in the checkout's var/.
CONF=$REPO/var/ecod.conf
SOCK=$REPO/var/ecod.sock
mapfile -t settings < <(grep -E '^[a-z_]+ *=' "$ROOT/conf/ecod.conf" |
    grep -vE '^(socket|data_dir|master_key_file|idle_timeout_seconds) ')
write_conf "${settings[@]}"
ecod_init || { cat "$T/init.out"; not_ok "ecod --init"; finish; }
ecod_start || { cat "$LOG"; not_ok "ecod starts"; finish; }
echo "# make run is not run: a fresh instance with conf/ecod.conf's settings stands in for it"

# The tour's commands, their outputs and exit statuses, from README.md:
# $D/cmd.N, $D/want.N, and "N LINE STATUS" lines in $D/index.
awk -v d="$D" '
function bad(msg) { print "README.md:" NR ": " msg > "/dev/stderr"; err = 1 }
/^```console[ \t]*$/ {
	if (inblk) bad("a ```console block inside another")
	inblk = 1; start = n; cont = 0; next
}
inblk && /^```[ \t]*$/ {
	if (cont) bad("the block ends inside a command")
	inblk = 0; cont = 0; next
}
!inblk { next }
cont { cmd[n] = cmd[n] "\n" $0; cont = /\\$/; next }
/^\$ / {
	n++; line[n] = NR; cmd[n] = substr($0, 3); want[n] = ""
	cont = /\\$/; next
}
/^\$$/ { bad("an empty command"); next }
{
	if (n == start) bad("output before any command of the block")
	want[n] = want[n] $0 "\n"
}
END {
	if (inblk) bad("a ```console block is not closed")
	for (i = 1; i <= n; i++) {
		st = 0
		last = cmd[i]; sub(/.*\n/, "", last)
		if (match(last, /#.*exit [0-9]+[ \t]*$/)) {
			st = substr(last, RSTART, RLENGTH)
			sub(/.*exit /, "", st); sub(/[ \t]*$/, "", st)
		}
		printf "%s\n", cmd[i] > (d "/cmd." i)
		printf "%s", want[i] > (d "/want." i)
		print i, line[i], st > (d "/index")
	}
	exit err
}' "$README" || { not_ok "README.md's tour can be read"; finish; }
n=$(wc -l < "$D/index")
expect_match "README.md's tour has its commands ($n)" "$n" '^[1-9][0-9]+$'
# What the tour is for: each role's part, in the README.
for c in 'ecoctl admin counsellor add' 'ecoctl admin auditor add' \
    'ecoctl admin list' 'ecoctl avail add' 'ecoctl agenda' 'ecoctl slots' \
    'ecoctl book' 'ecoctl status' 'ecoctl reschedule' 'ecoctl cancel' \
    'ecoctl note write' 'ecoctl note list' 'ecoctl note open' \
    'ecoctl mark' 'ecoctl audit pubkey' 'ecoctl audit verify' \
    'ecoctl audit log' 'slots --json'; do
	grep -qF -- "$c" "$D"/cmd.* || not_ok "the tour runs $c"
done

# One bash runs them all at a pseudo-terminal, each with eval (a command
# that does not parse stays one command's failure), between markers.
# typist.py is the person at it: where ecoctl asks for the booking code,
# it types the one the terminal showed last, as read off the screen.
cat > "$D/run.sh" <<'EOF'
__tour_i=1
while [ -f "$__TOUR/cmd.$__tour_i" ]; do
	printf '@@eco-tour-begin %d\n' "$__tour_i"
	eval "$(cat "$__TOUR/cmd.$__tour_i")"
	printf '@@eco-tour-end %d %d\n' "$__tour_i" "$?"
	__tour_i=$((__tour_i + 1))
done
EOF
# Nothing of the test's own: no ecoctl on PATH, no socket, no key.
unset ECO_SOCKET ECO_KEY ECO_PASSPHRASE_FILE
(cd "$REPO" && HOME=$T/home TMPDIR=$T/tmp SHELL=/bin/bash __TOUR=$D \
    PATH=/usr/bin:/bin:/usr/sbin:/sbin timeout 90 \
    /usr/bin/python3 "$ROOT/tests/integration/typist.py" -- bash "$D/run.sh") \
    </dev/null >"$D/got.raw" 2>&1
st=$?
[ "$st" -eq 0 ] || echo "# the tour's shell exited $st"

# The outputs, one a command: $D/got.N and $D/st.N.
tr -d '\r' < "$D/got.raw" | awk -v d="$D" '
/^@@eco-tour-begin [0-9]+$/ { i = $2; printf "" > (d "/got." i); next }
i && (k = index($0, "@@eco-tour-end ")) {
	rest = substr($0, k)
	if (k > 1)
		printf "%s", substr($0, 1, k - 1) > (d "/got." i)
	split(rest, f, " ")
	print f[3] > (d "/st." i)
	i = 0; next
}
i { print > (d "/got." i) }
'

# What may differ from run to run, as patterns; columns as one space.
norm() {
	sed -E \
	    -e 's/[0-9A-Z]{4}(-[0-9A-Z]{4}){6}/<CODE>/g' \
	    -e 's#eco-audit/[0-9a-f]+\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*#eco-audit/<KEY>#g' \
	    -e 's#[A-Za-z0-9+/]{43}=#<PUBKEY>#g' \
	    -e 's/\b[0-9a-f]{16}\b/<FINGERPRINT>/g' \
	    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?Z?/<TIMESTAMP>/g' \
	    -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}/<DATE>/g' \
	    -e 's/\b[0-9]{2}:[0-9]{2}(:[0-9]{2})?\b/<TIME>/g' \
	    -e 's/(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|lunes|martes|miércoles|jueves|viernes|sábado|domingo) [0-9]{1,2} (de )?(January|February|March|April|May|June|July|August|September|October|November|December|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) (de )?[0-9]{4}/<DAY>/g' \
	    -e 's/ +/ /g' -e 's/ $//' "$1"
}

# The run in the README's form, for a tour being changed.
if [ -n "${ECO_README_TRANSCRIPT:-}" ]; then
	while read -r i line want_st; do
		sed '1s/^/$ /' "$D/cmd.$i"
		[ -f "$D/got.$i" ] && cat "$D/got.$i"
	done < "$D/index" > "$ECO_README_TRANSCRIPT"
fi

while read -r i line want_st; do
	name="README.md:$line: $(head -1 "$D/cmd.$i")"
	if [ ! -f "$D/st.$i" ]; then
		not_ok "$name: did not finish"
		[ -f "$D/got.$i" ] && sed 's/^/#   /' "$D/got.$i"
		continue
	fi
	got_st=$(cat "$D/st.$i")
	if [ "$got_st" != "$want_st" ]; then
		not_ok "$name: exited $got_st, the README says $want_st"
		sed 's/^/#   /' "$D/got.$i"
		continue
	fi
	if ! diff -u <(norm "$D/want.$i") <(norm "$D/got.$i") > "$D/diff.$i"
	then
		not_ok "$name: its output differs from the README's (-README, +ecoctl's)"
		tail -n +3 "$D/diff.$i" | sed 's/^/#   /'
		continue
	fi
	ok "$name"
done < "$D/index"
[ "$NFAIL" -gt 1 ] &&
    echo "# the first command that failed may be why later ones did"

# A positive control: the patterns leave the words alone, so one output
# with a word changed no longer compares equal.
for f in "$D"/want.*; do
	[ -s "$f" ] && grep -q '[a-z]' "$f" && break
done
sed '1s/[a-z][a-z]*/xyzzy/' "$f" > "$D/changed"
if cmp -s <(norm "$f") <(norm "$D/changed"); then
	not_ok "a word changed in a shown output is told apart"
else
	ok "a word changed in a shown output is told apart"
fi

ecod_stop || not_ok "ecod stops cleanly after the tour"
finish
