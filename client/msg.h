/* Case messages, sealed and opened on the client's side (sealed.h). */
#ifndef ECOCTL_MSG_H
#define ECOCTL_MSG_H

#include <stddef.h>
#include <stdint.h>

int		 case_keypair(const char *, unsigned char *, unsigned char **);
unsigned char	*msg_seal(const unsigned char *, size_t, int64_t, int,
		    const unsigned char *, const unsigned char *,
		    const unsigned char *const *, int, size_t *);
unsigned char	*msg_open(const unsigned char *, size_t, int64_t,
		    const unsigned char *, const unsigned char *,
		    const unsigned char *, size_t *, int *, const char **);

#endif
