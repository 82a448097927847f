/*
 * Case messages and service cancellations. Messages come and go sealed
 * (messages.c checks their headers); nothing here can open one. Worker
 * verbs find the case by its code; staff verbs by id, for a counsellor of
 * the case.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "ecod.h"
#include "proto.h"
#include "sched.h"
#include "sealed.h"
#include "server.h"
#include "timeutil.h"
#include "wire.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define B64_KEY		sodium_base64_ENCODED_LEN(32, B64)

static const char *const from_names[] = { NULL, "worker", "counsellor",
    "service" };

/* The X25519 key this connection opens messages with, into x; or NULL. */
static const unsigned char *
caller_xkey(struct client *c, unsigned char *x)
{
	struct sched	*s = c->srv->ecod->sched;
	struct person	*p;

	if ((c->roles & ROLE_COUNSELLOR) &&
	    (p = sched_person(s, c->person)) != NULL &&
	    crypto_sign_ed25519_pk_to_curve25519(x, p->pk) == 0)
		return x;
	if ((c->roles & ROLE_RECOVERY) && s->has_recovery &&
	    crypto_sign_ed25519_pk_to_curve25519(x, s->recovery) == 0)
		return x;
	return NULL;
}

/* The case's upcoming booking, which a worker's message is about; or 0. */
static int64_t
case_next_booking(struct sched *s, int64_t case_id, time_t now)
{
	struct booking	*b;
	struct slot	*sl;

	for (b = sched_case_first(s, case_id); b != NULL; b = b->case_next)
		if (b->state == B_BOOKED && (sl = sched_slot(s, b->slot)) !=
		    NULL && sl->start > now)
			return b->id;
	return 0;
}

/* CASE-SET code pubkey: the case's key, from the worker's client, once. */
void
cmd_case_set(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	int64_t			 case_id;

	if (sched_find_case(s, a->v[0].bin, a->v[0].len, &case_id, &e) != 0 ||
	    case_set_key(s, a->v[0].bin, a->v[0].len, case_id, a->v[1].bin, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/*
 * MSG-RCPT code: whom a worker's message is sealed to: a line "* name
 * pubkey" for each counsellor of the case still enrolled (the latest
 * first), then OK with the case's id and the recovery key or "-".
 */
void
cmd_msg_rcpt(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct person		*cp[MSG_MAX_RCPT];
	char			 pk[B64_KEY], cs[24], *f[2];
	int64_t			 case_id;
	size_t			 n, i;

	if (sched_find_case(s, a->v[0].bin, a->v[0].len, &case_id, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	n = case_counsellors(s, case_id, cp, MSG_MAX_RCPT - 2);
	for (i = 0; i < n; i++) {
		sodium_bin2base64(pk, sizeof pk, cp[i]->pk, 32, B64);
		f[0] = cp[i]->name;
		f[1] = pk;
		client_data(c, 2, f);
	}
	snprintf(cs, sizeof cs, "%lld", (long long)case_id);
	f[0] = cs;
	f[1] = "-";
	if (s->has_recovery) {
		sodium_bin2base64(pk, sizeof pk, s->recovery, 32, B64);
		f[1] = pk;
	}
	client_ok(c, 2, f);
}

/* MSG-POST code message: the worker writes in the case; OK id. */
void
cmd_msg_post(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	char			 num[24], *f[1];
	int64_t			 case_id, id;
	time_t			 now = time(NULL);

	if (sched_find_case(s, a->v[0].bin, a->v[0].len, &case_id, &e) != 0 ||
	    msg_post(s, "worker", case_id, case_next_booking(s, case_id, now),
	    0, a->v[1].bin, a->v[1].len, now, &id, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	snprintf(num, sizeof num, "%lld", (long long)id);
	f[0] = num;
	client_ok(c, 1, f);
}

/* Fills f[6], a MSG-THREAD line for message m, its blob in base64 b64. */
static void
thread_line(struct sched *s, const struct message *m, char *b64, char *id,
    char *when, char *pk, char **f)
{
	struct person	*p;

	snprintf(id, 24, "%lld", (long long)m->id);
	time_format_local(m->created, when);
	f[0] = id;
	f[1] = (char *)from_names[m->from];
	f[2] = f[3] = "-";
	if ((p = sched_person(s, m->author)) != NULL) {
		sodium_bin2base64(pk, B64_KEY, p->pk, 32, B64);
		f[2] = p->name;
		f[3] = pk;
	}
	f[4] = when;
	f[5] = b64;
}

/*
 * MSG-THREAD code: the case's messages, in order: "* id from name pubkey
 * time sealed", name and pubkey those of the counsellor who wrote it as
 * enrolled ("-" for the worker and the service), then OK with the case's
 * id. A reply that would pass the connection's output limit is refused
 * before anything is marked read, so a thread is read only once it went
 * out whole.
 */
void
cmd_msg_thread(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct message		**v;
	unsigned char		**blob;
	size_t			*len, n, i, cap, need = 64, room;
	char			 id[24], when[LOCAL_TIME_LEN + 1], pk[B64_KEY];
	char			**b64, *f[6], *line;
	int64_t			 case_id;
	int			 rc;

	if (sched_find_case(s, a->v[0].bin, a->v[0].len, &case_id, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	n = msg_thread(s, case_id, &v);
	blob = xcalloc(n + 1, sizeof *blob);
	len = xcalloc(n + 1, sizeof *len);
	b64 = xcalloc(n + 1, sizeof *b64);
	if ((rc = msg_thread_blobs(s, v, n, blob, len, &e)) == 0) {
		for (i = 0; i < n; i++) {
			cap = sodium_base64_ENCODED_LEN(len[i], B64);
			b64[i] = xmalloc(cap);
			sodium_bin2base64(b64[i], cap, blob[i], len[i], B64);
			thread_line(s, v[i], b64[i], id, when, pk, f);
			line = wire_join(6, f);
			need += strlen(line) + 3;
			free(line);
		}
		if (need > (room = client_room(c)))
			rc = sched_errf(&e, ECO_ERR_LIMIT, "the thread is %zu "
			    "bytes, more than this connection may queue now "
			    "(%zu); nothing was marked read", need, room);
		else
			rc = msg_serve_thread(s, v, n, blob, len, time(NULL),
			    &e);
	}
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			thread_line(s, v[i], b64[i], id, when, pk, f);
			client_data(c, 6, f);
		}
		free(b64[i]);
		free(blob[i]);
	}
	free(v);
	free(blob);
	free(len);
	free(b64);
	if (rc != 0) {
		reply_err(c, &e);
		return;
	}
	snprintf(id, sizeof id, "%lld", (long long)case_id);
	f[0] = id;
	client_ok(c, 1, f);
}

/*
 * Finds what CASE-KEY and SESSION-CANCEL name: a case, a booking or a
 * slot (what: 0, 1, 2), for a counsellor of it (p) or an admin (p NULL).
 * Fills *case_id and *booking (0 if none). Returns 0 or -1 with e set.
 */
static int
find_case_of(struct sched *s, struct person *p, int what, int64_t id,
    int64_t *case_id, int64_t *booking, struct sched_err *e)
{
	struct booking	*b = NULL;
	struct slot	*sl;

	*booking = 0;
	if (what == 2) {
		if ((sl = sched_slot(s, id)) == NULL || sl->removed ||
		    (p != NULL && sl->person != p->id))
			return sched_errf(e, ECO_ERR_NOTFOUND, "no such slot of "
			    "yours");
		if (sl->booking == 0)
			return sched_errf(e, ECO_ERR_NOTFOUND, "the slot is "
			    "not booked");
		b = sched_booking(s, sl->booking);
	} else if (what == 1) {
		if ((b = sched_booking(s, id)) == NULL ||
		    (sl = sched_slot(s, b->slot)) == NULL ||
		    (p != NULL && sl->person != p->id))
			return sched_errf(e, ECO_ERR_NOTFOUND, "no such booking "
			    "of yours");
	} else {
		if (sched_case_first(s, id) == NULL ||
		    (p != NULL && !case_counsellor(s, id, p)))
			return sched_errf(e, ECO_ERR_NOTFOUND, "no such case of "
			    "yours");
		*case_id = id;
		return 0;
	}
	*case_id = b->case_id;
	*booking = b->id;
	return 0;
}

/* The logged-in counsellor, or NULL for an admin. */
static struct person *
staff(struct client *c)
{
	if (c->roles & ROLE_COUNSELLOR)
		return sched_person(c->srv->ecod->sched, c->person);
	return NULL;
}

/*
 * CASE-KEY case|booking|slot id: OK case booking|- pubkey|-, the key a
 * message to the worker is sealed to ("-" for a case that has none yet).
 */
void
cmd_case_key(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	unsigned char		 key[32];
	char			 cs[24], bk[24], pk[B64_KEY], *f[3];
	int64_t			 case_id = 0, booking;
	int			 rc;

	if (find_case_of(s, staff(c), (int)a->v[0].i, a->v[1].i, &case_id,
	    &booking, &e) != 0) {
		cmd_refused(c, "case-key", (int)a->v[0].i == 0 ? "case" :
		    (int)a->v[0].i == 1 ? "booking" : "slot", a->v[1].i);
		reply_err(c, &e);
		return;
	}
	if ((rc = case_key(s, case_id, key, &e)) < 0) {
		reply_err(c, &e);
		return;
	}
	snprintf(cs, sizeof cs, "%lld", (long long)case_id);
	snprintf(bk, sizeof bk, "%lld", (long long)booking);
	f[0] = cs;
	f[1] = booking != 0 ? bk : "-";
	f[2] = "-";
	if (rc == 0) {
		sodium_bin2base64(pk, sizeof pk, key, 32, B64);
		f[2] = pk;
	}
	client_ok(c, 3, f);
}

/* MSG-SEND case message: a counsellor writes to the case; OK id. */
void
cmd_msg_send(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	char			 num[24], *f[1];
	int64_t			 id;

	if (msg_post(s, a->actor, a->v[0].i, 0, c->person, a->v[1].bin,
	    a->v[1].len, time(NULL), &id, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	snprintf(num, sizeof num, "%lld", (long long)id);
	f[0] = num;
	client_ok(c, 1, f);
}

/*
 * MSG-LIST [case]: the messages sealed to the caller: "* id case booking
 * from author time read" (booking, author "-" when none; read "yes" once
 * the worker was served it, "-" for the worker's own), OK.
 */
void
cmd_msg_list(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct message		**v, *m;
	struct person		*p;
	unsigned char		 x[32];
	char			 id[24], cs[24], bk[24];
	char			 when[LOCAL_TIME_LEN + 1], *f[7];
	size_t			 n, i;

	n = msg_list(s, caller_xkey(c, x), a->v[0].set ? a->v[0].i : 0, &v);
	for (i = 0; i < n; i++) {
		m = v[i];
		snprintf(id, sizeof id, "%lld", (long long)m->id);
		snprintf(cs, sizeof cs, "%lld", (long long)m->case_id);
		snprintf(bk, sizeof bk, "%lld", (long long)m->booking);
		time_format_local(m->created, when);
		p = sched_person(s, m->author);
		f[0] = id;
		f[1] = cs;
		f[2] = m->booking != 0 ? bk : "-";
		f[3] = (char *)from_names[m->from];
		f[4] = p != NULL ? p->name : "-";
		f[5] = when;
		f[6] = m->from == MSG_FROM_WORKER ? "-" : m->read != 0 ?
		    "yes" : "no";
		client_data(c, 7, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}

/*
 * MSG-OPEN message: OK sealed from author pubkey (author and pubkey "-"
 * unless a counsellor wrote it), to one of its recipients only; every
 * serving is recorded by ids.
 */
void
cmd_msg_open(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct message		*m;
	struct person		*p;
	unsigned char		*blob, x[32];
	char			*b64, pk[B64_KEY], *f[4];
	size_t			 len, cap;

	if ((blob = msg_serve(s, a->actor, caller_xkey(c, x), a->v[0].i, &m,
	    &len, &e)) == NULL) {
		reply_err(c, &e);
		return;
	}
	cap = sodium_base64_ENCODED_LEN(len, B64);
	b64 = xmalloc(cap);
	sodium_bin2base64(b64, cap, blob, len, B64);
	free(blob);
	f[0] = b64;
	f[1] = (char *)from_names[m->from];
	f[2] = f[3] = "-";
	if ((p = sched_person(s, m->author)) != NULL) {
		sodium_bin2base64(pk, sizeof pk, p->pk, 32, B64);
		f[2] = p->name;
		f[3] = pk;
	}
	client_ok(c, 4, f);
	free(b64);
}

/*
 * SESSION-CANCEL booking message|-: the service cancels a booked session,
 * the reason sealed to the case ("-" only for a case with no key).
 */
void
cmd_session_cancel(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;

	if (sched_session_cancel(s, a->actor, staff(c), a->v[0].i,
	    a->v[1].set ? a->v[1].bin : NULL, a->v[1].set ? a->v[1].len : 0,
	    time(NULL), &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/*
 * DAY-BOOKED date: the booked sessions starting on that local date, for an
 * admin cancelling a day: "* booking case pubkey|- start", OK.
 */
void
cmd_day_booked(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct booking		**v;
	struct slot		*sl;
	unsigned char		 key[32];
	char			 bk[24], cs[24], pk[B64_KEY];
	char			 when[LOCAL_TIME_LEN + 1], *f[4];
	time_t			 to;
	size_t			 n, i;
	int			 rc;

	if (time_add_days(a->v[0].t, 1, &to) != 0) {
		client_err(c, ECO_ERR_INVALID, "date: cannot take the next day");
		return;
	}
	n = sched_day_booked(s, a->v[0].t, to, &v);
	for (i = 0; i < n; i++) {
		if ((rc = case_key(s, v[i]->case_id, key, &e)) < 0) {
			free(v);
			reply_err(c, &e);
			return;
		}
		sl = sched_slot(s, v[i]->slot);
		snprintf(bk, sizeof bk, "%lld", (long long)v[i]->id);
		snprintf(cs, sizeof cs, "%lld", (long long)v[i]->case_id);
		time_format_local(sl->start, when);
		f[0] = bk;
		f[1] = cs;
		f[2] = "-";
		if (rc == 0) {
			sodium_bin2base64(pk, sizeof pk, key, 32, B64);
			f[2] = pk;
		}
		f[3] = when;
		client_data(c, 4, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}
