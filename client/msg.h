/* Case messages, sealed and opened on the client's side (sealed.h). */
#ifndef ECOCTL_MSG_H
#define ECOCTL_MSG_H

#include <stddef.h>
#include <stdint.h>

/* A worker's code in guarded memory, and what goes on the wire for it:
 * the lookup token, or a version 1 code itself (code.h). */
struct wcode {
	int		 version;	/* CODE_V1 or CODE_V2 */
	unsigned char	*raw;		/* CODE_RANDOM_BYTES; holds the rest */
	char		*text;		/* as the person keeps it */
	char		*ref;		/* the lookup field */
};

int		 wcode_read(struct wcode *, const char *);
void		 wcode_new(struct wcode *);
void		 wcode_free(struct wcode *);
void		 wcode_keypair(const struct wcode *, unsigned char *,
		    unsigned char **);
int		 case_keypair(const char *, unsigned char *, unsigned char **);
unsigned char	*msg_seal(const unsigned char *, size_t, int64_t, int,
		    const unsigned char *, const unsigned char *,
		    const unsigned char *const *, int, size_t *);
unsigned char	*msg_open(const unsigned char *, size_t, int64_t,
		    const unsigned char *, const unsigned char *,
		    const unsigned char *, size_t *, int *, const char **);

#endif
