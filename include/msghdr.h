/* Reading the public header of a sealed case message (sealed.h). */
#ifndef ECO_MSGHDR_H
#define ECO_MSGHDR_H

#include <stddef.h>
#include <stdint.h>

#include "sealed.h"

struct msg_hdr {
	int64_t			 case_id;
	int			 from;			/* MSG_FROM_* */
	const unsigned char	*sender;		/* 32 bytes */
	int			 nrcpt;
	const unsigned char	*rcpt[MSG_MAX_RCPT];	/* key, then wrap */
	size_t			 hdrlen;		/* through recipients */
	size_t			 textlen;
};

int	msg_hdr_parse(const unsigned char *, size_t, struct msg_hdr *);
const unsigned char *msg_hdr_wrap_for(const struct msg_hdr *,
	    const unsigned char *);

#endif
