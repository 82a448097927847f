/* The verbs of every connection: handshake, help, ping, quit, stats. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backup.h"
#include "cmd.h"
#include "config.h"
#include "ecod.h"
#include "instance.h"
#include "proto.h"
#include "sched.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

/* HELLO version: agrees on the protocol version. */
void
cmd_hello(struct client *c, const struct args *a)
{
	char	*ok[] = { "ECO", "1", "ecod/" ECO_VERSION };

	if (c->hello) {
		client_err(c, ECO_ERR_HELLO, "HELLO was already said");
		return;
	}
	if (a->v[0].i != ECO_PROTO_VERSION) {
		client_err(c, ECO_ERR_VERSION, "unsupported protocol version; "
		    "this daemon speaks %d", ECO_PROTO_VERSION);
		return;
	}
	c->hello = 1;
	client_ok(c, 3, ok);
}

/* HELP: the usage of every verb this connection may use. */
void
cmd_help(struct client *c, const struct args *a)
{
	const struct cmd_entry	*e;
	char			*field[1];

	for (e = cmd_table; e->name != NULL; e++) {
		if (!(c->roles & e->roles))
			continue;
		field[0] = cmd_usage(e);
		client_data(c, 1, field);
		free(field[0]);
	}
	client_ok(c, 0, NULL);
}

/* PING: proves the daemon is serving. */
void
cmd_ping(struct client *c, const struct args *a)
{
	char	*pong[] = { "PONG" };

	client_ok(c, 1, pong);
}

/* Sends one "* name value" line of INFO. */
static void
info_line(struct client *c, const char *name, const char *value)
{
	char	*f[2] = { (char *)name, (char *)value };

	client_data(c, 2, f);
}

/*
 * INFO: what a client needs to show the service to people: the time zone
 * its local times are in, an id of this instance (for calendar UIDs: a
 * hash of the audit public key, so stable and never secret), the booking
 * rules in minutes, and the worker's calendar title. Nothing about anyone.
 */
void
cmd_info(struct client *c, const struct args *a)
{
	const struct config	*cf = c->srv->ecod->cf;
	unsigned char		 h[8];
	char			 hex[2 * sizeof h + 1], num[32];

	crypto_generichash(h, sizeof h, c->srv->ecod->inst->audit_sk + 32, 32,
	    NULL, 0);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	info_line(c, "timezone", cf->timezone);
	info_line(c, "instance", hex);
	snprintf(num, sizeof num, "%d", cf->min_notice_minutes);
	info_line(c, "min_notice_minutes", num);
	snprintf(num, sizeof num, "%d", cf->cancel_window_minutes);
	info_line(c, "cancel_window_minutes", num);
	info_line(c, "ical_summary", cf->ical_summary);
	client_ok(c, 0, NULL);
}

/* QUIT: answers, then closes the connection. */
void
cmd_quit(struct client *c, const struct args *a)
{
	char	*bye[] = { "BYE" };

	client_ok(c, 1, bye);
	client_close(c);
}

/* Sends one "* name value" statistics line. */
static void
stat_line(struct client *c, const char *name, long long value)
{
	char	 num[32], *f[2];

	snprintf(num, sizeof num, "%lld", value);
	f[0] = (char *)name;
	f[1] = num;
	client_data(c, 2, f);
}

/* STATS: counts, uptime and connections; never contents. */
void
cmd_stats(struct client *c, const struct args *a)
{
	struct ecod		*ecod = c->srv->ecod;
	const struct server	*srv = c->srv;
	const char *const	*t;
	const struct store_stats *ss;
	char			*name, *cause;
	int64_t			 n;

	stat_line(c, "uptime_seconds", (long long)(time(NULL) - ecod->started));
	stat_line(c, "connections", srv->nclients);
	stat_line(c, "connections_max", ecod->cf->max_connections);
	stat_line(c, "connections_total", (long long)srv->stats.accepted);
	stat_line(c, "connections_refused", (long long)srv->stats.refused);
	stat_line(c, "connections_refused_full",
	    (long long)srv->stats.refused_by[REFUSED_FULL]);
	stat_line(c, "connections_refused_uid",
	    (long long)srv->stats.refused_by[REFUSED_UID]);
	stat_line(c, "connections_refused_nofile",
	    (long long)srv->stats.refused_by[REFUSED_NOFILE]);
	stat_line(c, "request_timeouts", (long long)srv->stats.timeouts);
	stat_line(c, "output_overflows", (long long)srv->stats.overflows);
	stat_line(c, "requests", (long long)srv->stats.requests);
	stat_line(c, "errors", (long long)srv->stats.errors);
	ss = store_stats(ecod->inst->store);
	stat_line(c, "commits", (long long)ss->commits);
	stat_line(c, "batches", (long long)ss->batches);
	stat_line(c, "batched_requests", (long long)ss->batched);
	stat_line(c, "schema_version",
	    store_schema_version(ecod->inst->store));
	for (t = store_tables(); *t != NULL; t++) {
		if (store_count(ecod->inst->store, *t, &n, &cause) != 0) {
			free(cause);
			client_err(c, ECO_ERR_INTERNAL, "cannot count rows");
			return;
		}
		xasprintf(&name, "rows_%s", *t);
		stat_line(c, name, n);
		free(name);
	}
	client_ok(c, 0, NULL);
}

/*
 * PURGE: deletes what retention_days and note_retention_days have
 * expired (sched_purge); answers the counts, "cases N", "bookings N",
 * "notes N", one a line.
 */
void
cmd_purge(struct client *c, const struct args *a)
{
	struct purge_counts	 pc;
	struct sched_err	 e;

	if (backup_copying(c->srv->ecod)) {
		/* Its truncating checkpoint would wait for the snapshot. */
		client_err(c, ECO_ERR_CONFLICT, "a backup is being copied; "
		    "purge when it ends");
		return;
	}
	if (sched_purge(c->srv->ecod->sched, a->actor, time(NULL), &pc,
	    &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	stat_line(c, "cases", (long long)pc.cases);
	stat_line(c, "bookings", (long long)pc.bookings);
	stat_line(c, "notes", (long long)pc.notes);
	stat_line(c, "messages", (long long)pc.messages);
	client_ok(c, 0, NULL);
}
