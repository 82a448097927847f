/* Row encoding: small, bounds-checked, and the same for every table. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "xmalloc.h"

/* Starts an empty record for writing. */
void
rec_init(struct rec *r)
{
	memset(r, 0, sizeof *r);
}

/* Wipes and frees what a writer allocated (rows may hold locations). */
void
rec_free(struct rec *r)
{
	if (r->cap > 0) {
		sodium_memzero(r->buf, r->cap);
		free(r->buf);
	}
	memset(r, 0, sizeof *r);
}

/* Appends len bytes. */
static void
rec_append(struct rec *r, const void *p, size_t len)
{
	size_t	 cap;

	if (r->len + len > r->cap) {
		cap = r->cap == 0 ? 64 : r->cap;
		while (cap < r->len + len)
			cap *= 2;
		r->buf = xreallocarray(r->buf, cap, 1);
		r->cap = cap;
	}
	if (len > 0)
		memcpy(r->buf + r->len, p, len);
	r->len += len;
}

/* Appends one byte. */
void
rec_put_u8(struct rec *r, unsigned int v)
{
	unsigned char	 b = (unsigned char)v;

	rec_append(r, &b, 1);
}

/* Appends a 64-bit integer, big-endian. */
void
rec_put_i64(struct rec *r, int64_t v)
{
	unsigned char	 b[8];
	uint64_t	 u = (uint64_t)v;
	int		 i;

	for (i = 0; i < 8; i++)
		b[i] = (unsigned char)(u >> (56 - 8 * i));
	rec_append(r, b, 8);
}

/* Appends bytes with a 32-bit length. */
void
rec_put_bytes(struct rec *r, const void *p, size_t len)
{
	unsigned char	 b[4];

	b[0] = (unsigned char)(len >> 24);
	b[1] = (unsigned char)(len >> 16);
	b[2] = (unsigned char)(len >> 8);
	b[3] = (unsigned char)len;
	rec_append(r, b, 4);
	rec_append(r, p, len);
}

/* Appends a string (without its NUL). */
void
rec_put_str(struct rec *r, const char *s)
{
	rec_put_bytes(r, s, strlen(s));
}

/* Starts reading len bytes at p (not copied, not freed). */
void
rec_read(struct rec *r, const unsigned char *p, size_t len)
{
	memset(r, 0, sizeof *r);
	r->buf = (unsigned char *)p;
	r->len = len;
}

/* Returns a pointer to the next n bytes, or NULL (and marks bad). */
static const unsigned char *
rec_take(struct rec *r, size_t n)
{
	const unsigned char	*p;

	if (r->bad || r->len - r->off < n) {
		r->bad = 1;
		return NULL;
	}
	p = r->buf + r->off;
	r->off += n;
	return p;
}

/* Reads one byte (0 if bad). */
unsigned int
rec_get_u8(struct rec *r)
{
	const unsigned char	*p = rec_take(r, 1);

	return p == NULL ? 0 : p[0];
}

/* Reads a 64-bit integer (0 if bad). */
int64_t
rec_get_i64(struct rec *r)
{
	const unsigned char	*p = rec_take(r, 8);
	uint64_t		 u = 0;
	int			 i;

	if (p == NULL)
		return 0;
	for (i = 0; i < 8; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

/* Reads length-prefixed bytes; *p points into the record. */
size_t
rec_get_bytes(struct rec *r, const unsigned char **p)
{
	const unsigned char	*h = rec_take(r, 4);
	size_t			 n;

	*p = NULL;
	if (h == NULL)
		return 0;
	n = ((size_t)h[0] << 24) | ((size_t)h[1] << 16) | ((size_t)h[2] << 8) |
	    h[3];
	if ((*p = rec_take(r, n)) == NULL)
		return 0;
	return n;
}

/* Reads a string of at most max bytes without NULs; returns a copy. */
char *
rec_get_str(struct rec *r, size_t max)
{
	const unsigned char	*p;
	size_t			 n = rec_get_bytes(r, &p);

	if (p == NULL || n > max || memchr(p, '\0', n) != NULL) {
		r->bad = 1;
		return xstrdup("");
	}
	return xstrndup((const char *)p, n);
}

/* Returns 1 if every read so far succeeded and bytes remain unread: a
 * row written with fields its layout gained later. */
int
rec_more(const struct rec *r)
{
	return !r->bad && r->off < r->len;
}

/* Returns 0 if every read succeeded and nothing is left over. */
int
rec_done(struct rec *r)
{
	return r->bad || r->off != r->len ? -1 : 0;
}
