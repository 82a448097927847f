/*
 * The record store: the only code that speaks SQL. Every row body is
 * sealed (seal.c) with its table and id as associated data.
 */
#ifndef ECOD_STORE_H
#define ECOD_STORE_H

#include <stddef.h>
#include <stdint.h>

struct seal;
struct store;

/* Rows of the meta table, by fixed id. */
#define META_INSTANCE		1	/* "eco-instance-v1" + instance id */
#define META_AUDIT_KEY		2	/* Ed25519 audit signing key */
#define META_AUDIT_HEAD		3	/* the last signed tree head */
#define META_PURGED		4	/* highest ids purged */
#define META_INDEX_KEY		5	/* blind index key, kept by rotation */
#define META_TAGS_BOUND		6	/* tagged bodies start with their tag */

#define STORE_NOTFOUND		1

struct store_kdf {
	unsigned char		salt[16];
	unsigned long long	opslimit;
	size_t			memlimit;
};

/* Since open: real commits, batches ended (committed or failed), and
 * requests released into a batch. */
struct store_stats {
	uint64_t	 commits;
	uint64_t	 batches;
	uint64_t	 batched;
};

typedef int (*store_row_cb)(int64_t, const unsigned char *, size_t, void *);
typedef int (*store_settle_cb)(void *);

struct store	*store_open(const char *, int, char **);
void		 store_close(struct store *);
void		 store_unlink(const char *);
void		 store_set_seal(struct store *, struct seal *);
int		 store_schema_version(struct store *);
int		 store_kdf_get(struct store *, struct store_kdf *, char **);
int		 store_kdf_put(struct store *, const struct store_kdf *,
		    char **);
int		 store_kdf_update(struct store *, const struct store_kdf *,
		    char **);
int		 store_reseal(struct store *, struct seal *, int64_t *,
		    char **);
int		 store_begin(struct store *, char **);
int		 store_commit(struct store *, char **);
void		 store_rollback(struct store *);
void		 store_batching(struct store *, int);
int		 store_batch_open(const struct store *);
uint64_t	 store_batch_joined(const struct store *);
int		 store_flush(struct store *, char **);
int		 store_flush_start(struct store *);
int		 store_flush_end(struct store *, char **);
int		 store_flushing(const struct store *);
int		 store_flush_ready(struct store *);
int		 store_flush_failed(struct store *);
int		 store_wake_fd(const struct store *);
void		 store_wake_drain(struct store *);
void		 store_set_settle(struct store *, store_settle_cb, void *);
void		 store_rollback_batch(struct store *);
const struct store_stats *store_stats(const struct store *);
const char	*store_failure(struct store *);
int		 store_insert(struct store *, const char *, int64_t,
		    const void *, size_t, char **);
int		 store_insert_tagged(struct store *, const char *, int64_t,
		    const unsigned char *, const void *, size_t, char **);
int		 store_find(struct store *, const char *, const unsigned char *,
		    int64_t *, char **);
int		 store_tags_bind(struct store *, const char *, int64_t *,
		    char **);
int		 store_update(struct store *, const char *, int64_t,
		    const void *, size_t, char **);
int		 store_get(struct store *, const char *, int64_t, void *,
		    size_t, size_t *, char **);
int		 store_delete(struct store *, const char *, int64_t, char **);
int		 store_checkpoint(struct store *, char **);
int		 store_next_id(struct store *, const char *, int64_t *,
		    char **);
int		 store_count(struct store *, const char *, int64_t *, char **);
int		 store_foreach(struct store *, const char *, store_row_cb,
		    void *, char **);
int		 store_range(struct store *, const char *, int64_t, int64_t,
		    store_row_cb, void *, char **);
int		 store_foreach_skip(struct store *, const char *, store_row_cb,
		    void *, int64_t *, int64_t *, char **);
int		 store_verify(struct store *, int64_t *, int64_t *, char **);
int		 store_integrity(struct store *, char **);
int		 store_verify_only(struct store *, const char *const *,
		    int64_t *, char **);
const char *const *store_tables(void);

struct store_snapshot;
struct store_snapshot *store_snapshot(struct store *, char **);
int		 store_snapshot_copy(struct store_snapshot *, const char *,
		    char **);
void		 store_snapshot_free(struct store_snapshot *);

#endif
