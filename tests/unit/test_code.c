/* Unit tests of booking codes and row encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "code.h"
#include "rec.h"

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void
test_format_and_parse(void **state)
{
	unsigned char	 raw[CODE_RANDOM_BYTES], back[CODE_RANDOM_BYTES];
	char		 text[CODE_TEXT_LEN + 1], sloppy[CODE_TEXT_LEN + 1];
	int		 i, round;

	for (round = 0; round < 500; round++) {
		code_new(raw, text);
		assert_int_equal(strlen(text), 34);
		for (i = 0; i < 34; i++) {
			if (i % 5 == 4)
				assert_int_equal(text[i], '-');
			else
				assert_non_null(strchr(alphabet, text[i]));
		}
		assert_int_equal(code_parse(text, back), CODE_V2);
		assert_memory_equal(raw, back, sizeof raw);
		/* Lower case, no hyphens, O for 0 and l for 1. */
		for (i = 0; text[i] != '\0'; i++)
			sloppy[i] = text[i] == '0' ? 'o' : text[i] == '1' ?
			    'l' : (char)(text[i] >= 'A' ? text[i] + 32 :
			    text[i]);
		sloppy[i] = '\0';
		assert_int_equal(code_parse(sloppy, back), CODE_V2);
		assert_memory_equal(raw, back, sizeof raw);
	}
}

/*
 * The check says the version: a code ecod made (version 1) reads as one,
 * whatever its bytes, and no code ecoctl makes ever does, so a client can
 * never be talked into sending a new code as it is.
 */
static void
test_versions(void **state)
{
	unsigned char	 raw[CODE_RANDOM_BYTES], back[CODE_RANDOM_BYTES];
	char		 text[CODE_TEXT_LEN + 1], old[CODE_TEXT_LEN + 1];
	int		 round, v2_as_v1 = 0, v1_as_v2 = 0;

	for (round = 0; round < 20000; round++) {
		code_new(raw, text);
		if (code_parse(text, back) != CODE_V2)
			v2_as_v1++;
		code_format(raw, CODE_V1, old);
		if (code_parse(old, back) != CODE_V1 ||
		    memcmp(raw, back, sizeof raw) != 0)
			v1_as_v2++;
		/* The same bytes, two codes: the check differs. */
		assert_string_not_equal(text, old);
	}
	assert_int_equal(v2_as_v1, 0);
	assert_int_equal(v1_as_v2, 0);
	/* Fixed bytes, the check unkeyed as ecod made it: still version 1. */
	memset(raw, 0x5a, sizeof raw);
	code_format(raw, CODE_V1, old);
	assert_int_equal(code_parse(old, back), CODE_V1);
}

/* The lookup token: a function of the code's bytes alone, 32 bytes, not
 * the bytes themselves, and another for another code. */
static void
test_lookup(void **state)
{
	unsigned char	 raw[CODE_RANDOM_BYTES], raw2[CODE_RANDOM_BYTES];
	unsigned char	 a[CODE_LOOKUP_BYTES], b[CODE_LOOKUP_BYTES];
	unsigned char	 c[CODE_LOOKUP_BYTES];
	char		 text[CODE_TEXT_LEN + 1];

	code_new(raw, text);
	code_lookup(raw, a);
	code_lookup(raw, b);
	assert_memory_equal(a, b, sizeof a);
	assert_memory_not_equal(a, raw, sizeof raw);
	memcpy(raw2, raw, sizeof raw);
	raw2[15] ^= 1;
	code_lookup(raw2, c);
	assert_memory_not_equal(a, c, sizeof a);
}

/* Every single-character substitution of a code is rejected (the check is
 * 12 bits, so a rare one could pass: count, and require nearly all). */
static void
test_typos_rejected(void **state)
{
	unsigned char	 raw[CODE_RANDOM_BYTES], back[CODE_RANDOM_BYTES];
	char		 text[CODE_TEXT_LEN + 1], typo[CODE_TEXT_LEN + 1];
	char		 longer[CODE_TEXT_LEN + 2];
	int		 i, k, tried = 0, passed = 0, round;

	for (round = 0; round < 20; round++) {
		code_new(raw, text);
		for (i = 0; text[i] != '\0'; i++) {
			if (text[i] == '-')
				continue;
			for (k = 0; alphabet[k] != '\0'; k++) {
				if (alphabet[k] == text[i])
					continue;
				memcpy(typo, text, sizeof typo);
				typo[i] = alphabet[k];
				tried++;
				if (code_parse(typo, back) > 0)
					passed++;
			}
		}
	}
	assert_true(tried > 10000);
	assert_true(passed * 500 < tried);	/* about 2 in 4096 */
	assert_int_equal(code_parse("", back), -1);
	assert_int_equal(code_parse("U000-0000", back), -1);
	memcpy(typo, text, sizeof typo);
	typo[CODE_TEXT_LEN - 1] = '\0';		/* one character short */
	assert_int_equal(code_parse(typo, back), -1);
	snprintf(longer, sizeof longer, "%s7", text);	/* one too many */
	assert_int_equal(code_parse(longer, back), -1);
}

static void
test_rec_roundtrip_and_bounds(void **state)
{
	struct rec		 w, r;
	const unsigned char	*p;
	char			*s;
	size_t			 cut;

	rec_init(&w);
	rec_put_u8(&w, 7);
	rec_put_i64(&w, -5);
	rec_put_str(&w, "Sala 3");
	rec_put_bytes(&w, "\0\1", 2);
	rec_read(&r, w.buf, w.len);
	assert_int_equal(rec_get_u8(&r), 7);
	assert_int_equal(rec_get_i64(&r), -5);
	s = rec_get_str(&r, 64);
	assert_string_equal(s, "Sala 3");
	free(s);
	assert_int_equal(rec_get_bytes(&r, &p), 2);
	assert_memory_equal(p, "\0\1", 2);
	assert_int_equal(rec_done(&r), 0);
	/* Every truncation fails; so do leftovers and over-long strings. */
	for (cut = 0; cut < w.len; cut++) {
		rec_read(&r, w.buf, cut);
		rec_get_u8(&r);
		rec_get_i64(&r);
		free(rec_get_str(&r, 64));
		rec_get_bytes(&r, &p);
		assert_int_equal(rec_done(&r), -1);
	}
	rec_read(&r, w.buf, w.len);
	rec_get_u8(&r);
	assert_int_equal(rec_done(&r), -1);
	rec_read(&r, w.buf, w.len);
	rec_get_u8(&r);
	rec_get_i64(&r);
	free(rec_get_str(&r, 3));
	assert_int_equal(r.bad, 1);
	rec_free(&w);
}

/* Reads a booking's head (case, slot, state, created, message) and, if
 * rec_more, its history; returns rec_done. */
static int
read_booking(const struct rec *w, int64_t *hist)
{
	struct rec		 r;
	const unsigned char	*p;
	int			 i;

	rec_read(&r, w->buf, w->len);
	rec_get_i64(&r);
	rec_get_i64(&r);
	rec_get_u8(&r);
	rec_get_i64(&r);
	rec_get_bytes(&r, &p);
	hist[0] = -1;
	if (rec_more(&r))
		for (i = 0; i < 3; i++)
			hist[i] = rec_get_i64(&r);
	return rec_done(&r);
}

/* A field added at a layout's end is optional: rows that end before it,
 * as older rows do, decode; a row cut inside it does not. */
static void
test_rec_more(void **state)
{
	struct rec	 w;
	int64_t		 hist[3];
	size_t		 len;

	rec_init(&w);
	rec_put_i64(&w, 4);
	rec_put_i64(&w, 9);
	rec_put_u8(&w, 3);
	rec_put_i64(&w, 1764584000);
	rec_put_bytes(&w, "m", 1);
	assert_int_equal(read_booking(&w, hist), 0);
	assert_int_equal(hist[0], -1);		/* an old row: none */
	len = w.len;
	rec_put_i64(&w, 2);
	rec_put_i64(&w, 1);
	rec_put_i64(&w, 1764590000);
	assert_int_equal(read_booking(&w, hist), 0);
	assert_int_equal(hist[0], 2);
	assert_int_equal(hist[1], 1);
	assert_int_equal(hist[2], 1764590000);
	for (w.len = len + 1; w.len < len + 24; w.len++)
		assert_int_equal(read_booking(&w, hist), -1);
	w.len = len - 1;			/* a failed read: no more */
	assert_int_equal(read_booking(&w, hist), -1);
	assert_int_equal(hist[0], -1);
	rec_free(&w);
}

/* code_parse_len reads its bytes only: no NUL needed, none past len. */
static void
test_parse_len(void **state)
{
	unsigned char	 raw[CODE_RANDOM_BYTES], back[CODE_RANDOM_BYTES];
	char		 text[CODE_TEXT_LEN + 1], *buf;

	code_new(raw, text);
	buf = malloc(CODE_TEXT_LEN + 3);
	memcpy(buf, text, CODE_TEXT_LEN);
	memcpy(buf + CODE_TEXT_LEN, "XYZ", 3);		/* no NUL */
	assert_int_equal(code_parse_len(buf, CODE_TEXT_LEN, back), CODE_V2);
	assert_memory_equal(raw, back, sizeof raw);
	assert_int_equal(code_parse_len(buf, CODE_TEXT_LEN + 1, back), -1);
	assert_int_equal(code_parse_len(buf, CODE_TEXT_LEN - 1, back), -1);
	/* a failure leaves nothing of the code behind */
	buf[3] = '!';
	assert_int_equal(code_parse_len(buf, CODE_TEXT_LEN, back), -1);
	memset(raw, 0, sizeof raw);
	assert_memory_equal(raw, back, sizeof raw);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_and_parse),
		cmocka_unit_test(test_typos_rejected),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_rec_roundtrip_and_bounds),
		cmocka_unit_test(test_rec_more),
		cmocka_unit_test(test_parse_len),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("code", tests, NULL, NULL);
}
