/*
 * The schedule: people (counsellors, auditors), slots, cases, bookings.
 * Held in memory, opened from the sealed store at start; every change is
 * written in one transaction and applied to memory only once committed,
 * so a failed write changes nothing. One thread: no slot is booked twice.
 */
#ifndef ECOD_SCHED_H
#define ECOD_SCHED_H

#include <bsd/sys/tree.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct audit;
struct config;
struct seal;
struct store;

#define PERSON_COUNSELLOR	1
#define PERSON_AUDITOR		2

/* What a slot may be: its length (how far one request repeats it is
 * ECO_AVAIL_SPAN_DAYS, proto.h). */
#define SLOT_MINUTES_MIN	5
#define SLOT_MINUTES_MAX	720

enum modality { MOD_PRESENCIAL = 1, MOD_TELEFONO, MOD_VIDEO };
enum bstate { B_BOOKED = 1, B_CANCELLED, B_RESCHEDULED, B_ATTENDED,
    B_NOSHOW, B_SVC_CANCELLED };

struct person {
	int64_t		 id;
	int		 role;
	int		 revoked;
	char		*name;
	unsigned char	 pk[32];		/* Ed25519 */
	int64_t		 created;
};

struct slot {
	int64_t		 id;
	int64_t		 person;
	int64_t		 start;			/* UTC */
	int		 minutes;
	int		 modality;
	int		 removed;
	char		*location;
	char		*join;			/* how to join, "" none: secret */
	int64_t		 booking;		/* holding booking, or 0 */
	RB_ENTRY(slot)	 by_start;		/* in sched.free (index.c) */
	RB_ENTRY(slot)	 by_person;		/* in sched.live */
	int		 in_free;
	int		 in_live;
};

struct booking {
	int64_t		 id;
	int64_t		 case_id;
	int64_t		 slot;
	int64_t		 created;
	int		 state;
	/* For calendars (RFC 5545 UID, SEQUENCE, LAST-MODIFIED): the first
	 * booking of its reschedule chain, the changes a calendar must see
	 * (each reschedule, a cancel), the time of the last change. */
	int64_t		 origin;
	int64_t		 seq;
	int64_t		 modified;
	/* The first mark's time (0: none) and its one correction's. */
	int64_t		 marked;
	int64_t		 corrected;
	unsigned char	*msg;			/* sealed to the counsellor */
	size_t		 msglen;
	struct booking	*case_next;		/* the case's next (index.c) */
};

struct note {
	int64_t		 id;
	int64_t		 booking;
	int64_t		 case_id;
	int64_t		 author;		/* person */
	int64_t		 amends;		/* note, or 0 */
	int64_t		 created;
	size_t		 rowlen;		/* plaintext row size */
	int		 nrcpt;
	unsigned char	 rcpt[4][32];		/* recipients' keys */
};

/* A message in a case's thread (messages.c): the sealed blob stays on disk,
 * read only when served. */
struct message {
	int64_t		 id;
	int64_t		 case_id;
	int64_t		 booking;		/* the one it is about, or 0 */
	int64_t		 author;		/* person, or 0 */
	int		 from;			/* MSG_FROM_* */
	int64_t		 created;
	int64_t		 read;			/* served to the worker, or 0 */
	size_t		 rowlen;
	size_t		 textlen;		/* from its header */
	int		 nrcpt;
	unsigned char	 rcpt[8][32];		/* recipients' X25519 keys */
	struct message	*case_prev;		/* the case's one before */
};

struct idvec {
	void		**v;
	size_t		  n;
	size_t		  top;		/* 1 + the highest id in use, or 0 */
};

/*
 * Group commit (sched_batching): the hooks the server gives, called when
 * the first change joins a batch, and when a batch was flushed (err NULL)
 * or failed, every change in it undone.
 */
struct sched_err;
struct sched_hooks {
	void	(*joined)(void *);
	void	(*flushed)(void *, const struct sched_err *);
	void	 *arg;
};

RB_HEAD(slot_free_tree, slot);
RB_HEAD(slot_live_tree, slot);

struct sched {
	struct store		*st;
	int			 batching;
	uint64_t		 flush_n;	/* requests in the flush started */
	struct sched_hooks	 hooks;
	struct seal		*seal;
	const struct config	*cf;
	struct idvec		 people;
	struct idvec		 slots;
	struct idvec		 bookings;
	struct idvec		 notes;
	struct idvec		 messages;
	struct idvec		 case_msgs;	/* case id: its last message */
	struct slot_free_tree	 free;		/* not removed, not booked */
	struct slot_live_tree	 live;		/* not removed, by person */
	int			 longest;	/* minutes of the longest live */
	struct idvec		 cases;		/* case id: its first booking */
	struct audit		*audit;		/* not owned */
	unsigned char		 recovery[32];	/* recovery key, if */
	int			 has_recovery;
	int64_t			 purged[4];	/* highest id purged, PURGED_* */
	int			 has_purged;	/* the META_PURGED row exists */
};

/* Indices of sched.purged: ids up to these were purged, never reused. */
#define PURGED_CASES	0
#define PURGED_BOOKINGS	1
#define PURGED_NOTES	2
#define PURGED_MESSAGES	3	/* written after the other three */

/* What one purge deleted. */
struct purge_counts {
	int64_t		 cases;
	int64_t		 bookings;
	int64_t		 notes;
	int64_t		 messages;
};

struct sched_err {
	const char	*code;			/* ECO_ERR_* */
	char		 msg[256];
};

struct sched	*sched_load(struct store *, struct seal *, struct audit *,
		    const struct config *, char **);
int		 sched_commit(struct sched *, char **);
void		 sched_batching(struct sched *, int,
		    const struct sched_hooks *);
int		 sched_flush(struct sched *, struct sched_err *);
int		 sched_flush_start(struct sched *, struct sched_err *);
int		 sched_settle(struct sched *, struct sched_err *);
int		 sched_committing(const struct sched *);
int		 sched_audit(struct sched *, const char *, const char *,
		    const char *, int64_t, const char *, char **);
int		 sched_record(struct sched *, const char *, const char *,
		    const char *, int64_t, const char *, struct sched_err *);
int		 sched_refused(struct sched *, const char *, const char *,
		    const char *, int64_t);
int		 sched_refusals_flush(struct sched *);
void		 sched_free(struct sched *);

void		*idvec_get(const struct idvec *, int64_t);
void		 idvec_set(struct idvec *, int64_t, void *);
int64_t		 idvec_next(const struct idvec *);
int64_t		 sched_next_id(struct sched *, const struct idvec *,
		    int);
int		 sched_errf(struct sched_err *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
int		 sched_err_store(struct sched *, struct sched_err *, char *);
const char	*modality_name(int);
int		 modality_parse(const char *);
const char	*bstate_name(int);

struct person	*sched_person(struct sched *, int64_t);
struct person	*sched_person_by_name(struct sched *, const char *);
struct slot	*sched_slot(struct sched *, int64_t);
struct booking	*sched_booking(struct sched *, int64_t);

/* The first const char * of a change is its actor, named in its audit entry:
 * "admin", "counsellor:NAME", ...; worker changes name "worker" themselves. */
int	sched_enrol(struct sched *, const char *, int, const char *,
	    const unsigned char *, struct sched_err *);
int	sched_revoke(struct sched *, const char *, struct person *,
	    struct sched_err *);
int	sched_rekey(struct sched *, const char *, struct person *, int,
	    const unsigned char *, struct sched_err *);
int	sched_avail_add(struct sched *, const char *, struct person *,
	    const time_t *, int, int, int, const char *, const char *, time_t,
	    int64_t *, struct sched_err *);
int	sched_avail_block(struct sched *, const char *, struct person *, time_t,
	    time_t, int64_t **, size_t *, struct sched_err *);
int	sched_avail_rm(struct sched *, const char *, struct person *, int64_t,
	    struct sched_err *);
size_t	sched_avail_list(struct sched *, struct person *, time_t, time_t,
	    struct slot ***);
size_t	sched_free_slots(struct sched *, time_t, time_t, int, time_t,
	    struct slot ***);
int	sched_find_case(struct sched *, const unsigned char *, size_t,
	    int64_t *, struct sched_err *);
int	sched_book(struct sched *, int64_t, int64_t, const unsigned char *,
	    size_t, time_t, struct sched_err *);
int	sched_book_new(struct sched *, int64_t, const unsigned char *, size_t,
	    const unsigned char *, const unsigned char *, size_t, time_t,
	    struct sched_err *);
size_t	sched_case_bookings(struct sched *, int64_t, struct booking ***);
int	sched_cancel(struct sched *, int64_t, time_t, struct sched_err *);
int	sched_reschedule(struct sched *, int64_t, int64_t, time_t,
	    struct sched_err *);
size_t	sched_agenda(struct sched *, struct person *, time_t, time_t,
	    struct booking ***);
int	sched_mark(struct sched *, const char *, struct person *, int64_t, int,
	    time_t, struct sched_err *);
int	sched_mark_correct(struct sched *, const char *, struct person *,
	    int64_t, int, time_t, struct sched_err *);
int	sched_purge(struct sched *, const char *, time_t,
	    struct purge_counts *, struct sched_err *);
int	sched_message_open(struct sched *, const char *, struct person *,
	    int64_t, const unsigned char **, size_t *, struct sched_err *);

/* The indexes (index.c): kept right by every change of memory. */
void	sched_index_slot(struct sched *, struct slot *);
void	slot_set_booking(struct sched *, struct slot *, int64_t);
void	sched_index_person(struct sched *, int64_t);
void	sched_free_range(struct sched *, time_t, time_t,
	    int (*)(struct slot *, void *), void *);
int	sched_overlaps(struct sched *, int64_t, time_t, int, time_t);
void	sched_live_range(struct sched *, int64_t, time_t, time_t,
	    int (*)(struct slot *, void *), void *);
void	sched_index_booking(struct sched *, struct booking *);
struct booking *sched_case_first(struct sched *, int64_t);
void	sched_index_case_drop(struct sched *, int64_t);

/* Row writers and destructors shared by sched.c and booking.c. */
int	put_slot(struct sched *, const struct slot *, int, char **);
int	put_booking(struct sched *, const struct booking *, int, char **);
void	slot_free(struct slot *);
void	booking_free(struct booking *);

int	notes_load(struct sched *, char **);
int	note_recipient(const struct note *, const unsigned char *);
int	note_expired(struct sched *, const struct note *, time_t);
size_t	note_list(struct sched *, const unsigned char *, int64_t,
	    struct note ***);
int	note_add(struct sched *, const char *, struct person *, int64_t,
	    int64_t, const unsigned char *, size_t, time_t, int64_t *,
	    struct sched_err *);
unsigned char *note_blob(struct sched *, const struct note *, size_t *,
	    struct sched_err *);
unsigned char *note_open(struct sched *, const char *, const unsigned char *,
	    int64_t, const struct note **, size_t *, struct sched_err *);

int	messages_load(struct sched *, char **);
int	case_key(struct sched *, int64_t, unsigned char *, struct sched_err *);
int	case_set_key(struct sched *, const unsigned char *, size_t, int64_t,
	    const unsigned char *, struct sched_err *);
int	case_counsellor(struct sched *, int64_t, const struct person *);
size_t	case_counsellors(struct sched *, int64_t, struct person **, size_t);
int	msg_post(struct sched *, const char *, int64_t, int64_t, int64_t,
	    const unsigned char *, size_t, time_t, int64_t *,
	    struct sched_err *);
size_t	msg_list(struct sched *, const unsigned char *, int64_t,
	    struct message ***);
size_t	msg_thread(struct sched *, int64_t, struct message ***);
int	msg_unread(struct sched *, int64_t);
unsigned char *msg_blob(struct sched *, const struct message *, size_t *,
	    struct sched_err *);
unsigned char *msg_serve(struct sched *, const char *, const unsigned char *,
	    int64_t, struct message **, size_t *, struct sched_err *);
int	msg_thread_blobs(struct sched *, struct message **, size_t,
	    unsigned char **, size_t *, struct sched_err *);
int	msg_serve_thread(struct sched *, struct message **, size_t,
	    unsigned char **, size_t *, time_t, struct sched_err *);
int	msg_recipient(const struct message *, const unsigned char *);
int	sched_session_cancel(struct sched *, const char *, struct person *,
	    int64_t, const unsigned char *, size_t, time_t,
	    struct sched_err *);
size_t	sched_day_booked(struct sched *, time_t, time_t, struct booking ***);

#endif
