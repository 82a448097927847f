/* Sealing and opening session notes: on the counsellor's side only. */
#ifndef ECOCTL_NOTE_H
#define ECOCTL_NOTE_H

#include <stddef.h>
#include <stdint.h>

unsigned char	*note_seal(const unsigned char *, size_t, int64_t, int64_t,
		    const unsigned char *, const unsigned char *const *, int,
		    size_t *);
unsigned char	*note_open(const unsigned char *, size_t,
		    const unsigned char *, const unsigned char *,
		    const unsigned char *, size_t *, const char **);

#endif
