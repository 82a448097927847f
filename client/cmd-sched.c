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
 * Writes the weekdays of --days ("lun,mié,vie", "mon,wed,fri": Spanish or
 * English, abbreviated or whole, accents and case optional) into out as
 * the wire's "mon,wed,fri". Returns 0, or -1 if one is not a weekday.
 */
static int
weekdays_wire(const char *arg, char *out, size_t len)
{
	static const char *const names[][5] = {
		{ "sun", "dom", "domingo", "sunday", NULL },
		{ "mon", "lun", "lunes", "monday", NULL },
		{ "tue", "mar", "martes", "tuesday", NULL },
		{ "wed", "mie", "miercoles", "wednesday", NULL },
		{ "thu", "jue", "jueves", "thursday", NULL },
		{ "fri", "vie", "viernes", "friday", NULL },
		{ "sat", "sab", "sabado", "saturday", NULL },
	};
	char		 word[16];
	size_t		 n, k, used = 0;
	int		 i, j, seen = 0;

	*out = '\0';
	for (;;) {
		/* The word, in ASCII lower case, its accents dropped. */
		for (n = 0, k = 0; arg[k] != '\0' && arg[k] != ','; k++) {
			if (n + 1 >= sizeof word)
				return -1;
			/* é, á, É, Á: U+00E9, U+00E1, U+00C9, U+00C1. */
			if ((unsigned char)arg[k] == 0xc3 &&
			    arg[k + 1] != '\0') {
				k++;
				switch ((unsigned char)arg[k] | 0x20) {
				case 0xa1: word[n++] = 'a'; break;
				case 0xa9: word[n++] = 'e'; break;
				default: return -1;
				}
			} else if (arg[k] >= 'A' && arg[k] <= 'Z')
				word[n++] = arg[k] - 'A' + 'a';
			else
				word[n++] = arg[k];
		}
		word[n] = '\0';
		for (i = 0; i < 7; i++) {
			for (j = 0; names[i][j] != NULL; j++)
				if (strcmp(word, names[i][j]) == 0)
					break;
			if (names[i][j] != NULL)
				break;
		}
		if (i == 7 || (seen & (1 << i)) || used + 5 > len)
			return -1;
		seen |= 1 << i;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    used > 0 ? "," : "", names[i][0]);
		if (arg[k] == '\0')
			return 0;
		arg += k + 1;
	}
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

/*
 * avail add --start T --minutes N [--weekly C | --until DATE]
 * [--days LIST] [--modality M] [--location L] [--join TEXT | --join-file F]
 */
int
ctl_avail_add(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "start=", "minutes=", "weekly=",
	    "modality=", "location=", "days=", "until=", "join=", "join-file=",
	    NULL };
	char	*v[9], *req[9], days[64], *join = NULL;
	int	 rc, usage;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[0] == NULL || v[1] == NULL || (v[7] != NULL && v[8] != NULL))
		return ctl_usage(ctl);
	if (v[2] != NULL && v[6] != NULL) {
		ctl_fail("--weekly and --until do not go together: give the "
		    "number of weeks or the last date");
		return EXIT_USAGE;
	}
	if (v[5] != NULL && weekdays_wire(v[5], days, sizeof days) != 0) {
		ctl_fail("--days: weekdays like lun,mié,vie or mon,wed,fri, each "
		    "once, separated by commas");
		return EXIT_USAGE;
	}
	if (v[7] != NULL && join_check("--join", v[7], strlen(v[7])) != 0)
		return EXIT_USAGE;
	if (v[8] != NULL && (join = join_read(v[8], &usage)) == NULL)
		return usage ? EXIT_USAGE : EXIT_FAIL;
	if (ctl_login(ctl) != EXIT_OK) {
		free(join);
		return EXIT_FAIL;
	}
	req[0] = "AVAIL-ADD";
	req[1] = v[0];
	req[2] = v[1];
	req[3] = v[2] != NULL ? v[2] : "-";
	req[4] = v[3] != NULL ? v[3] : "presencial";
	req[5] = v[4] != NULL ? v[4] : "";
	req[6] = v[5] != NULL ? days : "-";
	req[7] = v[6] != NULL ? v[6] : "-";
	/* Without join details, the request an older ecod knows. */
	req[8] = join != NULL ? join : v[7];
	rc = list(ctl, req[8] != NULL ? 9 : 8, req, print_line);
	free(join);
	return rc;
}

/* The columns of AVAIL-LIST lines. */
static const struct out_col avail_cols[] = {
	{ "slot", N_("Slot"), COL_NUM },
	{ "start", N_("Start"), COL_TIME },
	{ "minutes", N_("Minutes"), COL_NUM },
	{ "modality", N_("Modality"), COL_MODALITY },
	{ "location", N_("Location"), COL_TEXT },
	{ "state", N_("State"), COL_WORD },
	{ "booking", N_("Booking"), COL_NUM },
};

/* avail list [--from DATE] [--to DATE] */
int
ctl_avail_list(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "from=", "to=", NULL };
	struct reply	 r;
	char		*v[2], *req[3];
	int		 i;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "AVAIL-LIST";
	req[1] = v[0] != NULL ? v[0] : "-";
	req[2] = v[1] != NULL ? v[1] : "-";
	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	/* A free slot's booking is "-" on the wire: empty here (null in
	 * JSON, "-" in a table). */
	for (i = 0; i < r.ndata; i++)
		if (r.data[i].argc >= NCOLS(avail_cols) &&
		    strcmp(r.data[i].argv[6], "-") == 0)
			r.data[i].argv[6][0] = '\0';
	out_reply(ctl, &r, avail_cols, NCOLS(avail_cols),
	    _("You have no slots in that range."));
	reply_free(&r);
	return EXIT_OK;
}

/*
 * avail block --from DATE --to DATE [--reason TEXT]: prints each withdrawn
 * slot's id alone on a line, then "booked<TAB>BOOKING<TAB>SLOT<TAB>START"
 * for each booked one left; on a terminal, stderr says what to do with
 * those. The reason never leaves ecoctl (docs/DECISIONS.md).
 */
int
ctl_avail_block(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "from=", "to=", "reason=", NULL };
	struct reply		 r;
	struct wire_fields	*f;
	const char		*why;
	char			*v[3], *req[3], when[256];
	int			 i, withdrawn = 0, booked = 0;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[0] == NULL || v[1] == NULL)
		return ctl_usage(ctl);
	if (v[2] != NULL && (strlen(v[2]) > ECO_LOCATION_MAX ||
	    wire_check_text(v[2], strlen(v[2]), &why) != 0)) {
		ctl_fail("--reason: one line of at most %d bytes",
		    ECO_LOCATION_MAX);
		return EXIT_USAGE;
	}
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = "AVAIL-BLOCK";
	req[1] = v[0];
	req[2] = v[1];
	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	for (i = 0; i < r.ndata; i++) {
		f = &r.data[i];
		if (f->argc == 2 && strcmp(f->argv[0], "withdrawn") == 0) {
			printf("%s\n", f->argv[1]);
			withdrawn++;
		} else if (f->argc == 4 && strcmp(f->argv[0], "booked") == 0) {
			printf("booked\t%s\t%s\t", f->argv[3], f->argv[1]);
			ctl_print_time(f->argv[2]);
			putchar('\n');
		}
	}
	fflush(stdout);
	if (isatty(STDERR_FILENO)) {
		fprintf(stderr, ngettext("%d free slot withdrawn.\n",
		    "%d free slots withdrawn.\n", (unsigned long)withdrawn),
		    withdrawn);
		if (v[2] != NULL && *v[2] != '\0')
			fprintf(stderr, _("Your reason (kept on this screen "
			    "only, not sent): %s\n"), v[2]);
		for (i = 0; i < r.ndata; i++) {
			f = &r.data[i];
			if (f->argc != 4 || strcmp(f->argv[0], "booked") != 0)
				continue;
			if (booked++ == 0)
				fprintf(stderr, _("These sessions are booked and "
				    "still stand; cancel each one, telling the "
				    "person why:\n"));
			human_time(f->argv[2], when, sizeof when);
			fprintf(stderr, _("  %s (booking %s): ecoctl session "
			    "cancel %s --reason-file F\n"), when, f->argv[3],
			    f->argv[3]);
		}
	}
	reply_free(&r);
	return EXIT_OK;
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

/* status [CODE] [--ical] */
int
ctl_status(struct ctl *ctl, int argc, char **argv)
{
	struct reply	 r;
	char		*req[2];
	int		 i, rc, unread;

	ctl->explain = ctl_worker_explain;
	if (ical_wanted(argc, argv))
		return ical_status(ctl, argc, argv);
	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 0, 1)) < 0)
		return EXIT_USAGE;
	if (ctl_code(ctl, i < argc ? argv[i] : NULL) != 0)
		return EXIT_FAIL;
	req[0] = "STATUS";
	req[1] = (char *)ctl->ref;
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	rc = status_list(ctl, &r);
	/* Staff messages not yet read: a count, said beside the contract. */
	if (r.final.argc == 2 && strcmp(r.final.argv[0], "unread") == 0 &&
	    (unread = atoi(r.final.argv[1])) > 0)
		fprintf(stderr, ngettext("%d new message from the service: "
		    "ecoctl messages\n", "%d new messages from the "
		    "service: ecoctl messages\n", unread), unread);
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

/* The booking and mark a mark command asked for, for mark_explain. */
static const char	*mark_asked[2];

/* Says how to correct a mark when mark met one made already. */
static int
mark_explain(struct ctl *ctl, struct reply *r)
{
	const char	*p = "the booking is marked ";
	char		 was[16];

	ctl->explain = NULL;
	if (strcmp(r->code, ECO_ERR_CONFLICT) != 0 ||
	    strncmp(r->msg, p, strlen(p)) != 0 ||
	    sscanf(r->msg + strlen(p), "%15[a-z-]", was) != 1)
		return 0;
	ctl_fail("booking %s is marked %s already. A mark can be corrected "
	    "once, soon after it was made: ecoctl mark %s %s --correct",
	    mark_asked[0], was, mark_asked[0], mark_asked[1]);
	return 1;
}

/* mark BOOKING attended|no-show [--correct] */
int
ctl_mark(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "correct", NULL };
	char	*v[1], *req[3];
	int	 i;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 2, 2)) < 0)
		return EXIT_USAGE;
	if (strcmp(argv[i + 1], "attended") != 0 &&
	    strcmp(argv[i + 1], "no-show") != 0)
		return ctl_usage(ctl);
	if (ctl_login(ctl) != EXIT_OK)
		return EXIT_FAIL;
	req[0] = v[0] != NULL ? "MARK-CORRECT" : "MARK";
	req[1] = argv[i];
	req[2] = argv[i + 1];
	mark_asked[0] = argv[i];
	mark_asked[1] = argv[i + 1];
	ctl->explain = mark_explain;
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
	out_text(pt, ctlen - crypto_box_SEALBYTES, NULL);
	sodium_memzero(pt, ctlen - crypto_box_SEALBYTES);
	free(pt);
	return EXIT_OK;
}
