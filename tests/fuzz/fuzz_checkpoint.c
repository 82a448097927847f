/*
 * libFuzzer target: signed notes, checkpoints and verifier keys
 * (common/checkpoint.c), which an auditor's client parses from the daemon
 * or from an export directory. The parsers of the checkpoint body and the
 * verifier key take strings; signed_note_verify takes (note, len) and gets
 * a buffer of exactly that many bytes, no NUL after it (it once read past
 * the end with strncmp on a short last line:
 * corpus/checkpoint/strncmp-past-end). The audit key is a
 * fixed test key (seed of 32 bytes of 3, as in mkseeds.c), so that the
 * seed note verifies.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "fuzz.h"
#include "merkle.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 pk[32], sk[64];
	static int		 ready;
	unsigned char		 root[MERKLE_HASH], k[32], seed[32];
	const char		*why;
	char			*note, *text, *body = NULL, *origin, *name;
	uint64_t		 n;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		memset(seed, 3, sizeof seed);
		crypto_sign_seed_keypair(pk, sk, seed);
		ready = 1;
	}
	note = malloc(size > 0 ? size : 1);
	memcpy(note, data, size);
	if (signed_note_verify(note, size, "eco-audit/f", pk, &body,
	    &why) == 0) {
		FUZZ_ASSERT(strlen(body) < size &&
		    memcmp(body, note, strlen(body)) == 0);
		if (checkpoint_parse(body, &origin, &n, root) == 0)
			free(origin);
		free(body);
	}
	free(note);
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (checkpoint_parse(text, &origin, &n, root) == 0)
		free(origin);
	if (vkey_parse(text, &name, k) == 0)
		free(name);
	free(text);
	return 0;
}
