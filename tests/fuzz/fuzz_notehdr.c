/* libFuzzer target: the public header of a sealed note, which the daemon
 * parses from what a client uploads. Any bytes: parse cleanly or refuse. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "notehdr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct note_hdr	 h;
	unsigned char	 zero[32];
	int		 i;

	if (note_hdr_parse(data, size, &h) != 0)
		return 0;
	if (h.hdrlen > size || h.nrcpt < 1 || h.nrcpt > NOTE_MAX_RCPT)
		__builtin_trap();
	for (i = 0; i < h.nrcpt; i++)
		(void)note_hdr_wrap_for(&h, h.rcpt[i]);
	memset(zero, 0, sizeof zero);
	(void)note_hdr_wrap_for(&h, zero);
	return 0;
}
