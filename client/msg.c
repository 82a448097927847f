/*
 * Case messages, sealed on the writer's side (format in sealed.h): the
 * text, signed when a counsellor writes it, is sealed under a fresh
 * message key, and that key wrapped to each recipient's X25519 key with
 * crypto_box_seal. The worker's pair comes from the code alone.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "i18n.h"
#include "msg.h"
#include "msghdr.h"
#include "notehdr.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define WCODE_REF	sodium_base64_ENCODED_LEN(CODE_LOOKUP_BYTES, B64)
#define WCODE_SIZE	(CODE_RANDOM_BYTES + CODE_TEXT_LEN + 1 + WCODE_REF)

/* Fills the text and the wire form of w's raw bytes. */
static void
wcode_fill(struct wcode *w)
{
	unsigned char	 lookup[CODE_LOOKUP_BYTES];

	w->text = (char *)w->raw + CODE_RANDOM_BYTES;
	w->ref = w->text + CODE_TEXT_LEN + 1;
	code_format(w->raw, w->version, w->text);
	if (w->version == CODE_V1) {	/* ecod made it: it knows it */
		memcpy(w->ref, w->text, CODE_TEXT_LEN + 1);
		return;
	}
	code_lookup(w->raw, lookup);
	sodium_bin2base64(w->ref, WCODE_REF, lookup, sizeof lookup, B64);
	sodium_memzero(lookup, sizeof lookup);
}

static void
wcode_alloc(struct wcode *w)
{
	if ((w->raw = sodium_malloc(WCODE_SIZE)) == NULL)
		abort();
}

/* Reads the code a person typed into w (wcode_free it); -1: not a code. */
int
wcode_read(struct wcode *w, const char *typed)
{
	wcode_alloc(w);
	if ((w->version = code_parse(typed, w->raw)) < 0) {
		sodium_free(w->raw);
		memset(w, 0, sizeof *w);
		return -1;
	}
	wcode_fill(w);
	return 0;
}

/* Makes a new code into w (wcode_free it). */
void
wcode_new(struct wcode *w)
{
	char	 text[CODE_TEXT_LEN + 1];

	wcode_alloc(w);
	code_new(w->raw, text);
	sodium_memzero(text, sizeof text);
	w->version = CODE_V2;
	wcode_fill(w);
}

/* Wipes and frees w; a zeroed w is nothing to free. */
void
wcode_free(struct wcode *w)
{
	if (w->raw != NULL)
		sodium_free(w->raw);
	memset(w, 0, sizeof *w);
}

/*
 * The case's key pair from a code: pk (32 bytes) and *sk, 32 bytes in
 * guarded memory for the caller to sodium_free. The seed is BLAKE2b-256
 * keyed with the code's 16 random bytes over CASE_KEY_CONTEXT; the lookup
 * token, what the daemon gets, is the same over CASE_LOOKUP_CONTEXT, so
 * neither tells anything of the other.
 */
void
wcode_keypair(const struct wcode *w, unsigned char *pk, unsigned char **sk)
{
	unsigned char	*seed;

	if ((seed = sodium_malloc(32)) == NULL ||
	    (*sk = sodium_malloc(crypto_box_SECRETKEYBYTES)) == NULL)
		abort();
	crypto_generichash(seed, 32, (const unsigned char *)CASE_KEY_CONTEXT,
	    sizeof CASE_KEY_CONTEXT - 1, w->raw, CODE_RANDOM_BYTES);
	crypto_box_seed_keypair(pk, *sk, seed);
	sodium_free(seed);
}

/* The key pair of the code typed; as wcode_keypair. -1: not a code. */
int
case_keypair(const char *typed, unsigned char *pk, unsigned char **sk)
{
	struct wcode	 w;

	*sk = NULL;
	if (wcode_read(&w, typed) != 0)
		return -1;
	wcode_keypair(&w, pk, sk);
	wcode_free(&w);
	return 0;
}

/* The bytes a counsellor signs (allocated, *len). */
static unsigned char *
msg_signed(const unsigned char *text, size_t len, int64_t case_id, int from,
    size_t *mlen)
{
	unsigned char	*m;

	*mlen = sizeof MSG_SIGN_CONTEXT + 9 + len;
	m = xmalloc(*mlen);
	memcpy(m, MSG_SIGN_CONTEXT, sizeof MSG_SIGN_CONTEXT);
	note_put_u64(m + sizeof MSG_SIGN_CONTEXT, (uint64_t)case_id);
	m[sizeof MSG_SIGN_CONTEXT + 8] = (unsigned char)from;
	if (len > 0)
		memcpy(m + sizeof MSG_SIGN_CONTEXT + 9, text, len);
	return m;
}

/*
 * Seals text (len bytes) in case case_id from a sender of kind from whose
 * key is sender (32 bytes: Ed25519 for a counsellor, who signs with sk;
 * the case's X25519 key for the worker; NULL for the service), to nrcpt
 * X25519 keys. Returns the message, its size in *outlen.
 */
unsigned char *
msg_seal(const unsigned char *text, size_t len, int64_t case_id, int from,
    const unsigned char *sender, const unsigned char *sk,
    const unsigned char *const *rcpt, int nrcpt, size_t *outlen)
{
	unsigned char	*out, *p, *key, *inner, *m;
	size_t		 hdrlen, mlen;
	int		 i;

	if (nrcpt < 1 || nrcpt > MSG_MAX_RCPT)
		return NULL;
	hdrlen = MSG_HDR_FIXED + (size_t)nrcpt * MSG_RCPT_BYTES;
	*outlen = hdrlen + 24 + 64 + len + 16;
	out = xcalloc(1, *outlen);
	if ((key = sodium_malloc(32)) == NULL ||
	    (inner = sodium_malloc(64 + len)) == NULL)
		abort();
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	memcpy(out, MSG_MAGIC, 4);
	note_put_u64(out + 4, (uint64_t)case_id);
	out[12] = (unsigned char)from;
	if (sender != NULL)
		memcpy(out + 13, sender, 32);
	out[45] = (unsigned char)nrcpt;
	for (i = 0; i < nrcpt; i++) {
		p = out + MSG_HDR_FIXED + (size_t)i * MSG_RCPT_BYTES;
		memcpy(p, rcpt[i], 32);
		if (crypto_box_seal(p + 32, key, 32, rcpt[i]) != 0) {
			sodium_free(key);
			sodium_free(inner);
			free(out);
			return NULL;
		}
	}
	memset(inner, 0, 64);
	if (sk != NULL) {
		m = msg_signed(text, len, case_id, from, &mlen);
		crypto_sign_detached(inner, NULL, m, mlen, sk);
		sodium_memzero(m, mlen);
		free(m);
	}
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
 * Opens message blob of case case_id with the X25519 pair (xpk, xsk).
 * signer is the enrolled key of the counsellor the daemon says wrote it,
 * or NULL when it says no counsellor did: a counsellor's message must name
 * that key and carry its signature; any other must claim no counsellor.
 * Returns the text (allocated, *textlen bytes; the caller wipes it) and
 * the sender kind in *from, or NULL with *why.
 */
unsigned char *
msg_open(const unsigned char *blob, size_t len, int64_t case_id,
    const unsigned char *xpk, const unsigned char *xsk,
    const unsigned char *signer, size_t *textlen, int *from,
    const char **why)
{
	struct msg_hdr		 h;
	const unsigned char	*wrap;
	unsigned char		*key, *inner, *text, *m;
	size_t			 mlen, n;
	int			 bad;

	if (msg_hdr_parse(blob, len, &h) != 0 || h.case_id != case_id) {
		*why = _("not a message of this case");
		return NULL;
	}
	if ((h.from == MSG_FROM_COUNSELLOR) != (signer != NULL) ||
	    (signer != NULL && sodium_memcmp(h.sender, signer, 32) != 0)) {
		*why = _("its sender is not the one the daemon names");
		return NULL;
	}
	if ((wrap = msg_hdr_wrap_for(&h, xpk)) == NULL) {
		*why = _("not sealed to this key");
		return NULL;
	}
	if ((key = sodium_malloc(32)) == NULL)
		abort();
	if (crypto_box_seal_open(key, wrap, MSG_WRAP_BYTES, xpk, xsk) != 0) {
		sodium_free(key);
		*why = _("its key does not open");
		return NULL;
	}
	n = len - h.hdrlen - 24 - 16;
	if ((inner = sodium_malloc(n)) == NULL)
		abort();
	bad = crypto_aead_xchacha20poly1305_ietf_decrypt(inner, NULL, NULL,
	    blob + h.hdrlen + 24, len - h.hdrlen - 24, blob, h.hdrlen, blob +
	    h.hdrlen, key) != 0;
	sodium_free(key);
	if (bad) {
		sodium_free(inner);
		*why = _("it was altered");
		return NULL;
	}
	*textlen = n - 64;
	if (signer != NULL) {
		m = msg_signed(inner + 64, *textlen, case_id, h.from, &mlen);
		bad = crypto_sign_verify_detached(inner, m, mlen, signer) != 0;
		sodium_memzero(m, mlen);
		free(m);
		if (bad) {
			sodium_free(inner);
			*why = _("its signature does not verify");
			return NULL;
		}
	}
	text = xmalloc(*textlen + 1);
	memcpy(text, inner + 64, *textlen);
	text[*textlen] = '\0';
	sodium_free(inner);
	*from = h.from;
	return text;
}
