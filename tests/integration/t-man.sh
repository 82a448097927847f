#!/bin/bash
# The man pages, ecoctl(1), ecod(8) and ecod.conf(5), in English (man/) and
# Spanish (man/es/): groff -ww finds nothing to warn about, man -l renders
# them silently; every command of ecoctl's command table has an entry in
# both ecoctl(1) pages, tagged with its name and carrying every option its
# usage names; every setting of daemon/config.c's table has an entry in
# both ecod.conf(5) pages, with its bounds; make install puts all six under
# MANDIR and make uninstall removes them.
. "$(dirname "$0")/lib.sh"

unset MANOPT MANROFFOPT MANPAGER PAGER MAN_KEEP_FORMATTING MANPATH
PAGES="man/ecoctl.1 man/ecod.8 man/ecod.conf.5 man/es/ecoctl.1 man/es/ecod.8
man/es/ecod.conf.5"

if ! command -v groff >/dev/null || ! command -v man >/dev/null; then
	not_ok "groff and man are installed (groff-base, man-db)"
	finish
fi

# render PAGE WIDTH: the page as man shows it, in UTF-8, hyphens and minus
# signs as "-" whatever glyph the device chose.
render() {
	LC_ALL=C.UTF-8 MANWIDTH=$2 man -l "$1" 2>/dev/null |
	    sed -e 's/\xe2\x80\x90/-/g' -e 's/\xe2\x80\x91/-/g' \
	    -e 's/\xe2\x88\x92/-/g'
}

# -- each page formats cleanly --------------------------------------------
for p in $PAGES; do
	if [ ! -f "$ROOT/$p" ]; then
		not_ok "$p exists"
		continue
	fi
	out=$(cd "$ROOT" && groff -ww -z -man "$p" 2>&1)
	expect_eq "groff -ww -z -man $p: exit 0, nothing printed" "$?:$out" "0:"
	for l in C C.UTF-8; do
		err=$(LC_ALL=$l MANWIDTH=80 man -l "$ROOT/$p" 2>&1 >"$T/page")
		expect_eq "  man -l in $l: nothing on stderr" "$err" ""
		check "  and a page of text" test "$(grep -c '[a-z]' "$T/page")" -gt 20
	done
done
expect_match "the Spanish pages show their accents" \
    "$(render "$ROOT/man/es/ecod.8" 80)" "^SEÑALES$"
expect_match "  and in the text" \
    "$(render "$ROOT/man/es/ecoctl.1" 80)" "bitácora de auditoría"

# -- every command of the command table, in both ecoctl(1) -----------------
# The commands as ecoctl help lists them: a line "  NAME USAGE" each,
# NAME the leading lower-case words.
"$ECOCTL" help > "$T/help" 2>&1
sed -n '/^commands:/,$p' "$T/help" | grep -E '^  [a-z]' |
    awk '{ n = ""; i = 1
	   while (i <= NF && $i ~ /^[a-z][a-z-]*$/) { n = n (n == "" ? "" : " ") $i; i++ }
	   u = ""; for (; i <= NF; i++) u = u " " $i
	   print n "\t" u }' > "$T/commands"
table=$(sed -n '/ctl_table\[\] = {/,/{ NULL/p' "$ROOT/client/ecoctl.c" |
    grep -cE '^[[:space:]]*\{ "')
expect_eq "ecoctl help lists every command of the table in client/ecoctl.c" \
    "$(wc -l < "$T/commands")" "$table"
check "  and there are commands" test "$table" -gt 20
for p in man/ecoctl.1 man/es/ecoctl.1; do
	render "$ROOT/$p" 1000 > "$T/page"
	missing=""
	noopt=""
	while IFS=$'\t' read -r name usage; do
		# The entry's tag: the command at the start of an entry line.
		tag=$(grep -E "^       $name( |\$)" "$T/page" | head -1)
		if [ -z "$tag" ]; then
			missing="$missing [$name]"
			continue
		fi
		for o in $(printf '%s\n' "$usage" | grep -oE -- '--[a-z][a-z-]*'); do
			printf '%s\n' "$tag" | grep -qE -- "$o( |\\]|\$)" ||
			    noopt="$noopt [$name $o]"
		done
	done < "$T/commands"
	expect_eq "$p has an entry for every command" "$missing" ""
	expect_eq "  with every option of its usage" "$noopt" ""
done

# -- every setting of the configuration table, in both ecod.conf(5) --------
# One line a setting: "name" S_TYPE OFF(f) def_str def_int min max ...
sed -n '/^static const struct setting settings\[\] = {/,/^};/p' \
    "$ROOT/daemon/config.c" | tr '\n\t' '  ' | sed 's/{ "/\n/g' | awk 1 |
    sed -n 's/^\([a-z_]*\)", *\(S_[A-Z]*\), *OFF([a-z_]*), *\([^,]*\), *\([^,]*\), *\([^,]*\), *\([^,]*\),.*/\1 \2 \3 \4 \5 \6/p' \
    > "$T/settings"
expect_eq "every setting of the table in daemon/config.c is read" \
    "$(wc -l < "$T/settings")" \
    "$(grep -cE '^[[:space:]]*\{ "[a-z_]+", S_' "$ROOT/daemon/config.c")"
check "  and there are settings" test "$(wc -l < "$T/settings")" -gt 20
for p in man/ecod.conf.5 man/es/ecod.conf.5; do
	render "$ROOT/$p" 1000 > "$T/page"
	missing=""
	wrong=""
	while read -r name type defstr defint min max; do
		tag=$(grep -E "^       $name( |\$)" "$T/page" | head -1)
		if [ -z "$tag" ]; then
			missing="$missing [$name]"
			continue
		fi
		want=""
		case $type in
		S_INT)
			want="$min $max"
			# note_retention_days defaults to retention_days.
			[ "$name" = note_retention_days ] || want="$want $defint" ;;
		S_STRING|S_PATH|S_CHOICE)
			case $defstr in \"*\") want=${defstr//\"/} ;; esac ;;
		esac
		for w in $want; do
			case $w in *[!0-9]*) continue ;; esac	# a macro
			printf '%s\n' "$tag" | grep -qE "(^|[^0-9])$w([^0-9]|\$)" ||
			    wrong="$wrong [$name $w]"
		done
		if [ "$type" != S_INT ] && [ -n "$want" ]; then
			printf '%s\n' "$tag" | grep -qF -- "$want" ||
			    wrong="$wrong [$name \"$want\"]"
		fi
	done < "$T/settings"
	expect_eq "$p has an entry for every setting" "$missing" ""
	expect_eq "  with its default and bounds" "$wrong" ""
done
expect_match "ecod.conf(5) says what ical_summary is" \
    "$(render "$ROOT/man/ecod.conf.5" 1000)" \
    '^       ical_summary \(string, 1 to 64 bytes; default "Cita"\)$'

# -- make install, make uninstall ------------------------------------------
# The same build as the tests run: BUILD, OPT and SAN as given, so that
# install never rebuilds the binaries under other flags.
flags=(BUILD="$BUILD")
[ -n "${OPT+x}" ] && flags+=(OPT="$OPT")
[ -n "${SAN+x}" ] && flags+=(SAN="$SAN")
R=$T/root
make --no-print-directory -s -C "$ROOT" "${flags[@]}" DESTDIR="$R" \
    PREFIX=/usr/local install >"$T/install.out" 2>&1
check "make install DESTDIR PREFIX=/usr/local succeeds" test $? -eq 0
M=$R/usr/local/share/man
for f in man1/ecoctl.1 man5/ecod.conf.5 man8/ecod.8 es/man1/ecoctl.1 \
    es/man5/ecod.conf.5 es/man8/ecod.8; do
	expect_eq "  installs $f, 0644" "$(stat -c '%04a' "$M/$f" 2>&1)" 0644
done
expect_eq "  man finds the English pages" \
    "$(MANPATH=$M man -L C -w ecoctl ecod.conf ecod 2>&1 | tr '\n' ' ')" \
    "$M/man1/ecoctl.1 $M/man5/ecod.conf.5 $M/man8/ecod.8 "
expect_eq "  and with -L es the Spanish ones" \
    "$(MANPATH=$M man -L es -w ecoctl ecod.conf ecod 2>&1 | tr '\n' ' ')" \
    "$M/es/man1/ecoctl.1 $M/es/man5/ecod.conf.5 $M/es/man8/ecod.8 "
out=$(LC_ALL=C.UTF-8 MANWIDTH=80 MANPATH=$M man -L es ecod.conf 2>&1 >/dev/null)
expect_eq "  which render cleanly" "$out" ""
make --no-print-directory -s -C "$ROOT" "${flags[@]}" DESTDIR="$R" \
    PREFIX=/usr/local uninstall >"$T/install.out" 2>&1
expect_eq "make uninstall removes all six" \
    "$(find "$M" -type f 2>/dev/null | wc -l)" 0

# Installed for another PREFIX, the pages name its folders.
R=$T/root2
make --no-print-directory -s -C "$ROOT" "${flags[@]}" DESTDIR="$R" \
    PREFIX=/usr install >"$T/install.out" 2>&1
expect_match "with PREFIX=/usr the pages name /usr/share/doc/ecod" \
    "$(grep -h 'share/doc/ecod' "$R/usr/share/man/man1/ecoctl.1" \
    "$R/usr/share/man/es/man8/ecod.8")" "^\.BR? /usr/share/doc/ecod"
expect_eq "  and nothing under /usr/local" \
    "$(grep -l '/usr/local/share' -r "$R/usr/share/man")" ""

finish
