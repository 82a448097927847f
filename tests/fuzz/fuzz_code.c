/*
 * libFuzzer target: booking codes as a person types them (daemon/code.c).
 * A code either fails, leaving nothing of itself behind, or reads as 16
 * bytes whose printed form reads back as the same bytes.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char zero[CODE_RANDOM_BYTES];
	unsigned char	 raw[CODE_RANDOM_BYTES], back[CODE_RANDOM_BYTES];
	char		*text, printed[CODE_TEXT_LEN + 1];
	int		 version;

	text = (char *)fuzz_copy(data, size);
	if ((version = code_parse_len(text, size, raw)) < 0)
		FUZZ_ASSERT(memcmp(raw, zero, sizeof raw) == 0);
	else {
		FUZZ_ASSERT(version == CODE_V1 || version == CODE_V2);
		code_format(raw, version, printed);
		FUZZ_ASSERT(strlen(printed) == CODE_TEXT_LEN);
		FUZZ_ASSERT(code_parse(printed, back) == version);
		FUZZ_ASSERT(memcmp(raw, back, sizeof raw) == 0);
	}
	free(text);
	return 0;
}
