/* The Unix socket server: listening, connections, limits, replies. */
#ifndef ECOD_SERVER_H
#define ECOD_SERVER_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>
#include <time.h>

struct ecod;

/* Roles a connection holds; the command table names those a verb allows. */
#define ROLE_ANYONE	0x01	/* every connection, workers included */
#define ROLE_ADMIN	0x02	/* peer uid is root, ecod's, or admin_uids */
#define ROLE_COUNSELLOR	0x04	/* logged in with a counsellor's key */
#define ROLE_AUDITOR	0x08	/* logged in with an auditor's key */
#define ROLE_RECOVERY	0x10	/* proved the recovery key */

#define LOGIN_AS_RECOVERY	(-2)	/* client.login for LOGIN-RECOVERY */

/* A note being uploaded in chunks (NOTE-BEGIN, NOTE-DATA, NOTE-END). */
struct upload {
	int64_t		 booking;
	int64_t		 amends;
	size_t		 size;		/* declared */
	size_t		 have;
	size_t		 cap;		/* of buf: grows up to size */
	unsigned char	*buf;
};

/* Connections open from one peer uid, for max_connections_per_uid. */
struct peer {
	uid_t		 uid;		/* never logged */
	int		 conns;
};

struct client {
	uint64_t		 id;		/* internal: never a uid or pid */
	struct server		*srv;
	struct bufferevent	*bev;
	struct event		*deadline;	/* a started line must end */
	struct peer		*peer;		/* shared with its uid's others */
	uid_t			 uid;		/* for roles only; never logged */
	int			 roles;
	int			 hello;
	int			 discarding;	/* skipping an overlong line */
	int			 paused;	/* output over its cap */
	int			 waiting;	/* its reply comes later */
	int			 closing;	/* free once output is sent */
	int			 overflow;	/* output over max_output_bytes */
	int			 replied;	/* final lines sent */
	int			 batchq;	/* on srv->held or resuming */
	size_t			 held_len;	/* output before the request */
	int64_t			 held_person;	/* login before it */
	int			 held_roles;
	int			 held_bookings;	/* c->bookings before it */
	int64_t			 person;	/* logged in as, or 0 */
	int64_t			 login;		/* person challenged, or 0 */
	unsigned char		 challenge[32];
	int			 challenged;
	int			 auth_fails;
	int			 bookings;	/* made on this connection */
	struct upload		*upload;
	TAILQ_ENTRY(client)	 entry;
	TAILQ_ENTRY(client)	 batch_entry;
};

/* Where a client's reply is, as for group commit (client.batchq). */
#define BATCHQ_NONE	0
#define BATCHQ_HELD	1	/* its request is in the open batch */
#define BATCHQ_RESUMING	2	/* released: its next lines are handled */
#define BATCHQ_PARKED	3	/* its next request waits for the commit */

/* Bookings per peer uid in the current hour: memory only, never written. */
struct uid_rate {
	uid_t		 uid;
	time_t		 window;
	int		 count;
};
#define UID_RATE_SLOTS	256

/* Why a connection was refused, for STATS and the refusal summary. */
enum refusal {
	REFUSED_FULL,		/* max_connections (less the admin reserve) */
	REFUSED_UID,		/* max_connections_per_uid */
	REFUSED_NOFILE,		/* out of descriptors */
	REFUSED_NCAUSES
};

struct server_stats {
	uint64_t	accepted;
	uint64_t	refused;	/* all causes */
	uint64_t	refused_by[REFUSED_NCAUSES];
	uint64_t	timeouts;	/* request_timeout_seconds expired */
	uint64_t	overflows;	/* closed past max_output_bytes */
	uint64_t	requests;
	uint64_t	errors;
};

struct server {
	struct ecod		*ecod;
	struct evconnlistener	*listener;
	struct event		*resume;	/* re-enables accept */
	struct event		*summary;	/* logs refusals, one line */
	uint64_t		 burst[REFUSED_NCAUSES];	/* unlogged */
	int			 spare_fd;	/* given up to refuse on EMFILE */
	void			*peers;		/* tsearch tree of struct peer */
	TAILQ_HEAD(, client)	 clients;
	TAILQ_HEAD(, client)	 held;		/* replies awaiting the batch */
	TAILQ_HEAD(, client)	 resuming;
	TAILQ_HEAD(, client)	 parked;	/* requests awaiting the writer */
	struct event		*flush;		/* commits the batch */
	struct event		*committed;	/* the writer is done */
	struct event		*unhold;	/* handles resuming clients */
	int			 nclients;
	uint64_t		 next_id;
	struct server_stats	 stats;
	struct uid_rate		 rates[UID_RATE_SLOTS];
	char			*path;
};

struct server	*server_create(struct ecod *, char **);
void		 server_free(struct server *);
void		 server_drain(struct server *);

/* At shutdown, queued replies get this long to reach their clients. */
#define SERVER_DRAIN_SECONDS	2
void		 server_batching(struct server *, int);
size_t		 client_room(struct client *);
void		 client_data(struct client *, int, char *const *);
void		 client_ok(struct client *, int, char *const *);
void		 client_err(struct client *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 client_close(struct client *);
void		 client_wait(struct client *);
void		 client_resume(struct client *);
int		 client_may_book(struct client *, time_t);
void		 client_booked(struct client *, time_t);
void		 server_logout_person(struct server *, int64_t);
void		 upload_free(struct client *);

#endif
