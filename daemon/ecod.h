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
	time_t			 started;
};

#endif
