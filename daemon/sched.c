/*
 * The schedule's model (see sched.h): people, slots and bookings held in
 * memory, opened from sealed rows at start; row encodings; enrolment and
 * revocation; and the commit that carries each change's audit entries.
 * Slot and booking operations are in booking.c.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "config.h"
#include "log.h"
#include "proto.h"
#include "rec.h"
#include "sched.h"
#include "store.h"
#include "xmalloc.h"

static const char *const modality_names[] = { NULL, "presencial",
    "telefono", "video" };
static const char *const bstate_names[] = { NULL, "booked", "cancelled",
    "rescheduled", "attended", "no-show", "cancelled-by-service" };

/* Fills e with an error code and message; returns -1. */
int
sched_errf(struct sched_err *e, const char *code, const char *fmt, ...)
{
	va_list	 ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

/* A storage failure: logged with its cause (ids only), reported plainly
 * with its kind (a full disk, an I/O error); rolls back the open
 * transaction; returns -1. */
int
sched_err_store(struct sched *s, struct sched_err *e, char *cause)
{
	const char	*why = store_failure(s->st);

	store_rollback(s->st);
	audit_abort(s->audit);
	log_warnx("%s", cause);
	free(cause);
	if (why != NULL)
		return sched_errf(e, ECO_ERR_INTERNAL, "storage failure (%s); "
		    "nothing changed", why);
	return sched_errf(e, ECO_ERR_INTERNAL, "storage failure; nothing changed");
}

/*
 * Commits the open transaction with the audit entries it appended and the
 * signed tree head that covers them, so the log and the change it records
 * reach the disk together or not at all. While batching, the change joins
 * the batch instead (its savepoint released, its entries kept pending):
 * it is on disk, with the head that covers it, once sched_flush returns 0.
 * Either way memory may follow when this returns 0.
 */
int
sched_commit(struct sched *s, char **cause)
{
	if (s->batching) {
		if (store_commit(s->st, cause) != 0)
			return -1;
		audit_keep(s->audit);
		if (store_batch_joined(s->st) == 1 && s->hooks.joined != NULL)
			s->hooks.joined(s->hooks.arg);
		return 0;
	}
	if (audit_sign(s->audit, cause) != 0 ||
	    store_commit(s->st, cause) != 0)
		return -1;
	audit_committed(s->audit);
	return 0;
}

static int	sched_settle_hook(void *);

/*
 * Turns group commit on or off (flushing first); hooks are the server's,
 * copied. Off, every change commits alone, as at start.
 */
void
sched_batching(struct sched *s, int on, const struct sched_hooks *hooks)
{
	struct sched_err	 e;

	sched_flush(s, &e);
	s->batching = on;
	store_batching(s->st, on);
	store_set_settle(s->st, on ? sched_settle_hook : NULL, s);
	if (hooks != NULL)
		s->hooks = *hooks;
	else
		memset(&s->hooks, 0, sizeof s->hooks);
}

/*
 * Puts memory back as the store has it, after a failed batch: the changes
 * the batch's requests made to memory once their savepoints were released
 * are undone by loading the model and the audit tree again, in place, so
 * the pointers others hold stay valid. Cannot fail but for a store that
 * no longer reads, and then nothing can be trusted: fatal.
 */
static void
sched_reload(struct sched *s)
{
	struct sched		*f;
	struct idvec		 iv;
	struct slot_free_tree	 free_tree;
	struct slot_live_tree	 live_tree;
	char			*cause = NULL;
	int64_t			 purged[3];
	int			 has, longest;

	if (audit_reload(s->audit, &cause) != 0 ||
	    (f = sched_load(s->st, s->seal, s->audit, s->cf, &cause)) == NULL)
		fatalx("after a failed commit, cannot reload: %s", cause);
#define SWAP(x) do { iv = s->x; s->x = f->x; f->x = iv; } while (0)
	SWAP(people);
	SWAP(slots);
	SWAP(bookings);
	SWAP(notes);
	SWAP(cases);
#undef SWAP
	/* The indexes (index.c) go with the objects they hold. */
	free_tree = s->free;
	s->free = f->free;
	f->free = free_tree;
	live_tree = s->live;
	s->live = f->live;
	f->live = live_tree;
	longest = s->longest;
	s->longest = f->longest;
	f->longest = longest;
	memcpy(purged, s->purged, sizeof purged);
	memcpy(s->purged, f->purged, sizeof purged);
	memcpy(f->purged, purged, sizeof purged);
	has = s->has_purged;
	s->has_purged = f->has_purged;
	f->has_purged = has;
	sched_free(f);
}

/*
 * A batch failed (its head could not be signed, or its COMMIT failed): the
 * store is rolled back; the audit log and the model go back to what it
 * holds; e says why, and the flushed hook hears of it.
 */
static int
sched_flush_failed(struct sched *s, uint64_t n, char *cause,
    struct sched_err *e)
{
	const char	*why;

	why = store_failure(s->st);
	store_rollback_batch(s->st);
	audit_abort_batch(s->audit);
	log_warnx("batch of %llu requests failed: %s", (unsigned long long)n,
	    cause);
	free(cause);
	sched_reload(s);
	if (why != NULL)
		sched_errf(e, ECO_ERR_INTERNAL, "storage failure (%s); "
		    "nothing changed", why);
	else
		sched_errf(e, ECO_ERR_INTERNAL, "storage failure; nothing "
		    "changed");
	if (s->hooks.flushed != NULL)
		s->hooks.flushed(s->hooks.arg, e);
	return -1;
}

/*
 * Starts committing the open batch, if any: signs the tree head once for
 * all its entries, inside its transaction, and hands the COMMIT to the
 * store's writer thread. Until sched_settle takes the result, nothing may
 * touch the store (what does waits for the writer); the loop serves what
 * memory answers. Returns 0, or -1 with e if the batch failed already
 * (or the one before it, settled here).
 * Call it with no request's transaction open, holding no pointer into the
 * model.
 */
int
sched_flush_start(struct sched *s, struct sched_err *e)
{
	char	*cause = NULL;

	if (sched_settle(s, e) != 0)
		return -1;
	if (!store_batch_open(s->st))
		return 0;
	s->flush_n = store_batch_joined(s->st);
	if (audit_sign(s->audit, &cause) != 0)
		return sched_flush_failed(s, s->flush_n, cause, e);
	if (store_flush_start(s->st) == 0)	/* done already */
		return sched_settle(s, e);
	return 0;
}

/*
 * Takes the result of the batch whose COMMIT was started, waiting for it
 * if it is still in flight: 0 once every change of the batch is durable
 * (the head that covers them is the log's), or -1, e filled, as
 * sched_flush says. 0 if none was started. Same conditions as
 * sched_flush_start.
 */
int
sched_settle(struct sched *s, struct sched_err *e)
{
	char	*cause = NULL;

	if (!store_flushing(s->st))
		return 0;
	if (store_flush_end(s->st, &cause) != 0)
		return sched_flush_failed(s, s->flush_n, cause, e);
	audit_committed(s->audit);
	log_debug("batch: %llu requests committed in one transaction",
	    (unsigned long long)s->flush_n);
	if (s->hooks.flushed != NULL)
		s->hooks.flushed(s->hooks.arg, NULL);
	return 0;
}

/*
 * What store_begin calls when a batch's result is not taken (a write from
 * somewhere the server did not hold back): a batch that committed is
 * settled here; one that failed is not, since that reloads the model
 * under a caller that may hold pointers into it: the write fails, and
 * the loop settles the batch (server.c, the wake-up event).
 */
static int
sched_settle_hook(void *arg)
{
	struct sched		*s = arg;
	struct sched_err	 e;

	if (store_flush_failed(s->st))
		return -1;
	return sched_settle(s, &e);
}

/* Returns 1 while a batch's COMMIT is in flight or not settled: what
 * touches the store should wait for sched_settle. */
int
sched_committing(const struct sched *s)
{
	return store_flushing(s->st);
}

/*
 * Commits the open batch, if any, here: settles the one in flight, then
 * starts and settles this one. Returns 0 once every change of the batch
 * is durable; or -1, e filled (a storage failure, nothing changed), with
 * the store rolled back and memory reloaded to match. Either way the
 * flushed hook hears of it. Same conditions as sched_flush_start.
 */
int
sched_flush(struct sched *s, struct sched_err *e)
{
	if (sched_flush_start(s, e) != 0)
		return -1;
	return sched_settle(s, e);
}

/* Appends an audit entry by actor on object kind:id (kind NULL: none). */
int
sched_audit(struct sched *s, const char *actor, const char *action,
    const char *kind, int64_t id, const char *outcome, char **cause)
{
	char	 obj[48];

	if (kind == NULL)
		snprintf(obj, sizeof obj, "-");
	else
		snprintf(obj, sizeof obj, "%s:%lld", kind, (long long)id);
	return audit_append(s->audit, actor, action, obj, outcome, cause);
}

/* Records an access by actor that changes nothing else, in a transaction
 * of its own: a login, a note or message served, the start. */
int
sched_record(struct sched *s, const char *actor, const char *action,
    const char *kind, int64_t id, const char *outcome, struct sched_err *e)
{
	char	*cause;

	if (store_begin(s->st, &cause) != 0 ||
	    sched_audit(s, actor, action, kind, id, outcome, &cause) != 0 ||
	    sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	return 0;
}

/* Returns 1 if kind:id names something that exists. */
static int
sched_exists(struct sched *s, const char *kind, int64_t id)
{
	if (kind == NULL)
		return 0;
	if (strcmp(kind, "person") == 0)
		return sched_person(s, id) != NULL;
	if (strcmp(kind, "slot") == 0)
		return sched_slot(s, id) != NULL;
	if (strcmp(kind, "booking") == 0)
		return sched_booking(s, id) != NULL;
	if (strcmp(kind, "note") == 0)
		return idvec_get(&s->notes, id) != NULL;
	return 0;
}

/*
 * Records a refusal by actor of action on kind:id: outcome "failed" for a
 * login, "refused" for anything else. An id that names nothing is left
 * out (object "-"), so no number of the client's choosing is written.
 * Past audit_refusals_per_window in a window the refusal is only counted,
 * for the summary sched_refusals_flush writes; so is one whose entry
 * could not be written. Returns 0, or -1 if that happened (logged).
 */
int
sched_refused(struct sched *s, const char *actor, const char *action,
    const char *kind, int64_t id)
{
	struct sched_err	 e;
	const char		*outcome = "refused";
	time_t			 now = time(NULL);

	if (strcmp(action, "login") == 0 ||
	    strcmp(action, "login-recovery") == 0)
		outcome = "failed";
	if (!sched_exists(s, kind, id))
		kind = NULL;
	if (audit_refusal(s->audit, (uint64_t)s->cf->audit_refusals_per_window,
	    actor, action, outcome, now) == 0)
		return 0;
	if (sched_record(s, actor, action, kind, id, outcome, &e) != 0) {
		audit_count(s->audit, actor, action, outcome, now);
		return -1;
	}
	return 0;
}

/*
 * Ends the refusal window: writes the summary entries of what was
 * counted, in one transaction, and starts a new window. Called by a timer
 * every audit_window_seconds and at shutdown. Returns 0, or -1 if the
 * summaries could not be written (logged; they are kept for the next).
 */
int
sched_refusals_flush(struct sched *s)
{
	struct sched_err	 e;
	char			*cause;

	if (s->audit->nbursts == 0) {
		audit_window(s->audit, 1);
		return 0;
	}
	/* In a batch of their own, so the counts stay if it fails. */
	if (sched_flush(s, &e) != 0) {
		audit_window(s->audit, 0);
		return -1;
	}
	if (store_begin(s->st, &cause) != 0 ||
	    audit_summaries(s->audit, &cause) != 0 ||
	    sched_commit(s, &cause) != 0) {
		sched_err_store(s, &e, cause);
		audit_window(s->audit, 0);
		return -1;
	}
	if (sched_flush(s, &e) != 0) {
		audit_window(s->audit, 0);
		return -1;
	}
	audit_window(s->audit, 1);
	return 0;
}

/* Returns the element at id, or NULL. */
void *
idvec_get(const struct idvec *iv, int64_t id)
{
	if (id <= 0 || (uint64_t)id >= iv->n)
		return NULL;
	return iv->v[id];
}

/* Stores p (NULL: clears) at id, growing the vector; keeps the top. */
void
idvec_set(struct idvec *iv, int64_t id, void *p)
{
	size_t	 n;

	if ((uint64_t)id >= iv->n) {
		n = iv->n == 0 ? 64 : iv->n;
		while (n <= (uint64_t)id)
			n *= 2;
		iv->v = xreallocarray(iv->v, n, sizeof *iv->v);
		memset(iv->v + iv->n, 0, (n - iv->n) * sizeof *iv->v);
		iv->n = n;
	}
	iv->v[id] = p;
	if (p != NULL && (size_t)id >= iv->top)
		iv->top = (size_t)id + 1;
	else if (p == NULL && (size_t)id + 1 == iv->top)
		while (iv->top > 0 && iv->v[iv->top - 1] == NULL)
			iv->top--;
}

/* The next id after the highest in use, in O(1): every store goes
 * through idvec_set. */
int64_t
idvec_next(const struct idvec *iv)
{
	return iv->top > 1 ? (int64_t)iv->top : 1;
}

/*
 * The id for a new element of iv: after the highest in use and after the
 * highest purged of its kind (PURGED_*), so an id once deleted never
 * names something else, in the audit log or in a note kept longer.
 */
int64_t
sched_next_id(struct sched *s, const struct idvec *iv, int kind)
{
	int64_t	 id = idvec_next(iv);

	return id > s->purged[kind] ? id : s->purged[kind] + 1;
}

/* Returns the protocol name of a modality. */
const char *
modality_name(int m)
{
	return m >= MOD_PRESENCIAL && m <= MOD_VIDEO ? modality_names[m] : "?";
}

/* Returns the modality named s, or 0. */
int
modality_parse(const char *s)
{
	int	 m;

	for (m = MOD_PRESENCIAL; m <= MOD_VIDEO; m++)
		if (strcmp(s, modality_names[m]) == 0)
			return m;
	return 0;
}

/* Returns the protocol name of a booking state. */
const char *
bstate_name(int st)
{
	return st >= B_BOOKED && st <= B_SVC_CANCELLED ? bstate_names[st] : "?";
}

struct person *
sched_person(struct sched *s, int64_t id)
{
	return idvec_get(&s->people, id);
}

struct slot *
sched_slot(struct sched *s, int64_t id)
{
	return idvec_get(&s->slots, id);
}

struct booking *
sched_booking(struct sched *s, int64_t id)
{
	return idvec_get(&s->bookings, id);
}

/* Returns the person named name, revoked or not, or NULL. */
struct person *
sched_person_by_name(struct sched *s, const char *name)
{
	struct person	*p;
	size_t		 i;

	for (i = 1; i < s->people.n; i++)
		if ((p = s->people.v[i]) != NULL && strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Encoders: one per table, the field order is the format. */
static void
person_encode(const struct person *p, struct rec *r)
{
	rec_init(r);
	rec_put_u8(r, p->role);
	rec_put_u8(r, p->revoked);
	rec_put_str(r, p->name);
	rec_put_bytes(r, p->pk, sizeof p->pk);
	rec_put_i64(r, p->created);
}

static void
slot_encode(const struct slot *sl, struct rec *r)
{
	rec_init(r);
	rec_put_i64(r, sl->person);
	rec_put_i64(r, sl->start);
	rec_put_i64(r, sl->minutes);
	rec_put_u8(r, sl->modality);
	rec_put_u8(r, sl->removed);
	rec_put_str(r, sl->location);
	rec_put_str(r, sl->join);
}

static void
booking_encode(const struct booking *b, struct rec *r)
{
	rec_init(r);
	rec_put_i64(r, b->case_id);
	rec_put_i64(r, b->slot);
	rec_put_u8(r, b->state);
	rec_put_i64(r, b->created);
	rec_put_bytes(r, b->msg, b->msglen);
	rec_put_i64(r, b->origin);
	rec_put_i64(r, b->seq);
	rec_put_i64(r, b->modified);
	rec_put_i64(r, b->marked);
	rec_put_i64(r, b->corrected);
}

/* Writes a row (insert or update) from its encoding. */
static int
put_row(struct sched *s, const char *table, int64_t id, struct rec *r,
    int insert, char **cause)
{
	int	 rc;

	if (insert)
		rc = store_insert(s->st, table, id, r->buf, r->len, cause);
	else
		rc = store_update(s->st, table, id, r->buf, r->len, cause);
	rec_free(r);
	return rc;
}

static int
put_person(struct sched *s, const struct person *p, int insert, char **cause)
{
	struct rec	 r;

	person_encode(p, &r);
	return put_row(s, "counsellors", p->id, &r, insert, cause);
}

int
put_slot(struct sched *s, const struct slot *sl, int insert, char **cause)
{
	struct rec	 r;

	slot_encode(sl, &r);
	return put_row(s, "slots", sl->id, &r, insert, cause);
}

int
put_booking(struct sched *s, const struct booking *b, int insert,
    char **cause)
{
	struct rec	 r;

	booking_encode(b, &r);
	return put_row(s, "bookings", b->id, &r, insert, cause);
}

static void
person_free(struct person *p)
{
	if (p != NULL)
		free(p->name);
	free(p);
}

void
slot_free(struct slot *sl)
{
	if (sl != NULL) {
		free(sl->location);
		free(sl->join);
	}
	free(sl);
}

void
booking_free(struct booking *b)
{
	if (b != NULL)
		free(b->msg);
	free(b);
}

/* Row loaders for sched_load: decode, check, keep. */
static int
load_person(int64_t id, const unsigned char *buf, size_t len, void *arg)
{
	struct sched		*s = arg;
	struct person		*p = xcalloc(1, sizeof *p);
	struct rec		 r;
	const unsigned char	*pk;

	rec_read(&r, buf, len);
	p->id = id;
	p->role = (int)rec_get_u8(&r);
	p->revoked = (int)rec_get_u8(&r);
	p->name = rec_get_str(&r, 64);
	if (rec_get_bytes(&r, &pk) == sizeof p->pk)
		memcpy(p->pk, pk, sizeof p->pk);
	else
		r.bad = 1;
	p->created = rec_get_i64(&r);
	if (rec_done(&r) != 0 || (p->role != PERSON_COUNSELLOR &&
	    p->role != PERSON_AUDITOR)) {
		person_free(p);
		return -1;
	}
	idvec_set(&s->people, id, p);
	return 0;
}

static int
load_slot(int64_t id, const unsigned char *buf, size_t len, void *arg)
{
	struct sched	*s = arg;
	struct slot	*sl = xcalloc(1, sizeof *sl);
	struct rec	 r;

	rec_read(&r, buf, len);
	sl->id = id;
	sl->person = rec_get_i64(&r);
	sl->start = rec_get_i64(&r);
	sl->minutes = (int)rec_get_i64(&r);
	sl->modality = (int)rec_get_u8(&r);
	sl->removed = (int)rec_get_u8(&r);
	sl->location = rec_get_str(&r, ECO_LOCATION_MAX);
	/* Rows written before slots had join details have none. */
	sl->join = rec_more(&r) ? rec_get_str(&r, ECO_JOIN_MAX) : xstrdup("");
	if (rec_done(&r) != 0 || sched_person(s, sl->person) == NULL ||
	    modality_parse(modality_name(sl->modality)) == 0) {
		slot_free(sl);
		return -1;
	}
	idvec_set(&s->slots, id, sl);
	return 0;		/* indexed once its bookings are known */
}

/*
 * Reads a booking's calendar history, the fields booking_encode ends with.
 * Rows written before bookings kept it have none: each is then its own
 * chain, changed once if it is no longer booked, last changed when made.
 */
static void
load_history(struct rec *r, int64_t id, struct booking *b)
{
	if (rec_more(r)) {
		b->origin = rec_get_i64(r);
		b->seq = rec_get_i64(r);
		b->modified = rec_get_i64(r);
	} else {
		b->origin = id;
		b->seq = b->state != B_BOOKED;
		b->modified = b->created;
	}
}

/*
 * Reads when a booking was first marked and corrected, the fields after
 * its history. Rows written before have none: a marked one was marked at
 * its last change, and never corrected.
 */
static void
load_marks(struct rec *r, struct booking *b)
{
	if (rec_more(r)) {
		b->marked = rec_get_i64(r);
		b->corrected = rec_get_i64(r);
	} else
		b->marked = b->state == B_ATTENDED || b->state == B_NOSHOW ?
		    b->modified : 0;
}

/* Opens a booking row into memory; -1 if it is not a booking's. */
static int
load_booking(int64_t id, const unsigned char *buf, size_t len, void *arg)
{
	struct sched		*s = arg;
	struct booking		*b = xcalloc(1, sizeof *b);
	struct slot		*sl;
	struct rec		 r;
	const unsigned char	*msg;

	rec_read(&r, buf, len);
	b->id = id;
	b->case_id = rec_get_i64(&r);
	b->slot = rec_get_i64(&r);
	b->state = (int)rec_get_u8(&r);
	b->created = rec_get_i64(&r);
	b->msglen = rec_get_bytes(&r, &msg);
	load_history(&r, id, b);
	load_marks(&r, b);
	if (rec_done(&r) != 0 || (sl = sched_slot(s, b->slot)) == NULL ||
	    b->marked < 0 || b->corrected < 0 ||
	    b->origin <= 0 || b->origin > id || b->seq < 0 || b->modified < 0 ||
	    b->state < B_BOOKED || b->state > B_SVC_CANCELLED) {
		booking_free(b);
		return -1;
	}
	if (b->msglen > 0) {
		b->msg = xmalloc(b->msglen);
		memcpy(b->msg, msg, b->msglen);
	}
	if (b->state == B_BOOKED || b->state == B_ATTENDED ||
	    b->state == B_NOSHOW) {
		if (sl->booking != 0) {
			booking_free(b);
			return -1;	/* two bookings hold one slot */
		}
		sl->booking = id;		/* indexed after */
	}
	idvec_set(&s->bookings, id, b);
	sched_index_booking(s, b);
	return 0;
}

/* Reads the highest ids purged (META_PURGED), if a purge ever ran. */
static int
load_purged(struct sched *s, char **cause)
{
	unsigned char	 buf[64];
	struct rec	 r;
	size_t		 len, i;
	int		 rc;

	rc = store_get(s->st, "meta", META_PURGED, buf, sizeof buf, &len,
	    cause);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	rec_read(&r, buf, len);
	for (i = 0; i < 3; i++)
		s->purged[i] = rec_get_i64(&r);
	if (rec_more(&r))
		s->purged[PURGED_MESSAGES] = rec_get_i64(&r);
	if (rec_done(&r) != 0) {
		xasprintf(cause, "table meta row %d does not decode",
		    META_PURGED);
		return -1;
	}
	s->has_purged = 1;
	return 0;
}

/*
 * Opens the schedule from the store. A row that opens (it is authentic)
 * but does not decode, or contradicts another, stops start-up, named.
 */
struct sched *
sched_load(struct store *st, struct seal *seal, struct audit *audit,
    const struct config *cf, char **cause)
{
	static const struct {
		const char	*table;
		store_row_cb	 cb;
	} tables[] = {
		{ "counsellors", load_person },
		{ "slots", load_slot },
		{ "bookings", load_booking },
	};
	struct sched	*s;
	struct slot	*sl;
	int64_t		 id;
	size_t		 i;

	s = xcalloc(1, sizeof *s);
	s->st = st;
	s->seal = seal;
	s->audit = audit;
	s->cf = cf;
	if (load_purged(s, cause) != 0) {
		sched_free(s);
		return NULL;
	}
	for (i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		*cause = NULL;
		if (store_foreach(st, tables[i].table, tables[i].cb, s,
		    cause) != 0) {
			if (*cause == NULL)
				xasprintf(cause, "table %s: a row does not "
				    "decode or contradicts another",
				    tables[i].table);
			sched_free(s);
			return NULL;
		}
	}
	/* Each slot goes into its trees once, booked or not. */
	for (id = 1; id < idvec_next(&s->slots); id++)
		if ((sl = idvec_get(&s->slots, id)) != NULL)
			sched_index_slot(s, sl);
	if (notes_load(s, cause) != 0 || messages_load(s, cause) != 0) {
		sched_free(s);
		return NULL;
	}
	return s;
}

/* Frees the schedule; NULL is fine. */
void
sched_free(struct sched *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->people.n; i++)
		person_free(s->people.v[i]);
	for (i = 0; i < s->slots.n; i++)
		slot_free(s->slots.v[i]);
	for (i = 0; i < s->bookings.n; i++)
		booking_free(s->bookings.v[i]);
	for (i = 0; i < s->notes.n; i++)
		free(s->notes.v[i]);
	free(s->notes.v);
	for (i = 0; i < s->messages.n; i++)
		free(s->messages.v[i]);
	free(s->messages.v);
	free(s->case_msgs.v);
	free(s->people.v);
	free(s->slots.v);
	free(s->bookings.v);
	free(s->cases.v);
	free(s);
}

/* Enrols a counsellor or auditor under a new name and public key. */
int
sched_enrol(struct sched *s, const char *actor, int role, const char *name,
    const unsigned char *pk, struct sched_err *e)
{
	struct person	*p, *q;
	char		*cause;
	size_t		 i;

	if (sched_person_by_name(s, name) != NULL)
		return sched_errf(e, ECO_ERR_CONFLICT, "the name is enrolled already "
		    "(names stay reserved after revocation)");
	for (i = 1; i < s->people.n; i++)
		if ((q = s->people.v[i]) != NULL &&
		    sodium_memcmp(q->pk, pk, sizeof q->pk) == 0)
			return sched_errf(e, ECO_ERR_CONFLICT, "that key is enrolled "
			    "already");
	p = xcalloc(1, sizeof *p);
	p->id = idvec_next(&s->people);
	p->role = role;
	p->name = xstrdup(name);
	memcpy(p->pk, pk, sizeof p->pk);
	p->created = time(NULL);
	if (store_begin(s->st, &cause) != 0 || put_person(s, p, 1,
	    &cause) != 0 || sched_audit(s, actor, "enrol", "person", p->id, "ok",
	    &cause) != 0 || sched_commit(s, &cause) != 0) {
		person_free(p);
		return sched_err_store(s, e, cause);
	}
	idvec_set(&s->people, p->id, p);
	return 0;
}

/* Revokes a person: no more logins; their records stay. */
int
sched_revoke(struct sched *s, const char *actor, struct person *p,
    struct sched_err *e)
{
	struct person	 copy = *p;
	char		*cause;

	if (p->revoked)
		return sched_errf(e, ECO_ERR_CONFLICT, "revoked already");
	copy.revoked = 1;
	if (store_begin(s->st, &cause) != 0 || put_person(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, actor, "revoke", "person", p->id,
	    "ok", &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	p->revoked = 1;
	sched_index_person(s, p->id);
	return 0;
}

/*
 * Gives person p (of role, PERSON_*) the new public key pk in place of a
 * lost one: the name and id stay, so the records stay theirs. Refuses a
 * revoked person, another role's name, and a key enrolled already (under
 * any name). Returns 0, or -1 with e filled; memory changes once
 * committed.
 */
int
sched_rekey(struct sched *s, const char *actor, struct person *p, int role,
    const unsigned char *pk, struct sched_err *e)
{
	struct person	 copy = *p, *q;
	char		*cause;
	size_t		 i;

	if (p->role != role)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no %s of that name is "
		    "enrolled", role == PERSON_AUDITOR ? "auditor" :
		    "counsellor");
	if (p->revoked)
		return sched_errf(e, ECO_ERR_CONFLICT, "the name is revoked: "
		    "a revoked name gets no new key");
	for (i = 1; i < s->people.n; i++)
		if ((q = s->people.v[i]) != NULL &&
		    sodium_memcmp(q->pk, pk, sizeof q->pk) == 0)
			return sched_errf(e, ECO_ERR_CONFLICT, "that key is "
			    "enrolled already%s", q == p ? " under this name" :
			    "");
	memcpy(copy.pk, pk, sizeof copy.pk);
	if (store_begin(s->st, &cause) != 0 || put_person(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, actor, "rekey", "person", p->id,
	    "ok", &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	memcpy(p->pk, pk, sizeof p->pk);
	return 0;
}
