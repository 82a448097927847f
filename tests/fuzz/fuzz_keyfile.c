/*
 * libFuzzer target: key files (client/keyfile.c), which ecoctl reads from
 * disk and a person may have been handed. The parse step takes any bytes;
 * what parses is then unlocked with the test passphrase "fuzz" (see
 * mkseeds.c), with the KDF cut to libsodium's minimum when the file asks
 * for more, so that every run stays cheap.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "keyfile.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	 ready;
	struct keyfile	 kf;
	char		*text, *cause = NULL;

	if (!ready) {
		if (sodium_init() < 0)
			abort();
		ready = 1;
	}
	text = (char *)fuzz_copy(data, size);
	if (keyfile_parse(text, size, &kf) == 0) {
		FUZZ_ASSERT(key_name_valid(kf.name));
		FUZZ_ASSERT(kf.opslimit >= crypto_pwhash_OPSLIMIT_MIN &&
		    kf.opslimit <= KEYFILE_OPSLIMIT_MAX);
		FUZZ_ASSERT(kf.memlimit >= crypto_pwhash_MEMLIMIT_MIN &&
		    kf.memlimit <= KEYFILE_MEMLIMIT_MAX);
		if (kf.opslimit > crypto_pwhash_OPSLIMIT_MIN ||
		    kf.memlimit > crypto_pwhash_MEMLIMIT_MIN) {
			kf.opslimit = crypto_pwhash_OPSLIMIT_MIN;
			kf.memlimit = crypto_pwhash_MEMLIMIT_MIN;
		}
		if (keyfile_unlock(&kf, "fuzz", &cause) == 0)
			FUZZ_ASSERT(kf.sk != NULL &&
			    memcmp(kf.sk + 32, kf.pk, 32) == 0);
		else
			free(cause);
		keyfile_clear(&kf);
	}
	free(text);
	return 0;
}
