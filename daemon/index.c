/*
 * The schedule's indexes, so no request scans every slot or booking:
 * free slots by start (SLOTS), live slots by counsellor and start (the
 * overlap check of AVAIL-ADD), bookings by case (STATUS, CANCEL,
 * RESCHEDULE, a follow-up BOOK). Red-black trees of the slots themselves
 * and a list per case. They follow memory: whoever changes a slot's
 * removed or booking field calls sched_index_slot (or slot_set_booking),
 * a revocation sched_index_person, and a new booking goes through
 * sched_index_booking.
 */
#include <stdlib.h>

#include "sched.h"
#include "xmalloc.h"

/* Orders free slots by start, then id. */
static int
free_cmp(const struct slot *x, const struct slot *y)
{
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Orders live slots by person, then start, then id. */
static int
live_cmp(const struct slot *x, const struct slot *y)
{
	if (x->person != y->person)
		return x->person < y->person ? -1 : 1;
	return free_cmp(x, y);
}

/* Used here only (libbsd's cdefs leave RB_GENERATE_STATIC broken). */
RB_PROTOTYPE(slot_free_tree, slot, by_start, free_cmp)
RB_PROTOTYPE(slot_live_tree, slot, by_person, live_cmp)
RB_GENERATE(slot_free_tree, slot, by_start, free_cmp)
RB_GENERATE(slot_live_tree, slot, by_person, live_cmp)

/*
 * Puts sl in the trees its fields say: live while not removed, free while
 * live, held by no booking and its counsellor not revoked. Call after any
 * change of those.
 */
void
sched_index_slot(struct sched *s, struct slot *sl)
{
	const struct person	*p = sched_person(s, sl->person);
	int			 live = !sl->removed, free;

	free = live && sl->booking == 0 && p != NULL && !p->revoked;

	if (sl->in_live && !live)
		RB_REMOVE(slot_live_tree, &s->live, sl);
	else if (!sl->in_live && live)
		RB_INSERT(slot_live_tree, &s->live, sl);
	sl->in_live = live;
	if (sl->in_free && !free)
		RB_REMOVE(slot_free_tree, &s->free, sl);
	else if (!sl->in_free && free)
		RB_INSERT(slot_free_tree, &s->free, sl);
	sl->in_free = free;
	if (live && sl->minutes > s->longest)
		s->longest = sl->minutes;
}

/* Sets the booking holding sl (0: none) and reindexes it. */
void
slot_set_booking(struct sched *s, struct slot *sl, int64_t booking)
{
	sl->booking = booking;
	sched_index_slot(s, sl);
}

/*
 * Calls cb on each free slot starting in [from, to), in order of start,
 * until it returns non-zero. O(log n) plus the slots visited.
 */
void
sched_free_range(struct sched *s, time_t from, time_t to,
    int (*cb)(struct slot *, void *), void *arg)
{
	struct slot	 key, *sl;

	key.start = from;
	key.id = INT64_MIN;
	for (sl = RB_NFIND(slot_free_tree, &s->free, &key);
	    sl != NULL && sl->start < to;
	    sl = RB_NEXT(slot_free_tree, &s->free, sl))
		if (cb(sl, arg) != 0)
			break;
}

/*
 * Returns 1 if [start, start + minutes) meets a live slot of person, 2 if
 * it comes within buffer seconds of one (before or after; exactly buffer
 * apart is allowed), else 0. Only slots starting less than the longest
 * slot's length and the buffer before start can.
 */
int
sched_overlaps(struct sched *s, int64_t person, time_t start, int minutes,
    time_t buffer)
{
	struct slot	 key, *sl;
	time_t		 end = start + (time_t)minutes * 60, sl_end;
	int		 near = 0;

	key.person = person;
	key.start = start - buffer - (time_t)s->longest * 60;
	key.id = INT64_MIN;
	for (sl = RB_NFIND(slot_live_tree, &s->live, &key);
	    sl != NULL && sl->person == person && sl->start < end + buffer;
	    sl = RB_NEXT(slot_live_tree, &s->live, sl)) {
		sl_end = sl->start + (time_t)sl->minutes * 60;
		if (start < sl_end && sl->start < end)
			return 1;
		if (start - buffer < sl_end)
			near = 2;
	}
	return near;
}

/*
 * Calls cb on each live slot of person starting in [from, to), in order
 * of start, until it returns non-zero. O(log n) plus the slots visited.
 */
void
sched_live_range(struct sched *s, int64_t person, time_t from, time_t to,
    int (*cb)(struct slot *, void *), void *arg)
{
	struct slot	 key, *sl, *next;

	key.person = person;
	key.start = from;
	key.id = INT64_MIN;
	for (sl = RB_NFIND(slot_live_tree, &s->live, &key);
	    sl != NULL && sl->person == person && sl->start < to; sl = next) {
		next = RB_NEXT(slot_live_tree, &s->live, sl);
		if (cb(sl, arg) != 0)
			break;
	}
}

/* Reindexes every live slot of person, whose revocation changed. */
void
sched_index_person(struct sched *s, int64_t person)
{
	struct slot	 key, *sl;

	key.person = person;
	key.start = INT64_MIN;
	key.id = INT64_MIN;
	for (sl = RB_NFIND(slot_live_tree, &s->live, &key);
	    sl != NULL && sl->person == person;
	    sl = RB_NEXT(slot_live_tree, &s->live, sl))
		sched_index_slot(s, sl);
}

/* Adds a booking to its case's list (new, or loaded). */
void
sched_index_booking(struct sched *s, struct booking *b)
{
	b->case_next = NULL;
	if (b->case_id <= 0)
		return;
	b->case_next = idvec_get(&s->cases, b->case_id);
	idvec_set(&s->cases, b->case_id, b);
}

/* Returns the first of a case's bookings (then b->case_next), or NULL. */
struct booking *
sched_case_first(struct sched *s, int64_t case_id)
{
	return idvec_get(&s->cases, case_id);
}

/* Forgets a case's list, once its bookings are purged. */
void
sched_index_case_drop(struct sched *s, int64_t case_id)
{
	if (idvec_get(&s->cases, case_id) != NULL)
		idvec_set(&s->cases, case_id, NULL);
}
