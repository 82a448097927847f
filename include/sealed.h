/*
 * Sealed formats. See docs/CRYPTO.md for the full description.
 */
#ifndef ECO_SEALED_H
#define ECO_SEALED_H

/* A sealed row: version, nonce, XChaCha20-Poly1305 ciphertext and tag. */
#define SEALED_ROW_VERSION	1
#define SEALED_ROW_NONCE	24
#define SEALED_ROW_TAG		16
#define SEALED_ROW_OVERHEAD	(1 + SEALED_ROW_NONCE + SEALED_ROW_TAG)

/* crypto_kdf contexts and subkey ids under the instance master key. */
#define KDF_CTX_ROWS		"ecorows_"
#define KDF_CTX_INDEX		"ecoindex"
#define KDF_ID_ROWS		1
#define KDF_ID_INDEX		1

#define MASTER_KEY_BYTES	32
#define BLIND_INDEX_BYTES	32

#endif
