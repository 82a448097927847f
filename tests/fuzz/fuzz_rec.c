/*
 * libFuzzer target: the row decoder (daemon/rec.c) under every table's
 * layout. The first byte picks the table, the rest is the row. A row
 * either decodes, and then encodes back to the very same bytes, or is
 * refused; no read goes past the row.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "rows.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*row;

	if (size < 1)
		return 0;
	row = fuzz_copy(data + 1, size - 1);
	(void)fuzz_row_decode(fuzz_rows[data[0] % FUZZ_NROWS].layout, row,
	    size - 1);
	free(row);
	return 0;
}
