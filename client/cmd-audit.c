/*
 * ecoctl audit: the auditor's side. verify recomputes the Merkle root
 * from every entry, checks the signed tree head against the audit key
 * pinned on first use (or --pubkey), and checks a consistency proof from
 * the last head this auditor verified, kept in a state file on this side;
 * so a changed, removed or reordered entry, a rollback or a fork is named.
 */
#include <sys/stat.h>

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "ecoctl.h"
#include "merkle.h"
#include "xmalloc.h"

#define B64	sodium_base64_VARIANT_ORIGINAL

/* What an auditor remembers between verifications. */
struct state {
	char		*vkey;
	uint64_t	 size;
	unsigned char	 root[MERKLE_HASH];
};

/* A verified head: its body's origin, size and root, and the note. */
struct head {
	char		*note;
	uint64_t	 size;
	unsigned char	 root[MERKLE_HASH];
};

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
state_read(const char *path, struct state *st)
{
	FILE			*fp;
	char			 line[512], vkey[400], root[64];
	size_t			 len;
	unsigned long long	 size;

	memset(st, 0, sizeof *st);
	if ((fp = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : ctl_fail("%s: %s", path,
		    strerror(errno));
	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "pubkey %399s", vkey) == 1) {
			free(st->vkey);
			st->vkey = xstrdup(vkey);
		} else if (sscanf(line, "size %llu", &size) == 1)
			st->size = size;
		else if (sscanf(line, "root %63s", root) == 1 &&
		    (sodium_base642bin(st->root, sizeof st->root, root,
		    strlen(root), NULL, &len, NULL, B64) != 0 ||
		    len != MERKLE_HASH)) {
			fclose(fp);
			return ctl_fail("%s: damaged state file", path);
		}
	}
	fclose(fp);
	return 0;
}

/* Writes the state file (and its folder), replacing it atomically. */
static int
state_write(const char *path, const struct state *st)
{
	char	*tmp, *dir, *slash, root[64];
	FILE	*fp;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		mkdir(dir, 0700);
	}
	free(dir);
	sodium_bin2base64(root, sizeof root, st->root, MERKLE_HASH, B64);
	xasprintf(&tmp, "%s.new", path);
	if ((fp = fopen(tmp, "we")) == NULL) {
		free(tmp);
		return ctl_fail("%s: %s", path, strerror(errno));
	}
	fprintf(fp, "eco-audit-state-v1\npubkey %s\nsize %llu\nroot %s\n",
	    st->vkey, (unsigned long long)st->size, root);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		free(tmp);
		return ctl_fail("%s: %s", path, strerror(errno));
	}
	free(tmp);
	return EXIT_OK;
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
 * Checks that entries[0..n) (each len[i] bytes) are entries 1..n and that
 * their tree has root; leaves (n hashes) are filled for proofs.
 */
static int
entries_check(unsigned char **entries, size_t *lens, uint64_t n,
    const unsigned char *root, merkle_hash *leaves)
{
	struct merkle_frontier	 f;
	unsigned char		 got[MERKLE_HASH];
	char			 seq[24];
	uint64_t		 i;

	memset(&f, 0, sizeof f);
	for (i = 0; i < n; i++) {
		snprintf(seq, sizeof seq, "%llu\t", (unsigned long long)i + 1);
		if (lens[i] < strlen(seq) ||
		    memcmp(entries[i], seq, strlen(seq)) != 0)
			return ctl_fail("audit entry %llu is out of place "
			    "(removed, reordered or renumbered)",
			    (unsigned long long)i + 1);
		merkle_leaf(entries[i], lens[i], leaves[i]);
		merkle_frontier_push(&f, leaves[i]);
	}
	merkle_frontier_root(&f, got);
	if (sodium_memcmp(got, root, MERKLE_HASH) != 0)
		return ctl_fail("the %llu entries do not hash to the signed "
		    "root: an entry was changed", (unsigned long long)n);
	return EXIT_OK;
}

/* Decodes base64 s into a new buffer. */
static unsigned char *
unb64(const char *s, size_t *len)
{
	unsigned char	*out = xmalloc(strlen(s) + 1);

	if (sodium_base642bin(out, strlen(s) + 1, s, strlen(s), NULL, len,
	    NULL, B64) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Fetches the signed head (undecoded note) from the daemon. */
static char *
fetch_head(struct ctl *ctl, size_t *len)
{
	struct reply	 r;
	char		*req[1] = { "AUDIT-HEAD" };
	unsigned char	*note;

	if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
		return NULL;
	note = r.final.argc == 1 ? unb64(r.final.argv[0], len) : NULL;
	reply_free(&r);
	if (note == NULL)
		ctl_fail("bad tree head from the daemon");
	return (char *)note;
}

/* Fetches entries first..last; fills entries and lens (allocated). */
static int
fetch_entries(struct ctl *ctl, uint64_t first, uint64_t last,
    unsigned char ***entries, size_t **lens)
{
	struct reply	 r;
	char		 a[24], b[24], *req[3] = { "AUDIT-ENTRIES", a, b };
	int		 i;

	snprintf(a, sizeof a, "%llu", (unsigned long long)first);
	snprintf(b, sizeof b, "%llu", (unsigned long long)last);
	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	if ((uint64_t)r.ndata != last - first + 1) {
		reply_free(&r);
		return ctl_fail("the daemon sent %d entries, not %llu",
		    r.ndata, (unsigned long long)(last - first + 1));
	}
	*entries = xcalloc(r.ndata + 1, sizeof **entries);
	*lens = xcalloc(r.ndata + 1, sizeof **lens);
	for (i = 0; i < r.ndata; i++)
		if (r.data[i].argc != 1 || ((*entries)[i] = unb64(
		    r.data[i].argv[0], &(*lens)[i])) == NULL) {
			reply_free(&r);
			return ctl_fail("bad entry from the daemon");
		}
	reply_free(&r);
	return EXIT_OK;
}

static void
entries_free(unsigned char **entries, size_t *lens, uint64_t n)
{
	uint64_t	 i;

	for (i = 0; entries != NULL && i < n; i++)
		free(entries[i]);
	free(entries);
	free(lens);
}

/* audit pubkey */
int
ctl_audit_pubkey(struct ctl *ctl, int argc, char **argv)
{
	struct reply	 r;
	char		*req[1] = { "AUDIT-PUBKEY" };

	if (ctl_parse(ctl, argc, argv, NULL, NULL, 0, 0) < 0)
		return EXIT_USAGE;
	if (ctl_login(ctl) != EXIT_OK || ctl_request(ctl, 1, req, &r) !=
	    EXIT_OK)
		return EXIT_FAIL;
	if (r.final.argc == 1)
		printf("%s\n", r.final.argv[0]);
	reply_free(&r);
	return EXIT_OK;
}

/* The size of the log now, from its head (unverified: for listing). */
static int
log_size(struct ctl *ctl, uint64_t *size)
{
	unsigned char	 root[MERKLE_HASH];
	char		*note, *origin, *body;
	size_t		 len;
	int		 rc;

	if ((note = fetch_head(ctl, &len)) == NULL)
		return EXIT_FAIL;
	body = strstr(note, "\n\n");
	if (body != NULL)
		body[1] = '\0';
	rc = checkpoint_parse(note, &origin, size, root);
	free(note);
	if (rc != 0)
		return ctl_fail("bad tree head from the daemon");
	free(origin);
	return EXIT_OK;
}

/* audit log [--since SEQ]: the entries, one a line. */
int
ctl_audit_log(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "since=", NULL };
	unsigned char	**entries;
	size_t		 *lens;
	uint64_t	  size, since = 1, i;
	char		 *v[1];

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[0] != NULL && (since = strtoull(v[0], NULL, 10)) == 0)
		return ctl_usage(ctl);
	if (ctl_login(ctl) != EXIT_OK || log_size(ctl, &size) != EXIT_OK)
		return EXIT_FAIL;
	if (since > size)
		return EXIT_OK;
	if (fetch_entries(ctl, since, size, &entries, &lens) != EXIT_OK)
		return EXIT_FAIL;
	for (i = 0; i <= size - since; i++) {
		fwrite(entries[i], 1, lens[i], stdout);
		putchar('\n');
	}
	entries_free(entries, lens, size - since + 1);
	return EXIT_OK;
}

/* Reads an export directory: the checkpoint and the entries. */
static int
read_export(const char *dir, char **note, size_t *notelen,
    unsigned char ***entries, size_t **lens, uint64_t *n)
{
	char	*path, line[1024];
	FILE	*fp;
	size_t	 cap = 0;

	xasprintf(&path, "%s/checkpoint", dir);
	*note = ctl_read_file(path, CHECKPOINT_MAX, notelen);
	free(path);
	if (*note == NULL)
		return EXIT_FAIL;
	xasprintf(&path, "%s/entries", dir);
	if ((fp = fopen(path, "re")) == NULL) {
		ctl_fail("%s: %s", path, strerror(errno));
		free(path);
		return EXIT_FAIL;
	}
	free(path);
	*n = 0;
	*entries = NULL;
	*lens = NULL;
	while (fgets(line, sizeof line, fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (*n == cap) {
			cap = cap == 0 ? 256 : cap * 2;
			*entries = xreallocarray(*entries, cap, sizeof **entries);
			*lens = xreallocarray(*lens, cap, sizeof **lens);
		}
		if (((*entries)[*n] = unb64(line, &(*lens)[*n])) == NULL) {
			fclose(fp);
			return ctl_fail("%s/entries: line %llu is not base64",
			    dir, (unsigned long long)*n + 1);
		}	/* the caller frees the n read so far */
		(*n)++;
	}
	fclose(fp);
	return EXIT_OK;
}

/* audit verify --dir DIR --pubkey KEY: no daemon needed. */
static int
verify_offline(const char *dir, const char *vkey)
{
	struct head	  h;
	unsigned char	**entries = NULL;
	merkle_hash	 *leaves = NULL;
	size_t		 *lens = NULL, notelen;
	char		 *note = NULL;
	uint64_t	  n = 0;
	int		  rc = EXIT_FAIL;

	memset(&h, 0, sizeof h);
	if (read_export(dir, &note, &notelen, &entries, &lens, &n) != EXIT_OK ||
	    head_check(note, notelen, vkey, &h) != EXIT_OK)
		goto out;
	if (n != h.size) {
		ctl_fail("the head covers %llu entries, the export has %llu",
		    (unsigned long long)h.size, (unsigned long long)n);
		goto out;
	}
	leaves = xcalloc(n + 1, sizeof *leaves);
	if ((rc = entries_check(entries, lens, n, h.root, leaves)) == EXIT_OK)
		printf("verified %llu entries offline against the signed "
		    "tree head (size %llu)\n", (unsigned long long)n,
		    (unsigned long long)h.size);
out:
	free(leaves);
	free(h.note);
	free(note);
	entries_free(entries, lens, n);
	return rc;
}

/* Fetches a proof: the data lines of req as hashes into proof. */
static int
fetch_proof(struct ctl *ctl, char **req, merkle_hash *proof, size_t *n)
{
	struct reply	 r;
	unsigned char	*p;
	size_t		 len;
	int		 i;

	if (ctl_request(ctl, 3, req, &r) != EXIT_OK)
		return EXIT_FAIL;
	for (*n = 0, i = 0; i < r.ndata; i++) {
		if (*n == MERKLE_MAX_PROOF || r.data[i].argc != 1 ||
		    (p = unb64(r.data[i].argv[0], &len)) == NULL) {
			reply_free(&r);
			return ctl_fail("bad proof from the daemon");
		}
		if (len != MERKLE_HASH) {
			free(p);
			reply_free(&r);
			return ctl_fail("bad proof from the daemon");
		}
		memcpy(proof[(*n)++], p, MERKLE_HASH);
		free(p);
	}
	reply_free(&r);
	return EXIT_OK;
}

/* Checks the daemon's inclusion proof of the newest entry in the head. */
static int
verify_inclusion(struct ctl *ctl, const struct head *h, merkle_hash *leaves)
{
	merkle_hash	 proof[MERKLE_MAX_PROOF];
	char		 a[24], *req[3] = { "AUDIT-INCLUSION", a, a };
	size_t		 n;

	snprintf(a, sizeof a, "%llu", (unsigned long long)h->size);
	if (fetch_proof(ctl, req, proof, &n) != EXIT_OK)
		return EXIT_FAIL;
	if (merkle_verify_inclusion(h->size - 1, h->size, leaves[h->size - 1],
	    MERKLE_HASH, proof, n, h->root, MERKLE_HASH) != 0)
		return ctl_fail("the daemon's inclusion proof of entry %llu "
		    "does not verify", (unsigned long long)h->size);
	return EXIT_OK;
}

/* Checks the consistency of the head verified before with the new one. */
static int
verify_consistency(struct ctl *ctl, const struct state *st,
    const struct head *h, merkle_hash *leaves)
{
	merkle_hash	 proof[MERKLE_MAX_PROOF];
	unsigned char	 old[MERKLE_HASH];
	char		 a[24], b[24], *req[3] = { "AUDIT-CONSISTENCY", a, b };
	size_t		 n = 0;
	int		 rc;

	if (st->size > h->size)
		return ctl_fail("rollback: the log has %llu entries, fewer "
		    "than the %llu verified before", (unsigned long long)
		    h->size, (unsigned long long)st->size);
	merkle_root(leaves, st->size, old);
	if (sodium_memcmp(old, st->root, MERKLE_HASH) != 0)
		return ctl_fail("the first %llu entries are not those verified "
		    "before: the log was rewritten (a fork)",
		    (unsigned long long)st->size);
	snprintf(a, sizeof a, "%llu", (unsigned long long)st->size);
	snprintf(b, sizeof b, "%llu", (unsigned long long)h->size);
	if (fetch_proof(ctl, req, proof, &n) != EXIT_OK)
		return EXIT_FAIL;
	rc = merkle_verify_consistency(st->size, h->size, st->root,
	    MERKLE_HASH, h->root, MERKLE_HASH, proof, n);
	if (rc != 0)
		return ctl_fail("no valid consistency proof from size %llu to "
		    "%llu: the log was rewritten", (unsigned long long)st->size,
		    (unsigned long long)h->size);
	return EXIT_OK;
}

/* audit verify [--pubkey KEY] [--state FILE] [--dir DIR] */
int
ctl_audit_verify(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "pubkey=", "state=", "dir=",
	    NULL };
	struct state	  st;
	struct head	  h;
	struct reply	  r;
	unsigned char	**entries = NULL;
	merkle_hash	 *leaves = NULL;
	size_t		 *lens = NULL, len;
	char		 *v[3], *path, *note, *req[1] = { "AUDIT-PUBKEY" };
	uint64_t	  before;
	int		  rc = EXIT_FAIL;

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	if (v[2] != NULL) {
		if (v[0] == NULL)
			return ctl_usage(ctl);
		return verify_offline(v[2], v[0]);
	}
	path = state_path(v[1]);
	if (state_read(path, &st) != EXIT_OK || ctl_login(ctl) != EXIT_OK)
		goto out;
	if (v[0] != NULL && st.vkey != NULL && strcmp(v[0], st.vkey) != 0) {
		ctl_fail("--pubkey differs from the audit key pinned in %s",
		    path);
		goto out;
	}
	if (v[0] != NULL && st.vkey == NULL)
		st.vkey = xstrdup(v[0]);
	if (st.vkey == NULL) {
		if (ctl_request(ctl, 1, req, &r) != EXIT_OK)
			goto out;
		st.vkey = xstrdup(r.final.argc == 1 ? r.final.argv[0] : "");
		reply_free(&r);
		fprintf(stderr, "ecoctl: pinned the audit key %s (first use; "
		    "compare it with the operator's)\n", st.vkey);
	}
	if ((note = fetch_head(ctl, &len)) == NULL)
		goto out;
	rc = head_check(note, len, st.vkey, &h);
	free(note);
	if (rc != EXIT_OK)
		goto out;
	rc = EXIT_FAIL;
	if (fetch_entries(ctl, 1, h.size, &entries, &lens) != EXIT_OK)
		goto out_head;
	leaves = xcalloc(h.size + 1, sizeof *leaves);
	if (entries_check(entries, lens, h.size, h.root, leaves) != EXIT_OK)
		goto out_head;
	before = st.size;
	if (h.size > 0 && verify_inclusion(ctl, &h, leaves) != EXIT_OK)
		goto out_head;
	if (before > 0 && verify_consistency(ctl, &st, &h, leaves) != EXIT_OK)
		goto out_head;
	st.size = h.size;
	memcpy(st.root, h.root, MERKLE_HASH);
	if (state_write(path, &st) != EXIT_OK)
		goto out_head;
	printf("verified %llu entries: signed tree head size %llu", 
	    (unsigned long long)h.size, (unsigned long long)h.size);
	if (before > 0)
		printf(", consistent with size %llu verified before\n",
		    (unsigned long long)before);
	else
		printf(", first verification\n");
	rc = EXIT_OK;
out_head:
	entries_free(entries, lens, h.size);
	free(leaves);
	free(h.note);
out:
	free(st.vkey);
	free(path);
	return rc;
}

/* Writes len bytes to dir/name, mode 0600. */
static int
write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char	*path;
	FILE	*fp;
	int	 rc = EXIT_OK;

	xasprintf(&path, "%s/%s", dir, name);
	if ((fp = fopen(path, "we")) == NULL ||
	    fwrite(buf, 1, len, fp) != len || fclose(fp) != 0)
		rc = ctl_fail("%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* audit export DIR: the checkpoint exactly as signed, and the entries. */
int
ctl_audit_export(struct ctl *ctl, int argc, char **argv)
{
	unsigned char	**entries;
	size_t		 *lens, len, total = 0, off = 0, k;
	char		 *note, *all, *dir, *body, *origin;
	unsigned char	  root[MERKLE_HASH];
	uint64_t	  size, i;
	int		  idx, rc;

	if ((idx = ctl_parse(ctl, argc, argv, NULL, NULL, 1, 1)) < 0)
		return EXIT_USAGE;
	dir = argv[idx];
	if (ctl_login(ctl) != EXIT_OK || (note = fetch_head(ctl, &len)) ==
	    NULL)
		return EXIT_FAIL;
	body = xstrndup(note, len);
	if ((all = strstr(body, "\n\n")) != NULL)
		all[1] = '\0';
	rc = checkpoint_parse(body, &origin, &size, root);
	free(body);
	if (rc != 0) {
		free(note);
		return ctl_fail("bad tree head from the daemon");
	}
	free(origin);
	if (fetch_entries(ctl, 1, size, &entries, &lens) != EXIT_OK) {
		free(note);
		return EXIT_FAIL;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		free(note);
		entries_free(entries, lens, size);
		return ctl_fail("%s: %s", dir, strerror(errno));
	}
	for (i = 0; i < size; i++)
		total += sodium_base64_ENCODED_LEN(lens[i], B64);
	all = xmalloc(total + 1);
	for (i = 0; i < size; i++) {
		k = sodium_base64_ENCODED_LEN(lens[i], B64);
		sodium_bin2base64(all + off, k, entries[i], lens[i], B64);
		off += k - 1;
		all[off++] = '\n';
	}
	rc = write_file(dir, "checkpoint", note, len);
	if (rc == EXIT_OK)
		rc = write_file(dir, "entries", all, off);
	free(all);
	free(note);
	entries_free(entries, lens, size);
	return rc;
}
