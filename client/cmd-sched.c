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
#include <unistd.h>

#include "ecoctl.h"
#include "i18n.h"
#include "keyfile.h"
#include "proto.h"
#include "wire.h"
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
	{ "join", N_("How to join"), COL_TEXT },	/* not on a terminal */
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
	{ "join", N_("How to join"), COL_TEXT },
};

static void
print_line(struct wire_fields *f)
{
	if (f->argc >= 1)
		printf("%s\n", f->argv[0]);
}

/*
 * Checks join details (from --join, or what --join-file read) as the
 * daemon will: UTF-8 text of at most ECO_JOIN_MAX bytes, no control
 * character. Returns 0, or -1 having said why.
 */
static int
join_check(const char *what, const char *s, size_t len)
{
	const char	*cause;
	size_t		 i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			ctl_fail("%s: the join details are one line of text, "
			    "without tabs or other control characters", what);
			return -1;
		}
	if (wire_check_text(s, len, &cause) != 0) {
		ctl_fail("%s: the join details are not UTF-8 text, or hold a "
		    "control character", what);
		return -1;
	}
	if (len > ECO_JOIN_MAX) {
		ctl_fail("%s: the join details are %zu bytes; at most %d",
		    what, len, ECO_JOIN_MAX);
		return -1;
	}
	return 0;
}

/*
 * Reads join details from file: one line, its newline dropped. Returns
 * them (allocated), or NULL having said why (*usage: the text is wrong,
 * not the file).
 */
static char *
join_read(const char *file, int *usage)
{
	char	*s;
	size_t	 len;

	*usage = 0;
	if ((s = ctl_read_file(file, 4 * ECO_JOIN_MAX, &len)) == NULL)
		return NULL;
	if (len > 0 && s[len - 1] == '\n')
		s[--len] = '\0';
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (join_check(file, s, len) != 0) {		/* a NUL too */
		free(s);
		*usage = 1;
		return NULL;
	}
	return s;
}

/* avail add --start T --minutes N [--weekly C] [--modality M] [--location L]
 * [--join TEXT | --join-file F] */
int
ctl_avail_add(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "start=", "minutes=", "weekly=",
	    "modality=", "location=", "join=", "join-file=", NULL };
	char	*v[7], *req[7], *join = NULL;
	int	 rc, usage;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[0] == NULL || v[1] == NULL || (v[5] != NULL && v[6] != NULL))
		return ctl_usage(ctl);
	if (v[5] != NULL && join_check("--join", v[5], strlen(v[5])) != 0)
		return EXIT_USAGE;
	if (v[6] != NULL && (join = join_read(v[6], &usage)) == NULL)
		return usage ? EXIT_USAGE : EXIT_FAIL;
	if (ctl_login(ctl) != EXIT_OK) {
		free(join);
		return EXIT_FAIL;
	}
	req[0] = "AVAIL-ADD";
	req[1] = v[0];
	req[2] = v[1];
	req[3] = v[2] != NULL ? v[2] : "1";
	req[4] = v[3] != NULL ? v[3] : "presencial";
	req[5] = v[4] != NULL ? v[4] : "";
	/* Without join details, the request an older ecod knows. */
	req[6] = join != NULL ? join : v[5];
	rc = list(ctl, req[6] != NULL ? 7 : 6, req, print_line);
	free(join);
	return rc;
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
	return listing(ctl, 4, req, slot_cols, NCOLS(slot_cols),
	    _("No free slots in that range."));
}

/* Tells a person at a terminal how to join each session of r that has
 * join details (STATUS gives them only while a session is booked). */
static void
status_join(struct reply *r)
{
	struct wire_fields	*w;
	char			 when[256];
	int			 i;

	for (i = 0; i < r->ndata; i++) {
		w = &r->data[i];
		if (w->argc < 10 || *w->argv[9] == '\0')
			continue;
		human_time(w->argv[0], when, sizeof when);
		if (strcmp(w->argv[2], "telefono") == 0)
			printf(_("To join your session of %s: call %s\n"), when,
			    w->argv[9]);
		else if (strcmp(w->argv[2], "video") == 0)
			printf(_("To join your session of %s: open %s\n"), when,
			    w->argv[9]);
		else
			printf(_("To join your session of %s: go to %s\n"), when,
			    w->argv[9]);
	}
}

/*
 * Lists the STATUS reply r: piped and in JSON with the join details as
 * the last column (empty from an older daemon, whose lines lack them); on
 * a terminal the table without them, then how to join in words.
 */
static int
status_list(struct ctl *ctl, struct reply *r)
{
	static const int pick[] = { 0, 1, 2, 3, 4, 9 };
	int	 people = !ctl->json && isatty(STDOUT_FILENO);

	out_reply_pick(ctl, r, status_cols, NCOLS(status_cols) - people, pick,
	    5, _("This case has no sessions."));
	if (people)
		status_join(r);
	return EXIT_OK;
}

/* status CODE [--ical] */
int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	struct reply	 r;
	char		*req[2];
	int		 i, rc;

	ctl->explain = ctl_worker_explain;
	if (ical_wanted(argc, argv))
		return ical_status(ctl, argc, argv);
	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 1, 1)) < 0)
		return EXIT_USAGE;
	req[0] = "STATUS";
	req[1] = argv[i];
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	rc = status_list(ctl, &r);
	reply_free(&r);
	return rc;
}

/* agenda [--from DATE] [--to DATE] [--ical] */
int
ctl_agenda(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "from=", "to=", "ical", NULL };
	static const int pick[] = { 0, 1, 2, 3, 4, 5, 6, 7, 12 };
	struct reply	 r;
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
	if (v[2] != NULL)
		return ical_export(ctl, 3, req, 0);
	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	out_reply_pick(ctl, &r, agenda_cols, NCOLS(agenda_cols), pick, 8,
	    _("No bookings in that range."));
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
