/*
 * The server: one listening Unix socket, one bufferevent a connection.
 * Input is read a line at a time up to max_line_bytes; an overlong line
 * gets one ERR and is skipped to its end, and a line must arrive whole
 * within request_timeout_seconds of its first byte. Output over 1 MiB
 * pauses reading until the client catches up; over max_output_bytes the
 * client is closed. Connections are refused past max_connections (less a
 * reserve for admin uids), past max_connections_per_uid, and when out of
 * descriptors, always with ERR busy. Every connection ends through
 * client_free, and nothing about the peer but its roles and a count per
 * uid is kept.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <grp.h>
#include <search.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "cmd.h"
#include "config.h"
#include "ecod.h"
#include "log.h"
#include "instance.h"
#include "proto.h"
#include "sched.h"
#include "server.h"
#include "store.h"
#include "wire.h"
#include "xmalloc.h"

/* Output queued past this stops reading requests; below LOW resumes. */
#define OUTPUT_HIGH	(1024 * 1024)
#define OUTPUT_LOW	(64 * 1024)
#define LISTEN_BACKLOG	128
#define CLIENT_TURN_USEC	2000	/* of pipelined requests, then others */
/* Refusals are logged as one summary line at most this often. */
#define REFUSAL_LOG_SECONDS	10

static void	client_read_cb(struct bufferevent *, void *);
static void	client_write_cb(struct bufferevent *, void *);
static void	client_event_cb(struct bufferevent *, short, void *);
static void	client_free(struct client *);
static int	client_process(struct client *);
static void	client_unbook(struct client *);
static struct uid_rate *server_rate(struct server *, uid_t, time_t);
static void	client_deadline_arm(struct client *);
static void	client_yield(struct client *);
static int	peer_cmp(const void *, const void *);

/*
 * Drops everything queued for a client whose output passed
 * max_output_bytes (a huge reply, or requests pipelined by a client that
 * does not read) and marks it to be freed once its handler returns.
 */
static void
client_overflow(struct client *c)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	c->overflow = 1;
	c->srv->stats.overflows++;
	log_warnx("connection %llu: output over %d bytes; closing",
	    (unsigned long long)c->id, c->srv->ecod->cf->max_output_bytes);
	/* The bufferevent keeps its output's front frozen: thaw to drop. */
	evbuffer_unfreeze(out, 1);
	evbuffer_drain(out, evbuffer_get_length(out));
	evbuffer_freeze(out, 1);
	client_close(c);
}

/* Appends one line to the client's output; the caller formats it. */
static void
client_line(struct client *c, const char *prefix, const char *rest)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);
	size_t		 len;

	if (c->overflow)
		return;
	if (rest != NULL && *rest != '\0')
		evbuffer_add_printf(out, "%s %s\n", prefix, rest);
	else
		evbuffer_add_printf(out, "%s\n", prefix);
	len = evbuffer_get_length(out);
	if (len > (size_t)c->srv->ecod->cf->max_output_bytes) {
		client_overflow(c);
		return;
	}
	if (len > OUTPUT_HIGH && !c->paused) {
		c->paused = 1;
		bufferevent_disable(c->bev, EV_READ);
	}
}

/* The bytes a reply may still queue before max_output_bytes closes it. */
size_t
client_room(struct client *c)
{
	size_t	 len = evbuffer_get_length(bufferevent_get_output(c->bev));
	size_t	 max = (size_t)c->srv->ecod->cf->max_output_bytes;

	return c->overflow || len >= max ? 0 : max - len;
}

/* Sends a data line: "*" and the fields, quoted as needed. */
void
client_data(struct client *c, int argc, char *const *argv)
{
	char	*line = wire_join(argc, argv);

	client_line(c, ECO_REPLY_DATA, line);
	free(line);
}

/* Sends the final OK line of a reply, with optional fields. */
void
client_ok(struct client *c, int argc, char *const *argv)
{
	char	*line = wire_join(argc, argv);

	client_line(c, ECO_REPLY_OK, line);
	free(line);
	c->replied++;
}

/*
 * Sends the final ERR line: a code for scripts, then a reason for people.
 * The reason is the daemon's own text: never an echo of client input.
 */
void
client_err(struct client *c, const char *code, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *line;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	xasprintf(&line, "%s %s", code, msg);
	client_line(c, ECO_REPLY_ERR, line);
	free(line);
	free(msg);
	c->replied++;
	c->srv->stats.errors++;
}

/* Ends the connection once its output is written. */
void
client_close(struct client *c)
{
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

/*
 * Holds a client whose reply comes later (a backup being made): no more
 * of its lines are read or handled, and no idle or request timer runs,
 * until client_resume.
 */
void
client_wait(struct client *c)
{
	c->waiting = 1;
	bufferevent_disable(c->bev, EV_READ);
}

/* The late reply is queued: handle what the client sent meanwhile. */
void
client_resume(struct client *c)
{
	c->waiting = 0;
	if (c->closing)
		return;
	if (!c->paused)
		bufferevent_enable(c->bev, EV_READ);
	client_process(c);
}

/*
 * A batch failed: the bookings its request counted against the
 * connection and the uid's hour did not happen.
 */
static void
client_unbook(struct client *c)
{
	struct uid_rate	*r;
	int		 n = c->bookings - c->held_bookings;

	if (n <= 0)
		return;
	c->bookings = c->held_bookings;
	if (c->srv->ecod->cf->max_bookings_per_uid_hour > 0) {
		r = server_rate(c->srv, c->uid, time(NULL));
		r->count = r->count > n ? r->count - n : 0;
	}
}

/* Returns the rate entry of uid, reusing the stalest if it has none. */
static struct uid_rate *
server_rate(struct server *srv, uid_t uid, time_t now)
{
	struct uid_rate	*r, *old = &srv->rates[0];
	size_t		 i;

	for (i = 0; i < UID_RATE_SLOTS; i++) {
		r = &srv->rates[i];
		if (r->count > 0 && r->uid == uid) {
			if (now - r->window >= 3600) {
				r->window = now;
				r->count = 0;
			}
			return r;
		}
		if (r->count == 0 || r->window < old->window)
			old = r;
	}
	old->uid = uid;
	old->window = now;
	old->count = 0;
	return old;
}

/*
 * Returns 1 if the connection may book once more: slot hoarding is
 * bounded per connection and per peer uid an hour, with no record of the
 * booker kept anywhere but these counters in memory.
 */
int
client_may_book(struct client *c, time_t now)
{
	const struct config	*cf = c->srv->ecod->cf;
	struct uid_rate		*r;

	if (c->bookings >= cf->max_bookings_per_connection)
		return 0;
	if (cf->max_bookings_per_uid_hour == 0)
		return 1;
	r = server_rate(c->srv, c->uid, now);
	return r->count < cf->max_bookings_per_uid_hour;
}

/* Counts a booking made by the connection. */
void
client_booked(struct client *c, time_t now)
{
	c->bookings++;
	if (c->srv->ecod->cf->max_bookings_per_uid_hour > 0)
		server_rate(c->srv, c->uid, now)->count++;
}

/* Drops the connection's unfinished upload, if any. */
void
upload_free(struct client *c)
{
	if (c->upload == NULL)
		return;
	free(c->upload->buf);
	free(c->upload);
	c->upload = NULL;
}

/* Ends the login of every connection of a person (on revocation). */
void
server_logout_person(struct server *srv, int64_t person)
{
	struct client	*c;

	TAILQ_FOREACH(c, &srv->clients, entry) {
		if (c->person == person) {
			c->person = 0;
			c->roles &= ~(ROLE_COUNSELLOR | ROLE_AUDITOR);
			upload_free(c);
		}
	}
}

/*
 * Group commit. A request whose change joined the open batch
 * (sched_commit) has its reply held: its output from the request on is
 * not written, and no more of its lines are read, until the batch is
 * flushed. Then the reply goes out; or, if the batch failed, what the
 * request queued is replaced by one ERR (storage failure, nothing
 * changed) and its login is put back as it was. Replies of requests that
 * joined no batch are not held.
 */
static void
client_hold(struct client *c, size_t len, int64_t person, int roles,
    int bookings)
{
	c->batchq = BATCHQ_HELD;
	c->held_len = len;
	c->held_person = person;
	c->held_roles = roles;
	c->held_bookings = bookings;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&c->srv->held, c, batch_entry);
}

/*
 * Drops what the client's output holds past its first len bytes. The
 * bufferevent keeps the front of its output frozen (only its writes take
 * from there); nothing is being written while the reply is held, so it is
 * thawed for this.
 */
static void
client_truncate(struct client *c, size_t len)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev), *keep;
	size_t		 n = evbuffer_get_length(out);

	if (n <= len)
		return;
	if ((keep = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evbuffer_unfreeze(out, 1);
	if (evbuffer_remove_buffer(out, keep, len) != (int)len ||
	    evbuffer_drain(out, n - len) != 0 ||
	    evbuffer_add_buffer(out, keep) != 0)
		fatalx("cannot take back a held reply");
	evbuffer_freeze(out, 1);
	evbuffer_free(keep);
}

/* Takes a client off the list it is on, if any. */
static void
client_unqueue(struct client *c)
{
	if (c->batchq == BATCHQ_HELD)
		TAILQ_REMOVE(&c->srv->held, c, batch_entry);
	else if (c->batchq == BATCHQ_RESUMING)
		TAILQ_REMOVE(&c->srv->resuming, c, batch_entry);
	else if (c->batchq == BATCHQ_PARKED)
		TAILQ_REMOVE(&c->srv->parked, c, batch_entry);
	c->batchq = BATCHQ_NONE;
}

/* The first change joined a batch: flush it once this loop iteration's
 * other callbacks have run, so the requests read meanwhile join too. */
static void
server_joined(void *arg)
{
	struct server	*srv = arg;

	event_active(srv->flush, EV_TIMEOUT, 0);
}

/* The batch was flushed (e NULL) or failed: release the held replies, in
 * order; their clients' next lines are handled from the loop (unhold), not
 * here, where the flusher may be in the middle of a request. */
static void
server_flushed(void *arg, const struct sched_err *e)
{
	struct server	*srv = arg;
	struct client	*c;

	while ((c = TAILQ_FIRST(&srv->held)) != NULL) {
		client_unqueue(c);
		if (e != NULL && c->overflow)
			client_truncate(c, 0);	/* closing: nothing of it */
		else if (e != NULL) {
			client_truncate(c, c->held_len);
			c->person = c->held_person;
			c->roles = c->held_roles;
			client_unbook(c);
			client_err(c, e->code, "%s", e->msg);
		}
		bufferevent_enable(c->bev, EV_WRITE);
		c->batchq = BATCHQ_RESUMING;
		TAILQ_INSERT_TAIL(&srv->resuming, c, batch_entry);
	}
	while ((c = TAILQ_FIRST(&srv->parked)) != NULL) {
		client_unqueue(c);
		c->batchq = BATCHQ_RESUMING;
		TAILQ_INSERT_TAIL(&srv->resuming, c, batch_entry);
	}
	if (!TAILQ_EMPTY(&srv->resuming))
		event_active(srv->unhold, EV_TIMEOUT, 0);
}

/* Hands the open batch's COMMIT to the writer (settled in
 * server_committed_cb, whose hook releases the replies). */
static void
server_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server		*srv = arg;
	struct sched_err	 e;

	sched_flush_start(srv->ecod->sched, &e);
}

/* The writer is done with the batch's COMMIT: its replies go out, and the
 * requests parked meanwhile run. */
static void
server_committed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server		*srv = arg;
	struct sched_err	 e;

	store_wake_drain(srv->ecod->inst->store);
	if (store_flush_ready(srv->ecod->inst->store))
		sched_settle(srv->ecod->sched, &e);
	if (srv->ecod->due && srv->ecod->run_due != NULL &&
	    !sched_committing(srv->ecod->sched))
		srv->ecod->run_due(srv->ecod);
}

/* Handles what the released clients sent while their replies were held. */
static void
server_unhold_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;
	struct client	*c;
	size_t		 n = 0;

	/* Those queued now: one that yields (client_yield) goes to the
	 * back for the next turn, after everyone else's. */
	TAILQ_FOREACH(c, &srv->resuming, batch_entry)
		n++;
	while (n-- > 0 && (c = TAILQ_FIRST(&srv->resuming)) != NULL) {
		client_unqueue(c);
		if (!c->closing && !c->paused && !c->waiting)
			bufferevent_enable(c->bev, EV_READ);
		client_process(c);
	}
}

/* Turns group commit on (once the daemon serves) or off (at shutdown,
 * committing what is open). */
void
server_batching(struct server *srv, int on)
{
	struct sched_hooks	 h = { server_joined, server_flushed, srv };
	int			 fd;

	if (srv->committed != NULL) {
		event_free(srv->committed);
		srv->committed = NULL;
	}
	sched_batching(srv->ecod->sched, on, on ? &h : NULL);
	if (on && (fd = store_wake_fd(srv->ecod->inst->store)) != -1) {
		srv->committed = event_new(srv->ecod->base, fd,
		    EV_READ | EV_PERSIST, server_committed_cb, srv);
		if (srv->committed == NULL || event_add(srv->committed,
		    NULL) != 0)
			fatalx("cannot watch the writer thread");
	}
}

/*
 * While a batch's COMMIT is in flight, only requests that memory answers
 * run (cmd_memory_only: PING, SLOTS and the like); the client whose next
 * complete line is any other waits, its input unread, until the batch
 * settles. Returns 1 if c was parked.
 */
static int
client_park(struct client *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 eol;
	char			 verb[32];
	size_t			 n;

	if (!sched_committing(c->srv->ecod->sched))
		return 0;
	eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_LF);
	if (eol.pos == -1)
		return 0;		/* no whole line yet */
	n = (size_t)eol.pos < sizeof verb - 1 ? (size_t)eol.pos :
	    sizeof verb - 1;
	if (evbuffer_copyout(in, verb, n) != (ev_ssize_t)n)
		fatalx("evbuffer_copyout failed");
	verb[n] = '\0';
	verb[strcspn(verb, " \r")] = '\0';
	n = (size_t)cmd_memory_only(verb);
	sodium_memzero(verb, sizeof verb);	/* it may hold part of a code */
	if (n)
		return 0;
	bufferevent_disable(c->bev, EV_READ);
	c->batchq = BATCHQ_PARKED;
	TAILQ_INSERT_TAIL(&c->srv->parked, c, batch_entry);
	return 1;
}

/* Runs one request; holds its reply if its change joined the batch. */
static void
client_request(struct client *c, int argc, char **argv)
{
	struct store		*st = c->srv->ecod->inst->store;
	const struct store_stats *ss = store_stats(st);
	uint64_t		 batches = ss->batches;
	uint64_t		 joined = store_batch_joined(st);
	size_t			 len;
	int64_t			 person = c->person;
	int			 roles = c->roles, bookings = c->bookings;

	len = evbuffer_get_length(bufferevent_get_output(c->bev));
	cmd_dispatch(c, argc, argv);
	if (ss->batches != batches)	/* the request flushed a batch */
		joined = 0;
	if (store_batch_joined(st) > joined)
		client_hold(c, len, person, roles, bookings);
}

/* Handles one complete line (without its newline). */
static void
client_line_in(struct client *c, const char *line, size_t len)
{
	struct wire_fields	 wf;
	const char		*cause;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len > (size_t)c->srv->ecod->cf->max_line_bytes) {
		client_err(c, ECO_ERR_TOOLONG, "line longer than %d bytes",
		    c->srv->ecod->cf->max_line_bytes);
		return;
	}
	if (wire_split(line, len, ECO_MAX_FIELDS, &wf, &cause) != 0) {
		client_err(c, ECO_ERR_PROTO, "%s", cause);
		return;
	}
	if (wf.argc > 0) {
		c->srv->stats.requests++;
		client_request(c, wf.argc, wf.argv);
	}
	wire_fields_free(&wf);
}

/*
 * Keeps the request deadline running while part of a line is waiting:
 * started at the first byte, stopped when the line is whole. A paused or
 * closing client owes no line, so its deadline stops too.
 */
static void
client_deadline_arm(struct client *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	struct timeval	 tv;

	if (c->paused || c->closing || c->waiting || c->batchq != BATCHQ_NONE ||
	    (!c->discarding && evbuffer_get_length(in) == 0)) {
		evtimer_del(c->deadline);
		return;
	}
	if (evtimer_pending(c->deadline, NULL))
		return;
	tv.tv_sec = c->srv->ecod->cf->request_timeout_seconds;
	tv.tv_usec = 0;
	evtimer_add(c->deadline, &tv);
}

/* A line was started and not finished in time: one ERR, then closed. */
static void
client_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct client	*c = arg;

	if (c->closing)
		return;
	c->srv->stats.timeouts++;
	log_debug("connection %llu: request timeout",
	    (unsigned long long)c->id);
	client_err(c, ECO_ERR_TIMEOUT, "request not complete within %d "
	    "seconds; closing", c->srv->ecod->cf->request_timeout_seconds);
	client_close(c);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_free(c);		/* the ERR passed max_output_bytes */
}

/*
 * Processes every complete line in the input, unless paused or closing.
 * Returns -1 if the client was freed.
 */
static int
client_process(struct client *c)
{
	struct evbuffer		*in = bufferevent_get_input(c->bev);
	struct evbuffer_ptr	 eol;
	struct timespec		 t0, t;
	size_t			 len, max = c->srv->ecod->cf->max_line_bytes;
	char			*line;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!c->paused && !c->closing && !c->waiting &&
	    c->batchq == BATCHQ_NONE) {
		if (c->discarding) {
			eol = evbuffer_search_eol(in, NULL, NULL,
			    EVBUFFER_EOL_LF);
			if (eol.pos == -1) {
				evbuffer_drain(in, evbuffer_get_length(in));
				break;
			}
			evbuffer_drain(in, eol.pos + 1);
			c->discarding = 0;
			evtimer_del(c->deadline);
			continue;
		}
		if (client_park(c))
			break;
		line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
		if (line == NULL) {
			/* Room for the longest line and its CR LF: past that
			 * no newline can come in time. */
			if (evbuffer_get_length(in) > max + 1) {
				client_err(c, ECO_ERR_TOOLONG,
				    "line longer than %zu bytes", max);
				c->discarding = 1;
				continue;
			}
			break;
		}
		evtimer_del(c->deadline);
		client_line_in(c, line, len);
		sodium_memzero(line, len);	/* it may hold a booking code */
		free(line);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000 + (t.tv_nsec -
		    t0.tv_nsec) / 1000 >= CLIENT_TURN_USEC &&
		    evbuffer_get_length(in) > 0 && !c->closing) {
			client_yield(c);
			break;
		}
	}
	if (c->closing &&
	    evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		client_free(c);
		return -1;
	}
	client_deadline_arm(c);
	return 0;
}

/*
 * A client that has had its turn (CLIENT_TURN_USEC of requests, pipelined)
 * goes to the back of the resuming queue, so that one connection's flood
 * of proofs or pages does not hold everyone else's PING.
 */
static void
client_yield(struct client *c)
{
	if (c->batchq != BATCHQ_NONE)
		return;			/* its request joined the batch */
	c->batchq = BATCHQ_RESUMING;
	TAILQ_INSERT_TAIL(&c->srv->resuming, c, batch_entry);
	event_active(c->srv->unhold, EV_TIMEOUT, 0);
}

/* Input arrived. */
static void
client_read_cb(struct bufferevent *bev, void *arg)
{
	client_process(arg);
}

/* Output drained to the low watermark: resume, or finish closing. */
static void
client_write_cb(struct bufferevent *bev, void *arg)
{
	struct client	*c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(c);
		return;
	}
	if (c->paused) {
		c->paused = 0;
		if (!c->waiting)
			bufferevent_enable(bev, EV_READ);
		client_process(c);
	}
}

/* End of input, an error, or the idle timer. */
static void
client_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct client	*c = arg;

	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    !c->closing) {
		log_debug("connection %llu: idle timeout",
		    (unsigned long long)c->id);
		client_err(c, ECO_ERR_TIMEOUT, "idle for %d seconds; closing",
		    c->srv->ecod->cf->idle_timeout_seconds);
		client_close(c);
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			client_free(c);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !c->closing &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		client_close(c);	/* the peer may still read its replies */
		return;
	}
	client_free(c);
}

/* Orders peers by uid, for tsearch. */
static int
peer_cmp(const void *a, const void *b)
{
	uid_t	 ua = ((const struct peer *)a)->uid;
	uid_t	 ub = ((const struct peer *)b)->uid;

	return ua < ub ? -1 : ua > ub;
}

/* Returns the peer entry of uid, adding one with no connections. */
static struct peer *
peer_get(struct server *srv, uid_t uid)
{
	struct peer	 key, *p, **found;

	key.uid = uid;
	if ((found = tfind(&key, &srv->peers, peer_cmp)) != NULL)
		return *found;
	p = xcalloc(1, sizeof *p);
	p->uid = uid;
	if (tsearch(p, &srv->peers, peer_cmp) == NULL)
		fatalx("tsearch: out of memory");
	return p;
}

/* The one teardown path of a connection. */
static void
client_free(struct client *c)
{
	struct server	*srv = c->srv;

	log_debug("connection %llu: closed", (unsigned long long)c->id);
	sodium_memzero(c->challenge, sizeof c->challenge);
	upload_free(c);
	client_unqueue(c);
	backup_client_gone(srv->ecod, c);
	TAILQ_REMOVE(&srv->clients, c, entry);
	srv->nclients--;
	if (--c->peer->conns == 0) {
		tdelete(c->peer, &srv->peers, peer_cmp);
		free(c->peer);
	}
	event_free(c->deadline);
	bufferevent_free(c->bev);
	free(c);
}

/* The drain's time is up. */
static void
server_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/*
 * Shutdown, once the last batch is flushed: accepts no one and reads no
 * more from any socket, but first handles the requests already read (a
 * client parked behind the last batch's COMMIT, or one that had yielded
 * its turn), each now committing on its own; then gives the replies
 * queued (held ones included) up to SERVER_DRAIN_SECONDS to reach their
 * clients. So every request the daemon took in before the signal is
 * answered, and one still in the kernel's buffer is not read: its client
 * sees the close, and nothing of it was done.
 */
void
server_drain(struct server *srv)
{
	struct client	*c, *next;
	struct event	*t;
	struct timeval	 tv = { SERVER_DRAIN_SECONDS, 0 };
	int		 up = 0;

	evconnlistener_disable(srv->listener);
	server_unhold_cb(-1, 0, srv);	/* the closes below stop reading */
	for (c = TAILQ_FIRST(&srv->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->batchq != BATCHQ_HELD)
			bufferevent_enable(c->bev, EV_WRITE);
		client_close(c);
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
		    c->batchq == BATCHQ_NONE)
			client_free(c);
	}
	if ((t = evtimer_new(srv->ecod->base, server_drain_cb, &up)) == NULL)
		return;
	evtimer_add(t, &tv);
	while (!up && !TAILQ_EMPTY(&srv->clients))
		event_base_loop(srv->ecod->base, EVLOOP_ONCE);
	event_free(t);
}

/* Returns the roles a peer uid holds. */
static int
server_roles(struct server *srv, uid_t uid)
{
	const struct config	*cf = srv->ecod->cf;
	int			 i;

	if (uid == 0 || uid == geteuid())
		return ROLE_ANYONE | ROLE_ADMIN;
	for (i = 0; i < cf->nadmin_uids; i++)
		if (cf->admin_uids[i] == uid)
			return ROLE_ANYONE | ROLE_ADMIN;
	return ROLE_ANYONE;
}

/* Logs the refusals since the last summary as one line. */
static void
server_summary_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;
	uint64_t	*b = srv->burst;

	if (b[REFUSED_FULL] + b[REFUSED_UID] + b[REFUSED_NOFILE] == 0)
		return;
	log_warnx("refused %llu connections in the last %d seconds: "
	    "%llu at max_connections, %llu at max_connections_per_uid, "
	    "%llu out of descriptors",
	    (unsigned long long)(b[REFUSED_FULL] + b[REFUSED_UID] +
	    b[REFUSED_NOFILE]), REFUSAL_LOG_SECONDS,
	    (unsigned long long)b[REFUSED_FULL],
	    (unsigned long long)b[REFUSED_UID],
	    (unsigned long long)b[REFUSED_NOFILE]);
	memset(srv->burst, 0, sizeof srv->burst);
}

/*
 * Answers a connection that will not be served with one ERR busy line
 * and closes it. Counted in STATS; logged in the next summary line.
 */
static void
server_refuse(struct server *srv, int fd, enum refusal why)
{
	static const char *const msg[REFUSED_NCAUSES] = {
		ECO_REPLY_ERR " " ECO_ERR_BUSY
		    " too many connections; try again later\n",
		ECO_REPLY_ERR " " ECO_ERR_BUSY
		    " too many connections from your uid; close some first\n",
		ECO_REPLY_ERR " " ECO_ERR_BUSY
		    " out of descriptors; try again later\n",
	};
	struct timeval	 tv = { REFUSAL_LOG_SECONDS, 0 };

	srv->stats.refused++;
	srv->stats.refused_by[why]++;
	srv->burst[why]++;
	if (!evtimer_pending(srv->summary, NULL))
		evtimer_add(srv->summary, &tv);
	/* Non-blocking: an unread socket buffer has room for one line. */
	if (write(fd, msg[why], strlen(msg[why])) < 0)
		log_debug("refused connection: write failed");
	close(fd);
}

/*
 * A new connection: refused past max_connections (non-admins already at
 * max_connections less admin_reserved_connections) or past the per-uid
 * cap, else set up.
 */
static void
server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server		*srv = arg;
	struct client		*c;
	struct ucred		 cred;
	socklen_t		 credlen = sizeof cred;
	struct timeval		 idle;
	struct peer		*p;
	const struct config	*cf = srv->ecod->cf;
	int			 roles, limit;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) != 0) {
		log_warn("SO_PEERCRED");
		close(fd);
		return;
	}
	roles = server_roles(srv, cred.uid);
	limit = cf->max_connections;
	if (!(roles & ROLE_ADMIN))
		limit -= cf->admin_reserved_connections;
	if (srv->nclients >= limit) {
		server_refuse(srv, fd, REFUSED_FULL);
		return;
	}
	p = peer_get(srv, cred.uid);
	if (!(roles & ROLE_ADMIN) && cf->max_connections_per_uid > 0 &&
	    p->conns >= cf->max_connections_per_uid) {
		server_refuse(srv, fd, REFUSED_UID);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->srv = srv;
	c->id = ++srv->next_id;
	c->uid = cred.uid;
	c->roles = roles;
	c->bev = bufferevent_socket_new(srv->ecod->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(srv->ecod->base, client_deadline_cb, c);
	if (c->bev == NULL || c->deadline == NULL) {
		log_warnx("bufferevent_socket_new failed");
		if (c->bev != NULL)
			bufferevent_free(c->bev);
		else
			close(fd);
		if (c->deadline != NULL)
			event_free(c->deadline);
		if (p->conns == 0) {
			tdelete(p, &srv->peers, peer_cmp);
			free(p);
		}
		free(c);
		return;
	}
	c->peer = p;
	p->conns++;
	bufferevent_setcb(c->bev, client_read_cb, client_write_cb,
	    client_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, cf->max_line_bytes + 2);
	bufferevent_setwatermark(c->bev, EV_WRITE, OUTPUT_LOW, 0);
	idle.tv_sec = cf->idle_timeout_seconds;
	idle.tv_usec = 0;
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	TAILQ_INSERT_TAIL(&srv->clients, c, entry);
	srv->nclients++;
	srv->stats.accepted++;
	log_debug("connection %llu: open", (unsigned long long)c->id);
}

/* Re-enables accept after a pause for lack of memory. */
static void
server_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server	*srv = arg;

	evconnlistener_enable(srv->listener);
}

/*
 * accept failed. Out of descriptors: give up the spare one, take the
 * waiting connection, answer it ERR busy, close it and take the spare
 * back, so a connect past the limit is refused at once instead of left
 * hanging. Out of memory: pause accepting for a second.
 */
static void
server_error_cb(struct evconnlistener *l, void *arg)
{
	struct server	*srv = arg;
	struct timeval	 tv = { 1, 0 };
	int		 err = EVUTIL_SOCKET_ERROR(), fd;

	if ((err == EMFILE || err == ENFILE) && srv->spare_fd != -1) {
		close(srv->spare_fd);
		fd = accept4(evconnlistener_get_fd(l), NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd != -1)
			server_refuse(srv, fd, REFUSED_NOFILE);
		srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return;
	}
	if (err == EMFILE || err == ENFILE || err == ENOBUFS ||
	    err == ENOMEM) {
		log_warnx("accept: %s; pausing for a second", strerror(err));
		evconnlistener_disable(l);
		evtimer_add(srv->resume, &tv);
		return;
	}
	log_warnx("accept: %s", strerror(err));
}

/*
 * Makes the listening socket at path: a stale socket file is removed, a
 * live one (another daemon) refused. Mode 0600, or 0660 for group.
 */
static int
server_socket(const char *path, const char *group, char **cause)
{
	struct sockaddr_un	 sun;
	struct stat		 sb;
	struct group		*gr = NULL;
	mode_t			 old;
	int			 fd, probe;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path) >=
	    sizeof sun.sun_path) {
		xasprintf(cause, "%s: socket path too long", path);
		return -1;
	}
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			xasprintf(cause, "%s: exists and is not a socket", path);
			return -1;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe != -1 && connect(probe, (struct sockaddr *)&sun,
		    sizeof sun) == 0) {
			close(probe);
			xasprintf(cause, "%s: another ecod is listening there",
			    path);
			return -1;
		}
		if (probe != -1)
			close(probe);
		if (unlink(path) != 0) {
			xasprintf(cause, "%s: cannot remove stale socket: %s",
			    path, strerror(errno));
			return -1;
		}
	}
	if (*group != '\0' && (gr = getgrnam(group)) == NULL) {
		xasprintf(cause, "socket_group: no such group \"%s\"", group);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		umask(old);
		xasprintf(cause, "%s: bind: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	if (gr != NULL && (chown(path, (uid_t)-1, gr->gr_gid) != 0 ||
	    chmod(path, 0660) != 0)) {
		xasprintf(cause, "%s: cannot give the socket to group %s: %s",
		    path, group, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	if (listen(fd, LISTEN_BACKLOG) != 0) {
		xasprintf(cause, "%s: listen: %s", path, strerror(errno));
		unlink(path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Creates the server listening on the configured socket. */
struct server *
server_create(struct ecod *ecod, char **cause)
{
	struct server	*srv;
	int		 fd;

	if ((fd = server_socket(ecod->cf->socket, ecod->cf->socket_group,
	    cause)) == -1)
		return NULL;
	srv = xcalloc(1, sizeof *srv);
	srv->ecod = ecod;
	srv->path = xstrdup(ecod->cf->socket);
	TAILQ_INIT(&srv->clients);
	TAILQ_INIT(&srv->held);
	TAILQ_INIT(&srv->resuming);
	TAILQ_INIT(&srv->parked);
	srv->listener = evconnlistener_new(ecod->base, server_accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (srv->listener == NULL) {
		xasprintf(cause, "evconnlistener_new failed");
		close(fd);
		unlink(srv->path);
		free(srv->path);
		free(srv);
		return NULL;
	}
	evconnlistener_set_error_cb(srv->listener, server_error_cb);
	srv->resume = evtimer_new(ecod->base, server_resume_cb, srv);
	srv->summary = evtimer_new(ecod->base, server_summary_cb, srv);
	srv->flush = event_new(ecod->base, -1, 0, server_flush_cb, srv);
	srv->unhold = event_new(ecod->base, -1, 0, server_unhold_cb, srv);
	if ((srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		log_warn("/dev/null: no spare descriptor for refusals");
	return srv;
}

/* Closes every connection and the socket, and removes the socket file. */
void
server_free(struct server *srv)
{
	struct client	*c;

	if (srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&srv->clients)) != NULL)
		client_free(c);
	server_summary_cb(-1, 0, srv);
	evconnlistener_free(srv->listener);
	event_free(srv->resume);
	event_free(srv->summary);
	event_free(srv->flush);
	event_free(srv->unhold);
	if (srv->committed != NULL)
		event_free(srv->committed);
	if (srv->spare_fd != -1)
		close(srv->spare_fd);
	unlink(srv->path);
	free(srv->path);
	free(srv);
}
