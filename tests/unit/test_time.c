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
	};

	return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
