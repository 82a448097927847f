/*
 * The audit log: one entry a recorded access, each a leaf of an RFC 9162
 * Merkle tree; the daemon signs a checkpoint of the tree in the same
 * transaction as the entries it covers. See docs/AUDIT.md.
 */
#ifndef ECOD_AUDIT_H
#define ECOD_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "merkle.h"
#include "tiles.h"

struct instance;
struct store;

/*
 * Refusals past a window's budget, counted for one summary entry each
 * (actor, action, outcome). Kinds past AUDIT_BURST_KINDS - 1 share the
 * last slot, so a window writes at most budget + AUDIT_BURST_KINDS
 * refusal entries however many refusals there are.
 */
#define AUDIT_ACTOR_MAX		80	/* "counsellor:" and a name */
#define AUDIT_BURST_KINDS	32
struct audit_burst {
	char		 actor[AUDIT_ACTOR_MAX];
	char		 action[32];
	const char	*outcome;		/* static: "failed", "refused" */
	uint64_t	 n;
	time_t		 first;
	time_t		 last;
};

struct audit {
	struct store		*st;
	const struct instance	*in;		/* not owned */
	const unsigned char	*sk;		/* the instance's, not owned */
	char			*origin;
	struct tiles		 tiles;		/* the tree's hashes */
	uint64_t		 n;		/* committed entries */
	uint64_t		 npending;
	struct merkle_frontier	 frontier;	/* committed + pending */
	struct merkle_frontier	 saved;		/* at the last commit */
	uint64_t		 mark;		/* pending at the request's start */
	struct merkle_frontier	 marked;	/* the frontier then */
	char			*head;		/* the last signed note */
	char			*pending_head;
	uint64_t		 refusals;	/* in this window */
	uint64_t		 worker_reads;	/* in this window */
	struct audit_burst	 bursts[AUDIT_BURST_KINDS];
	int			 nbursts;
};

struct audit	*audit_open(struct store *, const struct instance *, char **);
void		 audit_free(struct audit *);
int		 audit_verify(struct audit *, const struct instance *,
		    uint64_t *, char **);
int		 audit_append(struct audit *, const char *, const char *,
		    const char *, const char *, char **);
int		 audit_worker_read(struct audit *, uint64_t, time_t);
int		 audit_sign(struct audit *, char **);
void		 audit_committed(struct audit *);
void		 audit_abort(struct audit *);
void		 audit_keep(struct audit *);
void		 audit_abort_batch(struct audit *);
int		 audit_reload(struct audit *, char **);
int		 audit_entry(struct audit *, uint64_t, unsigned char **,
		    size_t *, char **);
char		*audit_vkey(struct audit *);
int		 audit_refusal(struct audit *, uint64_t, const char *,
		    const char *, const char *, time_t);
void		 audit_count(struct audit *, const char *, const char *,
		    const char *, time_t);
int		 audit_summaries(struct audit *, char **);
void		 audit_window(struct audit *, int);

#endif
