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

/*
 * Local days whose UTC offset is known, for time_format_local: glibc's
 * localtime_r takes a lock and consults the zone's rules at every call,
 * which SLOTS paid once per slot. An entry is a local day whose offset is
 * the same at its first and its last second, so no clock change falls in
 * it (no zone changes twice within a day); a day with a change is never
 * cached and goes to localtime_r at each call. Indexed by the day of t
 * shifted by the offset last seen; a wrong guess near midnight only
 * misses. Emptied when the zone changes.
 */
#define DAY_CACHE	64

struct local_day {
	time_t	 start;			/* UTC of the local midnight */
	char	 date[11];		/* "YYYY-MM-DD" */
	int	 valid;
};

static struct local_day	 day_cache[DAY_CACHE];
static long		 last_off;

/* Returns floor(a / b) for b > 0. */
static long long
floor_div(long long a, long long b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The cache entry for t's day, guessing its offset is the last seen. */
static size_t
day_slot(time_t t)
{
	long long	 day = floor_div((long long)t + last_off, 86400);

	return (size_t)(((day % DAY_CACHE) + DAY_CACHE) % DAY_CACHE);
}

/* Makes zone the process's local time zone. */
int
time_set_zone(const char *zone)
{
	if (setenv("TZ", zone, 1) != 0)
		return -1;
	tzset();
	memset(day_cache, 0, sizeof day_cache);
	last_off = 0;
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

/* Returns the cached local day holding t, filling it if t's day has no
 * clock change; NULL if it has one. */
static struct local_day *
local_day(time_t t)
{
	struct local_day	*d;
	struct tm		 tm, first, last;
	time_t			 start, end;

	d = &day_cache[day_slot(t)];
	if (d->valid && t >= d->start && t - d->start < 86400)
		return d;
	localtime_r(&t, &tm);
	start = t - (tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec);
	end = start + 86399;
	localtime_r(&start, &first);
	localtime_r(&end, &last);
	if (first.tm_gmtoff != tm.tm_gmtoff || last.tm_gmtoff != tm.tm_gmtoff ||
	    first.tm_hour != 0 || first.tm_min != 0 || first.tm_sec != 0 ||
	    last.tm_mday != tm.tm_mday)
		return NULL;
	last_off = tm.tm_gmtoff;
	d = &day_cache[day_slot(t)];
	d->start = start;
	strftime(d->date, sizeof d->date, "%Y-%m-%d", &tm);
	d->valid = 1;
	return d;
}

/* Writes t as local "YYYY-MM-DDTHH:MM" into buf (LOCAL_TIME_LEN + 1). */
void
time_format_local(time_t t, char *buf)
{
	struct local_day	*d;
	struct tm		 tm;
	int			 secs, h, m;

	if ((d = local_day(t)) == NULL) {
		localtime_r(&t, &tm);
		strftime(buf, LOCAL_TIME_LEN + 1, "%Y-%m-%dT%H:%M", &tm);
		return;
	}
	secs = (int)(t - d->start);
	h = secs / 3600;
	m = secs % 3600 / 60;
	memcpy(buf, d->date, 10);
	buf[10] = 'T';
	buf[11] = '0' + h / 10;
	buf[12] = '0' + h % 10;
	buf[13] = ':';
	buf[14] = '0' + m / 10;
	buf[15] = '0' + m % 10;
	buf[16] = '\0';
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
