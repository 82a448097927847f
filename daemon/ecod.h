/* The daemon's state, one per process, handed to every part that needs it. */
#ifndef ECOD_H
#define ECOD_H

#include <time.h>

struct ecod {
	struct config		*cf;
	struct event_base	*base;
	struct instance		*inst;
	struct server		*srv;
	struct sched		*sched;
	struct audit		*audit;
	struct event		*purge;		/* the daily purge timer */
	struct backup		*backup;	/* the one running, or NULL */
	time_t			 started;
	int			 stopping;	/* SIGINT or SIGTERM came */
	int			 due;		/* ECOD_DUE_*: timers that came
						   during a COMMIT in flight */
	void			(*run_due)(struct ecod *);
};

/* A timer whose work commits alone does not wait for the COMMIT in
 * flight: it is marked due, and run_due runs it once that batch has
 * settled. */
#define ECOD_DUE_REFUSALS	0x1
#define ECOD_DUE_PURGE		0x2


/* The purge runs PURGE_FIRST seconds after start, then every
 * PURGE_INTERVAL. */
#define PURGE_FIRST		300
#define PURGE_INTERVAL		86400
#define PURGE_RETRY		600	/* when a backup is running */

#endif
