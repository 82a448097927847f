/* Booking codes (see code.h): random, readable aloud, typo-checked. */
#include <sodium.h>
#include <string.h>

#include "code.h"
#include "sealed.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/*
 * The 12-bit check of the random part: the first bits of its BLAKE2b,
 * unkeyed for a version 1 code, keyed with CODE_CHECK_CONTEXT for version
 * 2, so that the check itself says which one a code is.
 */
static unsigned int
code_check(const unsigned char *raw, int version)
{
	unsigned char	 h[crypto_generichash_BYTES_MIN];

	if (version == CODE_V1)
		crypto_generichash(h, sizeof h, raw, CODE_RANDOM_BYTES, NULL,
		    0);
	else
		crypto_generichash(h, sizeof h, raw, CODE_RANDOM_BYTES,
		    (const unsigned char *)CODE_CHECK_CONTEXT,
		    sizeof CODE_CHECK_CONTEXT - 1);
	return ((unsigned int)h[0] << 4) | (h[1] >> 4);
}

/* Returns bit i (from the most significant) of raw || check. */
static unsigned int
code_bit(const unsigned char *raw, unsigned int check, int i)
{
	if (i < CODE_RANDOM_BYTES * 8)
		return (raw[i / 8] >> (7 - i % 8)) & 1;
	return (check >> (11 - (i - CODE_RANDOM_BYTES * 8))) & 1;
}

/* Writes the text form of raw, a code of version, into text
 * (CODE_TEXT_LEN + 1). */
void
code_format(const unsigned char *raw, int version, char *text)
{
	unsigned int	 check = code_check(raw, version), v;
	int		 c, b, n = 0;

	for (c = 0; c < CODE_CHARS; c++) {
		if (c > 0 && c % 4 == 0)
			text[n++] = '-';
		for (v = 0, b = 0; b < 5; b++)
			v = (v << 1) | code_bit(raw, check, c * 5 + b);
		text[n++] = crockford[v];
	}
	text[n] = '\0';
}

/*
 * Makes a new code (version 2): raw random bytes and their text form. One
 * whose two checks agree would read as version 1, so it is drawn again
 * (1 in 4096).
 */
void
code_new(unsigned char *raw, char *text)
{
	do
		randombytes_buf(raw, CODE_RANDOM_BYTES);
	while (code_check(raw, CODE_V1) == code_check(raw, CODE_V2));
	code_format(raw, CODE_V2, text);
}

/*
 * The lookup token of a code's raw bytes into lookup (CODE_LOOKUP_BYTES):
 * BLAKE2b-256 keyed with them over CASE_LOOKUP_CONTEXT. The case key is
 * made from the same bytes under another context (client/msg.c), so the
 * token, all the daemon sees, says nothing of the key.
 */
void
code_lookup(const unsigned char *raw, unsigned char *lookup)
{
	crypto_generichash(lookup, CODE_LOOKUP_BYTES,
	    (const unsigned char *)CASE_LOOKUP_CONTEXT,
	    sizeof CASE_LOOKUP_CONTEXT - 1, raw, CODE_RANDOM_BYTES);
}

/* Returns the 5-bit value of a code character, or -1. */
static int
code_value(char ch)
{
	const char	*p;

	if (ch >= 'a' && ch <= 'z')
		ch = (char)(ch - 'a' + 'A');
	if (ch == 'O')
		ch = '0';
	else if (ch == 'I' || ch == 'L')
		ch = '1';
	if (ch == '\0' || (p = strchr(crockford, ch)) == NULL)
		return -1;
	return (int)(p - crockford);
}

/*
 * Reads a code as a person may type it, len bytes at text (no NUL needed),
 * into raw. Returns its version, or -1 if it has a wrong length, a
 * character that is not in the alphabet, or fails both checks. A code
 * that passes both is version 1: code_new never makes one.
 */
int
code_parse_len(const char *text, size_t len, unsigned char *raw)
{
	unsigned int	 check = 0;
	int		 nbits = 0, v, b;
	size_t		 i;

	memset(raw, 0, CODE_RANDOM_BYTES);
	for (i = 0; i < len; i++) {
		if (text[i] == '-' || text[i] == ' ')
			continue;
		if ((v = code_value(text[i])) < 0 || nbits == CODE_CHARS * 5)
			goto bad;
		for (b = 4; b >= 0; b--, nbits++) {
			if (nbits < CODE_RANDOM_BYTES * 8)
				raw[nbits / 8] |= ((v >> b) & 1) <<
				    (7 - nbits % 8);
			else
				check = (check << 1) | ((v >> b) & 1);
		}
	}
	if (nbits != CODE_CHARS * 5)
		goto bad;
	if (check == code_check(raw, CODE_V1))
		return CODE_V1;
	if (check == code_check(raw, CODE_V2))
		return CODE_V2;
bad:
	sodium_memzero(raw, CODE_RANDOM_BYTES);
	return -1;
}

/* Reads a code from the string text into raw; as code_parse_len. */
int
code_parse(const char *text, unsigned char *raw)
{
	return code_parse_len(text, strlen(text), raw);
}
