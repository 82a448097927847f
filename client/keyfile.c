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
#include "i18n.h"
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
		xasprintf(cause, _("cannot derive the key file's key (out of "
		    "memory?)"));
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

/* Reads a decimal number of at most 20 digits in [min, max]; 0 or -1. */
static int
keyfile_number(const char *s, unsigned long long min, unsigned long long max,
    unsigned long long *v)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > 20 || strspn(s, "0123456789") != n)
		return -1;
	errno = 0;
	*v = strtoull(s, NULL, 10);
	if (errno != 0 || *v < min || *v > max)
		return -1;
	return 0;
}

/*
 * Reads one line (NUL-terminated, without its line end) of a key file into
 * kf. Returns the bit of the field it sets, or -1 if it is not one.
 */
static int
keyfile_field(char *line, struct keyfile *kf)
{
	char			*v, *f[5], *last;
	unsigned long long	 ops, mem;
	int			 n;

	if ((v = strchr(line, ' ')) == NULL)
		return -1;
	*v++ = '\0';
	if (strcmp(line, "name") == 0) {
		if (!key_name_valid(v))
			return -1;
		memcpy(kf->name, v, strlen(v) + 1);
		return 2;
	}
	if (strcmp(line, "public") == 0)
		return b64_exact(v, kf->pk, sizeof kf->pk) == 0 ? 4 : -1;
	if (strcmp(line, "secret") == 0)
		return b64_exact(v, kf->sealed, sizeof kf->sealed) == 0 ? 16 : -1;
	if (strcmp(line, "kdf") != 0)
		return -1;
	for (n = 0, v = strtok_r(v, " ", &last); v != NULL && n < 5;
	    v = strtok_r(NULL, " ", &last))
		f[n++] = v;
	if (n != 4 || strcmp(f[0], "argon2id13") != 0 ||
	    keyfile_number(f[1], crypto_pwhash_OPSLIMIT_MIN,
	    KEYFILE_OPSLIMIT_MAX, &ops) != 0 ||
	    keyfile_number(f[2], crypto_pwhash_MEMLIMIT_MIN,
	    KEYFILE_MEMLIMIT_MAX, &mem) != 0 ||
	    b64_exact(f[3], kf->salt, sizeof kf->salt) != 0)
		return -1;
	kf->opslimit = ops;
	kf->memlimit = (size_t)mem;
	return 8;
}

/*
 * Parses the text of a key file, len bytes at buf (no NUL needed), into kf
 * (still locked): the magic line, then each field once, in any order, one
 * a line, and nothing else but blank lines. The KDF limits must lie between libsodium's
 * minimum and KEYFILE_*LIMIT_MAX, so that a planted file cannot make the
 * client spin or allocate without bound. Returns 0 or -1.
 */
int
keyfile_parse(const char *buf, size_t len, struct keyfile *kf)
{
	char		 line[KEYFILE_LINE_MAX + 1];
	const char	*p = buf, *end = buf + len, *nl;
	size_t		 n;
	int		 bit, have = 0, lineno = 0;

	memset(kf, 0, sizeof *kf);
	if (memchr(buf, '\0', len) != NULL)
		return -1;
	while (p < end) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > KEYFILE_LINE_MAX)
			goto bad;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl == end ? end : nl + 1;
		if (lineno++ == 0) {
			if (strcmp(line, KEYFILE_MAGIC) != 0)
				goto bad;
			have = 1;
			continue;
		}
		if (n == 0)
			continue;	/* a blank line an editor left */
		if ((bit = keyfile_field(line, kf)) == -1 || (have & bit))
			goto bad;
		have |= bit;
	}
	if (have != 31)
		goto bad;
	return 0;
bad:
	memset(kf, 0, sizeof *kf);
	return -1;
}

/* Reads the public part of the key file at path into kf (still locked). */
int
keyfile_load(const char *path, struct keyfile *kf, char **cause)
{
	FILE	*fp;
	char	 buf[KEYFILE_MAX + 1];
	size_t	 len;
	int	 err;

	memset(kf, 0, sizeof *kf);
	if ((fp = fopen(path, "re")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof buf, fp);
	err = ferror(fp);
	fclose(fp);
	if (err) {
		xasprintf(cause, _("%s: read error"), path);
		return -1;
	}
	if (len > KEYFILE_MAX || keyfile_parse(buf, len, kf) != 0) {
		xasprintf(cause, _("%s: not an ECO key file, or damaged"), path);
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
		xasprintf(cause, _("wrong passphrase for the key file"));
		goto out;
	}
	if (kf->sk == NULL && (kf->sk = sodium_malloc(
	    crypto_sign_SECRETKEYBYTES)) == NULL)
		abort();
	crypto_sign_seed_keypair(pk, kf->sk, seed);
	if (sodium_memcmp(pk, kf->pk, 32) != 0) {
		xasprintf(cause, _("the key file's public and secret keys do not "
		    "match"));
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
