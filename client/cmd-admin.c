/* ecoctl admin list, counsellor|auditor rekey, audit-pubkey, verify and
 * rotate-key. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecoctl.h"
#include "i18n.h"
#include "passphrase.h"

/* admin list: "name role state fingerprint created", one a person. */
int
ctl_people(struct ctl *ctl, int argc, char **argv)
{
	static const struct out_col cols[] = {
		{ "name", N_("Name"), COL_TEXT },
		{ "role", N_("Role"), COL_WORD },
		{ "state", N_("State"), COL_WORD },
		{ "fingerprint", N_("Key fingerprint"), COL_TEXT },
		{ "created", N_("Enrolled (UTC)"), COL_TEXT },
	};
	static const struct listing l = { cols, NCOLS(cols),
	    N_("No one is enrolled yet: ecoctl admin counsellor add NAME "
	    "PUBKEY") };

	return ctl_verb(ctl, argc, argv, "PEOPLE", 0, 0, &l);
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
	static const struct out_col cols[] = {
		{ "what", N_("Checked"), COL_TEXT },
		{ "count", N_("Count"), COL_NUM },
	};
	static const struct listing l = { cols, NCOLS(cols), NULL };

	return ctl_verb(ctl, argc, argv, "VERIFY", 0, 0, &l);
}

/*
 * Reads the new master passphrase: from --new-passphrase-file, else twice
 * from the terminal, else one line of standard input. NULL after saying
 * why.
 */
static char *
rotate_passphrase(const char *file)
{
	char	*pass, *cause;

	if (file != NULL)
		pass = passphrase_from_file(file, &cause);
	else if (isatty(STDIN_FILENO))
		pass = passphrase_from_tty(_("New master passphrase: "), 1,
		    &cause);
	else
		pass = passphrase_from_stream(stdin, &cause);
	if (pass == NULL) {
		ctl_fail("%s", cause);
		free(cause);
	}
	return pass;
}

/*
 * admin rotate-key [--passphrase [--new-passphrase-file F]]: every row
 * re-sealed under a new master key; says how many, how long the daemon
 * stalled, and where the old key is kept.
 */
int
ctl_rotate_key(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "passphrase",
	    "new-passphrase-file=", NULL };
	struct reply	 r;
	char		*v[2], *pass = NULL, *b64 = NULL, *req[2];
	const char	*rows = "?", *ms = "?", *old = NULL;
	size_t		 len = 0;
	int		 i, rc;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[1] != NULL && v[0] == NULL)
		return ctl_usage(ctl);
	req[0] = "ROTATE-KEY";
	req[1] = "-";
	if (v[0] != NULL) {
		if ((pass = rotate_passphrase(v[1])) == NULL)
			return EXIT_FAIL;
		len = sodium_base64_ENCODED_LEN(strlen(pass),
		    sodium_base64_VARIANT_ORIGINAL);
		if ((b64 = sodium_malloc(len)) == NULL)
			return ctl_fail("out of memory");
		sodium_bin2base64(b64, len, (unsigned char *)pass,
		    strlen(pass), sodium_base64_VARIANT_ORIGINAL);
		passphrase_free(pass);
		req[1] = b64;
	}
	rc = ctl_request(ctl, 2, req, &r);
	if (b64 != NULL)
		sodium_free(b64);	/* wipes it */
	if (rc != EXIT_OK)
		return EXIT_FAIL;
	for (i = 0; i < r.ndata; i++) {
		if (r.data[i].argc != 2)
			continue;
		if (strcmp(r.data[i].argv[0], "rows") == 0)
			rows = r.data[i].argv[1];
		else if (strcmp(r.data[i].argv[0], "stall_ms") == 0)
			ms = r.data[i].argv[1];
		else if (strcmp(r.data[i].argv[0], "old_key") == 0)
			old = r.data[i].argv[1];
	}
	printf(_("master key rotated: %s rows re-sealed; the daemon paused "
	    "%s ms\n"), rows, ms);
	if (old != NULL)
		printf(_("old key kept in %s: keep it offline with the backups "
		    "made before now, then remove it\n"), old);
	else
		printf(_("the old passphrase no longer opens the instance; "
		    "backups made before now need it\n"));
	reply_free(&r);
	return EXIT_OK;
}
