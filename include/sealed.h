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

/*
 * A sealed note, made and opened only by ecoctl (docs/CRYPTO.md):
 *
 *	header	"ECN1", booking (8, big-endian), amended note (8, or 0),
 *		author's Ed25519 key (32), recipient count (1), then per
 *		recipient: Ed25519 key (32) and crypto_box_seal of the note
 *		key to its X25519 form (NOTE_WRAP_BYTES)
 *	nonce	24 bytes
 *	body	XChaCha20-Poly1305 under the note key of signature (64) ||
 *		text, the whole header as associated data
 *
 * The signature is the author's over NOTE_SIGN_CONTEXT, a NUL, booking and
 * amended note (8 bytes each) and the text.
 */
#define NOTE_MAGIC		"ECN1"
#define NOTE_SIGN_CONTEXT	"ECO-NOTE-v1"
#define NOTE_HDR_FIXED		53
#define NOTE_WRAP_BYTES		80	/* crypto_box_SEALBYTES + 32 */
#define NOTE_RCPT_BYTES		(32 + NOTE_WRAP_BYTES)
#define NOTE_MAX_RCPT		4
#define NOTE_OVERHEAD_MAX	(NOTE_HDR_FIXED + \
				    NOTE_MAX_RCPT * NOTE_RCPT_BYTES + 24 + 64 + 16)

/*
 * A case message (docs/CRYPTO.md), made and opened only by ecoctl:
 *
 *	header	"ECM1", case (8, big-endian), sender kind (1: MSG_FROM_*),
 *		sender key (32: the counsellor's Ed25519 key; the case's
 *		X25519 key for the worker; zeros for the service), recipient
 *		count (1), then per recipient: X25519 key (32) and
 *		crypto_box_seal of the message key (MSG_WRAP_BYTES)
 *	nonce	24 bytes
 *	body	XChaCha20-Poly1305 under the message key of signature (64;
 *		zeros unless a counsellor wrote it) || text, the whole header
 *		as associated data
 *
 * A counsellor signs MSG_SIGN_CONTEXT, a NUL, the case (8 bytes), the
 * sender kind (1) and the text. The worker's case key pair is
 * crypto_box_seed_keypair of BLAKE2b-256, keyed with the code's 16 random
 * bytes, of CASE_KEY_CONTEXT; the lookup token, which the client sends
 * instead of the code, is the same of CASE_LOOKUP_CONTEXT. A version 2
 * code's check is the first 12 bits of BLAKE2b-128 of its random bytes
 * keyed with CODE_CHECK_CONTEXT (version 1: unkeyed).
 */
#define MSG_MAGIC		"ECM1"
#define MSG_SIGN_CONTEXT	"ECO-MSG-v1"
#define CASE_KEY_CONTEXT	"ECO-CASE-KEY-v1"
#define CASE_LOOKUP_CONTEXT	"ECO-CASE-LOOKUP-v1"
#define CODE_CHECK_CONTEXT	"ECO-CODE-CHECK-v2"
#define MSG_FROM_WORKER		1
#define MSG_FROM_COUNSELLOR	2
#define MSG_FROM_SERVICE	3
#define MSG_HDR_FIXED		46
#define MSG_WRAP_BYTES		80	/* crypto_box_SEALBYTES + 32 */
#define MSG_RCPT_BYTES		(32 + MSG_WRAP_BYTES)
#define MSG_MAX_RCPT		8
#define MSG_OVERHEAD_MAX	(MSG_HDR_FIXED + \
				    MSG_MAX_RCPT * MSG_RCPT_BYTES + 24 + 64 + 16)

#endif
