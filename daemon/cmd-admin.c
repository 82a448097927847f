/*
 * Admin verbs for the people and the integrity of an instance: the list
 * of enrolled people, a new key for a lost one, the audit verifier key,
 * a scrub of every sealed row and the audit tree, and the rotation of
 * the master key. Nothing here is about workers.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "backup.h"
#include "cmd.h"
#include "config.h"
#include "ecod.h"
#include "instance.h"
#include "keys.h"
#include "log.h"
#include "passphrase.h"
#include "proto.h"
#include "rotate.h"
#include "sched.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

#define FINGERPRINT_BYTES	8	/* 16 hex digits of SHA-256(pk) */

/* PEOPLE: one data line a person enrolled, "name role state fingerprint
 * created"; the fingerprint is the first 16 hex digits of SHA-256 of the
 * 32-byte Ed25519 public key. Recorded before it is served. */
void
cmd_people(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct person		*p;
	unsigned char		 h[crypto_hash_sha256_BYTES];
	char			 fp[2 * FINGERPRINT_BYTES + 1], when[32], *f[5];
	struct tm		 tm;
	time_t			 t;
	size_t			 i;

	if (sched_record(s, a->actor, "people", NULL, 0, "ok", &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	for (i = 1; i < s->people.n; i++) {
		if ((p = s->people.v[i]) == NULL)
			continue;
		crypto_hash_sha256(h, p->pk, sizeof p->pk);
		sodium_bin2hex(fp, sizeof fp, h, FINGERPRINT_BYTES);
		t = (time_t)p->created;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(when, sizeof when, "-");
		f[0] = p->name;
		f[1] = p->role == PERSON_AUDITOR ? "auditor" : "counsellor";
		f[2] = p->revoked ? "revoked" : "active";
		f[3] = fp;
		f[4] = when;
		client_data(c, 5, f);
	}
	client_ok(c, 0, NULL);
}

/* REKEY counsellor|auditor name pubkey: a new key for a lost one; the
 * person's logged-in sessions end. */
void
cmd_rekey(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	struct person		*p;
	const unsigned char	*pk = a->v[2].bin;	/* 32 bytes, checked */
	int			 role;

	role = a->v[0].i == 0 ? PERSON_COUNSELLOR : PERSON_AUDITOR; /* w_roles */
	if ((p = sched_person_by_name(s, a->v[1].s)) == NULL) {
		client_err(c, ECO_ERR_NOTFOUND, "no such name enrolled");
		return;
	}
	if (sched_rekey(s, a->actor, p, role, pk, &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	server_logout_person(c->srv, p->id);
	client_ok(c, 0, NULL);
}

/*
 * VERIFY: opens every sealed row of the running instance with its AEAD
 * (store_verify, as at start) and rebuilds the audit tree against its
 * signed head (audit_verify, as at start). Replies a data line a table,
 * "table count", then "audit-tree size"; a row that fails is named by
 * table and id in the error. Recorded either way. Runs in the event
 * loop: the daemon answers no one else until it is done.
 */
void
cmd_verify(struct client *c, const struct args *a)
{
	struct ecod		*ecod = c->srv->ecod;
	const char *const	*t = store_tables();
	struct sched_err	 e;
	int64_t			*counts, rows;
	uint64_t		 size;
	char			*cause = NULL, num[24], *f[2];
	size_t			 i, n;
	int			 bad;

	/* What it reads must be committed: the batch open goes first. */
	if (sched_flush(ecod->sched, &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	for (n = 0; t[n] != NULL; n++)
		;
	counts = xcalloc(n, sizeof *counts);
	bad = store_verify(ecod->inst->store, counts, &rows, &cause) != 0 ||
	    audit_verify(ecod->audit, ecod->inst, &size, &cause) != 0;
	if (sched_record(ecod->sched, a->actor, "verify", NULL, 0, bad ?
	    "failed" : "ok", &e) != 0) {
		free(cause);
		free(counts);
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	if (bad) {
		log_warnx("verify: %s", cause);
		client_err(c, ECO_ERR_INTERNAL, "%s", cause);
		free(cause);
		free(counts);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(num, sizeof num, "%lld", (long long)counts[i]);
		f[0] = (char *)t[i];
		f[1] = num;
		client_data(c, 2, f);
	}
	snprintf(num, sizeof num, "%llu", (unsigned long long)size);
	f[0] = "audit-tree";
	f[1] = num;
	client_data(c, 2, f);
	client_ok(c, 0, NULL);
	free(counts);
}

/*
 * ROTATE-KEY [passphrase]: re-seals every row under a new master key
 * (rotate_key); the passphrase, base64, only in passphrase mode. Replies
 * "rows N", "stall_ms N" and "old_key PATH" (key-file mode) data lines.
 * The passphrase is copied to guarded memory and wiped; the decoded
 * field is wiped by the dispatcher.
 */
void
cmd_rotate_key(struct client *c, const struct args *a)
{
	const struct arg	*p = &a->v[0];
	struct rotate_result	 r;
	struct sched_err	 e;
	char			*pass = NULL, num[24], *old, *f[2];
	int			 rc;

	if (backup_copying(c->srv->ecod)) {
		/* Its thread reads rows with the keys a rotation replaces. */
		client_err(c, ECO_ERR_CONFLICT, "a backup is being copied; "
		    "rotate the key when it ends");
		return;
	}
	if (p->set) {
		if (memchr(p->bin, '\0', p->len) != NULL ||
		    memchr(p->bin, '\n', p->len) != NULL ||
		    p->len >= PASSPHRASE_MAX) {
			client_err(c, ECO_ERR_INVALID, "passphrase: one line "
			    "of at most %d bytes", PASSPHRASE_MAX - 1);
			return;
		}
		if ((pass = sodium_malloc(p->len + 1)) == NULL)
			fatalx("sodium_malloc failed");
		memcpy(pass, p->bin, p->len);
		pass[p->len] = '\0';
	}
	rc = rotate_key(c->srv->ecod, a->actor, pass, &r, &e);
	if (pass != NULL)
		sodium_free(pass);	/* wipes it */
	if (rc != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	f[1] = num;
	snprintf(num, sizeof num, "%lld", (long long)r.rows);
	f[0] = "rows";
	client_data(c, 2, f);
	snprintf(num, sizeof num, "%lld", r.ms);
	f[0] = "stall_ms";
	client_data(c, 2, f);
	if (r.kept) {
		old = key_file_sibling(c->srv->ecod->cf->master_key_file,
		    ".old");
		f[0] = "old_key";
		f[1] = old;
		client_data(c, 2, f);
		free(old);
	}
	client_ok(c, 0, NULL);
}
