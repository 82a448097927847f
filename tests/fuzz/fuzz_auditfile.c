/*
 * libFuzzer target for the audit bytes an auditor's client decodes: an
 * export's entries file (whole, and fed in two pieces as the reader does,
 * which must agree), and a tree head's unverified body. Buffers are
 * handed over at their exact length, with no NUL after them.
 */
#include <sodium.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditfile.h"
#include "checkpoint.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct count {
	uint64_t	 n;
	unsigned char	 h[32];
};

/* Counts entries and hashes them in order, checking them as log does. */
static int
count_entry(void *arg, uint64_t seq, const unsigned char *e, size_t len,
    char **cause)
{
	struct count	*c = arg;

	if (seq != ++c->n || len == 0 || len > ECO_AUDIT_ENTRY_MAX)
		abort();
	(void)audit_entry_text(e, len);
	crypto_generichash(c->h, sizeof c->h, e, len, c->h, sizeof c->h);
	return 0;
}

/* Decodes buf[0..len) split at cut; returns the result and fills c. */
static int
decode(const char *buf, size_t len, size_t cut, struct count *c)
{
	char		*cause = NULL, *rest;
	uint64_t	 line = 0;
	size_t		 used, left;
	int		 rc;

	memset(c, 0, sizeof *c);
	if (auditfile_entries(buf, cut, 0, &line, &used, count_entry, c,
	    &cause) != 0) {
		free(cause);
		return -1;
	}
	if (used > cut)
		abort();
	left = cut - used + (len - cut);
	rest = malloc(left == 0 ? 1 : left);
	memcpy(rest, buf + used, cut - used);
	memcpy(rest + (cut - used), buf + cut, len - cut);
	rc = auditfile_entries(rest, left, 1, &line, &used, count_entry, c,
	    &cause);
	free(rest);
	if (rc != 0)
		free(cause);
	else if (used != left || line != c->n)
		abort();
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct count	 a, b;
	unsigned char	 root[32];
	char		*buf, *body, *origin;
	uint64_t	 n;
	size_t		 cut;
	int		 ra, rb;

	if (sodium_init() < 0)
		abort();
	buf = malloc(size == 0 ? 1 : size);
	memcpy(buf, data, size);
	cut = size == 0 ? 0 : data[0] % (size + 1);
	ra = decode(buf, size, size, &a);
	rb = decode(buf, size, cut, &b);
	if (ra != rb || (ra == 0 && (a.n != b.n || memcmp(a.h, b.h, 32) != 0)))
		abort();
	if ((body = audit_head_body(buf, size)) != NULL) {
		if (checkpoint_parse(body, &origin, &n, root) == 0) {
			if (n > CHECKPOINT_SIZE_MAX)
				abort();
			free(origin);
		}
		free(body);
	}
	free(buf);
	return 0;
}
