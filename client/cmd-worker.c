/*
 * The worker's commands, book, cancel and reschedule, and what they tell
 * a person at a terminal: the code and how to keep it, what happened, and
 * for each refusal what can be done instead. stdout keeps the contract (the
 * code alone, or nothing); everything said to the person goes to stderr,
 * and only when stderr is a terminal, so scripts see what they always saw.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "code.h"
#include "ecoctl.h"
#include "auditfile.h"
#include "i18n.h"
#include "keyfile.h"
#include "msg.h"
#include "passphrase.h"
#include "proto.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define NEXT_SLOTS	5	/* offered when the slot was just taken */

/* A session of a case, as STATUS says it. */
struct session {
	char	*start;		/* "YYYY-MM-DDTHH:MM", local */
	char	*minutes;
	char	*modality;
	char	*location;
};

static void
session_free(struct session *s)
{
	free(s->start);
	free(s->minutes);
	free(s->modality);
	free(s->location);
	memset(s, 0, sizeof *s);
}

/* 1 if a person reads stderr. */
static int
person(void)
{
	return isatty(STDERR_FILENO);
}

/* Writes minutes for people: "24 hours", "90 minutes". */
static void
human_span(int minutes, char *buf, size_t len)
{
	if (minutes >= 60 && minutes % 60 == 0)
		snprintf(buf, len, ngettext("%d hour", "%d hours",
		    (unsigned long)(minutes / 60)), minutes / 60);
	else
		snprintf(buf, len, ngettext("%d minute", "%d minutes",
		    (unsigned long)minutes), minutes);
}

/*
 * Finds the case's upcoming session (booked, not yet started) into s.
 * Returns 1, 0 if there is none, or -1 (quietly: this is only ever asked
 * to say more).
 */
static int
upcoming(struct ctl *ctl, struct session *s)
{
	struct reply	 r;
	char		*req[2] = { "STATUS", (char *)ctl->ref }, *cause, now[32];
	int		 i, found = 0;

	memset(s, 0, sizeof *s);
	if (ctl_info(ctl) == NULL)
		return -1;
	if (conn_request(ctl->conn, 2, req, &r, &cause) != 0) {
		free(cause);
		return -1;
	}
	ctl_local_time(time(NULL), now, sizeof now);
	for (i = 0; r.ok && i < r.ndata && !found; i++) {
		if (r.data[i].argc < 5 || strcmp(r.data[i].argv[4],
		    "booked") != 0 || strcmp(r.data[i].argv[0], now) <= 0)
			continue;
		s->start = xstrdup(r.data[i].argv[0]);
		s->minutes = xstrdup(r.data[i].argv[1]);
		s->modality = xstrdup(r.data[i].argv[2]);
		s->location = xstrdup(r.data[i].argv[3]);
		found = 1;
	}
	reply_free(&r);
	return found;
}

/* Writes a session for people: "Thursday 4 December 2026, 10:00 (Mexico
 * City time), 50 minutes, in person, Consultorio 3". */
static void
session_text(struct ctl *ctl, const struct session *s, char *buf, size_t len)
{
	char	 when[256];

	human_time_zone(ctl, s->start, when, sizeof when);
	/* TRANSLATORS: when, minutes, modality, and ", location" or "". */
	snprintf(buf, len, _("%s, %s minutes, %s%s%s"), when, s->minutes,
	    human_modality(s->modality), *s->location != '\0' ? ", " : "",
	    s->location);
}

/* Writes the last moment the worker may change a session starting at
 * start (local), or "" if that is not known. */
static void
change_until(struct ctl *ctl, const char *start, char *buf, size_t len)
{
	time_t	 t;
	char	 local[32];

	*buf = '\0';
	if (ctl_info(ctl) == NULL || ctl->info->cancel_window_minutes < 0 ||
	    (t = ctl_local_seconds(start)) == -1)
		return;
	ctl_local_time(t - (time_t)ctl->info->cancel_window_minutes * 60,
	    local, sizeof local);
	human_time_zone(ctl, local, buf, len);
}

/* Offers the next free slots after one was taken. */
static void
offer_slots(struct ctl *ctl, const char *how)
{
	struct reply	 r;
	char		*req[4] = { "SLOTS", "-", "-", "-" }, *cause, when[256];
	int		 i;

	if (conn_request(ctl->conn, 4, req, &r, &cause) != 0) {
		free(cause);
		return;
	}
	if (r.ok && r.ndata == 0)
		fprintf(stderr, _("There are no free slots now; ecoctl slots "
		    "shows new ones as they are published.\n"));
	else if (r.ok) {
		fprintf(stderr, _("The next free slots:\n"));
		for (i = 0; i < r.ndata && i < NEXT_SLOTS; i++) {
			if (r.data[i].argc < 5)
				continue;
			human_time(r.data[i].argv[1], when, sizeof when);
			fprintf(stderr, "  %-5s %s, %s min, %s%s%s\n",
			    r.data[i].argv[0], when, r.data[i].argv[2],
			    human_modality(r.data[i].argv[3]),
			    *r.data[i].argv[4] != '\0' ? ", " : "",
			    r.data[i].argv[4]);
		}
		fprintf(stderr, _("Take one with: %s\n"), how);
	}
	reply_free(&r);
}

/*
 * Says what a refusal of book, cancel or reschedule means and what can be
 * done instead (ctl->explain; status's too). Returns 1 if it said so, 0 to let
 * ctl_request print the daemon's reason.
 */
int
ctl_worker_explain(struct ctl *ctl, struct reply *r)
{
	struct session	 s;
	const char	*cmd = ctl->cmd->name;
	const char	*slot = ctl->slot != NULL ? ctl->slot : "?";
	char		 until[256], span[64];
	int		 book = strcmp(cmd, "book") == 0;

	ctl->explain = NULL;		/* what follows asks quietly */
	if (strcmp(r->code, ECO_ERR_NOTFOUND) == 0 &&
	    strcmp(r->msg, "no such code") == 0) {
		ctl_fail("no case has this code. Check it character by "
		    "character: it is 7 groups of 4 letters and digits (small or "
		    "capital letters, dashes, O for 0 and I or L for 1 do not "
		    "matter). A lost code cannot be recovered, not even by the "
		    "service: you can always book again as a new case.");
		return 1;
	}
	if (strcmp(r->code, ECO_ERR_NOTFOUND) == 0 && strcmp(r->msg,
	    "this case has no upcoming session") == 0) {
		ctl_fail("this case has no upcoming session to change: "
		    "ecoctl status shows its sessions.");
		return 1;
	}
	if (strcmp(r->code, ECO_ERR_NOTFOUND) == 0 && strcmp(r->msg,
	    "no such slot") == 0) {
		ctl_fail("there is no slot %s to book: ecoctl slots lists "
		    "the free ones.", slot);
		return 1;
	}
	if (strcmp(r->code, ECO_ERR_TAKEN) == 0) {
		ctl_fail("someone has just booked slot %s.", slot);
		offer_slots(ctl, book ? (ctl->wc != NULL ?
		    "ecoctl book SLOT --code" : "ecoctl book SLOT") :
		    "ecoctl reschedule SLOT");
		return 1;
	}
	if (strcmp(r->code, ECO_ERR_POLICY) == 0 &&
	    strncmp(r->msg, "too late to change", 18) == 0) {
		if (upcoming(ctl, &s) == 1) {
			change_until(ctl, s.start, until, sizeof until);
			session_free(&s);
		} else
			*until = '\0';
		human_span(ctl->info != NULL ?
		    ctl->info->cancel_window_minutes : 0, span, sizeof span);
		if (*until != '\0')
			ctl_fail("it is too late to change this session "
			    "yourself: changes were possible until %s (%s "
			    "before it starts). The service can still cancel "
			    "it for you: contact them.", until, span);
		else
			ctl_fail("it is too late to change this session "
			    "yourself. The service can still cancel it for "
			    "you: contact them.");
		return 1;
	}
	if (strcmp(r->code, ECO_ERR_POLICY) == 0 && ctl_info(ctl) != NULL &&
	    ctl->info->min_notice_minutes >= 0) {
		human_span(ctl->info->min_notice_minutes, span, sizeof span);
		ctl_fail("slot %s starts too soon: a session can be booked "
		    "until %s before it starts. ecoctl slots lists those that "
		    "can still be booked.", slot, span);
		return 1;
	}
	if (strcmp(r->code, ECO_ERR_CONFLICT) == 0 && book) {
		ctl_fail("this case has an upcoming session already: cancel "
		    "it (ecoctl cancel) or move it (ecoctl reschedule) first.");
		return 1;
	}
	return 0;
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

/*
 * Before booking slot: if it starts inside the cancel window, says that it
 * could not be changed afterwards and, when a person can answer, asks.
 * Returns 1 to go on, 0 if the person said no.
 */
static int
book_window(struct ctl *ctl, const char *slot)
{
	struct reply	 r;
	char		 to[32], when[256], span[64], answer[16];
	char		*req[4] = { "SLOTS", "-", to, "-" }, *cause;
	time_t		 now = time(NULL), t;
	int		 i, w, go = 1;

	if (!person() || ctl_info(ctl) == NULL ||
	    (w = ctl->info->cancel_window_minutes) <= 0)
		return 1;
	ctl_local_time(now + (time_t)w * 60, to, sizeof to);
	to[10] = '\0';
	if (conn_request(ctl->conn, 4, req, &r, &cause) != 0) {
		free(cause);
		return 1;
	}
	for (i = 0; r.ok && i < r.ndata; i++) {
		if (r.data[i].argc < 5 || strcmp(r.data[i].argv[0], slot) != 0 ||
		    (t = ctl_local_seconds(r.data[i].argv[1])) == -1 ||
		    t - now >= (time_t)w * 60)
			continue;
		human_time_zone(ctl, r.data[i].argv[1], when, sizeof when);
		human_span(w, span, sizeof span);
		fprintf(stderr, _("This session starts %s: that is less than %s "
		    "from now, so once it is booked you cannot cancel or change "
		    "it yourself (the service still can).\n"), when, span);
		if (isatty(STDIN_FILENO)) {
			fprintf(stderr, _("Book it? [y/N] "));
			/* TRANSLATORS: the letters that answer yes: "sSyY". */
			go = fgets(answer, sizeof answer, stdin) != NULL &&
			    answer[0] != '\0' && strchr(_("yY"), answer[0]) !=
			    NULL;
		}
	}
	reply_free(&r);
	return go;
}

/* Prints the new code on its own line with write(2): no stdio buffer
 * keeps a copy. */
static void
code_print(const char *text)
{
	fflush(stdout);
	if (auditdir_write_all(STDOUT_FILENO, text, strlen(text)) == 0)
		(void)auditdir_write_all(STDOUT_FILENO, "\n", 1);
}

/* What a person keeps from a new booking: the code's worth, how to keep
 * it, and the session. */
static void
book_told(struct ctl *ctl, int new_case)
{
	struct session	 s;
	char		 until[256], what[512];

	if (!person())
		return;
	fflush(stdout);
	if (new_case)
		fprintf(stderr, _("\n"
		    "This is your code. It is the only way back to this "
		    "booking:\n"
		    "no one, not even the service, can look it up or give it "
		    "to you again.\n"
		    "  - Write it down on paper and keep it where only you "
		    "look.\n"
		    "  - Do not take a photo of it on a phone or computer "
		    "others use.\n"
		    "  - With it you can see your session (ecoctl status), "
		    "cancel it\n"
		    "    (ecoctl cancel), move it (ecoctl reschedule SLOT) and "
		    "book a follow-up\n"
		    "    (ecoctl book SLOT --code). Each asks for the code: "
		    "type it there,\n"
		    "    not after the command, where the shell would keep "
		    "it.\n"));
	if (upcoming(ctl, &s) != 1)
		return;
	session_text(ctl, &s, what, sizeof what);
	fprintf(stderr, _("Your session: %s.\n"), what);
	change_until(ctl, s.start, until, sizeof until);
	if (*until != '\0')
		fprintf(stderr, _("You can cancel or change it until %s.\n"),
		    until);
	session_free(&s);
}

/* 1 if s is a slot id as typed: digits only. */
static int
all_digits(const char *s)
{
	return *s != '\0' && s[strspn(s, "0123456789")] == '\0';
}

/*
 * A slot id is all digits: anything else, a code typed in its place among
 * them, is refused here and never sent.
 */
static int
slot_ok(const char *slot)
{
	if (all_digits(slot))
		return 1;
	ctl_fail("%s: not an id (a whole number from 1)", "slot");
	return 0;
}

/*
 * book SLOT [--code [CODE] | --code-file F] [--message-file F]. --code
 * alone asks for the code (ctl_code); "--code CODE", the form of old,
 * leaves CODE as a second argument, told from the slot as the one that
 * is not all digits.
 */
int
ctl_book(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "code?", "message-file=", NULL };
	struct wcode	 nw;
	unsigned char	 pk[32], *sk;
	char		 key[sodium_base64_ENCODED_LEN(32,
			    sodium_base64_VARIANT_ORIGINAL)];
	char		*v[2], *req[5], *sealed = NULL, *code = NULL;
	int		 i, rc, n = 0, follow;

	if ((i = ctl_parse(ctl, argc, argv, names, v, 1, 2)) < 0)
		return EXIT_USAGE;
	follow = v[0] != NULL || ctl->codefile != NULL;
	if (argc - i == 2) {
		if (v[0] == NULL || *v[0] != '\0' ||
		    all_digits(argv[i]) == all_digits(argv[i + 1]))
			return ctl_usage(ctl);
		ctl->slot = argv[all_digits(argv[i]) ? i : i + 1];
		code = argv[all_digits(argv[i]) ? i + 1 : i];
	} else {
		ctl->slot = argv[i];
		if (v[0] != NULL && *v[0] != '\0')
			code = v[0];
	}
	if (!slot_ok(ctl->slot))
		return EXIT_USAGE;
	ctl->explain = ctl_worker_explain;
	if (follow && ctl_code(ctl, code) != 0)
		return EXIT_FAIL;
	if (v[1] != NULL && (sealed = seal_message(ctl, ctl->slot, v[1])) ==
	    NULL)
		return EXIT_FAIL;
	if (!book_window(ctl, ctl->slot)) {
		free(sealed);
		fprintf(stderr, _("Not booked.\n"));
		return EXIT_FAIL;
	}
	if (follow) {
		req[n++] = "BOOK";
		req[n++] = (char *)ctl->slot;
		req[n++] = (char *)ctl->ref;
	} else {
		/* A new case: the code is made here, and the daemon gets
		 * its lookup token and the case key's public half. */
		wcode_new(&nw);
		wcode_keypair(&nw, pk, &sk);
		sodium_free(sk);
		sodium_bin2base64(key, sizeof key, pk, sizeof pk,
		    sodium_base64_VARIANT_ORIGINAL);
		req[n++] = "BOOK-NEW";
		req[n++] = (char *)ctl->slot;
		req[n++] = nw.ref;
		req[n++] = key;
	}
	req[n++] = sealed != NULL ? sealed : "-";
	rc = ctl_simple(ctl, n, req);
	free(sealed);
	if (!follow) {
		/* Told only once booked, then it is ctl's to say more. */
		if (rc != EXIT_OK) {
			wcode_free(&nw);
			return EXIT_FAIL;
		}
		ctl->wc = xmalloc(sizeof *ctl->wc);
		*ctl->wc = nw;
		ctl->ref = ctl->wc->ref;
		code_print(ctl->wc->text);
	} else if (rc != EXIT_OK)
		return EXIT_FAIL;
	else if (ctl->wc->version == CODE_V1)
		ctl_book_case_key(ctl);
	book_told(ctl, !follow);
	return EXIT_OK;
}

/* cancel [CODE]: says which session was cancelled. */
int
ctl_cancel(struct ctl *ctl, int argc, char **argv)
{
	struct session	 s;
	char		*req[2], what[512];
	int		 i, had = 0;

	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 0, 1)) < 0)
		return EXIT_USAGE;
	ctl->explain = ctl_worker_explain;
	if (ctl_code(ctl, i < argc ? argv[i] : NULL) != 0)
		return EXIT_FAIL;
	if (person() && ctl_info(ctl) != NULL)
		had = upcoming(ctl, &s) == 1;
	req[0] = "CANCEL";
	req[1] = (char *)ctl->ref;
	if (ctl_simple(ctl, 2, req) != EXIT_OK) {
		if (had)
			session_free(&s);
		return EXIT_FAIL;
	}
	if (had) {
		session_text(ctl, &s, what, sizeof what);
		fprintf(stderr, _("Cancelled: your session of %s.\n"), what);
		fprintf(stderr, _("Your code still works: book again with "
		    "ecoctl book SLOT --code.\n"));
		session_free(&s);
	}
	return EXIT_OK;
}

/* reschedule [CODE] SLOT: says where the session moved. */
int
ctl_reschedule(struct ctl *ctl, int argc, char **argv)
{
	struct session	 s;
	char		*req[3], what[256], now[512];
	int		 i, had = 0;

	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 1, 2)) < 0)
		return EXIT_USAGE;
	ctl->slot = argv[argc - 1];
	if (!slot_ok(ctl->slot))
		return EXIT_USAGE;
	ctl->explain = ctl_worker_explain;
	if (ctl_code(ctl, argc - i == 2 ? argv[i] : NULL) != 0)
		return EXIT_FAIL;
	if (person() && ctl_info(ctl) != NULL)
		had = upcoming(ctl, &s) == 1;
	req[0] = "RESCHEDULE";
	req[1] = (char *)ctl->ref;
	req[2] = (char *)ctl->slot;
	if (ctl_simple(ctl, 3, req) != EXIT_OK) {
		if (had)
			session_free(&s);
		return EXIT_FAIL;
	}
	if (had) {
		human_time_zone(ctl, s.start, what, sizeof what);
		session_free(&s);
		if (upcoming(ctl, &s) == 1) {
			session_text(ctl, &s, now, sizeof now);
			fprintf(stderr, _("Moved: your session of %s is now on "
			    "%s.\n"), what, now);
			session_free(&s);
		}
	}
	return EXIT_OK;
}

/* Tries the code in text: 0 with ctl->wc and ctl->ref set, or -1. */
static int
code_take(struct ctl *ctl, const char *text)
{
	ctl->wc = xcalloc(1, sizeof *ctl->wc);
	if (wcode_read(ctl->wc, text) == 0) {
		ctl->ref = ctl->wc->ref;
		return 0;
	}
	free(ctl->wc);
	ctl->wc = NULL;
	return -1;
}

/*
 * Asks for the code at the terminal, in the person's language, echo off
 * unless --show-code; a line that is not a code (the check caught a typo)
 * is asked again, up to CODE_TRIES times. Returns 0, 1 if what was typed
 * last is not a code, or -1 having said why nothing was read.
 */
#define CODE_TRIES	3
static int
code_ask(struct ctl *ctl)
{
	char	*typed;
	int	 i, noterm;

	for (i = 0; i < CODE_TRIES; i++) {
		typed = secret_from_tty(ctl->showcode ? _("Your code: ") :
		    _("Your code (not shown as you type): "), ctl->showcode,
		    &noterm);
		if (typed == NULL) {
			ctl_fail("%s", noterm ? _("no terminal to ask for the "
			    "code; give it on standard input or with "
			    "--code-file F") : _("no code read"));
			return -1;
		}
		if (code_take(ctl, typed) == 0) {
			passphrase_free(typed);
			return 0;
		}
		passphrase_free(typed);
		if (i + 1 < CODE_TRIES)
			fprintf(stderr, _("That is not a code: it is 7 groups of "
			    "4 letters and digits. Try again.\n"));
	}
	return 1;
}

/*
 * Reads a worker command's code into ctl->wc; ctl->ref is then what goes
 * on the wire for it. The code comes from --code-file, else arg (the
 * command line, wiped once copied), else the terminal (a prompt), else
 * the first line of standard input, read a byte at a time so that what
 * follows it (reply's text) is left there. Returns 0, or -1 having said
 * why: "no such code" as the daemon would (ctl->explain first) when what
 * was read is not a code.
 */
int
ctl_code(struct ctl *ctl, char *arg)
{
	struct reply	 r;
	char		*typed = NULL, *cause;
	int		 rc;

	ctl_code_free(ctl);
	if (ctl->codefile != NULL && arg != NULL) {
		ctl_fail("the code is given twice: as an argument and with "
		    "--code-file");
		return -1;
	}
	if (ctl->codefile != NULL) {
		if ((typed = secret_from_file(ctl->codefile, &cause)) == NULL) {
			ctl_fail("%s: %s", ctl->codefile, cause);
			free(cause);
			return -1;
		}
		rc = code_take(ctl, typed);
	} else if (arg != NULL) {
		rc = code_take(ctl, arg);
		/* What ps shows from now on; the shell's history keeps it. */
		sodium_memzero(arg, strlen(arg));
		if (person() && isatty(STDIN_FILENO) && !ctl->in_shell)
			fprintf(stderr, _("ecoctl: a code on the command line "
			    "stays in the shell's history and others can see it "
			    "while ecoctl runs; leave it out and ecoctl asks for "
			    "it.\n"));
	} else if (isatty(STDIN_FILENO)) {
		if ((rc = code_ask(ctl)) < 0)
			return -1;
	} else {
		if ((typed = secret_from_fd(STDIN_FILENO)) == NULL) {
			ctl_fail("no code read from standard input: type it "
			    "at the prompt, or give it as the first line of "
			    "standard input or of --code-file F");
			return -1;
		}
		rc = code_take(ctl, typed);
	}
	passphrase_free(typed);
	if (rc == 0)
		return 0;
	memset(&r, 0, sizeof r);
	r.code = ECO_ERR_NOTFOUND;
	r.msg = "no such code";
	if (ctl->explain == NULL || !ctl->explain(ctl, &r))
		ctl_fail("%s", _("no such code"));
	ctl->explain = NULL;
	return -1;
}

/* Wipes a worker command's code. */
void
ctl_code_free(struct ctl *ctl)
{
	if (ctl->wc != NULL) {
		wcode_free(ctl->wc);
		free(ctl->wc);
	}
	ctl->wc = NULL;
	ctl->ref = NULL;
}
