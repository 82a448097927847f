/* Unit tests of the key file parser and of passphrase lines: what the
 * keyfile and passphrase fuzz targets found or guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "keyfile.h"
#include "passphrase.h"

#define PK	"public iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=\n"
#define KDF	"kdf argon2id13 3 268435456 LbzNuDoVlwCCuEJ6Ei3CUA==\n"
#define SECRET	"secret IfFZxyiGbif5ToMvrTxCClm8i+XrkZrojvTbB5ZFmDMtftsRlmowQ+" \
		"XzxWUTsse4Snb5+Xu7yoHn9cP2yhuzyNfNrC35HIpi\n"

/* Parses the string s as a key file; returns keyfile_parse's answer. */
static int
parse(const char *s)
{
	struct keyfile	 kf;
	char		*buf;
	size_t		 len = strlen(s);
	int		 rc;

	buf = malloc(len + 1);		/* the parser gets no NUL */
	memcpy(buf, s, len);
	rc = keyfile_parse(buf, len, &kf);
	free(buf);
	return rc;
}

static void
test_keyfile_good(void **state)
{
	struct keyfile	 kf;
	const char	*s = "eco-key-v1\nname ana\n" PK KDF SECRET;

	assert_int_equal(keyfile_parse(s, strlen(s), &kf), 0);
	assert_string_equal(kf.name, "ana");
	assert_int_equal(kf.opslimit, 3);
	assert_int_equal(kf.memlimit, 268435456);
	assert_int_equal(parse("eco-key-v1\r\nname ana\r\n" PK KDF SECRET
	    "\n"), 0);
	assert_int_equal(parse("eco-key-v1\n" SECRET KDF PK "name ana"), 0);
}

static void
test_keyfile_refused(void **state)
{
	char	 line[700];

	/* KDF limits out of range: a planted file cannot make us spin */
	assert_int_equal(parse("eco-key-v1\nname ana\n" PK
	    "kdf argon2id13 4294967295 4398046511104 LbzNuDoVlwCCuEJ6Ei3CUA==\n"
	    SECRET), -1);
	assert_int_equal(parse("eco-key-v1\nname ana\n" PK
	    "kdf argon2id13 -1 268435456 LbzNuDoVlwCCuEJ6Ei3CUA==\n" SECRET),
	    -1);
	assert_int_equal(parse("eco-key-v1\nname ana\n" PK
	    "kdf argon2id13 0 268435456 LbzNuDoVlwCCuEJ6Ei3CUA==\n" SECRET),
	    -1);
	assert_int_equal(parse("eco-key-v1\nname ana\n" PK
	    "kdf argon2id13 3 1073741825 LbzNuDoVlwCCuEJ6Ei3CUA==\n" SECRET),
	    -1);
	assert_int_equal(parse("eco-key-v1\nname ana\n" PK
	    "kdf argon2id13 3x 268435456 LbzNuDoVlwCCuEJ6Ei3CUA==\n" SECRET),
	    -1);
	/* a field twice, a field missing, an unknown line, trailing bytes */
	assert_int_equal(parse("eco-key-v1\nname ana\nname bea\n" PK KDF
	    SECRET), -1);
	assert_int_equal(parse("eco-key-v1\nname ana\n" PK KDF), -1);
	assert_int_equal(parse("eco-key-v1\nname ana\n" PK KDF SECRET
	    "extra 1\n"), -1);
	assert_int_equal(parse("eco-key-v1\nname ana x\n" PK KDF SECRET), -1);
	assert_int_equal(parse("eco-key-v2\nname ana\n" PK KDF SECRET), -1);
	assert_int_equal(parse("eco-key-v1\nname a/b\n" PK KDF SECRET), -1);
	/* a line longer than a key file has, once cut in two by fgets */
	memset(line, 'a', sizeof line);
	memcpy(line, "name ", 5);
	memcpy(line + sizeof line - 2, "\n", 2);
	{
		char	 buf[2048];

		snprintf(buf, sizeof buf, "eco-key-v1\n%s" PK KDF SECRET,
		    line);
		assert_int_equal(parse(buf), -1);
	}
	/* a NUL anywhere */
	assert_int_equal(keyfile_parse("eco-key-v1\nname ana\0\n" PK KDF
	    SECRET, sizeof "eco-key-v1\nname ana\0\n" PK KDF SECRET - 1,
	    &(struct keyfile){ .sk = NULL }), -1);
}

/* Reads a passphrase from the len bytes at s. */
static char *
from(const char *s, size_t len)
{
	FILE	*fp;
	char	*p, *cause = NULL;

	fp = fmemopen((void *)s, len, "r");
	assert_non_null(fp);
	p = passphrase_from_stream(fp, &cause);
	fclose(fp);
	free(cause);
	return p;
}

static void
test_passphrase_lines(void **state)
{
	char	*p, big[PASSPHRASE_MAX + 1];

	p = from("secret one\r\nsecond\n", 19);
	assert_string_equal(p, "secret one");
	passphrase_free(p);
	/* a NUL in the line is refused, not a shorter passphrase */
	assert_null(from("s\0ecret\n", 8));
	assert_null(from("\n", 1));
	/* PASSPHRASE_MAX - 1 bytes are taken, with or without a newline */
	memset(big, 'x', sizeof big);
	p = from(big, PASSPHRASE_MAX - 1);
	assert_non_null(p);
	assert_int_equal(strlen(p), PASSPHRASE_MAX - 1);
	passphrase_free(p);
	big[PASSPHRASE_MAX - 1] = '\n';
	p = from(big, PASSPHRASE_MAX);
	assert_non_null(p);
	passphrase_free(p);
	memset(big, 'x', sizeof big);
	assert_null(from(big, PASSPHRASE_MAX));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyfile_good),
		cmocka_unit_test(test_keyfile_refused),
		cmocka_unit_test(test_passphrase_lines),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("keyfile", tests, NULL, NULL);
}
