/*
 * The client's side of the protocol: connect, greet, send one request
 * line, read data lines until the final OK or ERR.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecoctl.h"
#include "i18n.h"
#include "proto.h"
#include "wire.h"
#include "xmalloc.h"

#define REPLY_TIMEOUT_SECONDS	60

struct conn {
	int	 fd;
	char	*path;
	char	*buf;
	size_t	 len;
	size_t	 cap;
	size_t	 scanned;	/* bytes of buf known to hold no LF */
};

/* Writes all of buf. */
static int
conn_write(struct conn *cn, const char *buf, size_t len, char **cause)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = send(cn->fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, _("%s: write: %s"), cn->path,
			    strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Reads until buf holds a whole line; returns 0 with its length (without
 * the LF) in *len, the line at the start of cn->buf, or -1 with *cause.
 * A line longer than ECO_REPLY_LINE_MAX is refused before it is all read.
 */
static int
conn_readline(struct conn *cn, size_t *len, char **cause)
{
	char	*nl;
	ssize_t	 n;

	for (;;) {
		if (cn->len > cn->scanned && (nl = memchr(cn->buf + cn->scanned,
		    '\n', cn->len - cn->scanned)) != NULL) {
			*len = (size_t)(nl - cn->buf);
			return 0;
		}
		cn->scanned = cn->len;
		if (cn->len > ECO_REPLY_LINE_MAX + 1) {
			xasprintf(cause, _("%s: bad reply from the daemon: reply "
			    "line too long"), cn->path);
			return -1;
		}
		if (cn->len == cn->cap) {
			cn->cap = cn->cap == 0 ? 4096 : cn->cap * 2;
			cn->buf = xreallocarray(cn->buf, cn->cap, 1);
		}
		n = read(cn->fd, cn->buf + cn->len, cn->cap - cn->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			xasprintf(cause, _("%s: the daemon did not answer within "
			    "%d seconds"), cn->path, REPLY_TIMEOUT_SECONDS);
			return -1;
		}
		if (n == -1) {
			xasprintf(cause, _("%s: read: %s"), cn->path,
			    strerror(errno));
			return -1;
		}
		if (n == 0) {
			xasprintf(cause, _("%s: the daemon closed the connection"),
			    cn->path);
			return -1;
		}
		cn->len += (size_t)n;
	}
}

/* Drops the first n bytes of the input buffer. */
static void
conn_consume(struct conn *cn, size_t n)
{
	memmove(cn->buf, cn->buf + n, cn->len - n);
	cn->len -= n;
	cn->scanned = 0;
}

/*
 * Reads a whole reply: data lines, then OK or ERR. A reply over
 * ECO_REPLY_MAX bytes is refused. Returns 0 with r filled, or -1 with
 * *cause and r empty.
 */
static int
conn_reply(struct conn *cn, struct reply *r, char **cause)
{
	const char	*why;
	size_t		 len, total = 0;
	int		 rc;

	memset(r, 0, sizeof *r);
	for (;;) {
		if (conn_readline(cn, &len, cause) != 0)
			goto fail;
		total += len + ECO_REPLY_LINE_COST;
		if (total > ECO_REPLY_MAX) {
			xasprintf(cause, _("%s: bad reply from the daemon: more "
			    "than %d bytes"), cn->path, ECO_REPLY_MAX);
			goto fail;
		}
		rc = reply_parse_line(r, cn->buf, len, &why);
		conn_consume(cn, len + 1);
		if (rc == -1) {
			xasprintf(cause, _("%s: bad reply from the daemon: %s"),
			    cn->path, why);
			goto fail;
		}
		if (rc == 1)
			return 0;
	}
fail:
	reply_free(r);
	return -1;
}

/* Sends one request line. Returns 0, or -1 with *cause. */
int
conn_send(struct conn *cn, int argc, char *const *argv, char **cause)
{
	char	*line;
	size_t	 len;
	int	 rc;

	/* Not grown in place: a request may carry a secret (ROTATE-KEY),
	 * and the line is wiped, without a copy left behind. */
	line = wire_join(argc, argv);
	len = strlen(line);
	rc = conn_write(cn, line, len, cause);
	if (rc == 0)
		rc = conn_write(cn, "\n", 1, cause);
	sodium_memzero(line, len);
	free(line);
	return rc;
}

/* Reads the reply to a request sent before (conn_send), in order. */
int
conn_receive(struct conn *cn, struct reply *r, char **cause)
{
	return conn_reply(cn, r, cause);
}

/*
 * Sends one request and reads its reply into r. Returns 0 whether the
 * daemon said OK or ERR (see r->ok), -1 on a broken connection.
 */
int
conn_request(struct conn *cn, int argc, char *const *argv, struct reply *r,
    char **cause)
{
	char	*why = NULL;

	if (conn_send(cn, argc, argv, cause) == 0)
		return conn_reply(cn, r, cause);
	/*
	 * The daemon may have said why before it closed (busy); an OK cannot
	 * answer a request that was not sent, so only an ERR is taken.
	 */
	if (conn_reply(cn, r, &why) != 0) {
		free(why);
		return -1;
	}
	if (r->ok) {
		reply_free(r);
		return -1;
	}
	free(*cause);
	*cause = NULL;
	return 0;
}

/* Connects to the daemon at path and agrees on the protocol version. */
struct conn *
conn_open(const char *path, char **cause)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { REPLY_TIMEOUT_SECONDS, 0 };
	struct conn		*cn;
	struct reply		 r;
	char			*hello[] = { "HELLO", "1" };

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path) >=
	    sizeof sun.sun_path) {
		xasprintf(cause, _("%s: socket path too long"), path);
		return NULL;
	}
	cn = xcalloc(1, sizeof *cn);
	cn->path = xstrdup(path);
	if ((cn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, _("socket: %s"), strerror(errno));
		goto fail;
	}
	setsockopt(cn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(cn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(cn->fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			xasprintf(cause, _("%s: cannot connect: %s (is ecod "
			    "running?)"), path, strerror(errno));
		else if (errno == EACCES || errno == EPERM)
			xasprintf(cause, _("%s: cannot connect: %s (only ecod's "
			    "user and the members of the group that "
			    "socket_group names in ecod.conf may connect; ask "
			    "the operator to add you to it)"), path,
			    strerror(errno));
		else
			xasprintf(cause, _("%s: cannot connect: %s"), path,
			    strerror(errno));
		goto fail;
	}
	if (conn_request(cn, 2, hello, &r, cause) != 0)
		goto fail;
	if (!r.ok) {
		xasprintf(cause, "%s: %s", path, r.msg);
		reply_free(&r);
		goto fail;
	}
	reply_free(&r);
	return cn;
fail:
	conn_close(cn);
	return NULL;
}

/* Closes the connection; NULL is fine. */
void
conn_close(struct conn *cn)
{
	if (cn == NULL)
		return;
	if (cn->fd != -1)
		close(cn->fd);
	free(cn->buf);
	free(cn->path);
	free(cn);
}
