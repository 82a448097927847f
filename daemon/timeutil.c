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

/* The weekdays of the wire, by tm_wday. */
static const char *const wday_names[7] = { "sun", "mon", "tue", "wed", "thu",
    "fri", "sat" };

/*
 * Parses a comma-separated list of weekdays ("mon,wed,fri": sun to sat,
 * each at most once) into a mask of 1 << tm_wday. Returns 0, or -1.
 */
int
time_parse_weekdays(const char *s, int *mask)
{
	size_t	 n;
	int	 i;

	*mask = 0;
	for (;;) {
		n = strcspn(s, ",");
		for (i = 0; i < 7; i++)
			if (n == 3 && strncmp(s, wday_names[i], 3) == 0)
				break;
		if (i == 7 || (*mask & (1 << i)))
			return -1;
		*mask |= 1 << i;
		if (s[n] == '\0')
			return 0;
		s += n + 1;
	}
}

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static long
days_from_civil(int y, int m, int d)
{
	int		 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (long)era * 146097 + doe - 719468;
}

/* The civil date of a day since 1970-01-01. */
static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long		 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

/*
 * The local times of a repeated slot: at start's wall-clock time on each
 * date from start's date through the local date of until (inclusive; with
 * until 0, for weeks weeks from start's date) whose weekday is in mask
 * (1 << tm_wday; 0: start's own weekday). Each time is made from its date,
 * so it keeps the wall-clock time across a clock change; a time that does
 * not exist on a date is an error, not shifted (one that exists twice is
 * the first of the two). The dates may span at most span days. out gets
 * at most max times, *n how many.
 * Returns 0, or an error REPEAT_* (for REPEAT_GAP, gap gets the date).
 */
int
time_repeat(time_t start, int mask, time_t until, int weeks, int span,
    time_t *out, size_t max, size_t *n, char gap[11])
{
	struct tm	 s, u, tm, back;
	time_t		 t, earlier;
	long		 first, last, day;
	int		 y, m, d;

	*n = 0;
	localtime_r(&start, &s);
	first = days_from_civil(s.tm_year + 1900, s.tm_mon + 1, s.tm_mday);
	if (until != 0) {
		localtime_r(&until, &u);
		last = days_from_civil(u.tm_year + 1900, u.tm_mon + 1,
		    u.tm_mday);
	} else
		last = first + 7L * weeks - 1;
	if (mask == 0)
		mask = 1 << s.tm_wday;
	if (last < first)
		return REPEAT_BEFORE;
	if (last - first > span)
		return REPEAT_SPAN;
	for (day = first; day <= last; day++) {
		/* 1970-01-01 was a Thursday. */
		if (!(mask & (1 << (int)(((day % 7) + 11) % 7))))
			continue;
		if (*n == max)
			return REPEAT_MAX;
		civil_from_days(day, &y, &m, &d);
		memset(&tm, 0, sizeof tm);
		tm.tm_year = y - 1900;
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_hour = s.tm_hour;
		tm.tm_min = s.tm_min;
		tm.tm_isdst = -1;
		back = tm;
		t = mktime(&back);
		if (t == (time_t)-1 || back.tm_mday != d ||
		    back.tm_hour != s.tm_hour || back.tm_min != s.tm_min) {
			/* The date as the zone's rules did not make it. */
			strftime(gap, 11, "%Y-%m-%d", &tm);
			return REPEAT_GAP;
		}
		/* A time that a clock change repeats: take the first. */
		earlier = t - 3600;
		localtime_r(&earlier, &back);
		if (back.tm_mday == d && back.tm_hour == s.tm_hour &&
		    back.tm_min == s.tm_min)
			t = earlier;
		out[(*n)++] = t;
	}
	return *n == 0 ? REPEAT_NONE : 0;
}
