/*
 * Creating and opening an instance. Creation refuses to touch anything
 * that exists; opening checks, in order: the data directory lock, the
 * database file, the master key against the instance row, then every
 * sealed row, so a wrong key or a tampered row stops start-up with a
 * message that names it.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "instance.h"
#include "keys.h"
#include "log.h"
#include "passphrase.h"
#include "seal.h"
#include "store.h"
#include "xmalloc.h"

static struct instance *instance_open_as(const struct config *, int, char **);

#define INSTANCE_MAGIC		"eco-instance-v1"
#define INSTANCE_MAGIC_LEN	(sizeof INSTANCE_MAGIC - 1)

/* Returns 1 if path is dir or lies below it (both resolved), else 0. */
static int
path_within(const char *path, const char *dir)
{
	char	 rp[PATH_MAX], rd[PATH_MAX], *tmp, *slash;
	size_t	 n;

	tmp = xstrdup(path);
	if ((slash = strrchr(tmp, '/')) != NULL)
		*slash = '\0';
	if (realpath(slash == NULL ? "." : (*tmp == '\0' ? "/" : tmp),
	    rp) == NULL || realpath(dir, rd) == NULL) {
		free(tmp);
		return 0;
	}
	free(tmp);
	n = strlen(rd);
	return strncmp(rp, rd, n) == 0 && (rp[n] == '\0' || rp[n] == '/');
}

/* Takes the data directory's lock, so one daemon owns an instance. */
static int
instance_lock(const struct config *cf, char **cause)
{
	char	*path;
	int	 fd;

	xasprintf(&path, "%s/ecod.lock", cf->data_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		xasprintf(cause, "%s: %s", path, errno == EWOULDBLOCK ?
		    "another ecod is running on this instance" :
		    strerror(errno));
		free(path);
		close(fd);
		return -1;
	}
	free(path);
	return fd;
}

/* Returns the master key (sodium_malloc'd) from the configured source. */
static unsigned char *
instance_master(const struct config *cf, struct store *st, int create,
    char **cause)
{
	struct store_kdf	 kdf;
	unsigned char		*key = key_alloc(MASTER_KEY_BYTES);
	char			*pass = NULL;
	int			 rc;

	if (!cf->master_key_passphrase) {
		rc = create ? key_file_create(cf->master_key_file, key, cause) :
		    key_read(cf->master_key_file, key, cause);
		goto out;
	}
	rc = -1;
	if (create)
		passphrase_kdf_new(&kdf);
	else if ((rc = store_kdf_get(st, &kdf, cause)) != 0) {
		if (rc == STORE_NOTFOUND)
			xasprintf(cause, "this instance was created with a "
			    "master key file, not a passphrase: set "
			    "master_key_passphrase = false");
		rc = -1;
		goto out;
	}
	if ((pass = passphrase_read(create ? "New master passphrase: " :
	    "Master passphrase: ", create, cause)) == NULL) {
		rc = -1;
		goto out;
	}
	rc = passphrase_derive(pass, &kdf, key, cause);
	passphrase_free(pass);
	if (rc == 0 && create)
		rc = store_kdf_put(st, &kdf, cause);
out:
	if (rc != 0) {
		sodium_free(key);
		return NULL;
	}
	return key;
}

/* Writes the instance row and a new audit signing key. */
static int
instance_seed(struct instance *in, char **cause)
{
	unsigned char	 row[INSTANCE_MAGIC_LEN + INSTANCE_ID_BYTES];

	randombytes_buf(in->instance_id, sizeof in->instance_id);
	memcpy(row, INSTANCE_MAGIC, INSTANCE_MAGIC_LEN);
	memcpy(row + INSTANCE_MAGIC_LEN, in->instance_id, INSTANCE_ID_BYTES);
	crypto_sign_keypair(in->audit_pk, in->audit_sk);
	if (store_begin(in->store, cause) != 0)
		return -1;
	if (store_insert(in->store, "meta", META_INSTANCE, row, sizeof row,
	    cause) != 0 || store_insert(in->store, "meta", META_AUDIT_KEY,
	    in->audit_sk, crypto_sign_SECRETKEYBYTES, cause) != 0 ||
	    store_insert(in->store, "meta", META_TAGS_BOUND, "1", 1,
	    cause) != 0 || store_commit(in->store, cause) != 0) {
		store_rollback(in->store);
		return -1;
	}
	return 0;
}

/* Opens the instance row with the key (proving it is the right one). */
static int
instance_unlock(struct instance *in, char **cause)
{
	unsigned char	 row[INSTANCE_MAGIC_LEN + INSTANCE_ID_BYTES];
	size_t		 len;
	char		*why = NULL;
	int		 rc;

	rc = store_get(in->store, "meta", META_INSTANCE, row, sizeof row, &len,
	    &why);
	if (rc == STORE_NOTFOUND || (rc == 0 && (len != sizeof row ||
	    memcmp(row, INSTANCE_MAGIC, INSTANCE_MAGIC_LEN) != 0))) {
		xasprintf(cause, "%s: not an initialised ECO instance "
		    "(no instance row)", in->db_path);
		return -1;
	}
	if (rc != 0) {
		xasprintf(cause, "%s: the master key does not open this "
		    "instance: wrong key file or passphrase, or table meta "
		    "row %d is damaged", in->db_path, META_INSTANCE);
		free(why);
		return -1;
	}
	memcpy(in->instance_id, row + INSTANCE_MAGIC_LEN, INSTANCE_ID_BYTES);
	rc = store_get(in->store, "meta", META_AUDIT_KEY, in->audit_sk,
	    crypto_sign_SECRETKEYBYTES, &len, cause);
	if (rc == STORE_NOTFOUND || (rc == 0 &&
	    len != crypto_sign_SECRETKEYBYTES)) {
		xasprintf(cause, "%s: table meta row %d (audit key) is missing "
		    "or damaged", in->db_path, META_AUDIT_KEY);
		return -1;
	}
	if (rc != 0)
		return -1;
	crypto_sign_ed25519_sk_to_pk(in->audit_pk, in->audit_sk);
	return 0;
}

/*
 * Takes the blind index key from meta row META_INDEX_KEY when a rotation
 * has written one: the tags of the cases were made with it, under the
 * first master key, and codes are never stored to make them again.
 */
static int
instance_index_key(struct instance *in, char **cause)
{
	unsigned char	*key = key_alloc(SEAL_INDEX_KEY_BYTES);
	size_t		 len;
	int		 rc;

	rc = store_get(in->store, "meta", META_INDEX_KEY, key,
	    SEAL_INDEX_KEY_BYTES, &len, cause);
	if (rc == 0 && len == SEAL_INDEX_KEY_BYTES)
		seal_set_index_key(in->seal, key);
	else if (rc == 0) {
		xasprintf(cause, "%s: table meta row %d (index key) is "
		    "damaged", in->db_path, META_INDEX_KEY);
		rc = -1;
	}
	sodium_free(key);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/*
 * The master key file did not open the instance: if MASTER.new does, a
 * rotation committed and was killed before it renamed the new key into
 * place. Finishes that (MASTER kept as MASTER.old) and goes on with it.
 * Otherwise returns -1 with the first *cause.
 */
static int
instance_pending(struct instance *in, const struct config *cf, char **cause)
{
	unsigned char	*key;
	struct seal	*old = in->seal;
	struct stat	 sb;
	char		*nk, *why = NULL;

	nk = key_file_sibling(cf->master_key_file, ".new");
	if (lstat(nk, &sb) != 0) {
		free(nk);
		return -1;
	}
	key = key_alloc(MASTER_KEY_BYTES);
	if (key_file_read(nk, key, &why) != 0) {
		sodium_free(key);
		free(why);
		free(nk);
		return -1;
	}
	in->seal = seal_create(key);
	sodium_free(key);
	store_set_seal(in->store, in->seal);
	if (instance_unlock(in, &why) != 0) {
		free(why);
		seal_free(in->seal);
		in->seal = old;
		store_set_seal(in->store, old);
		free(nk);
		return -1;
	}
	seal_free(old);
	free(*cause);
	*cause = NULL;
	if (key_file_promote(cf->master_key_file, cause) != 0) {
		free(nk);
		return -1;
	}
	log_info("%s: a key rotation had committed; its new key is now %s, "
	    "the old one %s.old", nk, cf->master_key_file,
	    cf->master_key_file);
	free(nk);
	return 0;
}

/* Allocates an empty instance for cf. */
static struct instance *
instance_new(const struct config *cf)
{
	struct instance	*in;

	in = xcalloc(1, sizeof *in);
	in->lock_fd = -1;
	in->audit_sk = key_alloc(crypto_sign_SECRETKEYBYTES);
	xasprintf(&in->db_path, "%s/ecod.db", cf->data_dir);
	return in;
}

/*
 * What a serving start verifies row by row besides what it loads: the
 * meta rows. The model's tables are opened, and so authenticated, once as
 * sched_load reads them. The others grow with history and are not read
 * at start: the audit log's entries and tiles are authenticated as they
 * are read (only the last of them at start, docs/AUDIT.md "Tiles"), case
 * rows by the purge, the one reader of their bodies; admin verify opens
 * every row of every table.
 */
static const char *const instance_unloaded[] = { "meta", NULL };

/*
 * Case rows from before their bodies carried their tag (store_insert_tagged)
 * get it, once, in one transaction, marked by the META_TAGS_BOUND row: from
 * then on a tag moved onto another case is caught where it is found.
 */
static int
instance_tags(struct instance *in, char **cause)
{
	char	 buf[4];
	size_t	 len;
	int64_t	 rows;
	int	 rc;

	rc = store_get(in->store, "meta", META_TAGS_BOUND, buf, sizeof buf,
	    &len, cause);
	if (rc != STORE_NOTFOUND)
		return rc;
	if (store_begin(in->store, cause) != 0)
		return -1;
	if (store_tags_bind(in->store, "cases", &rows, cause) != 0 ||
	    store_insert(in->store, "meta", META_TAGS_BOUND, "1", 1,
	    cause) != 0 || store_commit(in->store, cause) != 0) {
		store_rollback(in->store);
		return -1;
	}
	log_info("cases: %lld rows now carry their tag in their sealed body",
	    (long long)rows);
	return 0;
}

/* Opens store and keys of in; create makes them anew. */
static int
instance_load(struct instance *in, const struct config *cf, int create,
    char **cause)
{
	unsigned char	*master;
	int		 rc = -1;

	if ((in->lock_fd = instance_lock(cf, cause)) == -1)
		return -1;
	if ((in->store = store_open(in->db_path, create, cause)) == NULL)
		return -1;
	if ((master = instance_master(cf, in->store, create, cause)) != NULL) {
		in->seal = seal_create(master);
		sodium_free(master);
		store_set_seal(in->store, in->seal);
		if (create)
			return instance_seed(in, cause);
		rc = instance_unlock(in, cause);
	}
	if (rc != 0 && !create && !cf->master_key_passphrase &&
	    !key_from_credential())
		rc = instance_pending(in, cf, cause);
	if (rc != 0 || instance_index_key(in, cause) != 0 ||
	    instance_tags(in, cause) != 0)
		return -1;
	if (in->lazy)
		return store_verify_only(in->store, instance_unloaded,
		    &in->rows, cause);
	return store_verify(in->store, NULL, &in->rows, cause);
}

/*
 * Makes the data directory, or takes an existing one if it is a real
 * directory (not a symbolic link), tightening its mode to 0700 so that
 * no other user can list or open what ecod keeps there.
 */
static int
instance_data_dir(const struct config *cf, char **cause)
{
	struct stat	 sb;
	int		 fd, err;

	if (mkdir(cf->data_dir, 0700) == 0)
		return 0;
	if (errno != EEXIST) {
		xasprintf(cause, "%s: cannot create data directory: %s",
		    cf->data_dir, strerror(errno));
		return -1;
	}
	fd = open(cf->data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &sb) != 0) {
		err = errno;
		xasprintf(cause, "%s: exists and is not a directory ecod can "
		    "use (%s); give data_dir the real path of a directory",
		    cf->data_dir, lstat(cf->data_dir, &sb) == 0 &&
		    S_ISLNK(sb.st_mode) ? "a symbolic link" : strerror(err));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if ((sb.st_mode & 07777) != 0700 && fchmod(fd, 0700) != 0) {
		xasprintf(cause, "%s: is mode %04o and cannot be made 0700: %s",
		    cf->data_dir, (unsigned)(sb.st_mode & 07777),
		    strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Creates a new instance: data directory (mode 0700), database, master
 * key file (or passphrase KDF parameters), instance row and audit key.
 * Refuses if a database or key file exists; on failure removes what it
 * made.
 */
int
instance_create(const struct config *cf, char **cause)
{
	struct instance	*in;
	struct stat	 sb;
	int		 made_key = 0, rc = -1;

	in = instance_new(cf);
	if (lstat(in->db_path, &sb) == 0) {
		xasprintf(cause, "%s: an instance exists already; refusing to "
		    "touch it", in->db_path);
		goto out;
	}
	if (instance_data_dir(cf, cause) != 0)
		goto out;
	if (!cf->master_key_passphrase) {
		if (path_within(cf->master_key_file, cf->data_dir)) {
			xasprintf(cause, "%s: the master key file must be "
			    "outside the data directory %s",
			    cf->master_key_file, cf->data_dir);
			goto out;
		}
		if (lstat(cf->master_key_file, &sb) == 0) {
			xasprintf(cause, "%s: a master key file exists "
			    "already; refusing to overwrite it",
			    cf->master_key_file);
			goto out;
		}
		made_key = 1;
	}
	rc = instance_load(in, cf, 1, cause);
out:
	if (rc != 0 && in->store != NULL) {
		store_close(in->store);
		in->store = NULL;
		store_unlink(in->db_path);
		if (made_key)
			unlink(cf->master_key_file);
	}
	instance_close(in);
	return rc;
}

/*
 * Gives what instance_create made to uid:gid, for a daemon that runs as
 * another user than the one (root) who ran --init: the data directory,
 * the database and its journal files, the lock, the master key file.
 * Follows no symlink. Returns 0, or -1 with *cause naming the file.
 */
int
instance_chown(const struct config *cf, uid_t uid, gid_t gid, char **cause)
{
	static const char	*names[] = { "ecod.db", "ecod.lock",
				    "ecod.db-wal", "ecod.db-shm" };
	const char		*dir = "", *bad = cf->data_dir;
	size_t			 i;
	int			 dfd, rc = -1;

	dfd = open(cf->data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (dfd == -1 || fchown(dfd, uid, gid) != 0)
		goto out;
	dir = cf->data_dir;
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		bad = names[i];
		if (fchownat(dfd, names[i], uid, gid, AT_SYMLINK_NOFOLLOW) != 0 &&
		    (errno != ENOENT || i < 2))
			goto out;
	}
	dir = "";
	bad = cf->master_key_file;
	if (!cf->master_key_passphrase && fchownat(AT_FDCWD,
	    cf->master_key_file, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		xasprintf(cause, "%s%s%s: cannot give it to uid %ld: %s", dir,
		    *dir != '\0' ? "/" : "", bad, (long)uid, strerror(errno));
	if (dfd != -1)
		close(dfd);
	return rc;
}

/*
 * Puts a backup (ecoctl admin backup) in place as the database of a new
 * instance, for ecod --restore: refuses if data_dir holds a database or
 * its journal files (a stale WAL would be replayed onto the copy), copies
 * it under a temporary name (O_EXCL, 0600), syncs it and renames it into
 * place. The caller then opens it with instance_open, which checks the
 * key and every sealed row; on failure it calls instance_unplace.
 */
int
instance_place(const struct config *cf, const char *backup, char **cause)
{
	static const char	*sfx[] = { "", "-wal", "-shm", "-journal" };
	struct stat		 sb;
	unsigned char		 buf[65536];
	char			*path, *tmp = NULL;
	ssize_t			 n;
	size_t			 i;
	int			 in = -1, out = -1, dfd = -1, rc = -1;

	for (i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		xasprintf(&path, "%s/ecod.db%s", cf->data_dir, sfx[i]);
		if (lstat(path, &sb) == 0) {
			xasprintf(cause, "%s: exists; a restore makes a new "
			    "instance and touches no existing one (move it "
			    "away first)", path);
			free(path);
			return -1;
		}
		free(path);
	}
	if (!cf->master_key_passphrase && path_within(cf->master_key_file,
	    cf->data_dir)) {
		xasprintf(cause, "%s: the master key file must be outside the "
		    "data directory %s", cf->master_key_file, cf->data_dir);
		return -1;
	}
	if (instance_data_dir(cf, cause) != 0)
		return -1;
	if ((in = open(backup, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(in, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: %s", backup, in == -1 ? strerror(errno) :
		    "not a regular file");
		goto out;
	}
	xasprintf(&tmp, "%s/ecod.db.restore", cf->data_dir);
	unlink(tmp);		/* left by a restore that died: no instance */
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (out == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			xasprintf(cause, "%s: write: %s", tmp, strerror(errno));
			goto out;
		}
	if (n < 0 || fsync(out) != 0) {
		xasprintf(cause, "%s: %s", n < 0 ? backup : tmp,
		    strerror(errno));
		goto out;
	}
	xasprintf(&path, "%s/ecod.db", cf->data_dir);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		free(path);
		goto out;
	}
	free(path);
	if ((dfd = open(cf->data_dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1)
		fsync(dfd);
	rc = 0;
out:
	if (rc != 0 && tmp != NULL)
		unlink(tmp);
	if (in != -1)
		close(in);
	if (out != -1)
		close(out);
	if (dfd != -1)
		close(dfd);
	free(tmp);
	return rc;
}

/* Removes a database instance_place put in place (a failed restore). */
void
instance_unplace(const struct config *cf)
{
	char	*path;

	xasprintf(&path, "%s/ecod.db", cf->data_dir);
	store_unlink(path);
	free(path);
}

/*
 * Opens an existing instance; NULL with *cause naming what is wrong.
 * Every sealed row is opened with its AEAD first (instance_open), or only
 * those the model will not load itself (instance_open_serving: the model
 * and the audit tree must then be loaded before anything is served).
 */
struct instance *
instance_open(const struct config *cf, char **cause)
{
	return instance_open_as(cf, 0, cause);
}

struct instance *
instance_open_serving(const struct config *cf, char **cause)
{
	return instance_open_as(cf, 1, cause);
}

static struct instance *
instance_open_as(const struct config *cf, int lazy, char **cause)
{
	struct instance	*in;
	struct stat	 sb;

	in = instance_new(cf);
	in->lazy = lazy;
	if (stat(in->db_path, &sb) != 0) {
		xasprintf(cause, "%s: no instance here (%s); create one with "
		    "ecod -c %s --init", in->db_path, strerror(errno),
		    cf->path);
		goto fail;
	}
	if (!cf->master_key_passphrase &&
	    path_within(cf->master_key_file, cf->data_dir)) {
		xasprintf(cause, "%s: the master key file must be outside the "
		    "data directory %s", cf->master_key_file, cf->data_dir);
		goto fail;
	}
	if (instance_load(in, cf, 0, cause) != 0)
		goto fail;
	return in;
fail:
	instance_close(in);
	return NULL;
}

/* Closes the store, wipes the keys, releases the lock; NULL is fine. */
void
instance_close(struct instance *in)
{
	if (in == NULL)
		return;
	store_close(in->store);
	seal_free(in->seal);
	sodium_free(in->audit_sk);
	if (in->lock_fd != -1)
		close(in->lock_fd);
	free(in->db_path);
	free(in);
}
