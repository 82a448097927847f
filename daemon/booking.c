/*
 * Slots and bookings: publishing and withdrawing availability, anonymous
 * booking into cases, cancelling, rescheduling, the agenda and marks. A
 * case row holds only its creation time and is found by the blind index of
 * its booking code, which is never stored or logged. Each change and its
 * audit entry commit together (sched_commit); memory follows only once
 * they have.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Publishes count slots of minutes at the times starts (the first the
 * earliest, as time_repeat makes them). All or none: a slot that overlaps
 * one of the same person's live slots, or comes within buffer_minutes of
 * one, refuses them all (those of one request are a day apart or more, so
 * never meet each other). Each carries the join details join ("" none).
 * ids gets count slot ids.
 */
int
sched_avail_add(struct sched *s, const char *actor, struct person *p,
    const time_t *starts, int count, int minutes, int modality,
    const char *location, const char *join, time_t now, int64_t *ids,
    struct sched_err *e)
{
	struct slot	**made;
	char		 *cause, when[LOCAL_TIME_LEN + 1];
	time_t		  buffer = (time_t)s->cf->buffer_minutes * 60;
	int		  i, k, week, hit;

	if (minutes < SLOT_MINUTES_MIN || minutes > SLOT_MINUTES_MAX)
		return sched_errf(e, ECO_ERR_INVALID, "minutes must be %d to %d",
		    SLOT_MINUTES_MIN, SLOT_MINUTES_MAX);
	if (count < 1 || count > ECO_AVAIL_SLOTS_MAX)
		return sched_errf(e, ECO_ERR_INVALID, "at most %d slots a "
		    "request", ECO_AVAIL_SLOTS_MAX);
	if (starts[0] <= now)
		return sched_errf(e, ECO_ERR_INVALID, "the start is in the past");
	made = xcalloc(count, sizeof *made);
	for (i = 0; i < count; i++) {
		if ((hit = sched_overlaps(s, p->id, starts[i], minutes,
		    buffer)) != 0) {
			/* Weeks of the request, counted from its first slot. */
			week = (int)((starts[i] - starts[0] + 3600) /
			    (7 * 86400)) + 1;
			time_format_local(starts[i], when);
			if (hit == 1)
				sched_errf(e, ECO_ERR_CONFLICT, "overlaps a slot "
				    "you published already (week %d: %s)", week,
				    when);
			else
				sched_errf(e, ECO_ERR_CONFLICT, "less than %d "
				    "minutes (buffer_minutes) from a slot you "
				    "published already (week %d: %s)",
				    s->cf->buffer_minutes, week, when);
			goto fail;
		}
		made[i] = xcalloc(1, sizeof *made[i]);
		made[i]->id = idvec_next(&s->slots) + i;
		made[i]->person = p->id;
		made[i]->start = starts[i];
		made[i]->minutes = minutes;
		made[i]->modality = modality;
		made[i]->location = xstrdup(location);
		made[i]->join = xstrdup(join);
	}
	if (store_begin(s->st, &cause) != 0)
		goto fail_store;
	for (i = 0; i < count; i++)
		if (put_slot(s, made[i], 1, &cause) != 0 ||
		    sched_audit(s, actor, "avail-add", "slot", made[i]->id,
		    "ok", &cause) != 0)
			goto fail_store;
	if (sched_commit(s, &cause) != 0)
		goto fail_store;
	for (i = 0; i < count; i++) {
		ids[i] = made[i]->id;
		idvec_set(&s->slots, made[i]->id, made[i]);
		sched_index_slot(s, made[i]);
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
sched_avail_rm(struct sched *s, const char *actor, struct person *p,
    int64_t id, struct sched_err *e)
{
	struct slot	*sl = sched_slot(s, id), copy;
	char		*cause;

	if (sl == NULL || sl->removed || sl->person != p->id)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such slot of yours");
	if (sl->booking != 0)
		return sched_errf(e, ECO_ERR_CONFLICT, "the slot is booked; "
		    "cancel its session first (session cancel)");
	copy = *sl;
	copy.removed = 1;
	if (store_begin(s->st, &cause) != 0 || put_slot(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, actor, "avail-rm", "slot", id, "ok",
	    &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	sl->removed = 1;
	sched_index_slot(s, sl);
	return 0;
}

/* The slots a range holds, gathered by sched_live_range. */
struct slot_list {
	struct slot	**v;
	size_t		  n, cap;
	int		  free_only;
};

/* Keeps sl (if free, when only free ones are asked). */
static int
slot_keep(struct slot *sl, void *arg)
{
	struct slot_list	*l = arg;

	if (l->free_only && sl->booking != 0)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = sl;
	return 0;
}

/*
 * Returns how many live slots of person start in [from, to), free and
 * booked, in order of start; *out (allocated) gets them.
 */
size_t
sched_avail_list(struct sched *s, struct person *p, time_t from, time_t to,
    struct slot ***out)
{
	struct slot_list	 l = { NULL, 0, 0, 0 };

	sched_live_range(s, p->id, from, to, slot_keep, &l);
	*out = l.v;
	return l.n;
}

/*
 * Withdraws every free slot of person's starting in [from, to), in one
 * transaction, each with its entry (avail-block slot:ID ok); booked ones
 * stay, to be cancelled one by one. *ids (allocated) gets the withdrawn.
 */
int
sched_avail_block(struct sched *s, const char *actor, struct person *p,
    time_t from, time_t to, int64_t **ids, size_t *n, struct sched_err *e)
{
	struct slot_list	 l = { NULL, 0, 0, 1 };
	struct slot		 copy;
	char			*cause;
	size_t			 i;

	*ids = NULL;
	*n = 0;
	sched_live_range(s, p->id, from, to, slot_keep, &l);
	if (l.n == 0)
		return 0;
	if (store_begin(s->st, &cause) != 0)
		goto fail;
	for (i = 0; i < l.n; i++) {
		copy = *l.v[i];
		copy.removed = 1;
		if (put_slot(s, &copy, 0, &cause) != 0 || sched_audit(s, actor,
		    "avail-block", "slot", copy.id, "ok", &cause) != 0)
			goto fail;
	}
	if (sched_commit(s, &cause) != 0)
		goto fail;
	*ids = xcalloc(l.n, sizeof **ids);
	for (i = 0; i < l.n; i++) {
		(*ids)[i] = l.v[i]->id;
		l.v[i]->removed = 1;
		sched_index_slot(s, l.v[i]);
	}
	*n = l.n;
	free(l.v);
	return 0;
fail:
	free(l.v);
	return sched_err_store(s, e, cause);
}

/* Returns 1 if a worker may book sl now. */
static int
slot_bookable(struct sched *s, const struct slot *sl, time_t now)
{
	const struct person	*p = sched_person(s, sl->person);

	return !sl->removed && sl->booking == 0 && p != NULL && !p->revoked &&
	    sl->start >= now + (time_t)s->cf->min_notice_minutes * 60;
}

/* What sched_free_slots gathers. */
struct free_list {
	struct sched	 *s;
	time_t		  now;
	int		  modality;
	struct slot	**v;
	size_t		  n, cap;
};

/* Keeps sl if it may be booked and is of the modality asked. */
static int
free_keep(struct slot *sl, void *arg)
{
	struct free_list	*fl = arg;

	if (!slot_bookable(fl->s, sl, fl->now) ||
	    (fl->modality != 0 && sl->modality != fl->modality))
		return 0;
	if (fl->n == fl->cap) {
		fl->cap = fl->cap == 0 ? 64 : fl->cap * 2;
		fl->v = xreallocarray(fl->v, fl->cap, sizeof *fl->v);
	}
	fl->v[fl->n++] = sl;
	return 0;
}

/*
 * Lists the bookable slots starting in [from, to), of one modality or any
 * (0), in order of start. *out is allocated; returns the count. From the
 * free-slot index: nothing starting before now plus the notice is looked at.
 */
size_t
sched_free_slots(struct sched *s, time_t from, time_t to, int modality,
    time_t now, struct slot ***out)
{
	struct free_list	 fl;
	time_t			 first = now + (time_t)s->cf->min_notice_minutes * 60;

	memset(&fl, 0, sizeof fl);
	fl.s = s;
	fl.now = now;
	fl.modality = modality;
	sched_free_range(s, from > first ? from : first, to, free_keep, &fl);
	*out = fl.v != NULL ? fl.v : xcalloc(1, sizeof **out);
	return fl.n;
}

/*
 * Finds the case of a lookup token, or of a code ecod made itself (its
 * CODE_RANDOM_BYTES): len bytes at ref, blind-indexed as they are.
 */
int
sched_find_case(struct sched *s, const unsigned char *ref, size_t len,
    int64_t *case_id, struct sched_err *e)
{
	unsigned char	 tag[BLIND_INDEX_BYTES];
	char		*cause;
	int		 rc;

	seal_index(s->seal, "cases", ref, len, tag);
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

	for (b = sched_case_first(s, case_id); b != NULL; b = b->case_next) {
		if (b->state != B_BOOKED)
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
 * Books sl, bookable, for case case_id inside the transaction the caller
 * began, and commits it. msg (may be empty) is the intake message, sealed
 * to the slot's counsellor by the worker's client.
 */
static int
book_in(struct sched *s, struct slot *sl, int64_t case_id,
    const unsigned char *msg, size_t msglen, time_t now, struct sched_err *e)
{
	struct booking	*b;
	char		*cause;

	b = xcalloc(1, sizeof *b);
	b->id = sched_next_id(s, &s->bookings, PURGED_BOOKINGS);
	b->case_id = case_id;
	b->slot = sl->id;
	b->state = B_BOOKED;
	b->created = now;
	b->origin = b->id;
	b->modified = now;
	if (msglen > 0) {
		b->msg = xmalloc(msglen);
		memcpy(b->msg, msg, msglen);
		b->msglen = msglen;
	}
	if (put_booking(s, b, 1, &cause) != 0 || sched_audit(s, "worker",
	    "book", "booking", b->id, "ok", &cause) != 0 ||
	    sched_commit(s, &cause) != 0) {
		booking_free(b);
		return sched_err_store(s, e, cause);
	}
	idvec_set(&s->bookings, b->id, b);
	sched_index_booking(s, b);
	slot_set_booking(s, sl, b->id);
	return 0;
}

/* Books slot for case case_id, which must have no upcoming booking. */
int
sched_book(struct sched *s, int64_t slot_id, int64_t case_id,
    const unsigned char *msg, size_t msglen, time_t now, struct sched_err *e)
{
	struct slot	*sl = sched_slot(s, slot_id);
	char		*cause;

	if (sl == NULL || !slot_bookable(s, sl, now))
		return serr_unbookable(s, sl, e);
	if (case_upcoming(s, case_id, now) != NULL)
		return sched_errf(e, ECO_ERR_CONFLICT, "this case has an upcoming "
		    "session already; cancel or reschedule it");
	if (store_begin(s->st, &cause) != 0)
		return sched_err_store(s, e, cause);
	return book_in(s, sl, case_id, msg, msglen, now, e);
}

/*
 * Opens a new case, found from now on by the lookup token (len bytes at
 * lookup) of a code the worker's client made, with the case key casekey
 * (32 bytes) in its row from the start, and books slot for it: one
 * transaction. The daemon never sees the code.
 */
int
sched_book_new(struct sched *s, int64_t slot_id, const unsigned char *lookup,
    size_t len, const unsigned char *casekey, const unsigned char *msg,
    size_t msglen, time_t now, struct sched_err *e)
{
	struct slot	*sl = sched_slot(s, slot_id);
	struct rec	 r;
	unsigned char	 tag[BLIND_INDEX_BYTES];
	char		*cause;
	int64_t		 case_id;
	int		 rc;

	if (sl == NULL || !slot_bookable(s, sl, now))
		return serr_unbookable(s, sl, e);
	seal_index(s->seal, "cases", lookup, len, tag);
	rc = store_find(s->st, "cases", tag, &case_id, &cause);
	if (rc == 0)		/* another client made the same code: a bug */
		return sched_errf(e, ECO_ERR_CONFLICT, "this code is in use; "
		    "make another");
	if (rc != STORE_NOTFOUND)
		return sched_err_store(s, e, cause);
	if (store_begin(s->st, &cause) != 0 ||
	    store_next_id(s->st, "cases", &case_id, &cause) != 0)
		return sched_err_store(s, e, cause);
	if (case_id <= s->purged[PURGED_CASES])
		case_id = s->purged[PURGED_CASES] + 1;
	rec_init(&r);
	rec_put_i64(&r, now);
	rec_put_bytes(&r, casekey, 32);
	rc = store_insert_tagged(s->st, "cases", case_id, tag, r.buf, r.len,
	    &cause);
	rec_free(&r);
	if (rc != 0)
		return sched_err_store(s, e, cause);
	return book_in(s, sl, case_id, msg, msglen, now, e);
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
	size_t		 n = 0;

	for (b = sched_case_first(s, case_id); b != NULL; b = b->case_next)
		n++;
	*out = xcalloc(n + 1, sizeof **out);
	n = 0;
	for (b = sched_case_first(s, case_id); b != NULL; b = b->case_next)
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

/* Writes a booking's new state and its audit entry, then applies it; a
 * change calendars must see (bump) raises its sequence. */
static int
booking_set_state(struct sched *s, struct booking *b, int state, int bump,
    time_t now, const char *actor, const char *action, struct sched_err *e)
{
	struct booking	 copy = *b;
	char		*cause;

	copy.state = state;
	copy.seq += bump;
	copy.modified = now;
	if (store_begin(s->st, &cause) != 0 || put_booking(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, actor, action, "booking", b->id,
	    "ok", &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	b->state = state;
	b->seq = copy.seq;
	b->modified = now;
	return 0;
}

/* Cancels the case's upcoming booking; the slot is free again. */
int
sched_cancel(struct sched *s, int64_t case_id, time_t now,
    struct sched_err *e)
{
	struct booking	*b;

	if ((b = changeable(s, case_id, now, e)) == NULL ||
	    booking_set_state(s, b, B_CANCELLED, 1, now, "worker", "cancel",
	    e) != 0)
		return -1;
	slot_set_booking(s, sched_slot(s, b->slot), 0);
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
	b->id = sched_next_id(s, &s->bookings, PURGED_BOOKINGS);
	b->case_id = case_id;
	b->slot = slot_id;
	b->state = B_BOOKED;
	b->created = now;
	b->origin = old->origin;
	b->seq = old->seq + 1;
	b->modified = now;
	if (old->msglen > 0) {
		b->msg = xmalloc(old->msglen);
		memcpy(b->msg, old->msg, old->msglen);
		b->msglen = old->msglen;
	}
	copy = *old;
	copy.state = B_RESCHEDULED;
	copy.seq = old->seq + 1;
	copy.modified = now;
	if (store_begin(s->st, &cause) != 0 || put_booking(s, b, 1,
	    &cause) != 0 || put_booking(s, &copy, 0, &cause) != 0 ||
	    sched_audit(s, "worker", "reschedule", "booking", b->id, "ok",
	    &cause) != 0 || sched_commit(s, &cause) != 0) {
		booking_free(b);
		return sched_err_store(s, e, cause);
	}
	idvec_set(&s->bookings, b->id, b);
	sched_index_booking(s, b);
	slot_set_booking(s, sl, b->id);
	old->state = B_RESCHEDULED;
	old->seq = copy.seq;
	old->modified = now;
	slot_set_booking(s, sched_slot(s, old->slot), 0);
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

/* Writes b's mark, the first (its time kept) or its correction, with its
 * audit entry, then applies it. */
static int
booking_set_mark(struct sched *s, struct booking *b, int state, int correct,
    time_t now, const char *actor, struct sched_err *e)
{
	struct booking	 copy = *b;
	const char	*action;
	char		*cause;

	copy.state = state;
	copy.modified = now;
	if (correct) {
		copy.corrected = now;
		action = "mark-correct";
	} else {
		copy.marked = now;
		action = state == B_ATTENDED ? "mark-attended" : "mark-no-show";
	}
	if (store_begin(s->st, &cause) != 0 || put_booking(s, &copy, 0,
	    &cause) != 0 || sched_audit(s, actor, action, "booking", b->id,
	    "ok", &cause) != 0 || sched_commit(s, &cause) != 0)
		return sched_err_store(s, e, cause);
	b->state = state;
	b->modified = now;
	b->marked = copy.marked;
	b->corrected = copy.corrected;
	return 0;
}

/* Marks a booking of person's attended or no-show, once it has started.
 * The same mark again changes nothing; another is a correction's. */
int
sched_mark(struct sched *s, const char *actor, struct person *p, int64_t id,
    int state, time_t now, struct sched_err *e)
{
	struct booking	*b = sched_booking(s, id);
	struct slot	*sl;

	if (b == NULL || (sl = sched_slot(s, b->slot)) == NULL ||
	    sl->person != p->id)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such booking of yours");
	if (b->state == state)
		return 0;
	if (b->state == B_ATTENDED || b->state == B_NOSHOW)
		return sched_errf(e, ECO_ERR_CONFLICT, "the booking is marked %s "
		    "already; a mark is changed with MARK-CORRECT",
		    bstate_name(b->state));
	if (b->state != B_BOOKED)
		return sched_errf(e, ECO_ERR_CONFLICT, "the booking is %s, not "
		    "booked", bstate_name(b->state));
	if (sl->start > now)
		return sched_errf(e, ECO_ERR_POLICY, "the session has not started "
		    "yet");
	return booking_set_mark(s, b, state, 0, now, actor, e);
}

/*
 * Corrects the mark of a booking of person's to state: once, and within
 * mark_correction_minutes of its first mark. The mark it has already
 * changes nothing. A refusal is recorded, as is another's try.
 */
int
sched_mark_correct(struct sched *s, const char *actor, struct person *p,
    int64_t id, int state, time_t now, struct sched_err *e)
{
	struct booking	*b = sched_booking(s, id);
	struct slot	*sl;
	int		 window = s->cf->mark_correction_minutes;

	if (b == NULL || (sl = sched_slot(s, b->slot)) == NULL ||
	    sl->person != p->id) {
		sched_refused(s, actor, "mark-correct", "booking", id);
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such booking of yours");
	}
	if (b->state != B_ATTENDED && b->state != B_NOSHOW)
		return sched_errf(e, ECO_ERR_CONFLICT, "the booking is %s, not "
		    "marked: there is no mark to correct", bstate_name(b->state));
	if (b->state == state)
		return 0;
	if (b->corrected != 0)
		sched_errf(e, ECO_ERR_POLICY, "the mark was corrected once "
		    "already; it cannot be corrected again");
	else if (window == 0)
		sched_errf(e, ECO_ERR_POLICY, "marks cannot be corrected on this "
		    "instance (mark_correction_minutes is 0)");
	else if (now > b->marked + (time_t)window * 60)
		sched_errf(e, ECO_ERR_POLICY, "too late to correct the mark: "
		    "corrections close %d minutes after the first mark", window);
	else
		return booking_set_mark(s, b, state, 1, now, actor, e);
	sched_refused(s, actor, "mark-correct", "booking", id);
	return -1;
}

/*
 * Serves the intake message of a booking to the counsellor of its slot,
 * recorded before it is served: no entry, no message. Anyone else's try
 * is recorded as refused. *msg points into
 * the booking.
 */
int
sched_message_open(struct sched *s, const char *actor, struct person *p,
    int64_t id, const unsigned char **msg, size_t *len, struct sched_err *e)
{
	struct booking	*b = sched_booking(s, id);
	struct slot	*sl;

	if (b == NULL || (sl = sched_slot(s, b->slot)) == NULL ||
	    sl->person != p->id) {
		sched_refused(s, actor, "message-open", "booking", id);
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such booking of "
		    "yours");
	}
	if (b->msglen == 0)
		return sched_errf(e, ECO_ERR_NOTFOUND, "this booking has no "
		    "message");
	if (sched_record(s, actor, "message-open", "booking", id, "ok",
	    e) != 0)
		return -1;
	*msg = b->msg;
	*len = b->msglen;
	return 0;
}

/* What a purge finds before it deletes: per case id (below ncases), the
 * end of its last session and whether it expires. */
struct purge_scan {
	int64_t		 ncases;
	int64_t		*last;		/* end of the last session, or 0 */
	unsigned char	*state;		/* 0: no row, 1: kept, 2: expires */
	time_t		 cutoff;
};

/* Case row loader for a purge: the row holds the case's creation time,
 * its last session's end when it has no booking. */
static int
purge_case(int64_t id, const unsigned char *buf, size_t len, void *arg)
{
	struct purge_scan	*ps = arg;
	struct rec		 r;
	const unsigned char	*key;
	int64_t			 created, last;

	if (len < BLIND_INDEX_BYTES)		/* its tag, then the case */
		return -1;
	rec_read(&r, buf + BLIND_INDEX_BYTES, len - BLIND_INDEX_BYTES);
	created = rec_get_i64(&r);
	if (rec_more(&r))			/* the worker's key */
		rec_get_bytes(&r, &key);
	if (rec_done(&r) != 0 || id >= ps->ncases)
		return -1;
	last = ps->last[id] != 0 ? ps->last[id] : created;
	ps->state[id] = last < ps->cutoff ? 2 : 1;
	return 0;
}

/*
 * Deletes every case whose last session ended more than retention_days
 * before now: its row, its bookings (with their intake messages) and its
 * messages; and
 * every note older than note_retention_days whose case is gone or goes
 * now. Slots stay. All in one transaction with one audit entry by actor
 * giving the counts; memory follows once committed. Then the WAL is
 * checkpointed and truncated, so the deleted bytes (zeroed in place by
 * secure_delete) are in neither file. counts gets what was deleted; a
 * failed checkpoint after the commit is an error with counts filled.
 */
int
sched_purge(struct sched *s, const char *actor, time_t now,
    struct purge_counts *counts, struct sched_err *e)
{
	struct purge_scan	 ps;
	struct booking		*b;
	struct slot		*sl;
	struct note		*n;
	struct message		*m;
	struct rec		 r;
	unsigned char		*ndel = NULL, *mdel = NULL;
	char			*cause = NULL, outcome[128];
	int64_t			 top[4], end, bad, first_bad = 0;
	size_t			 i;
	int			 rc = -1;

	memset(counts, 0, sizeof *counts);
	/* It runs alone: the open batch is committed first, and its own
	 * before the checkpoint, which needs no transaction open. */
	if (sched_flush(s, e) != 0)
		return -1;
	memset(&ps, 0, sizeof ps);
	ps.cutoff = now - (time_t)s->cf->retention_days * 86400;
	if (store_next_id(s->st, "cases", &ps.ncases, &cause) != 0)
		return sched_err_store(s, e, cause);
	ps.last = xcalloc(ps.ncases, sizeof *ps.last);
	ps.state = xcalloc(ps.ncases, 1);
	for (i = 1; i < s->bookings.n; i++) {
		if ((b = s->bookings.v[i]) == NULL ||
		    (sl = sched_slot(s, b->slot)) == NULL ||
		    b->case_id <= 0 || b->case_id >= ps.ncases)
			continue;
		end = sl->start + (int64_t)sl->minutes * 60;
		if (end > ps.last[b->case_id])
			ps.last[b->case_id] = end;
	}
	/* A case row that fails to open is kept, with its bookings, and
	 * named; it does not stop the purge of every other case. */
	if (store_foreach_skip(s->st, "cases", purge_case, &ps, &bad,
	    &first_bad, &cause) != 0) {
		if (cause == NULL)
			xasprintf(&cause, "table cases: a row does not decode");
		goto fail_store;
	}
	if (bad > 0)
		log_warnx("purge: %lld case rows fail authentication (the "
		    "first is row %lld) and are kept; admin verify names "
		    "them", (long long)bad, (long long)first_bad);

	memcpy(top, s->purged, sizeof top);
	ndel = xcalloc(s->notes.n + 1, 1);
	mdel = xcalloc(s->messages.n + 1, 1);
	if (store_begin(s->st, &cause) != 0)
		goto fail_store;
	for (i = 1; i < (size_t)ps.ncases; i++) {
		if (ps.state[i] != 2)
			continue;
		if (store_delete(s->st, "cases", (int64_t)i, &cause) != 0)
			goto fail_store;
		counts->cases++;
		if ((int64_t)i > top[PURGED_CASES])
			top[PURGED_CASES] = (int64_t)i;
	}
	for (i = 1; i < s->bookings.n; i++) {
		if ((b = s->bookings.v[i]) == NULL || b->case_id <= 0 ||
		    b->case_id >= ps.ncases || ps.state[b->case_id] != 2)
			continue;
		if (store_delete(s->st, "bookings", b->id, &cause) != 0)
			goto fail_store;
		counts->bookings++;
		if (b->id > top[PURGED_BOOKINGS])
			top[PURGED_BOOKINGS] = b->id;
	}
	for (i = 1; i < s->notes.n; i++) {
		if ((n = s->notes.v[i]) == NULL || !note_expired(s, n, now) ||
		    (n->case_id > 0 && n->case_id < ps.ncases &&
		    ps.state[n->case_id] == 1))
			continue;
		if (store_delete(s->st, "notes", n->id, &cause) != 0)
			goto fail_store;
		ndel[i] = 1;
		counts->notes++;
		if (n->id > top[PURGED_NOTES])
			top[PURGED_NOTES] = n->id;
	}
	/* A case's messages go with it, whatever their age. */
	for (i = 1; i < s->messages.n; i++) {
		if ((m = s->messages.v[i]) == NULL || m->case_id <= 0 ||
		    m->case_id >= ps.ncases || ps.state[m->case_id] != 2)
			continue;
		if (store_delete(s->st, "messages", m->id, &cause) != 0)
			goto fail_store;
		mdel[i] = 1;
		counts->messages++;
		if (m->id > top[PURGED_MESSAGES])
			top[PURGED_MESSAGES] = m->id;
	}
	rec_init(&r);
	for (i = 0; i < 4; i++)
		rec_put_i64(&r, top[i]);
	if (s->has_purged)
		rc = store_update(s->st, "meta", META_PURGED, r.buf, r.len,
		    &cause);
	else
		rc = store_insert(s->st, "meta", META_PURGED, r.buf, r.len,
		    &cause);
	rec_free(&r);
	if (rc != 0)
		goto fail_store;
	snprintf(outcome, sizeof outcome, "ok cases=%lld bookings=%lld "
	    "notes=%lld messages=%lld", (long long)counts->cases,
	    (long long)counts->bookings, (long long)counts->notes,
	    (long long)counts->messages);
	if (sched_audit(s, actor, "purge", NULL, 0, outcome, &cause) != 0 ||
	    sched_commit(s, &cause) != 0)
		goto fail_store;

	/* Committed: memory follows. */
	memcpy(s->purged, top, sizeof top);
	s->has_purged = 1;
	for (i = 1; i < s->bookings.n; i++) {
		if ((b = s->bookings.v[i]) == NULL || b->case_id <= 0 ||
		    b->case_id >= ps.ncases || ps.state[b->case_id] != 2)
			continue;
		if ((sl = sched_slot(s, b->slot)) != NULL &&
		    sl->booking == b->id)
			slot_set_booking(s, sl, 0);
		booking_free(b);
		idvec_set(&s->bookings, (int64_t)i, NULL);
	}
	for (i = 1; i < (size_t)ps.ncases; i++)
		if (ps.state[i] == 2)
			sched_index_case_drop(s, (int64_t)i);
	for (i = 1; i < s->notes.n; i++)
		if (ndel[i]) {
			free(s->notes.v[i]);
			idvec_set(&s->notes, (int64_t)i, NULL);
		}
	for (i = 1; i < s->messages.n; i++)
		if (mdel[i]) {
			m = s->messages.v[i];
			if (idvec_get(&s->case_msgs, m->case_id) != NULL)
				idvec_set(&s->case_msgs, m->case_id, NULL);
			free(m);
			idvec_set(&s->messages, (int64_t)i, NULL);
		}
	free(ps.last);
	free(ps.state);
	free(ndel);
	free(mdel);
	if (sched_flush(s, e) != 0) {
		memset(counts, 0, sizeof *counts);
		return -1;
	}
	if (store_checkpoint(s->st, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return sched_errf(e, ECO_ERR_INTERNAL, "purged, but the WAL "
		    "could not be truncated; run the purge again");
	}
	return 0;

fail_store:
	free(ps.last);
	free(ps.state);
	free(ndel);
	free(mdel);
	memset(counts, 0, sizeof *counts);
	return sched_err_store(s, e, cause);
}
