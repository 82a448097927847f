/*
 * The instance master key: 32 random bytes in a key file (mode 0600,
 * outside the data directory), or stretched with Argon2id from an operator
 * passphrase read at start. Either may come as a systemd credential
 * ($CREDENTIALS_DIRECTORY/master.key, .../master-passphrase), which wins
 * over the configured file and standard input. Keys live only in
 * sodium_malloc'd memory.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keys.h"
#include "passphrase.h"
#include "sealed.h"
#include "store.h"
#include "xmalloc.h"

/* Returns len bytes of guarded, locked memory; aborts if none. */
unsigned char *
key_alloc(size_t len)
{
	unsigned char	*p;

	if ((p = sodium_malloc(len)) == NULL)
		abort();
	return p;
}

/* Creates path (it must not exist) holding a new random master key. */
int
key_file_create(const char *path, unsigned char *key, char **cause)
{
	int	 fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		xasprintf(cause, "%s: cannot create master key file: %s", path,
		    errno == EEXIST ? "refusing to overwrite an existing file" :
		    strerror(errno));
		return -1;
	}
	randombytes_buf(key, MASTER_KEY_BYTES);
	if (write(fd, key, MASTER_KEY_BYTES) != MASTER_KEY_BYTES ||
	    fsync(fd) != 0) {
		xasprintf(cause, "%s: cannot write master key file: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * Reads the master key from path into key. The file must be a regular
 * file of exactly MASTER_KEY_BYTES, owned by us or root, mode 0600 or
 * stricter: a key that others could read is refused, not used.
 */
int
key_file_read(const char *path, unsigned char *key, char **cause)
{
	struct stat	 sb;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		xasprintf(cause, "%s: cannot open master key file: %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		xasprintf(cause, "%s: master key file is not a regular file",
		    path);
		goto fail;
	}
	if ((sb.st_mode & 077) != 0) {
		xasprintf(cause, "%s: master key file has mode %04o; it must "
		    "be readable by its owner only (chmod 600)", path,
		    (unsigned)(sb.st_mode & 07777));
		goto fail;
	}
	if (sb.st_uid != geteuid() && sb.st_uid != 0) {
		xasprintf(cause, "%s: master key file is owned by another user",
		    path);
		goto fail;
	}
	n = read(fd, key, MASTER_KEY_BYTES);
	if (sb.st_size != MASTER_KEY_BYTES || n != MASTER_KEY_BYTES) {
		xasprintf(cause, "%s: master key file must hold exactly %d "
		    "bytes", path, MASTER_KEY_BYTES);
		sodium_memzero(key, MASTER_KEY_BYTES);
		goto fail;
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

/*
 * Returns the path of systemd credential name (free it), or NULL if
 * $CREDENTIALS_DIRECTORY is unset or holds no such entry.
 */
static char *
key_credential(const char *name)
{
	const char	*dir;
	struct stat	 sb;
	char		*path;

	if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || *dir == '\0')
		return NULL;
	xasprintf(&path, "%s/%s", dir, name);
	if (lstat(path, &sb) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* Returns 1 if the master key comes from the systemd credential
 * master.key (which ecod cannot replace), else 0. */
int
key_from_credential(void)
{
	char	*cred;

	if ((cred = key_credential(KEY_CRED_FILE)) == NULL)
		return 0;
	free(cred);
	return 1;
}

/* Returns path with suffix appended (".new", ".old"); free it. */
char *
key_file_sibling(const char *path, const char *suffix)
{
	char	*p;

	xasprintf(&p, "%s%s", path, suffix);
	return p;
}

/* Flushes the directory holding path, so a create, link or rename in it
 * survives power loss. */
int
key_dir_sync(const char *path, char **cause)
{
	char	*dir, *slash;
	int	 fd, rc = 0;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, strlen(dir) + 1, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) != 0) {
		xasprintf(cause, "%s: cannot sync directory: %s", dir,
		    strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	free(dir);
	return rc;
}

/*
 * The last step of a rotation whose transaction has committed: keeps the
 * old key path as path.old (a hard link, unless a crash left one made
 * already), then renames path.new over path, and syncs the directory.
 * At every moment path or path.new holds the key that opens the instance.
 */
int
key_file_promote(const char *path, char **cause)
{
	char	*nk = key_file_sibling(path, ".new");
	char	*ok = key_file_sibling(path, ".old");
	int	 rc = -1;

	if (link(path, ok) != 0 && errno != EEXIST) {
		xasprintf(cause, "%s: cannot keep the old key as %s: %s", path,
		    ok, strerror(errno));
		goto out;
	}
	if (rename(nk, path) != 0) {
		xasprintf(cause, "%s: cannot rename to %s: %s", nk, path,
		    strerror(errno));
		goto out;
	}
	rc = key_dir_sync(path, cause);
out:
	free(nk);
	free(ok);
	return rc;
}

/*
 * Reads the master key for an existing instance: from the credential
 * master.key when there is one, else from path. Same checks either way.
 */
int
key_read(const char *path, unsigned char *key, char **cause)
{
	char	*cred;
	int	 rc;

	if ((cred = key_credential(KEY_CRED_FILE)) == NULL)
		return key_file_read(path, key, cause);
	rc = key_file_read(cred, key, cause);
	free(cred);
	return rc;
}

/*
 * Reads the operator passphrase: the first line of the credential
 * master-passphrase when there is one, else from the terminal with echo
 * off (twice when confirm), or one line from standard input when it is
 * not a terminal. Free with passphrase_free.
 */
char *
passphrase_read(const char *prompt, int confirm, char **cause)
{
	char	*cred, *pass;

	if ((cred = key_credential(KEY_CRED_PASSPHRASE)) != NULL) {
		pass = passphrase_from_file(cred, cause);
		free(cred);
		return pass;
	}
	if (isatty(STDIN_FILENO))
		return passphrase_from_tty(prompt, confirm, cause);
	return passphrase_from_stream(stdin, cause);
}

/* Fills fresh Argon2id parameters: a random salt, libsodium's MODERATE. */
void
passphrase_kdf_new(struct store_kdf *k)
{
	randombytes_buf(k->salt, sizeof k->salt);
	k->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
	k->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
}

/* Stretches pass with Argon2id under k into key (MASTER_KEY_BYTES). */
int
passphrase_derive(const char *pass, const struct store_kdf *k,
    unsigned char *key, char **cause)
{
	if (k->opslimit > crypto_pwhash_OPSLIMIT_MAX ||
	    k->memlimit > crypto_pwhash_MEMLIMIT_MAX ||
	    crypto_pwhash(key, MASTER_KEY_BYTES, pass, strlen(pass), k->salt,
	    k->opslimit, k->memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		xasprintf(cause, "cannot derive the master key from the "
		    "passphrase (out of memory?)");
		return -1;
	}
	return 0;
}
