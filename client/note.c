/*
 * Session notes, sealed on the author's side (format in sealed.h): the
 * text is signed by the author, sealed under a fresh note key, and that
 * key wrapped to each recipient with crypto_box_seal.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "i18n.h"
#include "notehdr.h"
#include "xmalloc.h"

/* Builds the message the author signs. */
static unsigned char *
note_signed_msg(const unsigned char *text, size_t len, int64_t booking,
    int64_t amends, size_t *msglen)
{
	unsigned char	*m;

	*msglen = sizeof NOTE_SIGN_CONTEXT + 16 + len;
	m = xmalloc(*msglen);
	memcpy(m, NOTE_SIGN_CONTEXT, sizeof NOTE_SIGN_CONTEXT);
	note_put_u64(m + sizeof NOTE_SIGN_CONTEXT, (uint64_t)booking);
	note_put_u64(m + sizeof NOTE_SIGN_CONTEXT + 8, (uint64_t)amends);
	if (len > 0)
		memcpy(m + sizeof NOTE_SIGN_CONTEXT + 16, text, len);
	return m;
}

/*
 * Seals text (len bytes, any content) for booking, amending note amends
 * (0 for none), signed with the author's Ed25519 secret key sk, to nrcpt
 * recipients' Ed25519 public keys (the author's first). Returns the
 * sealed note, its size in *outlen; NULL if a key is unusable.
 */
unsigned char *
note_seal(const unsigned char *text, size_t len, int64_t booking,
    int64_t amends, const unsigned char *sk,
    const unsigned char *const *rcpt, int nrcpt, size_t *outlen)
{
	unsigned char	*out, *p, *key, *inner, *msg, xpk[32];
	size_t		 hdrlen, msglen;
	int		 i;

	if (nrcpt < 1 || nrcpt > NOTE_MAX_RCPT)
		return NULL;
	hdrlen = NOTE_HDR_FIXED + (size_t)nrcpt * NOTE_RCPT_BYTES;
	*outlen = hdrlen + 24 + 64 + len + 16;
	out = xcalloc(1, *outlen);
	if ((key = sodium_malloc(32)) == NULL)
		abort();
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	memcpy(out, NOTE_MAGIC, 4);
	note_put_u64(out + 4, (uint64_t)booking);
	note_put_u64(out + 12, (uint64_t)amends);
	memcpy(out + 20, sk + 32, 32);		/* the public half */
	out[52] = (unsigned char)nrcpt;
	for (i = 0; i < nrcpt; i++) {
		p = out + NOTE_HDR_FIXED + (size_t)i * NOTE_RCPT_BYTES;
		memcpy(p, rcpt[i], 32);
		if (crypto_sign_ed25519_pk_to_curve25519(xpk, rcpt[i]) != 0) {
			sodium_free(key);
			free(out);
			return NULL;
		}
		crypto_box_seal(p + 32, key, 32, xpk);
	}
	/* inner = signature || text, in guarded memory: it is plaintext. */
	if ((inner = sodium_malloc(64 + len)) == NULL)
		abort();
	msg = note_signed_msg(text, len, booking, amends, &msglen);
	crypto_sign_detached(inner, NULL, msg, msglen, sk);
	sodium_memzero(msg, msglen);
	free(msg);
	if (len > 0)
		memcpy(inner + 64, text, len);
	randombytes_buf(out + hdrlen, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + hdrlen + 24, NULL,
	    inner, 64 + len, out, hdrlen, NULL, out + hdrlen, key);
	sodium_free(inner);
	sodium_free(key);
	return out;
}

/*
 * Opens a sealed note as the recipient with Ed25519 key pair (pk, sk),
 * checking the signature against author, the author's enrolled key.
 * Returns the text (allocated; *len bytes) or NULL with *why.
 */
unsigned char *
note_open(const unsigned char *note, size_t notelen, const unsigned char *pk,
    const unsigned char *sk, const unsigned char *author, size_t *len,
    const char **why)
{
	struct note_hdr		 h;
	const unsigned char	*wrap;
	unsigned char		*key, *inner, *text = NULL, *msg, xpk[32];
	unsigned char		*xsk;
	size_t			 innerlen, msglen;

	if (note_hdr_parse(note, notelen, &h) != 0) {
		*why = _("not a sealed note");
		return NULL;
	}
	if (sodium_memcmp(h.author, author, 32) != 0) {
		*why = _("the note does not name its author's enrolled key");
		return NULL;
	}
	if ((wrap = note_hdr_wrap_for(&h, pk)) == NULL) {
		*why = _("the note is not sealed to this key");
		return NULL;
	}
	if ((key = sodium_malloc(32)) == NULL ||
	    (xsk = sodium_malloc(32)) == NULL)
		abort();
	innerlen = notelen - h.hdrlen - 24 - 16;
	if ((inner = sodium_malloc(innerlen)) == NULL)
		abort();
	crypto_sign_ed25519_sk_to_curve25519(xsk, sk);
	*why = _("the note key does not open with this key");
	if (crypto_sign_ed25519_pk_to_curve25519(xpk, pk) != 0 ||
	    crypto_box_seal_open(key, wrap, NOTE_WRAP_BYTES, xpk, xsk) != 0)
		goto out;
	*why = _("the note was altered (authentication failed)");
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(inner, NULL, NULL,
	    note + h.hdrlen + 24, notelen - h.hdrlen - 24, note, h.hdrlen,
	    note + h.hdrlen, key) != 0)
		goto out;
	*len = innerlen - 64;
	msg = note_signed_msg(inner + 64, *len, h.booking, h.amends, &msglen);
	if (crypto_sign_verify_detached(inner, msg, msglen, author) != 0) {
		*why = _("the author's signature does not verify");
		sodium_memzero(msg, msglen);
		free(msg);
		goto out;
	}
	sodium_memzero(msg, msglen);
	free(msg);
	text = xmalloc(*len + 1);
	memcpy(text, inner + 64, *len);
out:
	sodium_free(inner);
	sodium_free(xsk);
	sodium_free(key);
	return text;
}
