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

/* Reports a schedule error. */
static void
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

/* Returns 1 if s is "-", an optional field left out. */
static int
unset(const char *s)
{
	return strcmp(s, "-") == 0;
}

/*
 * Parses the date range of SLOTS and AGENDA: from (default: now) to
 * (inclusive date; default: open). Returns 0, or -1 having replied.
 */
static int
date_range(struct client *c, int argc, char **argv, time_t *from,
    time_t *to)
{
	const char	*why;
	time_t		 t;

	*from = 0;
	*to = (time_t)1 << 40;
	if (argc > 0 && !unset(argv[0])) {
		if (time_parse_local(argv[0], 1, from, &why) != 0) {
			client_err(c, ECO_ERR_INVALID, "from: %s", why);
			return -1;
		}
	}
	if (argc > 1 && !unset(argv[1])) {
		if (time_parse_local(argv[1], 1, &t, &why) != 0 ||
		    time_add_days(t, 1, to) != 0) {
			client_err(c, ECO_ERR_INVALID, "to: %s", why);
			return -1;
		}
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

/* AVAIL-ADD start minutes count modality location */
void
cmd_avail_add(struct client *c, int argc, char **argv)
{
	struct sched_err	 e;
	const char		*why;
	char			 num[24], *f[1];
	int64_t			*ids;
	time_t			 start;
	int			 minutes, count, modality, i;

	if (time_parse_local(argv[0], 0, &start, &why) != 0) {
		client_err(c, ECO_ERR_INVALID, "start: %s", why);
		return;
	}
	if (cmd_parse_int(argv[1], 1, 100000, &minutes) != 0 ||
	    cmd_parse_int(argv[2], 1, 100000, &count) != 0) {
		client_err(c, ECO_ERR_INVALID, "minutes and count are "
		    "positive whole numbers");
		return;
	}
	if ((modality = modality_parse(argv[3])) == 0) {
		client_err(c, ECO_ERR_INVALID, "modality is one of: "
		    ECO_MODALITIES);
		return;
	}
	if (strlen(argv[4]) > ECO_LOCATION_MAX) {
		client_err(c, ECO_ERR_INVALID, "location is at most %d bytes",
		    ECO_LOCATION_MAX);
		return;
	}
	ids = xcalloc(count, sizeof *ids);
	if (sched_avail_add(c->srv->ecod->sched, me(c), start, minutes, count,
	    modality, argv[4], time(NULL), ids, &e) != 0) {
		free(ids);
		reply_err(c, &e);
		return;
	}
	for (i = 0; i < count; i++) {
		snprintf(num, sizeof num, "%lld", (long long)ids[i]);
		f[0] = num;
		client_data(c, 1, f);
	}
	free(ids);
	client_ok(c, 0, NULL);
}

/* AVAIL-RM slot */
void
cmd_avail_rm(struct client *c, int argc, char **argv)
{
	struct sched_err	 e;
	int64_t			 id;

	if (cmd_parse_id(argv[0], &id) != 0) {
		client_err(c, ECO_ERR_INVALID, "a slot id is a number");
		return;
	}
	if (sched_avail_rm(c->srv->ecod->sched, me(c), id, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/* SLOTS [from] [to] [modality]: the free slots a worker may book. */
void
cmd_slots(struct client *c, int argc, char **argv)
{
	struct slot	**v;
	time_t		  from, to, now = time(NULL);
	size_t		  n, i;
	int		  modality = 0;

	if (date_range(c, argc, argv, &from, &to) != 0)
		return;
	if (argc > 2 && !unset(argv[2]) &&
	    (modality = modality_parse(argv[2])) == 0) {
		client_err(c, ECO_ERR_INVALID, "modality is one of: "
		    ECO_MODALITIES);
		return;
	}
	n = sched_free_slots(c->srv->ecod->sched, from, to, modality, now, &v);
	for (i = 0; i < n; i++)
		slot_line(c, v[i]);
	free(v);
	client_ok(c, 0, NULL);
}

/* SLOTKEY slot: the public key an intake message for slot is sealed to. */
void
cmd_slotkey(struct client *c, int argc, char **argv)
{
	struct sched	*s = c->srv->ecod->sched;
	struct slot	*sl;
	struct person	*p;
	char		 b64[sodium_base64_ENCODED_LEN(32, B64)], *f[1];
	int64_t		 id;

	if (cmd_parse_id(argv[0], &id) != 0 || (sl = sched_slot(s, id)) ==
	    NULL || sl->removed || (p = sched_person(s, sl->person)) == NULL ||
	    p->revoked) {
		client_err(c, ECO_ERR_NOTFOUND, "no such slot");
		return;
	}
	sodium_bin2base64(b64, sizeof b64, p->pk, sizeof p->pk, B64);
	f[0] = b64;
	client_ok(c, 1, f);
}

/* BOOK slot [code|-] [message|-]: a new case answers its code. */
void
cmd_book(struct client *c, int argc, char **argv)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	unsigned char		*msg = NULL;
	size_t			 msglen = 0, max;
	char			 code[CODE_TEXT_LEN + 1], *f[1];
	int64_t			 slot, case_id = 0;
	time_t			 now = time(NULL);
	int			 rc;

	if (cmd_parse_id(argv[0], &slot) != 0) {
		client_err(c, ECO_ERR_INVALID, "a slot id is a number");
		return;
	}
	if (!client_may_book(c, now)) {
		client_err(c, ECO_ERR_LIMIT, "too many bookings from here; "
		    "try again later");
		return;
	}
	if (argc > 2 && !unset(argv[2])) {
		max = crypto_box_SEALBYTES + ECO_MESSAGE_MAX;
		msg = xmalloc(max);
		if (sodium_base642bin(msg, max, argv[2], strlen(argv[2]), NULL,
		    &msglen, NULL, B64) != 0 ||
		    msglen <= crypto_box_SEALBYTES) {
			free(msg);
			client_err(c, ECO_ERR_INVALID, "the message is not a "
			    "sealed message of at most %d bytes",
			    ECO_MESSAGE_MAX);
			return;
		}
	}
	if (argc > 1 && !unset(argv[1]) &&
	    sched_find_case(s, argv[1], &case_id, &e) != 0) {
		free(msg);
		reply_err(c, &e);
		return;
	}
	rc = sched_book(s, slot, case_id, msg, msglen, now, code, &e);
	free(msg);
	if (rc != 0) {
		reply_err(c, &e);
		return;
	}
	client_booked(c, now);
	if (case_id != 0) {
		client_ok(c, 0, NULL);
		return;
	}
	f[0] = code;
	client_ok(c, 1, f);
	sodium_memzero(code, sizeof code);
}

/* STATUS code: the case's bookings, by start. */
void
cmd_status(struct client *c, int argc, char **argv)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct booking		**v;
	struct slot		*sl;
	char			 start[LOCAL_TIME_LEN + 1], minutes[16], *f[5];
	int64_t			 case_id;
	size_t			 n, i;

	if (sched_find_case(s, argv[0], &case_id, &e) != 0) {
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
		client_data(c, 5, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}

/* CANCEL code: cancels the case's upcoming session. */
void
cmd_cancel(struct client *c, int argc, char **argv)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	int64_t			 case_id;

	if (sched_find_case(s, argv[0], &case_id, &e) != 0 ||
	    sched_cancel(s, case_id, time(NULL), &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/* RESCHEDULE code slot: moves the upcoming session, all or nothing. */
void
cmd_reschedule(struct client *c, int argc, char **argv)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	int64_t			 case_id, slot;
	time_t			 now = time(NULL);

	if (cmd_parse_id(argv[1], &slot) != 0) {
		client_err(c, ECO_ERR_INVALID, "a slot id is a number");
		return;
	}
	if (!client_may_book(c, now)) {
		client_err(c, ECO_ERR_LIMIT, "too many bookings from here; "
		    "try again later");
		return;
	}
	if (sched_find_case(s, argv[0], &case_id, &e) != 0 ||
	    sched_reschedule(s, case_id, slot, now, &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_booked(c, now);
	client_ok(c, 0, NULL);
}

/*
 * AGENDA [from] [to]: the counsellor's bookings, one a line: booking id,
 * local start, minutes, modality, location, state, case id, whether an
 * intake message exists, and the start in UTC seconds (for iCalendar).
 */
void
cmd_agenda(struct client *c, int argc, char **argv)
{
	struct sched	 *s = c->srv->ecod->sched;
	struct booking	**v;
	struct slot	 *sl;
	char		  id[24], start[LOCAL_TIME_LEN + 1], minutes[16];
	char		  cs[24], utc[24], *f[9];
	time_t		  from, to;
	size_t		  n, i;

	if (date_range(c, argc, argv, &from, &to) != 0)
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
		client_data(c, 9, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}

/* MARK booking attended|no-show */
void
cmd_mark(struct client *c, int argc, char **argv)
{
	struct sched_err	 e;
	int64_t			 id;
	int			 state;

	if (strcmp(argv[1], "attended") == 0)
		state = B_ATTENDED;
	else if (strcmp(argv[1], "no-show") == 0)
		state = B_NOSHOW;
	else {
		client_err(c, ECO_ERR_INVALID, "mark attended or no-show");
		return;
	}
	if (cmd_parse_id(argv[0], &id) != 0) {
		client_err(c, ECO_ERR_INVALID, "a booking id is a number");
		return;
	}
	if (sched_mark(c->srv->ecod->sched, me(c), id, state, time(NULL),
	    &e) != 0) {
		reply_err(c, &e);
		return;
	}
	client_ok(c, 0, NULL);
}

/* MESSAGE booking: the sealed intake message, for its counsellor only. */
void
cmd_message(struct client *c, int argc, char **argv)
{
	struct sched	*s = c->srv->ecod->sched;
	struct sched_err e;
	struct booking	*b;
	struct slot	*sl;
	char		*b64, *f[1];
	size_t		 len;
	int64_t		 id = 0;

	if (cmd_parse_id(argv[0], &id) != 0 || (b = sched_booking(s, id)) ==
	    NULL || (sl = sched_slot(s, b->slot)) == NULL ||
	    sl->person != c->person) {
		cmd_refused(c, "message-open", "booking", id);
		client_err(c, ECO_ERR_NOTFOUND, "no such booking of yours");
		return;
	}
	if (b->msglen == 0) {
		client_err(c, ECO_ERR_NOTFOUND, "this booking has no message");
		return;
	}
	if (sched_record(s, "message-open", "booking", id, "ok", &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	len = sodium_base64_ENCODED_LEN(b->msglen, B64);
	b64 = xmalloc(len);
	sodium_bin2base64(b64, len, b->msg, b->msglen, B64);
	f[0] = b64;
	client_ok(c, 1, f);
	free(b64);
}
