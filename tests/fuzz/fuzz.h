/*
 * Shared by the libFuzzer targets. Every target hands the code under test
 * a copy of the input in a heap block of exactly its size, with no NUL
 * after it, so that AddressSanitizer stops a read one byte past the end.
 */
#ifndef ECO_FUZZ_H
#define ECO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Returns an exact-size copy of data (free it); never NULL. */
static inline unsigned char *
fuzz_copy(const uint8_t *data, size_t size)
{
	unsigned char	*p;

	if ((p = malloc(size)) == NULL)
		abort();
	if (size > 0)
		memcpy(p, data, size);
	return p;
}

/* Stops the run: a property of the decoder did not hold. */
#define FUZZ_ASSERT(e) do {						\
	if (!(e))							\
		__builtin_trap();					\
} while (0)

#endif
