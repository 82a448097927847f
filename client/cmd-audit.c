/*
 * ecoctl audit: the auditor's side. verify recomputes the Merkle root
 * from every entry, checks the signed tree head against the audit key
 * pinned on first use (or --pubkey), and checks a consistency proof from
 * the last head this auditor verified, kept in a state file on this side;
 * so a changed, removed or reordered entry, a rollback or a fork is named.
 * Entries are fetched a page at a time and hashed as they come: memory
 * stays small however long the log.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auditfile.h"
#include "checkpoint.h"
#include "ecoctl.h"
#include "i18n.h"
#include "merkle.h"
#include "wire.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define READ_CHUNK	65536

/* A verified head: its body's origin, size and root, and the note. */
struct head {
	char		*note;
	uint64_t	 size;
	unsigned char	 root[MERKLE_HASH];
};

/* The entries hashed so far: the tree's frontier, the newest leaf, and
 * the root of the first mark entries once they are in. */
struct walk {
	struct merkle_frontier	 f;
	uint64_t		 n;
	uint64_t		 mark;
	unsigned char		 mark_root[MERKLE_HASH];
	unsigned char		 last[MERKLE_HASH];
	/* Restores and backups, for audit verify (old may be NULL). */
	const struct audit_state *old;		/* verified before */
	int			 next_old;	/* old->backups[] to compare */
	uint64_t		 common;	/* newest old point still here */
	int			 common_restore;
	int			 common_pending;
	struct audit_point	 points[AUDIT_STATE_BACKUPS];	/* newest */
	int			 npoints;
	uint64_t		*restores;	/* seqs of restore entries */
	size_t			 nrestores;
};

/* Splits entry e into its six TAB-separated fields (not NUL-ended: each
 * with its length). Returns 0, or -1 if it has not six. */
static int
entry_fields(const unsigned char *e, size_t len, const char *f[6],
    size_t flen[6])
{
	const unsigned char	*p = e, *end = e + len, *tab;
	int			 i;

	for (i = 0; i < 6; i++) {
		tab = i < 5 ? memchr(p, '\t', (size_t)(end - p)) : end;
		if (tab == NULL)
			return -1;
		f[i] = (const char *)p;
		flen[i] = (size_t)(tab - p);
		p = tab + (i < 5);
	}
	return 0;
}

/* Returns 1 if field f of length n is the word w. */
static int
field_is(const char *f, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(f, w, n) == 0;
}

/* Marks the backup mark at seq confirmed (its copy ended ok, or was
 * restored), if the walk still holds it. */
static void
walk_confirm(struct walk *w, uint64_t seq)
{
	int	 i;

	for (i = w->npoints - 1; i >= 0; i--)
		if (w->points[i].seq == seq && !w->points[i].restore)
			w->points[i].pending = 0;
}

/* Parses "PREFIXN" or "PREFIXN ..." in f; 0 with *n, or -1. */
static int
size_field(const char *f, size_t flen, const char *prefix, uint64_t *n)
{
	size_t		 p = strlen(prefix), end;

	if (flen <= p || memcmp(f, prefix, p) != 0)
		return -1;
	for (end = p; end < flen && f[end] != ' '; end++)
		;
	return checkpoint_parse_size(f + p, end - p, n);
}

/*
 * Notes a "backup begun" mark or a "restore ok size=B" entry as a point:
 * a tree the log may later be restored to, or one a restore made (the
 * newest AUDIT_STATE_BACKUPS kept). A mark is kept only once the log says
 * its backup ended "backup - ok size=N" (every byte of the copy left the
 * daemon), or a restore to it: an attempt that failed is no copy anyone
 * can restore. A restore must come right after the B entries of its copy.
 */
static int
walk_point(struct walk *w, uint64_t seq, const unsigned char *e, size_t len,
    char **cause)
{
	const char		*f[6];
	size_t			 flen[6];
	uint64_t		 b;
	int			 restore;

	if (entry_fields(e, len, f, flen) != 0)
		return 0;
	if (field_is(f[3], flen[3], "backup") && field_is(f[4], flen[4], "-") &&
	    size_field(f[5], flen[5], "ok size=", &b) == 0) {
		walk_confirm(w, b);
		return 0;
	}
	restore = field_is(f[3], flen[3], "restore");
	if (!restore && !(field_is(f[3], flen[3], "backup") &&
	    field_is(f[4], flen[4], "-") && field_is(f[5], flen[5], "begun")))
		return 0;
	if (restore && (size_field(f[5], flen[5], "ok size=", &b) != 0 ||
	    b + 1 != seq)) {
		xasprintf(cause, _("audit entry %llu: a restore entry that does "
		    "not follow the entries of its backup"),
		    (unsigned long long)seq);
		return -1;
	}
	if (restore) {
		walk_confirm(w, b);
		w->restores = xreallocarray(w->restores, w->nrestores + 1,
		    sizeof *w->restores);
		w->restores[w->nrestores++] = seq;
	}
	if (w->npoints == AUDIT_STATE_BACKUPS) {
		memmove(w->points, w->points + 1, (AUDIT_STATE_BACKUPS - 1) *
		    sizeof w->points[0]);
		w->npoints--;
	}
	w->points[w->npoints].seq = seq;	/* its root once pushed */
	w->points[w->npoints].restore = restore;
	w->points[w->npoints++].pending = !restore;
	return 0;
}

/*
 * After entry seq is pushed: records the root of a point made by it, and
 * whether a point verified before is still in the log with the same tree
 * (then everything up to it is common to both logs).
 */
static void
walk_compare(struct walk *w, uint64_t seq)
{
	const struct audit_point	*o;
	unsigned char			 root[MERKLE_HASH];
	int				 have = 0;

	if (w->npoints > 0 && w->points[w->npoints - 1].seq == seq) {
		merkle_frontier_root(&w->f, w->points[w->npoints - 1].root);
		memcpy(root, w->points[w->npoints - 1].root, MERKLE_HASH);
		have = 1;
	}
	if (w->old == NULL)
		return;
	while (w->next_old < w->old->nbackups &&
	    w->old->backups[w->next_old].seq < seq)
		w->next_old++;
	if (w->next_old == w->old->nbackups ||
	    (o = &w->old->backups[w->next_old])->seq != seq)
		return;
	if (!have)
		merkle_frontier_root(&w->f, root);
	if (sodium_memcmp(root, o->root, MERKLE_HASH) == 0) {
		w->common = seq;
		w->common_restore = o->restore;
		w->common_pending = o->pending;
	}
}

/*
 * Returns the restore entry that explains why the log is not an extension
 * of the one verified before, or 0: the newest point verified before that
 * is still in the log must be a backup mark, B, and the entry right after
 * it must be a restore to size B. Then the logs agree up to B and part
 * there, at the restore; any later common point would have shown that
 * they part later, where no restore says so.
 */
static uint64_t
walk_restored(const struct walk *w)
{
	size_t	 i;

	if (w->common == 0 || w->common_restore || w->common_pending)
		return 0;
	for (i = 0; i < w->nrestores; i++)
		if (w->restores[i] == w->common + 1)
			return w->common + 1;
	return 0;
}

/* The state file: --state, $ECO_AUDIT_STATE, or ~/.ecoctl/audit-state. */
static char *
state_path(const char *opt)
{
	const char	*home = getenv("HOME"), *env = getenv("ECO_AUDIT_STATE");
	char		*p;

	if (opt != NULL)
		return xstrdup(opt);
	if (env != NULL && *env != '\0')
		return xstrdup(env);
	xasprintf(&p, "%s/.ecoctl/audit-state", home != NULL ? home : ".");
	return p;
}

/* Reads the state file; a missing one is an empty state (first use). */
static int
state_read(const char *path, struct audit_state *st)
{
	char	 buf[AUDIT_STATE_MAX + 1], *cause;
	ssize_t	 n;
	size_t	 len = 0;
	int	 fd;

	memset(st, 0, sizeof *st);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? EXIT_OK : ctl_fail("%s: %s", path,
		    strerror(errno));
	while (len < sizeof buf && (n = read(fd, buf + len,
	    sizeof buf - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			close(fd);
			return ctl_fail("%s: %s", path, strerror(errno));
		}
		len += (size_t)n;
	}
	close(fd);
	if (audit_state_parse(buf, len, st, &cause) != 0) {
		ctl_fail("%s: damaged state file: %s", path, cause);
		free(cause);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * Writes the state file, replacing it atomically: a temporary file made
 * inside its folder (0700 if new, never a link) and renamed over it, so
 * a link planted at either name is replaced, not followed. Mode 0600.
 */
static int
state_write(const char *path, const struct audit_state *st)
{
	const char	*base;
	char		*dir, *slash, *tmp = NULL, *buf, *cause;
	size_t		 len;
	int		 dfd, fd, made;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = xstrdup(".");
		base = path;
	} else {
		base = path + (slash - dir) + 1;
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (*base == '\0') {
		free(dir);
		return ctl_fail("%s: not a file name", path);
	}
	if ((dfd = auditdir_open(dir, 0, &made, &cause)) == -1)
		goto fail;
	free(dir);
	dir = NULL;
	if ((fd = auditdir_tmp(dfd, base, &tmp, &cause)) == -1) {
		close(dfd);
		goto fail;
	}
	buf = audit_state_format(st, &len);
	if (auditdir_write_all(fd, buf, len) != 0) {
		xasprintf(&cause, "%s", strerror(errno));
		auditdir_abort(dfd, fd, tmp);
		free(buf);
		free(tmp);
		close(dfd);
		goto fail;
	}
	free(buf);
	if (auditdir_commit(dfd, fd, tmp, base, 1, &cause) != 0) {
		free(tmp);
		close(dfd);
		goto fail;
	}
	free(tmp);
	close(dfd);
	return EXIT_OK;
fail:
	free(dir);
	ctl_fail("%s: %s", path, cause);
	free(cause);
	return EXIT_FAIL;
}

/* Verifies a signed head with vkey; fills h. */
static int
head_check(const char *note, size_t len, const char *vkey, struct head *h)
{
	unsigned char	 pk[32];
	const char	*why;
	char		*name, *body, *origin;
	int		 rc;

	if (vkey_parse(vkey, &name, pk) != 0)
		return ctl_fail("not an audit key: %s", vkey);
	rc = signed_note_verify(note, len, name, pk, &body, &why);
	if (rc != 0) {
		free(name);
		return ctl_fail("the signed tree head is not valid: %s", why);
	}
	rc = checkpoint_parse(body, &origin, &h->size, h->root);
	free(body);
	if (rc != 0 || strcmp(origin, name) != 0) {
		if (rc == 0)
			free(origin);
		free(name);
		return ctl_fail("the tree head is not a checkpoint of this "
		    "log");
	}
	free(origin);
	free(name);
	h->note = xstrndup(note, len);
	return EXIT_OK;
}

/*
 * Hashes entry seq into the walk, after checking that it starts with its
 * own number: so a removed, reordered or renumbered entry is named.
 */
static int
walk_entry(void *arg, uint64_t seq, const unsigned char *e, size_t len,
    char **cause)
{
	struct walk	*w = arg;
	char		 num[24];
	int		 n;

	n = snprintf(num, sizeof num, "%llu\t", (unsigned long long)seq);
	if (seq != w->n + 1 || len < (size_t)n || memcmp(e, num, n) != 0) {
		xasprintf(cause, _("audit entry %llu is out of place (removed, "
		    "reordered or renumbered)"), (unsigned long long)seq);
		return -1;
	}
	if (walk_point(w, seq, e, len, cause) != 0)
		return -1;
	merkle_leaf(e, len, w->last);
	merkle_frontier_push(&w->f, w->last);
	walk_compare(w, seq);
	if (++w->n == w->mark)
		merkle_frontier_root(&w->f, w->mark_root);
	return 0;
}

/* Checks that the walk took in size entries whose tree has root. */
static int
walk_check(const struct walk *w, uint64_t size, const unsigned char *root)
{
	unsigned char	 got[MERKLE_HASH];

	if (w->n != size)
		return ctl_fail("the head covers %llu entries, %llu were read",
		    (unsigned long long)size, (unsigned long long)w->n);
	merkle_frontier_root(&w->f, got);
	if (sodium_memcmp(got, root, MERKLE_HASH) != 0)
		return ctl_fail("the %llu entries do not hash to the signed "
		    "root: an entry was changed", (unsigned long long)size);
	return EXIT_OK;
}

/* Fetches the signed head from the daemon: the note's exact bytes,
 * NUL-terminated, with no NUL inside. */
static char *
fetch_head(struct ctl *ctl, size_t *len)
{
	struct reply	 r;
	char		*req[1] = { "AUDIT-HEAD" }, *note = NULL;
	const char	*b64;
	size_t		 n;

	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return NULL;
	if (r.final.argc == 1 && (n = strlen(b64 = r.final.argv[0])) <=
	    sodium_base64_ENCODED_LEN(CHECKPOINT_MAX, B64) &&
	    wire_b64_ok(b64, n)) {
		note = xmalloc(CHECKPOINT_MAX + 1);
		if (sodium_base642bin((unsigned char *)note, CHECKPOINT_MAX,
		    b64, n, NULL, len, NULL, B64) != 0 || *len == 0 ||
		    memchr(note, '\0', *len) != NULL) {
			free(note);
			note = NULL;
		} else
			note[*len] = '\0';
	}
	reply_free(&r);
	if (note == NULL)
		ctl_fail("bad tree head from the daemon");
	return note;
}

/* Fetches the head and reads its size, unverified (for log and export). */
static char *
fetch_head_size(struct ctl *ctl, size_t *len, uint64_t *size)
{
	unsigned char	 root[MERKLE_HASH];
	char		*note, *body, *origin;
	int		 rc = -1;

	if ((note = fetch_head(ctl, len)) == NULL)
		return NULL;
	if ((body = audit_head_body(note, *len)) != NULL) {
		rc = checkpoint_parse(body, &origin, size, root);
		free(body);
	}
	if (rc != 0) {
		free(note);
		ctl_fail("bad tree head from the daemon");
		return NULL;
	}
	free(origin);
	return note;
}

/* The last entry of the page that starts at seq. */
static uint64_t
page_end(uint64_t seq, uint64_t last)
{
	return last - seq < ECO_AUDIT_PAGE_MAX ? last :
	    seq + ECO_AUDIT_PAGE_MAX - 1;
}

/* Asks for the page of entries that starts at seq: 0, or -1 with
 * *cause. */
static int
page_ask(struct ctl *ctl, uint64_t seq, uint64_t last, char **cause)
{
	char	 a[24], b[24], *req[3] = { "AUDIT-ENTRIES", a, b };

	snprintf(a, sizeof a, "%llu", (unsigned long long)seq);
	snprintf(b, sizeof b, "%llu", (unsigned long long)page_end(seq,
	    last));
	return conn_send(ctl->conn, 3, req, cause);
}

/*
 * Fetches entries first..last, ECO_AUDIT_PAGE_MAX a request, and calls cb
 * with each in order. The next page is asked for before this one is
 * read, so the daemon reads it while this one is hashed. Call it logged
 * in (the connection open). Returns EXIT_OK or EXIT_FAIL (reported).
 */
static int
fetch_entries(struct ctl *ctl, uint64_t first, uint64_t last,
    audit_entry_cb cb, void *arg)
{
	struct reply	 r;
	unsigned char	 e[ECO_AUDIT_ENTRY_MAX];
	char		*cause, *unsent = NULL;
	size_t		 len;
	uint64_t	 seq, to;
	int		 i;

	if (first > last)
		return EXIT_OK;
	if (ctl->conn == NULL)
		return ctl_fail("not connected to the daemon");
	if (page_ask(ctl, first, last, &cause) != 0) {
		ctl_fail("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	for (seq = first; seq <= last; seq = to + 1) {
		to = page_end(seq, last);
		/* The next page is asked for now; if that fails, the daemon
		 * may have said why in its answer to this one. */
		if (to < last && page_ask(ctl, to + 1, last, &unsent) != 0)
			last = to;
		if (conn_receive(ctl->conn, &r, &cause) != 0) {
			ctl_fail("%s", cause);
			free(cause);
			free(unsent);
			return EXIT_FAIL;
		}
		if (!r.ok) {
			ctl_fail("%s", r.msg);
			goto fail;
		}
		if ((uint64_t)r.ndata != to - seq + 1) {
			ctl_fail("the daemon sent %d entries, not %llu",
			    r.ndata, (unsigned long long)(to - seq + 1));
			goto fail;
		}
		for (i = 0; i < r.ndata; i++) {
			if (r.data[i].argc != 1 || audit_entry_decode(
			    r.data[i].argv[0], strlen(r.data[i].argv[0]), e,
			    &len) != 0) {
				ctl_fail("bad entry from the daemon");
				goto fail;
			}
			if (cb(arg, seq + i, e, len, &cause) != 0) {
				ctl_fail("%s", cause);
				free(cause);
				goto fail;
			}
		}
		reply_free(&r);
	}
	if (unsent != NULL) {
		ctl_fail("%s", unsent);
		free(unsent);
		return EXIT_FAIL;
	}
	return EXIT_OK;
fail:
	reply_free(&r);
	free(unsent);
	return EXIT_FAIL;
}

/* Prints the audit verifier key that verb answers; an auditor's verb
 * logs in first, the admin's does not. */
static int
print_vkey(struct ctl *ctl, int argc, char **argv, char *verb, int login)
{
	struct reply	 r;
	char		*req[1] = { verb };

	if (ctl_parse(ctl, argc, argv, NULL, NULL, 0, 0) < 0)
		return EXIT_USAGE;
	if ((login && ctl_login(ctl) != EXIT_OK) ||
	    ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc == 1)
		printf("%s\n", r.final.argv[0]);
	reply_free(&r);
	return EXIT_OK;
}

/* audit pubkey */
int
ctl_audit_pubkey(struct ctl *ctl, int argc, char **argv)
{
	return print_vkey(ctl, argc, argv, "AUDIT-PUBKEY", 1);
}

/* admin audit-pubkey: the same key, for the operator to hand out. */
int
ctl_admin_audit_pubkey(struct ctl *ctl, int argc, char **argv)
{
	return print_vkey(ctl, argc, argv, "ADMIN-AUDIT-PUBKEY", 0);
}

/* The fields of an entry (docs/AUDIT.md), for a table or JSON. */
static const struct out_col entry_cols[] = {
	{ "seq", N_("Entry"), COL_NUM },
	{ "time", N_("Time (UTC)"), COL_TEXT },
	{ "actor", N_("Actor"), COL_TEXT },
	{ "action", N_("Action"), COL_TEXT },
	{ "object", N_("Object"), COL_TEXT },
	{ "outcome", N_("Outcome"), COL_TEXT },
};

/* Lists an entry (arg: the struct out) if it is text fit for a terminal:
 * piped, its exact bytes on a line; else its six fields. */
static int
print_entry(void *arg, uint64_t seq, const unsigned char *e, size_t len,
    char **cause)
{
	char	*copy, *f[NCOLS(entry_cols)], *p;
	int	 n = 0;

	if (!audit_entry_text(e, len)) {
		xasprintf(cause, _("audit entry %llu is not text"),
		    (unsigned long long)seq);
		return -1;
	}
	copy = xstrndup((const char *)e, len);
	for (p = copy; n < NCOLS(entry_cols) && p != NULL; n++)
		f[n] = strsep(&p, "\t");
	if (p != NULL || n != NCOLS(entry_cols) || out_piped(arg)) {
		fwrite(e, 1, len, stdout);
		putchar('\n');
	} else
		out_row(arg, f);
	free(copy);
	return 0;
}

/* audit log [--since SEQ] [--json]: the entries, one a line. */
int
ctl_audit_log(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "since=", NULL };
	struct out	 *o;
	uint64_t	  size, since = 1;
	size_t		  len;
	char		 *v[1], *note;
	int		  rc;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[0] != NULL && (checkpoint_parse_size(v[0], strlen(v[0]),
	    &since) != 0 || since == 0))
		return ctl_usage(ctl);
	if (ctl_login(ctl) != EXIT_OK ||
	    (note = fetch_head_size(ctl, &len, &size)) == NULL)
		return EXIT_FAIL;
	free(note);
	o = out_begin(ctl, entry_cols, NCOLS(entry_cols));
	rc = fetch_entries(ctl, since, size, print_entry, o);
	out_end(o, _("No entries."));
	return rc;
}

/*
 * Reads an export's entries file through the walk, a chunk at a time:
 * any length, each line bounded. Returns EXIT_OK or EXIT_FAIL (reported).
 */
static int
read_entries(const char *dir, struct walk *w)
{
	char		*path, *buf, *cause;
	size_t		 len = 0, used;
	uint64_t	 line = 0;
	ssize_t		 n;
	int		 fd, rc = EXIT_FAIL;

	xasprintf(&path, "%s/entries", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_fail("%s: %s", path, strerror(errno));
		free(path);
		return EXIT_FAIL;
	}
	buf = xmalloc(READ_CHUNK);
	for (;;) {
		n = read(fd, buf + len, READ_CHUNK - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ctl_fail("%s: %s", path, strerror(errno));
			break;
		}
		if (auditfile_entries(buf, len + (size_t)n, n == 0, &line,
		    &used, walk_entry, w, &cause) != 0) {
			ctl_fail("%s: %s", path, cause);
			free(cause);
			break;
		}
		len = len + (size_t)n - used;
		memmove(buf, buf + used, len);
		if (n == 0) {
			rc = EXIT_OK;
			break;
		}
	}
	close(fd);
	free(buf);
	free(path);
	return rc;
}

/* audit verify --dir DIR --pubkey KEY: no daemon needed. */
static int
verify_offline(const char *dir, const char *vkey)
{
	struct head	 h;
	struct walk	 w;
	size_t		 notelen;
	char		*note, *path;
	int		 rc = EXIT_FAIL;

	memset(&h, 0, sizeof h);
	memset(&w, 0, sizeof w);
	xasprintf(&path, "%s/checkpoint", dir);
	note = ctl_read_file(path, CHECKPOINT_MAX, &notelen);
	free(path);
	if (note == NULL || head_check(note, notelen, vkey, &h) != EXIT_OK ||
	    read_entries(dir, &w) != EXIT_OK)
		goto out;
	if (w.n != h.size) {
		ctl_fail("the head covers %llu entries, the export has %llu",
		    (unsigned long long)h.size, (unsigned long long)w.n);
		goto out;
	}
	if ((rc = walk_check(&w, h.size, h.root)) == EXIT_OK)
		printf(_("verified %llu entries offline against the signed "
		    "tree head (size %llu)\n"), (unsigned long long)w.n,
		    (unsigned long long)h.size);
out:
	free(h.note);
	free(note);
	return rc;
}

/* Fetches a proof: the data lines of req as hashes into proof. */
static int
fetch_proof(struct ctl *ctl, char **req, merkle_hash *proof, size_t *n)
{
	struct reply	 r;
	size_t		 len;
	int		 i;

	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	for (*n = 0, i = 0; i < r.ndata; i++) {
		if (*n == MERKLE_MAX_PROOF || r.data[i].argc != 1 ||
		    !wire_b64_ok(r.data[i].argv[0], strlen(r.data[i].argv[0])) ||
		    sodium_base642bin(proof[*n], MERKLE_HASH, r.data[i].argv[0],
		    strlen(r.data[i].argv[0]), NULL, &len, NULL, B64) != 0 ||
		    len != MERKLE_HASH) {
			reply_free(&r);
			return ctl_fail("bad proof from the daemon");
		}
		(*n)++;
	}
	reply_free(&r);
	return EXIT_OK;
}

/* Checks the daemon's inclusion proof of the newest entry in the head. */
static int
verify_inclusion(struct ctl *ctl, const struct head *h, const struct walk *w)
{
	merkle_hash	 proof[MERKLE_MAX_PROOF];
	char		 a[24], *req[3] = { "AUDIT-INCLUSION", a, a };
	size_t		 n;

	snprintf(a, sizeof a, "%llu", (unsigned long long)h->size);
	if (fetch_proof(ctl, req, proof, &n) != EXIT_OK)
		return EXIT_FAIL;
	if (merkle_verify_inclusion(h->size - 1, h->size, w->last,
	    MERKLE_HASH, proof, n, h->root, MERKLE_HASH) != 0)
		return ctl_fail("the daemon's inclusion proof of entry %llu "
		    "does not verify", (unsigned long long)h->size);
	return EXIT_OK;
}

/*
 * Asks the daemon for the RFC 9162 consistency proof from the head
 * verified before to the new one (st->size < h->size). Returns 1 if it
 * verifies, 0 if not, -1 if it could not be fetched (reported).
 */
static int
consistency_proof(struct ctl *ctl, const struct audit_state *st,
    const struct head *h)
{
	merkle_hash	 proof[MERKLE_MAX_PROOF];
	char		 a[24], b[24], *req[3] = { "AUDIT-CONSISTENCY", a, b };
	size_t		 n = 0;

	snprintf(a, sizeof a, "%llu", (unsigned long long)st->size);
	snprintf(b, sizeof b, "%llu", (unsigned long long)h->size);
	if (fetch_proof(ctl, req, proof, &n) != EXIT_OK)
		return -1;
	return merkle_verify_consistency(st->size, h->size, st->root,
	    MERKLE_HASH, h->root, MERKLE_HASH, proof, n) == 0;
}

/* Checks the consistency of the head verified before with the new one. */
static int
verify_consistency(struct ctl *ctl, const struct audit_state *st,
    const struct head *h, const struct walk *w)
{
	int	 rc;

	if (sodium_memcmp(w->mark_root, st->root, MERKLE_HASH) != 0)
		return ctl_fail("the first %llu entries are not those verified "
		    "before: the log was rewritten (a fork)",
		    (unsigned long long)st->size);
	if (st->size == h->size)
		return EXIT_OK;
	if ((rc = consistency_proof(ctl, st, h)) < 0)
		return EXIT_FAIL;
	if (rc == 0)
		return ctl_fail("no valid consistency proof from size %llu to "
		    "%llu: the log was rewritten", (unsigned long long)st->size,
		    (unsigned long long)h->size);
	return EXIT_OK;
}

/*
 * The incremental verification: when the state holds the frontier of the
 * tree verified before and the daemon proves the new head consistent with
 * it, only the entries after it are fetched, hashed onto that frontier and
 * checked against the signed root. Returns 1 if it was done, 0 if the
 * full walk must run instead (an older state, a smaller log, a proof that
 * does not verify: the full walk then names what happened), -1 on error.
 */
static int
verify_incremental(struct ctl *ctl, const struct audit_state *st,
    const struct head *h, struct walk *w)
{
	int	 rc;

	if (!st->has_frontier || st->size == 0 || h->size < st->size)
		return 0;
	if (h->size == st->size)
		return sodium_memcmp(h->root, st->root, MERKLE_HASH) == 0;
	if ((rc = consistency_proof(ctl, st, h)) <= 0)
		return rc;
	w->f = st->frontier;
	w->n = st->size;
	memcpy(w->points, st->backups, sizeof st->backups);
	w->npoints = st->nbackups;
	if (fetch_entries(ctl, st->size + 1, h->size, walk_entry, w) !=
	    EXIT_OK || walk_check(w, h->size, h->root) != EXIT_OK ||
	    verify_inclusion(ctl, h, w) != EXIT_OK)
		return -1;
	return 1;
}

/* Pins the audit key: --pubkey, the state file's, or the daemon's. */
static int
pin_key(struct ctl *ctl, const char *opt, const char *path,
    struct audit_state *st)
{
	struct reply	 r;
	char		*req[1] = { "AUDIT-PUBKEY" };

	if (opt != NULL && st->vkey != NULL && strcmp(opt, st->vkey) != 0)
		return ctl_fail("--pubkey differs from the audit key pinned in "
		    "%s", path);
	if (opt != NULL && st->vkey == NULL)
		st->vkey = xstrdup(opt);
	if (st->vkey != NULL)
		return EXIT_OK;
	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	st->vkey = xstrdup(r.final.argc == 1 ? r.final.argv[0] : "");
	reply_free(&r);
	fprintf(stderr, _("ecoctl: pinned the audit key %s (first use; compare "
	    "it with the operator's)\n"), st->vkey);
	return EXIT_OK;
}

/* audit verify [--pubkey KEY] [--state FILE] [--dir DIR] */
int
ctl_audit_verify(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "pubkey=", "state=", "dir=",
	    "full", NULL };
	struct audit_state	 st;
	struct head		 h;
	struct walk		 w;
	size_t			 len;
	char			*v[4], *path, *note;
	uint64_t		 before, restore = 0, fetched;
	int			 rc = EXIT_FAIL, grew = 1, i, inc = 0;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[2] != NULL) {
		if (v[0] == NULL)
			return ctl_usage(ctl);
		return verify_offline(v[2], v[0]);
	}
	memset(&h, 0, sizeof h);
	memset(&w, 0, sizeof w);
	path = state_path(v[1]);
	if (state_read(path, &st) != EXIT_OK || ctl_login(ctl) != EXIT_OK ||
	    pin_key(ctl, v[0], path, &st) != EXIT_OK ||
	    (note = fetch_head(ctl, &len)) == NULL)
		goto out;
	rc = head_check(note, len, st.vkey, &h);
	free(note);
	if (rc != EXIT_OK)
		goto out;
	rc = EXIT_FAIL;
	before = st.size;
	if (v[3] == NULL && (inc = verify_incremental(ctl, &st, &h, &w)) < 0)
		goto out;
	fetched = inc ? h.size - before : h.size;
	if (!inc) {
		memset(&w, 0, sizeof w);
		w.mark = before;
		w.old = &st;
		if (fetch_entries(ctl, 1, h.size, walk_entry, &w) != EXIT_OK ||
		    walk_check(&w, h.size, h.root) != EXIT_OK)
			goto out;
		if (h.size > 0 && verify_inclusion(ctl, &h, &w) != EXIT_OK)
			goto out;
		grew = before <= h.size &&
		    sodium_memcmp(w.mark_root, st.root, MERKLE_HASH) == 0;
		if (before > 0 && grew &&
		    verify_consistency(ctl, &st, &h, &w) != EXIT_OK)
			goto out;
		restore = walk_restored(&w);
	}
	if (before > 0 && !grew && restore == 0) {
		if (before > h.size)
			ctl_fail("rollback: the log has %llu entries, fewer "
			    "than the %llu verified before, and no restore "
			    "entry explains it", (unsigned long long)h.size,
			    (unsigned long long)before);
		else
			ctl_fail("the first %llu entries are not those "
			    "verified before: the log was rewritten (a fork), "
			    "and no restore entry explains it",
			    (unsigned long long)before);
		goto out;
	}
	st.size = h.size;
	memcpy(st.root, h.root, MERKLE_HASH);
	if (!inc || h.size > before) {
		st.frontier = w.f;
		st.nbackups = 0;
		for (i = 0; i < w.npoints; i++)
			st.backups[st.nbackups++] = w.points[i];
	}
	st.has_frontier = 1;
	if (state_write(path, &st) != EXIT_OK)
		goto out;
	printf(_("verified %llu entries: signed tree head size %llu"),
	    (unsigned long long)fetched, (unsigned long long)h.size);
	if (before > 0 && !grew)
		printf(_(", after a restore:\nrestore: entry %llu records a "
		    "restore from the backup of size %llu, whose tree this "
		    "auditor verified; the %llu entries %llu..%llu verified "
		    "before are not in this log\n"),
		    (unsigned long long)restore,
		    (unsigned long long)restore - 1,
		    (unsigned long long)(before - restore + 1),
		    (unsigned long long)restore,
		    (unsigned long long)before);
	else if (before > 0)
		printf(_(", consistent with size %llu verified before\n"),
		    (unsigned long long)before);
	else
		printf(_(", first verification\n"));
	if ((before == 0 || grew) && w.nrestores > 0 &&
	    w.restores[w.nrestores - 1] > before)
		printf(_("restore: entry %llu records a restore from a backup "
		    "of size %llu\n"),
		    (unsigned long long)w.restores[w.nrestores - 1],
		    (unsigned long long)w.restores[w.nrestores - 1] - 1);
	rc = EXIT_OK;
out:
	free(w.restores);
	free(h.note);
	free(st.vkey);
	free(path);
	return rc;
}

/* An export being written: the entries file, a page at a time. */
struct export {
	int	 fd;
	char	*buf;
	size_t	 len;
};

/* Appends entry seq as a base64 line; written out a page at a time. */
static int
export_entry(void *arg, uint64_t seq, const unsigned char *e, size_t len,
    char **cause)
{
	struct export	*x = arg;
	size_t		 k = sodium_base64_ENCODED_LEN(len, B64);

	if (x->len + k > (size_t)READ_CHUNK) {
		if (auditdir_write_all(x->fd, x->buf, x->len) != 0) {
			xasprintf(cause, _("entries: %s"), strerror(errno));
			return -1;
		}
		x->len = 0;
	}
	sodium_bin2base64(x->buf + x->len, k, e, len, B64);
	x->len += k - 1;
	x->buf[x->len++] = '\n';
	return 0;
}

/* Writes the export's two files into dfd; the checkpoint last. */
static int
export_write(struct ctl *ctl, int dfd, const char *note, size_t len,
    uint64_t size, int force)
{
	struct export	 x;
	char		*tmp = NULL, *cause = NULL;
	int		 fd;

	if ((x.fd = auditdir_tmp(dfd, "entries", &tmp, &cause)) == -1)
		goto fail;
	x.buf = xmalloc(READ_CHUNK);
	x.len = 0;
	if (fetch_entries(ctl, 1, size, export_entry, &x) != EXIT_OK) {
		free(x.buf);
		auditdir_abort(dfd, x.fd, tmp);
		free(tmp);
		return EXIT_FAIL;
	}
	if (auditdir_write_all(x.fd, x.buf, x.len) != 0) {
		xasprintf(&cause, _("entries: %s"), strerror(errno));
		free(x.buf);
		auditdir_abort(dfd, x.fd, tmp);
		goto fail;
	}
	free(x.buf);
	if (auditdir_commit(dfd, x.fd, tmp, "entries", force, &cause) != 0)
		goto fail;
	free(tmp);
	tmp = NULL;
	if ((fd = auditdir_tmp(dfd, "checkpoint", &tmp, &cause)) == -1)
		goto fail;
	if (auditdir_write_all(fd, note, len) != 0) {
		xasprintf(&cause, _("checkpoint: %s"), strerror(errno));
		auditdir_abort(dfd, fd, tmp);
		goto fail;
	}
	if (auditdir_commit(dfd, fd, tmp, "checkpoint", force, &cause) != 0)
		goto fail;
	free(tmp);
	return EXIT_OK;
fail:
	free(tmp);
	ctl_fail("%s", cause);
	free(cause);
	return EXIT_FAIL;
}

/*
 * audit export [--force] DIR: the checkpoint exactly as signed, and the
 * entries, mode 0600, in DIR (made 0700 if missing). DIR must not be a
 * link and must be empty; --force replaces our two files in it, still
 * without following a link planted at their names.
 */
int
ctl_audit_export(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "force", NULL };
	uint64_t	 size;
	size_t		 len;
	char		*note, *dir, *v[1], *cause;
	int		 idx, dfd, made, rc;

	if ((idx = ctl_parse(ctl, argc, argv, names, v, 1, 1)) < 0)
		return EXIT_USAGE;
	dir = argv[idx];
	if (ctl_login(ctl) != EXIT_OK ||
	    (note = fetch_head_size(ctl, &len, &size)) == NULL)
		return EXIT_FAIL;
	if ((dfd = auditdir_open(dir, v[0] == NULL, &made, &cause)) == -1) {
		free(note);
		ctl_fail("%s", cause);
		free(cause);
		return EXIT_FAIL;
	}
	rc = export_write(ctl, dfd, note, len, size, v[0] != NULL);
	close(dfd);
	if (rc != EXIT_OK && made)
		rmdir(dir);
	free(note);
	return rc;
}
