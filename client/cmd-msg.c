/*
 * The case as a conversation: the worker's side (messages, reply), the
 * staff's (message send, list, open) and the service cancelling a session
 * (session cancel, avail rm of a booked slot). Every message is sealed
 * and opened here; the daemon only carries it.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "code.h"
#include "ecoctl.h"
#include "i18n.h"
#include "keyfile.h"
#include "msg.h"
#include "msghdr.h"
#include "proto.h"
#include "xmalloc.h"

#define B64	sodium_base64_VARIANT_ORIGINAL

/* The sender kinds, as the wire says them. */
static int
from_kind(const char *w)
{
	if (strcmp(w, "worker") == 0)
		return MSG_FROM_WORKER;
	if (strcmp(w, "counsellor") == 0)
		return MSG_FROM_COUNSELLOR;
	if (strcmp(w, "service") == 0)
		return MSG_FROM_SERVICE;
	return 0;
}

/* Decodes base64 of exactly 32 bytes; -1 if it is not. */
static int
key32(const char *s, unsigned char *k)
{
	size_t	 n;

	return sodium_base642bin(k, 32, s, strlen(s), NULL, &n, NULL,
	    B64) == 0 && n == 32 ? 0 : -1;
}

/* Decodes base64 into an allocated buffer; NULL if it is not. */
static unsigned char *
unb64(const char *s, size_t *len)
{
	size_t		 cap = strlen(s) / 4 * 3 + 3;
	unsigned char	*b = xmalloc(cap);

	if (sodium_base642bin(b, cap, s, strlen(s), NULL, len, NULL,
	    B64) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

/* Sends verb with args and the sealed blob as its last field. */
static int
send_sealed(struct ctl *ctl, char **req, int n, const unsigned char *blob,
    size_t len, struct reply *r)
{
	char	*b64;
	size_t	 cap = sodium_base64_ENCODED_LEN(len, B64);
	int	 rc;

	b64 = xmalloc(cap);
	sodium_bin2base64(b64, cap, blob, len, B64);
	req[n] = b64;
	rc = ctl_request(ctl, n + 1, req, r);
	free(b64);
	return rc;
}

/* Reads a message's text from file ("-": stdin); NULL after saying why. */
static char *
read_text(const char *file, size_t *len)
{
	char	*text;

	if ((text = ctl_read_file(file, ECO_MESSAGE_TEXT_MAX, len)) == NULL)
		return NULL;
	if (*len == 0) {
		free(text);
		ctl_fail("%s: the message is empty", file);
		return NULL;
	}
	return text;
}

static void
text_free(char *text, size_t len)
{
	if (text != NULL) {
		sodium_memzero(text, len);
		free(text);
	}
}

/*
 * The key pair of the code typed, read into ctl (ctl_code): pk gets the
 * public half, *sk the secret half (sodium_free it). A case opened by ecod
 * (a version 1 code) may have no key yet: it gets it now; the same key
 * again changes nothing. Returns EXIT_OK or EXIT_FAIL.
 */
static int
case_ensure(struct ctl *ctl, char *typed, unsigned char *pk,
    unsigned char **sk)
{
	char		 b64[sodium_base64_ENCODED_LEN(32, B64)], *req[3];

	*sk = NULL;
	if (ctl->wc == NULL && ctl_code(ctl, typed) != 0)
		return EXIT_FAIL;
	wcode_keypair(ctl->wc, pk, sk);
	if (ctl->wc->version != CODE_V1)	/* set by BOOK-NEW */
		return EXIT_OK;
	sodium_bin2base64(b64, sizeof b64, pk, 32, B64);
	req[0] = "CASE-SET";
	req[1] = (char *)ctl->ref;
	req[2] = b64;
	if (ctl_simple(ctl, 3, req) != EXIT_OK) {
		sodium_free(*sk);
		*sk = NULL;
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* After book with a version 1 code: its case gets its key if it has
 * none. Says so if it could not. */
void
ctl_book_case_key(struct ctl *ctl)
{
	unsigned char	 pk[32], *sk;

	ctl->explain = NULL;
	if (case_ensure(ctl, NULL, pk, &sk) != EXIT_OK) {
		fprintf(stderr, _("The case's message key could not be set now; "
		    "ecoctl messages sets it later.\n"));
		return;
	}
	sodium_free(sk);
}

/* messages [CODE] [--open ID]: the thread, opened on the worker's side. */
int
ctl_messages(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "open=", NULL };
	static const struct out_col cols[] = {
		{ "message", N_("Message"), COL_NUM },
		{ "from", N_("From"), COL_WORD },
		{ "author", N_("Author"), COL_TEXT },
		{ "time", N_("Written"), COL_TIME },
		{ "text", N_("Text"), COL_TEXT },
	};
	struct reply	 r;
	struct out	*o = NULL;
	unsigned char	 pk[32], *sk, *blob, *text, signer[32];
	const char	*why;
	char		*v[1], *req[2], *f[5], when[256];
	size_t		 len, tlen, lens[5];
	int		 i, k, from, rc = EXIT_OK, shown = 0;
	int64_t		 case_id = 0;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 0, 1)) < 0)
		return EXIT_USAGE;
	ctl->explain = ctl_worker_explain;
	if (case_ensure(ctl, i < argc ? argv[i] : NULL, pk, &sk) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "MSG-THREAD";
	req[1] = (char *)ctl->ref;
	ctl->explain = ctl_worker_explain;
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK) {
		sodium_free(sk);
		return EXIT_FAIL;
	}
	if (r.final.argc != 1 || (case_id = strtoll(r.final.argv[0], NULL,
	    10)) <= 0) {
		reply_free(&r);
		sodium_free(sk);
		return ctl_fail("bad answer from the daemon");
	}
	if (ctl->json)
		o = out_begin(ctl, cols, NCOLS(cols));
	for (k = 0; k < r.ndata; k++) {
		struct wire_fields *d = &r.data[k];

		if (d->argc != 6 || from_kind(d->argv[1]) == 0 ||
		    (from_kind(d->argv[1]) == MSG_FROM_COUNSELLOR &&
		    key32(d->argv[3], signer) != 0) ||
		    (blob = unb64(d->argv[5], &len)) == NULL) {
			rc = ctl_fail("bad message from the daemon");
			break;
		}
		text = msg_open(blob, len, case_id, pk, sk,
		    from_kind(d->argv[1]) == MSG_FROM_COUNSELLOR ? signer :
		    NULL, &tlen, &from, &why);
		free(blob);
		if (text == NULL) {
			rc = ctl_fail("message %s: %s; not shown", d->argv[0],
			    why);
			continue;
		}
		if (v[0] != NULL) {
			if (strcmp(v[0], d->argv[0]) == 0) {
				out_text(text, tlen, NULL);
				shown = 1;
			}
		} else if (o != NULL) {
			f[0] = d->argv[0];
			f[1] = d->argv[1];
			f[2] = d->argv[2];
			f[3] = d->argv[4];
			f[4] = (char *)text;
			lens[0] = strlen(f[0]);
			lens[1] = strlen(f[1]);
			lens[2] = strlen(f[2]);
			lens[3] = strlen(f[3]);
			lens[4] = tlen;
			out_row_len(o, f, lens);
		} else if (isatty(STDOUT_FILENO)) {
			human_time(d->argv[4], when, sizeof when);
			if (from == MSG_FROM_WORKER)
				printf(_("— You wrote, %s:\n"), when);
			else if (from == MSG_FROM_SERVICE)
				printf(_("— The service wrote, %s:\n"), when);
			else
				printf(_("— %s (counsellor) wrote, %s:\n"),
				    d->argv[2], when);
			out_text(text, tlen, "  ");
			printf("%s\n", tlen > 0 && text[tlen - 1] == '\n' ?
			    "" : "\n");
		} else {
			/* Local times piped as everywhere: a space for T. */
			if (strlen(d->argv[4]) > 10 && d->argv[4][10] == 'T')
				d->argv[4][10] = ' ';
			printf("%s\t%s\t%s\t%s\t%zu\n", d->argv[0], d->argv[1],
			    d->argv[2], d->argv[4], tlen);
			fwrite(text, 1, tlen, stdout);
			printf("\n");
		}
		sodium_memzero(text, tlen);
		free(text);
	}
	if (o != NULL)
		out_end(o, _("No messages in this case yet."));
	else if (v[0] == NULL && r.ndata == 0 && isatty(STDOUT_FILENO))
		printf("%s\n", _("No messages in this case yet."));
	reply_free(&r);
	sodium_free(sk);
	if (rc == EXIT_OK && v[0] != NULL && !shown)
		return ctl_fail("no message %s in this case", v[0]);
	return rc;
}

/* reply CODE [--file F]: the worker writes to the case's counsellors. */
int
ctl_reply(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "file=", NULL };
	struct reply	 r;
	unsigned char	 pk[32], *sk = NULL, ed[32], x[MSG_MAX_RCPT][32];
	unsigned char	*blob;
	const unsigned char *rcpt[MSG_MAX_RCPT];
	char		*v[1], *req[3], *text, *who = NULL, *tmp;
	size_t		 len, bloblen;
	int		 i, k, n = 0, ncs = 0, rc = EXIT_FAIL;
	int64_t		 case_id;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 0, 1)) < 0)
		return EXIT_USAGE;
	/* The code first: from standard input it is the first line, and
	 * the text (without --file) what follows. */
	ctl->explain = ctl_worker_explain;
	if (case_ensure(ctl, i < argc ? argv[i] : NULL, pk, &sk) != EXIT_OK)
		return EXIT_FAIL;
	if ((text = read_text(v[0] != NULL ? v[0] : "-", &len)) == NULL)
		goto out;
	req[0] = "MSG-RCPT";
	req[1] = (char *)ctl->ref;
	ctl->explain = ctl_worker_explain;
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		goto out;
	memcpy(x[n], pk, 32);
	rcpt[n] = x[n];
	n++;
	for (k = 0; k < r.ndata && n < MSG_MAX_RCPT - 1; k++) {
		if (r.data[k].argc != 2 || key32(r.data[k].argv[1], ed) != 0 ||
		    crypto_sign_ed25519_pk_to_curve25519(x[n], ed) != 0) {
			reply_free(&r);
			ctl_fail("bad key from the daemon");
			goto out;
		}
		rcpt[n] = x[n];
		n++;
		ncs++;
		if (who == NULL)
			who = xstrdup(r.data[k].argv[0]);
		else {
			xasprintf(&tmp, "%s, %s", who, r.data[k].argv[0]);
			free(who);
			who = tmp;
		}
	}
	if (n == 1) {
		reply_free(&r);
		ctl_fail("this case has no counsellor to write to");
		goto out;
	}
	if (r.final.argc != 2 || (case_id = strtoll(r.final.argv[0], NULL,
	    10)) <= 0) {
		reply_free(&r);
		ctl_fail("bad answer from the daemon");
		goto out;
	}
	if (strcmp(r.final.argv[1], "-") != 0) {
		if (key32(r.final.argv[1], ed) != 0 ||
		    crypto_sign_ed25519_pk_to_curve25519(x[n], ed) != 0) {
			reply_free(&r);
			ctl_fail("bad recovery key from the daemon");
			goto out;
		}
		rcpt[n] = x[n];
		n++;
	}
	reply_free(&r);
	blob = msg_seal((unsigned char *)text, len, case_id, MSG_FROM_WORKER,
	    pk, NULL, rcpt, n, &bloblen);
	if (blob == NULL) {
		ctl_fail("cannot seal to these keys");
		goto out;
	}
	req[0] = "MSG-POST";
	req[1] = (char *)ctl->ref;
	ctl->explain = ctl_worker_explain;
	rc = send_sealed(ctl, req, 2, blob, bloblen, &r);
	free(blob);
	if (rc == EXIT_OK) {
		reply_free(&r);
		if (isatty(STDERR_FILENO))
			fprintf(stderr, ngettext("Sent, sealed to %d "
			    "counsellor of the case: %s. Only they can read "
			    "it.\n", "Sent, sealed to %d counsellors of the "
			    "case: %s. Only they can read it.\n", ncs), ncs,
			    who);
	}
out:
	free(who);
	if (sk != NULL)
		sodium_free(sk);
	text_free(text, len);
	return rc;
}

/*
 * What a staff message is sealed to, into rcpt (room for 3): the case's
 * key, the writer's own (author, an Ed25519 key, or NULL for the
 * service) and the recovery key when there is one. Returns the count, or
 * -1 after saying why.
 */
static int
staff_rcpt(struct ctl *ctl, const unsigned char *casekey,
    const unsigned char *author, unsigned char x[3][32],
    const unsigned char **rcpt)
{
	struct reply	 r;
	unsigned char	 ed[32];
	char		*req[1] = { "RECOVERY-KEY" };
	int		 n = 0;

	memcpy(x[n], casekey, 32);
	rcpt[n] = x[n];
	n++;
	if (author != NULL) {
		if (crypto_sign_ed25519_pk_to_curve25519(x[n], author) != 0)
			return ctl_fail("this key cannot receive messages"), -1;
		rcpt[n] = x[n];
		n++;
	}
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return -1;
	if (r.final.argc == 1 && strcmp(r.final.argv[0], "-") != 0) {
		if (key32(r.final.argv[0], ed) != 0 ||
		    crypto_sign_ed25519_pk_to_curve25519(x[n], ed) != 0) {
			reply_free(&r);
			return ctl_fail("bad recovery key from the daemon"), -1;
		}
		rcpt[n] = x[n];
		n++;
	}
	reply_free(&r);
	return n;
}

/*
 * Asks CASE-KEY of (case, booking or slot) id: the case, its booking
 * (when one is named) and its key. *has 0 when the case has no key yet.
 */
static int
case_of(struct ctl *ctl, const char *of, const char *id, int64_t *case_id,
    int64_t *booking, unsigned char *key, int *has)
{
	struct reply	 r;
	char		*req[3];

	req[0] = "CASE-KEY";
	req[1] = (char *)of;
	req[2] = (char *)id;
	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc != 3 || (*case_id = strtoll(r.final.argv[0], NULL,
	    10)) <= 0) {
		reply_free(&r);
		return ctl_fail("bad answer from the daemon");
	}
	*booking = strtoll(r.final.argv[1], NULL, 10);
	*has = strcmp(r.final.argv[2], "-") != 0;
	if (*has && key32(r.final.argv[2], key) != 0) {
		reply_free(&r);
		return ctl_fail("bad key from the daemon");
	}
	reply_free(&r);
	return EXIT_OK;
}

/* Seals text from the logged-in counsellor (or the service, kf NULL). */
static unsigned char *
staff_seal(struct ctl *ctl, const struct keyfile *kf, int64_t case_id,
    const unsigned char *casekey, const char *text, size_t len,
    size_t *bloblen)
{
	unsigned char	 x[3][32], *blob;
	const unsigned char *rcpt[3];
	int		 n;

	if ((n = staff_rcpt(ctl, casekey, kf != NULL ? kf->pk : NULL, x,
	    rcpt)) < 0)
		return NULL;
	blob = msg_seal((const unsigned char *)text, len, case_id, kf != NULL ?
	    MSG_FROM_COUNSELLOR : MSG_FROM_SERVICE, kf != NULL ? kf->pk : NULL,
	    kf != NULL ? kf->sk : NULL, rcpt, n, bloblen);
	if (blob == NULL)
		ctl_fail("cannot seal to these keys");
	return blob;
}

/* message send CASE|booking:BOOKING [--file F]: prints the message id. */
int
ctl_message_send(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "file=", NULL };
	struct reply	 r;
	unsigned char	 key[32], *blob;
	const char	*of = "case", *id;
	char		*v[1], *req[3], *text, cs[24];
	size_t		 len, bloblen;
	int64_t		 case_id, booking;
	int		 i, has, rc = EXIT_FAIL;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 1, 1)) < 0)
		return EXIT_USAGE;
	id = argv[i];
	if (strncmp(id, "booking:", 8) == 0) {
		of = "booking";
		id += 8;
	} else if (strncmp(id, "case:", 5) == 0)
		id += 5;
	if ((text = read_text(v[0] != NULL ? v[0] : "-", &len)) == NULL)
		return EXIT_FAIL;
	if (ctl_login(ctl) != EXIT_OK ||
	    case_of(ctl, of, id, &case_id, &booking, key, &has) != EXIT_OK)
		goto out;
	if (!has) {
		ctl_fail("case %lld has no message key yet: it was opened "
		    "before messages, and gets one when the worker next uses "
		    "the code", (long long)case_id);
		goto out;
	}
	if ((blob = staff_seal(ctl, ctl->kf, case_id, key, text, len,
	    &bloblen)) == NULL)
		goto out;
	snprintf(cs, sizeof cs, "%lld", (long long)case_id);
	req[0] = "MSG-SEND";
	req[1] = cs;
	rc = send_sealed(ctl, req, 2, blob, bloblen, &r);
	free(blob);
	if (rc == EXIT_OK) {
		if (r.final.argc == 1)
			printf("%s\n", r.final.argv[0]);
		reply_free(&r);
	}
out:
	text_free(text, len);
	return rc;
}

/* message list [--case CASE] [--recovery-key FILE] */
int
ctl_message_list(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "case=", "recovery-key=", NULL };
	static const struct out_col cols[] = {
		{ "message", N_("Message"), COL_NUM },
		{ "case", N_("Case"), COL_NUM },
		{ "booking", N_("Booking"), COL_NUM },
		{ "from", N_("From"), COL_WORD },
		{ "author", N_("Author"), COL_TEXT },
		{ "time", N_("Written"), COL_TIME },
		{ "read", N_("Read by the worker"), COL_WORD },
	};
	struct reply	 r;
	char		*v[2], *req[2];

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_login_staff(ctl, v[1]) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "MSG-LIST";
	req[1] = v[0] != NULL ? v[0] : "-";
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	out_reply(ctl, &r, cols, NCOLS(cols), _("No messages you can open."));
	reply_free(&r);
	return EXIT_OK;
}

/* message open ID [--recovery-key FILE]: the text, byte for byte. */
int
ctl_message_open(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "recovery-key=", NULL };
	struct reply	 r;
	struct msg_hdr	 h;
	unsigned char	*blob, *text, signer[32], xpk[32], *xsk;
	const char	*why;
	char		*v[1], *req[2];
	size_t		 len, tlen;
	int		 i, from, kind;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 1, 1)) < 0)
		return EXIT_USAGE;
	if (ctl_login_staff(ctl, v[0]) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "MSG-OPEN";
	req[1] = argv[i];
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc != 4 || (kind = from_kind(r.final.argv[1])) == 0 ||
	    (kind == MSG_FROM_COUNSELLOR && key32(r.final.argv[3],
	    signer) != 0) || (blob = unb64(r.final.argv[0], &len)) == NULL) {
		reply_free(&r);
		return ctl_fail("bad message from the daemon");
	}
	reply_free(&r);
	if ((xsk = sodium_malloc(32)) == NULL)
		abort();
	if (msg_hdr_parse(blob, len, &h) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(xpk, ctl->kf->pk) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(xsk, ctl->kf->sk) != 0) {
		sodium_free(xsk);
		free(blob);
		return ctl_fail("message %s: not a message; not shown",
		    argv[i]);
	}
	text = msg_open(blob, len, h.case_id, xpk, xsk,
	    kind == MSG_FROM_COUNSELLOR ? signer : NULL, &tlen, &from, &why);
	sodium_free(xsk);
	free(blob);
	if (text == NULL)
		return ctl_fail("message %s: %s; not shown", argv[i], why);
	out_text(text, tlen, NULL);
	sodium_memzero(text, tlen);
	free(text);
	return EXIT_OK;
}

/*
 * Cancels booking (decimal) by the service with the reason text, sealed
 * to its case (case_id, key; has 0 for a case with no key) from kf (NULL:
 * the service, for an admin).
 */
static int
cancel_one(struct ctl *ctl, const struct keyfile *kf, const char *booking,
    int64_t case_id, const unsigned char *key, int has, const char *text,
    size_t len)
{
	struct reply	 r;
	unsigned char	*blob;
	char		*req[3];
	size_t		 bloblen;
	int		 rc;

	req[0] = "SESSION-CANCEL";
	req[1] = (char *)booking;
	if (!has) {
		fprintf(stderr, _("Booking %s: its case was opened before "
		    "messages, so the worker will see the session cancelled "
		    "but not the reason.\n"), booking);
		req[2] = "-";
		return ctl_simple(ctl, 3, req);
	}
	if ((blob = staff_seal(ctl, kf, case_id, key, text, len,
	    &bloblen)) == NULL)
		return EXIT_FAIL;
	rc = send_sealed(ctl, req, 2, blob, bloblen, &r);
	free(blob);
	if (rc == EXIT_OK)
		reply_free(&r);
	return rc;
}

/* Cancels the session of a booking ("booking") or booked slot ("slot"). */
static int
cancel_of(struct ctl *ctl, const char *of, const char *id, const char *text,
    size_t len)
{
	unsigned char	 key[32];
	char		 bk[24];
	int64_t		 case_id, booking;
	int		 has;

	if (case_of(ctl, of, id, &case_id, &booking, key, &has) != EXIT_OK)
		return EXIT_FAIL;
	snprintf(bk, sizeof bk, "%lld", (long long)booking);
	return cancel_one(ctl, ctl->kf, bk, case_id, key, has, text, len);
}

/*
 * session cancel BOOKING --reason-file F, or (admin) session cancel --day
 * DATE --reason-file F: each booked session cancelled by the service, the
 * worker told why through the case.
 */
int
ctl_session_cancel(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "reason-file=", "day=", NULL };
	struct reply	 r;
	unsigned char	 key[32];
	char		*v[2], *req[2], *text;
	size_t		 len;
	int		 i, k, has, rc = EXIT_OK, done = 0;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 0, 1)) < 0)
		return EXIT_USAGE;
	if ((v[1] == NULL) == (i >= argc) || v[0] == NULL)
		return ctl_usage(ctl);
	if ((text = read_text(v[0], &len)) == NULL)
		return EXIT_FAIL;
	if (v[1] == NULL) {
		rc = ctl_login(ctl) != EXIT_OK ? EXIT_FAIL :
		    cancel_of(ctl, "booking", argv[i], text, len);
		text_free(text, len);
		return rc;
	}
	req[0] = "DAY-BOOKED";
	req[1] = v[1];
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK) {
		text_free(text, len);
		return EXIT_FAIL;
	}
	for (k = 0; k < r.ndata; k++) {
		if (r.data[k].argc != 4 || ((has = strcmp(r.data[k].argv[2],
		    "-") != 0) && key32(r.data[k].argv[2], key) != 0)) {
			rc = ctl_fail("bad answer from the daemon");
			break;
		}
		if (cancel_one(ctl, NULL, r.data[k].argv[0],
		    strtoll(r.data[k].argv[1], NULL, 10), key, has, text,
		    len) != EXIT_OK)
			rc = EXIT_FAIL;
		else
			done++;
	}
	reply_free(&r);
	text_free(text, len);
	if (isatty(STDERR_FILENO))
		fprintf(stderr, ngettext("%d session cancelled.\n",
		    "%d sessions cancelled.\n", done), done);
	return rc;
}

/*
 * avail rm SLOT [--reason-file F]: withdraws a slot; a booked one has its
 * session cancelled by the service first, the worker told why.
 */
int
ctl_avail_rm(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "reason-file=", NULL };
	struct reply	 r;
	char		*v[1], *req[2], *text, *cause;
	size_t		 len;
	int		 i, rc;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 1, 1)) < 0)
		return EXIT_USAGE;
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "AVAIL-RM";
	req[1] = argv[i];
	if (v[0] == NULL)
		return ctl_simple(ctl, 2, req);
	if ((text = read_text(v[0], &len)) == NULL)
		return EXIT_FAIL;
	/* A booked slot is refused (conflict): then the service cancels
	 * its session, which withdraws the slot too. Any other answer is
	 * said as ctl_simple says it. */
	if (conn_request(ctl->conn, 2, req, &r, &cause) != 0) {
		ctl_fail("%s", cause);
		free(cause);
		rc = EXIT_FAIL;
	} else if (r.ok) {
		reply_free(&r);
		rc = EXIT_OK;
	} else if (strcmp(r.code, ECO_ERR_CONFLICT) == 0) {
		reply_free(&r);
		rc = cancel_of(ctl, "slot", argv[i], text, len);
	} else {
		reply_free(&r);
		rc = ctl_simple(ctl, 2, req);
	}
	text_free(text, len);
	return rc;
}
