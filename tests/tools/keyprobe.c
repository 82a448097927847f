/*
 * keyprobe: test tool that counts the rows of an instance database that
 * a master key file opens, with the daemon's own seal.c, to show which
 * key seals a database after a rotation.
 *
 *   keyprobe DB KEYFILE    prints "opened N of M rows"; exit 0
 */
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seal.h"
#include "store.h"

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

	if (argc != 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: keyprobe DB KEYFILE\n");
		return 2;
	}
	if ((fp = fopen(argv[2], "rb")) == NULL ||
	    fread(key, 1, sizeof key, fp) != sizeof key) {
		fprintf(stderr, "keyprobe: %s: cannot read a key\n", argv[2]);
		return 1;
	}
	fclose(fp);
	if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "keyprobe: %s: %s\n", argv[1],
		    sqlite3_errmsg(db));
		return 1;
	}
	seal = seal_create(key);
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
