/* ecoctl ping and stats. */
#include <stdio.h>

#include "ecoctl.h"
#include "i18n.h"

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

/* Runs verb, which takes no fields, and lists its data lines of two
 * fields, "name<TAB>value" piped. */
static int
ctl_pairs(struct ctl *ctl, int argc, char **argv, char *verb)
{
	static const struct out_col cols[] = {
		{ "name", N_("Name"), COL_TEXT },
		{ "value", N_("Value"), COL_NUM },
	};
	static const struct listing l = { cols, NCOLS(cols), NULL };

	return ctl_verb(ctl, argc, argv, verb, 0, 0, &l);
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
