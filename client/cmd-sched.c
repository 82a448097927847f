/*
 * ecoctl's scheduling commands. Workers' commands log in to nothing;
 * counsellors' log in with their key first. An intake message is sealed
 * here, to the slot counsellor's key, and opened here by that counsellor:
 * the daemon only ever holds its ciphertext.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecoctl.h"
#include "keyfile.h"
#include "proto.h"
#include "xmalloc.h"

#define B64	sodium_base64_VARIANT_ORIGINAL

/* Sends req (n fields) and prints every data line with print. */
static int
list(struct ctl *ctl, int n, char **req, void (*print)(struct wire_fields *))
{
	struct reply	 r;
	int		 i;

	if (ctl_request(ctl, n, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	for (i = 0; i < r.ndata; i++)
		print(&r.data[i]);
	reply_free(&r);
	return EXIT_OK;
}

/* Sends req and expects a plain OK. */
static int
simple(struct ctl *ctl, int n, char **req)
{
	struct reply	 r;

	if (ctl_request(ctl, n, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	reply_free(&r);
	return EXIT_OK;
}

/* Prints fields tab-separated, times as "YYYY-MM-DD HH:MM". */
static void
print_fields(struct wire_fields *f, int from, int to, int time_at)
{
	int	 i;

	for (i = from; i < to && i < f->argc; i++) {
		if (i > from)
			putchar('\t');
		if (i == time_at)
			ctl_print_time(f->argv[i]);
		else
			fputs(f->argv[i], stdout);
	}
	putchar('\n');
}

static void
print_slot(struct wire_fields *f)
{
	print_fields(f, 0, 5, 1);
}

static void
print_status(struct wire_fields *f)
{
	print_fields(f, 0, 5, 0);
}

static void
print_agenda(struct wire_fields *f)
{
	print_fields(f, 0, 8, 1);
}

static void
print_line(struct wire_fields *f)
{
	print_fields(f, 0, 1, -1);
}

/* avail add --start T --minutes N [--weekly C] [--modality M] [--location L] */
int
ctl_avail_add(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "start=", "minutes=", "weekly=",
	    "modality=", "location=", NULL };
	char	*v[5], *req[6];

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[0] == NULL || v[1] == NULL)
		return ctl_usage(ctl);
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "AVAIL-ADD";
	req[1] = v[0];
	req[2] = v[1];
	req[3] = v[2] != NULL ? v[2] : "1";
	req[4] = v[3] != NULL ? v[3] : "presencial";
	req[5] = v[4] != NULL ? v[4] : "";
	return list(ctl, 6, req, print_line);
}

/*
 * Runs a command of npos positional arguments and no options of its own
 * as "VERB args...", logged in first if login; prints data lines with
 * print (NULL: none expected).
 */
int
ctl_verb(struct ctl *ctl, int argc, char **argv, char *verb, int npos,
    int login, void (*print)(struct wire_fields *))
{
	char	*req[4];
	int	 i, k;

	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, npos, npos)) < 0)
		return EXIT_USAGE;
	if (login && ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = verb;
	for (k = 0; k < npos && k < 3; k++)
		req[k + 1] = argv[i + k];
	if (print == NULL)
		return simple(ctl, npos + 1, req);
	return list(ctl, npos + 1, req, print);
}

/* avail rm SLOT */
int
ctl_avail_rm(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "AVAIL-RM", 1, 1, NULL);
}

/* slots [--from DATE] [--to DATE] [--modality M] */
int
ctl_slots(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "from=", "to=", "modality=",
	    NULL };
	char	*v[3], *req[4];

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	req[0] = "SLOTS";
	req[1] = v[0] != NULL ? v[0] : "-";
	req[2] = v[1] != NULL ? v[1] : "-";
	req[3] = v[2] != NULL ? v[2] : "-";
	return list(ctl, 4, req, print_slot);
}

/*
 * Seals the message in file to the counsellor of slot: returns its base64
 * (allocated), or NULL having reported why.
 */
static char *
seal_message(struct ctl *ctl, const char *slot, const char *file)
{
	struct reply	 r;
	unsigned char	 edpk[32], xpk[32], *ct;
	char		*msg, *b64, *req[2];
	size_t		 len, ctlen, n;

	if ((msg = ctl_read_file(file, ECO_MESSAGE_MAX, &len)) == NULL)
		return NULL;
	if (len == 0) {
		free(msg);
		ctl_fail("%s: the message is empty", file);
		return NULL;
	}
	req[0] = "SLOTKEY";
	req[1] = (char *)slot;
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK) {
		sodium_memzero(msg, len);
		free(msg);
		return NULL;
	}
	if (r.final.argc != 1 || pubkey_decode(r.final.argv[0], edpk) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(xpk, edpk) != 0) {
		reply_free(&r);
		sodium_memzero(msg, len);
		free(msg);
		ctl_fail("bad key from the daemon");
		return NULL;
	}
	reply_free(&r);
	ctlen = crypto_box_SEALBYTES + len;
	ct = xmalloc(ctlen);
	crypto_box_seal(ct, (unsigned char *)msg, len, xpk);
	sodium_memzero(msg, len);
	free(msg);
	n = sodium_base64_ENCODED_LEN(ctlen, B64);
	b64 = xmalloc(n);
	sodium_bin2base64(b64, n, ct, ctlen, B64);
	free(ct);
	return b64;
}

/* book SLOT [--code CODE] [--message-file F] */
int
ctl_book(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "code=", "message-file=", NULL };
	struct reply	 r;
	char		*v[2], *req[4], *sealed = NULL;
	int		 i, rc;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 1, 1)) < 0)
		return EXIT_USAGE;
	if (v[1] != NULL && (sealed = seal_message(ctl, argv[i], v[1])) ==
	    NULL)
		return EXIT_FAIL;
	req[0] = "BOOK";
	req[1] = argv[i];
	req[2] = v[0] != NULL ? v[0] : "-";
	req[3] = sealed != NULL ? sealed : "-";
	rc = ctl_request(ctl, 4, req, &r);
	free(sealed);
	if (rc != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc == 1)
		printf("%s\n", r.final.argv[0]);
	reply_free(&r);
	return EXIT_OK;
}

/* status CODE */
int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "STATUS", 1, 0, print_status);
}

/* cancel CODE */
int
ctl_cancel(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "CANCEL", 1, 0, NULL);
}

/* reschedule CODE SLOT */
int
ctl_reschedule(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "RESCHEDULE", 2, 0, NULL);
}

/* agenda [--from DATE] [--to DATE] [--ical] */
int
ctl_agenda(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "from=", "to=", "ical", NULL };
	struct reply	 r;
	char		*v[3], *req[3];
	int		 i;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "AGENDA";
	req[1] = v[0] != NULL ? v[0] : "-";
	req[2] = v[1] != NULL ? v[1] : "-";
	if (v[2] == NULL)
		return list(ctl, 3, req, print_agenda);
	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	for (i = 0; i < r.ndata; i++)
		if (r.data[i].argc != 9) {
			reply_free(&r);
			return ctl_fail("bad agenda line from the daemon");
		}
	ical_write(stdout, &r);
	reply_free(&r);
	return EXIT_OK;
}

/* mark BOOKING attended|no-show */
int
ctl_mark(struct ctl *ctl, int argc, char **argv)
{
	char	*req[3];
	int	 i;

	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 2, 2)) < 0)
		return EXIT_USAGE;
	if (strcmp(argv[i + 1], "attended") != 0 &&
	    strcmp(argv[i + 1], "no-show") != 0)
		return ctl_usage(ctl);
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "MARK";
	req[1] = argv[i];
	req[2] = argv[i + 1];
	return simple(ctl, 3, req);
}

/* message BOOKING: opens the intake message with the counsellor's key. */
int
ctl_message(struct ctl *ctl, int argc, char **argv)
{
	struct reply	 r;
	unsigned char	*ct, *pt, xpk[32], *xsk;
	char		*req[2];
	size_t		 len, ctlen;
	int		 i, rc;

	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 1, 1)) < 0)
		return EXIT_USAGE;
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "MESSAGE";
	req[1] = argv[i];
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	len = r.final.argc == 1 ? strlen(r.final.argv[0]) : 0;
	ct = xmalloc(len + 1);
	if (len == 0 || sodium_base642bin(ct, len, r.final.argv[0], len, NULL,
	    &ctlen, NULL, B64) != 0 || ctlen <= crypto_box_SEALBYTES) {
		free(ct);
		reply_free(&r);
		return ctl_fail("bad message from the daemon");
	}
	reply_free(&r);
	if ((xsk = sodium_malloc(32)) == NULL)
		abort();
	crypto_sign_ed25519_sk_to_curve25519(xsk, ctl->kf->sk);
	pt = xmalloc(ctlen - crypto_box_SEALBYTES);
	rc = crypto_sign_ed25519_pk_to_curve25519(xpk, ctl->kf->pk) != 0 ? -1 :
	    crypto_box_seal_open(pt, ct, ctlen, xpk, xsk);
	sodium_free(xsk);
	free(ct);
	if (rc != 0) {
		free(pt);
		return ctl_fail("the message does not open with this key");
	}
	fwrite(pt, 1, ctlen - crypto_box_SEALBYTES, stdout);
	sodium_memzero(pt, ctlen - crypto_box_SEALBYTES);
	free(pt);
	return EXIT_OK;
}
