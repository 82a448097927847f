/*
 * Login by challenge and signature, enrolment and revocation. The daemon
 * holds public keys only: it never sees a passphrase or a secret key.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmd.h"
#include "ecod.h"
#include "log.h"
#include "proto.h"
#include "sched.h"
#include "sealed.h"
#include "server.h"
#include "xmalloc.h"

#define LOCKOUT_AFTER		5	/* failures before a person waits */
#define LOCKOUT_MAX_SECONDS	3600
#define AUTH_FAILS_PER_CONN	3	/* then the connection is closed */

/* Answers a fresh challenge for login (a person's id, -1 for an unknown
 * name, or LOGIN_AS_RECOVERY); one AUTH may answer it. */
static void
challenge(struct client *c, int64_t login)
{
	char	 b64[sodium_base64_ENCODED_LEN(LOGIN_CHALLENGE_BYTES,
		    sodium_base64_VARIANT_ORIGINAL)], *ok[1];

	c->login = login;
	randombytes_buf(c->challenge, sizeof c->challenge);
	c->challenged = 1;
	sodium_bin2base64(b64, sizeof b64, c->challenge, sizeof c->challenge,
	    sodium_base64_VARIANT_ORIGINAL);
	ok[0] = b64;
	client_ok(c, 1, ok);
}

/* LOGIN name: a challenge for the client to sign. Unknown names get one
 * too, so the answer says nothing of who is enrolled. */
void
cmd_login(struct client *c, const struct args *a)
{
	struct person	*p;

	if (c->person != 0) {
		client_err(c, ECO_ERR_CONFLICT, "logged in already");
		return;
	}
	p = sched_person_by_name(c->srv->ecod->sched, a->v[0].s);
	challenge(c, p == NULL ? -1 : p->id);
}

/* LOGIN-RECOVERY: a challenge for the holder of the recovery key. */
void
cmd_login_recovery(struct client *c, const struct args *a)
{
	if (!c->srv->ecod->sched->has_recovery) {
		client_err(c, ECO_ERR_NOTFOUND, "no recovery key is "
		    "configured");
		return;
	}
	challenge(c, LOGIN_AS_RECOVERY);
}

/* Returns 1 if sig signs the login message for name and key pk. */
static int
login_verify(struct client *c, const unsigned char *sig, const char *name,
    const unsigned char *pk)
{
	unsigned char	*msg;
	size_t		 namelen = strlen(name), msglen;
	int		 good;

	msglen = sizeof LOGIN_CONTEXT + LOGIN_CHALLENGE_BYTES + namelen;
	msg = xmalloc(msglen);
	memcpy(msg, LOGIN_CONTEXT, sizeof LOGIN_CONTEXT);	/* with NUL */
	memcpy(msg + sizeof LOGIN_CONTEXT, c->challenge, LOGIN_CHALLENGE_BYTES);
	memcpy(msg + sizeof LOGIN_CONTEXT + LOGIN_CHALLENGE_BYTES, name,
	    namelen);
	good = crypto_sign_verify_detached(sig, msg, msglen, pk) == 0;
	free(msg);
	return good;
}

/* Counts a failed login against the person and the connection. */
static void
auth_failed(struct client *c, struct person *p, time_t now)
{
	struct sched_err e;
	unsigned int	 over;
	time_t		 wait;

	if (p != NULL && ++p->fails >= LOCKOUT_AFTER) {
		over = p->fails - LOCKOUT_AFTER;
		wait = over >= 7 ? LOCKOUT_MAX_SECONDS : (time_t)30 << over;
		if (wait > LOCKOUT_MAX_SECONDS)
			wait = LOCKOUT_MAX_SECONDS;
		p->locked_until = now + wait;
		log_warnx("person %lld: %u failed logins; locked for %lld s",
		    (long long)p->id, p->fails, (long long)wait);
	}
	sched_record(c->srv->ecod->sched, "login", p != NULL ? "person" :
	    NULL, p != NULL ? p->id : 0, "failed", &e);
	client_err(c, ECO_ERR_AUTH, "login failed");
	if (++c->auth_fails >= AUTH_FAILS_PER_CONN)
		client_close(c);
}

/* AUTH signature: checks the signed challenge and grants the role. */
void
cmd_auth(struct client *c, const struct args *a)
{
	struct sched	*s = c->srv->ecod->sched;
	struct person	*p;
	struct sched_err e;
	const unsigned char *sig = a->v[0].bin;	/* crypto_sign_BYTES */
	time_t		 now = time(NULL);
	char		*ok[2];
	int		 good;

	if (!c->challenged) {
		client_err(c, ECO_ERR_AUTH, "say LOGIN name first");
		return;
	}
	c->challenged = 0;			/* one try a challenge */
	p = c->login > 0 ? sched_person(s, c->login) : NULL;
	if (p != NULL && p->locked_until > now) {
		sched_record(s, "login", "person", p->id, "locked", &e);
		client_err(c, ECO_ERR_LIMIT, "too many failed logins; try "
		    "again in %lld seconds", (long long)(p->locked_until - now));
		return;
	}
	if (c->login == LOGIN_AS_RECOVERY) {
		good = login_verify(c, sig, "recovery", s->recovery);
		sodium_memzero(c->challenge, sizeof c->challenge);
		if (!good) {
			auth_failed(c, NULL, now);
			return;
		}
		c->roles |= ROLE_RECOVERY;
		audit_set_actor(s->audit, "recovery", NULL);
		sched_record(s, "login-recovery", NULL, 0, "ok", &e);
		log_info("connection %llu: recovery key proved",
		    (unsigned long long)c->id);
		ok[0] = "recovery";
		ok[1] = "recovery";
		client_ok(c, 2, ok);
		return;
	}
	good = p != NULL && !p->revoked && login_verify(c, sig, p->name, p->pk);
	sodium_memzero(c->challenge, sizeof c->challenge);
	if (!good) {
		auth_failed(c, p, now);
		return;
	}
	p->fails = 0;
	p->locked_until = 0;
	c->person = p->id;
	c->roles |= p->role == PERSON_AUDITOR ? ROLE_AUDITOR : ROLE_COUNSELLOR;
	audit_set_actor(s->audit, p->role == PERSON_AUDITOR ? "auditor" :
	    "counsellor", p->name);
	sched_record(s, "login", "person", p->id, "ok", &e);
	log_debug("connection %llu: person %lld logged in",
	    (unsigned long long)c->id, (long long)p->id);
	ok[0] = p->role == PERSON_AUDITOR ? "auditor" : "counsellor";
	ok[1] = p->name;
	client_ok(c, 2, ok);
}

/* ENROL counsellor|auditor name pubkey */
void
cmd_enrol(struct client *c, const struct args *a)
{
	struct sched_err	 e;
	const unsigned char	*pk = a->v[2].bin;	/* 32 bytes */
	unsigned char		 curve[32];
	int			 role;

	role = a->v[0].i == 0 ? PERSON_COUNSELLOR : PERSON_AUDITOR;
	if (crypto_sign_ed25519_pk_to_curve25519(curve, pk) != 0) {
		client_err(c, ECO_ERR_INVALID, "pubkey: not a public key from "
		    "ecoctl keygen");
		return;
	}
	if (sched_enrol(c->srv->ecod->sched, role, a->v[1].s, pk, &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	client_ok(c, 0, NULL);
}

/* REVOKE name: no more logins; open sessions of that person end. */
void
cmd_revoke(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct person		*p = sched_person_by_name(s, a->v[0].s);
	struct sched_err	 e;

	if (p == NULL) {
		client_err(c, ECO_ERR_NOTFOUND, "no such name enrolled");
		return;
	}
	if (sched_revoke(s, p, &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	server_logout_person(c->srv, p->id);
	client_ok(c, 0, NULL);
}
