/*
 * The client's side of the protocol: connect, greet, send one request
 * line, read data lines until the final OK or ERR.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecoctl.h"
#include "proto.h"
#include "wire.h"
#include "xmalloc.h"

/* Replies longer than this are refused: a daemon bug, not data. */
#define REPLY_LINE_MAX		(16 * 1024 * 1024)
#define REPLY_TIMEOUT_SECONDS	60

struct conn {
	int	 fd;
	char	*path;
	char	*buf;
	size_t	 len;
	size_t	 cap;
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
			xasprintf(cause, "%s: write: %s", cn->path,
			    strerror(errno));
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one line into a new string (no newline). */
static char *
conn_readline(struct conn *cn, char **cause)
{
	char	*nl, *line;
	ssize_t	 n;
	size_t	 len;

	for (;;) {
		if (cn->len > 0 &&
		    (nl = memchr(cn->buf, '\n', cn->len)) != NULL) {
			len = (size_t)(nl - cn->buf);
			line = xstrndup(cn->buf, len);
			memmove(cn->buf, nl + 1, cn->len - len - 1);
			cn->len -= len + 1;
			if (len > 0 && line[len - 1] == '\r')
				line[len - 1] = '\0';
			return line;
		}
		if (cn->len == REPLY_LINE_MAX) {
			xasprintf(cause, "%s: reply line too long", cn->path);
			return NULL;
		}
		if (cn->len == cn->cap) {
			cn->cap = cn->cap == 0 ? 4096 : cn->cap * 2;
			if (cn->cap > REPLY_LINE_MAX)
				cn->cap = REPLY_LINE_MAX;
			cn->buf = xreallocarray(cn->buf, cn->cap, 1);
		}
		n = read(cn->fd, cn->buf + cn->len, cn->cap - cn->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			xasprintf(cause, "%s: the daemon did not answer within "
			    "%d seconds", cn->path, REPLY_TIMEOUT_SECONDS);
			return NULL;
		}
		if (n == -1) {
			xasprintf(cause, "%s: read: %s", cn->path,
			    strerror(errno));
			return NULL;
		}
		if (n == 0) {
			xasprintf(cause, "%s: the daemon closed the connection",
			    cn->path);
			return NULL;
		}
		cn->len += (size_t)n;
	}
}

/* Frees a reply's contents; the struct itself is the caller's. */
void
reply_free(struct reply *r)
{
	int	 i;

	for (i = 0; i < r->ndata; i++)
		wire_fields_free(&r->data[i]);
	free(r->data);
	wire_fields_free(&r->final);
	free(r->code);
	free(r->msg);
	memset(r, 0, sizeof *r);
}

/* Parses the fields after a prefix of line into wf. */
static int
conn_fields(struct conn *cn, const char *rest, struct wire_fields *wf,
    char **cause)
{
	const char	*why;

	if (wire_split(rest, strlen(rest), ECO_MAX_FIELDS, wf, &why) != 0) {
		xasprintf(cause, "%s: bad reply from the daemon: %s", cn->path,
		    why);
		return -1;
	}
	return 0;
}

/* Reads a whole reply: data lines, then OK or ERR. */
static int
conn_reply(struct conn *cn, struct reply *r, char **cause)
{
	char	*line, *sp;

	memset(r, 0, sizeof *r);
	for (;;) {
		if ((line = conn_readline(cn, cause)) == NULL)
			goto fail;
		if (strncmp(line, ECO_REPLY_DATA " ", 2) == 0) {
			r->data = xreallocarray(r->data, r->ndata + 1,
			    sizeof *r->data);
			if (conn_fields(cn, line + 2, &r->data[r->ndata],
			    cause) != 0) {
				free(line);
				goto fail;
			}
			r->ndata++;
		} else if (strcmp(line, ECO_REPLY_OK) == 0 ||
		    strncmp(line, ECO_REPLY_OK " ", 3) == 0) {
			r->ok = 1;
			if (conn_fields(cn, line + 2, &r->final, cause) != 0) {
				free(line);
				goto fail;
			}
			free(line);
			return 0;
		} else if (strncmp(line, ECO_REPLY_ERR " ", 4) == 0) {
			sp = strchr(line + 4, ' ');
			r->code = xstrndup(line + 4, sp == NULL ?
			    strlen(line + 4) : (size_t)(sp - line - 4));
			r->msg = xstrdup(sp == NULL ? "" : sp + 1);
			free(line);
			return 0;
		} else {
			xasprintf(cause, "%s: unexpected reply line from the "
			    "daemon", cn->path);
			free(line);
			goto fail;
		}
		free(line);
	}
fail:
	reply_free(r);
	return -1;
}

/*
 * Sends one request and reads its reply into r. Returns 0 whether the
 * daemon said OK or ERR (see r->ok), -1 on a broken connection.
 */
int
conn_request(struct conn *cn, int argc, char *const *argv, struct reply *r,
    char **cause)
{
	char	*line, *why;
	size_t	 len;
	int	 rc;

	line = wire_join(argc, argv);
	len = strlen(line);
	line = xreallocarray(line, len + 2, 1);
	line[len] = '\n';
	rc = conn_write(cn, line, len + 1, cause);
	free(line);
	if (rc != 0) {
		/* The daemon may have said why before it closed (busy). */
		if (conn_reply(cn, r, &why) == 0 && !r->ok) {
			free(*cause);
			return 0;
		}
		free(why);
		return -1;
	}
	return conn_reply(cn, r, cause);
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
		xasprintf(cause, "%s: socket path too long", path);
		return NULL;
	}
	cn = xcalloc(1, sizeof *cn);
	cn->path = xstrdup(path);
	if ((cn->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		goto fail;
	}
	setsockopt(cn->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(cn->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(cn->fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			xasprintf(cause, "%s: cannot connect: %s (is ecod "
			    "running?)", path, strerror(errno));
		else
			xasprintf(cause, "%s: cannot connect: %s", path,
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
