/*
 * The agenda as RFC 5545 iCalendar: one VEVENT a booking, times in UTC,
 * no personal data (no case, no message; the UID names the booking only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecoctl.h"

/* Writes one content line, folded at 75 octets without splitting UTF-8,
 * ended by CRLF (RFC 5545 3.1). */
static void
ical_line(FILE *f, const char *line)
{
	size_t	 len = strlen(line), col = 0, n;

	while (len > 0) {
		n = len;
		if (col + n > 75) {
			n = 75 - col;
			while (n > 0 && ((unsigned char)line[n] & 0xc0) == 0x80)
				n--;
		}
		fwrite(line, 1, n, f);
		line += n;
		len -= n;
		if (len > 0) {
			fputs("\r\n ", f);
			col = 1;
		}
	}
	fputs("\r\n", f);
}

/* Writes "NAME:value" with TEXT escapes (backslash, ; , newline). */
static void
ical_text(FILE *f, const char *name, const char *value)
{
	char	*buf = malloc(strlen(name) + 2 * strlen(value) + 2), *p;

	if (buf == NULL)
		abort();
	p = stpcpy(buf, name);
	*p++ = ':';
	for (; *value != '\0'; value++) {
		if (*value == '\\' || *value == ';' || *value == ',')
			*p++ = '\\';
		*p++ = *value;
	}
	*p = '\0';
	ical_line(f, buf);
	free(buf);
}

/* Formats UTC seconds as a DATE-TIME in UTC: 20261201T163000Z. */
static void
ical_time(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
}

/* Writes the AGENDA reply r (9 fields a line) as a VCALENDAR. */
void
ical_write(FILE *f, struct reply *r)
{
	char		 line[128], stamp[32], start[32], end[32];
	time_t		 t;
	int		 i;
	char		**v;

	ical_time(time(NULL), stamp, sizeof stamp);
	ical_line(f, "BEGIN:VCALENDAR");
	ical_line(f, "VERSION:2.0");
	ical_line(f, "PRODID:-//ECO//ecoctl//ES");
	ical_line(f, "CALSCALE:GREGORIAN");
	for (i = 0; i < r->ndata; i++) {
		v = r->data[i].argv;
		t = (time_t)strtoll(v[8], NULL, 10);
		ical_time(t, start, sizeof start);
		ical_time(t + 60 * strtol(v[2], NULL, 10), end, sizeof end);
		ical_line(f, "BEGIN:VEVENT");
		snprintf(line, sizeof line, "UID:eco-booking-%s", v[0]);
		ical_line(f, line);
		snprintf(line, sizeof line, "DTSTAMP:%s", stamp);
		ical_line(f, line);
		snprintf(line, sizeof line, "DTSTART:%s", start);
		ical_line(f, line);
		snprintf(line, sizeof line, "DTEND:%s", end);
		ical_line(f, line);
		snprintf(line, sizeof line, "ECO session (%s)", v[3]);
		ical_text(f, "SUMMARY", line);
		if (*v[4] != '\0')
			ical_text(f, "LOCATION", v[4]);
		ical_line(f, strcmp(v[5], "cancelled") == 0 ||
		    strcmp(v[5], "rescheduled") == 0 ?
		    "STATUS:CANCELLED" : "STATUS:CONFIRMED");
		ical_line(f, "END:VEVENT");
	}
	ical_line(f, "END:VCALENDAR");
}
