/* The command table and the dispatcher that enforces it. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "cmd.h"
#include "ecod.h"
#include "sched.h"
#include "log.h"
#include "proto.h"
#include "server.h"

const struct cmd_entry cmd_table[] = {
	{ "HELLO", 1, 1, ROLE_ANYONE, CMD_PREHELLO, cmd_hello,
	    "HELLO version" },
	{ "HELP", 0, 0, ROLE_ANYONE, CMD_PREHELLO, cmd_help, "HELP" },
	{ "PING", 0, 0, ROLE_ANYONE, 0, cmd_ping, "PING" },
	{ "QUIT", 0, 0, ROLE_ANYONE, CMD_PREHELLO, cmd_quit, "QUIT" },
	{ "STATS", 0, 0, ROLE_ADMIN, 0, cmd_stats, "STATS" },

	{ "LOGIN", 1, 1, ROLE_ANYONE, 0, cmd_login, "LOGIN name" },
	{ "AUTH", 1, 1, ROLE_ANYONE, 0, cmd_auth, "AUTH signature" },
	{ "ENROL", 3, 3, ROLE_ADMIN, 0, cmd_enrol,
	    "ENROL counsellor|auditor name pubkey" },
	{ "REVOKE", 1, 1, ROLE_ADMIN, 0, cmd_revoke, "REVOKE name" },

	{ "AVAIL-ADD", 5, 5, ROLE_COUNSELLOR, 0, cmd_avail_add,
	    "AVAIL-ADD start minutes weeks modality location" },
	{ "AVAIL-RM", 1, 1, ROLE_COUNSELLOR, 0, cmd_avail_rm, "AVAIL-RM slot" },
	{ "AGENDA", 0, 2, ROLE_COUNSELLOR, 0, cmd_agenda,
	    "AGENDA [from|-] [to|-]" },
	{ "MARK", 2, 2, ROLE_COUNSELLOR, 0, cmd_mark,
	    "MARK booking attended|no-show" },
	{ "MESSAGE", 1, 1, ROLE_COUNSELLOR, 0, cmd_message, "MESSAGE booking" },

	{ "LOGIN-RECOVERY", 0, 0, ROLE_ANYONE, 0, cmd_login_recovery,
	    "LOGIN-RECOVERY" },
	{ "RECOVERY-KEY", 0, 0, ROLE_COUNSELLOR, 0, cmd_recovery_key,
	    "RECOVERY-KEY" },
	{ "NOTE-BEGIN", 3, 3, ROLE_COUNSELLOR, 0, cmd_note_begin,
	    "NOTE-BEGIN booking amends|- size" },
	{ "NOTE-DATA", 1, 1, ROLE_COUNSELLOR, 0, cmd_note_data,
	    "NOTE-DATA chunk" },
	{ "NOTE-END", 0, 0, ROLE_COUNSELLOR, 0, cmd_note_end, "NOTE-END" },
	{ "NOTE-LIST", 0, 1, ROLE_COUNSELLOR | ROLE_RECOVERY, 0, cmd_note_list,
	    "NOTE-LIST [case|-]" },
	{ "NOTE-OPEN", 1, 1, ROLE_COUNSELLOR | ROLE_RECOVERY, 0, cmd_note_open,
	    "NOTE-OPEN note" },

	{ "SLOTS", 0, 3, ROLE_ANYONE, 0, cmd_slots,
	    "SLOTS [from|-] [to|-] [modality|-]" },
	{ "SLOTKEY", 1, 1, ROLE_ANYONE, 0, cmd_slotkey, "SLOTKEY slot" },
	{ "BOOK", 1, 3, ROLE_ANYONE, 0, cmd_book,
	    "BOOK slot [code|-] [message|-]" },
	{ "STATUS", 1, 1, ROLE_ANYONE, 0, cmd_status, "STATUS code" },
	{ "CANCEL", 1, 1, ROLE_ANYONE, 0, cmd_cancel, "CANCEL code" },
	{ "RESCHEDULE", 2, 2, ROLE_ANYONE, 0, cmd_reschedule,
	    "RESCHEDULE code slot" },

	{ "AUDIT-PUBKEY", 0, 0, ROLE_AUDITOR, 0, cmd_audit_pubkey,
	    "AUDIT-PUBKEY" },
	{ "AUDIT-HEAD", 0, 0, ROLE_AUDITOR, 0, cmd_audit_head, "AUDIT-HEAD" },
	{ "AUDIT-ENTRIES", 2, 2, ROLE_AUDITOR, 0, cmd_audit_entries,
	    "AUDIT-ENTRIES first last" },
	{ "AUDIT-CONSISTENCY", 2, 2, ROLE_AUDITOR, 0, cmd_audit_consistency,
	    "AUDIT-CONSISTENCY size1 size2" },
	{ "AUDIT-INCLUSION", 2, 2, ROLE_AUDITOR, 0, cmd_audit_inclusion,
	    "AUDIT-INCLUSION seq size" },
	{ NULL, 0, 0, 0, 0, NULL, NULL }
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

/* Parses a row id: 1 to 18 decimal digits, no sign, no spaces. */
int
cmd_parse_id(const char *s, int64_t *id)
{
	size_t	 n = strlen(s);

	if (n == 0 || n > 18 || strspn(s, "0123456789") != n ||
	    (*id = strtoll(s, NULL, 10)) <= 0)
		return -1;
	return 0;
}

/* Parses a whole number in [min, max]. */
int
cmd_parse_int(const char *s, int min, int max, int *v)
{
	int64_t	 id;

	if (cmd_parse_id(s, &id) != 0 || id < min || id > max)
		return -1;
	*v = (int)id;
	return 0;
}

/* Names the connection in the audit entries its request appends. */
static void
cmd_actor(struct client *c)
{
	struct ecod	*ecod = c->srv->ecod;
	struct person	*p = sched_person(ecod->sched, c->person);

	if ((c->roles & ROLE_AUDITOR) && p != NULL)
		audit_set_actor(ecod->audit, "auditor", p->name);
	else if ((c->roles & ROLE_COUNSELLOR) && p != NULL)
		audit_set_actor(ecod->audit, "counsellor", p->name);
	else if (c->roles & ROLE_RECOVERY)
		audit_set_actor(ecod->audit, "recovery", NULL);
	else if (c->roles & ROLE_ADMIN)
		audit_set_actor(ecod->audit, "admin", NULL);
	else
		audit_set_actor(ecod->audit, "worker", NULL);
}

/*
 * Runs one request: argv[0] is the verb. Every request gets exactly one
 * final OK or ERR line; a handler that sends none is a bug, answered here.
 */
void
cmd_dispatch(struct client *c, int argc, char **argv)
{
	const struct cmd_entry	*e;
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
	if (argc - 1 < e->minargs || argc - 1 > e->maxargs) {
		client_err(c, ECO_ERR_USAGE, "usage: %s", e->usage);
		return;
	}
	if (!(c->roles & e->roles)) {
		cmd_refused(c, e->name, NULL, 0);
		client_err(c, ECO_ERR_DENIED, "%s is not allowed for this "
		    "connection", e->name);
		return;
	}
	cmd_actor(c);
	e->exec(c, argc - 1, argv + 1);
	if (c->replied != before + 1) {
		log_warnx("BUG: %s sent %d final lines", e->name,
		    c->replied - before);
		if (c->replied == before)
			client_err(c, ECO_ERR_INTERNAL, "no reply");
	}
}
