/*
 * dbpoke: test tool that damages an instance database the way an attacker
 * with the file would, to check that ecod detects it.
 *
 *   dbpoke DB flip TABLE ID        flip one bit in the middle of a body
 *   dbpoke DB copy TABLE FROM TO   put FROM's body in row TO (made if new)
 *   dbpoke DB swap TABLE A B       exchange two rows' bodies
 *   dbpoke DB swaptag TABLE A B    exchange two rows' tags (blind indexes)
 *   dbpoke DB cut TABLE ID N       truncate a body to N bytes
 *   dbpoke DB delete TABLE ID      remove a row
 *   dbpoke DB version N            set PRAGMA user_version
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3	*db;

static void
die(const char *what)
{
	fprintf(stderr, "dbpoke: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void
run(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

/* Returns row id's body (malloc'd) and its size in *len. */
static unsigned char *
body(const char *table, long long id, int *len)
{
	sqlite3_stmt	*s;
	unsigned char	*b;
	char		 sql[256];

	snprintf(sql, sizeof sql, "SELECT body FROM %s WHERE id = %lld",
	    table, id);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die(sql);
	if (sqlite3_step(s) != SQLITE_ROW) {
		fprintf(stderr, "dbpoke: %s row %lld: none\n", table, id);
		exit(1);
	}
	*len = sqlite3_column_bytes(s, 0);
	b = malloc(*len + 1);
	memcpy(b, sqlite3_column_blob(s, 0), *len);
	sqlite3_finalize(s);
	return b;
}

static void
put(const char *table, long long id, const unsigned char *b, int len)
{
	sqlite3_stmt	*s;
	char		 sql[256];

	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO %s (id, body) "
	    "VALUES (%lld, ?1)", table, id);
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		die(sql);
	sqlite3_bind_blob(s, 1, b, len, SQLITE_TRANSIENT);
	if (sqlite3_step(s) != SQLITE_DONE)
		die(sql);
	sqlite3_finalize(s);
}

int
main(int argc, char **argv)
{
	unsigned char	*a, *b;
	char		 sql[512];
	int		 la, lb;

	if (argc < 4) {
		fprintf(stderr, "usage: see the comment in dbpoke.c\n");
		return 2;
	}
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die("open");
	if (strcmp(argv[2], "flip") == 0 && argc == 5) {
		a = body(argv[3], atoll(argv[4]), &la);
		a[la / 2] ^= 0x01;
		put(argv[3], atoll(argv[4]), a, la);
		free(a);
	} else if (strcmp(argv[2], "copy") == 0 && argc == 6) {
		a = body(argv[3], atoll(argv[4]), &la);
		put(argv[3], atoll(argv[5]), a, la);
		free(a);
	} else if (strcmp(argv[2], "swap") == 0 && argc == 6) {
		a = body(argv[3], atoll(argv[4]), &la);
		b = body(argv[3], atoll(argv[5]), &lb);
		put(argv[3], atoll(argv[4]), b, lb);
		put(argv[3], atoll(argv[5]), a, la);
		free(a);
		free(b);
	} else if (strcmp(argv[2], "swaptag") == 0 && argc == 6) {
		snprintf(sql, sizeof sql, "CREATE TEMP TABLE t AS SELECT id, "
		    "tag FROM %s WHERE id IN (%lld, %lld); UPDATE %s SET tag = "
		    "NULL WHERE id IN (SELECT id FROM t); UPDATE %s SET tag = "
		    "(SELECT tag FROM t WHERE t.id = %lld + %lld - %s.id) "
		    "WHERE id IN (SELECT id FROM t)", argv[3], atoll(argv[4]),
		    atoll(argv[5]), argv[3], argv[3], atoll(argv[4]),
		    atoll(argv[5]), argv[3]);
		run(sql);
	} else if (strcmp(argv[2], "cut") == 0 && argc == 6) {
		a = body(argv[3], atoll(argv[4]), &la);
		put(argv[3], atoll(argv[4]), a, atoi(argv[5]));
		free(a);
	} else if (strcmp(argv[2], "delete") == 0 && argc == 5) {
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = %lld",
		    argv[3], atoll(argv[4]));
		run(sql);
	} else if (strcmp(argv[2], "version") == 0 && argc == 4) {
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d",
		    atoi(argv[3]));
		run(sql);
	} else {
		fprintf(stderr, "dbpoke: bad arguments\n");
		return 2;
	}
	sqlite3_close(db);
	return 0;
}
