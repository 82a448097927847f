/*
 * libFuzzer target: opening sealed rows (daemon/seal.c) under a fixed test
 * master key. The input is a table byte, the row id (8 bytes, big-endian)
 * and the sealed row. What opens is decoded with the table's layout; it
 * must not open as any other table or id. Then the input is sealed as a
 * row and must open back to itself, and only under its own table and id.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notehdr.h"
#include "rows.h"
#include "seal.h"

/* The test master key: 32 bytes of 0x42 (tests/fuzz/mkseeds.c too). */
static struct seal *
fuzz_seal(void)
{
	static struct seal	*s;
	unsigned char		 master[MASTER_KEY_BYTES];

	if (s == NULL) {
		if (sodium_init() < 0)
			abort();
		memset(master, 0x42, sizeof master);
		s = seal_create(master);
	}
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seal	*s = fuzz_seal();
	const char	*table;
	unsigned char	*in, *out, *sealed;
	size_t		 len, t;
	int64_t		 id;

	if (size < 9)
		return 0;
	t = data[0] % FUZZ_NROWS;
	table = fuzz_rows[t].table;
	id = (int64_t)note_get_u64(data + 1);
	len = size - 9;
	in = fuzz_copy(data + 9, len);
	out = malloc(len > SEALED_ROW_OVERHEAD ? len - SEALED_ROW_OVERHEAD : 1);
	if (seal_open_row(s, table, id, in, len, out) == 0) {
		FUZZ_ASSERT(len >= SEALED_ROW_OVERHEAD);
		(void)fuzz_row_decode(fuzz_rows[t].layout, out,
		    len - SEALED_ROW_OVERHEAD);
		FUZZ_ASSERT(seal_open_row(s, table,
		    (int64_t)((uint64_t)id + 1), in, len, out) != 0);
		FUZZ_ASSERT(seal_open_row(s, fuzz_rows[(t + 1) %
		    FUZZ_NROWS].table, id, in, len, out) != 0);
	}
	free(out);

	sealed = malloc(len + SEALED_ROW_OVERHEAD);
	out = malloc(len > 0 ? len : 1);
	seal_row(s, table, id, in, len, sealed);
	FUZZ_ASSERT(seal_open_row(s, table, id, sealed,
	    len + SEALED_ROW_OVERHEAD, out) == 0);
	FUZZ_ASSERT(len == 0 || memcmp(out, in, len) == 0);
	FUZZ_ASSERT(seal_open_row(s, table, id ^ 1, sealed,
	    len + SEALED_ROW_OVERHEAD, out) != 0);
	FUZZ_ASSERT(seal_open_row(s, table, id, sealed,
	    len + SEALED_ROW_OVERHEAD - 1, out) != 0);
	free(out);
	free(sealed);
	free(in);
	return 0;
}
