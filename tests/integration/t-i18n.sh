#!/bin/bash
# Languages: the catalogue is complete and current; LANG, LC_ALL and
# LC_MESSAGES choose Spanish (Mexico) or English as usual, even where the
# es_MX locale is not installed; the error paths a person meets read right
# in both; dates, modalities and states for people are Spanish; the wire
# and the piped contract stay English.
. "$(dirname "$0")/lib.sh"

PO=$ROOT/po/es.po
stats=$(msgfmt -c --statistics -o /dev/null "$PO" 2>&1); st=$?
expect_eq "msgfmt -c accepts po/es.po" "$st" 0
expect_match "every message translated, none fuzzy or untranslated" \
    "$stats" "^[0-9]+ translated messages\\.$"
out=$(make --no-print-directory -s -C "$ROOT" BUILD="$BUILD" pot-check 2>&1)
expect_eq "po/ecoctl.pot is what the sources give (make pot remakes it)" \
    "$?|$(echo "$out" | head -5)" "0|"
out=$(msgcmp "$PO" "$ROOT/po/ecoctl.pot" 2>&1)
expect_eq "es.po translates every message of the template" "$?|$out" "0|"

# What a person reads in Spanish (po/es.po), for the paths below.
ES_TYPO="^ecoctl: ningún caso tiene este código\\. Revíselo carácter por carácter: son 7 grupos de 4 letras y números .* siempre puede reservar de nuevo como un caso nuevo\\.$"
ES_NEEDS_KEY="^ecoctl: agenda necesita la llave de una persona consejera: --key FILE o ECO_KEY$"
ES_LOGIN="^ecoctl: no se pudo iniciar sesión: esta llave no está dada de alta con su nombre, o fue revocada o reemplazada"
ES_TAKEN="^ecoctl: alguien acaba de reservar el horario 1\\.
Los próximos horarios disponibles:
  2 +[a-zé]+ [0-9]+ de [a-z]+ de [0-9]{4}, 12:00, 50 min, presencial
Reserve uno con: ecoctl book SLOT$"
ES_MINUTES="^ecoctl: minutes: debe ser de 5 a 720$"
ES_UPCOMING="^ecoctl: este caso ya tiene una cita próxima: primero cancélela \\(ecoctl cancel\\) o cámbiela \\(ecoctl reschedule\\)\\.$"
ES_CONF="max_line_bytes"

# es WHAT... / en WHAT...: ecoctl in Spanish (LANG=es_MX.UTF-8) or in C.
es() { LANG=es_MX.UTF-8 "$@"; }
en() { LANG=C "$@"; }

# es_date SPEC: the date as Spanish reads it, "jueves 4 de diciembre de
# 2026", made here from date(1)'s numbers, not from the catalogue.
es_date() {
	local d m y w
	read -r w d m y <<<"$(date -d "$1" "+%u %-d %-m %Y")"
	w=$(echo "lunes martes miércoles jueves viernes sábado domingo" | cut -d' ' -f"$w")
	m=$(echo "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre" | cut -d' ' -f"$m")
	echo "$w $d de $m de $y"
}

write_conf "min_notice_minutes = 60;" "cancel_window_minutes = 1440;" \
    'socket_group = "nogroup";'
use_faketime || { not_ok "libfaketime is installed"; finish; }
# The daemon itself runs in Spanish: its log is for the operator, its wire
# stays English.
ECOD_WRAP=(env LANG=es_MX.UTF-8 "${ECOD_WRAP[@]:1}")
ecod_init && ecod_start || { not_ok "daemon starts"; finish; }
expect_match "ecod's log speaks the operator's language" "$(cat "$LOG")" \
    "^ecod: ecod [0-9.]+ atendiendo en "
expect_eq "its wire stays English" \
    "$(printf 'HELLO 1\nSTATUS 0000\nBOOK-NEW 99 %s %s\n' "$(token)" "$(token)" | \
    "$RAWSOCK" "$SOCK" | sed 1d)" \
    "$(printf 'ERR notfound no such code\nERR notfound no such slot')"
ctl admin counsellor add ana "$(make_key ana)"
PK_ZED=$(make_key zed)		# never enrolled
D=$(ldate "+3 days")
as ana avail add --start "$D 10:00" --minutes 50 --modality telefono \
    --location "Consultorio 3" >/dev/null
as ana avail add --start "$D 12:00" --minutes 50 >/dev/null
CODE=$(ctl book 1)

# The language is chosen as gettext does.
expect_match "LANG=es_MX.UTF-8: help in Spanish" \
    "$(es "$ECOCTL" help | head -1)" "^uso: ecoctl"
expect_match "LANG=C: help in English" "$(en "$ECOCTL" help | head -1)" \
    "^usage: ecoctl"
expect_match "LC_ALL overrides LANG" \
    "$(LC_ALL=C LANG=es_MX.UTF-8 "$ECOCTL" help | head -1)" "^usage: ecoctl"
expect_match "LC_MESSAGES chooses the messages" \
    "$(LANG=C LC_MESSAGES=es_MX.UTF-8 "$ECOCTL" help | head -1)" "^uso: ecoctl"
expect_match "es_ES reads the same catalogue (es)" \
    "$(LANG=es_ES.UTF-8 "$ECOCTL" help | head -1)" "^uso: ecoctl"
expect_match "ecoctl help COMMAND in Spanish, exit 0" \
    "$(es "$ECOCTL" help book; echo "rc=$?")" "rc=0$"

# Error paths, in both languages.
typo=$(echo "$CODE" | sed 's/^./X/')
[ "$typo" = "$CODE" ] && typo=$(echo "$CODE" | sed 's/^./Y/')
both() {
	what=$1 want_en=$2 want_es=$3; shift 3
	out=$(en "$@" 2>&1)
	expect_match "$what (C)" "$out" "$want_en"
	out=$(es "$@" 2>&1)
	expect_match "$what (es_MX)" "$out" "$want_es"
}
both "a code with a typo" "^ecoctl: no case has this code\\. Check it" \
    "$ES_TYPO" ctl status "$typo"
both "a command needing a counsellor's key, without one" \
    "^ecoctl: agenda needs a counsellor's key: --key FILE or ECO_KEY$" \
    "$ES_NEEDS_KEY" ctl agenda
both "a key that is not enrolled" \
    "^ecoctl: login failed: this key is not enrolled under its name" \
    "$ES_LOGIN" env ECO_KEY="$T/zed.key" ECO_PASSPHRASE_FILE="$T/zed.pass" \
    "$ECOCTL" -s "$SOCK" agenda
both "a slot just taken, with the next free ones" \
    "^ecoctl: someone has just booked slot 1\\." "$ES_TAKEN" ctl book 1
both "a value the daemon refuses, with its numbers" \
    "^ecoctl: minutes: must be 5 to 720$" "$ES_MINUTES" \
    as ana avail add --start "$D 15:00" --minutes 1
both "a daemon reason without numbers" \
    "^ecoctl: this case has an upcoming session already" "$ES_UPCOMING" \
    ctl book 2 --code "$CODE"
set_clock "$D 08:00"
until=$(LC_ALL=C date -d "$D -1 day" "+%A %-d %B %Y")
es_until="$(es_date "$D -1 day"), 10:00 \\(hora de la Ciudad de México\\)"
ES_TOO_LATE="^ecoctl: ya es tarde para que usted cambie esta cita: se podía cambiar hasta el $es_until \\(24 horas antes de que empiece\\)\\. El servicio todavía puede cancelarla por usted: comuníquese con él\\.$"
both "a cancel inside the window: until when, and who can still cancel" \
    "^ecoctl: it is too late to change this session yourself: changes were possible until $until, 10:00 \\(Mexico City time\\) \\(24 hours before it starts\\)\\. The service can still cancel it for you: contact them\\.$" \
    "$ES_TOO_LATE" ctl cancel "$CODE"
echo "+0" > "$FAKE"
chmod 0700 "$T"
both "a socket its user may not open names socket_group" \
    "socket_group" "socket_group" as_uid nobody "$ECOCTL" -s "$SOCK" ping
chmod 0755 "$T"

# For people: dates with the weekday and the zone, modalities in words.
tty_run() { script -qec "$*" /dev/null | tr -d '\r'; }
(umask 077; echo "$CODE" > "$T/code")
table=$(LANG=es_MX.UTF-8 tty_run "$ECOCTL" -s "$SOCK" status --code-file "$T/code")
expect_match "a Spanish table: the zone in the header" \
    "$(echo "$table" | head -1)" \
    "^Inicio \\(hora de la Ciudad de México\\) +Minutos +Modalidad +Lugar +Estado$"
expect_match "a date for people, in Spanish, teléfono and the state in words" \
    "$(echo "$table" | tail -1)" \
    "^$(es_date "$D"), 10:00 +50 +teléfono +Consultorio 3 +reservada$"
expect_eq "piped, the contract is the same in Spanish: wire words" \
    "$(es ctl status "$CODE")" \
    "$(printf '%s 10:00\t50\ttelefono\tConsultorio 3\tbooked\t' "$D")"

# ecod's operator-facing messages.
write_conf "max_line_bytes = 10;"
expect_match "ecod -n in Spanish" "$(es "$ECOD" -n -c "$CONF" 2>&1)" \
    "ecod\\.conf:5: max_line_bytes está fuera de rango \\(256 a 1048576\\)"
expect_match "and in English" "$(en "$ECOD" -n -c "$CONF" 2>&1)" \
    "max_line_bytes is out of range \\(256 to 1048576\\)"

finish
