/*
 * A case's thread: messages between the anonymous worker and the staff,
 * sealed on the writer's side (format in sealed.h), which the daemon
 * cannot open. It checks their public headers: for which case, from whom,
 * and to whom they are sealed. Messages are append-only; the one thing
 * that changes in a row is the time it was first served to the worker, so
 * STATUS can count what is unread. The worker's key lives in the case row,
 * after its creation time: the public half of the pair the code rebuilds.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "code.h"
#include "config.h"
#include "msghdr.h"
#include "proto.h"
#include "rec.h"
#include "sched.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

static void	msg_row(const struct message *, const unsigned char *, size_t,
		    struct rec *);

/* A case row: its tag, its creation time, then maybe its key. */
#define CASE_ROW_MAX	(BLIND_INDEX_BYTES + 64)

/* Adds m to memory, last of its case's thread (ids only grow). */
static void
msg_index(struct sched *s, struct message *m)
{
	m->case_prev = idvec_get(&s->case_msgs, m->case_id);
	idvec_set(&s->case_msgs, m->case_id, m);
	idvec_set(&s->messages, m->id, m);
}

/* Row loader: the index entry of one message; the blob is not kept. */
static int
load_message(int64_t id, const unsigned char *buf, size_t len, void *arg)
{
	struct sched		*s = arg;
	struct message		*m = xcalloc(1, sizeof *m);
	struct msg_hdr		 h;
	struct rec		 r;
	const unsigned char	*blob;
	size_t			 bloblen;
	int			 i;

	rec_read(&r, buf, len);
	m->id = id;
	m->case_id = rec_get_i64(&r);
	m->booking = rec_get_i64(&r);
	m->author = rec_get_i64(&r);
	m->from = (int)rec_get_u8(&r);
	m->created = rec_get_i64(&r);
	m->read = rec_get_i64(&r);
	bloblen = rec_get_bytes(&r, &blob);
	m->rowlen = len;
	if (rec_done(&r) != 0 || msg_hdr_parse(blob, bloblen, &h) != 0 ||
	    h.case_id != m->case_id || h.from != m->from ||
	    (m->author != 0 && sched_person(s, m->author) == NULL)) {
		free(m);
		return -1;
	}
	m->textlen = h.textlen;
	m->nrcpt = h.nrcpt;
	for (i = 0; i < h.nrcpt; i++)
		memcpy(m->rcpt[i], h.rcpt[i], 32);
	msg_index(s, m);
	return 0;
}

/* Loads the message index. */
int
messages_load(struct sched *s, char **cause)
{
	*cause = NULL;
	if (store_foreach(s->st, "messages", load_message, s, cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "table messages: a row does not "
			    "decode or names no person");
		return -1;
	}
	return 0;
}

/*
 * Reads case row id: its creation time and, when the worker's client has
 * given it, its key (*has 1). Returns 0, or -1 with e set.
 */
static int
case_row(struct sched *s, int64_t id, int64_t *created, unsigned char *key,
    int *has, struct sched_err *e)
{
	unsigned char		 buf[CASE_ROW_MAX];
	const unsigned char	*k;
	struct rec		 r;
	size_t			 len;
	char			*cause = NULL;
	int			 rc;

	*has = 0;
	rc = store_get(s->st, "cases", id, buf, sizeof buf, &len, &cause);
	if (rc == STORE_NOTFOUND)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such case");
	if (rc != 0)
		return sched_err_store(s, e, cause);
	if (len < BLIND_INDEX_BYTES)
		return sched_errf(e, ECO_ERR_INTERNAL, "case %lld does not "
		    "decode", (long long)id);
	rec_read(&r, buf + BLIND_INDEX_BYTES, len - BLIND_INDEX_BYTES);
	*created = rec_get_i64(&r);
	if (rec_more(&r)) {
		if (rec_get_bytes(&r, &k) != 32)
			r.bad = 1;
		else {
			memcpy(key, k, 32);
			*has = 1;
		}
	}
	if (rec_done(&r) != 0)
		return sched_errf(e, ECO_ERR_INTERNAL, "case %lld does not "
		    "decode", (long long)id);
	return 0;
}

/* The case's key into pk: 0, 1 if the case has none yet, or -1. */
int
case_key(struct sched *s, int64_t id, unsigned char *pk, struct sched_err *e)
{
	int64_t	 created;
	int	 has;

	if (case_row(s, id, &created, pk, &has, e) != 0)
		return -1;
	return has ? 0 : 1;
}

/*
 * Gives case id (found by ref, len bytes: a code ecod made, whose case may
 * have no key yet) the worker's key pk, once: the same key again is a
 * no-op, another one a conflict. The body is rewritten as the tag (made
 * again from ref), the creation time and the key, sealed afresh. The
 * audit entry names no case: it would tie the case to the booking
 * entries around it.
 */
int
case_set_key(struct sched *s, const unsigned char *ref, size_t len,
    int64_t id, const unsigned char *pk, struct sched_err *e)
{
	unsigned char	 old[32], tag[BLIND_INDEX_BYTES], *body;
	struct rec	 r;
	int64_t		 created;
	char		*cause;
	int		 has, rc;

	if (case_row(s, id, &created, old, &has, e) != 0)
		return -1;
	if (has)
		return sodium_memcmp(old, pk, 32) == 0 ? 0 :
		    sched_errf(e, ECO_ERR_CONFLICT, "this case has another key");
	seal_index(s->seal, "cases", ref, len, tag);
	rec_init(&r);
	rec_put_i64(&r, created);
	rec_put_bytes(&r, pk, 32);
	body = xmalloc(BLIND_INDEX_BYTES + r.len);
	memcpy(body, tag, BLIND_INDEX_BYTES);
	memcpy(body + BLIND_INDEX_BYTES, r.buf, r.len);
	rc = store_begin(s->st, &cause) != 0 || store_update(s->st, "cases",
	    id, body, BLIND_INDEX_BYTES + r.len, &cause) != 0 ||
	    sched_audit(s, "worker", "case-key", NULL, 0, "ok",
	    &cause) != 0 || sched_commit(s, &cause) != 0;
	free(body);
	rec_free(&r);
	return rc != 0 ? sched_err_store(s, e, cause) : 0;
}

/* Returns 1 if p holds, or held, a session of the case. */
int
case_counsellor(struct sched *s, int64_t case_id, const struct person *p)
{
	struct booking	*b;
	struct slot	*sl;

	for (b = sched_case_first(s, case_id); b != NULL; b = b->case_next)
		if ((sl = sched_slot(s, b->slot)) != NULL &&
		    sl->person == p->id)
			return 1;
	return 0;
}

/*
 * The case's counsellors still enrolled, at most max, the one of its
 * latest booking first: the ones a worker's message is sealed to. Only
 * sessions booked or held count, and those the service cancelled (the
 * worker may answer why): a counsellor the worker cancelled or moved away
 * from gets no more of the worker's messages.
 */
size_t
case_counsellors(struct sched *s, int64_t case_id, struct person **out,
    size_t max)
{
	struct booking	**v;
	struct slot	 *sl;
	struct person	 *p;
	size_t		  n, i, k, count = 0;

	n = sched_case_bookings(s, case_id, &v);
	for (i = n; i-- > 0 && count < max; ) {
		if ((v[i]->state != B_BOOKED && v[i]->state != B_ATTENDED &&
		    v[i]->state != B_NOSHOW && v[i]->state != B_SVC_CANCELLED) ||
		    (sl = sched_slot(s, v[i]->slot)) == NULL ||
		    (p = sched_person(s, sl->person)) == NULL || p->revoked)
			continue;
		for (k = 0; k < count && out[k] != p; k++)
			;
		if (k == count)
			out[count++] = p;
	}
	free(v);
	return count;
}

/* Returns 1 if X25519 key pk is a recipient of m. */
int
msg_recipient(const struct message *m, const unsigned char *pk)
{
	int	 i;

	for (i = 0; i < m->nrcpt; i++)
		if (sodium_memcmp(m->rcpt[i], pk, 32) == 0)
			return 1;
	return 0;
}

/* The X25519 form of an Ed25519 public key; -1 if it has none. */
static int
xkey(const unsigned char *ed, unsigned char *x)
{
	return crypto_sign_ed25519_pk_to_curve25519(x, ed);
}

/*
 * Checks what the daemon can of a message without opening it: that it is
 * one, for this case, from this kind of sender, with the right sender key,
 * within the size, and sealed to whom it must be and to no one else.
 * author is the counsellor writing, or NULL for the worker (from
 * MSG_FROM_WORKER) and the service.
 */
static int
msg_check(struct sched *s, int64_t case_id, int from,
    const struct person *author, const unsigned char *casekey,
    const unsigned char *blob, size_t len, struct msg_hdr *h,
    struct sched_err *e)
{
	struct person	*cs[MSG_MAX_RCPT];
	unsigned char	 rx[32], ax[32], cx[32];
	static const unsigned char zero[32];
	size_t		 ncs, k;
	int		 i, staff = 0, ok;

	if (msg_hdr_parse(blob, len, h) != 0 || h->case_id != case_id ||
	    h->from != from)
		return sched_errf(e, ECO_ERR_INVALID, "sealed: not a sealed "
		    "message from you for this case");
	if (h->textlen == 0)
		return sched_errf(e, ECO_ERR_INVALID, "sealed: an empty "
		    "message; write something");
	if (h->textlen > (size_t)s->cf->max_message_bytes)
		return sched_errf(e, ECO_ERR_INVALID, "sealed: at most %d "
		    "bytes", s->cf->max_message_bytes);
	if (msg_hdr_wrap_for(h, casekey) == NULL)
		return sched_errf(e, ECO_ERR_INVALID, "sealed: not sealed to "
		    "the case's key");
	if (s->has_recovery && (xkey(s->recovery, rx) != 0 ||
	    msg_hdr_wrap_for(h, rx) == NULL))
		return sched_errf(e, ECO_ERR_INVALID, "sealed: not sealed to "
		    "the recovery key");
	if (from == MSG_FROM_WORKER) {
		if (sodium_memcmp(h->sender, casekey, 32) != 0)
			return sched_errf(e, ECO_ERR_INVALID, "sealed: not "
			    "from this case's key");
		ncs = case_counsellors(s, case_id, cs, MSG_MAX_RCPT - 2);
	} else if (from == MSG_FROM_COUNSELLOR) {
		if (sodium_memcmp(h->sender, author->pk, 32) != 0 ||
		    xkey(author->pk, ax) != 0 ||
		    msg_hdr_wrap_for(h, ax) == NULL)
			return sched_errf(e, ECO_ERR_INVALID, "sealed: must "
			    "be written with your key and sealed to it");
		ncs = 0;
	} else {
		if (memcmp(h->sender, zero, 32) != 0)
			return sched_errf(e, ECO_ERR_INVALID, "sealed: the "
			    "service signs nothing");
		ncs = 0;
	}
	for (i = 0; i < h->nrcpt; i++) {
		ok = memcmp(h->rcpt[i], casekey, 32) == 0 ||
		    (s->has_recovery && memcmp(h->rcpt[i], rx, 32) == 0) ||
		    (from == MSG_FROM_COUNSELLOR && memcmp(h->rcpt[i], ax,
		    32) == 0);
		for (k = 0; !ok && k < ncs; k++)
			if (xkey(cs[k]->pk, cx) == 0 &&
			    memcmp(h->rcpt[i], cx, 32) == 0)
				ok = staff = 1;
		if (!ok)
			return sched_errf(e, ECO_ERR_INVALID, "sealed: sealed "
			    "to a key it may not be");
	}
	if (from == MSG_FROM_WORKER && !staff)
		return sched_errf(e, ECO_ERR_INVALID, "sealed: sealed to none "
		    "of the case's counsellors");
	return 0;
}

/* Writes message m with blob into the open transaction, and its entry. */
static int
msg_put(struct sched *s, const char *actor, const struct message *m,
    const unsigned char *blob, size_t len, size_t *rowlen, char **cause)
{
	struct rec	 r;
	int		 rc;

	msg_row(m, blob, len, &r);
	*rowlen = r.len;
	rc = store_insert(s->st, "messages", m->id, r.buf, r.len, cause) != 0 ||
	    sched_audit(s, actor, "message-write", "message", m->id, "ok",
	    cause) != 0;
	rec_free(&r);
	return rc ? -1 : 0;
}

/*
 * Refuses a message the case's thread has no room for: the worker may
 * write max_messages_per_case messages and max_worker_bytes_per_case of
 * text; staff as many messages, and a session cancellation's reason
 * (reason 1) passes that up to twice as many, so the service can always
 * say why while a full thread blocks nobody else. Returns 0 or -1.
 */
static int
msg_room(struct sched *s, int64_t case_id, int from, int reason,
    size_t textlen, struct sched_err *e)
{
	struct message	*o;
	size_t		 worker = 0, bytes = 0, staff = 0, max;

	max = (size_t)s->cf->max_messages_per_case;
	for (o = idvec_get(&s->case_msgs, case_id); o != NULL;
	    o = o->case_prev) {
		if (o->from == MSG_FROM_WORKER) {
			worker++;
			bytes += o->textlen;
		} else
			staff++;
	}
	if (from == MSG_FROM_WORKER && worker >= max)
		return sched_errf(e, ECO_ERR_LIMIT, "you have written %zu "
		    "messages in this case, the most it takes", max);
	if (from == MSG_FROM_WORKER && bytes + textlen >
	    (size_t)s->cf->max_worker_bytes_per_case)
		return sched_errf(e, ECO_ERR_LIMIT, "your messages in this "
		    "case may hold %d bytes of text in all; %zu are left",
		    s->cf->max_worker_bytes_per_case,
		    (size_t)s->cf->max_worker_bytes_per_case - bytes);
	if (from != MSG_FROM_WORKER && staff >= (reason ? 2 * max : max))
		return sched_errf(e, ECO_ERR_LIMIT, "this case has %zu "
		    "messages from staff, the most it may hold", staff);
	return 0;
}

/* A new message of the case, checked, not yet stored. */
static struct message *
msg_new(struct sched *s, int64_t case_id, int64_t booking,
    const struct person *author, int from, int reason,
    const unsigned char *blob, size_t len, time_t now, struct sched_err *e)
{
	struct message	*m;
	struct msg_hdr	 h;
	unsigned char	 ck[32];
	size_t		 i;
	int		 rc;

	if ((rc = case_key(s, case_id, ck, e)) != 0) {
		if (rc == 1)
			sched_errf(e, ECO_ERR_CONFLICT, "this case has no key "
			    "yet: the worker's ecoctl gives it");
		return NULL;
	}
	if (msg_check(s, case_id, from, author, ck, blob, len, &h, e) != 0 ||
	    msg_room(s, case_id, from, reason, h.textlen, e) != 0)
		return NULL;
	m = xcalloc(1, sizeof *m);
	m->id = sched_next_id(s, &s->messages, PURGED_MESSAGES);
	m->case_id = case_id;
	m->booking = booking;
	m->author = author != NULL ? author->id : 0;
	m->from = from;
	m->created = now;
	m->textlen = h.textlen;
	m->nrcpt = h.nrcpt;
	for (i = 0; i < (size_t)h.nrcpt; i++)
		memcpy(m->rcpt[i], h.rcpt[i], 32);
	return m;
}

/*
 * Stores a message in case case_id: from the worker (author NULL, actor
 * "worker") or from the counsellor author, who must hold or have held a
 * session of the case. *id gets its id.
 */
int
msg_post(struct sched *s, const char *actor, int64_t case_id,
    int64_t booking, int64_t author_id, const unsigned char *blob,
    size_t len, time_t now, int64_t *id, struct sched_err *e)
{
	struct person	*author = NULL;
	struct message	*m;
	char		*cause;

	if (author_id != 0) {
		author = sched_person(s, author_id);
		if (sched_case_first(s, case_id) == NULL ||
		    !case_counsellor(s, case_id, author)) {
			sched_refused(s, actor, "message-write", "case",
			    case_id);
			return sched_errf(e, ECO_ERR_NOTFOUND, "no such case of "
			    "yours");
		}
	}
	if ((m = msg_new(s, case_id, booking, author, author != NULL ?
	    MSG_FROM_COUNSELLOR : MSG_FROM_WORKER, 0, blob, len, now,
	    e)) == NULL)
		return -1;
	if (store_begin(s->st, &cause) != 0 || msg_put(s, actor, m, blob, len,
	    &m->rowlen, &cause) != 0 || sched_commit(s, &cause) != 0) {
		free(m);
		return sched_err_store(s, e, cause);
	}
	msg_index(s, m);
	*id = m->id;
	return 0;
}

/*
 * Lists the messages sealed to X25519 key x, of one case or all (0), by
 * id. *out is allocated; returns the count.
 */
size_t
msg_list(struct sched *s, const unsigned char *x, int64_t case_id,
    struct message ***out)
{
	struct message	*m;
	size_t		 i, count = 0;

	*out = xcalloc(s->messages.n + 1, sizeof **out);
	if (x == NULL)
		return 0;
	for (i = 1; i < s->messages.n; i++) {
		if ((m = s->messages.v[i]) == NULL || !msg_recipient(m, x) ||
		    (case_id != 0 && m->case_id != case_id))
			continue;
		(*out)[count++] = m;
	}
	return count;
}

/* A case's whole thread, by id. *out is allocated; returns the count. */
size_t
msg_thread(struct sched *s, int64_t case_id, struct message ***out)
{
	struct message	*m;
	size_t		 n = 0, i;

	for (m = idvec_get(&s->case_msgs, case_id); m != NULL;
	    m = m->case_prev)
		n++;
	*out = xcalloc(n + 1, sizeof **out);
	i = n;
	for (m = idvec_get(&s->case_msgs, case_id); m != NULL;
	    m = m->case_prev)
		(*out)[--i] = m;
	return n;
}

/* Counts the staff messages of a case not yet served to the worker. */
int
msg_unread(struct sched *s, int64_t case_id)
{
	struct message	*m;
	int		 n = 0;

	for (m = idvec_get(&s->case_msgs, case_id); m != NULL;
	    m = m->case_prev)
		if (m->from != MSG_FROM_WORKER && m->read == 0)
			n++;
	return n;
}

/* Encodes message m's row around blob. */
static void
msg_row(const struct message *m, const unsigned char *blob, size_t len,
    struct rec *r)
{
	rec_init(r);
	rec_put_i64(r, m->case_id);
	rec_put_i64(r, m->booking);
	rec_put_i64(r, m->author);
	rec_put_u8(r, (unsigned int)m->from);
	rec_put_i64(r, m->created);
	rec_put_i64(r, m->read);
	rec_put_bytes(r, blob, len);
}

/*
 * Reads the sealed blob of message m (allocated, *len bytes). A row
 * changed on disk since start is reported, never served.
 */
unsigned char *
msg_blob(struct sched *s, const struct message *m, size_t *len,
    struct sched_err *e)
{
	unsigned char		*row, *blob = NULL;
	const unsigned char	*p;
	struct rec		 r;
	size_t			 got;
	char			*cause = NULL;
	int			 rc;

	row = xmalloc(m->rowlen);
	rc = store_get(s->st, "messages", m->id, row, m->rowlen, &got, &cause);
	if (rc != 0 || got != m->rowlen) {
		free(row);
		if (cause != NULL)
			sched_err_store(s, e, cause);
		sched_errf(e, ECO_ERR_INTERNAL, "message %lld is damaged or "
		    "was altered on disk; it is not served", (long long)m->id);
		return NULL;
	}
	rec_read(&r, row, got);
	rec_get_i64(&r);
	rec_get_i64(&r);
	rec_get_i64(&r);
	rec_get_u8(&r);
	rec_get_i64(&r);
	rec_get_i64(&r);
	*len = rec_get_bytes(&r, &p);
	if (rec_done(&r) == 0) {
		blob = xmalloc(*len);
		memcpy(blob, p, *len);
	} else
		sched_errf(e, ECO_ERR_INTERNAL, "message %lld does not decode",
		    (long long)m->id);
	free(row);
	return blob;
}

/*
 * Serves message m to a member of staff, actor, one of its recipients:
 * recorded before it is read, so no entry, no message; a refusal is
 * recorded too. Returns the sealed blob (allocated, *len bytes), or NULL.
 */
unsigned char *
msg_serve(struct sched *s, const char *actor, const unsigned char *x,
    int64_t id, struct message **mp, size_t *len, struct sched_err *e)
{
	struct message	*m = idvec_get(&s->messages, id);

	if (m == NULL || x == NULL || !msg_recipient(m, x)) {
		sched_refused(s, actor, "message-read", "message", id);
		sched_errf(e, ECO_ERR_NOTFOUND, "no such message for you");
		return NULL;
	}
	if (sched_record(s, actor, "message-read", "message", id, "ok",
	    e) != 0)
		return NULL;
	*mp = m;
	return msg_blob(s, m, len, e);
}

/*
 * Reads the sealed blobs of the n messages v into blob[] (allocated; lens
 * in len[]). Returns 0, or -1 with e set and nothing left allocated.
 */
int
msg_thread_blobs(struct sched *s, struct message **v, size_t n,
    unsigned char **blob, size_t *len, struct sched_err *e)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		blob[i] = NULL;
	for (i = 0; i < n; i++)
		if ((blob[i] = msg_blob(s, v[i], &len[i], e)) == NULL) {
			while (i-- > 0) {
				free(blob[i]);
				blob[i] = NULL;
			}
			return -1;
		}
	return 0;
}

/*
 * Records that a case's thread is served to the worker: n messages v,
 * their blobs read by msg_thread_blobs, which the caller still owns and
 * sends only after this succeeds, knowing the reply fits. One entry
 * records it, naming no case and no count (a timeline of one worker's
 * reads is theirs alone), or past audit_refusals_per_window in a window
 * is counted for its summary entry; the staff messages served for the first time have their
 * rows say so, in the same transaction. Returns 0 or -1.
 */
int
msg_serve_thread(struct sched *s, struct message **v, size_t n,
    unsigned char **blob, size_t *len, time_t now, struct sched_err *e)
{
	struct message	 copy;
	struct rec	 r;
	char		*cause = NULL;
	size_t		 i, *rowlen;
	int		 rc = 0, own;

	rowlen = xcalloc(n + 1, sizeof *rowlen);
	if (store_begin(s->st, &cause) != 0)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++) {
		if (v[i]->from == MSG_FROM_WORKER || v[i]->read != 0)
			continue;
		copy = *v[i];
		copy.read = now;
		msg_row(&copy, blob[i], len[i], &r);
		rowlen[i] = r.len;
		rc = store_update(s->st, "messages", copy.id, r.buf, r.len,
		    &cause);
		rec_free(&r);
	}
	own = audit_worker_read(s->audit,
	    (uint64_t)s->cf->audit_refusals_per_window, now);
	if (rc != 0 || (own && sched_audit(s, "worker", "message-read", NULL,
	    0, "ok", &cause) != 0) || sched_commit(s, &cause) != 0) {
		free(rowlen);
		return sched_err_store(s, e, cause);
	}
	for (i = 0; i < n; i++)
		if (rowlen[i] != 0) {
			v[i]->read = now;
			v[i]->rowlen = rowlen[i];
		}
	free(rowlen);
	return 0;
}

/*
 * The service cancels a booked session that has not started: by the
 * counsellor of its slot (p), or by an admin (p NULL). The booking becomes
 * cancelled-by-service, its slot is withdrawn, and the reason (blob, a
 * message sealed to the case's key; none only for a case that has no key)
 * joins the case's thread, all in one transaction.
 */
int
sched_session_cancel(struct sched *s, const char *actor, struct person *p,
    int64_t id, const unsigned char *blob, size_t len, time_t now,
    struct sched_err *e)
{
	struct booking	*b = sched_booking(s, id), copy;
	struct slot	*sl, scopy;
	struct message	*m = NULL;
	unsigned char	 ck[32];
	char		*cause;
	int		 rc;

	if (b == NULL || (sl = sched_slot(s, b->slot)) == NULL ||
	    (p != NULL && sl->person != p->id)) {
		sched_refused(s, actor, "session-cancel", "booking", id);
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such booking of "
		    "yours");
	}
	if (b->state != B_BOOKED)
		return sched_errf(e, ECO_ERR_CONFLICT, "the booking is %s, not "
		    "booked", bstate_name(b->state));
	if (sl->start <= now)
		return sched_errf(e, ECO_ERR_POLICY, "the session has started; "
		    "mark it instead");
	if ((rc = case_key(s, b->case_id, ck, e)) < 0)
		return -1;
	if (rc == 0 && len == 0)
		return sched_errf(e, ECO_ERR_USAGE, "the reason must come, "
		    "sealed to the case");
	if (rc == 1 && len != 0)
		return sched_errf(e, ECO_ERR_CONFLICT, "this case has no key "
		    "yet: no message can reach it");
	if (len != 0 && (m = msg_new(s, b->case_id, b->id, p, p != NULL ?
	    MSG_FROM_COUNSELLOR : MSG_FROM_SERVICE, 1, blob, len, now,
	    e)) == NULL)
		return -1;
	copy = *b;
	copy.state = B_SVC_CANCELLED;
	copy.seq++;
	copy.modified = now;
	scopy = *sl;
	scopy.removed = 1;
	scopy.booking = 0;
	if (store_begin(s->st, &cause) != 0 || put_booking(s, &copy, 0,
	    &cause) != 0 || put_slot(s, &scopy, 0, &cause) != 0 ||
	    sched_audit(s, actor, "session-cancel", "booking", id, "ok",
	    &cause) != 0 || (m != NULL && msg_put(s, actor, m, blob, len,
	    &m->rowlen, &cause) != 0) || sched_commit(s, &cause) != 0) {
		free(m);
		return sched_err_store(s, e, cause);
	}
	b->state = B_SVC_CANCELLED;
	b->seq = copy.seq;
	b->modified = now;
	sl->removed = 1;
	slot_set_booking(s, sl, 0);
	if (m != NULL)
		msg_index(s, m);
	return 0;
}

/* The booked sessions starting in [from, to), by start: a day to cancel. */
size_t
sched_day_booked(struct sched *s, time_t from, time_t to,
    struct booking ***out)
{
	struct booking	*b;
	struct slot	*sl;
	size_t		 i, n = 0;

	*out = xcalloc(s->bookings.n + 1, sizeof **out);
	for (i = 1; i < s->bookings.n; i++) {
		if ((b = s->bookings.v[i]) == NULL || b->state != B_BOOKED ||
		    (sl = sched_slot(s, b->slot)) == NULL ||
		    sl->start < from || sl->start >= to)
			continue;
		(*out)[n++] = b;
	}
	return n;
}
