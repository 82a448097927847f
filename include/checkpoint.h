/*
 * Signed tree heads: C2SP tlog-checkpoint bodies ("origin\nsize\nroot\n")
 * in C2SP signed-note form with an Ed25519 signature line, and the
 * verifier key "name+keyid+base64(0x01 || key)".
 */
#ifndef ECO_CHECKPOINT_H
#define ECO_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#define CHECKPOINT_MAX	4096

/* The largest tree size a checkpoint may state: ids are signed 64-bit. */
#define CHECKPOINT_SIZE_MAX	((uint64_t)INT64_MAX)

char	*checkpoint_body(const char *, uint64_t, const unsigned char *);
char	*signed_note_sign(const char *, const char *, const unsigned char *);
char	*vkey_format(const char *, const unsigned char *);
int	 vkey_parse(const char *, char **, unsigned char *);
int	 signed_note_verify(const char *, size_t, const char *,
	    const unsigned char *, char **, const char **);
int	 checkpoint_parse(const char *, char **, uint64_t *, unsigned char *);
int	 checkpoint_parse_size(const char *, size_t, uint64_t *);

#endif
