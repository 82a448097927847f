/*
 * The record store, the only file that speaks SQL. One SQLite connection
 * in WAL mode with synchronous=FULL, statements prepared once and kept.
 * Each sealed table is (id INTEGER PRIMARY KEY, body BLOB): the body is
 * the row sealed by seal.c, so the file shows counts and sizes only.
 *
 * While batching, a writer thread runs the batch's COMMIT (the fsyncs),
 * so the loop can serve what needs no store meanwhile (store_flush_start).
 * The connection is used by one thread at a time: every function here
 * that touches it waits first for a COMMIT in flight (store_collect).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seal.h"
#include "store.h"
#include "xmalloc.h"

/* The sealed tables, in the order STATS reports them. */
static const char *const sealed_tables[] = { "meta", "counsellors", "slots",
    "cases", "bookings", "notes", "audit", "audit_tiles", "messages", NULL };

/*
 * Schema migrations: entry i takes user_version i to i + 1. Never edit one
 * that has shipped; add the next. Every sealed table is (id, tag, body):
 * tag is NULL or a unique blind index (seal_index) for lookups by secret.
 */
static const char *const migrations[] = {
	"CREATE TABLE meta (id INTEGER PRIMARY KEY, body BLOB NOT NULL);"
	"CREATE TABLE kdf (id INTEGER PRIMARY KEY CHECK (id = 1),"
	"    salt BLOB NOT NULL, opslimit INTEGER NOT NULL,"
	"    memlimit INTEGER NOT NULL);",

	"ALTER TABLE meta ADD COLUMN tag BLOB;"
	"CREATE UNIQUE INDEX meta_tag ON meta (tag);"
	"CREATE TABLE counsellors (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);"
	"CREATE TABLE slots (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);"
	"CREATE TABLE cases (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);"
	"CREATE TABLE bookings (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);",

	"CREATE TABLE notes (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);",

	"CREATE TABLE audit (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);",

	"CREATE TABLE audit_tiles (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);",

	"CREATE TABLE messages (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	"    body BLOB NOT NULL);",
};
#define SCHEMA_VERSION	((int)(sizeof migrations / sizeof migrations[0]))

enum stmt_op { OP_INSERT, OP_UPDATE, OP_GET, OP_MAXID, OP_COUNT, OP_RANGE,
    OP_FIND, OP_DELETE, OP_NUM };

/* Each statement is head, table name, tail. */
static const struct {
	const char	*head;
	const char	*tail;
} stmt_sql[OP_NUM] = {
	{ "INSERT INTO ", " (id, body, tag) VALUES (?1, ?2, ?3)" },
	{ "UPDATE ", " SET body = ?2 WHERE id = ?1" },
	{ "SELECT body FROM ", " WHERE id = ?1" },
	{ "SELECT coalesce(max(id), 0) FROM ", "" },
	{ "SELECT count(*) FROM ", "" },
	{ "SELECT id, body, tag FROM ",
	    " WHERE id BETWEEN ?1 AND ?2 ORDER BY id" },
	{ "SELECT id, body FROM ", " WHERE tag = ?1" },
	{ "DELETE FROM ", " WHERE id = ?1" },
};

#define NTABLES	(sizeof sealed_tables / sizeof sealed_tables[0] - 1)

struct store {
	sqlite3		*db;
	char		*path;
	struct seal	*seal;		/* not owned */
	sqlite3_stmt	*stmts[NTABLES][OP_NUM];
	sqlite3_stmt	*begin, *commit, *rollback;
	sqlite3_stmt	*savepoint, *release, *rollback_to;
	int		 lasterr;	/* SQLite code of the last failure */
	int		 batching;	/* transactions join the batch */
	int		 batch;		/* the batch's transaction is open */
	int		 request;	/* a request's savepoint is open */
	int		 lost;		/* SQLite rolled the batch back */
	uint64_t	 joined;	/* requests released into the batch */
	struct store_stats stats;

	/* The writer thread (store_writer): from the first store_batching
	 * on until store_close. */
	pthread_t	 writer;
	int		 writer_up;
	pthread_mutex_t	 mtx;		/* guards job and quit, and what */
	pthread_cond_t	 cond;		/* the writer's answer */
	int		 job;		/* a COMMIT handed to the writer */
	int		 quit;
	int		 wake[2];	/* a byte each time the writer is done */
	int		 commit_rc;	/* its answer: SQLite's code, */
	int		 commit_err;	/* the extended code, */
	char		*commit_msg;	/* and message */
	/* A flush (store_flush_start) whose result is not yet taken. */
	int		 flushing;
	int		 inflight;	/* the writer has the connection */
	int		 flush_rc;	/* once collected */
	int		 flush_err;	/* its SQLite code, kept for the
					   settle (lasterr may change) */
	char		*flush_cause;
	store_settle_cb	 settle;	/* takes it, before a new write */
	void		*settle_arg;
};

static void	store_collect(struct store *);
static void	store_sync_failed(struct store *, int);
static void	store_writer_stop(struct store *);

/* Sets *cause to "what: the SQLite message"; keeps the code for
 * store_failure. */
static void
store_error(struct store *st, char **cause, const char *what)
{
	st->lasterr = sqlite3_extended_errcode(st->db);
	xasprintf(cause, "%s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/*
 * Returns what kind of storage failure the last one was, in words for a
 * client ("the disk is full", "a disk I/O error"), or NULL when it was no
 * failure of the disk; forgets it.
 */
const char *
store_failure(struct store *st)
{
	int	 rc = st->lasterr & 0xff;

	st->lasterr = 0;
	if (rc == SQLITE_FULL)
		return "the disk is full";
	if (rc == SQLITE_IOERR || rc == SQLITE_CANTOPEN)
		return "a disk I/O error";
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return "the database is busy";
	return NULL;
}

/* Returns the index of a sealed table; a name not in the list is a bug. */
static size_t
table_index(const char *table)
{
	size_t	 i;

	for (i = 0; i < NTABLES; i++)
		if (strcmp(sealed_tables[i], table) == 0)
			return i;
	abort();
}

/* Returns the kept statement for op on table, reset and ready to bind. */
static sqlite3_stmt *
store_stmt(struct store *st, const char *table, enum stmt_op op, char **cause)
{
	size_t		 t = table_index(table);
	sqlite3_stmt	**sp = &st->stmts[t][op];
	char		*sql;

	store_collect(st);
	if (*sp == NULL) {
		xasprintf(&sql, "%s%s%s", stmt_sql[op].head, sealed_tables[t],
		    stmt_sql[op].tail);
		if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
		    sp, NULL) != SQLITE_OK) {
			free(sql);
			store_error(st, cause, "prepare");
			return NULL;
		}
		free(sql);
	}
	sqlite3_reset(*sp);
	sqlite3_clear_bindings(*sp);
	return *sp;
}

/* Runs sql that returns no rows. */
static int
store_exec(struct store *st, const char *sql, char **cause)
{
	store_collect(st);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		store_error(st, cause, "exec");
		return -1;
	}
	return 0;
}

/* Runs a PRAGMA expected to answer a single text value; checks it. */
static int
store_pragma(struct store *st, const char *sql, const char *want, char **cause)
{
	sqlite3_stmt	*s;
	const char	*got;
	int		 rc = -1;

	store_collect(st);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		store_error(st, cause, "pragma");
		return -1;
	}
	if (sqlite3_step(s) != SQLITE_ROW) {
		store_error(st, cause, "pragma");
		goto out;
	}
	got = (const char *)sqlite3_column_text(s, 0);
	if (got == NULL || strcmp(got, want) != 0) {
		xasprintf(cause, "%s: %s answered \"%s\", not \"%s\"",
		    st->path, sql, got ? got : "", want);
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Returns PRAGMA user_version, or -1. */
int
store_schema_version(struct store *st)
{
	sqlite3_stmt	*s;
	int		 v = -1;

	store_collect(st);
	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Brings the schema from its version to SCHEMA_VERSION, one step a commit. */
static int
store_migrate(struct store *st, int create, char **cause)
{
	char	*sql;
	int	 v;

	if ((v = store_schema_version(st)) < 0) {
		store_error(st, cause, "read schema version");
		return -1;
	}
	if (v == 0 && !create) {
		xasprintf(cause, "%s: not an ECO database (no schema)",
		    st->path);
		return -1;
	}
	if (v > SCHEMA_VERSION) {
		xasprintf(cause, "%s: schema version %d is newer than this "
		    "ecod knows (%d)", st->path, v, SCHEMA_VERSION);
		return -1;
	}
	for (; v < SCHEMA_VERSION; v++) {
		xasprintf(&sql, "BEGIN IMMEDIATE; %s PRAGMA user_version = %d;"
		    " COMMIT;", migrations[v], v + 1);
		if (store_exec(st, sql, cause) != 0) {
			free(sql);
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		free(sql);
	}
	return 0;
}

/*
 * Opens the database at path; create says whether to make a new one (the
 * caller has checked that none exists). Sets WAL, synchronous=FULL,
 * secure_delete, checks the file's integrity and migrates the schema.
 */
struct store *
store_open(const char *path, int create, char **cause)
{
	struct store	*st;
	int		 flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

	st = xcalloc(1, sizeof *st);
	st->path = xstrdup(path);
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
		if (st->db == NULL)
			xasprintf(cause, "%s: cannot open database", path);
		else
			store_error(st, cause, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_busy_timeout(st->db, 5000);
	if (store_pragma(st, "PRAGMA journal_mode = WAL", "wal", cause) != 0 ||
	    store_exec(st, "PRAGMA synchronous = FULL;"
	    "PRAGMA secure_delete = ON; PRAGMA cell_size_check = ON;"
	    "PRAGMA foreign_keys = ON;", cause) != 0 ||
	    store_pragma(st, "PRAGMA secure_delete", "1", cause) != 0 ||
	    store_pragma(st, "PRAGMA quick_check", "ok", cause) != 0 ||
	    store_migrate(st, create, cause) != 0)
		goto fail;
	if (sqlite3_prepare_v3(st->db, "BEGIN IMMEDIATE", -1,
	    SQLITE_PREPARE_PERSISTENT, &st->begin, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT,
	    &st->commit, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "ROLLBACK", -1,
	    SQLITE_PREPARE_PERSISTENT, &st->rollback, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "SAVEPOINT request", -1,
	    SQLITE_PREPARE_PERSISTENT, &st->savepoint, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "RELEASE request", -1,
	    SQLITE_PREPARE_PERSISTENT, &st->release, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(st->db, "ROLLBACK TO request", -1,
	    SQLITE_PREPARE_PERSISTENT, &st->rollback_to, NULL) != SQLITE_OK) {
		store_error(st, cause, "prepare");
		goto fail;
	}
	return st;
fail:
	store_close(st);
	return NULL;
}

/*
 * Removes the database file at path and the files SQLite keeps beside it
 * (WAL, shared memory, rollback journal), those that exist; for a
 * database that must go whole (a failed creation, restore or backup copy).
 */
void
store_unlink(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char			*p;
	size_t			 i;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		xasprintf(&p, "%s%s", path, sfx[i]);
		unlink(p);
		free(p);
	}
}

/* Finalizes every statement and closes the database; NULL is fine. */
void
store_close(struct store *st)
{
	size_t	 t, op;

	if (st == NULL)
		return;
	store_writer_stop(st);
	free(st->flush_cause);
	for (t = 0; t < NTABLES; t++)
		for (op = 0; op < OP_NUM; op++)
			sqlite3_finalize(st->stmts[t][op]);
	sqlite3_finalize(st->begin);
	sqlite3_finalize(st->commit);
	sqlite3_finalize(st->rollback);
	sqlite3_finalize(st->savepoint);
	sqlite3_finalize(st->release);
	sqlite3_finalize(st->rollback_to);
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* Gives the store the keys that seal its rows (not owned). */
void
store_set_seal(struct store *st, struct seal *seal)
{
	st->seal = seal;
}

/* Returns the NULL-terminated list of sealed tables. */
const char *const *
store_tables(void)
{
	return sealed_tables;
}

/* Reads the passphrase KDF parameters: 0, STORE_NOTFOUND, or -1. */
int
store_kdf_get(struct store *st, struct store_kdf *k, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc = -1, step;

	store_collect(st);
	if (sqlite3_prepare_v2(st->db, "SELECT salt, opslimit, memlimit "
	    "FROM kdf WHERE id = 1", -1, &s, NULL) != SQLITE_OK) {
		store_error(st, cause, "read kdf");
		return -1;
	}
	if ((step = sqlite3_step(s)) == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else if (step != SQLITE_ROW)
		store_error(st, cause, "read kdf");
	else if (sqlite3_column_bytes(s, 0) != sizeof k->salt ||
	    sqlite3_column_int64(s, 1) <= 0 || sqlite3_column_int64(s, 2) <= 0)
		xasprintf(cause, "%s: table kdf row 1 is damaged", st->path);
	else {
		memcpy(k->salt, sqlite3_column_blob(s, 0), sizeof k->salt);
		k->opslimit = (unsigned long long)sqlite3_column_int64(s, 1);
		k->memlimit = (size_t)sqlite3_column_int64(s, 2);
		rc = 0;
	}
	sqlite3_finalize(s);
	return rc;
}

/* Writes the passphrase KDF parameters (plaintext: they are not secret). */
int
store_kdf_put(struct store *st, const struct store_kdf *k, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc = -1;

	store_collect(st);
	if (sqlite3_prepare_v2(st->db, "INSERT INTO kdf (id, salt, opslimit, "
	    "memlimit) VALUES (1, ?1, ?2, ?3)", -1, &s, NULL) != SQLITE_OK) {
		store_error(st, cause, "write kdf");
		return -1;
	}
	sqlite3_bind_blob(s, 1, k->salt, sizeof k->salt, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)k->opslimit);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)k->memlimit);
	if (sqlite3_step(s) != SQLITE_DONE)
		store_error(st, cause, "write kdf");
	else
		rc = 0;
	sqlite3_finalize(s);
	return rc;
}

static int	store_sync(struct store *, char **);
static void	store_abort(struct store *);

/* Replaces the passphrase KDF parameters, inside the caller's
 * transaction (a master-key rotation in passphrase mode). */
int
store_kdf_update(struct store *st, const struct store_kdf *k, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc = -1;

	store_collect(st);
	if (sqlite3_prepare_v2(st->db, "UPDATE kdf SET salt = ?1, "
	    "opslimit = ?2, memlimit = ?3 WHERE id = 1", -1, &s,
	    NULL) != SQLITE_OK) {
		store_error(st, cause, "write kdf");
		return -1;
	}
	sqlite3_bind_blob(s, 1, k->salt, sizeof k->salt, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)k->opslimit);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)k->memlimit);
	if (sqlite3_step(s) != SQLITE_DONE)
		store_error(st, cause, "write kdf");
	else if (sqlite3_changes(st->db) != 1)
		xasprintf(cause, "%s: table kdf has no row 1", st->path);
	else
		rc = 0;
	sqlite3_finalize(s);
	return rc;
}

/* Sets *cause to the tamper message naming the row. */
static void
store_tampered(struct store *st, const char *table, int64_t id, char **cause)
{
	xasprintf(cause, "%s: table %s row %lld fails authentication: "
	    "altered, truncated or moved", st->path, table, (long long)id);
}

/* Steps a kept statement that returns no rows. */
static int
store_step_done(struct store *st, sqlite3_stmt *s, const char *what,
    char **cause)
{
	int	 rc;

	store_collect(st);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		store_error(st, cause, what);
		return -1;
	}
	return 0;
}

/*
 * Group commit. While batching is on, the transactions of requests (each
 * store_begin .. store_commit) are savepoints inside one transaction, the
 * batch's, opened by the first of them; store_flush commits it, or
 * store_flush_start hands the COMMIT to the writer thread and
 * store_flush_end takes its result. A request that fails rolls back to
 * its savepoint only: what the requests before it wrote stays in the
 * batch.
 */

/* The writer thread: runs each COMMIT handed to it, then wakes the loop. */
static void *
store_writer(void *arg)
{
	struct store	*st = arg;
	int		 rc;

	pthread_mutex_lock(&st->mtx);
	for (;;) {
		while (!st->job && !st->quit)
			pthread_cond_wait(&st->cond, &st->mtx);
		if (!st->job)
			break;
		pthread_mutex_unlock(&st->mtx);
		rc = sqlite3_step(st->commit);
		st->commit_rc = rc;
		if (rc != SQLITE_DONE) {
			st->commit_err = sqlite3_extended_errcode(st->db);
			st->commit_msg = xstrdup(sqlite3_errmsg(st->db));
		}
		sqlite3_reset(st->commit);
		pthread_mutex_lock(&st->mtx);
		st->job = 0;
		pthread_cond_broadcast(&st->cond);
		/* Full pipe: a byte is there already, enough to wake. */
		if (write(st->wake[1], "", 1) == -1 && errno != EAGAIN)
			(void)0;
	}
	pthread_mutex_unlock(&st->mtx);
	return NULL;
}

/* Starts the writer thread; without one, flushes commit in the caller. */
static void
store_writer_start(struct store *st)
{
	if (st->writer_up || !sqlite3_threadsafe())
		return;
	if (pipe2(st->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return;
	pthread_mutex_init(&st->mtx, NULL);
	pthread_cond_init(&st->cond, NULL);
	st->quit = st->job = 0;
	if (pthread_create(&st->writer, NULL, store_writer, st) != 0) {
		pthread_mutex_destroy(&st->mtx);
		pthread_cond_destroy(&st->cond);
		close(st->wake[0]);
		close(st->wake[1]);
		return;
	}
	st->writer_up = 1;
}

/* Stops the writer thread, once what it holds is collected. */
static void
store_writer_stop(struct store *st)
{
	if (!st->writer_up)
		return;
	store_collect(st);
	pthread_mutex_lock(&st->mtx);
	st->quit = 1;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->mtx);
	pthread_join(st->writer, NULL);
	pthread_mutex_destroy(&st->mtx);
	pthread_cond_destroy(&st->cond);
	close(st->wake[0]);
	close(st->wake[1]);
	st->writer_up = 0;
}

/*
 * Turns batching on or off. On the first time, the writer thread starts;
 * it and its wake pipe then last until store_close, so the descriptor a
 * caller watches (store_wake_fd) stays the same however often batching
 * is turned off and on again (a key rotation commits alone). Off waits
 * for a COMMIT in flight; a flush's result not taken stays for
 * store_flush_end.
 */
void
store_batching(struct store *st, int on)
{
	st->batching = on;
	if (on)
		store_writer_start(st);
	else
		store_collect(st);
}

/* Returns the descriptor that turns readable when the writer is done
 * (drain it with store_wake_drain), or -1 if there is no writer. */
int
store_wake_fd(const struct store *st)
{
	return st->writer_up ? st->wake[0] : -1;
}

/* Empties the writer's wake-up pipe. */
void
store_wake_drain(struct store *st)
{
	char	 buf[64];

	if (st->writer_up)
		while (read(st->wake[0], buf, sizeof buf) > 0)
			;
}

/* Sets what store_begin calls when a flush's result is not yet taken:
 * cb takes it (store_flush_end), or returns -1 if it cannot now. */
void
store_set_settle(struct store *st, store_settle_cb cb, void *arg)
{
	st->settle = cb;
	st->settle_arg = arg;
}

/*
 * Waits for a COMMIT in flight, if any, and ends its batch: rolled back if
 * it failed, as store_sync says. The result waits for store_flush_end.
 * Everything that touches the connection calls this first.
 */
static void
store_collect(struct store *st)
{
	if (!st->inflight)
		return;
	pthread_mutex_lock(&st->mtx);
	while (st->job)
		pthread_cond_wait(&st->cond, &st->mtx);
	pthread_mutex_unlock(&st->mtx);
	st->inflight = 0;
	if (st->commit_rc == SQLITE_DONE)
		st->flush_rc = 0;
	else {
		st->flush_rc = -1;
		xasprintf(&st->flush_cause, "%s: commit: %s", st->path,
		    st->commit_msg);
		free(st->commit_msg);
		st->commit_msg = NULL;
		st->flush_err = st->commit_err;
		store_sync_failed(st, st->commit_err);
		store_rollback_batch(st);
	}
	st->batch = st->lost = 0;
	st->joined = 0;
}

/*
 * Ends the open batch, counted: a batch that SQLite lost fails at once;
 * else its COMMIT goes to the writer (returns 1: store_flush_end waits
 * for it), or, with no writer, runs here (returns 0). Either way
 * store_flush_end gives the result.
 */
int
store_flush_start(struct store *st)
{
	store_collect(st);
	if (!st->batch || st->flushing)
		abort();	/* nothing to flush, or one not taken */
	if (st->request)
		abort();	/* a request's savepoint still open */
	st->flushing = 1;
	if (st->lost || !st->writer_up) {
		st->flush_rc = store_flush(st, &st->flush_cause);
		return 0;
	}
	st->stats.batches++;
	st->stats.batched += st->joined;
	st->stats.commits++;
	st->inflight = 1;
	pthread_mutex_lock(&st->mtx);
	st->job = 1;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->mtx);
	return 1;
}

/* Returns 1 while a flush's result is not taken (its COMMIT may be in
 * flight), else 0. */
int
store_flushing(const struct store *st)
{
	return st->flushing;
}

/* Returns 1 if the writer is done with the flush in flight (or none is),
 * so that store_flush_end would not wait. */
int
store_flush_ready(struct store *st)
{
	int	 done;

	if (!st->inflight)
		return 1;
	pthread_mutex_lock(&st->mtx);
	done = !st->job;
	pthread_mutex_unlock(&st->mtx);
	return done;
}

/* Returns 1 if the flush not yet taken failed (once ready), else 0. */
int
store_flush_failed(struct store *st)
{
	store_collect(st);
	return st->flushing && st->flush_rc != 0;
}

/* Returns the result of the flush not yet taken, waiting for it: 0 with
 * every request of the batch durable, or -1 with *cause and none of them;
 * 0 if there is none. */
int
store_flush_end(struct store *st, char **cause)
{
	if (!st->flushing)
		return 0;
	store_collect(st);
	st->flushing = 0;
	if (st->flush_rc == 0)
		return 0;
	st->lasterr = st->flush_err;	/* for store_failure */
	*cause = st->flush_cause;
	st->flush_cause = NULL;
	return -1;
}

/* Returns 1 if a batch's transaction is open (changes not yet durable). */
int
store_batch_open(const struct store *st)
{
	return st->batch;
}

/* Returns how many requests joined the open batch (0 if none is open). */
uint64_t
store_batch_joined(const struct store *st)
{
	return st->joined;
}

/* Returns the counters of commits and batched requests since open. */
const struct store_stats *
store_stats(const struct store *st)
{
	return &st->stats;
}

/* Forgets an open batch that SQLite rolled back on its own (some errors,
 * a full disk or an I/O error, end the whole transaction): store_flush
 * then fails it. */
static void
store_check_lost(struct store *st)
{
	store_collect(st);
	if (st->batch && sqlite3_get_autocommit(st->db)) {
		st->lost = 1;
		st->request = 0;
	}
}

/*
 * Starts the writes of one request: a transaction of its own, or, while
 * batching, a savepoint in the batch's (begun here if none is open).
 */
int
store_begin(struct store *st, char **cause)
{
	store_collect(st);
	if (st->flushing && (st->settle == NULL ||
	    st->settle(st->settle_arg) != 0 || st->flushing)) {
		st->lasterr = SQLITE_BUSY;
		xasprintf(cause, "%s: the last batch's commit is not settled",
		    st->path);
		return -1;
	}
	if (!st->batching)
		return store_step_done(st, st->begin, "begin", cause);
	if (!st->batch) {
		if (store_step_done(st, st->begin, "begin", cause) != 0)
			return -1;
		st->batch = 1;
		st->lost = 0;
		st->joined = 0;
	}
	store_check_lost(st);
	if (st->lost) {
		xasprintf(cause, "%s: an earlier failure ended the batch's "
		    "transaction", st->path);
		return -1;
	}
	if (store_step_done(st, st->savepoint, "savepoint", cause) != 0)
		return -1;
	st->request = 1;
	return 0;
}

/*
 * Commits; with synchronous=FULL the WAL is on disk when this returns 0.
 * While batching it only releases the request's savepoint: the change is
 * in the batch, durable once store_flush returns 0.
 */
int
store_commit(struct store *st, char **cause)
{
	if (!st->request)
		return store_sync(st, cause);
	if (store_step_done(st, st->release, "release", cause) != 0) {
		store_rollback(st);
		return -1;
	}
	st->request = 0;
	st->joined++;
	return 0;
}

/*
 * The real COMMIT (of a transaction or a batch). On failure the
 * transaction is rolled back. A commit whose sync failed has its frames
 * in the WAL file all the same, where a restart would recover them: a
 * change the client was told failed would come back. So the WAL is
 * checkpointed and truncated at once, which drops those frames; if that
 * fails too (the fault persists), the next commit overwrites them.
 */
static int
store_sync(struct store *st, char **cause)
{
	st->stats.commits++;
	if (store_step_done(st, st->commit, "commit", cause) == 0)
		return 0;
	store_sync_failed(st, st->lasterr);
	return -1;
}

/* A COMMIT failed with SQLite code err: rolls back and truncates the WAL,
 * as store_sync says, keeping err for store_failure. */
static void
store_sync_failed(struct store *st, int err)
{
	store_abort(st);
	sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
	    NULL, NULL);
	st->lasterr = err;
}

/*
 * Commits the open batch, if any: every request released into it is
 * durable when this returns 0; on failure none of them is (the batch is
 * rolled back, as store_sync says).
 */
int
store_flush(struct store *st, char **cause)
{
	int	 rc;

	if (!st->batch)
		return 0;
	st->stats.batches++;
	st->stats.batched += st->joined;
	if (st->request)
		abort();		/* a request's savepoint still open */
	if (st->lost) {
		xasprintf(cause, "%s: the batch's transaction was rolled back "
		    "by an earlier failure", st->path);
		rc = -1;
	} else
		rc = store_sync(st, cause);
	if (rc != 0)
		store_rollback_batch(st);
	st->batch = st->lost = 0;
	st->joined = 0;
	return rc;
}

/* Ends the open transaction, if any, with ROLLBACK. */
static void
store_abort(struct store *st)
{
	store_collect(st);
	if (!sqlite3_get_autocommit(st->db)) {
		sqlite3_step(st->rollback);
		sqlite3_reset(st->rollback);
	}
}

/* Rolls back the open transaction, if any; while batching, only the
 * request's savepoint: the batch stays for store_flush, or
 * store_rollback_batch. */
void
store_rollback(struct store *st)
{
	store_collect(st);
	if (st->request) {
		st->request = 0;
		sqlite3_step(st->rollback_to);
		sqlite3_reset(st->rollback_to);
		sqlite3_step(st->release);
		sqlite3_reset(st->release);
	}
	if (st->batch && st->joined == 0)
		store_rollback_batch(st);	/* nothing kept: no batch */
	else if (st->batch)
		store_check_lost(st);
	else
		store_abort(st);
}

/* Drops the open batch, every request in it, without committing. */
void
store_rollback_batch(struct store *st)
{
	if (st->request)
		store_rollback(st);
	store_abort(st);
	st->batch = st->lost = 0;
	st->joined = 0;
}

/* Seals and writes a row with op (OP_INSERT, with its tag, or OP_UPDATE). */
static int
store_write(struct store *st, struct seal *seal, const char *table,
    int64_t id, const unsigned char *tag, const void *pt, size_t len,
    enum stmt_op op, char **cause)
{
	sqlite3_stmt	*s;
	unsigned char	*ct;
	size_t		 ctlen = len + SEALED_ROW_OVERHEAD;
	int		 rc = -1;

	if ((s = store_stmt(st, table, op, cause)) == NULL)
		return -1;
	ct = xmalloc(ctlen);
	seal_row(seal, table, id, pt, len, ct);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_blob(s, 2, ct, (int)ctlen, SQLITE_STATIC);
	if (tag != NULL)
		sqlite3_bind_blob(s, 3, tag, BLIND_INDEX_BYTES, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE)
		store_error(st, cause, op == OP_INSERT ? "insert" : "update");
	else if (op == OP_UPDATE && sqlite3_changes(st->db) != 1)
		xasprintf(cause, "%s: table %s row %lld: no such row", st->path,
		    table, (long long)id);
	else
		rc = 0;
	sqlite3_reset(s);
	free(ct);
	return rc;
}

/* Seals pt as a new row id of table. */
int
store_insert(struct store *st, const char *table, int64_t id, const void *pt,
    size_t len, char **cause)
{
	return store_write(st, st->seal, table, id, NULL, pt, len, OP_INSERT,
	    cause);
}

/*
 * Opens the sealed body ct of row id of table: its plaintext (allocated,
 * ctlen - SEALED_ROW_OVERHEAD bytes), or NULL if it fails its seal or, for
 * a tagged row (tag not NULL, taglen bytes), does not start with its tag:
 * the tag column is outside the seal (store_insert_tagged).
 */
static unsigned char *
store_open_body(struct store *st, const char *table, int64_t id,
    const unsigned char *ct, size_t ctlen, const void *tag, size_t taglen)
{
	unsigned char	*pt;
	size_t		 len;

	if (ct == NULL || ctlen < SEALED_ROW_OVERHEAD)
		return NULL;
	len = ctlen - SEALED_ROW_OVERHEAD;
	pt = xmalloc(len);
	if (seal_open_row(st->seal, table, id, ct, ctlen, pt) != 0 ||
	    (tag != NULL && (taglen != BLIND_INDEX_BYTES ||
	    len < BLIND_INDEX_BYTES ||
	    sodium_memcmp(pt, tag, BLIND_INDEX_BYTES) != 0))) {
		sodium_memzero(pt, len);
		free(pt);
		return NULL;
	}
	return pt;
}

/*
 * Seals pt as a new row id of table, found later by its blind index tag
 * (BLIND_INDEX_BYTES); a tag already present fails the insert. The seal
 * covers the body, not the tag column, so the body sealed is the tag
 * followed by pt, and store_find checks the one against the other: a tag
 * moved onto another row (to make one code find another's case) is caught
 * by whoever finds that row. Readers of the body skip the tag.
 */
int
store_insert_tagged(struct store *st, const char *table, int64_t id,
    const unsigned char *tag, const void *pt, size_t len, char **cause)
{
	unsigned char	*buf;
	int		 rc;

	buf = xmalloc(BLIND_INDEX_BYTES + len);
	memcpy(buf, tag, BLIND_INDEX_BYTES);
	memcpy(buf + BLIND_INDEX_BYTES, pt, len);
	rc = store_write(st, st->seal, table, id, tag, buf,
	    BLIND_INDEX_BYTES + len, OP_INSERT, cause);
	sodium_memzero(buf, BLIND_INDEX_BYTES + len);
	free(buf);
	return rc;
}

/* Replaces the body of row id of table with pt, sealed afresh. */
int
store_update(struct store *st, const char *table, int64_t id, const void *pt,
    size_t len, char **cause)
{
	return store_write(st, st->seal, table, id, NULL, pt, len, OP_UPDATE,
	    cause);
}

/*
 * Deletes row id of table; secure_delete (set at open) overwrites its
 * bytes in the page. Returns 0, STORE_NOTFOUND, or -1.
 */
int
store_delete(struct store *st, const char *table, int64_t id, char **cause)
{
	sqlite3_stmt	*s;
	int		 rc = -1;

	if ((s = store_stmt(st, table, OP_DELETE, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) != SQLITE_DONE)
		store_error(st, cause, "delete");
	else if (sqlite3_changes(st->db) != 1)
		rc = STORE_NOTFOUND;
	else
		rc = 0;
	sqlite3_reset(s);
	return rc;
}

/*
 * Copies every committed page into the database file and truncates the
 * WAL to nothing, so older versions of pages (rows since deleted) are in
 * neither file. Returns 0, or -1 if the checkpoint could not complete.
 */
int
store_checkpoint(struct store *st, char **cause)
{
	int	 rc, log = -1, done = -1;

	store_collect(st);
	rc = sqlite3_wal_checkpoint_v2(st->db, NULL,
	    SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
	if (rc != SQLITE_OK) {
		store_error(st, cause, "checkpoint");
		return -1;
	}
	if (log != done) {
		xasprintf(cause, "%s: checkpoint left %d of %d WAL frames",
		    st->path, log - done, log);
		return -1;
	}
	return 0;
}

/*
 * Rows tagged before bodies began with their tag (schema 5 and older):
 * rewrites each tagged row of table as its tag followed by its old body,
 * inside the open transaction (the ids and tags are read first, so no row
 * changes under the scan). Run once, marked by the caller.
 */
int
store_tags_bind(struct store *st, const char *table, int64_t *rows,
    char **cause)
{
	struct tagged {
		int64_t		 id;
		unsigned char	 tag[BLIND_INDEX_BYTES];
	}			*v = NULL;
	sqlite3_stmt		*s;
	unsigned char		*buf;
	char			*sql;
	size_t			 n = 0, cap = 0, i, len, max;
	int			 step, rc = -1;

	store_collect(st);
	*rows = 0;
	xasprintf(&sql, "SELECT id, tag FROM %s WHERE tag IS NOT NULL ORDER "
	    "BY id", sealed_tables[table_index(table)]);
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
		free(sql);
		store_error(st, cause, "prepare");
		return -1;
	}
	free(sql);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		v[n].id = sqlite3_column_int64(s, 0);
		if (sqlite3_column_bytes(s, 1) != BLIND_INDEX_BYTES) {
			store_tampered(st, table, v[n].id, cause);
			goto out;
		}
		memcpy(v[n++].tag, sqlite3_column_blob(s, 1),
		    BLIND_INDEX_BYTES);
	}
	if (step != SQLITE_DONE) {
		store_error(st, cause, "read");
		goto out;
	}
	max = 65536;
	buf = xmalloc(BLIND_INDEX_BYTES + max);
	for (i = 0; i < n; i++) {
		memcpy(buf, v[i].tag, BLIND_INDEX_BYTES);
		if ((step = store_get(st, table, v[i].id, buf +
		    BLIND_INDEX_BYTES, max, &len, cause)) == STORE_NOTFOUND)
			store_tampered(st, table, v[i].id, cause);
		if (step != 0 || store_update(st, table, v[i].id, buf,
		    BLIND_INDEX_BYTES + len, cause) != 0)
			break;
		(*rows)++;
	}
	sodium_memzero(buf, BLIND_INDEX_BYTES + max);
	free(buf);
	rc = i == n ? 0 : -1;
out:
	sqlite3_finalize(s);
	free(v);
	return rc;
}

/* Finds the row of table whose tag is tag: 0 with *id, STORE_NOTFOUND,
 * or -1 (also when the row's sealed body does not start with that tag). */
int
store_find(struct store *st, const char *table, const unsigned char *tag,
    int64_t *id, char **cause)
{
	sqlite3_stmt		*s;
	const unsigned char	*ct;
	unsigned char		*pt;
	size_t			 ctlen;
	int			 rc = -1, step;

	if ((s = store_stmt(st, table, OP_FIND, cause)) == NULL)
		return -1;
	sqlite3_bind_blob(s, 1, tag, BLIND_INDEX_BYTES, SQLITE_STATIC);
	if ((step = sqlite3_step(s)) == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else if (step != SQLITE_ROW)
		store_error(st, cause, "find");
	else {
		*id = sqlite3_column_int64(s, 0);
		ct = sqlite3_column_blob(s, 1);
		ctlen = (size_t)sqlite3_column_bytes(s, 1);
		if ((pt = store_open_body(st, table, *id, ct, ctlen, tag,
		    BLIND_INDEX_BYTES)) == NULL)
			store_tampered(st, table, *id, cause);
		else {
			sodium_memzero(pt, ctlen - SEALED_ROW_OVERHEAD);
			free(pt);
			rc = 0;
		}
	}
	sqlite3_reset(s);
	return rc;
}

/*
 * Reads and opens row id of table into out (room for max bytes), its size
 * in *len. Returns 0, STORE_NOTFOUND, or -1 (tampering, or larger than max).
 */
int
store_get(struct store *st, const char *table, int64_t id, void *out,
    size_t max, size_t *len, char **cause)
{
	sqlite3_stmt		*s;
	const unsigned char	*ct;
	size_t			 ctlen;
	int			 rc = -1, step;

	if ((s = store_stmt(st, table, OP_GET, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if ((step = sqlite3_step(s)) == SQLITE_DONE)
		rc = STORE_NOTFOUND;
	else if (step != SQLITE_ROW)
		store_error(st, cause, "read");
	else {
		ct = sqlite3_column_blob(s, 0);
		ctlen = (size_t)sqlite3_column_bytes(s, 0);
		if (ct == NULL || ctlen < SEALED_ROW_OVERHEAD ||
		    ctlen - SEALED_ROW_OVERHEAD > max ||
		    seal_open_row(st->seal, table, id, ct, ctlen, out) != 0)
			store_tampered(st, table, id, cause);
		else {
			*len = ctlen - SEALED_ROW_OVERHEAD;
			rc = 0;
		}
	}
	sqlite3_reset(s);
	return rc;
}

/* Runs a kept single-integer query on table into *v. */
static int
store_int(struct store *st, const char *table, enum stmt_op op, int64_t *v,
    char **cause)
{
	sqlite3_stmt	*s;
	int		 rc = -1;

	if ((s = store_stmt(st, table, op, cause)) == NULL)
		return -1;
	if (sqlite3_step(s) != SQLITE_ROW)
		store_error(st, cause, "query");
	else {
		*v = sqlite3_column_int64(s, 0);
		rc = 0;
	}
	sqlite3_reset(s);
	return rc;
}

/* Returns in *id the next free row id of table (max + 1). */
int
store_next_id(struct store *st, const char *table, int64_t *id, char **cause)
{
	if (store_int(st, table, OP_MAXID, id, cause) != 0)
		return -1;
	(*id)++;
	return 0;
}

/* Returns in *n how many rows table has. */
int
store_count(struct store *st, const char *table, int64_t *n, char **cause)
{
	return store_int(st, table, OP_COUNT, n, cause);
}

/*
 * Opens every row of table in id order and calls cb(id, plaintext, len,
 * arg); the plaintext is wiped after each call. Stops at the first row
 * that fails to open, or is tagged and does not start with its tag (-1,
 * named in *cause), or a cb that returns non-zero.
 */
int
store_foreach(struct store *st, const char *table, store_row_cb cb, void *arg,
    char **cause)
{
	return store_range(st, table, INT64_MIN, INT64_MAX, cb, arg, cause);
}

/*
 * The rows of table with ids from lo to hi, in order, each opened and
 * passed to cb. A row that fails to open stops the scan (-1, named in
 * *cause), or, with skipped, is counted there (the first one's id in
 * *first) and passed over.
 */
static int
store_scan(struct store *st, const char *table, int64_t lo, int64_t hi,
    store_row_cb cb, void *arg, int64_t *skipped, int64_t *first,
    char **cause)
{
	sqlite3_stmt		*s;
	const unsigned char	*ct;
	unsigned char		*pt;
	size_t			 ctlen;
	int64_t			 id;
	int			 step, rc = 0;

	if ((s = store_stmt(st, table, OP_RANGE, cause)) == NULL)
		return -1;
	sqlite3_bind_int64(s, 1, lo);
	sqlite3_bind_int64(s, 2, hi);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		ct = sqlite3_column_blob(s, 1);
		ctlen = (size_t)sqlite3_column_bytes(s, 1);
		pt = store_open_body(st, table, id, ct, ctlen,
		    sqlite3_column_blob(s, 2),
		    (size_t)sqlite3_column_bytes(s, 2));
		if (pt == NULL && skipped != NULL) {
			if ((*skipped)++ == 0)
				*first = id;
			continue;
		}
		if (pt == NULL) {
			store_tampered(st, table, id, cause);
			rc = -1;
			break;
		}
		if (cb != NULL)
			rc = cb(id, pt, ctlen - SEALED_ROW_OVERHEAD, arg);
		sodium_memzero(pt, ctlen - SEALED_ROW_OVERHEAD);
		free(pt);
		if (rc != 0)
			break;
	}
	if (rc == 0 && step != SQLITE_DONE) {
		store_error(st, cause, "read");
		rc = -1;
	}
	sqlite3_reset(s);
	return rc;
}

/* As store_foreach, for the rows with ids from lo to hi only. */
int
store_range(struct store *st, const char *table, int64_t lo, int64_t hi,
    store_row_cb cb, void *arg, char **cause)
{
	return store_scan(st, table, lo, hi, cb, arg, NULL, NULL, cause);
}

/*
 * As store_foreach, but a row that fails to open is passed over and
 * counted in *skipped, the first one's id in *first: for a scan that must
 * not stop at one bad row (the purge of every other case).
 */
int
store_foreach_skip(struct store *st, const char *table, store_row_cb cb,
    void *arg, int64_t *skipped, int64_t *first, char **cause)
{
	*skipped = 0;
	return store_scan(st, table, INT64_MIN, INT64_MAX, cb, arg, skipped,
	    first, cause);
}

/* Runs PRAGMA integrity_check, the full one: every page, index and row. */
int
store_integrity(struct store *st, char **cause)
{
	return store_pragma(st, "PRAGMA integrity_check", "ok", cause);
}

/*
 * A snapshot: a second connection to the database holding a read
 * transaction, so that what it reads is the database as it was when
 * store_snapshot returned, whatever commits after (WAL readers see the
 * commits before their transaction began, never those after). The
 * snapshot may then be copied from another thread: nothing else uses its
 * connection.
 */
struct store_snapshot {
	sqlite3		*db;
	char		*path;
};

/* Sets *cause to "path: what: the SQLite message of db". */
static void
snap_error(sqlite3 *db, const char *path, const char *what, char **cause)
{
	xasprintf(cause, "%s: %s: %s", path, what, db != NULL ?
	    sqlite3_errmsg(db) : "out of memory");
}

/* Begins a snapshot of st's database as of now. */
struct store_snapshot *
store_snapshot(struct store *st, char **cause)
{
	struct store_snapshot	*sn;

	store_collect(st);
	sn = xcalloc(1, sizeof *sn);
	sn->path = xstrdup(st->path);
	if (sqlite3_open_v2(st->path, &sn->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snap_error(sn->db, sn->path, "snapshot", cause);
		goto fail;
	}
	sqlite3_extended_result_codes(sn->db, 1);
	sqlite3_db_config(sn->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_busy_timeout(sn->db, 5000);
	/* A deferred transaction takes its read snapshot at the first read. */
	if (sqlite3_exec(sn->db, "BEGIN; SELECT count(*) FROM meta;", NULL,
	    NULL, NULL) != SQLITE_OK) {
		snap_error(sn->db, sn->path, "snapshot", cause);
		goto fail;
	}
	return sn;
fail:
	store_snapshot_free(sn);
	return NULL;
}

/* Ends the snapshot's read transaction and closes it; NULL is fine. */
void
store_snapshot_free(struct store_snapshot *sn)
{
	if (sn == NULL)
		return;
	sqlite3_close(sn->db);	/* rolls the read transaction back */
	free(sn->path);
	free(sn);
}

/*
 * Copies the snapshot, page for page, into dest (an empty file the caller
 * made) with SQLite's online backup API, in one step: the snapshot's read
 * transaction is the one the copy reads in. The copy
 * is written without a journal (it is checked, then renamed or thrown
 * away, never updated in place). Returns 0, or -1 with *cause.
 */
int
store_snapshot_copy(struct store_snapshot *sn, const char *dest, char **cause)
{
	sqlite3_backup	*b;
	sqlite3		*db = NULL;
	int		 rc;

	if (sqlite3_open_v2(dest, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK || sqlite3_exec(db, "PRAGMA journal_mode = OFF;"
	    "PRAGMA synchronous = OFF;", NULL, NULL, NULL) != SQLITE_OK) {
		snap_error(db, dest, "open", cause);
		sqlite3_close(db);
		return -1;
	}
	if ((b = sqlite3_backup_init(db, "main", sn->db, "main")) == NULL) {
		snap_error(db, dest, "backup", cause);
		sqlite3_close(db);
		return -1;
	}
	rc = sqlite3_backup_step(b, -1);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s: backup: %s", dest, sqlite3_errstr(rc));
		sqlite3_close(db);
		return -1;
	}
	if (sqlite3_close(db) != SQLITE_OK) {
		snap_error(db, dest, "close", cause);
		return -1;
	}
	return 0;
}

/* What reseal_row needs: the store, the new seal, the table, the count. */
struct reseal {
	struct store	*st;
	struct seal	*to;
	const char	*table;
	int64_t		*rows;
	char		**cause;
};

/*
 * store_foreach callback: writes the row, opened under the store's seal,
 * back sealed under the new one. Updating rows behind the cursor is safe:
 * ids do not change, the scan goes forward by id.
 */
static int
reseal_row(int64_t id, const unsigned char *pt, size_t len, void *arg)
{
	struct reseal	*r = arg;

	if (store_write(r->st, r->to, r->table, id, NULL, pt, len, OP_UPDATE,
	    r->cause) != 0)
		return -1;
	(*r->rows)++;
	return 0;
}

/*
 * Re-seals every row of every sealed table under to, inside the caller's
 * transaction; *rows counts them. The store keeps its seal: the caller
 * switches to to once it may write under it. On -1 (a row that fails to
 * open is named) the caller rolls back.
 */
int
store_reseal(struct store *st, struct seal *to, int64_t *rows, char **cause)
{
	const char *const	*t;
	struct reseal		 r = { st, to, NULL, rows, cause };

	*rows = 0;
	for (t = sealed_tables; *t != NULL; t++) {
		r.table = *t;
		if (store_foreach(st, *t, reseal_row, &r, cause) != 0)
			return -1;
	}
	return 0;
}

/*
 * Opens every row of the tables named in only (NULL-terminated) with its
 * AEAD, their count in *rows: at start, the tables nothing else reads
 * there. No other table is counted: a count reads the whole table, which
 * grows with history. Returns -1 at the first row that fails, named in
 * *cause.
 */
int
store_verify_only(struct store *st, const char *const *only, int64_t *rows,
    char **cause)
{
	const char *const	*o;
	int64_t			 n;

	*rows = 0;
	for (o = only; *o != NULL; o++) {
		if (store_foreach(st, *o, NULL, NULL, cause) != 0 ||
		    store_count(st, *o, &n, cause) != 0)
			return -1;
		*rows += n;
	}
	return 0;
}

/*
 * Opens every row of every sealed table; *rows counts them, and counts (if
 * not NULL, one an entry of store_tables()) each table's. Returns -1 at
 * the first row that fails, named by table and id in *cause.
 */
int
store_verify(struct store *st, int64_t *counts, int64_t *rows, char **cause)
{
	const char *const	*t;
	int64_t			 n;

	*rows = 0;
	for (t = sealed_tables; *t != NULL; t++) {
		if (store_foreach(st, *t, NULL, NULL, cause) != 0 ||
		    store_count(st, *t, &n, cause) != 0)
			return -1;
		if (counts != NULL)
			counts[t - sealed_tables] = n;
		*rows += n;
	}
	return 0;
}
