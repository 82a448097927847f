/* Unit tests of case messages: the case key, round trips, every refusal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "code.h"
#include "msg.h"
#include "msghdr.h"

static unsigned char	 counsellor_pk[32], counsellor_sk[64];
static unsigned char	 cx_pk[32], cx_sk[32];		/* its X25519 form */
static unsigned char	 case_pk[32], *case_sk;
static char		 code[CODE_TEXT_LEN + 1];

static int
setup(void **state)
{
	unsigned char	 raw[CODE_RANDOM_BYTES];

	code_new(raw, code);
	crypto_sign_keypair(counsellor_pk, counsellor_sk);
	if (crypto_sign_ed25519_pk_to_curve25519(cx_pk, counsellor_pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(cx_sk, counsellor_sk) != 0)
		return -1;
	return case_keypair(code, case_pk, &case_sk);
}

static int
teardown(void **state)
{
	sodium_free(case_sk);
	return 0;
}

/* A counsellor's message in case 9, to the case key and the author. */
static unsigned char *
staff(const char *text, size_t *len)
{
	const unsigned char	*rcpt[2] = { case_pk, cx_pk };

	return msg_seal((const unsigned char *)text, strlen(text), 9,
	    MSG_FROM_COUNSELLOR, counsellor_pk, counsellor_sk, rcpt, 2, len);
}

static void
test_case_key(void **state)
{
	unsigned char	 pk[32], *sk, pk2[32], *sk2;
	char		 typed[64], other[CODE_TEXT_LEN + 1];
	unsigned char	 raw[CODE_RANDOM_BYTES];
	size_t		 i, k = 0;

	/* The same code, typed any way the parser reads it, same key. */
	for (i = 0; code[i] != '\0'; i++)
		if (code[i] != '-')
			typed[k++] = (char)(code[i] >= 'A' && code[i] <= 'Z' ?
			    code[i] - 'A' + 'a' : code[i]);
	typed[k] = '\0';
	assert_int_equal(case_keypair(typed, pk, &sk), 0);
	assert_memory_equal(pk, case_pk, 32);
	assert_memory_equal(sk, case_sk, 32);
	sodium_free(sk);
	/* Another code, another key; a typo, none. */
	code_new(raw, other);
	assert_int_equal(case_keypair(other, pk2, &sk2), 0);
	assert_memory_not_equal(pk2, case_pk, 32);
	sodium_free(sk2);
	memcpy(typed, code, sizeof code);
	typed[0] = typed[0] == 'A' ? 'B' : 'A';
	assert_int_equal(case_keypair(typed, pk, &sk), -1);
	assert_null(sk);
}

static void
test_round_trip(void **state)
{
	unsigned char	*blob, *text;
	const char	*why;
	size_t		 len, tlen;
	int		 from;

	blob = staff("¿Cómo estás?", &len);
	assert_non_null(blob);
	text = msg_open(blob, len, 9, case_pk, case_sk, counsellor_pk, &tlen,
	    &from, &why);
	assert_non_null(text);
	assert_int_equal(from, MSG_FROM_COUNSELLOR);
	assert_int_equal(tlen, strlen("¿Cómo estás?"));
	assert_memory_equal(text, "¿Cómo estás?", tlen);
	free(text);
	/* The author rereads it. */
	text = msg_open(blob, len, 9, cx_pk, cx_sk, counsellor_pk, &tlen,
	    &from, &why);
	assert_non_null(text);
	free(text);
	free(blob);
}

static void
test_worker(void **state)
{
	const unsigned char	*rcpt[2] = { case_pk, cx_pk };
	unsigned char		*blob, *text;
	const char		*why;
	size_t			 len, tlen;
	int			 from;

	blob = msg_seal((const unsigned char *)"", 0, 9, MSG_FROM_WORKER,
	    case_pk, NULL, rcpt, 2, &len);
	assert_non_null(blob);
	text = msg_open(blob, len, 9, cx_pk, cx_sk, NULL, &tlen, &from, &why);
	assert_non_null(text);
	assert_int_equal(tlen, 0);
	assert_int_equal(from, MSG_FROM_WORKER);
	free(text);
	/* Said to be a counsellor's, it is refused: no such signature. */
	assert_null(msg_open(blob, len, 9, cx_pk, cx_sk, counsellor_pk, &tlen,
	    &from, &why));
	free(blob);
}

static void
test_refusals(void **state)
{
	unsigned char	*blob, *text, pk[32], sk[32], other_pk[32], osk[64];
	const char	*why;
	size_t		 len, tlen, i;
	int		 from;

	blob = staff("secreto", &len);
	/* Another key, another case, another or no signer. */
	crypto_box_keypair(pk, sk);
	assert_null(msg_open(blob, len, 9, pk, sk, counsellor_pk, &tlen,
	    &from, &why));
	assert_null(msg_open(blob, len, 8, case_pk, case_sk, counsellor_pk,
	    &tlen, &from, &why));
	assert_null(msg_open(blob, len, 9, case_pk, case_sk, NULL, &tlen,
	    &from, &why));
	crypto_sign_keypair(other_pk, osk);
	assert_null(msg_open(blob, len, 9, case_pk, case_sk, other_pk, &tlen,
	    &from, &why));
	/* Every byte flipped, and every truncation, is refused. */
	for (i = 0; i < len; i++) {
		blob[i] ^= 0x01;
		text = msg_open(blob, len, 9, case_pk, case_sk, counsellor_pk,
		    &tlen, &from, &why);
		assert_null(text);
		blob[i] ^= 0x01;
	}
	for (i = 0; i < len; i++)
		assert_null(msg_open(blob, i, 9, case_pk, case_sk,
		    counsellor_pk, &tlen, &from, &why));
	free(blob);
}

static void
test_header(void **state)
{
	const unsigned char	*rcpt[2] = { case_pk, case_pk };
	struct msg_hdr		 h;
	unsigned char		*blob;
	size_t			 len;

	blob = staff("x", &len);
	assert_int_equal(msg_hdr_parse(blob, len, &h), 0);
	assert_int_equal(h.case_id, 9);
	assert_int_equal(h.from, MSG_FROM_COUNSELLOR);
	assert_int_equal(h.nrcpt, 2);
	assert_int_equal(h.textlen, 1);
	assert_non_null(msg_hdr_wrap_for(&h, case_pk));
	assert_null(msg_hdr_wrap_for(&h, counsellor_pk));
	blob[12] = 4;				/* no such sender kind */
	assert_int_equal(msg_hdr_parse(blob, len, &h), -1);
	blob[12] = MSG_FROM_COUNSELLOR;
	blob[45] = 0;				/* no recipient */
	assert_int_equal(msg_hdr_parse(blob, len, &h), -1);
	blob[45] = MSG_MAX_RCPT + 1;
	assert_int_equal(msg_hdr_parse(blob, len, &h), -1);
	blob[45] = 3;				/* more than the bytes hold */
	assert_int_equal(msg_hdr_parse(blob, len, &h), -1);
	free(blob);
	/* A recipient twice is no message. */
	blob = msg_seal((const unsigned char *)"x", 1, 9, MSG_FROM_WORKER,
	    case_pk, NULL, rcpt, 2, &len);
	assert_int_equal(msg_hdr_parse(blob, len, &h), -1);
	free(blob);
	assert_int_equal(msg_hdr_parse((const unsigned char *)"ECM1", 4, &h),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_key),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_worker),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_header),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
