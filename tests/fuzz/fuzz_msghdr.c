/*
 * libFuzzer target: the public header of a case message (common/msghdr.c),
 * which the daemon parses from what a client sends and from its own
 * rows. Any bytes: parse cleanly or refuse.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "msghdr.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hdr	 h;
	unsigned char	 zero[32], *p;
	int		 i;

	p = fuzz_copy(data, size);
	if (msg_hdr_parse(p, size, &h) == 0) {
		FUZZ_ASSERT(h.hdrlen + 24 + 64 + 16 <= size);
		FUZZ_ASSERT(h.nrcpt >= 1 && h.nrcpt <= MSG_MAX_RCPT);
		FUZZ_ASSERT(h.case_id > 0 && h.from >= MSG_FROM_WORKER &&
		    h.from <= MSG_FROM_SERVICE);
		FUZZ_ASSERT(h.hdrlen + 24 + 64 + 16 + h.textlen == size);
		for (i = 0; i < h.nrcpt; i++)
			FUZZ_ASSERT(msg_hdr_wrap_for(&h, h.rcpt[i]) != NULL);
		memset(zero, 0, sizeof zero);
		(void)msg_hdr_wrap_for(&h, zero);
	}
	free(p);
	return 0;
}
