/*
 * Local time: parsing and printing "YYYY-MM-DDTHH:MM" (or "YYYY-MM-DD",
 * or with a space for the T) in the instance's time zone, which is put in
 * TZ at start. Inside, times are UTC seconds.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

/* Makes zone the process's local time zone. */
int
time_set_zone(const char *zone)
{
	if (setenv("TZ", zone, 1) != 0)
		return -1;
	tzset();
	return 0;
}

/* Returns 1 if s[0..n) are all digits. */
static int
digits(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Returns the value of the n digits at s (checked by digits()). */
static int
number(const char *s, size_t n)
{
	size_t	 i;
	int	 v = 0;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/*
 * Parses local time s (n bytes, no NUL needed) into UTC *t. With date_ok a
 * bare date means its midnight. Rejects what does not exist: February 30,
 * 25:00, a time skipped by a daylight-saving change. Years 2000 to 2199.
 * Returns 0, or -1 with *why set to a static reason.
 */
int
time_parse_local_len(const char *s, size_t n, int date_ok, time_t *t,
    const char **why)
{
	struct tm	 tm, back;

	*why = "not a date and time like 2026-12-01T10:30";
	if (n != 10 && n != 16)
		return -1;
	if (n == 10 && !date_ok) {
		*why = "a time is needed, like 2026-12-01T10:30";
		return -1;
	}
	if (!digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2))
		return -1;
	if (n == 16 && ((s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2)))
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = number(s, 4) - 1900;
	tm.tm_mon = number(s + 5, 2) - 1;
	tm.tm_mday = number(s + 8, 2);
	if (n == 16) {
		tm.tm_hour = number(s + 11, 2);
		tm.tm_min = number(s + 14, 2);
	}
	tm.tm_isdst = -1;
	*why = "no such date or time";
	if (tm.tm_year < 100 || tm.tm_year > 299 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59)
		return -1;
	back = tm;
	if ((*t = mktime(&back)) == (time_t)-1)
		return -1;
	/* mktime normalises what does not exist; the fields then differ. */
	if (back.tm_year != tm.tm_year || back.tm_mon != tm.tm_mon ||
	    back.tm_mday != tm.tm_mday || back.tm_hour != tm.tm_hour ||
	    back.tm_min != tm.tm_min) {
		*why = "no such local time (a date that does not exist, or a "
		    "time skipped by a clock change)";
		return -1;
	}
	return 0;
}

/* Parses the local time string s into UTC *t; as time_parse_local_len. */
int
time_parse_local(const char *s, int date_ok, time_t *t, const char **why)
{
	return time_parse_local_len(s, strlen(s), date_ok, t, why);
}

/* Writes t as local "YYYY-MM-DDTHH:MM" into buf (LOCAL_TIME_LEN + 1). */
void
time_format_local(time_t t, char *buf)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	strftime(buf, LOCAL_TIME_LEN + 1, "%Y-%m-%dT%H:%M", &tm);
}

/* Sets *out to t plus days at the same local wall-clock time. */
int
time_add_days(time_t t, int days, time_t *out)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	if ((*out = mktime(&tm)) == (time_t)-1)
		return -1;
	return 0;
}
