/*
 * ecoctl note write|list|open and passwd. Notes are sealed and opened
 * here; the daemon only ever carries them sealed.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecoctl.h"
#include "i18n.h"
#include "keyfile.h"
#include "note.h"
#include "passphrase.h"
#include "proto.h"
#include "sealed.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define CHUNK_BYTES	3072
#define NOTE_READ_MAX	(16 * 1024 * 1024)	/* the daemon's limit rules */

/* Logs in as the holder of the recovery key in file. */
int
ctl_login_recovery(struct ctl *ctl, const char *file)
{
	if (ctl_unlock(ctl, file, "Recovery key passphrase: ") != EXIT_OK)
		return EXIT_FAIL;
	return ctl_answer(ctl, "LOGIN-RECOVERY", NULL, "recovery");
}

/* Sends the sealed note in chunks; prints the note id. */
static int
note_upload(struct ctl *ctl, const char *booking, const char *amends,
    const unsigned char *blob, size_t len)
{
	struct reply	 r;
	char		 size[24], b64[sodium_base64_ENCODED_LEN(CHUNK_BYTES,
			    B64)], *req[4];
	size_t		 off, k;

	snprintf(size, sizeof size, "%zu", len);
	req[0] = "NOTE-BEGIN";
	req[1] = (char *)booking;
	req[2] = (char *)amends;
	req[3] = size;
	if (ctl_request(ctl, 4, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	reply_free(&r);
	for (off = 0; off < len; off += k) {
		k = len - off < CHUNK_BYTES ? len - off : CHUNK_BYTES;
		sodium_bin2base64(b64, sizeof b64, blob + off, k, B64);
		req[0] = "NOTE-DATA";
		req[1] = b64;
		if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
			return EXIT_FAIL;
		reply_free(&r);
	}
	req[0] = "NOTE-END";
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc == 1)
		printf("%s\n", r.final.argv[0]);
	reply_free(&r);
	return EXIT_OK;
}

/* note write BOOKING [--file F] [--amends NOTE] */
int
ctl_note_write(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "file=", "amends=", NULL };
	struct reply	 r;
	const unsigned char *rcpt[2];
	unsigned char	 recovery[32], *blob;
	char		*v[2], *text, *req[1];
	size_t		 len, bloblen, n;
	int		 i, nrcpt = 1, rc;
	int64_t		 booking, amends = 0;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 1, 1)) < 0)
		return EXIT_USAGE;
	booking = strtoll(argv[i], NULL, 10);
	if (v[1] != NULL)
		amends = strtoll(v[1], NULL, 10);
	if (booking <= 0 || amends < 0)
		return ctl_usage(ctl);
	if ((text = ctl_read_file(v[0] != NULL ? v[0] : "-", NOTE_READ_MAX,
	    &len)) == NULL)
		return EXIT_FAIL;
	if (ctl_login(ctl) != EXIT_OK)
		goto fail;
	req[0] = "RECOVERY-KEY";
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		goto fail;
	rcpt[0] = ctl->kf->pk;
	if (r.final.argc == 1 && strcmp(r.final.argv[0], "-") != 0) {
		if (sodium_base642bin(recovery, sizeof recovery,
		    r.final.argv[0], strlen(r.final.argv[0]), NULL, &n, NULL,
		    B64) != 0 || n != sizeof recovery) {
			reply_free(&r);
			ctl_fail("bad recovery key from the daemon");
			goto fail;
		}
		rcpt[nrcpt++] = recovery;
	}
	reply_free(&r);
	blob = note_seal((unsigned char *)text, len, booking, amends,
	    ctl->kf->sk, rcpt, nrcpt, &bloblen);
	sodium_memzero(text, len);
	free(text);
	if (blob == NULL)
		return ctl_fail("cannot seal to these keys");
	rc = note_upload(ctl, argv[i], v[1] != NULL ? v[1] : "-", blob,
	    bloblen);
	free(blob);
	return rc;
fail:
	sodium_memzero(text, len);
	free(text);
	return EXIT_FAIL;
}

/* Logs in as a counsellor, or with --recovery-key as its holder. */
int
ctl_login_staff(struct ctl *ctl, const char *recovery)
{
	if (recovery != NULL)
		return ctl_login_recovery(ctl, recovery);
	return ctl_login(ctl);
}

/* note list [--case CASE] [--recovery-key FILE] */
int
ctl_note_list(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "case=", "recovery-key=", NULL };
	static const struct out_col cols[] = {
		{ "note", N_("Note"), COL_NUM },
		{ "case", N_("Case"), COL_NUM },
		{ "booking", N_("Booking"), COL_NUM },
		{ "author", N_("Author"), COL_TEXT },
		{ "time", N_("Written"), COL_TIME },
	};
	struct reply	 r;
	char		*v[2], *req[2];

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_login_staff(ctl, v[1]) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "NOTE-LIST";
	req[1] = v[0] != NULL ? v[0] : "-";
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	out_reply(ctl, &r, cols, NCOLS(cols), _("No notes you can open."));
	reply_free(&r);
	return EXIT_OK;
}

/* Joins the base64 chunks of a NOTE-OPEN reply into the sealed note. */
static unsigned char *
note_join(struct reply *r, size_t *len)
{
	unsigned char	*blob;
	size_t		 cap = 0, n;
	int		 i;

	for (i = 0; i < r->ndata; i++)
		cap += r->data[i].argc == 1 ? strlen(r->data[i].argv[0]) : 0;
	blob = xmalloc(cap + 1);
	*len = 0;
	for (i = 0; i < r->ndata; i++) {
		if (r->data[i].argc != 1 || sodium_base642bin(blob + *len,
		    cap - *len, r->data[i].argv[0], strlen(r->data[i].argv[0]),
		    NULL, &n, NULL, B64) != 0) {
			free(blob);
			return NULL;
		}
		*len += n;
	}
	return blob;
}

/* note open NOTE [--recovery-key FILE]: prints the text byte for byte. */
int
ctl_note_open(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "recovery-key=", NULL };
	struct reply	 r;
	unsigned char	*blob, *text, author[32];
	const char	*why;
	char		*v[1], *req[2];
	size_t		 len, textlen;
	int		 i;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 1, 1)) < 0)
		return EXIT_USAGE;
	if (ctl_login_staff(ctl, v[0]) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "NOTE-OPEN";
	req[1] = argv[i];
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc != 2 || pubkey_decode(r.final.argv[1], author) != 0 ||
	    (blob = note_join(&r, &len)) == NULL) {
		reply_free(&r);
		return ctl_fail("bad note from the daemon");
	}
	reply_free(&r);
	text = note_open(blob, len, ctl->kf->pk, ctl->kf->sk, author,
	    &textlen, &why);
	free(blob);
	if (text == NULL)
		return ctl_fail("note %s: %s; not shown", argv[i], why);
	fwrite(text, 1, textlen, stdout);
	sodium_memzero(text, textlen);
	free(text);
	return EXIT_OK;
}

/* passwd [--key FILE] [--new-passphrase-file F]: seals the key anew. */
int
ctl_passwd(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "new-passphrase-file=", NULL };
	struct keyfile	 kf;
	char		*v[1], *old, *new, *cause;
	int		 rc;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl->key == NULL)
		return ctl_fail("a key file is needed: --key FILE or ECO_KEY");
	if (keyfile_load(ctl->key, &kf, &cause) != 0) {
		ctl_fail("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	if ((old = ctl_passphrase(ctl, "Current passphrase: ", 0)) == NULL)
		return EXIT_FAIL;
	rc = keyfile_unlock(&kf, old, &cause);
	passphrase_free(old);
	if (rc != 0) {
		ctl_fail("%s: %s", ctl->key, cause);
		free(cause);
		return EXIT_FAIL;
	}
	/* Never the old passphrase's file or $ECO_PASSPHRASE_FILE. */
	new = v[0] != NULL ? passphrase_from_file(v[0], &cause) :
	    passphrase_from_tty(_("New passphrase: "), 1, &cause);
	if (new == NULL) {
		keyfile_clear(&kf);
		ctl_fail("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	rc = keyfile_write(ctl->key, &kf, new, 1, &cause);
	passphrase_free(new);
	keyfile_clear(&kf);
	if (rc != 0) {
		ctl_fail("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
