/* Reading the public header of a sealed note (format in sealed.h). */
#ifndef ECO_NOTEHDR_H
#define ECO_NOTEHDR_H

#include <stddef.h>
#include <stdint.h>

#include "sealed.h"

struct note_hdr {
	int64_t			 booking;
	int64_t			 amends;
	const unsigned char	*author;		/* 32 bytes */
	int			 nrcpt;
	const unsigned char	*rcpt[NOTE_MAX_RCPT];	/* key, then wrap */
	size_t			 hdrlen;		/* through recipients */
};

int	note_hdr_parse(const unsigned char *, size_t, struct note_hdr *);
const unsigned char *note_hdr_wrap_for(const struct note_hdr *,
	    const unsigned char *);
uint64_t note_get_u64(const unsigned char *);
void	note_put_u64(unsigned char *, uint64_t);

#endif
