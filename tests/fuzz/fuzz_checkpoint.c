/* libFuzzer target: signed notes, checkpoints and verifier keys, which an
 * auditor's client parses from the daemon or from an export directory. */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "merkle.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 pk[32], sk[64];
	static int		 ready;
	unsigned char		 root[MERKLE_HASH], k[32];
	const char		*why;
	char			*text, *body = NULL, *origin, *name;
	uint64_t		 n;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		crypto_sign_keypair(pk, sk);
		ready = 1;
	}
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (signed_note_verify(text, size, "eco-audit/f", pk, &body,
	    &why) == 0)
		free(body);
	if (checkpoint_parse(text, &origin, &n, root) == 0)
		free(origin);
	if (vkey_parse(text, &name, k) == 0)
		free(name);
	free(text);
	return 0;
}
