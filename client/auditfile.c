/*
 * The auditor's files. Decoders of bytes from outside (the daemon's
 * entries and head, an export's entries file, the state file) take a
 * length and never read past it; writers create files only inside a
 * directory opened without following links, under a temporary name made
 * with O_EXCL|O_NOFOLLOW, mode 0600, then renamed into place.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditfile.h"
#include "i18n.h"
#include "checkpoint.h"
#include "wire.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define STATE_MAGIC	"eco-audit-state-v1"

/*
 * Decodes one entry, base64 in b64[0..len), into out (room for
 * ECO_AUDIT_ENTRY_MAX bytes). Returns 0 with *outlen, or -1 if it is
 * empty, too long or not strict base64.
 */
int
audit_entry_decode(const char *b64, size_t len, unsigned char *out,
    size_t *outlen)
{
	if (len == 0 || len > AUDITFILE_LINE_MAX || !wire_b64_ok(b64, len))
		return -1;
	if (sodium_base642bin(out, ECO_AUDIT_ENTRY_MAX, b64, len, NULL, outlen,
	    NULL, B64) != 0 || *outlen == 0)
		return -1;
	return 0;
}

/* Returns 1 if an entry is text fit for a terminal: UTF-8 with tabs as
 * its only control characters. */
int
audit_entry_text(const unsigned char *e, size_t len)
{
	const char	*why;
	size_t		 i, start = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && e[i] != '\t')
			continue;
		if (wire_check_text((const char *)e + start, i - start,
		    &why) != 0 || memchr(e + start, '\0', i - start) != NULL)
			return 0;
		start = i + 1;
	}
	return 1;
}

/*
 * Returns the body of a signed note of len bytes (up to and with the
 * newline before its first blank line) as a new string, for reading a
 * head's size before it is verified; NULL if there is no body.
 */
char *
audit_head_body(const char *note, size_t len)
{
	const char	*sep;

	if ((sep = memmem(note, len, "\n\n", 2)) == NULL ||
	    memchr(note, '\0', (size_t)(sep - note)) != NULL)
		return NULL;
	return xstrndup(note, (size_t)(sep - note) + 1);
}

/* Decodes one line (its number *line) of an entries file, calls cb. */
static int
auditfile_line(const char *p, size_t n, uint64_t *line, audit_entry_cb cb,
    void *arg, char **cause)
{
	unsigned char	 entry[ECO_AUDIT_ENTRY_MAX];
	size_t		 len;

	(*line)++;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (n > AUDITFILE_LINE_MAX) {
		xasprintf(cause, _("line %llu is longer than %d bytes"),
		    (unsigned long long)*line, AUDITFILE_LINE_MAX);
		return -1;
	}
	if (audit_entry_decode(p, n, entry, &len) != 0) {
		xasprintf(cause, _("line %llu is not base64 of an entry"),
		    (unsigned long long)*line);
		return -1;
	}
	return cb(arg, *line, entry, len, cause);
}

/*
 * Decodes the entries file's bytes buf[0..len), one base64 entry a line:
 * every whole line, and at eof a last line without its LF too. *line
 * counts the lines decoded (carried over from the previous call); *used
 * is set to the bytes consumed, so the caller keeps the rest and reads
 * on. A line over AUDITFILE_LINE_MAX is refused as soon as it is seen,
 * by number. Returns 0, or -1 with *cause.
 */
int
auditfile_entries(const char *buf, size_t len, int eof, uint64_t *line,
    size_t *used, audit_entry_cb cb, void *arg, char **cause)
{
	const char	*p = buf, *nl;
	size_t		 left = len;

	*used = 0;
	while (left > 0) {
		if ((nl = memchr(p, '\n', left)) == NULL) {
			if (left > AUDITFILE_LINE_MAX + 1) {
				xasprintf(cause, _("line %llu is longer than %d "
				    "bytes"), (unsigned long long)*line + 1,
				    AUDITFILE_LINE_MAX);
				return -1;
			}
			if (!eof)
				break;
			if (auditfile_line(p, left, line, cb, arg, cause) != 0)
				return -1;
			p += left;
			left = 0;
			break;
		}
		if (auditfile_line(p, (size_t)(nl - p), line, cb, arg,
		    cause) != 0)
			return -1;
		left -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	*used = (size_t)(p - buf);
	return 0;
}

/* Returns the next line of buf[*off..len) (without LF) or NULL at end. */
static const char *
state_line(const char *buf, size_t len, size_t *off, size_t *n)
{
	const char	*p = buf + *off, *nl;

	if (*off >= len)
		return NULL;
	if ((nl = memchr(p, '\n', len - *off)) == NULL)
		return NULL;		/* every line ends with LF */
	*n = (size_t)(nl - p);
	*off += *n + 1;
	return p;
}

/* Returns the value of "key value" in p[0..n), or NULL. */
static const char *
state_value(const char *p, size_t n, const char *key, size_t *vlen)
{
	size_t	 k = strlen(key);

	if (n <= k + 1 || memcmp(p, key, k) != 0 || p[k] != ' ')
		return NULL;
	*vlen = n - k - 1;
	return p + k + 1;
}

/* Decodes the base64 of a root hash; 0 or -1. */
static int
state_root(const char *v, size_t vlen, unsigned char *root)
{
	size_t	 rlen;

	return wire_b64_ok(v, vlen) && sodium_base642bin(root, MERKLE_HASH, v,
	    vlen, NULL, &rlen, NULL, B64) == 0 && rlen == MERKLE_HASH ? 0 : -1;
}

/*
 * Parses the "node" lines of a state, if any: exactly one a bit set in
 * st->size, which together must hash to st->root. Advances *off and *line.
 */
static int
state_frontier(const char *buf, size_t len, size_t *off,
    struct audit_state *st, int *line, char **cause)
{
	struct merkle_frontier	*f = &st->frontier;
	unsigned char		 root[MERKLE_HASH];
	const char		*p, *v;
	size_t			 n, vlen, o;
	int			 k;

	memset(f, 0, sizeof *f);
	o = *off;
	if ((p = state_line(buf, len, &o, &n)) == NULL ||
	    state_value(p, n, "node", &vlen) == NULL)
		return 0;		/* none: an older state */
	for (k = 63; k >= 0; k--) {
		if ((st->size >> k & 1) == 0)
			continue;
		if ((p = state_line(buf, len, off, &n)) == NULL ||
		    (v = state_value(p, n, "node", &vlen)) == NULL ||
		    state_root(v, vlen, f->h[f->n]) != 0) {
			xasprintf(cause, _("line %d: want node BASE64, one a "
			    "subtree of the tree of size"), *line);
			return -1;
		}
		f->height[f->n++] = k;
		(*line)++;
	}
	merkle_frontier_root(f, root);
	if (sodium_memcmp(root, st->root, MERKLE_HASH) != 0) {
		xasprintf(cause, _("the node lines do not hash to the root"));
		return -1;
	}
	st->has_frontier = 1;
	return 0;
}

/*
 * Parses a state file of len bytes: the magic line, then "pubkey KEY",
 * "size N" and "root BASE64", in that order, then up to
 * AUDIT_STATE_BACKUPS lines "backup SEQ BASE64" or "restore SEQ BASE64"
 * with SEQ increasing and at most N, each line ended by LF, and nothing else. Returns 0 with st
 * filled (st->vkey allocated), or -1 with *cause (naming the line) and st
 * empty.
 */
int
audit_state_parse(const char *buf, size_t len, struct audit_state *st,
    char **cause)
{
	static const char *const keys[] = { "pubkey", "size", "root" };
	struct audit_point	*pt;
	const char	*p, *v, *sp;
	unsigned char	 pk[32];
	size_t		 off = 0, n, vlen;
	char		*name = NULL;
	int		 i, line;

	memset(st, 0, sizeof *st);
	if (len > AUDIT_STATE_MAX) {
		xasprintf(cause, _("longer than %d bytes"), AUDIT_STATE_MAX);
		return -1;
	}
	if ((p = state_line(buf, len, &off, &n)) == NULL ||
	    n != strlen(STATE_MAGIC) || memcmp(p, STATE_MAGIC, n) != 0) {
		xasprintf(cause, _("line 1 is not %s"), STATE_MAGIC);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		if ((p = state_line(buf, len, &off, &n)) == NULL ||
		    (v = state_value(p, n, keys[i], &vlen)) == NULL ||
		    memchr(v, '\0', vlen) != NULL)
			goto bad;
		if (i == 0) {
			st->vkey = xstrndup(v, vlen);
			if (vkey_parse(st->vkey, &name, pk) != 0)
				goto bad;
			free(name);
		} else if (i == 1) {
			if (checkpoint_parse_size(v, vlen, &st->size) != 0)
				goto bad;
		} else if (state_root(v, vlen, st->root) != 0)
			goto bad;
	}
	line = 5;
	if (state_frontier(buf, len, &off, st, &line, cause) != 0)
		goto fail;
	for (; off != len; line++) {
		pt = &st->backups[st->nbackups];
		if (st->nbackups == AUDIT_STATE_BACKUPS ||
		    (p = state_line(buf, len, &off, &n)) == NULL ||
		    ((v = state_value(p, n, "backup", &vlen)) == NULL &&
		    (v = state_value(p, n, "begun", &vlen)) == NULL &&
		    (v = state_value(p, n, "restore", &vlen)) == NULL) ||
		    (sp = memchr(v, ' ', vlen)) == NULL ||
		    checkpoint_parse_size(v, (size_t)(sp - v), &pt->seq) != 0 ||
		    pt->seq == 0 || pt->seq > st->size ||
		    (st->nbackups > 0 && pt->seq <= pt[-1].seq) ||
		    state_root(sp + 1, vlen - (size_t)(sp - v) - 1,
		    pt->root) != 0) {
			xasprintf(cause, _("line %d: want backup|begun|restore SEQ "
			    "ROOT, in order, at most %d"), line,
			    AUDIT_STATE_BACKUPS);
			goto fail;
		}
		pt->restore = *p == 'r';
		pt->pending = p[0] == 'b' && p[1] == 'e';	/* "begun" */
		st->nbackups++;
	}
	return 0;
bad:
	xasprintf(cause, _("line %d: want %s"), i + 2, keys[i]);
fail:
	free(st->vkey);
	memset(st, 0, sizeof *st);
	return -1;
}

/* Returns the state file's bytes (allocated), their length in *len. */
char *
audit_state_format(const struct audit_state *st, size_t *len)
{
	char	 root[sodium_base64_ENCODED_LEN(MERKLE_HASH, B64)], *out, *more;
	int	 i;

	sodium_bin2base64(root, sizeof root, st->root, MERKLE_HASH, B64);
	xasprintf(&out, STATE_MAGIC "\npubkey %s\nsize %llu\nroot %s\n",
	    st->vkey, (unsigned long long)st->size, root);
	for (i = 0; st->has_frontier && i < st->frontier.n; i++) {
		sodium_bin2base64(root, sizeof root, st->frontier.h[i],
		    MERKLE_HASH, B64);
		xasprintf(&more, "%snode %s\n", out, root);
		free(out);
		out = more;
	}
	for (i = 0; i < st->nbackups; i++) {
		sodium_bin2base64(root, sizeof root, st->backups[i].root,
		    MERKLE_HASH, B64);
		xasprintf(&more, "%s%s %llu %s\n", out, st->backups[i].restore ?
		    "restore" : st->backups[i].pending ? "begun" : "backup",
		    (unsigned long long)st->backups[i].seq, root);
		free(out);
		out = more;
	}
	*len = strlen(out);
	return out;
}

/*
 * Opens directory dir, made 0700 if missing (*made then 1), without
 * following a link at its last component. With empty, a directory that
 * holds anything is refused. Returns the descriptor, or -1 with *cause.
 */
int
auditdir_open(const char *dir, int empty, int *made, char **cause)
{
	struct dirent	*de;
	DIR		*d;
	int		 fd, dfd, full = 0;

	*made = 0;
	if (mkdir(dir, 0700) == 0)
		*made = 1;
	else if (errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		return -1;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd == -1) {
		if (errno == ELOOP || errno == ENOTDIR)
			xasprintf(cause, _("%s: not a directory, or a symbolic "
			    "link; refused"), dir);
		else
			xasprintf(cause, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!empty || *made)
		return dfd;
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		if (fd != -1)
			close(fd);
		close(dfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			full = 1;
	closedir(d);
	if (full) {
		xasprintf(cause, _("%s: not empty; refused (--force replaces its "
		    "checkpoint and entries)"), dir);
		close(dfd);
		return -1;
	}
	return dfd;
}

/*
 * Creates a new temporary file for name inside directory dfd: O_EXCL and
 * O_NOFOLLOW, mode 0600. Returns its descriptor with its name in *tmp
 * (allocated), or -1 with *cause.
 */
int
auditdir_tmp(int dfd, const char *name, char **tmp, char **cause)
{
	int	 fd, tries;

	for (tries = 0; tries < 10; tries++) {
		xasprintf(tmp, ".%s.%08x.tmp", name,
		    (unsigned int)randombytes_random());
		fd = openat(dfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
		if (fd != -1)
			return fd;
		free(*tmp);
		*tmp = NULL;
		if (errno != EEXIST)
			break;
	}
	xasprintf(cause, _("%s: cannot create a temporary file: %s"), name,
	    strerror(errno));
	return -1;
}

/* Writes all of buf to fd; returns 0 or -1 (errno set). */
int
auditdir_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Syncs and closes temporary file fd (named tmp in dfd) and renames it to
 * name: over an existing name (a link there is replaced, not followed)
 * only with replace. Returns 0, or -1 with *cause and tmp removed.
 */
int
auditdir_commit(int dfd, int fd, const char *tmp, const char *name,
    int replace, char **cause)
{
	if (fsync(fd) != 0 || close(fd) != 0) {
		xasprintf(cause, "%s: %s", name, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	if (renameat2(dfd, tmp, dfd, name, replace ? 0 : RENAME_NOREPLACE) !=
	    0) {
		if (errno == EEXIST)
			xasprintf(cause, _("%s: exists; refused"), name);
		else
			xasprintf(cause, "%s: %s", name, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	fsync(dfd);
	return 0;
}

/* Closes and removes an unfinished temporary file; tmp stays the caller's. */
void
auditdir_abort(int dfd, int fd, const char *tmp)
{
	if (fd != -1)
		close(fd);
	if (tmp != NULL)
		unlinkat(dfd, tmp, 0);
}
