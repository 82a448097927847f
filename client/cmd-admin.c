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

/* Sends REKEY role NAME PUBKEY. */
static int
rekey(struct ctl *ctl, int argc, char **argv, char *role)
{
	struct reply	 r;
	char		*req[4];
	int		 i;

	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 2, 2)) < 0)
		return EXIT_USAGE;
	req[0] = "REKEY";
	req[1] = role;
	req[2] = argv[i];
	req[3] = argv[i + 1];
	if (ctl_request(ctl, 4, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	reply_free(&r);
	return EXIT_OK;
}

/* admin counsellor rekey NAME PUBKEY */
int
ctl_rekey_counsellor(struct ctl *ctl, int argc, char **argv)
{
	return rekey(ctl, argc, argv, "counsellor");
}

/* admin auditor rekey NAME PUBKEY */
int
ctl_rekey_auditor(struct ctl *ctl, int argc, char **argv)
{
	return rekey(ctl, argc, argv, "auditor");
}

/* admin audit-pubkey: the audit verifier key, as audit pubkey prints it. */
int
ctl_admin_audit_pubkey(struct ctl *ctl, int argc, char **argv)
{
	struct reply	 r;
	char		*req[1] = { "ADMIN-AUDIT-PUBKEY" };

	if (ctl_parse(ctl, argc, argv, NULL, NULL, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc == 1)
		printf("%s\n", r.final.argv[0]);
	reply_free(&r);
	return EXIT_OK;
}

/* admin verify: "table count" lines, then "audit-tree size"; exit 1 and
 * the damaged row named if one fails. */
int
ctl_admin_verify(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "VERIFY", 0, 0, print_tabbed);
}
