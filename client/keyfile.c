/*
 * Key files, text with one "field value" a line:
 *
 *	eco-key-v1
 *	name NAME
 *	public BASE64(Ed25519 public key)
 *	kdf argon2id13 OPSLIMIT MEMLIMIT BASE64(salt)
 *	secret BASE64(nonce || sealed seed)
 *
 * The seed is sealed under Argon2id(passphrase) at libsodium's MODERATE
 * limits; the daemon never sees a key file, a passphrase or a secret key.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyfile.h"
#include "xmalloc.h"

#define B64	sodium_base64_VARIANT_ORIGINAL

/* Returns 1 if name is 1 to KEY_NAME_MAX of [A-Za-z0-9._-]. */
int
key_name_valid(const char *name)
{
	size_t	 n = strlen(name);

	return n > 0 && n <= KEY_NAME_MAX && strspn(name,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* Returns the printable form of an Ed25519 public key (base64). */
char *
pubkey_encode(const unsigned char *pk)
{
	char	*out = xmalloc(sodium_base64_ENCODED_LEN(32, B64));

	sodium_bin2base64(out, sodium_base64_ENCODED_LEN(32, B64), pk, 32, B64);
	return out;
}

/* Decodes a printable public key into pk (32 bytes); 0 or -1. */
int
pubkey_decode(const char *s, unsigned char *pk)
{
	size_t	 len;

	if (sodium_base642bin(pk, 32, s, strlen(s), NULL, &len, NULL,
	    B64) != 0 || len != 32)
		return -1;
	return 0;
}

/* Derives the file key from pass under kf's KDF parameters. */
static int
keyfile_kdf(const struct keyfile *kf, const char *pass, unsigned char *key,
    char **cause)
{
	if (kf->opslimit > crypto_pwhash_OPSLIMIT_MAX ||
	    kf->memlimit > crypto_pwhash_MEMLIMIT_MAX ||
	    crypto_pwhash(key, crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
	    pass, strlen(pass), kf->salt, kf->opslimit, kf->memlimit,
	    crypto_pwhash_ALG_ARGON2ID13) != 0) {
		xasprintf(cause, "cannot derive the key file's key (out of "
		    "memory?)");
		return -1;
	}
	return 0;
}

/* Builds the associated data of the sealed seed: magic and public key. */
static void
keyfile_ad(const struct keyfile *kf, unsigned char *ad)
{
	memcpy(ad, KEYFILE_MAGIC, sizeof KEYFILE_MAGIC - 1);
	memcpy(ad + sizeof KEYFILE_MAGIC - 1, kf->pk, 32);
}

/*
 * Writes kf to path with its seed sealed under pass, mode 0600. With
 * replace, an existing file is replaced atomically; else it is refused.
 * kf->sk must hold the unlocked secret key.
 */
int
keyfile_write(const char *path, struct keyfile *kf, const char *pass,
    int replace, char **cause)
{
	unsigned char	*key, ad[sizeof KEYFILE_MAGIC - 1 + 32];
	char		 salt[64], pk[64], sealed[128], *tmp = NULL;
	FILE		*fp;
	int		 fd, rc = -1;

	randombytes_buf(kf->salt, sizeof kf->salt);
	kf->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
	kf->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
	if ((key = sodium_malloc(32)) == NULL)
		abort();
	if (keyfile_kdf(kf, pass, key, cause) != 0)
		goto out;
	keyfile_ad(kf, ad);
	randombytes_buf(kf->sealed, 24);
	/* The seed is the first half of libsodium's Ed25519 secret key. */
	crypto_aead_xchacha20poly1305_ietf_encrypt(kf->sealed + 24, NULL,
	    kf->sk, 32, ad, sizeof ad, NULL, kf->sealed, key);
	sodium_bin2base64(salt, sizeof salt, kf->salt, sizeof kf->salt, B64);
	sodium_bin2base64(pk, sizeof pk, kf->pk, 32, B64);
	sodium_bin2base64(sealed, sizeof sealed, kf->sealed, sizeof kf->sealed,
	    B64);
	if (replace)
		xasprintf(&tmp, "%s.new", path);
	fd = open(tmp != NULL ? tmp : path, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", tmp != NULL ? tmp : path,
		    errno == EEXIST ? "exists already; refusing to overwrite" :
		    strerror(errno));
		goto out;
	}
	fp = fdopen(fd, "w");
	fprintf(fp, "%s\nname %s\npublic %s\nkdf argon2id13 %llu %zu %s\n"
	    "secret %s\n", KEYFILE_MAGIC, kf->name, pk, kf->opslimit,
	    kf->memlimit, salt, sealed);
	if (fflush(fp) != 0 || fsync(fd) != 0 || fclose(fp) != 0) {
		xasprintf(cause, "%s: %s", tmp != NULL ? tmp : path,
		    strerror(errno));
		unlink(tmp != NULL ? tmp : path);
		goto out;
	}
	if (tmp != NULL && rename(tmp, path) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	sodium_free(key);
	return rc;
}

/*
 * Makes a new key pair named name, writes it to path (which must not
 * exist) sealed under pass, and returns its public key in pk.
 */
int
keyfile_create(const char *path, const char *name, const char *pass,
    unsigned char *pk, char **cause)
{
	struct keyfile	 kf;
	int		 rc;

	memset(&kf, 0, sizeof kf);
	snprintf(kf.name, sizeof kf.name, "%s", name);
	if ((kf.sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL)
		abort();
	crypto_sign_keypair(kf.pk, kf.sk);
	rc = keyfile_write(path, &kf, pass, 0, cause);
	memcpy(pk, kf.pk, 32);
	keyfile_clear(&kf);
	return rc;
}

/* Decodes base64 s into exactly len bytes of out. */
static int
b64_exact(const char *s, unsigned char *out, size_t len)
{
	size_t	 n;

	return sodium_base642bin(out, len, s, strlen(s), NULL, &n, NULL,
	    B64) == 0 && n == len ? 0 : -1;
}

/* Reads the public part of the key file at path into kf (still locked). */
int
keyfile_load(const char *path, struct keyfile *kf, char **cause)
{
	FILE	*fp;
	char	 line[512], a[128], b[128], c[128];
	int	 lineno = 0, have = 0;

	memset(kf, 0, sizeof *kf);
	if ((fp = fopen(path, "re")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, fp) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(line, KEYFILE_MAGIC) != 0)
				break;
			have |= 1;
		} else if (sscanf(line, "name %64s", kf->name) == 1 &&
		    key_name_valid(kf->name))
			have |= 2;
		else if (sscanf(line, "public %127s", a) == 1 &&
		    b64_exact(a, kf->pk, 32) == 0)
			have |= 4;
		else if (sscanf(line, "kdf argon2id13 %127s %127s %127s", a, b,
		    c) == 3 && b64_exact(c, kf->salt, 16) == 0) {
			kf->opslimit = strtoull(a, NULL, 10);
			kf->memlimit = (size_t)strtoull(b, NULL, 10);
			have |= 8;
		} else if (sscanf(line, "secret %127s", a) == 1 &&
		    b64_exact(a, kf->sealed, sizeof kf->sealed) == 0)
			have |= 16;
		else
			break;
	}
	fclose(fp);
	if (have != 31) {
		xasprintf(cause, "%s: not an ECO key file, or damaged", path);
		return -1;
	}
	return 0;
}

/* Opens kf's secret key with pass; a wrong passphrase is a clear error. */
int
keyfile_unlock(struct keyfile *kf, const char *pass, char **cause)
{
	unsigned char	*key, *seed, ad[sizeof KEYFILE_MAGIC - 1 + 32];
	unsigned char	 pk[32];
	int		 rc = -1;

	if ((key = sodium_malloc(32)) == NULL ||
	    (seed = sodium_malloc(32)) == NULL)
		abort();
	if (keyfile_kdf(kf, pass, key, cause) != 0)
		goto out;
	keyfile_ad(kf, ad);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(seed, NULL, NULL,
	    kf->sealed + 24, sizeof kf->sealed - 24, ad, sizeof ad, kf->sealed,
	    key) != 0) {
		xasprintf(cause, "wrong passphrase for the key file");
		goto out;
	}
	if (kf->sk == NULL && (kf->sk = sodium_malloc(
	    crypto_sign_SECRETKEYBYTES)) == NULL)
		abort();
	crypto_sign_seed_keypair(pk, kf->sk, seed);
	if (sodium_memcmp(pk, kf->pk, 32) != 0) {
		xasprintf(cause, "the key file's public and secret keys do not "
		    "match");
		goto out;
	}
	rc = 0;
out:
	sodium_free(seed);
	sodium_free(key);
	return rc;
}

/* Wipes the secret key, if unlocked. */
void
keyfile_clear(struct keyfile *kf)
{
	if (kf->sk != NULL)
		sodium_free(kf->sk);
	kf->sk = NULL;
}
