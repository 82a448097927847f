/*
 * RFC 9162 section 2.1: the Merkle tree hash (MTH), inclusion paths
 * (2.1.3) and consistency proofs (2.1.4), and their verification, written
 * from the RFC's definitions. Pure: no I/O, no allocation.
 */
#include <sodium.h>
#include <string.h>

#include "merkle.h"

/* Leaf hash: SHA-256(0x00 || data). */
void
merkle_leaf(const void *data, size_t len, unsigned char *out)
{
	crypto_hash_sha256_state	 st;
	unsigned char			 zero = 0x00;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, out);
}

/* Node hash: SHA-256(0x01 || left || right); out may alias either. */
void
merkle_node(const unsigned char *l, const unsigned char *r,
    unsigned char *out)
{
	unsigned char	 buf[1 + 2 * MERKLE_HASH];

	buf[0] = 0x01;
	memcpy(buf + 1, l, MERKLE_HASH);
	memcpy(buf + 1 + MERKLE_HASH, r, MERKLE_HASH);
	crypto_hash_sha256(out, buf, sizeof buf);
}

/* The largest power of two smaller than n (n > 1): the split point k. */
static uint64_t
split(uint64_t n)
{
	uint64_t	 k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH of the n leaf hashes at leaves (SHA-256 of nothing when n is 0). */
void
merkle_root(const merkle_hash *leaves, uint64_t n, unsigned char *out)
{
	unsigned char	 l[MERKLE_HASH], r[MERKLE_HASH];
	uint64_t	 k;

	if (n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[0], MERKLE_HASH);
		return;
	}
	k = split(n);
	merkle_root(leaves, k, l);
	merkle_root(leaves + k, n - k, r);
	merkle_node(l, r, out);
}

/* A range source over an array of leaf hashes. */
static int
array_range(void *arg, uint64_t lo, uint64_t n, unsigned char *out)
{
	merkle_root((const merkle_hash *)arg + lo, n, out);
	return 0;
}

/* PATH(m, D[lo .. lo + n - 1]) of RFC 9162 2.1.3.1, its length in *len. */
static int
path(merkle_range_fn range, void *arg, uint64_t lo, uint64_t n, uint64_t m,
    merkle_hash *proof, size_t *len)
{
	uint64_t	 k;

	if (n <= 1) {
		*len = 0;
		return 0;
	}
	k = split(n);
	if (m < k) {
		if (path(range, arg, lo, k, m, proof, len) != 0 ||
		    range(arg, lo + k, n - k, proof[*len]) != 0)
			return -1;
	} else {
		if (path(range, arg, lo + k, n - k, m - k, proof, len) != 0 ||
		    range(arg, lo, k, proof[*len]) != 0)
			return -1;
	}
	(*len)++;
	return 0;
}

/* SUBPROOF(m, D[lo .. lo + n - 1], b) of RFC 9162 2.1.4.1. */
static int
subproof(merkle_range_fn range, void *arg, uint64_t lo, uint64_t n,
    uint64_t m, int b, merkle_hash *proof, size_t *len)
{
	uint64_t	 k;

	if (m == n) {
		if (b) {
			*len = 0;
			return 0;
		}
		*len = 1;
		return range(arg, lo, n, proof[0]);
	}
	k = split(n);
	if (m <= k) {
		if (subproof(range, arg, lo, k, m, b, proof, len) != 0 ||
		    range(arg, lo + k, n - k, proof[*len]) != 0)
			return -1;
	} else {
		if (subproof(range, arg, lo + k, n - k, m - k, 0, proof,
		    len) != 0 || range(arg, lo, k, proof[*len]) != 0)
			return -1;
	}
	(*len)++;
	return 0;
}

/*
 * PATH(m, D[n]) from a source of subtree hashes: range(arg, lo, k, out)
 * puts the MTH of leaves lo .. lo + k - 1 into out, or fails. The proof
 * (MERKLE_MAX_PROOF) gets *len hashes. Returns 0, or -1 if range failed.
 */
int
merkle_inclusion_from(merkle_range_fn range, void *arg, uint64_t n,
    uint64_t m, merkle_hash *proof, size_t *len)
{
	return path(range, arg, 0, n, m, proof, len);
}

/* PROOF(m, D[n]) (0 < m <= n) from a source of subtree hashes, as above. */
int
merkle_consistency_from(merkle_range_fn range, void *arg, uint64_t n,
    uint64_t m, merkle_hash *proof, size_t *len)
{
	*len = 0;
	if (m == 0 || m >= n)
		return 0;
	return subproof(range, arg, 0, n, m, 1, proof, len);
}

/*
 * PATH(m, D[n]): the inclusion path of leaf m in the tree of the first n
 * leaves, into proof (MERKLE_MAX_PROOF). Returns its length.
 */
size_t
merkle_inclusion(const merkle_hash *leaves, uint64_t n, uint64_t m,
    merkle_hash *proof)
{
	size_t	 len;

	path(array_range, (void *)leaves, 0, n, m, proof, &len);
	return len;
}

/*
 * PROOF(m, D[n]): the consistency proof from the tree of the first m
 * leaves to that of the first n (0 < m <= n), into proof. Returns its
 * length.
 */
size_t
merkle_consistency(const merkle_hash *leaves, uint64_t n, uint64_t m,
    merkle_hash *proof)
{
	size_t	 len;

	merkle_consistency_from(array_range, (void *)leaves, n, m, proof,
	    &len);
	return len;
}

/*
 * Verifies that leaf hash leaf (leaflen bytes) is at index in the tree of
 * size whose root is root (rootlen bytes), per RFC 9162 2.1.3.2.
 * Returns 0 if proven, -1 otherwise.
 */
int
merkle_verify_inclusion(uint64_t index, uint64_t size,
    const unsigned char *leaf, size_t leaflen, const merkle_hash *proof,
    size_t plen, const unsigned char *root, size_t rootlen)
{
	unsigned char	 r[MERKLE_HASH];
	uint64_t	 fn, sn;
	size_t		 i;

	if (index >= size || leaflen != MERKLE_HASH || rootlen != MERKLE_HASH)
		return -1;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, MERKLE_HASH);
	for (i = 0; i < plen; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			merkle_node(proof[i], r, r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else
			merkle_node(r, proof[i], r);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(r, root, MERKLE_HASH) == 0 ? 0 : -1;
}

/*
 * Verifies that the tree of size1 with root1 is a prefix of the tree of
 * size2 with root2, per RFC 9162 2.1.4.2. Equal sizes need equal roots
 * and no proof; a first size of 0 proves nothing and is refused.
 * Returns 0 if proven, -1 otherwise.
 */
int
merkle_verify_consistency(uint64_t size1, uint64_t size2,
    const unsigned char *root1, size_t len1, const unsigned char *root2,
    size_t len2, const merkle_hash *proof, size_t plen)
{
	merkle_hash	 path[MERKLE_MAX_PROOF + 1];
	unsigned char	 fr[MERKLE_HASH], sr[MERKLE_HASH];
	uint64_t	 fn, sn;
	size_t		 n = 0, i;

	if (size1 == 0 || size1 > size2)
		return -1;
	if (size1 == size2)
		return plen == 0 && len1 == len2 &&
		    sodium_memcmp(root1, root2, len1) == 0 ? 0 : -1;
	if (plen == 0 || plen > MERKLE_MAX_PROOF || len1 != MERKLE_HASH ||
	    len2 != MERKLE_HASH)
		return -1;
	/* If size1 is a power of two, its root starts the path. */
	if ((size1 & (size1 - 1)) == 0)
		memcpy(path[n++], root1, MERKLE_HASH);
	for (i = 0; i < plen; i++)
		memcpy(path[n++], proof[i], MERKLE_HASH);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, path[0], MERKLE_HASH);
	memcpy(sr, path[0], MERKLE_HASH);
	for (i = 1; i < n; i++) {
		if (sn == 0)
			return -1;
		if ((fn & 1) || fn == sn) {
			merkle_node(path[i], fr, fr);
			merkle_node(path[i], sr, sr);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else
			merkle_node(sr, path[i], sr);
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && sodium_memcmp(fr, root1, MERKLE_HASH) == 0 &&
	    sodium_memcmp(sr, root2, MERKLE_HASH) == 0 ? 0 : -1;
}

/* Appends a leaf hash, merging equal perfect subtrees. */
void
merkle_frontier_push(struct merkle_frontier *f, const unsigned char *leaf)
{
	merkle_frontier_push_node(f, leaf, 0);
}

/* Pushes the hash of a perfect subtree of the given height, which must
 * start where the leaves pushed so far end (aligned to its size). */
void
merkle_frontier_push_node(struct merkle_frontier *f, const unsigned char *h,
    int height)
{
	memcpy(f->h[f->n], h, MERKLE_HASH);
	f->height[f->n++] = height;
	while (f->n >= 2 && f->height[f->n - 1] == f->height[f->n - 2]) {
		merkle_node(f->h[f->n - 2], f->h[f->n - 1], f->h[f->n - 2]);
		f->height[f->n - 2]++;
		f->n--;
	}
}

/* The MTH of the leaves pushed so far: the subtrees folded from the right. */
void
merkle_frontier_root(const struct merkle_frontier *f, unsigned char *out)
{
	unsigned char	 r[MERKLE_HASH];
	int		 i;

	if (f->n == 0) {
		crypto_hash_sha256(out, NULL, 0);
		return;
	}
	memcpy(r, f->h[f->n - 1], MERKLE_HASH);
	for (i = f->n - 2; i >= 0; i--)
		merkle_node(f->h[i], r, r);
	memcpy(out, r, MERKLE_HASH);
}
