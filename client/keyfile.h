/* Key files: a named Ed25519/X25519 key pair, the secret sealed under a
 * passphrase. See docs/CRYPTO.md. */
#ifndef ECOCTL_KEYFILE_H
#define ECOCTL_KEYFILE_H

#include <stddef.h>

#include "sealed.h"

/* A key file is a few short lines; more is not one. */
#define KEYFILE_MAX		4096
#define KEYFILE_LINE_MAX	511

/* The most Argon2id work a key file may ask for: libsodium's SENSITIVE. */
#define KEYFILE_OPSLIMIT_MAX	4ULL
#define KEYFILE_MEMLIMIT_MAX	(1024ULL * 1024 * 1024)

struct keyfile {
	char		 name[KEY_NAME_MAX + 1];
	unsigned char	 pk[32];		/* Ed25519 public */
	unsigned char	 salt[16];
	unsigned long long opslimit;
	size_t		 memlimit;
	unsigned char	 sealed[24 + 32 + 16];	/* nonce, seed, tag */
	unsigned char	*sk;			/* Ed25519 secret, once unlocked */
};

int	 keyfile_create(const char *, const char *, const char *,
	    unsigned char *, char **);
int	 keyfile_parse(const char *, size_t, struct keyfile *);
int	 keyfile_load(const char *, struct keyfile *, char **);
int	 keyfile_unlock(struct keyfile *, const char *, char **);
int	 keyfile_write(const char *, struct keyfile *, const char *, int,
	    char **);
void	 keyfile_clear(struct keyfile *);
char	*pubkey_encode(const unsigned char *);
int	 pubkey_decode(const char *, unsigned char *);
int	 key_name_valid(const char *);

#endif
