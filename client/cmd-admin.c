/* ecoctl admin list, counsellor|auditor rekey, audit-pubkey and verify. */
#include <stdio.h>

#include "ecoctl.h"

/* Prints a reply's data lines, fields separated by TAB. */
static void
print_tabbed(struct wire_fields *f)
{
	int	 i;

	for (i = 0; i < f->argc; i++)
		printf("%s%s", i > 0 ? "\t" : "", f->argv[i]);
	putchar('\n');
}

/* admin list: "name role state fingerprint created", one a person. */
int
ctl_people(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "PEOPLE", 0, 0, print_tabbed);
}

/* admin counsellor rekey NAME PUBKEY */
int
ctl_rekey_counsellor(struct ctl *ctl, int argc, char **argv)
{
	return ctl_role_key(ctl, argc, argv, "REKEY", "counsellor");
}

/* admin auditor rekey NAME PUBKEY */
int
ctl_rekey_auditor(struct ctl *ctl, int argc, char **argv)
{
	return ctl_role_key(ctl, argc, argv, "REKEY", "auditor");
}

/* admin verify: "table count" lines, then "audit-tree size"; exit 1 and
 * the damaged row named if one fails. */
int
ctl_admin_verify(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "VERIFY", 0, 0, print_tabbed);
}
