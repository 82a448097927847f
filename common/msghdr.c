/*
 * The public header of a sealed case message. The daemon reads it to check
 * for which case, from whom and to whom a message is sealed; it has no code
 * that opens the body.
 */
#include <string.h>

#include "msghdr.h"
#include "notehdr.h"

/*
 * Parses the header of a sealed message of len bytes. Returns 0, or -1
 * when it is not one: wrong magic, an unknown sender kind, no or too many
 * recipients, a recipient twice, or too short for the nonce, signature and
 * tag after the header.
 */
int
msg_hdr_parse(const unsigned char *p, size_t len, struct msg_hdr *h)
{
	uint64_t	 c;
	int		 i, j;

	memset(h, 0, sizeof *h);
	if (len < MSG_HDR_FIXED || memcmp(p, MSG_MAGIC, 4) != 0)
		return -1;
	c = note_get_u64(p + 4);
	if (c == 0 || c > INT64_MAX)
		return -1;
	h->case_id = (int64_t)c;
	h->from = p[12];
	if (h->from < MSG_FROM_WORKER || h->from > MSG_FROM_SERVICE)
		return -1;
	h->sender = p + 13;
	h->nrcpt = p[45];
	if (h->nrcpt < 1 || h->nrcpt > MSG_MAX_RCPT)
		return -1;
	h->hdrlen = MSG_HDR_FIXED + (size_t)h->nrcpt * MSG_RCPT_BYTES;
	if (len < h->hdrlen + 24 + 64 + 16)
		return -1;
	h->textlen = len - h->hdrlen - 24 - 64 - 16;
	for (i = 0; i < h->nrcpt; i++) {
		h->rcpt[i] = p + MSG_HDR_FIXED + (size_t)i * MSG_RCPT_BYTES;
		for (j = 0; j < i; j++)
			if (memcmp(h->rcpt[i], h->rcpt[j], 32) == 0)
				return -1;
	}
	return 0;
}

/* Returns the wrapped message key for X25519 key pk, or NULL. */
const unsigned char *
msg_hdr_wrap_for(const struct msg_hdr *h, const unsigned char *pk)
{
	int	 i;

	for (i = 0; i < h->nrcpt; i++)
		if (memcmp(h->rcpt[i], pk, 32) == 0)
			return h->rcpt[i] + 32;
	return NULL;
}
