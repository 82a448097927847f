/*
 * Scheduling verbs: availability (counsellors), free slots and anonymous
 * bookings (anyone), agenda and marks (counsellors). Times travel as local
 * "YYYY-MM-DDTHH:MM" in the instance's zone; "-" stands for an optional
 * field left out. Nothing here logs a code, a location or a message.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "code.h"
#include "config.h"
#include "ecod.h"
#include "proto.h"
#include "sched.h"
#include "server.h"
#include "timeutil.h"
#include "wire.h"
#include "xmalloc.h"

#define B64	sodium_base64_VARIANT_ORIGINAL

/* Fills f[0..2] with a booking's origin, seq and modified (UTC seconds),
 * written into buf, for calendars. */
static void
booking_history(const struct booking *b, char buf[3][24], char **f)
{
	snprintf(buf[0], sizeof buf[0], "%lld", (long long)b->origin);
	snprintf(buf[1], sizeof buf[1], "%lld", (long long)b->seq);
	snprintf(buf[2], sizeof buf[2], "%lld", (long long)b->modified);
	f[0] = buf[0];
	f[1] = buf[1];
	f[2] = buf[2];
}

/* Reports a schedule error. */
void
reply_err(struct client *c, const struct sched_err *e)
{
	client_err(c, e->code, "%s", e->msg);
}

/* Returns the logged-in person (the table guarantees one). */
static struct person *
me(struct client *c)
{
	return sched_person(c->srv->ecod->sched, c->person);
}

/*
 * The date range of SLOTS and AGENDA from their first two fields: from
 * (default: now) to the end of the date to (inclusive; default: open).
 * Returns 0, or -1 having replied.
 */
static int
date_range(struct client *c, const struct args *a, time_t *from, time_t *to)
{
	*from = a->v[0].set ? a->v[0].t : 0;
	*to = (time_t)1 << 40;
	if (a->v[1].set && time_add_days(a->v[1].t, 1, to) != 0) {
		client_err(c, ECO_ERR_INVALID, "to: no such date");
		return -1;
	}
	return 0;
}

/* Sends a slot as "* id start minutes modality location". */
static void
slot_line(struct client *c, const struct slot *sl)
{
	char	 id[24], start[LOCAL_TIME_LEN + 1], minutes[16], *f[5];

	snprintf(id, sizeof id, "%lld", (long long)sl->id);
	time_format_local(sl->start, start);
	snprintf(minutes, sizeof minutes, "%d", sl->minutes);
	f[0] = id;
	f[1] = start;
	f[2] = minutes;
	f[3] = (char *)modality_name(sl->modality);
	f[4] = sl->location;
	client_data(c, 5, f);
}

/*
 * The start times of AVAIL-ADD start minutes [weeks] modality location
 * [days] [until]: weekly for weeks (default 1), or through until, on the
 * weekdays of days (default start's). Returns how many went into starts,
 * or 0 having replied.
 */
static size_t
avail_times(struct client *c, const struct args *a, time_t *starts)
{
	char	 gap[11], hhmm[LOCAL_TIME_LEN + 1];
	size_t	 n;

	if (a->v[2].set && a->v[6].set) {
		client_err(c, ECO_ERR_INVALID, "until: not with weeks; give one "
		    "or the other");
		return 0;
	}
	switch (time_repeat(a->v[0].t, a->v[5].set ? (int)a->v[5].i : 0,
	    a->v[6].set ? a->v[6].t : 0, a->v[2].set ? (int)a->v[2].i : 1,
	    ECO_AVAIL_SPAN_DAYS, starts, ECO_AVAIL_SLOTS_MAX, &n, gap)) {
	case 0:
		return n;
	case REPEAT_BEFORE:
		client_err(c, ECO_ERR_INVALID, "until: before the start's date");
		break;
	case REPEAT_SPAN:
		client_err(c, ECO_ERR_INVALID, "until: at most %d days after the "
		    "start's date", ECO_AVAIL_SPAN_DAYS);
		break;
	case REPEAT_MAX:
		client_err(c, ECO_ERR_INVALID, "until: at most %d slots a "
		    "request", ECO_AVAIL_SLOTS_MAX);
		break;
	case REPEAT_GAP:
		time_format_local(a->v[0].t, hhmm);
		client_err(c, ECO_ERR_INVALID, "start: %s does not exist on %s "
		    "(a clock change skips it); nothing was published",
		    hhmm + 11, gap);
		break;
	default:
		client_err(c, ECO_ERR_INVALID, "days: none of those weekdays "
		    "falls in the dates asked");
		break;
	}
	return 0;
}

/* AVAIL-ADD start minutes [weeks] modality location [days] [until]
 * [join] */
void
cmd_avail_add(struct client *c, const struct args *a)
{
	struct sched_err	 e;
	char			 num[24], *f[1];
	int64_t			*ids;
	time_t			*starts;
	size_t			 count, i;

	starts = xcalloc(ECO_AVAIL_SLOTS_MAX, sizeof *starts);
	if ((count = avail_times(c, a, starts)) == 0) {
		free(starts);
		return;
	}
	ids = xcalloc(count, sizeof *ids);
	if (sched_avail_add(c->srv->ecod->sched, a->actor, me(c), starts,
	    (int)count, (int)a->v[1].i, (int)a->v[3].i, a->v[4].s,
	    a->v[7].set ? a->v[7].s : "", time(NULL), ids, &e) != 0) {
		free(starts);
		free(ids);
		reply_err(c, &e);
		return;
	}
	for (i = 0; i < count; i++) {
		snprintf(num, sizeof num, "%lld", (long long)ids[i]);
		f[0] = num;
		client_data(c, 1, f);
	}
	free(starts);
	free(ids);
	client_ok(c, 0, NULL);
}

/*
 * AVAIL-LIST [from] [to]: the counsellor's own live slots (default: those
 * from now on), "* slot start minutes modality location state booking",
 * state free or booked, booking its id or "-". A read, like AGENDA: no
 * entry.
 */
void
cmd_avail_list(struct client *c, const struct args *a)
{
	struct slot	**v;
	char		  id[24], start[LOCAL_TIME_LEN + 1], minutes[16];
	char		  bk[24], *f[7];
	time_t		  from, to;
	size_t		  n, i;

	if (date_range(c, a, &from, &to) != 0)
		return;
	if (!a->v[0].set)
		from = time(NULL);
	n = sched_avail_list(c->srv->ecod->sched, me(c), from, to, &v);
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%lld", (long long)v[i]->id);
		time_format_local(v[i]->start, start);
		snprintf(minutes, sizeof minutes, "%d", v[i]->minutes);
		snprintf(bk, sizeof bk, "%lld", (long long)v[i]->booking);
		f[0] = id;
		f[1] = start;
		f[2] = minutes;
		f[3] = (char *)modality_name(v[i]->modality);
		f[4] = v[i]->location;
		f[5] = v[i]->booking != 0 ? "booked" : "free";
		f[6] = v[i]->booking != 0 ? bk : "-";
		client_data(c, 7, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}

/*
 * AVAIL-BLOCK from to: withdraws the counsellor's free slots starting on
 * the local dates from to to (inclusive), all in one transaction:
 * "* withdrawn slot" each, then "* booked slot start booking" for each
 * upcoming booked one left in the range, to be cancelled one by one.
 */
void
cmd_avail_block(struct client *c, const struct args *a)
{
	struct sched		 *s = c->srv->ecod->sched;
	struct sched_err	  e;
	struct booking		 *b;
	struct slot		**v;
	char			  id[24], start[LOCAL_TIME_LEN + 1], bk[24];
	char			 *f[4];
	int64_t			 *ids;
	time_t			  to, now = time(NULL);
	size_t			  n, i;

	if (time_add_days(a->v[1].t, 1, &to) != 0) {
		client_err(c, ECO_ERR_INVALID, "to: no such date");
		return;
	}
	if (to <= a->v[0].t) {
		client_err(c, ECO_ERR_INVALID, "to: before from");
		return;
	}
	if (sched_avail_block(s, a->actor, me(c), a->v[0].t, to, &ids, &n,
	    &e) != 0) {
		reply_err(c, &e);
		return;
	}
	f[0] = "withdrawn";
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof id, "%lld", (long long)ids[i]);
		f[1] = id;
		client_data(c, 2, f);
	}
	free(ids);
	n = sched_avail_list(s, me(c), a->v[0].t, to, &v);
	f[0] = "booked";
	for (i = 0; i < n; i++) {
		if ((b = sched_booking(s, v[i]->booking)) == NULL ||
		    b->state != B_BOOKED || v[i]->start < now)
			continue;
		snprintf(id, sizeof id, "%lld", (long long)v[i]->id);
		time_format_local(v[i]->start, start);
		snprintf(bk, sizeof bk, "%lld", (long long)b->id);
		f[1] = id;
		f[2] = start;
		f[3] = bk;
		client_data(c, 4, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}

/* AVAIL-RM slot */
void
cmd_avail_rm(struct client *c, const struct args *a)
{
	struct sched_err	 e;

	if (sched_avail_rm(c->srv->ecod->sched, a->actor, me(c), a->v[0].i,
	    &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/* SLOTS [from] [to] [modality]: the free slots a worker may book. */
void
cmd_slots(struct client *c, const struct args *a)
{
	struct slot	**v;
	time_t		  from, to;
	size_t		  n, i;

	if (date_range(c, a, &from, &to) != 0)
		return;
	n = sched_free_slots(c->srv->ecod->sched, from, to,
	    a->v[2].set ? (int)a->v[2].i : 0, time(NULL), &v);
	for (i = 0; i < n; i++)
		slot_line(c, v[i]);
	free(v);
	client_ok(c, 0, NULL);
}

/* SLOTKEY slot: the public key an intake message for slot is sealed to. */
void
cmd_slotkey(struct client *c, const struct args *a)
{
	struct sched	*s = c->srv->ecod->sched;
	struct slot	*sl;
	struct person	*p;
	char		 b64[sodium_base64_ENCODED_LEN(32, B64)], *f[1];

	if ((sl = sched_slot(s, a->v[0].i)) == NULL || sl->removed ||
	    (p = sched_person(s, sl->person)) == NULL || p->revoked) {
		client_err(c, ECO_ERR_NOTFOUND, "no such slot");
		return;
	}
	sodium_bin2base64(b64, sizeof b64, p->pk, sizeof p->pk, B64);
	f[0] = b64;
	client_ok(c, 1, f);
}

/* Says no to a connection that has booked too much; 1 if it did. */
static int
book_refused(struct client *c, time_t now)
{
	if (client_may_book(c, now))
		return 0;
	client_err(c, ECO_ERR_LIMIT, "too many bookings from here; try again "
	    "later");
	return 1;
}

/* BOOK slot lookup [message|-]: a follow-up session in the case. */
void
cmd_book(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	int64_t			 case_id;
	time_t			 now = time(NULL);

	if (book_refused(c, now))
		return;
	if (sched_find_case(s, a->v[1].bin, a->v[1].len, &case_id, &e) != 0 ||
	    sched_book(s, a->v[0].i, case_id, a->v[2].bin, a->v[2].len, now,
	    &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_booked(c, now);
	client_ok(c, 0, NULL);
}

/* BOOK-NEW slot token casekey [message|-]: a new case and its first
 * session, found from now on by token, the lookup token of a code the
 * worker's client made. */
void
cmd_book_new(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	time_t			 now = time(NULL);

	if (book_refused(c, now))
		return;
	if (sched_book_new(s, a->v[0].i, a->v[1].bin, a->v[1].len,
	    a->v[2].bin, a->v[3].bin, a->v[3].len, now, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_booked(c, now);
	client_ok(c, 0, NULL);
}

/* STATUS code: the case's bookings, by start; the slot's join details
 * end the line of a booking that is booked, and only of such a one. */
void
cmd_status(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct booking		**v;
	struct slot		*sl;
	char			 start[LOCAL_TIME_LEN + 1], minutes[16], *f[10];
	char			 utc[24], hist[3][24];
	int64_t			 case_id;
	size_t			 n, i;

	if (sched_find_case(s, a->v[0].bin, a->v[0].len, &case_id, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	n = sched_case_bookings(s, case_id, &v);
	for (i = 0; i < n; i++) {
		sl = sched_slot(s, v[i]->slot);
		time_format_local(sl->start, start);
		snprintf(minutes, sizeof minutes, "%d", sl->minutes);
		f[0] = start;
		f[1] = minutes;
		f[2] = (char *)modality_name(sl->modality);
		f[3] = sl->location;
		f[4] = (char *)bstate_name(v[i]->state);
		snprintf(utc, sizeof utc, "%lld", (long long)sl->start);
		f[5] = utc;
		booking_history(v[i], hist, f + 6);
		f[9] = v[i]->state == B_BOOKED ? sl->join : "";
		client_data(c, 10, f);
	}
	free(v);
	/* A count of staff messages not yet read, never what they say. */
	snprintf(minutes, sizeof minutes, "%d", msg_unread(s, case_id));
	f[0] = "unread";
	f[1] = minutes;
	client_ok(c, 2, f);
}

/* CANCEL code: cancels the case's upcoming session. */
void
cmd_cancel(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	int64_t			 case_id;

	if (sched_find_case(s, a->v[0].bin, a->v[0].len, &case_id, &e) != 0 ||
	    sched_cancel(s, case_id, time(NULL), &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/* RESCHEDULE code slot: moves the upcoming session, all or nothing. */
void
cmd_reschedule(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	int64_t			 case_id;
	time_t			 now = time(NULL);

	if (!client_may_book(c, now)) {
		client_err(c, ECO_ERR_LIMIT, "too many bookings from here; "
		    "try again later");
		return;
	}
	if (sched_find_case(s, a->v[0].bin, a->v[0].len, &case_id, &e) != 0 ||
	    sched_reschedule(s, case_id, a->v[1].i, now, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_booked(c, now);
	client_ok(c, 0, NULL);
}

/*
 * AGENDA [from] [to]: the counsellor's bookings, one a line: booking id,
 * local start, minutes, modality, location, state, case id, whether an
 * intake message exists, the start in UTC seconds and the calendar
 * history (for iCalendar), and the slot's join details.
 */
void
cmd_agenda(struct client *c, const struct args *a)
{
	struct sched	 *s = c->srv->ecod->sched;
	struct booking	**v;
	struct slot	 *sl;
	char		  id[24], start[LOCAL_TIME_LEN + 1], minutes[16];
	char		  cs[24], utc[24], hist[3][24], *f[13];
	time_t		  from, to;
	size_t		  n, i;

	if (date_range(c, a, &from, &to) != 0)
		return;
	n = sched_agenda(s, me(c), from, to, &v);
	for (i = 0; i < n; i++) {
		sl = sched_slot(s, v[i]->slot);
		snprintf(id, sizeof id, "%lld", (long long)v[i]->id);
		time_format_local(sl->start, start);
		snprintf(minutes, sizeof minutes, "%d", sl->minutes);
		snprintf(cs, sizeof cs, "%lld", (long long)v[i]->case_id);
		snprintf(utc, sizeof utc, "%lld", (long long)sl->start);
		f[0] = id;
		f[1] = start;
		f[2] = minutes;
		f[3] = (char *)modality_name(sl->modality);
		f[4] = sl->location;
		f[5] = (char *)bstate_name(v[i]->state);
		f[6] = cs;
		f[7] = v[i]->msglen > 0 ? "message" : "-";
		f[8] = utc;
		booking_history(v[i], hist, f + 9);
		f[12] = sl->join;
		client_data(c, 13, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}

/* MARK booking attended|no-show (the mark is w_marks's index) */
void
cmd_mark(struct client *c, const struct args *a)
{
	struct sched_err	 e;

	if (sched_mark(c->srv->ecod->sched, a->actor, me(c), a->v[0].i,
	    a->v[1].i == 0 ? B_ATTENDED : B_NOSHOW, time(NULL), &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/* MARK-CORRECT booking attended|no-show: the one correction of a mark. */
void
cmd_mark_correct(struct client *c, const struct args *a)
{
	struct sched_err	 e;

	if (sched_mark_correct(c->srv->ecod->sched, a->actor, me(c),
	    a->v[0].i, a->v[1].i == 0 ? B_ATTENDED : B_NOSHOW, time(NULL),
	    &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/* MESSAGE booking: the sealed intake message, for its counsellor only. */
void
cmd_message(struct client *c, const struct args *a)
{
	struct sched_err	 e;
	const unsigned char	*msg;
	char			*b64, *f[1];
	size_t			 len, msglen;

	if (sched_message_open(c->srv->ecod->sched, a->actor, me(c),
	    a->v[0].i, &msg, &msglen, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	len = sodium_base64_ENCODED_LEN(msglen, B64);
	b64 = xmalloc(len);
	sodium_bin2base64(b64, len, msg, msglen, B64);
	f[0] = b64;
	client_ok(c, 1, f);
	free(b64);
}
