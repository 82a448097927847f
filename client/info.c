/*
 * What the daemon says about the service (INFO), asked once a run and only
 * by what shows it to people: the time zone of its local times, the
 * booking rules, the instance id and the worker's calendar title.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecoctl.h"
#include "xmalloc.h"

/* 1 if z is a zone name to hand to TZ: letters, digits, "_+-/", no "..". */
static int
zone_ok(const char *z)
{
	size_t	 n = strlen(z);

	return n > 0 && n < 64 && z[0] != '/' && strstr(z, "..") == NULL &&
	    strspn(z, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_+-/") == n;
}

/* Reads the INFO reply r into a new ctl_info. */
static struct ctl_info *
info_parse(struct reply *r)
{
	struct ctl_info	*in = xcalloc(1, sizeof *in);
	const char	*k, *v;
	int		 i;

	in->cancel_window_minutes = -1;
	in->min_notice_minutes = -1;
	for (i = 0; i < r->ndata; i++) {
		if (r->data[i].argc != 2)
			continue;
		k = r->data[i].argv[0];
		v = r->data[i].argv[1];
		if (strcmp(k, "timezone") == 0 && zone_ok(v))
			in->timezone = xstrdup(v);
		else if (strcmp(k, "instance") == 0 && strlen(v) <= 64)
			in->instance = xstrdup(v);
		else if (strcmp(k, "ical_summary") == 0 && strlen(v) <= 64)
			in->ical_summary = xstrdup(v);
		else if (strcmp(k, "cancel_window_minutes") == 0)
			in->cancel_window_minutes = (int)strtol(v, NULL, 10);
		else if (strcmp(k, "min_notice_minutes") == 0)
			in->min_notice_minutes = (int)strtol(v, NULL, 10);
	}
	if (in->timezone == NULL)
		in->timezone = xstrdup("UTC");
	if (in->instance == NULL)
		in->instance = xstrdup("0");
	if (in->ical_summary == NULL)
		in->ical_summary = xstrdup("Cita");
	return in;
}

/*
 * Returns the daemon's INFO, asked on first use, or NULL (quietly: an older
 * daemon, or no connection) so that the caller shows less. Local times are
 * then converted in the instance's zone (TZ).
 */
struct ctl_info *
ctl_info(struct ctl *ctl)
{
	struct reply	 r;
	char		*req[1] = { "INFO" }, *cause;

	if (ctl->info != NULL || ctl->info_failed)
		return ctl->info;
	ctl->info_failed = 1;
	if (ctl->conn == NULL &&
	    (ctl->conn = conn_open(ctl->socket, &cause)) == NULL) {
		free(cause);
		return NULL;
	}
	if (conn_request(ctl->conn, 1, req, &r, &cause) != 0) {
		free(cause);
		return NULL;
	}
	if (r.ok) {
		ctl->info = info_parse(&r);
		ctl->info_failed = 0;
		setenv("TZ", ctl->info->timezone, 1);
		tzset();
	}
	reply_free(&r);
	return ctl->info;
}

/* Frees what ctl_info kept. */
void
ctl_info_free(struct ctl *ctl)
{
	if (ctl->info == NULL)
		return;
	free(ctl->info->timezone);
	free(ctl->info->instance);
	free(ctl->info->ical_summary);
	free(ctl->info);
	ctl->info = NULL;
}

/* A protocol local time "YYYY-MM-DDTHH:MM" as UTC seconds in the zone of
 * ctl_info (call it first), or -1. */
time_t
ctl_local_seconds(const char *t)
{
	struct tm	 tm;
	char		*end;

	memset(&tm, 0, sizeof tm);
	if (strlen(t) != 16 || (end = strptime(t, "%Y-%m-%dT%H:%M", &tm)) ==
	    NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Writes UTC seconds as a protocol local time in the zone of ctl_info. */
void
ctl_local_time(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M", &tm);
}
