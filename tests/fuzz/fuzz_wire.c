/*
 * libFuzzer target for the line format: any bytes either split into fields
 * that join back to a line splitting to the same fields, or fail cleanly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_fields	 a, b;
	const char		*cause;
	char			*line;
	int			 i;

	if (wire_split((const char *)data, size, ECO_MAX_FIELDS, &a,
	    &cause) != 0)
		return 0;
	line = wire_join(a.argc, a.argv);
	if (wire_split(line, strlen(line), ECO_MAX_FIELDS, &b, &cause) != 0)
		abort();
	if (a.argc != b.argc)
		abort();
	for (i = 0; i < a.argc; i++)
		if (strcmp(a.argv[i], b.argv[i]) != 0)
			abort();
	wire_fields_free(&a);
	wire_fields_free(&b);
	free(line);
	return 0;
}
