/*
 * The public header of a sealed note. The daemon reads it to check who
 * wrote a note, for which booking and to whom it is sealed; it has no code
 * that opens the body.
 */
#include <string.h>

#include "notehdr.h"

/* Reads 8 bytes big-endian. */
uint64_t
note_get_u64(const unsigned char *p)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Writes 8 bytes big-endian. */
void
note_put_u64(unsigned char *p, uint64_t v)
{
	int	 i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (56 - 8 * i));
}

/*
 * Parses the header of a sealed note of len bytes. Returns 0, or -1 when
 * it is not a note: wrong magic, no or too many recipients, ids out of
 * range, or too short to hold a nonce, signature and tag after the header.
 */
int
note_hdr_parse(const unsigned char *p, size_t len, struct note_hdr *h)
{
	uint64_t	 b, a;
	int		 i;

	memset(h, 0, sizeof *h);
	if (len < NOTE_HDR_FIXED || memcmp(p, NOTE_MAGIC, 4) != 0)
		return -1;
	b = note_get_u64(p + 4);
	a = note_get_u64(p + 12);
	if (b == 0 || b > INT64_MAX || a > INT64_MAX)
		return -1;
	h->booking = (int64_t)b;
	h->amends = (int64_t)a;
	h->author = p + 20;
	h->nrcpt = p[52];
	if (h->nrcpt < 1 || h->nrcpt > NOTE_MAX_RCPT)
		return -1;
	h->hdrlen = NOTE_HDR_FIXED + (size_t)h->nrcpt * NOTE_RCPT_BYTES;
	if (len < h->hdrlen + 24 + 64 + 16)
		return -1;
	for (i = 0; i < h->nrcpt; i++)
		h->rcpt[i] = p + NOTE_HDR_FIXED + (size_t)i * NOTE_RCPT_BYTES;
	return 0;
}

/* Returns the wrapped note key for recipient key pk, or NULL. */
const unsigned char *
note_hdr_wrap_for(const struct note_hdr *h, const unsigned char *pk)
{
	int	 i;

	for (i = 0; i < h->nrcpt; i++)
		if (memcmp(h->rcpt[i], pk, 32) == 0)
			return h->rcpt[i] + 32;
	return NULL;
}
