/* The command table and the dispatcher that enforces it. */
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "backup.h"
#include "cmd.h"
#include "i18n.h"
#include "code.h"
#include "ecod.h"
#include "log.h"
#include "passphrase.h"
#include "proto.h"
#include "sched.h"
#include "sealed.h"
#include "server.h"
#include "timeutil.h"
#include "wire.h"
#include "xmalloc.h"

static const char *const w_roles[] = { "counsellor", "auditor", NULL };
static const char *const w_marks[] = { "attended", "no-show", NULL };
static const char *const w_caseof[] = { "case", "booking", "slot", NULL };

/* Field templates used by several verbs. */
#define T_SLOT		{ "slot", A_ID, 0, 0, NULL }
#define T_BOOKING	{ "booking", A_ID, 0, 0, NULL }
#define T_LOOKUP	{ "lookup", A_LOOKUP, 0, 0, NULL }
#define T_CASEKEY	{ "casekey", A_B64, 32, 32, NULL }
#define T_INTAKE	{ "message", A_B64 | A_OPT, crypto_box_SEALBYTES + 1, \
			    crypto_box_SEALBYTES + ECO_MESSAGE_MAX, NULL }
#define T_NAME		{ "name", A_NAME, 0, 0, NULL }
#define T_FROM		{ "from", A_DATE | A_OPT, 0, 0, NULL }
#define T_TO		{ "to", A_DATE | A_OPT, 0, 0, NULL }
#define T_SEQ(n)	{ n, A_ID, 0, 0, NULL }
#define T_MSG		{ "sealed", A_B64, MSG_HDR_FIXED, \
			    ECO_MESSAGE_TEXT_MAX + MSG_OVERHEAD_MAX, NULL }

const struct cmd_entry cmd_table[] = {
	{ "HELLO", ROLE_ANYONE, CMD_PREHELLO | CMD_MEMORY, cmd_hello,
	    { { "version", A_INT, 1, 999, NULL } } },
	{ "HELP", ROLE_ANYONE, CMD_PREHELLO | CMD_MEMORY, cmd_help, { { 0 } } },
	{ "PING", ROLE_ANYONE, CMD_MEMORY, cmd_ping, { { 0 } } },
	{ "INFO", ROLE_ANYONE, CMD_MEMORY, cmd_info, { { 0 } } },
	{ "QUIT", ROLE_ANYONE, CMD_PREHELLO | CMD_MEMORY, cmd_quit, { { 0 } } },
	{ "STATS", ROLE_ADMIN, 0, cmd_stats, { { 0 } } },

	{ "LOGIN", ROLE_ANYONE, 0, cmd_login, { T_NAME } },
	{ "AUTH", ROLE_ANYONE, 0, cmd_auth,
	    { { "signature", A_B64, crypto_sign_BYTES, crypto_sign_BYTES,
	    NULL } } },
	{ "ENROL", ROLE_ADMIN, 0, cmd_enrol,
	    { { "role", A_WORD, 0, 0, w_roles }, T_NAME,
	    { "pubkey", A_PUBKEY, 32, 32, NULL } } },
	{ "REVOKE", ROLE_ADMIN, 0, cmd_revoke, { T_NAME } },
	{ "PEOPLE", ROLE_ADMIN, 0, cmd_people, { { 0 } } },
	{ "REKEY", ROLE_ADMIN, 0, cmd_rekey,
	    { { "role", A_WORD, 0, 0, w_roles }, T_NAME,
	    { "pubkey", A_PUBKEY, 32, 32, NULL } } },
	{ "VERIFY", ROLE_ADMIN, 0, cmd_verify, { { 0 } } },
	{ "ADMIN-AUDIT-PUBKEY", ROLE_ADMIN, 0, cmd_audit_pubkey, { { 0 } } },
	{ "PURGE", ROLE_ADMIN, 0, cmd_purge, { { 0 } } },
	{ "BACKUP", ROLE_ADMIN, 0, cmd_backup, { { 0 } } },
	{ "BACKUP-READ", ROLE_ADMIN, 0, cmd_backup_read,
	    { { "offset", A_INT, 0, INT64_MAX, NULL } } },
	{ "BACKUP-END", ROLE_ADMIN, 0, cmd_backup_end, { { 0 } } },
	{ "ROTATE-KEY", ROLE_ADMIN, 0, cmd_rotate_key,
	    { { "passphrase", A_B64 | A_OPT, 1, PASSPHRASE_MAX - 1, NULL } } },

	{ "AVAIL-ADD", ROLE_COUNSELLOR, 0, cmd_avail_add,
	    { { "start", A_TIME, 0, 0, NULL },
	    { "minutes", A_INT, SLOT_MINUTES_MIN, SLOT_MINUTES_MAX, NULL },
	    { "weeks", A_INT | A_OPT, 1, ECO_AVAIL_WEEKS_MAX, NULL },
	    { "modality", A_MODALITY, 0, 0, NULL },
	    { "location", A_TEXT, 0, ECO_LOCATION_MAX, NULL },
	    { "days", A_WEEKDAYS | A_OPT, 0, 0, NULL },
	    { "until", A_DATE | A_OPT, 0, 0, NULL },
	    { "join", A_TEXT | A_OPT, 0, ECO_JOIN_MAX, NULL } } },
	{ "AVAIL-RM", ROLE_COUNSELLOR, 0, cmd_avail_rm, { T_SLOT } },
	{ "AVAIL-LIST", ROLE_COUNSELLOR, 0, cmd_avail_list, { T_FROM, T_TO } },
	{ "AVAIL-BLOCK", ROLE_COUNSELLOR, 0, cmd_avail_block,
	    { { "from", A_DATE, 0, 0, NULL }, { "to", A_DATE, 0, 0, NULL } } },
	{ "AGENDA", ROLE_COUNSELLOR, 0, cmd_agenda, { T_FROM, T_TO } },
	{ "MARK", ROLE_COUNSELLOR, 0, cmd_mark,
	    { T_BOOKING, { "mark", A_WORD, 0, 0, w_marks } } },
	{ "MARK-CORRECT", ROLE_COUNSELLOR, 0, cmd_mark_correct,
	    { T_BOOKING, { "mark", A_WORD, 0, 0, w_marks } } },
	{ "MESSAGE", ROLE_COUNSELLOR, 0, cmd_message, { T_BOOKING } },
	{ "CASE-KEY", ROLE_COUNSELLOR | ROLE_ADMIN, 0, cmd_case_key,
	    { { "of", A_WORD, 0, 0, w_caseof }, { "id", A_ID, 0, 0, NULL } } },
	{ "MSG-SEND", ROLE_COUNSELLOR, 0, cmd_msg_send,
	    { { "case", A_ID, 0, 0, NULL }, T_MSG } },
	{ "MSG-LIST", ROLE_COUNSELLOR | ROLE_RECOVERY, 0, cmd_msg_list,
	    { { "case", A_ID | A_OPT, 0, 0, NULL } } },
	{ "MSG-OPEN", ROLE_COUNSELLOR | ROLE_RECOVERY, 0, cmd_msg_open,
	    { { "msg", A_ID, 0, 0, NULL } } },
	{ "SESSION-CANCEL", ROLE_COUNSELLOR | ROLE_ADMIN, 0, cmd_session_cancel,
	    { T_BOOKING, { "sealed", A_B64 | A_OPT, MSG_HDR_FIXED,
	    ECO_MESSAGE_TEXT_MAX + MSG_OVERHEAD_MAX, NULL } } },
	{ "DAY-BOOKED", ROLE_ADMIN, 0, cmd_day_booked,
	    { { "date", A_DATE, 0, 0, NULL } } },

	{ "LOGIN-RECOVERY", ROLE_ANYONE, 0, cmd_login_recovery, { { 0 } } },
	{ "RECOVERY-KEY", ROLE_COUNSELLOR | ROLE_ADMIN, 0, cmd_recovery_key, { { 0 } } },
	{ "NOTE-BEGIN", ROLE_COUNSELLOR, 0, cmd_note_begin,
	    { T_BOOKING, { "amends", A_ID | A_OPT, 0, 0, NULL },
	    { "size", A_INT, 1, ECO_NOTE_MAX + NOTE_OVERHEAD_MAX, NULL } } },
	{ "NOTE-DATA", ROLE_COUNSELLOR, 0, cmd_note_data,
	    { { "chunk", A_B64, 1, ECO_CHUNK_BYTES, NULL } } },
	{ "NOTE-END", ROLE_COUNSELLOR, 0, cmd_note_end, { { 0 } } },
	{ "NOTE-LIST", ROLE_COUNSELLOR | ROLE_RECOVERY, 0, cmd_note_list,
	    { { "case", A_ID | A_OPT, 0, 0, NULL } } },
	{ "NOTE-OPEN", ROLE_COUNSELLOR | ROLE_RECOVERY, 0, cmd_note_open,
	    { { "note", A_ID, 0, 0, NULL } } },

	{ "SLOTS", ROLE_ANYONE, CMD_MEMORY, cmd_slots,
	    { T_FROM, T_TO, { "modality", A_MODALITY | A_OPT, 0, 0, NULL } } },
	{ "SLOTKEY", ROLE_ANYONE, CMD_MEMORY, cmd_slotkey, { T_SLOT } },
	{ "BOOK-NEW", ROLE_ANYONE, 0, cmd_book_new,
	    { T_SLOT, { "token", A_B64, CODE_LOOKUP_BYTES, CODE_LOOKUP_BYTES,
	    NULL }, T_CASEKEY, T_INTAKE } },
	{ "BOOK", ROLE_ANYONE, 0, cmd_book, { T_SLOT, T_LOOKUP, T_INTAKE } },
	{ "STATUS", ROLE_ANYONE, 0, cmd_status, { T_LOOKUP } },
	{ "CASE-SET", ROLE_ANYONE, 0, cmd_case_set,
	    { T_LOOKUP, T_CASEKEY } },
	{ "MSG-RCPT", ROLE_ANYONE, 0, cmd_msg_rcpt, { T_LOOKUP } },
	{ "MSG-POST", ROLE_ANYONE, 0, cmd_msg_post, { T_LOOKUP, T_MSG } },
	{ "MSG-THREAD", ROLE_ANYONE, 0, cmd_msg_thread, { T_LOOKUP } },
	{ "CANCEL", ROLE_ANYONE, 0, cmd_cancel, { T_LOOKUP } },
	{ "RESCHEDULE", ROLE_ANYONE, 0, cmd_reschedule, { T_LOOKUP, T_SLOT } },

	{ "AUDIT-PUBKEY", ROLE_AUDITOR, 0, cmd_audit_pubkey, { { 0 } } },
	{ "AUDIT-HEAD", ROLE_AUDITOR, 0, cmd_audit_head, { { 0 } } },
	{ "AUDIT-ENTRIES", ROLE_AUDITOR, 0, cmd_audit_entries,
	    { T_SEQ("first"), T_SEQ("last") } },
	{ "AUDIT-CONSISTENCY", ROLE_AUDITOR, 0, cmd_audit_consistency,
	    { T_SEQ("size1"), T_SEQ("size2") } },
	{ "AUDIT-INCLUSION", ROLE_AUDITOR, 0, cmd_audit_inclusion,
	    { T_SEQ("seq"), T_SEQ("size") } },
	{ NULL, 0, 0, NULL, { { 0 } } }
};

/* Returns the table entry for verb (any case), or NULL. */
static const struct cmd_entry *
cmd_find(const char *verb)
{
	const struct cmd_entry	*e;

	for (e = cmd_table; e->name != NULL; e++)
		if (strcasecmp(e->name, verb) == 0)
			return e;
	return NULL;
}

/* Returns the usage of a verb made from its template (allocated):
 * "BOOK slot [code|-] [message|-]". */
char *
cmd_usage(const struct cmd_entry *e)
{
	const struct arg_spec	*a;
	char			*u = xstrdup(e->name), *v;

	for (a = e->args; a->type != A_NONE; a++) {
		if (a->type & A_OPT)
			xasprintf(&v, "%s [%s|-]", u, a->name);
		else
			xasprintf(&v, "%s %s", u, a->name);
		free(u);
		u = v;
	}
	return u;
}

/* Counts the fields a template requires and allows. */
static void
cmd_arity(const struct cmd_entry *e, int *min, int *max)
{
	const struct arg_spec	*a;

	*min = *max = 0;
	for (a = e->args; a->type != A_NONE; a++) {
		(*max)++;
		if (!(a->type & A_OPT))
			*min = *max;
	}
}

/* Parses 1 to 18 decimal digits: no sign, no spaces, no leading zero. */
static int
parse_num(const char *s, int64_t *v)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > 18 || strspn(s, "0123456789") != n ||
	    (s[0] == '0' && n > 1))
		return -1;
	*v = strtoll(s, NULL, 10);
	return 0;
}

/* Returns 1 if s is 1 to KEY_NAME_MAX of [A-Za-z0-9._-]. */
static int
name_valid(const char *s)
{
	size_t	 n = strlen(s);

	return n > 0 && n <= KEY_NAME_MAX && strspn(s,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == n;
}

/* Says which words a field may be: "mark: attended or no-show". */
static void
words_err(const struct arg_spec *a, char **why)
{
	char	*list = xstrdup(a->words[0]), *more;
	int	 i;

	for (i = 1; a->words[i] != NULL; i++) {
		xasprintf(&more, "%s%s%s", list, a->words[i + 1] != NULL ?
		    ", " : " or ", a->words[i]);
		free(list);
		list = more;
	}
	xasprintf(why, "%s: %s", a->name, list);
	free(list);
}

/*
 * Checks field s against template a and fills v. Returns 0, or -1 with
 * the error code and the reason (the daemon's words, never the field).
 */
static int
arg_parse(const struct arg_spec *a, const char *s, struct arg *v,
    const char **code, char **why)
{
	const char	*tw;
	unsigned char	 curve[32];
	size_t		 n = strlen(s), max;
	int		 i;

	memset(v, 0, sizeof *v);
	v->s = s;
	*code = ECO_ERR_INVALID;
	switch (a->type & ~A_OPT) {
	case A_ID:
		if (parse_num(s, &v->i) != 0 || v->i == 0)
			goto bad_id;
		break;
	case A_INT:
		if (parse_num(s, &v->i) != 0 || v->i < a->min ||
		    v->i > a->max)
			goto bad_int;
		break;
	case A_TIME:
	case A_DATE:
		if (time_parse_local(s, (a->type & ~A_OPT) == A_DATE, &v->t,
		    &tw) != 0) {
			xasprintf(why, "%s: %s", a->name, tw);
			return -1;
		}
		break;
	case A_MODALITY:
		if ((v->i = modality_parse(s)) == 0) {
			xasprintf(why, "%s: one of " ECO_MODALITIES, a->name);
			return -1;
		}
		break;
	case A_WORD:
		for (i = 0; a->words[i] != NULL; i++)
			if (strcmp(s, a->words[i]) == 0)
				break;
		if (a->words[i] == NULL) {
			words_err(a, why);
			return -1;
		}
		v->i = i;
		break;
	case A_LOOKUP:
		/* The token (base64), or a code ecod made itself; a code
		 * ecoctl made never comes here and is not looked up. */
		if ((v->bin = sodium_malloc(CODE_LOOKUP_BYTES)) == NULL)
			fatalx("sodium_malloc failed");
		v->secret = 1;
		if (n == sodium_base64_ENCODED_LEN(CODE_LOOKUP_BYTES,
		    sodium_base64_VARIANT_ORIGINAL) - 1 &&
		    sodium_base642bin(v->bin, CODE_LOOKUP_BYTES, s, n, NULL,
		    &v->len, NULL, sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    v->len == CODE_LOOKUP_BYTES)
			break;
		if (code_parse_len(s, n, v->bin) == CODE_V1) {
			v->len = CODE_RANDOM_BYTES;
			break;
		}
		v->len = 0;
		*code = ECO_ERR_NOTFOUND;	/* a typo: DESIGN 1 */
		xasprintf(why, "no such code");
		return -1;
	case A_B64:
	case A_PUBKEY:
		max = (size_t)a->max;
		if (n > sodium_base64_ENCODED_LEN(max,
		    sodium_base64_VARIANT_ORIGINAL) || !wire_b64_ok(s, n))
			goto bad_b64;
		v->bin = xmalloc(max);
		v->cap = max;
		if (sodium_base642bin(v->bin, max, s, n, NULL, &v->len, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    v->len < (size_t)a->min)
			goto bad_b64;
		/* It must convert to X25519: notes are sealed to it. */
		if ((a->type & ~A_OPT) == A_PUBKEY &&
		    crypto_sign_ed25519_pk_to_curve25519(curve, v->bin) != 0) {
			xasprintf(why, N_("%s: not a public key from ecoctl keygen"),
			    a->name);
			return -1;
		}
		break;
	case A_NAME:
		if (!name_valid(s)) {
			xasprintf(why, N_("%s: 1 to %d letters, digits, dots, "
			    "hyphens or underscores"), a->name, KEY_NAME_MAX);
			return -1;
		}
		break;
	case A_TEXT:
		if (n > (size_t)a->max) {
			xasprintf(why, N_("%s: at most %lld bytes"), a->name,
			    a->max);
			return -1;
		}
		break;
	case A_WEEKDAYS:
		if (time_parse_weekdays(s, &i) != 0) {
			xasprintf(why, N_("%s: weekdays like mon,wed,fri (mon to "
			    "sun, each once)"), a->name);
			return -1;
		}
		v->i = i;
		break;
	}
	v->set = 1;
	return 0;
bad_id:
	xasprintf(why, N_("%s: not an id (a whole number from 1)"), a->name);
	return -1;
bad_int:
	xasprintf(why, N_("%s: must be %lld to %lld"), a->name, a->min, a->max);
	return -1;
bad_b64:
	if (a->min == a->max)
		xasprintf(why, N_("%s: not base64 of %lld bytes"), a->name, a->max);
	else
		xasprintf(why, N_("%s: not base64 of %lld to %lld bytes"), a->name,
		    a->min, a->max);
	return -1;
}

/* Frees what the parsed fields hold, wiping decoded bytes. */
static void
args_free(struct args *args)
{
	struct arg	*v;
	int		 i;

	for (i = 0; i < args->n; i++) {
		v = &args->v[i];
		if (v->secret)
			sodium_free(v->bin);	/* wipes it */
		else if (v->bin != NULL) {
			sodium_memzero(v->bin, v->cap);
			free(v->bin);
		}
		v->bin = NULL;
	}
}

/*
 * Checks argv[0..argc) against the entry's template. Returns 0 with args
 * filled, or -1 having replied (one ERR, the field named).
 */
static int
args_parse(struct client *c, const struct cmd_entry *e, int argc,
    char **argv, struct args *args)
{
	const char	*code;
	char		*why, *usage;
	int		 min, max, i;

	memset(args, 0, sizeof *args);
	cmd_arity(e, &min, &max);
	if (argc < min || argc > max) {
		usage = cmd_usage(e);
		client_err(c, ECO_ERR_USAGE, "usage: %s", usage);
		free(usage);
		return -1;
	}
	for (i = 0; i < argc; i++) {
		args->n = i + 1;
		if ((e->args[i].type & A_OPT) && strcmp(argv[i], "-") == 0)
			continue;
		if (arg_parse(&e->args[i], argv[i], &args->v[i], &code,
		    &why) != 0) {
			client_err(c, code, "%s", why);
			free(why);
			return -1;
		}
	}
	return 0;
}

/* Writes the audit actor of the connection into buf: "worker", "admin",
 * "counsellor:NAME", "auditor:NAME" or "recovery"; returns buf. */
static const char *
cmd_actor(struct client *c, char *buf, size_t len)
{
	struct person	*p = sched_person(c->srv->ecod->sched, c->person);

	if ((c->roles & ROLE_AUDITOR) && p != NULL)
		snprintf(buf, len, "auditor:%s", p->name);
	else if ((c->roles & ROLE_COUNSELLOR) && p != NULL)
		snprintf(buf, len, "counsellor:%s", p->name);
	else if (c->roles & ROLE_RECOVERY)
		snprintf(buf, len, "recovery");
	else if (c->roles & ROLE_ADMIN)
		snprintf(buf, len, "admin");
	else
		snprintf(buf, len, "worker");
	return buf;
}

/*
 * Records that the connection was refused what (a verb of the table, any
 * case, or an action such as "login") on kind:id, naming the actor it
 * acts as. See sched_refused: nothing the client sent is written.
 */
void
cmd_refused(struct client *c, const char *what, const char *kind, int64_t id)
{
	char	 actor[AUDIT_ACTOR_MAX], action[32];
	size_t	 i;

	for (i = 0; what[i] != '\0' && i < sizeof action - 1; i++)
		action[i] = (what[i] >= 'A' && what[i] <= 'Z') ?
		    what[i] - 'A' + 'a' : what[i];
	action[i] = '\0';
	sched_refused(c->srv->ecod->sched, cmd_actor(c, actor, sizeof actor),
	    action, kind, id);
}

/*
 * Returns 1 if verb runs from memory alone, whoever asks: it may run while
 * a batch's COMMIT is in flight (server.c, client_park). Such a verb is
 * allowed to everyone, so no refusal of it is ever written.
 */
int
cmd_memory_only(const char *verb)
{
	const struct cmd_entry	*e;

	return (e = cmd_find(verb)) != NULL && (e->flags & CMD_MEMORY) &&
	    e->roles == ROLE_ANYONE;
}

/*
 * Runs one request: argv[0] is the verb. The verb must exist, follow the
 * handshake, be allowed to the connection's roles and have fields that
 * fit its template, in that order, before its handler runs. Every request
 * gets exactly one final OK or ERR line; a handler that sends none is a
 * bug, answered here.
 */
void
cmd_dispatch(struct client *c, int argc, char **argv)
{
	const struct cmd_entry	*e;
	struct args		 args;
	int			 before = c->replied;

	if ((e = cmd_find(argv[0])) == NULL) {
		client_err(c, ECO_ERR_UNKNOWN, "unknown command; try HELP");
		return;
	}
	if (!c->hello && !(e->flags & CMD_PREHELLO)) {
		client_err(c, ECO_ERR_HELLO, "say HELLO %d first",
		    ECO_PROTO_VERSION);
		return;
	}
	if (!(c->roles & e->roles)) {
		cmd_refused(c, e->name, NULL, 0);
		client_err(c, ECO_ERR_DENIED, "%s is not allowed for this "
		    "connection", e->name);
		return;
	}
	if (args_parse(c, e, argc - 1, argv + 1, &args) != 0) {
		args_free(&args);
		return;
	}
	cmd_actor(c, args.actor, sizeof args.actor);
	e->exec(c, &args);
	args_free(&args);
	if (c->replied != before + (c->waiting ? 0 : 1)) {	/* client_wait */
		log_warnx("BUG: %s sent %d final lines", e->name,
		    c->replied - before);
		if (c->replied == before)
			client_err(c, ECO_ERR_INTERNAL, "no reply");
	}
}
