/*
 * libFuzzer target: the public header of a sealed note (common/notehdr.c),
 * which the daemon parses from what a client uploads and from its own
 * rows. Any bytes: parse cleanly or refuse.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notehdr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct note_hdr	 h;
	unsigned char	 zero[32], *p;
	int		 i;

	p = fuzz_copy(data, size);
	if (note_hdr_parse(p, size, &h) == 0) {
		FUZZ_ASSERT(h.hdrlen + 24 + 64 + 16 <= size);
		FUZZ_ASSERT(h.nrcpt >= 1 && h.nrcpt <= NOTE_MAX_RCPT);
		FUZZ_ASSERT(h.booking > 0 && h.amends >= 0);
		for (i = 0; i < h.nrcpt; i++)
			FUZZ_ASSERT(note_hdr_wrap_for(&h, h.rcpt[i]) != NULL);
		memset(zero, 0, sizeof zero);
		(void)note_hdr_wrap_for(&h, zero);
	}
	free(p);
	return 0;
}
