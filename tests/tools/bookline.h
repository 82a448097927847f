/* The BOOK-NEW line the load tools send (ecoload, ecobench). */
#ifndef ECO_BOOKLINE_H
#define ECO_BOOKLINE_H

#include <sodium.h>
#include <stdio.h>

/* A raw BOOK-NEW of slot into req: a new case with a random lookup token
 * and case key (what ecoctl sends; the daemon sees nothing else). */
static inline void
book_line(char *req, size_t len, long slot)
{
	unsigned char	 b[64];
	char		 tok[sodium_base64_ENCODED_LEN(32,
			    sodium_base64_VARIANT_ORIGINAL)];
	char		 key[sizeof tok];

	randombytes_buf(b, sizeof b);
	sodium_bin2base64(tok, sizeof tok, b, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(key, sizeof key, b + 32, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(req, len, "BOOK-NEW %ld %s %s\n", slot, tok, key);
}

#endif
