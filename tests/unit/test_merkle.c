/*
 * The Merkle tree against the public RFC 6962 / 9162 test vectors in
 * ../shared/testdata/rfc6962 (or $ECO_TESTDATA), read at run time: every
 * inclusion and consistency file must verify or fail as it says, and the
 * proofs this code builds over the standard test tree must equal those
 * of the happy-path files.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "merkle.h"

/* The leaves of the standard test tree (RFC 6962 test data), in hex. */
static const char *const tree_hex[] = { "", "00", "10", "2021", "3031",
    "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" };
#define TREE_SIZE	8

static char	 root_dir[512];
static int	 nfiles;

/* Returns the JSON value text after "key": in doc, or NULL. */
static const char *
json_value(const char *doc, const char *key)
{
	char		 pat[64];
	const char	*p;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	if ((p = strstr(doc, pat)) == NULL || (p = strchr(p, ':')) == NULL)
		return NULL;
	for (p++; *p == ' ' || *p == '\n' || *p == '\t'; p++)
		;
	return p;
}

static uint64_t
json_u64(const char *doc, const char *key)
{
	const char	*v = json_value(doc, key);

	assert_non_null(v);
	return strtoull(v, NULL, 10);
}

static int
json_bool(const char *doc, const char *key)
{
	const char	*v = json_value(doc, key);

	assert_non_null(v);
	return strncmp(v, "true", 4) == 0;
}

/* Decodes the base64 string starting at v (a '"') into out; length. */
static size_t
b64_at(const char *v, unsigned char *out, size_t max)
{
	const char	*end;
	size_t		 len = 0;

	assert_int_equal(*v, '"');
	end = strchr(v + 1, '"');
	assert_non_null(end);
	if (end == v + 1)
		return 0;
	assert_int_equal(sodium_base642bin(out, max, v + 1, end - v - 1, NULL,
	    &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	return len;
}

static size_t
json_b64(const char *doc, const char *key, unsigned char *out, size_t max)
{
	const char	*v = json_value(doc, key);

	assert_non_null(v);
	return b64_at(v, out, max);
}

/* Reads the "proof" array (null or strings); returns its length, or -1
 * if an element is not a 32-byte hash (such a proof cannot verify). */
static int
json_proof(const char *doc, merkle_hash *proof)
{
	const char	*v = json_value(doc, "proof");
	unsigned char	 buf[128];
	int		 n = 0, bad = 0;
	size_t		 len;

	assert_non_null(v);
	if (strncmp(v, "null", 4) == 0)
		return 0;
	assert_int_equal(*v, '[');
	for (v++; ; ) {
		while (*v == ' ' || *v == '\n' || *v == ',')
			v++;
		if (*v == ']')
			break;
		len = b64_at(v, buf, sizeof buf);
		if (len != MERKLE_HASH)
			bad = 1;
		else if (n < MERKLE_MAX_PROOF)
			memcpy(proof[n], buf, MERKLE_HASH);
		n++;
		v = strchr(v + 1, '"') + 1;
	}
	return bad || n > MERKLE_MAX_PROOF ? -1 : n;
}

static char *
slurp(const char *path)
{
	FILE	*fp = fopen(path, "r");
	char	*buf;
	long	 n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n + 1);
	assert_int_equal(fread(buf, 1, n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* The leaf hashes of the standard test tree. */
static void
test_tree(merkle_hash *leaves)
{
	unsigned char	 bin[32];
	size_t		 i, len;

	for (i = 0; i < TREE_SIZE; i++) {
		assert_int_equal(sodium_hex2bin(bin, sizeof bin, tree_hex[i],
		    strlen(tree_hex[i]), NULL, &len, NULL), 0);
		merkle_leaf(bin, len, leaves[i]);
	}
}

static void
check_inclusion(const char *path)
{
	char		*doc = slurp(path);
	merkle_hash	 proof[MERKLE_MAX_PROOF], built[MERKLE_MAX_PROOF];
	merkle_hash	 leaves[TREE_SIZE];
	unsigned char	 root[128], leaf[128];
	size_t		 rootlen, leaflen, blen;
	uint64_t	 idx = json_u64(doc, "leafIdx"), size;
	int		 n, want_err = json_bool(doc, "wantErr"), rc;

	size = json_u64(doc, "treeSize");
	rootlen = json_b64(doc, "root", root, sizeof root);
	leaflen = json_b64(doc, "leafHash", leaf, sizeof leaf);
	n = json_proof(doc, proof);
	rc = n < 0 ? -1 : merkle_verify_inclusion(idx, size, leaf, leaflen,
	    proof, (size_t)n, root, rootlen);
	if ((rc != 0) != want_err)
		fail_msg("%s: wantErr %d, verify said %d", path, want_err, rc);
	/* Happy paths over the test tree: our own proof is the same. */
	if (!want_err && size <= TREE_SIZE && size > 1 &&
	    strstr(path, "happy-path") != NULL) {
		test_tree(leaves);
		blen = merkle_inclusion(leaves, size, idx, built);
		assert_int_equal(blen, n);
		assert_memory_equal(built, proof, blen * MERKLE_HASH);
		merkle_root(leaves, size, leaf);
		assert_memory_equal(leaf, root, MERKLE_HASH);
	}
	nfiles++;
	free(doc);
}

static void
check_consistency(const char *path)
{
	char		*doc = slurp(path);
	merkle_hash	 proof[MERKLE_MAX_PROOF], built[MERKLE_MAX_PROOF];
	merkle_hash	 leaves[TREE_SIZE];
	unsigned char	 r1[128], r2[128];
	size_t		 l1, l2, blen;
	uint64_t	 s1 = json_u64(doc, "size1"), s2 = json_u64(doc, "size2");
	int		 n, want_err = json_bool(doc, "wantErr"), rc;

	l1 = json_b64(doc, "root1", r1, sizeof r1);
	l2 = json_b64(doc, "root2", r2, sizeof r2);
	n = json_proof(doc, proof);
	rc = n < 0 ? -1 : merkle_verify_consistency(s1, s2, r1, l1, r2, l2,
	    proof, (size_t)n);
	if ((rc != 0) != want_err)
		fail_msg("%s: wantErr %d, verify said %d", path, want_err, rc);
	if (!want_err && s2 <= TREE_SIZE && s1 < s2 &&
	    strstr(path, "happy-path") != NULL) {
		test_tree(leaves);
		blen = merkle_consistency(leaves, s2, s1, built);
		assert_int_equal(blen, n);
		assert_memory_equal(built, proof, blen * MERKLE_HASH);
	}
	nfiles++;
	free(doc);
}

/* Runs check on every .json file under dir, recursively. */
static void
walk(const char *dir, void (*check)(const char *))
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	char		 path[1024];

	if (d == NULL)
		fail_msg("%s: cannot open the test vectors", dir);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (e->d_type == DT_DIR)
			walk(path, check);
		else if (strstr(e->d_name, ".json") != NULL)
			check(path);
	}
	closedir(d);
}

static void
test_inclusion_vectors(void **state)
{
	char	 dir[600];

	nfiles = 0;
	snprintf(dir, sizeof dir, "%s/inclusion", root_dir);
	walk(dir, check_inclusion);
	assert_true(nfiles >= 90);
}

static void
test_consistency_vectors(void **state)
{
	char	 dir[600];

	nfiles = 0;
	snprintf(dir, sizeof dir, "%s/consistency", root_dir);
	walk(dir, check_consistency);
	assert_true(nfiles >= 90);
}

/* Beyond the vectors: every proof this code builds, for every pair of
 * sizes up to 70 leaves, verifies; and a changed leaf breaks them. */
static void
test_generated_proofs_verify(void **state)
{
	merkle_hash	 leaves[70], proof[MERKLE_MAX_PROOF];
	unsigned char	 r1[MERKLE_HASH], r2[MERKLE_HASH];
	uint64_t	 i, m, n;
	size_t		 len;

	for (i = 0; i < 70; i++)
		merkle_leaf(&i, sizeof i, leaves[i]);
	for (n = 1; n <= 70; n++) {
		merkle_root(leaves, n, r2);
		for (m = 0; m < n; m++) {
			len = merkle_inclusion(leaves, n, m, proof);
			assert_int_equal(merkle_verify_inclusion(m, n,
			    leaves[m], MERKLE_HASH, proof, len, r2,
			    MERKLE_HASH), 0);
			assert_int_equal(merkle_verify_inclusion(m, n,
			    leaves[(m + 1) % n == m ? m : (m + 1) % n],
			    MERKLE_HASH, proof, len, r2, MERKLE_HASH),
			    n == 1 ? 0 : -1);
		}
		for (m = 1; m <= n; m++) {
			merkle_root(leaves, m, r1);
			len = merkle_consistency(leaves, n, m, proof);
			assert_int_equal(merkle_verify_consistency(m, n, r1,
			    MERKLE_HASH, r2, MERKLE_HASH, proof, len), 0);
			r1[0] ^= 1;
			assert_int_equal(merkle_verify_consistency(m, n, r1,
			    MERKLE_HASH, r2, MERKLE_HASH, proof, len), -1);
		}
	}
}

/* The frontier's root equals MTH at every size. */
static void
test_frontier(void **state)
{
	struct merkle_frontier	 f;
	merkle_hash		 leaves[300];
	unsigned char		 a[MERKLE_HASH], b[MERKLE_HASH];
	uint64_t		 i;

	memset(&f, 0, sizeof f);
	merkle_frontier_root(&f, a);
	merkle_root(leaves, 0, b);
	assert_memory_equal(a, b, MERKLE_HASH);
	for (i = 0; i < 300; i++) {
		merkle_leaf(&i, sizeof i, leaves[i]);
		merkle_frontier_push(&f, leaves[i]);
		merkle_frontier_root(&f, a);
		merkle_root(leaves, i + 1, b);
		assert_memory_equal(a, b, MERKLE_HASH);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inclusion_vectors),
		cmocka_unit_test(test_consistency_vectors),
		cmocka_unit_test(test_generated_proofs_verify),
		cmocka_unit_test(test_frontier),
	};
	const char	*env = getenv("ECO_TESTDATA");

	if (sodium_init() < 0)
		return 1;
	snprintf(root_dir, sizeof root_dir, "%s", env != NULL ? env :
	    "../shared/testdata/rfc6962");
	return cmocka_run_group_tests_name("merkle", tests, NULL, NULL);
}
