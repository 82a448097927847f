/*
 * An LD_PRELOAD shim that makes the daemon's storage fail on demand, for
 * tests/integration/t-faults.sh and make torture. It wraps write, pwrite,
 * pwrite64, writev, fsync and fdatasync. While the file named by
 * ECO_FAULT_CTL exists, a call on a file whose path starts with
 * ECO_FAULT_PATH and ends in ".db" or ".db-wal" (the database and its WAL,
 * nothing else) fails. The control file holds one line, "ERRNO OPS":
 * ERRNO is EIO or ENOSPC, OPS is write, sync or all, and a third word
 * "once" removes the control file with the first fault (a transient
 * error). "DELAY sync MS" fails nothing: each sync of those files first
 * sleeps MS milliseconds (a slow disk, so a commit stays in flight), then
 * reads the control file again: a fault written meanwhile fails it. Each
 * injected fault
 * appends the call's name to ECO_FAULT_LOG, if set, so that a test can
 * count them.
 */
#include <sys/types.h>
#include <sys/uio.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum fault_op { FAULT_WRITE, FAULT_SYNC };

static ssize_t	(*real_write)(int, const void *, size_t);

/* Returns the errno to fail a call of kind op on fd with, or 0; after a
 * delay (delayed set) the control file is read again, once. */
static int
fault_for(int fd, enum fault_op op, int delayed)
{
	const char	*ctl = getenv("ECO_FAULT_CTL");
	const char	*prefix = getenv("ECO_FAULT_PATH");
	char		 link[64], path[PATH_MAX], line[64], ops[16];
	char		 name[16], once[16] = "";
	ssize_t		 n;
	size_t		 len;
	FILE		*f;
	int		 err = 0;

	if (ctl == NULL || prefix == NULL || access(ctl, F_OK) != 0)
		return 0;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof path - 1)) <= 0)
		return 0;
	path[n] = '\0';
	len = (size_t)n;
	if (strncmp(path, prefix, strlen(prefix)) != 0)
		return 0;
	if (!(len > 3 && strcmp(path + len - 3, ".db") == 0) &&
	    !(len > 7 && strcmp(path + len - 7, ".db-wal") == 0))
		return 0;
	if ((f = fopen(ctl, "r")) == NULL)
		return 0;
	if (fgets(line, sizeof line, f) != NULL &&
	    sscanf(line, "%15s %15s %15s", name, ops, once) >= 2) {
		if (strcmp(name, "DELAY") == 0) {
			fclose(f);
			if (delayed || op != FAULT_SYNC ||
			    strcmp(ops, "sync") != 0)
				return 0;
			usleep((useconds_t)atoi(once) * 1000);
			return fault_for(fd, op, 1);
		}
		if (strcmp(ops, "all") == 0 ||
		    (op == FAULT_WRITE && strcmp(ops, "write") == 0) ||
		    (op == FAULT_SYNC && strcmp(ops, "sync") == 0))
			err = strcmp(name, "ENOSPC") == 0 ? ENOSPC : EIO;
	}
	fclose(f);
	if (err != 0 && strcmp(once, "once") == 0)
		unlink(ctl);
	return err;
}

/* Notes an injected fault in ECO_FAULT_LOG; returns -1 with errno err. */
static int
fault_inject(const char *what, int err)
{
	const char	*log = getenv("ECO_FAULT_LOG");
	char		 line[32];
	int		 fd, n;

	if (real_write == NULL)
		real_write = (ssize_t (*)(int, const void *, size_t))
		    dlsym(RTLD_NEXT, "write");
	if (log != NULL &&
	    (fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) != -1) {
		n = snprintf(line, sizeof line, "%s %s\n", what,
		    err == ENOSPC ? "ENOSPC" : "EIO");
		if (real_write(fd, line, (size_t)n) != n)
			(void)0;	/* a lost count line only undercounts */
		close(fd);
	}
	errno = err;
	return -1;
}

/* Looks up the next definition of name, once. */
#define REAL(name, type) do {						\
	if (real_##name == NULL)					\
		real_##name = (type)dlsym(RTLD_NEXT, #name);		\
} while (0)

ssize_t
write(int fd, const void *buf, size_t len)
{
	int	 err;

	REAL(write, ssize_t (*)(int, const void *, size_t));
	if ((err = fault_for(fd, FAULT_WRITE, 0)) != 0)
		return fault_inject("write", err);
	return real_write(fd, buf, len);
}

static ssize_t	(*real_pwrite)(int, const void *, size_t, off_t);

ssize_t
pwrite(int fd, const void *buf, size_t len, off_t off)
{
	int	 err;

	REAL(pwrite, ssize_t (*)(int, const void *, size_t, off_t));
	if ((err = fault_for(fd, FAULT_WRITE, 0)) != 0)
		return fault_inject("pwrite", err);
	return real_pwrite(fd, buf, len, off);
}

static ssize_t	(*real_pwrite64)(int, const void *, size_t, off64_t);

ssize_t
pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	int	 err;

	REAL(pwrite64, ssize_t (*)(int, const void *, size_t, off64_t));
	if ((err = fault_for(fd, FAULT_WRITE, 0)) != 0)
		return fault_inject("pwrite64", err);
	return real_pwrite64(fd, buf, len, off);
}

static ssize_t	(*real_writev)(int, const struct iovec *, int);

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	int	 err;

	REAL(writev, ssize_t (*)(int, const struct iovec *, int));
	if ((err = fault_for(fd, FAULT_WRITE, 0)) != 0)
		return fault_inject("writev", err);
	return real_writev(fd, iov, n);
}

static int	(*real_fsync)(int);

int
fsync(int fd)
{
	int	 err;

	REAL(fsync, int (*)(int));
	if ((err = fault_for(fd, FAULT_SYNC, 0)) != 0)
		return fault_inject("fsync", err);
	return real_fsync(fd);
}

static int	(*real_fdatasync)(int);

int
fdatasync(int fd)
{
	int	 err;

	REAL(fdatasync, int (*)(int));
	if ((err = fault_for(fd, FAULT_SYNC, 0)) != 0)
		return fault_inject("fdatasync", err);
	return real_fdatasync(fd);
}
