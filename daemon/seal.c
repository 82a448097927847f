/*
 * The only code that seals and opens rows. A row is sealed with
 * XChaCha20-Poly1305 under a subkey of the master key; the associated data
 * binds it to its table and row id, so a row moved, swapped or altered
 * fails to open instead of being read.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "xmalloc.h"

_Static_assert(SEAL_INDEX_KEY_BYTES == crypto_generichash_KEYBYTES,
    "the index key is a BLAKE2b key");

struct seal {
	unsigned char	*row_key;	/* sodium_malloc'd */
	unsigned char	*index_key;	/* sodium_malloc'd */
};

/* Returns row and index subkeys derived from master (MASTER_KEY_BYTES). */
struct seal *
seal_create(const unsigned char *master)
{
	struct seal	*s;

	s = xcalloc(1, sizeof *s);
	s->row_key = sodium_malloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	s->index_key = sodium_malloc(crypto_generichash_KEYBYTES);
	if (s->row_key == NULL || s->index_key == NULL)
		abort();
	crypto_kdf_derive_from_key(s->row_key,
	    crypto_aead_xchacha20poly1305_ietf_KEYBYTES, KDF_ID_ROWS,
	    KDF_CTX_ROWS, master);
	crypto_kdf_derive_from_key(s->index_key, crypto_generichash_KEYBYTES,
	    KDF_ID_INDEX, KDF_CTX_INDEX, master);
	sodium_mprotect_readonly(s->row_key);
	sodium_mprotect_readonly(s->index_key);
	return s;
}

/*
 * Replaces the blind index key of s with key (SEAL_INDEX_KEY_BYTES), the
 * one kept in meta row META_INDEX_KEY once a rotation has happened: the
 * tags already stored were made with it and cannot be made again.
 */
void
seal_set_index_key(struct seal *s, const unsigned char *key)
{
	sodium_mprotect_readwrite(s->index_key);
	memcpy(s->index_key, key, SEAL_INDEX_KEY_BYTES);
	sodium_mprotect_readonly(s->index_key);
}

/* Returns the blind index key of s (SEAL_INDEX_KEY_BYTES, read-only). */
const unsigned char *
seal_index_key(const struct seal *s)
{
	return s->index_key;
}

/* Exchanges the keys of a and b, so that pointers to either stay valid. */
void
seal_swap(struct seal *a, struct seal *b)
{
	struct seal	 t = *a;

	*a = *b;
	*b = t;
}

/* Wipes and frees the subkeys; NULL is fine. */
void
seal_free(struct seal *s)
{
	if (s == NULL)
		return;
	sodium_free(s->row_key);	/* sodium_free wipes */
	sodium_free(s->index_key);
	free(s);
}

/*
 * Builds the associated data of a row: format version, table name, a NUL,
 * the row id as 8 bytes big-endian. Returns its length; ad holds 80 bytes.
 */
static size_t
seal_ad(unsigned char *ad, const char *table, int64_t id)
{
	size_t		 n = strlen(table), i;
	uint64_t	 u = (uint64_t)id;

	if (n > 64)
		abort();		/* table names are ours, and short */
	ad[0] = SEALED_ROW_VERSION;
	memcpy(ad + 1, table, n + 1);
	for (i = 0; i < 8; i++)
		ad[n + 2 + i] = (unsigned char)(u >> (56 - 8 * i));
	return n + 10;
}

/* Seals len bytes of pt as row id of table into out (len + overhead). */
void
seal_row(struct seal *s, const char *table, int64_t id, const void *pt,
    size_t len, unsigned char *out)
{
	unsigned char	 ad[80];
	size_t		 adlen = seal_ad(ad, table, id);

	out[0] = SEALED_ROW_VERSION;
	randombytes_buf(out + 1, SEALED_ROW_NONCE);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + 1 + SEALED_ROW_NONCE,
	    NULL, pt, len, ad, adlen, NULL, out + 1, s->row_key);
}

/*
 * Opens a sealed row of len bytes into out (len - overhead bytes). Returns
 * 0, or -1 when it is not a row id of table sealed under this key: altered,
 * truncated, moved, or another instance's.
 */
int
seal_open_row(struct seal *s, const char *table, int64_t id,
    const unsigned char *in, size_t len, unsigned char *out)
{
	unsigned char	 ad[80];
	size_t		 adlen = seal_ad(ad, table, id);

	if (len < SEALED_ROW_OVERHEAD || in[0] != SEALED_ROW_VERSION)
		return -1;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL,
	    in + 1 + SEALED_ROW_NONCE, len - 1 - SEALED_ROW_NONCE, ad, adlen,
	    in + 1, s->row_key);
}

/*
 * Computes the blind index of a secret value for lookups: keyed BLAKE2b
 * over the table name and the value, BLIND_INDEX_BYTES into out.
 */
void
seal_index(struct seal *s, const char *table, const void *val, size_t len,
    unsigned char *out)
{
	crypto_generichash_state	 st;

	crypto_generichash_init(&st, s->index_key, crypto_generichash_KEYBYTES,
	    BLIND_INDEX_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)table,
	    strlen(table) + 1);
	crypto_generichash_update(&st, val, len);
	crypto_generichash_final(&st, out, BLIND_INDEX_BYTES);
	sodium_memzero(&st, sizeof st);
}
