/*
 * Signed tree heads as C2SP checkpoints in signed-note form, so standard
 * transparency-log tools can check them. Key ID: the first four bytes of
 * SHA-256(name || 0x0A || 0x01 || Ed25519 key); a signature line is
 * "\u2014 name base64(keyid || signature)", the signature over the body
 * with its final newline.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "merkle.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define EM_DASH		"\xe2\x80\x94"
#define ALG_ED25519	0x01

/* The key ID of (name, Ed25519 key pk). */
static void
key_id(const char *name, const unsigned char *pk, unsigned char *id)
{
	crypto_hash_sha256_state	 st;
	unsigned char			 h[32], nl = '\n', alg = ALG_ED25519;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)name,
	    strlen(name));
	crypto_hash_sha256_update(&st, &nl, 1);
	crypto_hash_sha256_update(&st, &alg, 1);
	crypto_hash_sha256_update(&st, pk, 32);
	crypto_hash_sha256_final(&st, h);
	memcpy(id, h, 4);
}

/* Returns the checkpoint body for a tree of size with root hash. */
char *
checkpoint_body(const char *origin, uint64_t size, const unsigned char *root)
{
	char	 b64[sodium_base64_ENCODED_LEN(MERKLE_HASH, B64)], *out;

	sodium_bin2base64(b64, sizeof b64, root, MERKLE_HASH, B64);
	xasprintf(&out, "%s\n%llu\n%s\n", origin, (unsigned long long)size,
	    b64);
	return out;
}

/* Returns body signed by key name (Ed25519 secret key sk) as a note. */
char *
signed_note_sign(const char *body, const char *name, const unsigned char *sk)
{
	unsigned char	 sig[4 + crypto_sign_BYTES];
	char		 b64[sodium_base64_ENCODED_LEN(sizeof sig, B64)], *out;

	key_id(name, sk + 32, sig);
	crypto_sign_detached(sig + 4, NULL, (const unsigned char *)body,
	    strlen(body), sk);
	sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, B64);
	xasprintf(&out, "%s\n" EM_DASH " %s %s\n", body, name, b64);
	return out;
}

/* Returns the verifier key of (name, pk). */
char *
vkey_format(const char *name, const unsigned char *pk)
{
	unsigned char	 id[4], raw[33];
	char		 b64[sodium_base64_ENCODED_LEN(33, B64)], *out;

	key_id(name, pk, id);
	raw[0] = ALG_ED25519;
	memcpy(raw + 1, pk, 32);
	sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, B64);
	xasprintf(&out, "%s+%02x%02x%02x%02x+%s", name, id[0], id[1], id[2],
	    id[3], b64);
	return out;
}

/* Parses a verifier key into its name (allocated) and Ed25519 key. */
int
vkey_parse(const char *vkey, char **name, unsigned char *pk)
{
	const char	*p1, *p2;
	unsigned char	 raw[33], id[4];
	char		 hex[9];
	size_t		 len;

	if ((p1 = strchr(vkey, '+')) == NULL || p1 == vkey ||
	    (p2 = strchr(p1 + 1, '+')) == NULL || p2 - p1 != 9)
		return -1;
	if (sodium_base642bin(raw, sizeof raw, p2 + 1, strlen(p2 + 1), NULL,
	    &len, NULL, B64) != 0 || len != 33 || raw[0] != ALG_ED25519)
		return -1;
	*name = xstrndup(vkey, (size_t)(p1 - vkey));
	memcpy(pk, raw + 1, 32);
	key_id(*name, pk, id);
	snprintf(hex, sizeof hex, "%02x%02x%02x%02x", id[0], id[1], id[2],
	    id[3]);
	if (memcmp(hex, p1 + 1, 8) != 0) {
		free(*name);
		return -1;
	}
	return 0;
}

/*
 * Verifies a signed note of len bytes against key (name, pk): the body is
 * everything up to the last blank line; one signature line must carry this
 * key's ID and a good signature. Returns 0 with the body in *body
 * (allocated), or -1 with *why.
 */
int
signed_note_verify(const char *note, size_t len, const char *name,
    const unsigned char *pk, char **body, const char **why)
{
	unsigned char	 id[4], sig[4 + crypto_sign_BYTES];
	const char	*sep = NULL, *p, *line, *end;
	char		 prefix[256];
	size_t		 blen, n, plen;

	*why = "not a signed note";
	if (len == 0 || len > CHECKPOINT_MAX || note[len - 1] != '\n' ||
	    memchr(note, '\0', len) != NULL)
		return -1;
	for (p = note; (p = memmem(p, len - (size_t)(p - note), "\n\n",
	    2)) != NULL; p++)
		sep = p;
	if (sep == NULL)
		return -1;
	blen = (size_t)(sep - note) + 1;	/* with its final newline */
	key_id(name, pk, id);
	snprintf(prefix, sizeof prefix, EM_DASH " %s ", name);
	plen = strlen(prefix);
	*why = "no signature by the audit key";
	/* Every line ends with '\n' (checked above): end is never NULL, and
	 * nothing is read past it. */
	for (line = sep + 2; line < note + len; line = end + 1) {
		end = memchr(line, '\n', len - (size_t)(line - note));
		if ((size_t)(end - line) < plen ||
		    memcmp(line, prefix, plen) != 0)
			continue;
		p = line + plen;
		if (sodium_base642bin(sig, sizeof sig, p, (size_t)(end - p),
		    NULL, &n, NULL, B64) != 0 || n != sizeof sig ||
		    memcmp(sig, id, 4) != 0)
			continue;
		if (crypto_sign_verify_detached(sig + 4,
		    (const unsigned char *)note, blen, pk) != 0) {
			*why = "the signature does not verify";
			return -1;
		}
		*body = xstrndup(note, blen);
		return 0;
	}
	return -1;
}

/*
 * Parses the decimal tree size in s[0..len): digits only, no leading zero
 * but for "0" itself, at most CHECKPOINT_SIZE_MAX. Returns 0 or -1.
 */
int
checkpoint_parse_size(const char *s, size_t len, uint64_t *size)
{
	uint64_t	 v = 0;
	size_t		 i;

	if (len == 0 || (len > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (CHECKPOINT_SIZE_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*size = v;
	return 0;
}

/*
 * Parses a checkpoint body: origin (allocated), tree size (checked against
 * CHECKPOINT_SIZE_MAX), root hash. Returns 0, or -1 with nothing set.
 */
int
checkpoint_parse(const char *body, char **origin, uint64_t *size,
    unsigned char *root)
{
	const char	*l2, *l3, *e3;
	size_t		 len;

	if ((l2 = strchr(body, '\n')) == NULL || l2 == body ||
	    (l3 = strchr(l2 + 1, '\n')) == NULL ||
	    (e3 = strchr(l3 + 1, '\n')) == NULL)
		return -1;
	if (checkpoint_parse_size(l2 + 1, (size_t)(l3 - l2 - 1), size) != 0)
		return -1;
	if (sodium_base642bin(root, MERKLE_HASH, l3 + 1, (size_t)(e3 - l3 - 1),
	    NULL, &len, NULL, B64) != 0 || len != MERKLE_HASH)
		return -1;
	*origin = xstrndup(body, (size_t)(l2 - body));
	return 0;
}
