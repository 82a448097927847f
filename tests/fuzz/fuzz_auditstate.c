/*
 * libFuzzer target for the auditor's state file parser: any bytes, handed
 * over at their exact length with no NUL after them, either parse into a
 * state that formats back to the very same bytes, or fail cleanly.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditfile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_state	 st;
	char			*buf, *cause, *out;
	size_t			 len;

	if (sodium_init() < 0)
		abort();
	buf = malloc(size == 0 ? 1 : size);
	memcpy(buf, data, size);
	if (audit_state_parse(buf, size, &st, &cause) != 0) {
		if (cause == NULL || st.vkey != NULL)
			abort();
		free(cause);
		free(buf);
		return 0;
	}
	out = audit_state_format(&st, &len);
	if (len != size || memcmp(out, buf, size) != 0)
		abort();
	free(out);
	free(st.vkey);
	free(buf);
	return 0;
}
