/*
 * Unit tests of the record store on a real SQLite file: rows round-trip,
 * nothing of their content reaches the file or its WAL, and a row changed
 * on disk is reported by table and id, never returned.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>
#include <sqlite3.h>

#include "merkle.h"
#include "seal.h"
#include "store.h"
#include "tiles.h"

#define MARKER	"ECO-MARKER-c0ffee-5e55"

struct fixture {
	char		 dir[64];
	char		 db[96];
	struct seal	*seal;
	struct store	*st;
};

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof *f);
	unsigned char	 master[MASTER_KEY_BYTES];
	char		*cause;

	snprintf(f->dir, sizeof f->dir, "/tmp/eco-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/ecod.db", f->dir);
	randombytes_buf(master, sizeof master);
	f->seal = seal_create(master);
	if ((f->st = store_open(f->db, 1, &cause)) == NULL)
		return -1;
	store_set_seal(f->st, f->seal);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 path[128];

	store_close(f->st);
	seal_free(f->seal);
	unlink(f->db);
	snprintf(path, sizeof path, "%s-wal", f->db);
	unlink(path);
	snprintf(path, sizeof path, "%s-shm", f->db);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Returns 1 if the file at path holds needle anywhere. */
static int
file_holds(const char *path, const char *needle)
{
	FILE	*fp;
	char	*buf;
	long	 n;
	int	 found;

	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc(n + 1);
	assert_int_equal(fread(buf, 1, n, fp), (size_t)n);
	fclose(fp);
	found = memmem(buf, n, needle, strlen(needle)) != NULL;
	free(buf);
	return found;
}

/* Runs one statement on the file through a connection of its own. */
static void
raw_sql(struct fixture *f, const char *sql)
{
	sqlite3	*db;

	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_roundtrip_and_ids(void **state)
{
	struct fixture	*f = *state;
	char		 out[64], *cause = NULL;
	size_t		 len;
	int64_t		 id, n;

	assert_int_equal(store_schema_version(f->st), 6);	/* messages (issue 14) */
	assert_int_equal(store_next_id(f->st, "meta", &id, &cause), 0);
	assert_int_equal(id, 1);
	assert_int_equal(store_insert(f->st, "meta", 5, "hola", 4, &cause), 0);
	assert_int_equal(store_next_id(f->st, "meta", &id, &cause), 0);
	assert_int_equal(id, 6);
	assert_int_equal(store_get(f->st, "meta", 5, out, sizeof out, &len,
	    &cause), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "hola", 4);
	assert_int_equal(store_update(f->st, "meta", 5, "adiós", 6, &cause),
	    0);
	assert_int_equal(store_get(f->st, "meta", 5, out, sizeof out, &len,
	    &cause), 0);
	assert_memory_equal(out, "adiós", 6);
	assert_int_equal(store_get(f->st, "meta", 9, out, sizeof out, &len,
	    &cause), STORE_NOTFOUND);
	assert_int_equal(store_insert(f->st, "meta", 5, "dup", 3, &cause), -1);
	free(cause);
	assert_int_equal(store_update(f->st, "meta", 77, "x", 1, &cause), -1);
	assert_non_null(strstr(cause, "no such row"));
	free(cause);
	assert_int_equal(store_count(f->st, "meta", &n, &cause), 0);
	assert_int_equal(n, 1);
}

/* Cases 4 ("a", tag t1 of CODE-ONE) and 5 ("b", t2 of CODE-TWO). */
static void
two_cases(struct fixture *f, unsigned char *t1, unsigned char *t2)
{
	char	*cause;

	seal_index(f->seal, "cases", "CODE-ONE", 8, t1);
	seal_index(f->seal, "cases", "CODE-TWO", 8, t2);
	assert_int_equal(store_insert_tagged(f->st, "cases", 4, t1, "a", 1,
	    &cause), 0);
	assert_int_equal(store_insert_tagged(f->st, "cases", 5, t2, "b", 1,
	    &cause), 0);
}

static void
test_tags(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 t1[BLIND_INDEX_BYTES], t2[BLIND_INDEX_BYTES];
	char		*cause = NULL;
	int64_t		 id;

	two_cases(f, t1, t2);
	assert_int_equal(store_find(f->st, "cases", t2, &id, &cause), 0);
	assert_int_equal(id, 5);
	assert_int_equal(store_find(f->st, "cases", t1, &id, &cause), 0);
	assert_int_equal(id, 4);
	/* A tag is unique: a second row cannot claim it. */
	assert_int_equal(store_insert_tagged(f->st, "cases", 6, t1, "c", 1,
	    &cause), -1);
	free(cause);
	seal_index(f->seal, "cases", "CODE-ZZZ", 8, t1);
	assert_int_equal(store_find(f->st, "cases", t1, &id, &cause),
	    STORE_NOTFOUND);
}

/*
 * The tag column is outside the seal, but a tagged body starts with its
 * tag: two cases' tags exchanged on disk make each code fail, never find
 * the other's case. Rows from before (a body without its tag) get it from
 * store_tags_bind, and are found by it after.
 */
static void
test_tags_moved(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 t1[BLIND_INDEX_BYTES], t2[BLIND_INDEX_BYTES];
	char		 out[64], *cause = NULL;
	size_t		 len;
	int64_t		 id, rows;

	two_cases(f, t1, t2);
	assert_int_equal(store_get(f->st, "cases", 4, out, sizeof out, &len,
	    &cause), 0);
	assert_int_equal(len, BLIND_INDEX_BYTES + 1);
	assert_memory_equal(out, t1, BLIND_INDEX_BYTES);
	assert_int_equal(out[BLIND_INDEX_BYTES], 'a');

	raw_sql(f, "CREATE TEMP TABLE t AS SELECT id, tag FROM cases;"
	    "UPDATE cases SET tag = NULL; UPDATE cases SET tag = "
	    "(SELECT tag FROM t WHERE t.id = 9 - cases.id);");	/* 4 <-> 5 */
	assert_int_equal(store_find(f->st, "cases", t2, &id, &cause), -1);
	assert_non_null(strstr(cause, "table cases row 4 fails "
	    "authentication"));
	free(cause);
	assert_int_equal(store_find(f->st, "cases", t1, &id, &cause), -1);
	assert_non_null(strstr(cause, "table cases row 5 fails "
	    "authentication"));
	free(cause);
	/* and every scan of the table (admin verify, the purge) */
	assert_int_equal(store_foreach(f->st, "cases", NULL, NULL, &cause),
	    -1);
	assert_non_null(strstr(cause, "table cases row 4 fails "
	    "authentication"));
	free(cause);

	/* a body from before tags were sealed in, tagged by SQL */
	raw_sql(f, "DELETE FROM cases;");
	assert_int_equal(store_insert(f->st, "cases", 7, "old", 3, &cause), 0);
	assert_int_equal(store_insert(f->st, "cases", 8, "new", 3, &cause), 0);
	raw_sql(f, "UPDATE cases SET tag = zeroblob(32) WHERE id = 7;");
	assert_int_equal(store_begin(f->st, &cause), 0);
	assert_int_equal(store_tags_bind(f->st, "cases", &rows, &cause), 0);
	assert_int_equal(store_commit(f->st, &cause), 0);
	assert_int_equal(rows, 1);
	memset(t1, 0, sizeof t1);
	assert_int_equal(store_find(f->st, "cases", t1, &id, &cause), 0);
	assert_int_equal(id, 7);
	assert_int_equal(store_get(f->st, "cases", 7, out, sizeof out, &len,
	    &cause), 0);
	assert_int_equal(len, BLIND_INDEX_BYTES + 3);
	assert_memory_equal(out + BLIND_INDEX_BYTES, "old", 3);
	assert_int_equal(store_get(f->st, "cases", 8, out, sizeof out, &len,
	    &cause), 0);
	assert_int_equal(len, 3);		/* untagged: left as it was */
}

static void
test_rollback(void **state)
{
	struct fixture	*f = *state;
	char		*cause;
	int64_t		 n;

	assert_int_equal(store_begin(f->st, &cause), 0);
	assert_int_equal(store_insert(f->st, "meta", 1, "a", 1, &cause), 0);
	store_rollback(f->st);
	assert_int_equal(store_count(f->st, "meta", &n, &cause), 0);
	assert_int_equal(n, 0);
}

/* A re-seal puts every row under the new seal, none under the old; rolled
 * back, it leaves them all under the old. */
static void
test_reseal(void **state)
{
	struct fixture	*f = *state;
	unsigned char	 k2[MASTER_KEY_BYTES];
	struct seal	*next;
	char		 buf[16], *cause = NULL;
	size_t		 len;
	int64_t		 rows, total;

	assert_int_equal(store_begin(f->st, &cause), 0);
	assert_int_equal(store_insert(f->st, "meta", 1, "one", 3, &cause), 0);
	assert_int_equal(store_insert(f->st, "slots", 1, "two", 3, &cause), 0);
	assert_int_equal(store_insert(f->st, "slots", 2, "three", 5, &cause),
	    0);
	assert_int_equal(store_commit(f->st, &cause), 0);
	randombytes_buf(k2, sizeof k2);
	next = seal_create(k2);

	assert_int_equal(store_begin(f->st, &cause), 0);
	assert_int_equal(store_reseal(f->st, next, &rows, &cause), 0);
	assert_int_equal(rows, 3);
	store_rollback(f->st);
	assert_int_equal(store_verify(f->st, NULL, &total, &cause), 0);

	assert_int_equal(store_begin(f->st, &cause), 0);
	assert_int_equal(store_reseal(f->st, next, &rows, &cause), 0);
	assert_int_equal(store_commit(f->st, &cause), 0);
	assert_int_equal(store_verify(f->st, NULL, &total, &cause), -1);
	assert_non_null(strstr(cause, "table meta row 1"));
	free(cause);
	store_set_seal(f->st, next);
	assert_int_equal(store_verify(f->st, NULL, &total, &cause), 0);
	assert_int_equal(total, 3);
	assert_int_equal(store_get(f->st, "slots", 2, buf, sizeof buf, &len,
	    &cause), 0);
	assert_memory_equal(buf, "three", 5);
	store_set_seal(f->st, f->seal);
	seal_free(next);
}

/* The marker is in every row; it must be in neither the file nor the WAL,
 * while a plaintext control written the same way is found in both paths. */
static void
test_marker_not_on_disk(void **state)
{
	struct fixture	*f = *state;
	char		 row[128], wal[128], *cause;
	int		 i;

	snprintf(wal, sizeof wal, "%s-wal", f->db);
	assert_int_equal(store_begin(f->st, &cause), 0);
	for (i = 1; i <= 300; i++) {
		snprintf(row, sizeof row, "%s row %d Sala Azul", MARKER, i);
		assert_int_equal(store_insert(f->st, "meta", i, row,
		    strlen(row), &cause), 0);
	}
	assert_int_equal(store_commit(f->st, &cause), 0);
	assert_int_equal(access(wal, F_OK), 0);
	assert_false(file_holds(f->db, MARKER));
	assert_false(file_holds(wal, MARKER));
	assert_false(file_holds(wal, "Sala Azul"));

	/* Control: the same scan finds plaintext, so it can fail. */
	raw_sql(f, "CREATE TABLE control (t TEXT);"
	    "INSERT INTO control VALUES ('" MARKER "');");
	assert_true(file_holds(f->db, MARKER) || file_holds(wal, MARKER));
}

/* Checks that row id of meta fails to open with a message naming it. */
static void
assert_tampered(struct fixture *f, int64_t id)
{
	char	 out[64], want[64], *cause = NULL;
	size_t	 len;

	assert_int_equal(store_get(f->st, "meta", id, out, sizeof out, &len,
	    &cause), -1);
	snprintf(want, sizeof want, "table meta row %lld", (long long)id);
	assert_non_null(strstr(cause, want));
	assert_non_null(strstr(cause, "fails authentication"));
	free(cause);
}

static void
test_tamper_detected(void **state)
{
	struct fixture	*f = *state;
	char		*cause = NULL;
	int64_t		 rows;

	assert_int_equal(store_insert(f->st, "meta", 1, "first row", 9,
	    &cause), 0);
	assert_int_equal(store_insert(f->st, "meta", 2, "second row", 10,
	    &cause), 0);
	assert_int_equal(store_insert(f->st, "meta", 3, "third row", 9,
	    &cause), 0);
	assert_int_equal(store_verify(f->st, NULL, &rows, &cause), 0);
	assert_int_equal(rows, 3);

	/* A bit changed in row 1's ciphertext. */
	raw_sql(f, "UPDATE meta SET body = substr(body, 1, 30) || "
	    "x'00' || substr(body, 32) WHERE id = 1");
	assert_tampered(f, 1);
	/* Row 2's body copied over row 3 (moved to another id). */
	raw_sql(f, "UPDATE meta SET body = (SELECT body FROM meta WHERE "
	    "id = 2) WHERE id = 3");
	assert_tampered(f, 3);
	/* Row 2 truncated. */
	raw_sql(f, "UPDATE meta SET body = substr(body, 1, 20) WHERE id = 2");
	assert_tampered(f, 2);
	/* The whole-store check stops at the first bad row, named. */
	assert_int_equal(store_verify(f->st, NULL, &rows, &cause), -1);
	assert_non_null(strstr(cause, "table meta row 1"));
	free(cause);
}

static void
test_schema_checks(void **state)
{
	struct fixture	*f = *state;
	struct store	*st;
	char		 path[128], *cause = NULL;

	/* A newer schema than this code knows is refused. */
	raw_sql(f, "PRAGMA user_version = 99");
	assert_null(store_open(f->db, 0, &cause));
	assert_non_null(strstr(cause, "newer"));
	free(cause);
	/* An empty SQLite file is not an instance. */
	snprintf(path, sizeof path, "%s/empty.db", f->dir);
	assert_null(store_open(path, 0, &cause));	/* no such file */
	free(cause);
	fclose(fopen(path, "w"));
	assert_null((st = store_open(path, 0, &cause)));
	assert_non_null(strstr(cause, "not an ECO database"));
	free(cause);
	unlink(path);
	snprintf(path, sizeof path, "%s/empty.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/empty.db-shm", f->dir);
	unlink(path);
}

static void
test_garbage_file_refused(void **state)
{
	struct fixture	*f = *state;
	char		 path[128], *cause = NULL;
	FILE		*fp;
	int		 i;

	snprintf(path, sizeof path, "%s/garbage.db", f->dir);
	fp = fopen(path, "w");
	for (i = 0; i < 4096; i++)
		fputc(i * 7, fp);
	fclose(fp);
	assert_null(store_open(path, 0, &cause));
	assert_non_null(strstr(cause, path));
	free(cause);
	unlink(path);
}

/* Writes entry seq ("seq<TAB>entry") and puts its leaf hash in leaf. */
static void
put_entry(struct store *st, uint64_t seq, unsigned char *leaf)
{
	char	 e[64], *cause;
	int	 len;

	len = snprintf(e, sizeof e, "%llu\tentry", (unsigned long long)seq);
	assert_int_equal(store_insert(st, "audit", (int64_t)seq, e,
	    (size_t)len, &cause), 0);
	merkle_leaf(e, (size_t)len, leaf);
}

/*
 * The audit tree's tiles against the tree of the leaves in memory: a log
 * past one complete tile of level 1 (65,536 leaves), written a batch at a
 * time with a request and a batch rolled back on the way, opens at every
 * size near a tile's edge with the root of that many leaves, gives the
 * same inclusion and consistency proofs, checks against its entries, and
 * a tile removed is named.
 */
static void
test_audit_tiles(void **state)
{
	struct fixture		*f = *state;
	enum { N = 65536 + 3 * 256 + 7 };
	static const uint64_t	 sizes[] = { 0, 1, 2, 255, 256, 257, 511, 512,
				    65535, 65536, 65537, 65536 + 256, N };
	merkle_hash		*leaves, junk, a[MERKLE_MAX_PROOF],
				 b[MERKLE_MAX_PROOF];
	struct merkle_frontier	 fr;
	struct tiles		 t, o;
	unsigned char		 want[MERKLE_HASH], root[MERKLE_HASH];
	uint64_t		 i, j, m, n, have;
	int64_t			 stored;
	size_t			 alen, blen;
	char			*cause;

	leaves = calloc(N, sizeof *leaves);
	assert_int_equal(tiles_open(&t, f->st, 0, &fr, &cause), 0);
	for (i = 0; i < N; ) {
		assert_int_equal(store_begin(f->st, &cause), 0);
		for (j = 0; j < 5000 && i < N; j++, i++) {
			put_entry(f->st, i + 1, leaves[i]);
			assert_int_equal(tiles_push(&t, leaves[i], &cause), 0);
			if (j == 100) {
				tiles_keep(&t);
				memset(junk, 0xa5, sizeof junk);
				assert_int_equal(tiles_push(&t, junk,
				    &cause), 0);
				tiles_abort(&t);
			}
		}
		assert_int_equal(store_commit(f->st, &cause), 0);
		tiles_committed(&t);
		if (i == 30000) {		/* a batch that fails */
			assert_int_equal(store_begin(f->st, &cause), 0);
			for (j = 0; j < 600; j++) {
				memset(junk, (int)j, sizeof junk);
				assert_int_equal(tiles_push(&t, junk,
				    &cause), 0);
			}
			store_rollback(f->st);
			tiles_abort_batch(&t);
		}
	}

	for (j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
		assert_int_equal(tiles_open(&o, f->st, sizes[j], &fr, &cause),
		    0);
		merkle_frontier_root(&fr, root);
		merkle_root(leaves, sizes[j], want);
		assert_memory_equal(root, want, MERKLE_HASH);
		tiles_free(&o);
	}

	assert_int_equal(store_count(f->st, "audit_tiles", &stored, &cause),
	    0);
	assert_int_equal(stored, N / 256 + N / 65536);
	assert_int_equal(tiles_expected(N), stored);
	assert_int_equal(tiles_expected(255), 0);
	assert_int_equal(tiles_expected(65536), 256 + 1);
	assert_int_equal(tiles_open(&o, f->st, N, &fr, &cause), 0);
	for (j = 0; j < 50; j++) {
		n = j < 13 ? sizes[j] : 1 + randombytes_uniform(N);
		if (n == 0)
			continue;
		m = randombytes_uniform((uint32_t)n);
		assert_int_equal(merkle_inclusion_from(tiles_range, &o, n, m,
		    a, &alen), 0);
		blen = merkle_inclusion(leaves, n, m, b);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen * MERKLE_HASH);
		m++;
		assert_int_equal(merkle_consistency_from(tiles_range, &o, n, m,
		    a, &alen), 0);
		blen = merkle_consistency(leaves, n, m, b);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen * MERKLE_HASH);
	}
	assert_int_not_equal(tiles_range(&o, N - 1, 2, root), 0);
	assert_non_null(strstr(o.cause, "no subtree"));
	tiles_free(&o);

	assert_int_equal(tiles_rebuild(&o, f->st, 0, &fr, &have, &cause), 0);
	assert_int_equal(have, N);
	merkle_frontier_root(&fr, root);
	merkle_root(leaves, N, want);
	assert_memory_equal(root, want, MERKLE_HASH);
	tiles_free(&o);

	/* tile 0/257 removed: opening and rebuilding name it */
	assert_int_equal(store_delete(f->st, "audit_tiles", 257, &cause), 0);
	assert_int_not_equal(tiles_open(&o, f->st, N, &fr, &cause), 0);
	assert_non_null(strstr(cause, "tile 0/257 is missing"));
	free(cause);
	assert_int_not_equal(tiles_rebuild(&o, f->st, 0, &fr, &have, &cause),
	    0);
	assert_non_null(strstr(cause, "tile 0/257 is missing"));
	free(cause);
	tiles_free(&t);
	free(leaves);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_and_ids, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reseal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tags_moved, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_marker_not_on_disk, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tamper_detected, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_schema_checks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage_file_refused,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_tiles, setup,
		    teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
