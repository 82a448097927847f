/* Master-key rotation: every sealed row under a new key, in one commit. */
#ifndef ECOD_ROTATE_H
#define ECOD_ROTATE_H

#include <stdint.h>

struct ecod;
struct sched_err;

/* What a rotation did: rows re-sealed; the daemon's pause in ms, from
 * the new key to the key file renamed; kept: the old key is MASTER.old. */
struct rotate_result {
	int64_t		 rows;
	long long	 ms;
	int		 kept;
};

int	rotate_key(struct ecod *, const char *, const char *,
	    struct rotate_result *, struct sched_err *);

#endif
