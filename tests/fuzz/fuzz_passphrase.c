/*
 * libFuzzer target: a passphrase read from a file or stream
 * (common/passphrase.c). The passphrase is the first line exactly: no byte
 * of it dropped, none added, or nothing at all.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "passphrase.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*in, *nl;
	char		*pass, *cause;
	FILE		*fp;
	size_t		 n;

	if (sodium_init() < 0)
		abort();
	if (size == 0)
		return 0;	/* fmemopen wants a buffer */
	in = fuzz_copy(data, size);
	if ((fp = fmemopen(in, size, "r")) == NULL)
		abort();
	pass = passphrase_from_stream(fp, &cause);
	fclose(fp);
	nl = memchr(in, '\n', size);
	n = nl != NULL ? (size_t)(nl - in) : size;
	if (n > 0 && in[n - 1] == '\r')
		n--;
	if (pass == NULL)
		free(cause);
	else {
		FUZZ_ASSERT(strlen(pass) == n && memcmp(pass, in, n) == 0);
		FUZZ_ASSERT(n > 0 && n < PASSPHRASE_MAX);
		passphrase_free(pass);
	}
	free(in);
	return 0;
}
