/*
 * keyprobe: test tool that counts the rows of an instance database that
 * a master key file opens, with the daemon's own seal.c, to show which
 * key seals a database after a rotation.
 *
 *   keyprobe DB KEYFILE    prints "opened N of M rows"; exit 0
 *   keyprobe DB KEYFILE strip TABLE N
 *                          re-seals every row of TABLE without its last N
 *                          plaintext bytes: rows as an older ecod wrote
 *                          them, before fields were added at their end
 *   keyprobe DB KEYFILE legacy CASE HEX
 *                          makes case CASE one that an older ecod opened:
 *                          found by the blind index of the 16 bytes HEX
 *                          (its version 1 code), with no case key
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "store.h"

/* strip: TABLE's rows re-sealed without their last n plaintext bytes. */
static int
strip(sqlite3 *db, struct seal *seal, const char *table, size_t n)
{
	sqlite3_stmt	*s, *u;
	unsigned char	*pt, *ct;
	char		 sql[96];
	size_t		 len;
	int64_t		 id;
	int		 rc = 0;

	snprintf(sql, sizeof sql, "SELECT id, body FROM %s", table);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return -1;
	snprintf(sql, sizeof sql, "UPDATE %s SET body = ? WHERE id = ?",
	    table);
	if (sqlite3_prepare_v2(db, sql, -1, &u, NULL) != SQLITE_OK)
		return -1;
	while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
		id = sqlite3_column_int64(s, 0);
		len = (size_t)sqlite3_column_bytes(s, 1);
		if (len < SEALED_ROW_OVERHEAD + n ||
		    (pt = malloc(len)) == NULL || (ct = malloc(len)) == NULL)
			return -1;
		if (seal_open_row(seal, table, id, sqlite3_column_blob(s, 1),
		    len, pt) != 0)
			rc = -1;
		else {
			len -= SEALED_ROW_OVERHEAD + n;
			seal_row(seal, table, id, pt, len, ct);
			sqlite3_bind_blob(u, 1, ct, (int)(len +
			    SEALED_ROW_OVERHEAD), SQLITE_TRANSIENT);
			sqlite3_bind_int64(u, 2, id);
			if (sqlite3_step(u) != SQLITE_DONE)
				rc = -1;
			sqlite3_reset(u);
		}
		free(pt);
		free(ct);
	}
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return rc;
}

/* legacy: case id re-tagged by the 16 bytes raw, as ecod indexed the
 * codes it made, and re-sealed with its creation time only. */
static int
legacy(sqlite3 *db, struct seal *seal, int64_t id, const unsigned char *raw)
{
	sqlite3_stmt	*s, *u;
	unsigned char	 pt[BLIND_INDEX_BYTES + 8];
	unsigned char	 ct[sizeof pt + SEALED_ROW_OVERHEAD];
	unsigned char	 big[4096];
	size_t		 len;
	int		 rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT body FROM cases WHERE id = ?1", -1,
	    &s, NULL) != SQLITE_OK || sqlite3_prepare_v2(db, "UPDATE cases "
	    "SET body = ?1, tag = ?2 WHERE id = ?3", -1, &u, NULL) !=
	    SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW &&
	    (len = (size_t)sqlite3_column_bytes(s, 0)) <= sizeof big &&
	    len >= sizeof ct && seal_open_row(seal, "cases", id,
	    sqlite3_column_blob(s, 0), len, big) == 0) {
		seal_index(seal, "cases", raw, 16, pt);
		memcpy(pt + BLIND_INDEX_BYTES, big + BLIND_INDEX_BYTES, 8);
		seal_row(seal, "cases", id, pt, sizeof pt, ct);
		sqlite3_bind_blob(u, 1, ct, sizeof ct, SQLITE_TRANSIENT);
		sqlite3_bind_blob(u, 2, pt, BLIND_INDEX_BYTES,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int64(u, 3, id);
		if (sqlite3_step(u) == SQLITE_DONE &&
		    sqlite3_changes(db) == 1)
			rc = 0;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(u);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *const	*t;
	unsigned char		 key[MASTER_KEY_BYTES], *pt;
	sqlite3			*db;
	sqlite3_stmt		*s;
	struct seal		*seal;
	FILE			*fp;
	char			 sql[96];
	long			 opened = 0, rows = 0;
	size_t			 len;

	unsigned char		 raw[16];
	size_t			 rawlen;

	if ((argc != 3 && (argc != 6 || (strcmp(argv[3], "strip") != 0 &&
	    strcmp(argv[3], "legacy") != 0))) || sodium_init() < 0) {
		fprintf(stderr, "usage: keyprobe DB KEYFILE [strip TABLE N | "
		    "legacy CASE HEX]\n");
		return 2;
	}
	if ((fp = fopen(argv[2], "rb")) == NULL ||
	    fread(key, 1, sizeof key, fp) != sizeof key) {
		fprintf(stderr, "keyprobe: %s: cannot read a key\n", argv[2]);
		return 1;
	}
	fclose(fp);
	if (sqlite3_open_v2(argv[1], &db, argc == 6 ? SQLITE_OPEN_READWRITE :
	    SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		fprintf(stderr, "keyprobe: %s: %s\n", argv[1],
		    sqlite3_errmsg(db));
		return 1;
	}
	seal = seal_create(key);
	if (argc == 6 && strcmp(argv[3], "legacy") == 0) {
		if (sodium_hex2bin(raw, sizeof raw, argv[5], strlen(argv[5]),
		    NULL, &rawlen, NULL) != 0 || rawlen != sizeof raw ||
		    legacy(db, seal, atoll(argv[4]), raw) != 0) {
			fprintf(stderr, "keyprobe: legacy: %s\n",
			    sqlite3_errmsg(db));
			return 1;
		}
		seal_free(seal);
		sqlite3_close(db);
		return 0;
	}
	if (argc == 6) {
		if (strip(db, seal, argv[4], (size_t)atol(argv[5])) != 0) {
			fprintf(stderr, "keyprobe: strip: %s\n",
			    sqlite3_errmsg(db));
			return 1;
		}
		seal_free(seal);
		sqlite3_close(db);
		return 0;
	}
	for (t = store_tables(); *t != NULL; t++) {
		snprintf(sql, sizeof sql, "SELECT id, body FROM %s", *t);
		if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
			fprintf(stderr, "keyprobe: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		while (sqlite3_step(s) == SQLITE_ROW) {
			len = (size_t)sqlite3_column_bytes(s, 1);
			rows++;
			if (len < SEALED_ROW_OVERHEAD)
				continue;
			pt = malloc(len);
			if (pt != NULL && seal_open_row(seal, *t,
			    sqlite3_column_int64(s, 0),
			    sqlite3_column_blob(s, 1), len, pt) == 0)
				opened++;
			free(pt);
		}
		sqlite3_finalize(s);
	}
	seal_free(seal);
	sqlite3_close(db);
	printf("opened %ld of %ld rows\n", opened, rows);
	return 0;
}
