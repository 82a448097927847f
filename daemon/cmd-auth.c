/*
 * Login by challenge and signature, enrolment and revocation. The daemon
 * holds public keys only: it never sees a passphrase or a secret key.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cmd.h"
#include "config.h"
#include "ecod.h"
#include "log.h"
#include "proto.h"
#include "sched.h"
#include "sealed.h"
#include "server.h"
#include "xmalloc.h"

#define AUTH_FAILS_PER_CONN	3	/* then the connection is closed */
#define FAIL_UID_SLOTS		256

/*
 * Failed logins are throttled by their source, never by the name they
 * claim: a correct signature is accepted at once whatever anyone else
 * sent, so no one can lock out the holder of a key (docs/AUDIT.md). A
 * connection gets AUTH_FAILS_PER_CONN tries; past login_failures_per_uid
 * failures from its peer uid in a window, or login_failures_global from
 * everyone, each failure closes its connection. Counters in memory only;
 * the uid is a key here and is never logged or written.
 */
struct fail_uid {
	uid_t		 uid;
	int		 n;
};
static struct {
	time_t		 window;		/* start of the current one */
	int		 n;			/* failures in it, all sources */
	int		 nuids;
	struct fail_uid	 uids[FAIL_UID_SLOTS];
} fails;

/* A key no one holds: names that cannot log in (unknown, revoked) are
 * checked against it, so every AUTH does the same work. */
static unsigned char	 nobody_pk[crypto_sign_PUBLICKEYBYTES];
static int		 nobody_made;

/* Returns the public half of a key pair whose secret half is gone. */
static const unsigned char *
nobody_key(void)
{
	unsigned char	*sk;

	if (!nobody_made) {
		if ((sk = sodium_malloc(crypto_sign_SECRETKEYBYTES)) == NULL)
			fatalx("sodium_malloc failed");
		crypto_sign_keypair(nobody_pk, sk);
		sodium_free(sk);		/* wipes it */
		nobody_made = 1;
	}
	return nobody_pk;
}

/* Answers a fresh challenge for login (a person's id, -1 for an unknown
 * name, or LOGIN_AS_RECOVERY); one AUTH may answer it. */
static void
challenge(struct client *c, int64_t login)
{
	char	 b64[sodium_base64_ENCODED_LEN(LOGIN_CHALLENGE_BYTES,
		    sodium_base64_VARIANT_ORIGINAL)], *ok[1];

	nobody_key();			/* made now, so no AUTH pays for it */
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

/* Counts a failure from uid at now; returns 1 if its source (the uid, or
 * everyone) is over its budget for the window. */
static int
fails_count(const struct config *cf, uid_t uid, time_t now)
{
	struct fail_uid	*u = NULL;
	int		 i, over;

	if (now - fails.window >= cf->audit_window_seconds || now <
	    fails.window) {
		fails.window = now;
		fails.n = 0;
		fails.nuids = 0;
	}
	for (i = 0; i < fails.nuids; i++)
		if (fails.uids[i].uid == uid)
			u = &fails.uids[i];
	if (u == NULL && fails.nuids < FAIL_UID_SLOTS) {
		u = &fails.uids[fails.nuids++];
		u->uid = uid;
		u->n = 0;
	}
	if (u == NULL) {			/* full: the least failing */
		u = &fails.uids[0];
		for (i = 1; i < fails.nuids; i++)
			if (fails.uids[i].n < u->n)
				u = &fails.uids[i];
		u->uid = uid;
		u->n = 0;
	}
	if (++u->n == cf->login_failures_per_uid + 1)
		log_info("failed logins: a peer passed %d this window; each "
		    "failure now closes its connection",
		    cf->login_failures_per_uid);
	if (++fails.n == cf->login_failures_global + 1)
		log_info("failed logins: over %d this window from all peers; "
		    "each failure now closes its connection",
		    cf->login_failures_global);
	over = u->n > cf->login_failures_per_uid ||
	    fails.n > cf->login_failures_global;
	return over;
}

/*
 * A failed login, whatever the reason (no such name, revoked, a bad
 * signature): one answer, one audit path, counted against the source.
 */
static void
auth_failed(struct client *c, const char *action, struct person *p)
{
	const struct config	*cf = c->srv->ecod->cf;
	int			 over;

	cmd_refused(c, action, "person", p != NULL ? p->id : 0);
	over = fails_count(cf, c->uid, time(NULL));
	client_err(c, ECO_ERR_AUTH, "login failed");
	if (++c->auth_fails >= AUTH_FAILS_PER_CONN || over)
		client_close(c);
}

/* AUTH signature: checks the signed challenge and grants the role. A
 * name that cannot log in is checked against nobody_key, so an enrolled,
 * revoked or unknown name costs the same and gets the same answer. */
void
cmd_auth(struct client *c, const struct args *a)
{
	struct sched	*s = c->srv->ecod->sched;
	struct person	*p;
	struct sched_err e;
	const unsigned char *sig = a->v[0].bin;	/* crypto_sign_BYTES */
	char		*ok[2], actor[AUDIT_ACTOR_MAX];
	int		 good, usable;

	if (!c->challenged) {
		client_err(c, ECO_ERR_AUTH, "say LOGIN name first");
		return;
	}
	c->challenged = 0;			/* one try a challenge */
	p = c->login > 0 ? sched_person(s, c->login) : NULL;
	if (c->login == LOGIN_AS_RECOVERY) {
		good = login_verify(c, sig, "recovery", s->recovery);
		sodium_memzero(c->challenge, sizeof c->challenge);
		if (!good) {
			auth_failed(c, "login-recovery", NULL);
			return;
		}
		if (sched_record(s, "recovery", "login-recovery", NULL, 0,
		    "ok", &e) != 0) {
			client_err(c, e.code, "%s", e.msg);
			return;
		}
		c->roles |= ROLE_RECOVERY;
		log_info("connection %llu: recovery key proved",
		    (unsigned long long)c->id);
		ok[0] = "recovery";
		ok[1] = "recovery";
		client_ok(c, 2, ok);
		return;
	}
	usable = p != NULL && !p->revoked;
	good = login_verify(c, sig, usable ? p->name : "-", usable ? p->pk :
	    nobody_key());
	sodium_memzero(c->challenge, sizeof c->challenge);
	if (!good || !usable) {
		auth_failed(c, "login", p);
		return;
	}
	snprintf(actor, sizeof actor, "%s:%s", p->role == PERSON_AUDITOR ?
	    "auditor" : "counsellor", p->name);
	/* Recorded before it is granted: no entry, no login. */
	if (sched_record(s, actor, "login", "person", p->id, "ok",
	    &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	c->person = p->id;
	c->roles |= p->role == PERSON_AUDITOR ? ROLE_AUDITOR : ROLE_COUNSELLOR;
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
	const unsigned char	*pk = a->v[2].bin;	/* 32 bytes, checked */
	int			 role;

	role = a->v[0].i == 0 ? PERSON_COUNSELLOR : PERSON_AUDITOR; /* w_roles */
	if (sched_enrol(c->srv->ecod->sched, a->actor, role, a->v[1].s, pk,
	    &e) != 0) {
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
	if (sched_revoke(s, a->actor, p, &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	server_logout_person(c->srv, p->id);
	client_ok(c, 0, NULL);
}
