/*
 * Online backup (BACKUP, BACKUP-READ, BACKUP-END). One at a time:
 *
 *  1. BACKUP records "backup begun" and commits it (flushing the batch it
 *     joined), then at once, in the same callback (so no other write
 *     comes between), opens a
 *     snapshot: a second connection holding a read transaction. The copy
 *     therefore ends with that entry, and its tree size is its sequence
 *     number: an auditor who verified the log past it can later recognise
 *     a restore to exactly this copy (docs/OPERATIONS.md, docs/AUDIT.md).
 *  2. A thread copies the snapshot with SQLite's backup API into a file in
 *     data_dir, runs integrity_check on it, opens every sealed row with
 *     the instance key, hashes it and unlinks its name, keeping only the
 *     descriptor. The loop keeps serving meanwhile; the connection that
 *     asked waits (client_wait) and gets, when the thread is done,
 *     "OK bytes sha256 tree-size rows".
 *  3. That connection reads the copy in pages (BACKUP-READ offset), base64
 *     data lines, and writes it where it likes: ecoctl, as the operator,
 *     so the daemon writes nothing outside data_dir. BACKUP-END, or a
 *     connection that read every byte and went, records "backup ok
 *     size=N"; a copy that fails, or a connection that goes before it has
 *     read it all, records "backup failed size=N sent=B".
 *
 * The copy holds sealed rows only, like the database: never the key.
 */
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "backup.h"
#include "cmd.h"
#include "config.h"
#include "ecod.h"
#include "instance.h"
#include "log.h"
#include "proto.h"
#include "sched.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

/* The copy's name while it is made; unlinked once checked. */
#define BACKUP_TMP	"ecod.backup.tmp"

enum backup_state { BK_COPYING, BK_READY };

struct backup {
	struct ecod		*ecod;
	struct client		*client;	/* NULL once it has gone */
	enum backup_state	 state;
	struct store_snapshot	*snap;
	struct seal		*seal;		/* the instance's, not owned */
	char			 actor[AUDIT_ACTOR_MAX];	/* who asked */
	char			*tmp;		/* data_dir/BACKUP_TMP */
	uint64_t		 tree;		/* entries in the copy */
	pthread_t		 thread;
	int			 wake[2];	/* the thread writes a byte */
	struct event		*done;
	/* Set by the thread, read by the loop once woken. */
	int			 rc;
	char			*cause;
	int			 fd;		/* the copy, name unlinked */
	uint64_t		 bytes;
	uint64_t		 covered;	/* bytes sent from 0, no gap */
	uint64_t		 sent;		/* bytes sent in all */
	int64_t			 rows;
	unsigned char		 sha[crypto_hash_sha256_BYTES];
};

/* Hashes and measures the copy on fd from its start. */
static int
backup_hash(struct backup *b, char **cause)
{
	crypto_hash_sha256_state	 h;
	unsigned char			 buf[65536];
	ssize_t				 n;
	off_t				 off = 0;

	crypto_hash_sha256_init(&h);
	while ((n = pread(b->fd, buf, sizeof buf, off)) > 0) {
		crypto_hash_sha256_update(&h, buf, (size_t)n);
		off += n;
	}
	if (n < 0) {
		xasprintf(cause, "%s: read: %s", b->tmp, strerror(errno));
		return -1;
	}
	crypto_hash_sha256_final(&h, b->sha);
	b->bytes = (uint64_t)off;
	return 0;
}

/*
 * The thread: copy, check, hash. Uses only the snapshot, a store of its
 * own on the copy, and the seal's keys (read-only memory); then wakes the
 * loop.
 */
static void *
backup_thread(void *arg)
{
	struct backup	*b = arg;
	struct store	*st = NULL;
	char		 x = 'x';
	int		 fd;

	b->rc = -1;
	b->fd = -1;
	store_unlink(b->tmp);
	fd = open(b->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		xasprintf(&b->cause, "%s: %s", b->tmp, strerror(errno));
		goto out;
	}
	close(fd);
	if (store_snapshot_copy(b->snap, b->tmp, &b->cause) != 0)
		goto out;
	store_snapshot_free(b->snap);
	b->snap = NULL;
	if ((st = store_open(b->tmp, 0, &b->cause)) == NULL)
		goto out;
	store_set_seal(st, b->seal);
	if (store_integrity(st, &b->cause) != 0 ||
	    store_verify(st, NULL, &b->rows, &b->cause) != 0)
		goto out;
	store_close(st);
	st = NULL;
	if ((b->fd = open(b->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		xasprintf(&b->cause, "%s: %s", b->tmp, strerror(errno));
		goto out;
	}
	if (backup_hash(b, &b->cause) != 0)
		goto out;
	b->rc = 0;
out:
	store_close(st);
	store_unlink(b->tmp);		/* the descriptor keeps the copy */
	if (b->rc != 0 && b->fd != -1) {
		close(b->fd);
		b->fd = -1;
	}
	while (write(b->wake[1], &x, 1) == -1 && errno == EINTR)
		;
	return NULL;
}

/*
 * Records the end of a backup: "ok size=N" once every byte of the copy
 * has been sent (BACKUP-END, or a connection that read it all and went),
 * else "failed size=N sent=B" with the bytes that did leave (counted as
 * often as they were sent).
 */
static void
backup_record(struct backup *b, const char *actor)
{
	struct sched_err	 e;
	char			 outcome[80];

	/* A connection that goes may end it while a batch's COMMIT is in
	 * flight: that batch settles first, so this entry has its own. */
	sched_settle(b->ecod->sched, &e);
	if (b->state == BK_READY && b->covered == b->bytes)
		snprintf(outcome, sizeof outcome, "ok size=%llu",
		    (unsigned long long)b->tree);
	else
		snprintf(outcome, sizeof outcome, "failed size=%llu sent=%llu",
		    (unsigned long long)b->tree, (unsigned long long)b->sent);
	/* Flushed at once: no client's reply waits on this entry, and a
	 * batch that failed later would lose it unsaid. */
	if (sched_record(b->ecod->sched, actor, "backup", NULL, 0, outcome,
	    &e) != 0 || sched_flush(b->ecod->sched, &e) != 0)
		log_warnx("backup: cannot record its end (%s): %s", outcome,
		    e.msg);
}

/* Frees the job; the thread has ended. */
static void
backup_free(struct backup *b)
{
	b->ecod->backup = NULL;
	if (b->done != NULL)
		event_free(b->done);
	if (b->wake[0] != -1)
		close(b->wake[0]);
	if (b->wake[1] != -1)
		close(b->wake[1]);
	if (b->fd != -1)
		close(b->fd);
	store_snapshot_free(b->snap);
	free(b->cause);
	free(b->tmp);
	free(b);
}

/* The thread is done: answer the waiting connection, if it is still here. */
static void
backup_done_cb(evutil_socket_t fd, short what, void *arg)
{
	struct backup	*b = arg;
	struct client	*c = b->client;
	char		 hex[2 * crypto_hash_sha256_BYTES + 1];
	char		 bytes[24], tree[24], rows[24], *f[4], *cause;

	pthread_join(b->thread, NULL);
	if (b->rc != 0) {
		/* Freed before the client's queued lines run: none finds it. */
		log_warnx("backup: %s", b->cause);
		backup_record(b, b->actor);
		cause = b->cause;
		b->cause = NULL;
		backup_free(b);
		if (c != NULL) {
			client_err(c, ECO_ERR_INTERNAL, "the backup failed: %s",
			    cause);
			client_resume(c);
		}
		free(cause);
		return;
	}
	if (c == NULL) {
		backup_record(b, b->actor);
		backup_free(b);
		return;
	}
	b->state = BK_READY;
	log_info("backup: copy of %llu bytes ready (audit tree size %llu)",
	    (unsigned long long)b->bytes, (unsigned long long)b->tree);
	sodium_bin2hex(hex, sizeof hex, b->sha, sizeof b->sha);
	snprintf(bytes, sizeof bytes, "%llu", (unsigned long long)b->bytes);
	snprintf(tree, sizeof tree, "%llu", (unsigned long long)b->tree);
	snprintf(rows, sizeof rows, "%lld", (long long)b->rows);
	f[0] = bytes;
	f[1] = hex;
	f[2] = tree;
	f[3] = rows;
	client_ok(c, 4, f);
	client_resume(c);	/* b may be gone: a queued BACKUP-END */
}

/* BACKUP: the "begun" entry, the snapshot, the thread; the reply waits. */
void
cmd_backup(struct client *c, const struct args *a)
{
	struct ecod		*ecod = c->srv->ecod;
	struct sched_err	 e;
	struct backup		*b;
	char			*cause = NULL;

	if (ecod->stopping) {		/* shutdown joined the last one */
		client_err(c, ECO_ERR_BUSY, "the service is stopping; try "
		    "again once it is back");
		return;
	}
	if (ecod->backup != NULL) {
		client_err(c, ECO_ERR_CONFLICT, "a backup is in progress; try "
		    "again when it ends");
		return;
	}
	/* Durable before the snapshot: the copy must end with it. */
	if (sched_record(ecod->sched, a->actor, "backup", NULL, 0, "begun",
	    &e) != 0 || sched_flush(ecod->sched, &e) != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	b = xcalloc(1, sizeof *b);
	b->ecod = ecod;
	b->client = c;
	b->fd = b->wake[0] = b->wake[1] = -1;
	b->seal = ecod->inst->seal;
	snprintf(b->actor, sizeof b->actor, "%s", a->actor);
	b->tree = ecod->audit->n;
	xasprintf(&b->tmp, "%s/%s", ecod->cf->data_dir, BACKUP_TMP);
	ecod->backup = b;
	/* Now, before any other write: the copy ends with "begun". */
	if ((b->snap = store_snapshot(ecod->inst->store, &cause)) == NULL)
		goto fail;
	if (pipe2(b->wake, O_CLOEXEC | O_NONBLOCK) != 0 ||
	    (b->done = event_new(ecod->base, b->wake[0], EV_READ,
	    backup_done_cb, b)) == NULL || event_add(b->done, NULL) != 0) {
		xasprintf(&cause, "backup: %s", strerror(errno));
		goto fail;
	}
	b->state = BK_COPYING;
	if ((errno = pthread_create(&b->thread, NULL, backup_thread, b)) != 0) {
		xasprintf(&cause, "backup: cannot start its thread: %s",
		    strerror(errno));
		goto fail;
	}
	client_wait(c);
	return;
fail:
	log_warnx("%s", cause);
	free(cause);
	backup_record(b, a->actor);
	backup_free(b);
	client_err(c, ECO_ERR_INTERNAL, "the backup could not start");
}

/* Returns the ready backup of c, or NULL after an ERR. */
static struct backup *
backup_of(struct client *c)
{
	struct backup	*b = c->srv->ecod->backup;

	if (b == NULL || b->client != c || b->state != BK_READY) {
		client_err(c, ECO_ERR_NOTFOUND, "no backup is ready on this "
		    "connection: send BACKUP first");
		return NULL;
	}
	return b;
}

/*
 * BACKUP-READ offset: up to BACKUP_PAGE_LINES data lines from offset, each
 * the base64 of BACKUP_LINE_BYTES of the copy (the last may be shorter),
 * then "OK n", the bytes sent. An offset at the end sends none.
 */
void
cmd_backup_read(struct client *c, const struct args *a)
{
	struct backup	*b;
	unsigned char	 buf[BACKUP_LINE_BYTES];
	char		*line, num[24];
	char		*f[1];
	uint64_t	 start = (uint64_t)a->v[0].i, off = start, sent = 0;
	size_t		 b64len = sodium_base64_ENCODED_LEN(sizeof buf,
			    sodium_base64_VARIANT_ORIGINAL);
	ssize_t		 n;
	int		 i;

	if ((b = backup_of(c)) == NULL)
		return;
	if (off > b->bytes) {
		client_err(c, ECO_ERR_INVALID, "offset: past the end of the "
		    "copy (%llu bytes)", (unsigned long long)b->bytes);
		return;
	}
	line = xmalloc(b64len);
	for (i = 0; i < BACKUP_PAGE_LINES && off < b->bytes; i++) {
		n = pread(b->fd, buf, sizeof buf, (off_t)off);
		if (n <= 0) {
			free(line);
			log_warnx("backup: read: %s", n < 0 ? strerror(errno) :
			    "short");
			client_err(c, ECO_ERR_INTERNAL, "cannot read the copy");
			return;
		}
		sodium_bin2base64(line, b64len, buf, (size_t)n,
		    sodium_base64_VARIANT_ORIGINAL);
		f[0] = line;
		client_data(c, 1, f);
		off += (uint64_t)n;
		sent += (uint64_t)n;
	}
	b->sent += sent;
	if (start <= b->covered && off > b->covered)
		b->covered = off;
	free(line);
	snprintf(num, sizeof num, "%llu", (unsigned long long)sent);
	f[0] = num;
	client_ok(c, 1, f);
}

/* BACKUP-END: the client has the copy; records "backup ok size=N". */
void
cmd_backup_end(struct client *c, const struct args *a)
{
	struct backup	*b;

	if ((b = backup_of(c)) == NULL)
		return;
	b->covered = b->bytes;	/* the client says it has it all */
	backup_record(b, a->actor);
	backup_free(b);
	client_ok(c, 0, NULL);
}

/* A connection is going: a backup it asked for is abandoned. */
void
backup_client_gone(struct ecod *ecod, struct client *c)
{
	struct backup	*b = ecod->backup;

	if (b == NULL || b->client != c)
		return;
	b->client = NULL;
	if (b->state == BK_READY) {
		backup_record(b, b->actor);
		backup_free(b);
	}
	/* Copying: backup_done_cb records and frees it. */
}

/* Shutdown: waits for a running copy, so no thread outlives the store. */
void
backup_shutdown(struct ecod *ecod)
{
	struct backup	*b = ecod->backup;

	if (b == NULL)
		return;
	if (b->state == BK_COPYING)
		pthread_join(b->thread, NULL);
	backup_record(b, "ecod");
	backup_free(b);
}

/* Returns 1 while a backup's thread is copying the snapshot: its read
 * transaction holds the WAL, and it reads rows with the instance keys. */
int
backup_copying(const struct ecod *ecod)
{
	return ecod->backup != NULL && ecod->backup->state == BK_COPYING;
}

/* Start-up: a copy left by a daemon that died while making it goes. */
void
backup_clean(const char *data_dir)
{
	char	*tmp;

	xasprintf(&tmp, "%s/%s", data_dir, BACKUP_TMP);
	store_unlink(tmp);
	free(tmp);
}
