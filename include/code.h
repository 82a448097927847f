/*
 * Booking codes: 128 random bits and a 12-bit check, written as 28
 * Crockford base32 characters in seven groups of four, e.g.
 * 7K2M-Q9XD-4TNP-0WHA-JC3R-8FZB-V61E. Input ignores case and hyphens,
 * reads O as 0 and I, L as 1. A typo fails the check: "no such code".
 *
 * ecoctl makes the codes, and only their lookup token goes on the wire
 * (docs/CRYPTO.md, "Lookup tokens"). Codes that ecod made before (version
 * 1) have another check, so the client tells them apart by the code alone
 * and sends those as they are: the daemon had them already.
 */
#ifndef ECO_CODE_H
#define ECO_CODE_H

#include <stddef.h>

#define CODE_RANDOM_BYTES	16
#define CODE_CHARS		28
#define CODE_TEXT_LEN		(CODE_CHARS + CODE_CHARS / 4 - 1)
#define CODE_LOOKUP_BYTES	32

#define CODE_V1			1	/* made by ecod; sent as it is */
#define CODE_V2			2	/* made by ecoctl; never sent */

void	code_new(unsigned char *, char *);
void	code_format(const unsigned char *, int, char *);
int	code_parse(const char *, unsigned char *);
int	code_parse_len(const char *, size_t, unsigned char *);
void	code_lookup(const unsigned char *, unsigned char *);

#endif
