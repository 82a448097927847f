/*
 * libFuzzer target for the client's reply-line decoder: the input is a
 * daemon's reply, LF-separated lines, each handed over in a buffer of its
 * exact length (no NUL after it); a final line ends one reply and starts
 * the next. Whatever the bytes, the decoder returns cleanly, and what it
 * keeps is checked text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ecoctl.h"
#include "wire.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reply	 r;
	const uint8_t	*p = data, *nl;
	const char	*why;
	size_t		 left = size, n;
	char		*line;
	int		 rc, i;

	memset(&r, 0, sizeof r);
	while (left > 0) {
		nl = memchr(p, '\n', left);
		n = nl == NULL ? left : (size_t)(nl - p);
		line = malloc(n == 0 ? 1 : n);
		memcpy(line, p, n);
		why = NULL;
		rc = reply_parse_line(&r, line, n, &why);
		free(line);
		if (rc == -1 && why == NULL)
			abort();
		if (rc == 1 && !r.ok && (r.code == NULL || r.msg == NULL ||
		    wire_check_text(r.msg, strlen(r.msg), &why) != 0))
			abort();
		for (i = 0; i < r.ndata; i++)
			if (r.data[i].argv[r.data[i].argc] != NULL)
				abort();
		if (rc != 0)
			reply_free(&r);
		if (nl == NULL)
			break;
		left -= n + 1;
		p = nl + 1;
	}
	reply_free(&r);
	return 0;
}
