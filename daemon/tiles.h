/*
 * The audit tree's hashes, kept in the store as tiles, so that start-up
 * and proofs read O(log n) rows instead of hashing every entry. See
 * docs/AUDIT.md, "Tiles".
 */
#ifndef ECOD_TILES_H
#define ECOD_TILES_H

#include <stdint.h>

#include "merkle.h"

struct store;

#define TILE_HEIGHT	8			/* levels of the tree a tile holds */
#define TILE_WIDTH	(1 << TILE_HEIGHT)	/* hashes a tile */
#define TILE_LEVELS	(64 / TILE_HEIGHT)

/*
 * Level k of the tiles holds the hashes of the tree's perfect subtrees of
 * 256^k leaves. Those of complete tiles are in the store (table
 * audit_tiles); those after the last complete tile are here, with the
 * pending ones of the open batch after them.
 */
struct tiles_level {
	merkle_hash	*h;
	uint64_t	 base;		/* index of h[0]; a multiple of 256 */
	uint64_t	 n;		/* committed and pending */
	uint64_t	 cap;
	uint64_t	 saved;		/* n at the last commit */
	uint64_t	 mark;		/* n when the last request was kept */
};

/* The last stored tile a proof read at a level: tiles never change once
 * written, and a proof's hashes of one level share their tile. */
struct tiles_cache {
	int		 valid;
	uint64_t	 t;
	merkle_hash	 h[TILE_WIDTH];
};

struct tiles {
	struct store		*st;
	struct tiles_level	 lv[TILE_LEVELS];	/* lv[0]: the leaves */
	struct tiles_cache	 cache[TILE_LEVELS];
	char			*cause;		/* why tiles_range failed */
};

int	tiles_open(struct tiles *, struct store *, uint64_t,
	    struct merkle_frontier *, char **);
int	tiles_rebuild(struct tiles *, struct store *, int,
	    struct merkle_frontier *, uint64_t *, char **);
void	tiles_free(struct tiles *);
uint64_t tiles_expected(uint64_t);
int	tiles_count(struct store *, uint64_t, int64_t *, char **);
int	tiles_push(struct tiles *, const unsigned char *, char **);
void	tiles_keep(struct tiles *);
void	tiles_abort(struct tiles *);
void	tiles_abort_batch(struct tiles *);
void	tiles_committed(struct tiles *);
int	tiles_range(void *, uint64_t, uint64_t, unsigned char *);

#endif
