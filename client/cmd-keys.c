/* ecoctl keygen, login, and the admin's enrolment and revocation. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecoctl.h"
#include "keyfile.h"
#include "passphrase.h"
#include "sealed.h"
#include "xmalloc.h"

/* Returns the default key name: the file's base name up to its first dot. */
static char *
default_name(const char *path)
{
	const char	*base = strrchr(path, '/');

	base = base == NULL ? path : base + 1;
	return xstrndup(base, strcspn(base, "."));
}

/* keygen --out FILE [--name NAME] */
int
ctl_keygen(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "out=", "name=", NULL };
	unsigned char	 pk[32];
	char		*v[2], *name, *pass, *cause, *pub;
	int		 rc;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[0] == NULL)
		return ctl_usage(ctl);
	name = v[1] != NULL ? xstrdup(v[1]) : default_name(v[0]);
	if (!key_name_valid(name)) {
		free(name);
		return ctl_fail("a key name is 1 to %d letters, digits, dots, "
		    "hyphens or underscores; give one with --name",
		    KEY_NAME_MAX);
	}
	if ((pass = ctl_passphrase(ctl, "New passphrase for the key: ", 1)) ==
	    NULL) {
		free(name);
		return EXIT_FAIL;
	}
	rc = keyfile_create(v[0], name, pass, pk, &cause);
	passphrase_free(pass);
	free(name);
	if (rc != 0) {
		ctl_fail("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	pub = pubkey_encode(pk);
	printf("%s\n", pub);
	free(pub);
	return EXIT_OK;
}

/*
 * Loads the key file at path into ctl->kf and unlocks it with the
 * passphrase; the key stays there (guarded memory), wiped at exit.
 */
int
ctl_unlock(struct ctl *ctl, const char *path, const char *prompt)
{
	char	*pass, *cause;
	int	 rc;

	ctl_lock(ctl);
	ctl->kf = xcalloc(1, sizeof *ctl->kf);
	ctl->kf_path = xstrdup(path);
	if (keyfile_load(path, ctl->kf, &cause) != 0) {
		ctl_fail("%s", cause);
		free(cause);
		ctl_lock(ctl);
		return EXIT_FAIL;
	}
	if ((pass = ctl_passphrase(ctl, prompt, 0)) == NULL) {
		ctl_lock(ctl);
		return EXIT_FAIL;
	}
	rc = keyfile_unlock(ctl->kf, pass, &cause);
	passphrase_free(pass);
	if (rc != 0) {
		ctl_fail("%s: %s", path, cause);
		free(cause);
		ctl_lock(ctl);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Forgets the unlocked key, wiped (keyfile_clear), and closes what is
 * logged in with it. */
void
ctl_lock(struct ctl *ctl)
{
	if (ctl->kf != NULL) {
		keyfile_clear(ctl->kf);
		free(ctl->kf);
		ctl->kf = NULL;
	}
	free(ctl->kf_path);
	ctl->kf_path = NULL;
	/* What is logged in with it ends with it. */
	if (ctl->logged_in && ctl->conn != NULL) {
		conn_close(ctl->conn);
		ctl->conn = NULL;
	}
	if (ctl->held != NULL) {
		conn_close(ctl->held);
		ctl->held = NULL;
	}
	ctl->logged_in = 0;
}

/*
 * Asks for a challenge with verb (and its field, or NULL) and answers it:
 * the unlocked key signs LOGIN_CONTEXT, NUL, the challenge and name.
 */
int
ctl_answer(struct ctl *ctl, char *verb, char *field, const char *name)
{
	struct reply	 r;
	unsigned char	 chal[LOGIN_CHALLENGE_BYTES], sig[crypto_sign_BYTES];
	unsigned char	*msg;
	char		 sig64[128], *req[2] = { verb, field };
	size_t		 len, namelen = strlen(name), msglen;

	if (ctl_request(ctl, field != NULL ? 2 : 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc != 1 || sodium_base642bin(chal, sizeof chal,
	    r.final.argv[0], strlen(r.final.argv[0]), NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || len != sizeof chal) {
		reply_free(&r);
		return ctl_fail("bad challenge from the daemon");
	}
	reply_free(&r);
	msglen = sizeof LOGIN_CONTEXT + sizeof chal + namelen;
	msg = xmalloc(msglen);
	memcpy(msg, LOGIN_CONTEXT, sizeof LOGIN_CONTEXT);	/* with NUL */
	memcpy(msg + sizeof LOGIN_CONTEXT, chal, sizeof chal);
	memcpy(msg + sizeof LOGIN_CONTEXT + sizeof chal, name, namelen);
	crypto_sign_detached(sig, NULL, msg, msglen, ctl->kf->sk);
	free(msg);
	sodium_bin2base64(sig64, sizeof sig64, sig, sizeof sig,
	    sodium_base64_VARIANT_ORIGINAL);
	req[0] = "AUTH";
	req[1] = sig64;
	if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	reply_free(&r);
	return EXIT_OK;
}

/*
 * Logs in as the counsellor or auditor of the key file (--key, ECO_KEY),
 * once a connection: a key already unlocked (ecoctl shell) signs the new
 * connection's fresh challenge without asking the passphrase again.
 */
int
ctl_login(struct ctl *ctl)
{
	if (ctl->key == NULL)
		return ctl_needs_key(ctl);
	/* Another key named since (a shell's later --key): that one. */
	if (ctl->kf != NULL && strcmp(ctl->kf_path, ctl->key) != 0)
		ctl_lock(ctl);
	/* The shell's logged-in connection, held between commands. */
	if (ctl->held != NULL && ctl->conn == NULL) {
		ctl->conn = ctl->held;
		ctl->held = NULL;
		ctl->logged_in = 1;
	}
	if (ctl->logged_in && ctl->conn != NULL)
		return EXIT_OK;
	if (ctl->kf == NULL &&
	    ctl_unlock(ctl, ctl->key, "Passphrase: ") != EXIT_OK)
		return EXIT_FAIL;
	if (ctl_answer(ctl, "LOGIN", ctl->kf->name, ctl->kf->name) != EXIT_OK)
		return EXIT_FAIL;
	ctl->logged_in = 1;
	return EXIT_OK;
}

/* Sends "verb role NAME PUBKEY" (ENROL, REKEY): nothing to print. */
int
ctl_role_key(struct ctl *ctl, int argc, char **argv, char *verb, char *role)
{
	struct reply	 r;
	char		*req[4];
	int		 i;

	if ((i = ctl_parse(ctl, argc, argv, NULL, NULL, 2, 2)) < 0)
		return EXIT_USAGE;
	req[0] = verb;
	req[1] = role;
	req[2] = argv[i];
	req[3] = argv[i + 1];
	if (ctl_request(ctl, 4, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	reply_free(&r);
	return EXIT_OK;
}

/* admin counsellor add NAME PUBKEY */
int
ctl_enrol_counsellor(struct ctl *ctl, int argc, char **argv)
{
	return ctl_role_key(ctl, argc, argv, "ENROL", "counsellor");
}

/* admin auditor add NAME PUBKEY */
int
ctl_enrol_auditor(struct ctl *ctl, int argc, char **argv)
{
	return ctl_role_key(ctl, argc, argv, "ENROL", "auditor");
}

/* admin revoke NAME */
int
ctl_revoke(struct ctl *ctl, int argc, char **argv)
{
	return ctl_verb(ctl, argc, argv, "REVOKE", 1, 0, NULL);
}
