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
#include "i18n.h"
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

/* Sends req and lists the reply's data lines in columns. */
static int
listing(struct ctl *ctl, int n, char **req, const struct out_col *cols,
    int ncols, const char *empty)
{
	struct reply	 r;

	if (ctl_request(ctl, n, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	out_reply(ctl, &r, cols, ncols, empty);
	reply_free(&r);
	return EXIT_OK;
}

/* Sends req and expects a plain OK. */
int
ctl_simple(struct ctl *ctl, int n, char **req)
{
	struct reply	 r;

	if (ctl_request(ctl, n, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	reply_free(&r);
	return EXIT_OK;
}

/* The columns of SLOTS, STATUS and AGENDA lines (docs/PROTOCOL.md). */
static const struct out_col slot_cols[] = {
	{ "slot", N_("Slot"), COL_NUM },
	{ "start", N_("Start"), COL_TIME },
	{ "minutes", N_("Minutes"), COL_NUM },
	{ "modality", N_("Modality"), COL_MODALITY },
	{ "location", N_("Location"), COL_TEXT },
};
static const struct out_col status_cols[] = {
	{ "start", N_("Start"), COL_TIME },
	{ "minutes", N_("Minutes"), COL_NUM },
	{ "modality", N_("Modality"), COL_MODALITY },
	{ "location", N_("Location"), COL_TEXT },
	{ "state", N_("State"), COL_WORD },
};
static const struct out_col agenda_cols[] = {
	{ "booking", N_("Booking"), COL_NUM },
	{ "start", N_("Start"), COL_TIME },
	{ "minutes", N_("Minutes"), COL_NUM },
	{ "modality", N_("Modality"), COL_MODALITY },
	{ "location", N_("Location"), COL_TEXT },
	{ "state", N_("State"), COL_WORD },
	{ "case", N_("Case"), COL_NUM },
	{ "message", N_("Message"), COL_FLAG },
};

static void
print_line(struct wire_fields *f)
{
	if (f->argc >= 1)
		printf("%s\n", f->argv[0]);
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
 * as "VERB args...", logged in first if login; lists the data lines as l
 * says (NULL: none expected).
 */
int
ctl_verb(struct ctl *ctl, int argc, char **argv, char *verb, int npos,
    int login, const struct listing *l)
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
	if (l == NULL)
		return ctl_simple(ctl, npos + 1, req);
	return listing(ctl, npos + 1, req, l->cols, l->ncols, _(l->empty));
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
	return listing(ctl, 4, req, slot_cols, NCOLS(slot_cols),
	    _("No free slots in that range."));
}

/* status CODE [--ical] */
int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	static const struct listing l = { status_cols, NCOLS(status_cols),
	    N_("This case has no sessions.") };

	struct reply	 r;
	char		*req[2];
	int		 i, unread;

	ctl->explain = ctl_worker_explain;
	if (ical_wanted(argc, argv))
		return ical_status(ctl, argc, argv);
	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 1, 1)) < 0)
		return EXIT_USAGE;
	req[0] = "STATUS";
	req[1] = argv[i];
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	out_reply(ctl, &r, l.cols, l.ncols, _(l.empty));
	/* Staff messages not yet read: a count, said beside the contract. */
	if (r.final.argc == 2 && strcmp(r.final.argv[0], "unread") == 0 &&
	    (unread = atoi(r.final.argv[1])) > 0)
		fprintf(stderr, ngettext("%d new message from the service: "
		    "ecoctl messages CODE\n", "%d new messages from the "
		    "service: ecoctl messages CODE\n", unread), unread);
	reply_free(&r);
	return EXIT_OK;
}

/* agenda [--from DATE] [--to DATE] [--ical] */
int
ctl_agenda(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "from=", "to=", "ical", NULL };
	char		*v[3], *req[3];

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[2] != NULL && ctl->json)
		return ctl_usage(ctl);
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "AGENDA";
	req[1] = v[0] != NULL ? v[0] : "-";
	req[2] = v[1] != NULL ? v[1] : "-";
	if (v[2] == NULL)
		return listing(ctl, 3, req, agenda_cols, NCOLS(agenda_cols),
		    _("No bookings in that range."));
	return ical_export(ctl, 3, req, 0);
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
	return ctl_simple(ctl, 3, req);
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
