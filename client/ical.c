/*
 * Agendas as RFC 5545 iCalendar: one VEVENT a booking's reschedule chain,
 * times in UTC, no personal data (no case, no message, no code; the UID
 * names the first booking of the chain and the instance).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecoctl.h"
#include "i18n.h"
#include "xmalloc.h"

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

/* One event: the fields of an AGENDA or STATUS line that a calendar needs
 * (docs/PROTOCOL.md), checked, the times as UTC seconds. */
struct event {
	long long	 origin;
	long long	 seq;
	long long	 modified;
	long long	 start;
	long		 minutes;
	const char	*modality;
	const char	*location;
	const char	*state;
};

/* Reads a decimal field into *v: 1 if it is a whole number >= 0. */
static int
ical_num(const char *s, long long *v)
{
	char	*end;

	if (*s < '0' || *s > '9')
		return 0;
	*v = strtoll(s, &end, 10);
	return *end == '\0' && *v >= 0 && *v < (1LL << 40);
}

/* Fills ev from an AGENDA line (12 fields) or a STATUS line (9); 0 if the
 * line is not one. */
static int
ical_event(struct wire_fields *w, int worker, struct event *ev)
{
	char		**v = w->argv;
	long long	  m;

	if (w->argc < (worker ? 9 : 12))
		return 0;
	if (worker) {
		ev->modality = v[2];
		ev->location = v[3];
		ev->state = v[4];
		if (!ical_num(v[1], &m) || !ical_num(v[5], &ev->start) ||
		    !ical_num(v[6], &ev->origin) || !ical_num(v[7], &ev->seq) ||
		    !ical_num(v[8], &ev->modified))
			return 0;
	} else {
		ev->modality = v[3];
		ev->location = v[4];
		ev->state = v[5];
		if (!ical_num(v[2], &m) || !ical_num(v[8], &ev->start) ||
		    !ical_num(v[9], &ev->origin) || !ical_num(v[10], &ev->seq) ||
		    !ical_num(v[11], &ev->modified))
			return 0;
	}
	ev->minutes = (long)m;
	return m > 0 && m <= 24 * 60;
}

/* 1 if event a is superseded by b: the same origin, and b is later in the
 * chain (a higher sequence, or the same with a live state). */
static int
ical_superseded(const struct event *a, const struct event *b)
{
	if (a->origin != b->origin || a == b)
		return 0;
	if (b->seq != a->seq)
		return b->seq > a->seq;
	return strcmp(a->state, "rescheduled") == 0 &&
	    strcmp(b->state, "rescheduled") != 0;
}

/* Writes one VEVENT. */
static void
ical_vevent(FILE *f, const struct event *ev, const char *instance,
    const char *summary, const char *stamp)
{
	char	 line[256], t[32];

	ical_line(f, "BEGIN:VEVENT");
	snprintf(line, sizeof line, "UID:booking-%lld@%s.ecod", ev->origin,
	    instance);
	ical_line(f, line);
	snprintf(line, sizeof line, "DTSTAMP:%s", stamp);
	ical_line(f, line);
	ical_time((time_t)ev->modified, t, sizeof t);
	snprintf(line, sizeof line, "LAST-MODIFIED:%s", t);
	ical_line(f, line);
	snprintf(line, sizeof line, "SEQUENCE:%lld", ev->seq);
	ical_line(f, line);
	ical_time((time_t)ev->start, t, sizeof t);
	snprintf(line, sizeof line, "DTSTART:%s", t);
	ical_line(f, line);
	ical_time((time_t)(ev->start + 60 * ev->minutes), t, sizeof t);
	snprintf(line, sizeof line, "DTEND:%s", t);
	ical_line(f, line);
	ical_text(f, "SUMMARY", summary);
	if (*ev->location != '\0')
		ical_text(f, "LOCATION", ev->location);
	ical_line(f, strcmp(ev->state, "cancelled") == 0 ||
	    strcmp(ev->state, "rescheduled") == 0 ?
	    "STATUS:CANCELLED" : "STATUS:CONFIRMED");
	ical_line(f, "END:VEVENT");
}

/*
 * Writes the AGENDA reply r (or, for the worker, STATUS) as a VCALENDAR:
 * one event a reschedule chain, its UID the chain's first booking and the
 * instance, its SEQUENCE raised by each reschedule and the cancel, so that
 * a calendar that imported it before updates it. The worker's events are
 * titled with the instance's neutral ical_summary and say nothing else.
 * Returns -1 if a line is not one (the daemon misbehaved).
 */
int
ical_write(FILE *f, struct reply *r, const struct ctl_info *in, int worker)
{
	struct event	*ev;
	char		 stamp[32], summary[128];
	int		 i, k, n = r->ndata;

	ev = xcalloc((size_t)n + 1, sizeof *ev);
	for (i = 0; i < n; i++)
		if (!ical_event(&r->data[i], worker, &ev[i])) {
			free(ev);
			return -1;
		}
	ical_time(time(NULL), stamp, sizeof stamp);
	ical_line(f, "BEGIN:VCALENDAR");
	ical_line(f, "VERSION:2.0");
	ical_line(f, "PRODID:-//ECO//ecoctl//ES");
	ical_line(f, "CALSCALE:GREGORIAN");
	ical_line(f, "METHOD:PUBLISH");
	for (i = 0; i < n; i++) {
		for (k = 0; k < n; k++)
			if (ical_superseded(&ev[i], &ev[k]))
				break;
		if (k < n)
			continue;
		if (worker)
			snprintf(summary, sizeof summary, "%s", in->ical_summary);
		else
			/* TRANSLATORS: a counsellor's calendar event; %s is
			 * the modality in words. */
			snprintf(summary, sizeof summary, _("Session (%s)"),
			    human_modality(ev[i].modality));
		ical_vevent(f, &ev[i], in->instance, summary, stamp);
	}
	ical_line(f, "END:VCALENDAR");
	free(ev);
	return 0;
}
