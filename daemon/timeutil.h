/* Local time at the edges, UTC inside: the instance's zone is in TZ. */
#ifndef ECOD_TIMEUTIL_H
#define ECOD_TIMEUTIL_H

#include <stddef.h>
#include <time.h>

#define LOCAL_TIME_LEN	16	/* "YYYY-MM-DDTHH:MM" */

int	 time_set_zone(const char *);
int	 time_parse_local(const char *, int, time_t *, const char **);
int	 time_parse_local_len(const char *, size_t, int, time_t *,
	    const char **);
void	 time_format_local(time_t, char *);
int	 time_add_days(time_t, int, time_t *);
int	 time_parse_weekdays(const char *, int *);
int	 time_repeat(time_t, int, time_t, int, int, time_t *, size_t,
	    size_t *, char[11]);

/* Why time_repeat refused. */
enum { REPEAT_BEFORE = 1, REPEAT_SPAN, REPEAT_MAX, REPEAT_GAP, REPEAT_NONE };

#endif
