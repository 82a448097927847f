/*
 * Master-key rotation: every sealed row re-sealed under a new master key
 * in one transaction, with the rotation's audit entry and, in passphrase
 * mode, the new KDF parameters, while the daemon keeps its connections.
 *
 * Key-file mode, so that a kill at any moment leaves an instance that
 * opens with one of the two keys:
 *  1. the new key goes to MASTER.new (created exclusively, synced with
 *     its directory); a stale one from a rotation that never committed
 *     is removed first;
 *  2. the transaction commits: from now on only the new key opens it;
 *  3. MASTER is kept as MASTER.old (a hard link), MASTER.new is renamed
 *     over MASTER, the directory synced. instance_open finishes this step
 *     when it finds that MASTER.new, not MASTER, opens the instance.
 * The blind index key is not rotated (see docs/DECISIONS.md): it is kept
 * in meta row META_INDEX_KEY, sealed like any row.
 */
#include <sys/stat.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ecod.h"
#include "instance.h"
#include "keys.h"
#include "log.h"
#include "proto.h"
#include "rotate.h"
#include "sched.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

/* Returns 1 if key (MASTER_KEY_BYTES) opens the instance row of st. */
static int
rotate_key_opens(struct store *st, struct seal *cur, const unsigned char *key)
{
	struct seal	*s = seal_create(key);
	unsigned char	 row[128];
	size_t		 len;
	char		*why = NULL;
	int		 rc;

	store_set_seal(st, s);
	rc = store_get(st, "meta", META_INSTANCE, row, sizeof row, &len, &why);
	store_set_seal(st, cur);
	seal_free(s);
	free(why);
	sodium_memzero(row, sizeof row);
	return rc == 0;
}

/*
 * Checks that the key file may be rotated and writes the new key to
 * MASTER.new (step 1). Returns 0 with the key in key, or -1 with e.
 */
static int
rotate_new_file(struct ecod *ecod, unsigned char *key, struct sched_err *e)
{
	const char	*f = ecod->cf->master_key_file;
	struct stat	 sb;
	char		*nk, *ok, *cause = NULL;
	int		 rc = -1;

	nk = key_file_sibling(f, ".new");
	ok = key_file_sibling(f, ".old");
	if (key_from_credential()) {
		sched_errf(e, ECO_ERR_POLICY, "the master key comes from the "
		    "systemd credential %s, which ecod cannot replace: give "
		    "it master_key_file instead (docs/OPERATIONS.md)",
		    KEY_CRED_FILE);
		goto out;
	}
	if (lstat(ok, &sb) == 0) {
		sched_errf(e, ECO_ERR_CONFLICT, "%s exists: remove it first, "
		    "after keeping it offline as long as backups sealed under "
		    "it exist", ok);
		goto out;
	}
	if (lstat(nk, &sb) == 0) {
		if (key_file_read(nk, key, &cause) == 0 &&
		    rotate_key_opens(ecod->inst->store, ecod->inst->seal,
		    key)) {
			sched_errf(e, ECO_ERR_CONFLICT, "%s opens this "
			    "instance: restart ecod to finish the rotation "
			    "that wrote it", nk);
			goto out;
		}
		free(cause);
		cause = NULL;
		if (unlink(nk) != 0) {
			sched_errf(e, ECO_ERR_INTERNAL, "cannot remove the "
			    "stale %s: %s", nk, strerror(errno));
			goto out;
		}
		log_info("%s: removed, from a rotation that did not commit",
		    nk);
	}
	if (key_file_create(nk, key, &cause) != 0 ||
	    key_dir_sync(nk, &cause) != 0) {
		log_warnx("rotate-key: %s", cause);
		sched_errf(e, ECO_ERR_INTERNAL, "%s", cause);
		free(cause);
		goto out;
	}
	rc = 0;
out:
	free(nk);
	free(ok);
	return rc;
}

/* Milliseconds between two monotonic times. */
static long long
rotate_ms(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

/*
 * The one transaction: the index key kept, every row re-sealed under
 * next, the new KDF parameters (kdf, or NULL), the audit entry. The store
 * writes under next from the re-seal on; on failure it goes back to the
 * current seal and nothing is changed.
 */
static int
rotate_commit(struct ecod *ecod, const char *actor, struct seal *next,
    const struct store_kdf *kdf, int64_t *rows, struct sched_err *e)
{
	struct store	*st = ecod->inst->store;
	struct seal	*cur = ecod->inst->seal;
	unsigned char	 probe[SEAL_INDEX_KEY_BYTES];
	char		 outcome[48], *cause = NULL;
	size_t		 len;
	int		 rc;

	if (store_begin(st, &cause) != 0)
		return sched_err_store(ecod->sched, e, cause);
	rc = store_get(st, "meta", META_INDEX_KEY, probe, sizeof probe, &len,
	    &cause);
	sodium_memzero(probe, sizeof probe);
	if (rc == STORE_NOTFOUND)
		rc = store_insert(st, "meta", META_INDEX_KEY,
		    seal_index_key(cur), SEAL_INDEX_KEY_BYTES, &cause);
	if (rc != 0 || store_reseal(st, next, rows, &cause) != 0 ||
	    (kdf != NULL && store_kdf_update(st, kdf, &cause) != 0))
		goto fail;
	store_set_seal(st, next);
	snprintf(outcome, sizeof outcome, "ok rows=%lld", (long long)*rows);
	if (sched_audit(ecod->sched, actor, "rotate-key", NULL, 0, outcome,
	    &cause) != 0 || sched_commit(ecod->sched, &cause) != 0)
		goto fail;
	seal_swap(cur, next);	/* whoever holds cur now has the new keys */
	store_set_seal(st, cur);
	return 0;
fail:
	store_set_seal(st, cur);
	return sched_err_store(ecod->sched, e, cause);
}

/*
 * Rotates the master key: to one derived from pass under fresh KDF
 * parameters in passphrase mode (pass NULL otherwise), else to a new
 * random key file. Fills r; returns 0, or -1 with e (nothing changed,
 * unless e says the rotation committed).
 */
int
rotate_key(struct ecod *ecod, const char *actor, const char *pass,
    struct rotate_result *r, struct sched_err *e)
{
	const struct config	*cf = ecod->cf;
	struct store_kdf	 kdf;
	struct seal		*next;
	struct timespec		 t0, t1;
	unsigned char		*key;
	char			*cause = NULL;
	int			 rc, batching;

	memset(r, 0, sizeof *r);
	if (pass != NULL && !cf->master_key_passphrase)
		return sched_errf(e, ECO_ERR_USAGE, "this instance's master "
		    "key is a key file: rotate-key without --passphrase");
	if (pass == NULL && cf->master_key_passphrase)
		return sched_errf(e, ECO_ERR_USAGE, "this instance's master "
		    "key comes from a passphrase: rotate-key --passphrase");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	key = key_alloc(MASTER_KEY_BYTES);
	if (pass == NULL)
		rc = rotate_new_file(ecod, key, e);
	else {
		passphrase_kdf_new(&kdf);
		if ((rc = passphrase_derive(pass, &kdf, key, &cause)) != 0) {
			sched_errf(e, ECO_ERR_INTERNAL, "%s", cause);
			free(cause);
		}
	}
	if (rc != 0) {
		sodium_free(key);
		return -1;
	}
	next = seal_create(key);
	sodium_free(key);
	seal_set_index_key(next, seal_index_key(ecod->inst->seal));

	/*
	 * Alone, never in a group-commit batch: the keys are swapped and the
	 * key file promoted only once the re-sealed rows are durable. So the
	 * open batch is flushed first, and the rotation commits by itself.
	 */
	batching = ecod->sched->batching;
	if (sched_flush(ecod->sched, e) != 0)
		rc = -1;
	else {
		ecod->sched->batching = 0;
		store_batching(ecod->inst->store, 0);
		rc = rotate_commit(ecod, actor, next, pass != NULL ? &kdf :
		    NULL, &r->rows, e);
		ecod->sched->batching = batching;
		store_batching(ecod->inst->store, batching);
	}
	seal_free(next);		/* the old keys, after a commit */
	if (rc != 0)
		return -1;	/* MASTER.new stays: see rotate_new_file */
	if (pass == NULL) {
		if (key_file_promote(cf->master_key_file, &cause) != 0) {
			log_warnx("rotate-key: %s", cause);
			sched_errf(e, ECO_ERR_INTERNAL, "the rotation "
			    "committed, but %s; the new key is in %s.new, "
			    "which ecod moves into place when it next starts",
			    cause, cf->master_key_file);
			free(cause);
			return -1;
		}
		r->kept = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->ms = rotate_ms(&t0, &t1);
	log_info("rotate-key: %lld rows re-sealed; %lld ms in all",
	    (long long)r->rows, r->ms);
	return 0;
}
