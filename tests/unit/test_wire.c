/* Unit tests of the line format: splitting, quoting, validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto.h"
#include "wire.h"

/* Splits s, expecting success; returns the fields. */
static struct wire_fields
split_ok(const char *s)
{
	struct wire_fields	 wf;
	const char		*cause = NULL;

	assert_int_equal(wire_split(s, strlen(s), ECO_MAX_FIELDS, &wf, &cause),
	    0);
	return wf;
}

/* Splits len bytes of s, expecting failure with a reason containing why. */
static void
split_bad(const char *s, size_t len, const char *why)
{
	struct wire_fields	 wf;
	const char		*cause = NULL;

	assert_int_equal(wire_split(s, len, ECO_MAX_FIELDS, &wf, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, why));
	assert_null(wf.argv);
}

static void
test_plain_fields(void **state)
{
	struct wire_fields	 wf = split_ok("  HELLO   1  ");

	assert_int_equal(wf.argc, 2);
	assert_string_equal(wf.argv[0], "HELLO");
	assert_string_equal(wf.argv[1], "1");
	assert_null(wf.argv[2]);
	wire_fields_free(&wf);
	wf = split_ok("");
	assert_int_equal(wf.argc, 0);
	wire_fields_free(&wf);
}

static void
test_quoted_fields(void **state)
{
	struct wire_fields	 wf;

	wf = split_ok("AVAIL \"Sala 2, piso 3\" \"\" \"a \\\"b\\\" \\\\c\" x\\y");
	assert_int_equal(wf.argc, 5);
	assert_string_equal(wf.argv[1], "Sala 2, piso 3");
	assert_string_equal(wf.argv[2], "");
	assert_string_equal(wf.argv[3], "a \"b\" \\c");
	assert_string_equal(wf.argv[4], "x\\y");
	wire_fields_free(&wf);
	wf = split_ok("\"consultorio número 5\"");
	assert_int_equal(wf.argc, 1);
	assert_string_equal(wf.argv[0], "consultorio número 5");
	wire_fields_free(&wf);
}

static void
test_malformed(void **state)
{
	char	 many[ECO_MAX_FIELDS * 2 + 8];
	int	 i;

	split_bad("A \"open", 7, "unterminated");
	split_bad("A \"bad \\n\"", 10, "bad escape");
	split_bad("A \"x\\", 5, "bad escape");
	split_bad("A b\"c", 5, "quote inside");
	split_bad("A \"x\"y", 6, "not followed by a space");
	split_bad("A\tB", 3, "control character");
	split_bad("A\0B", 3, "control character");
	split_bad("A\x7f", 2, "control character");
	split_bad("A \xc2\x85", 4, "control character");	/* U+0085 */
	split_bad("\xff", 1, "UTF-8");
	split_bad("\xc0\x80", 2, "UTF-8");		/* overlong NUL */
	split_bad("\xe0\x80\xaf", 3, "UTF-8");		/* overlong '/' */
	split_bad("\xed\xa0\x80", 3, "UTF-8");		/* surrogate */
	split_bad("\xf4\x90\x80\x80", 4, "UTF-8");	/* past U+10FFFF */
	split_bad("\xe2\x82", 2, "UTF-8");		/* truncated */
	split_bad("\x80", 1, "UTF-8");			/* lone continuation */
	for (i = 0; i <= ECO_MAX_FIELDS; i++) {
		many[2 * i] = 'x';
		many[2 * i + 1] = ' ';
	}
	split_bad(many, 2 * (ECO_MAX_FIELDS + 1), "too many fields");
}

static void
test_utf8_accepted(void **state)
{
	const char	*cause;
	const char	*ok = "ñ € 𝄞 \xef\xbf\xbd";

	assert_int_equal(wire_check_text(ok, strlen(ok), &cause), 0);
}

/* Any string of printable characters survives join then split. */
static void
test_join_split_roundtrip(void **state)
{
	static const char	 alphabet[] = "ab \"\\xyz\xc3\xb1";
	struct wire_fields	 wf;
	const char		*cause;
	char			*argv[4], *line;
	int			 round, i, j, len;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < 4; i++) {
			len = randombytes_uniform(12);
			argv[i] = malloc(2 * len + 1);
			for (j = 0; j < len; j++) {
				unsigned k = randombytes_uniform(
				    sizeof alphabet - 3);
				if (alphabet[k] == '\xc3') {
					argv[i][j++] = '\xc3';
					argv[i][j] = '\xb1';
				} else
					argv[i][j] = alphabet[k];
			}
			argv[i][j] = '\0';
		}
		line = wire_join(4, argv);
		assert_int_equal(wire_split(line, strlen(line), 8, &wf,
		    &cause), 0);
		assert_int_equal(wf.argc, 4);
		for (i = 0; i < 4; i++) {
			assert_string_equal(wf.argv[i], argv[i]);
			free(argv[i]);
		}
		wire_fields_free(&wf);
		free(line);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_fields),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_utf8_accepted),
		cmocka_unit_test(test_join_split_roundtrip),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("wire", tests, NULL, NULL);
}
