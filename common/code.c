/* Booking codes (see code.h): random, readable aloud, typo-checked. */
#include <sodium.h>
#include <string.h>

#include "code.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The 12-bit check of the random part: the first bits of its BLAKE2b. */
static unsigned int
code_check(const unsigned char *raw)
{
	unsigned char	 h[crypto_generichash_BYTES_MIN];

	crypto_generichash(h, sizeof h, raw, CODE_RANDOM_BYTES, NULL, 0);
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

/* Writes the text form of raw into text (CODE_TEXT_LEN + 1). */
void
code_format(const unsigned char *raw, char *text)
{
	unsigned int	 check = code_check(raw), v;
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

/* Makes a new code: raw random bytes and their text form. */
void
code_new(unsigned char *raw, char *text)
{
	randombytes_buf(raw, CODE_RANDOM_BYTES);
	code_format(raw, text);
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
 * into raw. Returns 0, or -1 if it has a wrong length, a character that is
 * not in the alphabet, or fails its check.
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
	if (nbits != CODE_CHARS * 5 || check != code_check(raw))
		goto bad;
	return 0;
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
