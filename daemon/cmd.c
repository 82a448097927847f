/* The command table and the dispatcher that enforces it. */
#include <stddef.h>
#include <strings.h>

#include "cmd.h"
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
		client_err(c, ECO_ERR_DENIED, "%s is not allowed for this "
		    "connection", e->name);
		return;
	}
	e->exec(c, argc - 1, argv + 1);
	if (c->replied != before + 1) {
		log_warnx("BUG: %s sent %d final lines", e->name,
		    c->replied - before);
		if (c->replied == before)
			client_err(c, ECO_ERR_INTERNAL, "no reply");
	}
}
