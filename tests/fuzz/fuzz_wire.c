/*
 * libFuzzer target for the request and reply line (common/wire.c): any
 * bytes either split into fields that join back to a line splitting to the
 * same fields, or fail cleanly. The line is not NUL-terminated.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"
#include "wire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_fields	 a, b;
	const char		*cause;
	char			*line, *again;
	int			 i;

	line = (char *)fuzz_copy(data, size);
	if (wire_split(line, size, ECO_MAX_FIELDS, &a, &cause) != 0) {
		FUZZ_ASSERT(a.argc == 0 && a.argv == NULL && cause != NULL);
		free(line);
		return 0;
	}
	FUZZ_ASSERT(wire_check_text(line, size, &cause) == 0);
	FUZZ_ASSERT(a.argc <= ECO_MAX_FIELDS && a.argv[a.argc] == NULL);
	again = wire_join(a.argc, a.argv);
	FUZZ_ASSERT(wire_split(again, strlen(again), ECO_MAX_FIELDS, &b,
	    &cause) == 0);
	FUZZ_ASSERT(a.argc == b.argc);
	for (i = 0; i < a.argc; i++)
		FUZZ_ASSERT(strcmp(a.argv[i], b.argv[i]) == 0);
	wire_fields_free(&a);
	wire_fields_free(&b);
	free(again);
	free(line);
	return 0;
}
