/* Unit tests of local time handling, in a zone with and without DST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "timeutil.h"

static void
test_mexico_city(void **state)
{
	time_t		 t;
	const char	*why;
	char		 buf[LOCAL_TIME_LEN + 1];

	assert_int_equal(time_set_zone("America/Mexico_City"), 0);
	/* UTC-6 all year since 2023. */
	assert_int_equal(time_parse_local("2026-12-01T10:30", 0, &t, &why), 0);
	assert_int_equal(t, 1796142600 - 0);	/* 2026-12-01 16:30 UTC */
	time_format_local(t, buf);
	assert_string_equal(buf, "2026-12-01T10:30");
	assert_int_equal(time_parse_local("2026-12-01 10:30", 0, &t, &why), 0);
	assert_int_equal(t, 1796142600);
	assert_int_equal(time_parse_local("2026-12-01", 1, &t, &why), 0);
	assert_int_equal(t, 1796104800);	/* 06:00 UTC */
}

static void
test_rejects_nonsense(void **state)
{
	static const char *const bad[] = {
		"", "2026-12-01T", "2026-13-01T10:00", "2026-02-30T10:00",
		"2026-02-29T10:00", "2026-12-01T24:00", "2026-12-01T10:60",
		"26-12-01T10:00", "2026/12/01T10:00", "2026-12-01X10:00",
		"2026-12-01T1:00", "1999-12-31T10:00", "2026-12-01T10:00Z",
		"+026-12-01T10:00", "2026-1a-01T10:00",
	};
	time_t		 t;
	const char	*why;
	size_t		 i;

	assert_int_equal(time_set_zone("America/Mexico_City"), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why = NULL;
		assert_int_equal(time_parse_local(bad[i], 1, &t, &why), -1);
		assert_non_null(why);
	}
	assert_int_equal(time_parse_local("2026-12-01", 0, &t, &why), -1);
	assert_non_null(strstr(why, "time is needed"));
	assert_int_equal(time_parse_local("2028-02-29T10:00", 0, &t, &why), 0);
}

static void
test_dst_zone(void **state)
{
	time_t		 t, later;
	const char	*why;
	char		 buf[LOCAL_TIME_LEN + 1];

	assert_int_equal(time_set_zone("America/New_York"), 0);
	/* 2026-03-08 02:30 does not exist there. */
	assert_int_equal(time_parse_local("2026-03-08T02:30", 0, &t, &why),
	    -1);
	assert_non_null(strstr(why, "clock change"));
	/* Weekly repeats keep the wall-clock time across the change. */
	assert_int_equal(time_parse_local("2026-03-02T10:00", 0, &t, &why), 0);
	assert_int_equal(time_add_days(t, 7, &later), 0);
	assert_int_equal(later - t, 7 * 86400 - 3600);
	time_format_local(later, buf);
	assert_string_equal(buf, "2026-03-09T10:00");
}

/* time_parse_local_len reads its bytes only: no NUL needed after them. */
/* What time_format_local must write: localtime_r and strftime, uncached. */
static void
reference(time_t t, char *buf)
{
	struct tm	 tm;

	localtime_r(&t, &tm);
	strftime(buf, LOCAL_TIME_LEN + 1, "%Y-%m-%dT%H:%M", &tm);
}

/* Checks time_format_local against the reference every step seconds in
 * [from, to), forwards, backwards, then in a scattered order: the cache
 * must never answer with a stale day or offset. */
static void
check_span(time_t from, time_t to, time_t step)
{
	char	 got[LOCAL_TIME_LEN + 1], want[LOCAL_TIME_LEN + 1];
	time_t	 t, n = (to - from) / step, i;

	for (t = from; t < to; t += step) {
		time_format_local(t, got);
		reference(t, want);
		assert_string_equal(got, want);
	}
	for (t = to - 1; t >= from; t -= step) {
		time_format_local(t, got);
		reference(t, want);
		assert_string_equal(got, want);
	}
	for (i = 0; i < n; i++) {
		t = from + (i * 7919 % n) * step + i % 60;
		time_format_local(t, got);
		reference(t, want);
		assert_string_equal(got, want);
	}
}

static void
test_format_cache_mexico_city(void **state)
{
	char	 buf[LOCAL_TIME_LEN + 1];

	assert_int_equal(time_set_zone("America/Mexico_City"), 0);
	/* 2022-04-03 02:00 CST became 03:00 CDT (08:00 UTC). */
	check_span(1648771200, 1649289600, 300);	/* 2022-04-01 to 04-07 */
	time_format_local(1648972800 - 60, buf);
	assert_string_equal(buf, "2022-04-03T01:59");
	time_format_local(1648972800, buf);
	assert_string_equal(buf, "2022-04-03T03:00");
	/* 2022-10-30 02:00 CDT became 01:00 CST (07:00 UTC), the last. */
	check_span(1666915200, 1667433600, 300);	/* 2022-10-28 to 11-03 */
	time_format_local(1667113200 - 60, buf);
	assert_string_equal(buf, "2022-10-30T01:59");
	time_format_local(1667113200, buf);
	assert_string_equal(buf, "2022-10-30T01:00");
	/* A whole year of UTC-6 since, across midnights. */
	check_span(1798761600, 1830297600, 3571);	/* 2027 */
}

static void
test_format_cache_madrid(void **state)
{
	char	 buf[LOCAL_TIME_LEN + 1];

	assert_int_equal(time_set_zone("Europe/Madrid"), 0);
	/* 2026-03-29 02:00 CET became 03:00 CEST (01:00 UTC). */
	check_span(1774569600, 1775088000, 300);	/* 2026-03-27 to 04-02 */
	time_format_local(1774746000, buf);
	assert_string_equal(buf, "2026-03-29T03:00");
	/* 2026-10-25 03:00 CEST became 02:00 CET (01:00 UTC). */
	check_span(1792713600, 1793232000, 300);	/* 2026-10-23 to 10-29 */
	time_format_local(1792890000 - 60, buf);
	assert_string_equal(buf, "2026-10-25T02:59");
	time_format_local(1792890000, buf);
	assert_string_equal(buf, "2026-10-25T02:00");
	check_span(1798761600, 1830297600, 3571);	/* 2027, both changes */
}

/* A cached day of one zone is not served once the zone changes. */
static void
test_format_cache_zone_change(void **state)
{
	char	 buf[LOCAL_TIME_LEN + 1];

	assert_int_equal(time_set_zone("Europe/Madrid"), 0);
	time_format_local(1796142600, buf);
	assert_string_equal(buf, "2026-12-01T17:30");
	assert_int_equal(time_set_zone("America/Mexico_City"), 0);
	time_format_local(1796142600, buf);
	assert_string_equal(buf, "2026-12-01T10:30");
}

static void
test_parse_len(void **state)
{
	const char	*why;
	char		*buf, out[LOCAL_TIME_LEN + 1];
	time_t		 t;

	assert_int_equal(time_set_zone("America/Mexico_City"), 0);
	buf = malloc(16);
	memcpy(buf, "2026-12-01T10:30", 16);		/* no NUL */
	assert_int_equal(time_parse_local_len(buf, 16, 0, &t, &why), 0);
	time_format_local(t, out);
	assert_string_equal(out, "2026-12-01T10:30");
	assert_int_equal(time_parse_local_len(buf, 10, 1, &t, &why), 0);
	time_format_local(t, out);
	assert_string_equal(out, "2026-12-01T00:00");
	assert_int_equal(time_parse_local_len(buf, 10, 0, &t, &why), -1);
	assert_int_equal(time_parse_local_len(buf, 15, 0, &t, &why), -1);
	memcpy(buf, "2026-00-01T10:30", 16);
	assert_int_equal(time_parse_local_len(buf, 16, 0, &t, &why), -1);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mexico_city),
		cmocka_unit_test(test_rejects_nonsense),
		cmocka_unit_test(test_dst_zone),
		cmocka_unit_test(test_parse_len),
		cmocka_unit_test(test_format_cache_mexico_city),
		cmocka_unit_test(test_format_cache_madrid),
		cmocka_unit_test(test_format_cache_zone_change),
	};

	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
