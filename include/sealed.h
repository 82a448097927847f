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

/*
 * Login: the daemon sends LOGIN_CHALLENGE_BYTES of fresh randomness; the
 * client signs LOGIN_CONTEXT, a NUL, the challenge and the name with its
 * Ed25519 key (crypto_sign_detached).
 */
#define LOGIN_CONTEXT		"ECO-LOGIN-v1"
#define LOGIN_CHALLENGE_BYTES	32

/*
 * A key file (ecoctl keygen): one 32-byte seed gives the Ed25519 signing
 * key and, converted, the X25519 key that sealed messages are opened with.
 * The seed is sealed with XChaCha20-Poly1305 under Argon2id(passphrase),
 * associated data KEYFILE_MAGIC and the Ed25519 public key.
 */
#define KEYFILE_MAGIC		"eco-key-v1"
#define KEY_NAME_MAX		64

#endif
