/* Master-key rotation: every sealed row under a new key, in one commit. */
#ifndef ECOD_ROTATE_H
#define ECOD_ROTATE_H

#include <stdint.h>

struct ecod;
struct sched_err;

struct rotate_result {
	int64_t		 rows;		/* rows re-sealed */
	long long	 ms;		/* the daemon's pause: from the new key
					   to the key file renamed */
	int		 kept;		/* the old key file is MASTER.old */
};

int	rotate_key(struct ecod *, const char *, const char *,
	    struct rotate_result *, struct sched_err *);

#endif
