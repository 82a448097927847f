/*
 * RFC 9162 (Certificate Transparency v2) Merkle trees over SHA-256:
 * leaf hash SHA-256(0x00 || data), node hash SHA-256(0x01 || l || r).
 */
#ifndef ECO_MERKLE_H
#define ECO_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define MERKLE_HASH	32

typedef unsigned char	merkle_hash[MERKLE_HASH];

void	merkle_leaf(const void *, size_t, unsigned char *);
void	merkle_node(const unsigned char *, const unsigned char *,
	    unsigned char *);
void	merkle_root(const merkle_hash *, uint64_t, unsigned char *);
size_t	merkle_inclusion(const merkle_hash *, uint64_t, uint64_t,
	    merkle_hash *);
size_t	merkle_consistency(const merkle_hash *, uint64_t, uint64_t,
	    merkle_hash *);
/* The MTH of leaves lo .. lo + n - 1 (n > 0) into out: 0, or -1. */
typedef int	(*merkle_range_fn)(void *, uint64_t, uint64_t, unsigned char *);
int	merkle_inclusion_from(merkle_range_fn, void *, uint64_t, uint64_t,
	    merkle_hash *, size_t *);
int	merkle_consistency_from(merkle_range_fn, void *, uint64_t, uint64_t,
	    merkle_hash *, size_t *);
int	merkle_verify_inclusion(uint64_t, uint64_t, const unsigned char *,
	    size_t, const merkle_hash *, size_t, const unsigned char *,
	    size_t);
int	merkle_verify_consistency(uint64_t, uint64_t, const unsigned char *,
	    size_t, const unsigned char *, size_t, const merkle_hash *,
	    size_t);

#define MERKLE_MAX_PROOF	64

/* The perfect subtrees of a growing tree, largest first: the root of n
 * leaves in O(log n) after each append. */
struct merkle_frontier {
	int		 n;
	int		 height[64];
	merkle_hash	 h[64];
};

void	merkle_frontier_push(struct merkle_frontier *, const unsigned char *);
void	merkle_frontier_push_node(struct merkle_frontier *,
	    const unsigned char *, int);
void	merkle_frontier_root(const struct merkle_frontier *, unsigned char *);

#endif
