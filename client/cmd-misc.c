/* ecoctl ping and stats. */
#include <stdio.h>

#include "ecoctl.h"

/* ping: prints the daemon's answer. */
int
ctl_ping(struct ctl *ctl, int argc, char **argv)
{
	struct reply	 r;
	char		*req[] = { "PING" };

	if (ctl_parse(ctl, argc, argv, NULL, NULL, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	printf("%s\n", r.final.argc > 0 ? r.final.argv[0] : "");
	reply_free(&r);
	return EXIT_OK;
}

/* Runs verb, which takes no fields, and prints its data lines of two
 * fields as "name<TAB>value". */
static int
ctl_pairs(struct ctl *ctl, int argc, char **argv, char *verb)
{
	struct reply	 r;
	char		*req[] = { verb };
	int		 i;

	if (ctl_parse(ctl, argc, argv, NULL, NULL, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	for (i = 0; i < r.ndata; i++)
		if (r.data[i].argc == 2)
			printf("%s\t%s\n", r.data[i].argv[0], r.data[i].argv[1]);
	reply_free(&r);
	return EXIT_OK;
}

/* stats: one "name<TAB>value" line a figure. */
int
ctl_stats(struct ctl *ctl, int argc, char **argv)
{
	return ctl_pairs(ctl, argc, argv, "STATS");
}

/* admin purge: what it deleted, "cases<TAB>N", "bookings<TAB>N",
 * "notes<TAB>N". */
int
ctl_purge(struct ctl *ctl, int argc, char **argv)
{
	return ctl_pairs(ctl, argc, argv, "PURGE");
}
