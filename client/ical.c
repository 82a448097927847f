/*
 * Agendas as RFC 5545 iCalendar: one VEVENT a booking's reschedule chain,
 * times in UTC, no personal data (no case, no message, no code; the UID
 * names the first booking of the chain and the instance). The counsellor's
 * (agenda --ical) and the worker's own (status CODE --ical), which is
 * titled with the instance's neutral ical_summary and says nothing more.
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

/* Writes "NAME:value" with the TEXT escapes (RFC 5545 3.3.11: backslash,
 * ";", ",", a newline as \n), leaving out other control characters. */
static void
ical_text(FILE *f, const char *name, const char *value)
{
	char		*buf, *p;
	unsigned char	 ch;

	buf = xmalloc(strlen(name) + 2 * strlen(value) + 2);
	p = stpcpy(buf, name);
	*p++ = ':';
	for (; *value != '\0'; value++) {
		ch = (unsigned char)*value;
		if (ch == '\n') {
			*p++ = '\\';
			*p++ = 'n';
			continue;
		}
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			continue;
		if (ch == '\\' || ch == ';' || ch == ',')
			*p++ = '\\';
		*p++ = (char)ch;
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
		    !ical_num(v[9], &ev->origin) ||
		    !ical_num(v[10], &ev->seq) || !ical_num(v[11], &ev->modified))
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

/* Writes the calendar's head: an iCalendar object that names nothing of
 * the service, since the worker's is seen on a phone. */
static void
ical_head(FILE *f)
{
	ical_line(f, "BEGIN:VCALENDAR");
	ical_line(f, "VERSION:2.0");
	ical_line(f, "PRODID:-//ecoctl//calendar//EN");
	ical_line(f, "CALSCALE:GREGORIAN");
	ical_line(f, "METHOD:PUBLISH");
}

/*
 * Writes the AGENDA reply r (or, for the worker, STATUS) as a VCALENDAR:
 * one event a reschedule chain, its UID the chain's first booking and the
 * instance, its SEQUENCE raised by each reschedule and the cancel, so that
 * a calendar that imported it before updates it. The worker's events are
 * titled with the instance's neutral ical_summary and say nothing else.
 * Returns -1 if a line is not one (the daemon misbehaved).
 */
static int
ical_write(FILE *f, struct reply *r, const struct ctl_info *in, int worker)
{
	struct event	*ev;
	char		 stamp[32], *summary;
	int		 i, k, n = r->ndata;

	ev = xcalloc((size_t)n + 1, sizeof *ev);
	for (i = 0; i < n; i++)
		if (!ical_event(&r->data[i], worker, &ev[i])) {
			free(ev);
			return -1;
		}
	ical_time(time(NULL), stamp, sizeof stamp);
	ical_head(f);
	for (i = 0; i < n; i++) {
		for (k = 0; k < n; k++)
			if (ical_superseded(&ev[i], &ev[k]))
				break;
		if (k < n)
			continue;
		if (worker)
			summary = xstrdup(in->ical_summary);
		else
			/* TRANSLATORS: a counsellor's calendar event; %s is
			 * the modality in words. */
			xasprintf(&summary, _("Session (%s)"),
			    human_modality(ev[i].modality));
		ical_vevent(f, &ev[i], in->instance, summary, stamp);
		free(summary);
	}
	ical_line(f, "END:VCALENDAR");
	free(ev);
	return 0;
}

/* 1 if the instance id INFO gave is one to put in a UID: 16 hex digits. */
static int
ical_instance_ok(const char *id)
{
	return strlen(id) == 16 && strspn(id, "0123456789abcdef") == 16;
}

/*
 * Sends req, an AGENDA or (worker) a STATUS, and writes its lines to
 * stdout as iCalendar. For the --ical branches of agenda and status.
 */
int
ical_export(struct ctl *ctl, int n, char **req, int worker)
{
	struct reply	 r;
	int		 rc;

	if (ctl->json)
		return ctl_usage(ctl);
	if (ctl_request(ctl, n, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (ctl_info(ctl) == NULL || !ical_instance_ok(ctl->info->instance)) {
		reply_free(&r);
		return ctl_fail("the daemon does not say its instance (INFO), "
		    "which calendar events need");
	}
	rc = ical_write(stdout, &r, ctl->info, worker);
	reply_free(&r);
	if (rc != 0)
		return ctl_fail("bad line from the daemon");
	return EXIT_OK;
}

/* 1 if status's arguments ask for a calendar (--ical before any "--"). */
int
ical_wanted(int argc, char **argv)
{
	int	 i;

	for (i = 0; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--ical") == 0)
			return 1;
	return 0;
}

/* status [CODE] --ical: the worker's own calendar of the case's sessions. */
int
ical_status(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "ical", NULL };
	char	*v[1], *req[2];
	int	 i;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 0, 1)) < 0)
		return EXIT_USAGE;
	if (ctl_code(ctl, i < argc ? argv[i] : NULL) != 0)
		return EXIT_FAIL;
	req[0] = "STATUS";
	req[1] = (char *)ctl->ref;
	return ical_export(ctl, 2, req, 1);
}
