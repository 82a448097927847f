/* Unit tests of sealed notes: round trip, recipients, every tampering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "note.h"
#include "notehdr.h"

struct keys {
	unsigned char	pk[32];
	unsigned char	sk[64];
};

static struct keys	author, recovery, other;

static int
setup(void **state)
{
	crypto_sign_keypair(author.pk, author.sk);
	crypto_sign_keypair(recovery.pk, recovery.sk);
	crypto_sign_keypair(other.pk, other.sk);
	return 0;
}

/* Seals text for booking 7 to the author and the recovery key. */
static unsigned char *
seal(const void *text, size_t len, size_t *outlen)
{
	const unsigned char	*rcpt[2] = { author.pk, recovery.pk };

	return note_seal(text, len, 7, 3, author.sk, rcpt, 2, outlen);
}

static void
test_roundtrip_both_recipients(void **state)
{
	static const unsigned char bin[] = { 0, 1, 2, 0xff, '\n', 0 };
	unsigned char	*note, *text;
	const char	*why;
	size_t		 len, tlen;
	struct note_hdr	 h;

	note = seal(bin, sizeof bin, &len);
	assert_non_null(note);
	assert_int_equal(note_hdr_parse(note, len, &h), 0);
	assert_int_equal(h.booking, 7);
	assert_int_equal(h.amends, 3);
	assert_int_equal(h.nrcpt, 2);
	assert_memory_equal(h.author, author.pk, 32);
	text = note_open(note, len, author.pk, author.sk, author.pk, &tlen,
	    &why);
	assert_non_null(text);
	assert_int_equal(tlen, sizeof bin);
	assert_memory_equal(text, bin, sizeof bin);
	free(text);
	text = note_open(note, len, recovery.pk, recovery.sk, author.pk, &tlen,
	    &why);
	assert_non_null(text);
	free(text);
	free(note);
	note = seal("", 0, &len);		/* an empty note */
	text = note_open(note, len, author.pk, author.sk, author.pk, &tlen,
	    &why);
	assert_non_null(text);
	assert_int_equal(tlen, 0);
	free(text);
	free(note);
}

static void
test_refusals(void **state)
{
	unsigned char	*note, *text;
	const char	*why = NULL;
	size_t		 len, tlen, i;

	note = seal("secreto", 7, &len);
	/* Not a recipient. */
	assert_null(note_open(note, len, other.pk, other.sk, author.pk, &tlen,
	    &why));
	assert_non_null(strstr(why, "not sealed to this key"));
	/* An author who is not the enrolled one. */
	assert_null(note_open(note, len, author.pk, author.sk, other.pk,
	    &tlen, &why));
	/* Every single bit flipped anywhere is refused. */
	for (i = 0; i < len; i++) {
		note[i] ^= 0x10;
		text = note_open(note, len, author.pk, author.sk, author.pk,
		    &tlen, &why);
		assert_null(text);
		note[i] ^= 0x10;
	}
	/* Truncated. */
	for (i = 0; i < len; i += 7)
		assert_null(note_open(note, i, author.pk, author.sk,
		    author.pk, &tlen, &why));
	assert_null(memmem(note, len, "secreto", 7));
	free(note);
}

/* A note re-signed by another key, sealed to the author: the signature
 * check against the enrolled author refuses it. */
static void
test_forged_author(void **state)
{
	const unsigned char	*rcpt[1] = { author.pk };
	unsigned char		*note;
	const char		*why;
	size_t			 len, tlen;

	note = note_seal((const unsigned char *)"x", 1, 7, 0, other.sk, rcpt,
	    1, &len);
	memcpy(note + 20, author.pk, 32);	/* claim the author's key */
	assert_null(note_open(note, len, author.pk, author.sk, author.pk,
	    &tlen, &why));
	free(note);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_both_recipients),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_forged_author),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("note", tests, setup, NULL);
}
