/*
 * ecoctl admin backup: the daemon makes a consistent, checked copy of the
 * instance (BACKUP) and this side reads it in pages (BACKUP-READ) and
 * writes it as the operator, so the file lands wherever the operator can
 * write, with mode 0600, through a fresh temporary name that no link can
 * redirect, and is renamed into place only once every byte has arrived
 * and its SHA-256 is the daemon's. Then BACKUP-END, which the daemon
 * records. With --dir, the copy gets a dated name and only the newest
 * --keep copies of that form are kept.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auditfile.h"
#include "i18n.h"
#include "ecoctl.h"
#include "wire.h"
#include "xmalloc.h"

#define KEEP_MAX	10000
/* "ecod-YYYYMMDDTHHMMSSZ.db": what --dir writes, and all --keep removes. */
#define DATED_PREFIX	"ecod-"
#define DATED_LEN	(sizeof "ecod-20261203T031500Z.db" - 1)

/* The temporary file being written, removed if a signal ends ecoctl. */
static volatile sig_atomic_t	 tmp_dfd = -1;
static const char		*tmp_name;

static void
on_signal(int sig)
{
	if (tmp_dfd != -1 && tmp_name != NULL)
		unlinkat(tmp_dfd, tmp_name, 0);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Arms (dfd != -1) or disarms the removal of tmp on SIGINT, SIGTERM,
 * SIGHUP. */
static void
tmp_guard(int dfd, const char *tmp)
{
	static const int	 sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction	 sa;
	size_t			 i;

	tmp_name = tmp;
	tmp_dfd = dfd;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = dfd != -1 ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* What the daemon said of its copy. */
struct copy {
	uint64_t	 bytes;
	uint64_t	 tree;
	uint64_t	 rows;
	unsigned char	 sha[crypto_hash_sha256_BYTES];
};

/* Parses a decimal field of the daemon's; 0 or -1. */
static int
num_field(const char *s, uint64_t *v)
{
	char			*end;
	unsigned long long	 n;

	if (*s < '0' || *s > '9' || strlen(s) > 19)
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = n;
	return 0;
}

/* BACKUP: waits for the copy; fills cp from "OK bytes sha256 tree rows". */
static int
copy_begin(struct ctl *ctl, struct copy *cp)
{
	struct reply	 r;
	char		*req[1] = { "BACKUP" };
	size_t		 n;
	int		 rc = EXIT_OK;

	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc != 4 || num_field(r.final.argv[0], &cp->bytes) != 0 ||
	    strlen(r.final.argv[1]) != 2 * sizeof cp->sha ||
	    sodium_hex2bin(cp->sha, sizeof cp->sha, r.final.argv[1],
	    2 * sizeof cp->sha, NULL, &n, NULL) != 0 || n != sizeof cp->sha ||
	    num_field(r.final.argv[2], &cp->tree) != 0 ||
	    num_field(r.final.argv[3], &cp->rows) != 0)
		rc = ctl_fail("the daemon's answer to BACKUP is not "
		    "\"bytes sha256 tree-size rows\"");
	reply_free(&r);
	return rc;
}

/* Reads the whole copy into fd, checking its length and hash. */
static int
copy_read(struct ctl *ctl, const struct copy *cp, int fd)
{
	crypto_hash_sha256_state	 h;
	struct reply			 r;
	unsigned char			 got[crypto_hash_sha256_BYTES];
	unsigned char			*buf;
	char				 off_s[24], *req[2] = { "BACKUP-READ",
					    off_s };
	uint64_t			 off = 0, sent, page;
	size_t				 len, n;
	int				 i, rc;

	crypto_hash_sha256_init(&h);
	do {
		snprintf(off_s, sizeof off_s, "%llu", (unsigned long long)off);
		if (ctl_request(ctl, 2, req, &r) != EXIT_OK)
			return EXIT_FAIL;
		rc = EXIT_OK;
		page = 0;
		if (r.final.argc != 1 || num_field(r.final.argv[0], &sent) != 0)
			rc = ctl_fail("the daemon's answer to BACKUP-READ is "
			    "not \"bytes\"");
		for (i = 0; rc == EXIT_OK && i < r.ndata; i++) {
			len = r.data[i].argc == 1 ? strlen(r.data[i].argv[0]) :
			    0;
			buf = xmalloc(len / 4 * 3 + 3);
			if (len == 0 || !wire_b64_ok(r.data[i].argv[0], len) ||
			    sodium_base642bin(buf, len / 4 * 3 + 3,
			    r.data[i].argv[0], len, NULL, &n, NULL,
			    sodium_base64_VARIANT_ORIGINAL) != 0 || n == 0)
				rc = ctl_fail("a line of the copy at byte %llu "
				    "is not base64", (unsigned long long)off);
			else if (off + n > cp->bytes)
				rc = ctl_fail("the daemon sent more than the "
				    "%llu bytes it announced",
				    (unsigned long long)cp->bytes);
			else if (auditdir_write_all(fd, buf, n) != 0)
				rc = ctl_fail("write: %s", strerror(errno));
			else {
				crypto_hash_sha256_update(&h, buf, n);
				off += n;
				page += n;
			}
			free(buf);
		}
		if (rc == EXIT_OK && page != sent)
			rc = ctl_fail("BACKUP-READ: %llu bytes announced, %llu "
			    "sent", (unsigned long long)sent,
			    (unsigned long long)page);
		reply_free(&r);
		if (rc != EXIT_OK)
			return rc;
	} while (page > 0 && off < cp->bytes);
	if (off != cp->bytes)
		return ctl_fail("the copy ended at %llu of %llu bytes",
		    (unsigned long long)off, (unsigned long long)cp->bytes);
	crypto_hash_sha256_final(&h, got);
	if (sodium_memcmp(got, cp->sha, sizeof got) != 0)
		return ctl_fail("the copy's SHA-256 is not the daemon's: "
		    "damaged on the way; nothing written");
	return EXIT_OK;
}

/* Orders names, for qsort. */
static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns 1 if name has exactly the form --dir gives its copies. */
static int
dated_name(const char *name)
{
	static const char	 form[] = "ecod-DDDDDDDDTDDDDDDZ.db";
	size_t			 i;

	if (strlen(name) != DATED_LEN)
		return 0;
	for (i = 0; i < DATED_LEN; i++)
		if (form[i] == 'D' ? name[i] < '0' || name[i] > '9' :
		    name[i] != form[i])
			return 0;
	return 1;
}

/*
 * Removes the oldest dated copies in dfd (dir for messages) so that keep
 * remain, counting the one just written (base), which is never removed,
 * whatever the others' names say of the clock.
 */
static int
prune(int dfd, const char *dir, const char *base, long keep)
{
	struct dirent	*de;
	DIR		*d;
	char		**names = NULL;
	size_t		 n = 0, cap = 0, i;
	int		 fd, rc = EXIT_OK;

	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return ctl_fail("%s: %s", dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (!dated_name(de->d_name) || strcmp(de->d_name, base) == 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			names = xreallocarray(names, cap, sizeof *names);
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (i = 0; i < n; i++) {
		if (i + (size_t)keep - 1 < n) {
			if (unlinkat(dfd, names[i], 0) == 0)
				printf(_("removed %s/%s (keeping %ld)\n"), dir,
				    names[i], keep);
			else
				rc = ctl_fail("%s/%s: %s", dir, names[i],
				    strerror(errno));
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* admin backup [--force] FILE | --dir DIR [--keep N] */
int
ctl_backup(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "dir=", "keep=", "force", NULL };
	struct copy	 cp;
	struct reply	 r;
	struct tm	 tm;
	time_t		 now;
	char		*v[3], *dir, *base, *slash, *tmp = NULL, *cause = NULL;
	char		 dated[DATED_LEN + 1], *end, *req[1] = { "BACKUP-END" };
	char		 hex[2 * crypto_hash_sha256_BYTES + 1];
	long		 keep = 0;
	int		 idx, dfd, fd, made, rc = EXIT_FAIL;

	if ((idx = ctl_parse(ctl, argc, argv, names, v, 0, 1)) < 0)
		return EXIT_USAGE;
	if ((v[0] == NULL) == (idx == argc) || (v[1] != NULL && v[0] == NULL) ||
	    (v[2] != NULL && v[0] != NULL))
		return ctl_usage(ctl);
	if (v[1] != NULL) {
		errno = 0;
		keep = strtol(v[1], &end, 10);
		if (errno != 0 || *end != '\0' || keep < 1 || keep > KEEP_MAX)
			return ctl_fail("--keep: a number of copies, 1 to %d",
			    KEEP_MAX);
	}
	if (v[0] != NULL) {
		now = time(NULL);
		if (gmtime_r(&now, &tm) == NULL || strftime(dated, sizeof dated,
		    DATED_PREFIX "%Y%m%dT%H%M%SZ.db", &tm) != DATED_LEN)
			return ctl_fail("cannot name the copy by the date");
		dir = xstrdup(v[0]);
		base = xstrdup(dated);
		dfd = auditdir_open(dir, 0, &made, &cause);
	} else {
		dir = xstrdup(argv[idx]);
		if ((slash = strrchr(dir, '/')) == NULL) {
			base = dir;
			dir = xstrdup(".");
		} else {
			base = xstrdup(slash + 1);
			if (slash == dir)
				slash[1] = '\0';
			else
				*slash = '\0';
		}
		if (*base == '\0' || strcmp(base, ".") == 0 ||
		    strcmp(base, "..") == 0) {
			free(dir);
			free(base);
			return ctl_fail("%s: not a file name", argv[idx]);
		}
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd == -1)
			xasprintf(&cause, "%s: %s", dir, strerror(errno));
	}
	if (dfd == -1) {
		ctl_fail("%s", cause);
		goto out;
	}
	if (v[2] == NULL && faccessat(dfd, base, F_OK,
	    AT_SYMLINK_NOFOLLOW) == 0) {
		if (v[0] != NULL)
			ctl_fail("%s/%s: exists (two backups in one second?); "
			    "refused", dir, base);
		else
			ctl_fail("%s: exists; refused (--force replaces it)",
			    argv[idx]);
		goto out;
	}
	if ((fd = auditdir_tmp(dfd, base, &tmp, &cause)) == -1) {
		ctl_fail("%s/%s", dir, cause);
		goto out;
	}
	tmp_guard(dfd, tmp);
	if (copy_begin(ctl, &cp) != EXIT_OK || copy_read(ctl, &cp,
	    fd) != EXIT_OK) {
		auditdir_abort(dfd, fd, tmp);
		tmp_guard(-1, NULL);
		goto out;
	}
	rc = auditdir_commit(dfd, fd, tmp, base, v[2] != NULL, &cause);
	tmp_guard(-1, NULL);
	if (rc != 0) {
		rc = EXIT_FAIL;
		ctl_fail("%s/%s", dir, cause);
		goto out;
	}
	rc = EXIT_FAIL;
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		goto out;
	reply_free(&r);
	sodium_bin2hex(hex, sizeof hex, cp.sha, sizeof cp.sha);
	printf(_("backup: %s/%s: %llu bytes, %llu sealed rows checked, audit "
	    "tree size %llu\nsha256 %s\n"), dir, base,
	    (unsigned long long)cp.bytes, (unsigned long long)cp.rows,
	    (unsigned long long)cp.tree, hex);
	rc = EXIT_OK;
	if (keep > 0)
		rc = prune(dfd, dir, base, keep);
out:
	if (dfd != -1)
		close(dfd);
	free(cause);
	free(tmp);
	free(dir);
	free(base);
	return rc;
}
