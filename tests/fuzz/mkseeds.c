/*
 * Makes the generated part of the seed corpora with the code itself: real
 * rows (and those rows sealed under the fuzz targets' test master key),
 * booking codes, local times, sealed notes with the test keys, a key file
 * with a cheap KDF under the passphrase "fuzz", and a signed tree head.
 * Run as "make fuzz-seeds"; writes into the corpus directory given.
 */
#include <sys/stat.h>

#include <err.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "code.h"
#include "keyfile.h"
#include "merkle.h"
#include "note.h"
#include "notehdr.h"
#include "rec.h"
#include "seal.h"

static const char	*top;

/* Writes len bytes of p as top/dir/name. */
static void
put(const char *dir, const char *name, const void *p, size_t len)
{
	char	 path[1024];
	FILE	*fp;

	snprintf(path, sizeof path, "%s/%s", top, dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/%s/%s", top, dir, name);
	if ((fp = fopen(path, "w")) == NULL || fwrite(p, 1, len, fp) != len ||
	    fclose(fp) != 0)
		err(1, "%s", path);
}

/* Writes a rec seed (table byte, row) and a seal seed (table, id, row). */
static void
put_row(int table, const char *tname, int64_t id, struct rec *r,
    struct seal *s, const char *name)
{
	unsigned char	*b;
	size_t		 n = 9 + r->len + SEALED_ROW_OVERHEAD;

	b = malloc(n);
	b[0] = (unsigned char)table;
	memcpy(b + 1, r->buf, r->len);
	put("rec", name, b, 1 + r->len);
	note_put_u64(b + 1, (uint64_t)id);
	seal_row(s, tname, id, r->buf, r->len, b + 9);
	put("seal", name, b, n);
	free(b);
	rec_free(r);
}

int
main(int argc, char **argv)
{
	static const char *const times[] = {
		"\x01" "2026-12-01T10:30",	"\x81" "2026-12-01",
		"\x01" "2026-03-29T02:30",	"\x01" "2026-10-25 02:30",
		"\x03" "2026-03-08T00:00",	"\x83" "2026-11-01",
		"\x04" "2026-04-05T01:45",	"\x00" "2199-12-31T23:59",
		"\x00" "2024-02-29T12:00",	"\x00" "2025-02-29T12:00",
	};
	unsigned char	 master[32], seed[32], raw[CODE_RANDOM_BYTES];
	unsigned char	 apk[32], ask[64], rpk[32], rsk[64], root[32];
	unsigned char	 key[32], ad[sizeof KEYFILE_MAGIC - 1 + 32];
	unsigned char	 sealed[24 + 32 + 16], salt[16];
	const unsigned char *rcpt[2];
	unsigned char	*note;
	char		 code[CODE_TEXT_LEN + 1], name[32], *s, *body;
	char		 b1[128], b2[128], b3[128];
	struct seal	*sl;
	struct rec	 r;
	size_t		 nlen, i;

	if (argc != 2 || sodium_init() < 0)
		errx(1, "usage: mkseeds CORPUS-DIR");
	top = argv[1];
	memset(master, 0x42, sizeof master);
	sl = seal_create(master);
	memset(seed, 1, sizeof seed);
	crypto_sign_seed_keypair(apk, ask, seed);
	memset(seed, 2, sizeof seed);
	crypto_sign_seed_keypair(rpk, rsk, seed);
	rcpt[0] = apk;
	rcpt[1] = rpk;

	/* notes: the author's and the recovery key's; one amends another */
	note = note_seal((const unsigned char *)"Came on time; safety plan "
	    "reviewed.", 35, 7, 0, ask, rcpt, 2, &nlen);
	put("note", "two-rcpt", note, nlen);
	put("notehdr", "two-rcpt", note, nlen);
	rec_init(&r);
	rec_put_i64(&r, 7);
	rec_put_i64(&r, 3);
	rec_put_i64(&r, 1);
	rec_put_i64(&r, 0);
	rec_put_i64(&r, 1764584000);
	rec_put_bytes(&r, note, nlen);
	put_row(4, "notes", 1, &r, sl, "note");
	free(note);
	note = note_seal((const unsigned char *)"", 0, 7, 1, ask, rcpt, 1,
	    &nlen);
	put("note", "empty-amends", note, nlen);
	free(note);

	/* rows of each table, as daemon/sched.c and booking.c write them */
	rec_init(&r);
	rec_put_u8(&r, 1);
	rec_put_u8(&r, 0);
	rec_put_str(&r, "ana");
	rec_put_bytes(&r, apk, 32);
	rec_put_i64(&r, 1764584000);
	put_row(0, "counsellors", 1, &r, sl, "counsellor");
	rec_init(&r);
	rec_put_i64(&r, 1);
	rec_put_i64(&r, 1764590400);
	rec_put_i64(&r, 50);
	rec_put_u8(&r, 1);
	rec_put_u8(&r, 0);
	rec_put_str(&r, "Sala 2, segundo piso");
	put_row(1, "slots", 4, &r, sl, "slot");
	rec_init(&r);
	rec_put_i64(&r, 1);
	rec_put_i64(&r, 1764594000);
	rec_put_i64(&r, 50);
	rec_put_u8(&r, 2);
	rec_put_u8(&r, 0);
	rec_put_str(&r, "");
	rec_put_str(&r, "55 5555 0199");	/* join details */
	put_row(1, "slots", 5, &r, sl, "slot-join");
	rec_init(&r);
	rec_put_i64(&r, 1764584000);
	put_row(2, "cases", 3, &r, sl, "case");
	rec_init(&r);
	rec_put_i64(&r, 3);
	rec_put_i64(&r, 4);
	rec_put_u8(&r, 1);
	rec_put_i64(&r, 1764584000);
	rec_put_bytes(&r, "por favor, puerta de atr\xc3\xa1s", 27);
	put_row(3, "bookings", 5, &r, sl, "booking");
	rec_init(&r);
	rec_put_i64(&r, 3);
	rec_put_i64(&r, 6);
	rec_put_u8(&r, 1);
	rec_put_i64(&r, 1764587600);
	rec_put_bytes(&r, "", 0);
	rec_put_i64(&r, 5);		/* origin, seq, modified */
	rec_put_i64(&r, 1);
	rec_put_i64(&r, 1764587600);
	put_row(3, "bookings", 6, &r, sl, "booking-history");
	seal_free(sl);

	/* booking codes as made, and as a person may type them */
	for (i = 0; i < 2; i++) {
		code_new(raw, code);
		snprintf(name, sizeof name, "code%zu", i);
		put("code", name, code, strlen(code));
	}
	for (s = code; *s != '\0'; s++) {
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
		else if (*s == '0')
			*s = 'o';
		else if (*s == '1')
			*s = 'l';
		else if (*s == '-')
			*s = ' ';
	}
	put("code", "typed", code, strlen(code));

	for (i = 0; i < sizeof times / sizeof times[0]; i++) {
		snprintf(name, sizeof name, "time%zu", i);
		put("time", name, times[i], 1 + strlen(times[i] + 1));
	}

	/* a key file as keyfile_write makes it, with libsodium's least KDF */
	randombytes_buf(salt, sizeof salt);
	if (crypto_pwhash(key, sizeof key, "fuzz", 4, salt,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN,
	    crypto_pwhash_ALG_ARGON2ID13) != 0)
		errx(1, "crypto_pwhash");
	memcpy(ad, KEYFILE_MAGIC, sizeof KEYFILE_MAGIC - 1);
	memcpy(ad + sizeof KEYFILE_MAGIC - 1, apk, 32);
	randombytes_buf(sealed, 24);
	crypto_aead_xchacha20poly1305_ietf_encrypt(sealed + 24, NULL, ask, 32,
	    ad, sizeof ad, NULL, sealed, key);
	sodium_bin2base64(b1, sizeof b1, apk, 32,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b2, sizeof b2, salt, sizeof salt,
	    sodium_base64_VARIANT_ORIGINAL);
	sodium_bin2base64(b3, sizeof b3, sealed, sizeof sealed,
	    sodium_base64_VARIANT_ORIGINAL);
	if (asprintf(&s, "%s\nname ana\npublic %s\nkdf argon2id13 %llu %zu "
	    "%s\nsecret %s\n", KEYFILE_MAGIC, b1,
	    (unsigned long long)crypto_pwhash_OPSLIMIT_MIN,
	    (size_t)crypto_pwhash_MEMLIMIT_MIN, b2, b3) == -1)
		errx(1, "asprintf");
	put("keyfile", "cheap-kdf", s, strlen(s));
	free(s);

	/* a signed tree head and the verifier key of the audit test key */
	memset(seed, 3, sizeof seed);
	crypto_sign_seed_keypair(apk, ask, seed);
	crypto_generichash(root, sizeof root, (const unsigned char *)"x", 1,
	    NULL, 0);
	body = checkpoint_body("eco-audit/f", 12, root);
	s = signed_note_sign(body, "eco-audit/f", ask);
	put("checkpoint", "note", s, strlen(s));
	free(s);
	free(body);
	s = vkey_format("eco-audit/f", apk);
	put("checkpoint", "vkey", s, strlen(s));
	free(s);
	return 0;
}
