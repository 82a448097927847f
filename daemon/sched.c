/*
 * The schedule (see sched.h). Rows are encoded with rec.c and sealed by
 * the store; a case row holds only its creation time and is found by the
 * blind index of its booking code, which is never stored or logged.
 */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "code.h"
#include "config.h"
#include "log.h"
#include "proto.h"
#include "rec.h"
#include "sched.h"
#include "seal.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

#define MINUTES_MIN	5
#define MINUTES_MAX	720
#define WEEKLY_MAX	52

static const char *const modality_names[] = { NULL, "presencial",
    "telefono", "video" };
static const char *const bstate_names[] = { NULL, "booked", "cancelled",
    "rescheduled", "attended", "no-show" };

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

/* A storage failure: logged with its cause (ids only), reported plainly;
 * rolls back the open transaction; returns -1. */
int
sched_err_store(struct sched *s, struct sched_err *e, char *cause)
{
	store_rollback(s->st);
	audit_abort(s->audit);
	log_warnx("%s", cause);
	free(cause);
	return sched_errf(e, ECO_ERR_INTERNAL, "storage failure; nothing changed");
}

/*
 * Commits the open transaction with the audit entries it appended and the
 * signed tree head that covers them, so the log and the change it records
 * reach the disk together or not at all.
 */
int
sched_commit(struct sched *s, char **cause)
{
	if (audit_sign(s->audit, cause) != 0 ||
	    store_commit(s->st, cause) != 0)
		return -1;
	audit_committed(s->audit);
	return 0;
}

/* Appends an audit entry on object kind:id (actor NULL: the caller's). */
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

/* Records an access that changes nothing else, in a transaction of its
 * own: a login, a note or message served. */
int
sched_record(struct sched *s, const char *action, const char *kind,
    int64_t id, const char *outcome, struct sched_err *e)
{
	char	*cause;

	if (store_begin(s->st, &cause) != 0 ||
	    sched_audit(s, NULL, action, kind, id, outcome, &cause) != 0 ||
	    sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
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

/* Stores p at id, growing the vector. */
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
}

/* The next id after the highest in use. */
int64_t
idvec_next(const struct idvec *iv)
{
	size_t	 i;

	for (i = iv->n; i > 1; i--)
		if (iv->v[i - 1] != NULL)
			return (int64_t)i;
	return 1;
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
	return st >= B_BOOKED && st <= B_NOSHOW ? bstate_names[st] : "?";
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

static int
put_slot(struct sched *s, const struct slot *sl, int insert, char **cause)
{
	struct rec	 r;

	slot_encode(sl, &r);
	return put_row(s, "slots", sl->id, &r, insert, cause);
}

static int
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

static void
slot_free(struct slot *sl)
{
	if (sl != NULL)
		free(sl->location);
	free(sl);
}

static void
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
	if (rec_done(&r) != 0 || sched_person(s, sl->person) == NULL ||
	    modality_parse(modality_name(sl->modality)) == 0) {
		slot_free(sl);
		return -1;
	}
	idvec_set(&s->slots, id, sl);
	return 0;
}

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
	if (rec_done(&r) != 0 || (sl = sched_slot(s, b->slot)) == NULL ||
	    b->state < B_BOOKED || b->state > B_NOSHOW) {
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
		sl->booking = id;
	}
	idvec_set(&s->bookings, id, b);
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
	size_t		 i;

	s = xcalloc(1, sizeof *s);
	s->st = st;
	s->seal = seal;
	s->audit = audit;
	s->cf = cf;
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
	if (notes_load(s, cause) != 0) {
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
	free(s->people.v);
	free(s->slots.v);
	free(s->bookings.v);
	free(s);
}

/* Enrols a counsellor or auditor under a new name and public key. */
int
sched_enrol(struct sched *s, int role, const char *name,
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
	    &cause) != 0 || sched_audit(s, NULL, "enrol", "person", p->id, "ok",
	    &cause) != 0 || sched_commit(s, &cause) != 0) {
		person_free(p);
		return sched_err_store(s, e, cause);
	}
	idvec_set(&s->people, p->id, p);
	return 0;
}

/* Revokes a person: no more logins; their records stay. */
int
sched_revoke(struct sched *s, struct person *p, struct sched_err *e)
{
	struct person	 copy = *p;
	char		*cause;

	if (p->revoked)
		return sched_errf(e, ECO_ERR_CONFLICT, "revoked already");
	copy.revoked = 1;
	if (store_begin(s->st, &cause) != 0 || put_person(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, NULL, "revoke", "person", p->id,
	    "ok", &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	p->revoked = 1;
	return 0;
}

/* Returns 1 if [start, start + minutes) meets a live slot of person. */
static int
slot_overlaps(struct sched *s, int64_t person, time_t start, int minutes)
{
	struct slot	*sl;
	size_t		 i;

	for (i = 1; i < s->slots.n; i++) {
		if ((sl = s->slots.v[i]) == NULL || sl->removed ||
		    sl->person != person)
			continue;
		if (sl->start < start + minutes * 60 &&
		    start < sl->start + sl->minutes * 60)
			return 1;
	}
	return 0;
}

/*
 * Publishes count weekly slots from start (same local time each week).
 * All or none: an overlap with any existing slot of the same person, or
 * between the new ones, refuses them all. ids gets count slot ids.
 */
int
sched_avail_add(struct sched *s, struct person *p, time_t start, int minutes,
    int count, int modality, const char *location, time_t now, int64_t *ids,
    struct sched_err *e)
{
	struct slot	**made;
	char		 *cause;
	time_t		  t;
	int		  i, k;

	if (minutes < MINUTES_MIN || minutes > MINUTES_MAX)
		return sched_errf(e, ECO_ERR_INVALID, "minutes must be %d to %d",
		    MINUTES_MIN, MINUTES_MAX);
	if (count < 1 || count > WEEKLY_MAX)
		return sched_errf(e, ECO_ERR_INVALID, "weekly count must be 1 to %d",
		    WEEKLY_MAX);
	if (start <= now)
		return sched_errf(e, ECO_ERR_INVALID, "the start is in the past");
	made = xcalloc(count, sizeof *made);
	for (i = 0; i < count; i++) {
		if (i == 0)
			t = start;
		else if (time_add_days(start, 7 * i, &t) != 0) {
			sched_errf(e, ECO_ERR_INVALID, "cannot repeat that date");
			goto fail;
		}
		if (slot_overlaps(s, p->id, t, minutes)) {
			sched_errf(e, ECO_ERR_CONFLICT, "overlaps a slot you "
			    "published already (week %d)", i + 1);
			goto fail;
		}
		made[i] = xcalloc(1, sizeof *made[i]);
		made[i]->id = idvec_next(&s->slots) + i;
		made[i]->person = p->id;
		made[i]->start = t;
		made[i]->minutes = minutes;
		made[i]->modality = modality;
		made[i]->location = xstrdup(location);
	}
	if (store_begin(s->st, &cause) != 0)
		goto fail_store;
	for (i = 0; i < count; i++)
		if (put_slot(s, made[i], 1, &cause) != 0 ||
		    sched_audit(s, NULL, "avail-add", "slot", made[i]->id,
		    "ok", &cause) != 0)
			goto fail_store;
	if (sched_commit(s, &cause) != 0)
		goto fail_store;
	for (i = 0; i < count; i++) {
		ids[i] = made[i]->id;
		idvec_set(&s->slots, made[i]->id, made[i]);
	}
	free(made);
	return 0;
fail_store:
	sched_err_store(s, e, cause);
fail:
	for (k = 0; k < count; k++)
		slot_free(made[k]);
	free(made);
	return -1;
}

/* Withdraws a free slot of person's. */
int
sched_avail_rm(struct sched *s, struct person *p, int64_t id,
    struct sched_err *e)
{
	struct slot	*sl = sched_slot(s, id), copy;
	char		*cause;

	if (sl == NULL || sl->removed || sl->person != p->id)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such slot of yours");
	if (sl->booking != 0)
		return sched_errf(e, ECO_ERR_CONFLICT, "the slot is booked; it "
		    "cannot be withdrawn");
	copy = *sl;
	copy.removed = 1;
	if (store_begin(s->st, &cause) != 0 || put_slot(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, NULL, "avail-rm", "slot", id, "ok",
	    &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	sl->removed = 1;
	return 0;
}

/* Returns 1 if a worker may book sl now. */
static int
slot_bookable(struct sched *s, const struct slot *sl, time_t now)
{
	const struct person	*p = sched_person(s, sl->person);

	return !sl->removed && sl->booking == 0 && p != NULL && !p->revoked &&
	    sl->start >= now + (time_t)s->cf->min_notice_minutes * 60;
}

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot	*x = *(struct slot *const *)a;
	const struct slot	*y = *(struct slot *const *)b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Lists the bookable slots starting in [from, to), of one modality or any
 * (0), in order of start. *out is allocated; returns the count.
 */
size_t
sched_free_slots(struct sched *s, time_t from, time_t to, int modality,
    time_t now, struct slot ***out)
{
	struct slot	*sl;
	size_t		 i, n = 0;

	*out = xcalloc(s->slots.n + 1, sizeof **out);
	for (i = 1; i < s->slots.n; i++) {
		if ((sl = s->slots.v[i]) == NULL || !slot_bookable(s, sl, now))
			continue;
		if (sl->start < from || sl->start >= to)
			continue;
		if (modality != 0 && sl->modality != modality)
			continue;
		(*out)[n++] = sl;
	}
	qsort(*out, n, sizeof **out, slot_cmp);
	return n;
}

/* Finds the case of a booking code as typed; a typo is "no such code". */
int
sched_find_case(struct sched *s, const char *text, int64_t *case_id,
    struct sched_err *e)
{
	unsigned char	 raw[CODE_RANDOM_BYTES], tag[BLIND_INDEX_BYTES];
	char		*cause;
	int		 rc;

	if (code_parse(text, raw) != 0)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such code");
	seal_index(s->seal, "cases", raw, sizeof raw, tag);
	sodium_memzero(raw, sizeof raw);
	rc = store_find(s->st, "cases", tag, case_id, &cause);
	if (rc == STORE_NOTFOUND)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such code");
	if (rc != 0)
		return sched_err_store(s, e, cause);
	return 0;
}

/* Returns the upcoming booking of a case (booked, not yet started). */
static struct booking *
case_upcoming(struct sched *s, int64_t case_id, time_t now)
{
	struct booking	*b;
	struct slot	*sl;
	size_t		 i;

	for (i = 1; i < s->bookings.n; i++) {
		if ((b = s->bookings.v[i]) == NULL || b->case_id != case_id ||
		    b->state != B_BOOKED)
			continue;
		if ((sl = sched_slot(s, b->slot)) != NULL && sl->start > now)
			return b;
	}
	return NULL;
}

/* Says why sl cannot be booked now. */
static int
serr_unbookable(struct sched *s, const struct slot *sl, struct sched_err *e)
{
	const struct person	*p;

	if (sl == NULL || sl->removed ||
	    ((p = sched_person(s, sl->person)) != NULL && p->revoked))
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such slot");
	if (sl->booking != 0)
		return sched_errf(e, ECO_ERR_TAKEN, "the slot is booked already; "
		    "choose another");
	return sched_errf(e, ECO_ERR_POLICY, "the slot starts too soon to book "
	    "(at least %d minutes ahead)", s->cf->min_notice_minutes);
}

/*
 * Books slot for a case: case_id 0 opens a new case and writes its code
 * into code (CODE_TEXT_LEN + 1); else the case must have no upcoming
 * booking. msg (may be empty) is the intake message, sealed to the slot's
 * counsellor by the worker's client.
 */
int
sched_book(struct sched *s, int64_t slot_id, int64_t case_id,
    const unsigned char *msg, size_t msglen, time_t now, char *code,
    struct sched_err *e)
{
	struct slot	*sl = sched_slot(s, slot_id);
	struct booking	*b;
	struct rec	 r;
	unsigned char	 raw[CODE_RANDOM_BYTES], tag[BLIND_INDEX_BYTES];
	char		*cause;
	int64_t		 new_case = 0;

	if (sl == NULL || !slot_bookable(s, sl, now))
		return serr_unbookable(s, sl, e);
	if (case_id != 0 && case_upcoming(s, case_id, now) != NULL)
		return sched_errf(e, ECO_ERR_CONFLICT, "this case has an upcoming "
		    "session already; cancel or reschedule it");
	if (store_begin(s->st, &cause) != 0)
		return sched_err_store(s, e, cause);
	if (case_id == 0) {
		if (store_next_id(s->st, "cases", &new_case, &cause) != 0)
			return sched_err_store(s, e, cause);
		code_new(raw, code);
		seal_index(s->seal, "cases", raw, sizeof raw, tag);
		sodium_memzero(raw, sizeof raw);
		rec_init(&r);
		rec_put_i64(&r, now);
		if (store_insert_tagged(s->st, "cases", new_case, tag, r.buf,
		    r.len, &cause) != 0) {
			rec_free(&r);
			sodium_memzero(code, CODE_TEXT_LEN + 1);
			return sched_err_store(s, e, cause);
		}
		rec_free(&r);
		case_id = new_case;
	}
	b = xcalloc(1, sizeof *b);
	b->id = idvec_next(&s->bookings);
	b->case_id = case_id;
	b->slot = slot_id;
	b->state = B_BOOKED;
	b->created = now;
	if (msglen > 0) {
		b->msg = xmalloc(msglen);
		memcpy(b->msg, msg, msglen);
		b->msglen = msglen;
	}
	if (put_booking(s, b, 1, &cause) != 0 || sched_audit(s, "worker",
	    "book", "booking", b->id, "ok", &cause) != 0 ||
	    sched_commit(s, &cause) != 0) {
		booking_free(b);
		if (new_case != 0)
			sodium_memzero(code, CODE_TEXT_LEN + 1);
		return sched_err_store(s, e, cause);
	}
	idvec_set(&s->bookings, b->id, b);
	sl->booking = b->id;
	return 0;
}

/* Orders bookings by their slot's start, then by id. */
static int
booking_cmp(const void *a, const void *b, void *arg)
{
	struct sched		*s = arg;
	const struct booking	*x = *(struct booking *const *)a;
	const struct booking	*y = *(struct booking *const *)b;
	const struct slot	*sx = sched_slot(s, x->slot);
	const struct slot	*sy = sched_slot(s, y->slot);

	if (sx->start != sy->start)
		return sx->start < sy->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Sorts n bookings by start, then id. */
static void
bookings_sort(struct sched *s, struct booking **v, size_t n)
{
	qsort_r(v, n, sizeof *v, booking_cmp, s);
}

/* Lists a case's bookings in order of start; *out is allocated. */
size_t
sched_case_bookings(struct sched *s, int64_t case_id, struct booking ***out)
{
	struct booking	*b;
	size_t		 i, n = 0;

	*out = xcalloc(s->bookings.n + 1, sizeof **out);
	for (i = 1; i < s->bookings.n; i++)
		if ((b = s->bookings.v[i]) != NULL && b->case_id == case_id)
			(*out)[n++] = b;
	bookings_sort(s, *out, n);
	return n;
}

/* Finds the case's upcoming booking, checking the cancellation window. */
static struct booking *
changeable(struct sched *s, int64_t case_id, time_t now, struct sched_err *e)
{
	struct booking	*b = case_upcoming(s, case_id, now);
	struct slot	*sl;

	if (b == NULL) {
		sched_errf(e, ECO_ERR_NOTFOUND, "this case has no upcoming session");
		return NULL;
	}
	sl = sched_slot(s, b->slot);
	if (now > sl->start - (time_t)s->cf->cancel_window_minutes * 60) {
		sched_errf(e, ECO_ERR_POLICY, "too late to change this session: "
		    "changes close %d minutes before it starts",
		    s->cf->cancel_window_minutes);
		return NULL;
	}
	return b;
}

/* Writes a booking's new state and its audit entry, then applies it. */
static int
booking_set_state(struct sched *s, struct booking *b, int state,
    const char *actor, const char *action, struct sched_err *e)
{
	struct booking	 copy = *b;
	char		*cause;

	copy.state = state;
	if (store_begin(s->st, &cause) != 0 || put_booking(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, actor, action, "booking", b->id,
	    "ok", &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	b->state = state;
	return 0;
}

/* Cancels the case's upcoming booking; the slot is free again. */
int
sched_cancel(struct sched *s, int64_t case_id, time_t now,
    struct sched_err *e)
{
	struct booking	*b;

	if ((b = changeable(s, case_id, now, e)) == NULL ||
	    booking_set_state(s, b, B_CANCELLED, "worker", "cancel", e) != 0)
		return -1;
	sched_slot(s, b->slot)->booking = 0;
	return 0;
}

/*
 * Moves the case's upcoming booking to slot_id, atomically: the new slot
 * is taken and the old freed in one transaction, or nothing changes.
 */
int
sched_reschedule(struct sched *s, int64_t case_id, int64_t slot_id,
    time_t now, struct sched_err *e)
{
	struct booking	*old, *b, copy;
	struct slot	*sl = sched_slot(s, slot_id);
	char		*cause;

	if ((old = changeable(s, case_id, now, e)) == NULL)
		return -1;
	if (sl == NULL || !slot_bookable(s, sl, now))
		return serr_unbookable(s, sl, e);
	b = xcalloc(1, sizeof *b);
	b->id = idvec_next(&s->bookings);
	b->case_id = case_id;
	b->slot = slot_id;
	b->state = B_BOOKED;
	b->created = now;
	if (old->msglen > 0) {
		b->msg = xmalloc(old->msglen);
		memcpy(b->msg, old->msg, old->msglen);
		b->msglen = old->msglen;
	}
	copy = *old;
	copy.state = B_RESCHEDULED;
	if (store_begin(s->st, &cause) != 0 || put_booking(s, b, 1,
	    &cause) != 0 || put_booking(s, &copy, 0, &cause) != 0 ||
	    sched_audit(s, "worker", "reschedule", "booking", b->id, "ok",
	    &cause) != 0 || sched_commit(s, &cause) != 0) {
		booking_free(b);
		return sched_err_store(s, e, cause);
	}
	idvec_set(&s->bookings, b->id, b);
	sl->booking = b->id;
	old->state = B_RESCHEDULED;
	sched_slot(s, old->slot)->booking = 0;
	return 0;
}

/* Lists bookings of person's slots starting in [from, to), by start. */
size_t
sched_agenda(struct sched *s, struct person *p, time_t from, time_t to,
    struct booking ***out)
{
	struct booking	*b;
	struct slot	*sl;
	size_t		 i, n = 0;

	*out = xcalloc(s->bookings.n + 1, sizeof **out);
	for (i = 1; i < s->bookings.n; i++) {
		if ((b = s->bookings.v[i]) == NULL ||
		    (sl = sched_slot(s, b->slot)) == NULL ||
		    sl->person != p->id || sl->start < from || sl->start >= to)
			continue;
		(*out)[n++] = b;
	}
	bookings_sort(s, *out, n);
	return n;
}

/* Marks a booking of person's attended or no-show, once it has started. */
int
sched_mark(struct sched *s, struct person *p, int64_t id, int state,
    time_t now, struct sched_err *e)
{
	struct booking	*b = sched_booking(s, id);
	struct slot	*sl;

	if (b == NULL || (sl = sched_slot(s, b->slot)) == NULL ||
	    sl->person != p->id)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such booking of yours");
	if (b->state != B_BOOKED)
		return sched_errf(e, ECO_ERR_CONFLICT, "the booking is %s, not "
		    "booked", bstate_name(b->state));
	if (sl->start > now)
		return sched_errf(e, ECO_ERR_POLICY, "the session has not started "
		    "yet");
	return booking_set_state(s, b, state, NULL, state == B_ATTENDED ?
	    "mark-attended" : "mark-no-show", e);
}
