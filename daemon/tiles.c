/*
 * The audit tree in tiles. Level k of the tree's hashes, for k = 0, 1,
 * ..., is H(k, x): the hash of the perfect subtree of the 256^k leaves
 * from x * 256^k (so H(0, x) is leaf x's hash). A tile is 256 consecutive
 * hashes of one level, H(k, 256t .. 256t + 255), and its MTH is H(k + 1,
 * t). Each tile is written once, when its last hash is known, as sealed
 * row (k << 56 | t) of table audit_tiles, in the transaction of the entry
 * that completed it; the hashes after a level's last complete tile (at
 * most 255 a level, plus a batch's pending ones) are kept in memory.
 *
 * So the hash of any perfect subtree of height 8k + r is the MTH of 2^r
 * hashes of level k, all in one tile or in memory: a proof reads at most
 * one tile a hash of it, and start-up reads the at most 255 entries and
 * 255 tiles a level that follow the last complete tile, whatever the size
 * of the log (tiles_open). Go's transparency log (golang.org/x/mod
 * sumdb/tlog) stores its hashes the same way, for the same reason.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "store.h"
#include "tiles.h"
#include "xmalloc.h"

#define TILE_BYTES	(TILE_WIDTH * MERKLE_HASH)

enum tiles_mode { TILES_WRITE, TILES_CHECK };

/* The row id of tile t of level k. */
static int64_t
tile_id(int k, uint64_t t)
{
	return (int64_t)((uint64_t)k << 56 | t);
}

/* Reads tile t of level k into h (TILE_WIDTH hashes): 0, or -1. */
static int
tile_get(struct store *st, int k, uint64_t t, merkle_hash *h, char **cause)
{
	size_t	 len;
	int	 rc;

	rc = store_get(st, "audit_tiles", tile_id(k, t), h, TILE_BYTES, &len,
	    cause);
	if (rc == STORE_NOTFOUND)
		xasprintf(cause, "audit log: tile %d/%llu is missing", k,
		    (unsigned long long)t);
	else if (rc == 0 && len != TILE_BYTES) {
		xasprintf(cause, "audit log: tile %d/%llu is %zu bytes, not "
		    "%d", k, (unsigned long long)t, len, TILE_BYTES);
		rc = -1;
	}
	return rc == 0 ? 0 : -1;
}

/* Leaf x's hash, from entry x + 1 as stored: 0, or -1. */
static int
leaf_get(struct store *st, uint64_t x, unsigned char *out, char **cause)
{
	unsigned char	 buf[ECO_AUDIT_ENTRY_MAX];
	char		 seq[24];
	size_t		 len;
	int		 rc;

	rc = store_get(st, "audit", (int64_t)(x + 1), buf, sizeof buf, &len,
	    cause);
	if (rc == STORE_NOTFOUND)
		xasprintf(cause, "audit log: entry %llu is missing",
		    (unsigned long long)(x + 1));
	if (rc != 0)
		return -1;
	snprintf(seq, sizeof seq, "%llu\t", (unsigned long long)(x + 1));
	if (len < strlen(seq) || memcmp(buf, seq, strlen(seq)) != 0) {
		xasprintf(cause, "audit log: entry %llu is out of order",
		    (unsigned long long)(x + 1));
		sodium_memzero(buf, sizeof buf);
		return -1;
	}
	merkle_leaf(buf, len, out);
	sodium_memzero(buf, sizeof buf);
	return 0;
}

static void
level_append(struct tiles_level *lv, const unsigned char *h)
{
	if (lv->n == lv->cap) {
		lv->cap = lv->cap == 0 ? TILE_WIDTH : lv->cap * 2;
		lv->h = xreallocarray(lv->h, lv->cap, sizeof *lv->h);
	}
	memcpy(lv->h[lv->n++], h, MERKLE_HASH);
}

/*
 * Appends H(k, x) at the end of level k; if that completes a tile, writes
 * it (or, checking, compares it with the stored one) and appends its MTH
 * to level k + 1.
 */
static int
level_push(struct tiles *t, enum tiles_mode mode, int k,
    const unsigned char *h, char **cause)
{
	struct tiles_level	*lv = &t->lv[k];
	merkle_hash		 stored[TILE_WIDTH];
	unsigned char		 root[MERKLE_HASH];
	const merkle_hash	*tile;
	uint64_t		 end, idx;

	level_append(lv, h);
	end = lv->base + lv->n;
	if (end % TILE_WIDTH != 0 || k + 1 == TILE_LEVELS)
		return 0;
	idx = end / TILE_WIDTH - 1;
	tile = lv->h + (idx * TILE_WIDTH - lv->base);
	if (mode == TILES_WRITE) {
		if (store_insert(t->st, "audit_tiles", tile_id(k, idx), tile,
		    TILE_BYTES, cause) != 0)
			return -1;
	} else {
		if (tile_get(t->st, k, idx, stored, cause) != 0)
			return -1;
		if (memcmp(stored, tile, TILE_BYTES) != 0) {
			xasprintf(cause, "audit log: tile %d/%llu does not "
			    "match the entries it covers", k,
			    (unsigned long long)idx);
			return -1;
		}
	}
	merkle_root(tile, TILE_WIDTH, root);
	return level_push(t, mode, k + 1, root, cause);
}

/* How many tiles a log of size entries has stored: those it completes. */
uint64_t
tiles_expected(uint64_t size)
{
	uint64_t	 n = 0, m;
	int		 k;

	for (k = 0, m = size / TILE_WIDTH; k + 1 < TILE_LEVELS && m > 0;
	    k++, m /= TILE_WIDTH)
		n += m;
	return n;
}

/*
 * Counts the stored tiles, into *stored, against those a log of size
 * entries completes (a count of the small table, a 256th of the log):
 * 0 if they agree, 1 if not (*cause names both), -1 if the store fails.
 */
int
tiles_count(struct store *st, uint64_t size, int64_t *stored, char **cause)
{
	if (store_count(st, "audit_tiles", stored, cause) != 0)
		return -1;
	if ((uint64_t)*stored == tiles_expected(size))
		return 0;
	xasprintf(cause, "audit log: %lld tiles are stored, but its %llu "
	    "entries make %llu (the table audit_tiles was changed)",
	    (long long)*stored, (unsigned long long)size,
	    (unsigned long long)tiles_expected(size));
	return 1;
}

/* Appends the hash of a new leaf, writing the tiles it completes inside
 * the open transaction. Returns 0, or -1 with *cause. */
int
tiles_push(struct tiles *t, const unsigned char *leaf, char **cause)
{
	return level_push(t, TILES_WRITE, 0, leaf, cause);
}

/* Each level drops the hashes of its complete tiles, which are stored. */
static void
compact(struct tiles *t)
{
	struct tiles_level	*lv;
	uint64_t		 done;
	int			 k;

	for (k = 0; k < TILE_LEVELS; k++) {
		lv = &t->lv[k];
		done = (lv->base + lv->n) / TILE_WIDTH * TILE_WIDTH - lv->base;
		if (done > 0) {
			memmove(lv->h, lv->h + done,
			    (lv->n - done) * sizeof *lv->h);
			lv->base += done;
			lv->n -= done;
		}
		lv->saved = lv->mark = lv->n;
	}
}

/* The transaction committed: the pending hashes are the tree's. */
void
tiles_committed(struct tiles *t)
{
	compact(t);
}

/* A request's writes are kept in the batch. */
void
tiles_keep(struct tiles *t)
{
	int	 k;

	for (k = 0; k < TILE_LEVELS; k++)
		t->lv[k].mark = t->lv[k].n;
}

/* The request's writes rolled back: back to the last keep. */
void
tiles_abort(struct tiles *t)
{
	int	 k;

	for (k = 0; k < TILE_LEVELS; k++)
		t->lv[k].n = t->lv[k].mark;
}

/* The batch rolled back: back to the last commit. */
void
tiles_abort_batch(struct tiles *t)
{
	int	 k;

	for (k = 0; k < TILE_LEVELS; k++)
		t->lv[k].n = t->lv[k].mark = t->lv[k].saved;
}

/* The frontier of the tree from the levels, the highest first. */
static void
frontier(const struct tiles *t, struct merkle_frontier *f)
{
	uint64_t	 i;
	int		 k;

	memset(f, 0, sizeof *f);
	for (k = TILE_LEVELS - 1; k >= 0; k--)
		for (i = 0; i < t->lv[k].n; i++)
			merkle_frontier_push_node(f, t->lv[k].h[i],
			    k * TILE_HEIGHT);
}

/*
 * Loads the tree of the first size entries of the log from the store:
 * for each level, the hashes after its last complete tile, each the leaf
 * hash of an entry (level 0) or the MTH of a stored tile. Sets *f to its
 * frontier; the caller checks its root against the signed head. Returns
 * 0, or -1 with *cause (a tile missing: the log predates tiles, or a row
 * was removed).
 */
int
tiles_open(struct tiles *t, struct store *st, uint64_t size,
    struct merkle_frontier *f, char **cause)
{
	merkle_hash		 tile[TILE_WIDTH];
	unsigned char		 h[MERKLE_HASH];
	struct tiles_level	*lv;
	uint64_t		 m, x;
	int			 k;

	memset(t, 0, sizeof *t);
	t->st = st;
	for (k = 0; k < TILE_LEVELS; k++) {
		lv = &t->lv[k];
		if ((m = size >> (k * TILE_HEIGHT)) == 0)
			break;
		lv->base = m / TILE_WIDTH * TILE_WIDTH;
		for (x = lv->base; x < m; x++) {
			if (k == 0) {
				if (leaf_get(st, x, h, cause) != 0)
					goto fail;
			} else {
				if (tile_get(st, k - 1, x, tile, cause) != 0)
					goto fail;
				merkle_root(tile, TILE_WIDTH, h);
			}
			level_append(lv, h);
		}
	}
	compact(t);
	frontier(t, f);
	return 0;
fail:
	tiles_free(t);
	return -1;
}

struct rebuild {
	struct tiles		*t;
	enum tiles_mode		 mode;
	uint64_t		 n;
	char			**cause;
};

/* Row loader: entry seq must sit at row id seq, in order. */
static int
rebuild_entry(int64_t id, const unsigned char *buf, size_t len, void *arg)
{
	struct rebuild	*rb = arg;
	unsigned char	 h[MERKLE_HASH];
	char		 seq[24];

	snprintf(seq, sizeof seq, "%lld\t", (long long)id);
	if ((uint64_t)id != rb->n + 1 || len < strlen(seq) ||
	    memcmp(buf, seq, strlen(seq)) != 0) {
		xasprintf(rb->cause, "audit log: entry %llu is missing or "
		    "out of order", (unsigned long long)(rb->n + 1));
		return -1;
	}
	merkle_leaf(buf, len, h);
	if (level_push(rb->t, rb->mode, 0, h, rb->cause) != 0)
		return -1;
	rb->n++;
	compact(rb->t);
	return 0;
}

/*
 * Rebuilds the tree from every entry of the log, in id order, and either
 * writes its tiles (write nonzero, inside an open transaction: a log
 * from before tiles) or checks them against the stored ones. Sets *f to
 * the frontier and *n to the entries read. Returns 0, or -1 with *cause.
 */
int
tiles_rebuild(struct tiles *t, struct store *st, int write,
    struct merkle_frontier *f, uint64_t *n, char **cause)
{
	struct rebuild	 rb = { t, write ? TILES_WRITE : TILES_CHECK, 0,
			    cause };

	memset(t, 0, sizeof *t);
	t->st = st;
	*cause = NULL;
	if (store_foreach(st, "audit", rebuild_entry, &rb, cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "audit log: entry %llu is missing "
			    "or out of order", (unsigned long long)(rb.n + 1));
		tiles_free(t);
		return -1;
	}
	frontier(t, f);
	*n = rb.n;
	return 0;
}

void
tiles_free(struct tiles *t)
{
	int	 k;

	for (k = 0; k < TILE_LEVELS; k++) {
		if (t->lv[k].h != NULL)
			sodium_memzero(t->lv[k].h, t->lv[k].cap *
			    sizeof *t->lv[k].h);
		free(t->lv[k].h);
		t->lv[k].h = NULL;
		t->lv[k].n = t->lv[k].cap = 0;
	}
	sodium_memzero(t->cache, sizeof t->cache);
	free(t->cause);
	t->cause = NULL;
}

/* The MTH of the perfect subtree of height h at index j into out. */
static int
subtree(struct tiles *t, int h, uint64_t j, unsigned char *out)
{
	struct tiles_cache	*tc;
	struct tiles_level	*lv;
	const merkle_hash	*from;
	uint64_t		 first, count;
	int			 k = h / TILE_HEIGHT;

	lv = &t->lv[k];
	count = (uint64_t)1 << (h % TILE_HEIGHT);
	first = j << (h % TILE_HEIGHT);
	if (first + count > lv->base + lv->n) {
		free(t->cause);
		xasprintf(&t->cause, "audit log: no subtree %d/%llu in a tree "
		    "of %llu", h, (unsigned long long)j,
		    (unsigned long long)(t->lv[0].base + t->lv[0].n));
		return -1;
	}
	if (first >= lv->base)
		from = lv->h + (first - lv->base);
	else {
		tc = &t->cache[k];
		if (!tc->valid || tc->t != first / TILE_WIDTH) {
			free(t->cause);
			t->cause = NULL;
			tc->valid = 0;
			if (tile_get(t->st, k, first / TILE_WIDTH, tc->h,
			    &t->cause) != 0)
				return -1;
			tc->valid = 1;
			tc->t = first / TILE_WIDTH;
		}
		from = tc->h + first % TILE_WIDTH;
	}
	merkle_root(from, count, out);
	return 0;
}

/*
 * A merkle_range_fn over the tree (arg: the struct tiles): the MTH of
 * leaves lo .. lo + n - 1, composed of the perfect subtrees that make it
 * up. Returns 0, or -1 with why in t->cause.
 */
int
tiles_range(void *arg, uint64_t lo, uint64_t n, unsigned char *out)
{
	struct tiles	*t = arg;
	unsigned char	 l[MERKLE_HASH], r[MERKLE_HASH];
	uint64_t	 k = 1;
	int		 h = 0;

	if (n == 0) {
		free(t->cause);
		xasprintf(&t->cause, "audit log: an empty range");
		return -1;
	}
	if ((n & (n - 1)) == 0 && lo % n == 0) {
		while (((uint64_t)1 << h) < n)
			h++;
		return subtree(t, h, lo >> h, out);
	}
	while (k << 1 < n)
		k <<= 1;
	if (tiles_range(t, lo, k, l) != 0 || tiles_range(t, lo + k, n - k,
	    r) != 0)
		return -1;
	merkle_node(l, r, out);
	return 0;
}
