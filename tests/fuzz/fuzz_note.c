/*
 * libFuzzer target: opening and verifying a signed, sealed note
 * (client/note.c), which ecoctl does with what the daemon serves. Fixed
 * test keys (mkseeds.c makes the seed notes with them): the author, and
 * the recovery key as a second recipient. Any bytes open to the signed
 * text or are refused; then the input sealed as a note opens back to
 * itself for both recipients.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "note.h"
#include "sealed.h"

struct fkey {
	unsigned char	pk[32];
	unsigned char	sk[64];
};

/* The test keys: Ed25519 from seeds of 32 bytes of 1 and of 2. */
static void
fuzz_keys(struct fkey *author, struct fkey *recovery)
{
	unsigned char	 seed[32];

	if (sodium_init() < 0)
		abort();
	memset(seed, 1, sizeof seed);
	crypto_sign_seed_keypair(author->pk, author->sk, seed);
	memset(seed, 2, sizeof seed);
	crypto_sign_seed_keypair(recovery->pk, recovery->sk, seed);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fkey	 a, r;
	static int		 ready;
	const unsigned char	*rcpt[2];
	unsigned char		*in, *text, *note;
	const char		*why;
	size_t			 len, nlen;

	if (!ready) {
		fuzz_keys(&a, &r);
		ready = 1;
	}
	in = fuzz_copy(data, size);
	if ((text = note_open(in, size, a.pk, a.sk, a.pk, &len, &why)) != NULL) {
		FUZZ_ASSERT(len + NOTE_HDR_FIXED < size);
		free(text);
	} else
		FUZZ_ASSERT(why != NULL);
	if ((text = note_open(in, size, r.pk, r.sk, a.pk, &len, &why)) != NULL)
		free(text);
	/* a note that names another author never opens */
	FUZZ_ASSERT(note_open(in, size, a.pk, a.sk, r.pk, &len, &why) == NULL);

	if (size <= 512) {
		rcpt[0] = a.pk;
		rcpt[1] = r.pk;
		note = note_seal(in, size, 7, 0, a.sk, rcpt, 2, &nlen);
		FUZZ_ASSERT(note != NULL);
		text = note_open(note, nlen, r.pk, r.sk, a.pk, &len, &why);
		FUZZ_ASSERT(text != NULL && len == size &&
		    (size == 0 || memcmp(text, in, size) == 0));
		free(text);
		free(note);
	}
	free(in);
	return 0;
}
