/*
 * The audit log. An entry is one line of UTF-8, fields separated by TAB:
 *
 *	seq  time (UTC, RFC 3339)  actor  action  object  outcome
 *
 * and its leaf is SHA-256(0x00 || those bytes). Entries are rows of the
 * sealed table "audit" (row id = seq), written in the transaction of the
 * change they record, with the signed checkpoint of the new tree (meta row
 * META_AUDIT_HEAD). At start the tree is rebuilt from the rows and must
 * match that checkpoint, or the daemon refuses to start.
 *
 * Refusals (a failed login, a verb the role may not use, a note or message
 * not for the caller) are entries too, but only budget of them a window
 * one by one: past that they are counted by actor, action and outcome, and
 * each count becomes one summary entry when the window closes, so a flood
 * leaves its full count in the log at a bounded size.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "checkpoint.h"
#include "instance.h"
#include "log.h"
#include "proto.h"
#include "store.h"
#include "xmalloc.h"


/* Appends a leaf hash to the tree, writing the tiles it completes. */
static int
audit_leaf(struct audit *a, const unsigned char *entry, size_t len,
    char **cause)
{
	unsigned char	 h[MERKLE_HASH];

	merkle_leaf(entry, len, h);
	if (tiles_push(&a->tiles, h, cause) != 0)
		return -1;
	merkle_frontier_push(&a->frontier, h);
	a->npending++;
	return 0;
}

/*
 * Reads and checks the signed head: *size and *root from it, or size 0
 * and *head NULL for a new log. Returns 0, or -1 with *cause.
 */
static int
audit_head(struct audit *a, char **head, uint64_t *size,
    unsigned char *root, char **cause)
{
	char		 buf[CHECKPOINT_MAX], *body = NULL, *origin;
	const char	*why;
	size_t		 len;
	int		 rc;

	*head = NULL;
	*size = 0;
	rc = store_get(a->st, "meta", META_AUDIT_HEAD, buf, sizeof buf - 1,
	    &len, cause);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	buf[len] = '\0';
	if (signed_note_verify(buf, len, a->origin, a->in->audit_pk, &body,
	    &why) != 0 || checkpoint_parse(body, &origin, size, root) != 0) {
		xasprintf(cause, "audit log: the signed tree head does not "
		    "verify");
		free(body);
		return -1;
	}
	free(origin);
	free(body);
	*head = xstrdup(buf);
	return 0;
}

/* The tree's root must be the head's (size entries, root want). */
static int
audit_match(struct audit *a, uint64_t size, const unsigned char *want,
    uint64_t have, char **cause)
{
	unsigned char	 root[MERKLE_HASH];

	merkle_frontier_root(&a->frontier, root);
	if (size == have && sodium_memcmp(root, want, MERKLE_HASH) == 0)
		return 0;
	xasprintf(cause, "audit log does not match its signed tree head: the "
	    "head covers %llu entries, the log has %llu%s",
	    (unsigned long long)size, (unsigned long long)have,
	    size == have ? " with another root (an entry was changed or "
	    "reordered)" : " (entries were removed or added)");
	return -1;
}

/* The head, or its absence, must cover the have entries of a's tree:
 * none without a head, else audit_match. */
static int
audit_covers(struct audit *a, uint64_t size, const unsigned char *want,
    uint64_t have, char **cause)
{
	if (a->head != NULL)
		return audit_match(a, size, want, have, cause);
	if (have == 0)
		return 0;
	xasprintf(cause, "audit log: %llu entries but no signed tree head",
	    (unsigned long long)have);
	return -1;
}

/*
 * A log from before tiles (schema 5): rebuilds the tree from every entry
 * once and writes its tiles, in a transaction of its own.
 */
static int
audit_write_tiles(struct audit *a, uint64_t *have, char **cause)
{
	if (store_begin(a->st, cause) != 0)
		return -1;
	if (tiles_rebuild(&a->tiles, a->st, 1, &a->frontier, have,
	    cause) != 0) {
		store_rollback(a->st);
		return -1;
	}
	if (store_commit(a->st, cause) != 0) {
		tiles_free(&a->tiles);
		return -1;
	}
	log_info("audit log: wrote the tiles of %llu entries",
	    (unsigned long long)*have);
	return 0;
}

/*
 * Opens the audit log of an instance: checks the signed head, loads the
 * tree from its tiles and last entries (tiles_open), and checks that its
 * root is the head's and that no entry follows the last one it covers. A
 * mismatch (an entry removed, added, reordered or changed, or a missing
 * head) is an error that names the sizes. Entries older than the last
 * complete tile are not read here: each is authenticated whenever it is
 * served, and admin verify (audit_verify) reads them all. With migrate,
 * a log without tiles gets them.
 */
static struct audit *
audit_load(struct store *st, const struct instance *in, int migrate,
    char **cause)
{
	struct audit	*a;
	char		 hex[2 * INSTANCE_ID_BYTES + 1];
	unsigned char	 want[MERKLE_HASH];
	uint64_t	 size, have;
	int64_t		 next;
	int		 rc;

	a = xcalloc(1, sizeof *a);
	a->st = st;
	a->in = in;
	a->sk = in->audit_sk;
	sodium_bin2hex(hex, sizeof hex, in->instance_id, INSTANCE_ID_BYTES);
	xasprintf(&a->origin, "eco-audit/%.16s", hex);
	*cause = NULL;
	if (audit_head(a, &a->head, &size, want, cause) != 0 ||
	    store_next_id(st, "audit", &next, cause) != 0)
		goto fail;
	have = (uint64_t)next - 1;
	if (have != size && audit_covers(a, size, want, have, cause) != 0)
		goto fail;
	if ((rc = tiles_count(st, size, &next, cause)) < 0)
		goto fail;
	if (migrate && next == 0 && tiles_expected(size) > 0) {
		free(*cause);
		*cause = NULL;
		if (audit_write_tiles(a, &have, cause) != 0)
			goto fail;
	} else if (rc != 0 || tiles_open(&a->tiles, st, size, &a->frontier,
	    cause) != 0)
		goto fail;
	a->n = size;
	a->saved = a->marked = a->frontier;
	if (audit_covers(a, size, want, a->n, cause) != 0)
		goto fail;
	return a;
fail:
	audit_free(a);
	return NULL;
}

/* Opens the audit log of an instance at start: see audit_load. */
struct audit *
audit_open(struct store *st, const struct instance *in, char **cause)
{
	return audit_load(st, in, 1, cause);
}

/*
 * Re-checks the whole log of a running instance: rebuilds the tree from
 * every stored entry, checks each stored tile against it and its root
 * against the stored signed head, which must also be the head a serves.
 * Returns 0 with the tree's size in *size, or -1 with why in *cause.
 * Call it with no change pending.
 */
int
audit_verify(struct audit *a, const struct instance *in, uint64_t *size,
    char **cause)
{
	struct audit	 fresh;
	unsigned char	 want[MERKLE_HASH];
	uint64_t	 hsize, have;
	int64_t		 tiles;
	int		 rc = -1;

	memset(&fresh, 0, sizeof fresh);
	fresh.st = a->st;
	fresh.in = in;
	fresh.origin = a->origin;
	if (audit_head(&fresh, &fresh.head, &hsize, want, cause) != 0)
		return -1;
	if (tiles_rebuild(&fresh.tiles, a->st, 0, &fresh.frontier, &have,
	    cause) != 0 || tiles_count(a->st, have, &tiles, cause) != 0 ||
	    audit_covers(&fresh, hsize, want, have, cause) != 0)
		goto done;
	if (have != a->n || (fresh.head == NULL) != (a->head == NULL) ||
	    (a->head != NULL && strcmp(fresh.head, a->head) != 0))
		xasprintf(cause, "audit log: the stored log (%llu entries) is "
		    "not the one being served (%llu entries)",
		    (unsigned long long)have, (unsigned long long)a->n);
	else {
		*size = have;
		rc = 0;
	}
done:
	tiles_free(&fresh.tiles);
	free(fresh.head);
	return rc;
}

/* Frees the log's memory; NULL is fine. */
void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	tiles_free(&a->tiles);
	free(a->origin);
	free(a->head);
	free(a->pending_head);
	free(a);
}

/*
 * Appends an entry inside the open transaction: actor ("worker",
 * "admin", "counsellor:NAME", ...: the caller says who), action, object ("kind:id" or "-"), outcome. Never a code, a text
 * or a uid: callers pass ids and fixed words only.
 */
int
audit_append(struct audit *a, const char *actor, const char *action,
    const char *object, const char *outcome, char **cause)
{
	char		 entry[ECO_AUDIT_ENTRY_MAX], when[32];
	struct tm	 tm;
	time_t		 now = time(NULL);
	uint64_t	 seq = a->n + a->npending + 1;
	int		 len;

	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	len = snprintf(entry, sizeof entry, "%llu\t%s\t%s\t%s\t%s\t%s",
	    (unsigned long long)seq, when, actor,
	    action, object, outcome);
	if (len < 0 || (size_t)len >= sizeof entry)
		abort();		/* fields are ours and short */
	if (store_insert(a->st, "audit", (int64_t)seq, entry, (size_t)len,
	    cause) != 0)
		return -1;
	return audit_leaf(a, (unsigned char *)entry, (size_t)len, cause);
}

/*
 * Signs the checkpoint of the tree with the pending entries and writes it
 * inside the open transaction. Nothing pending: nothing to do.
 */
int
audit_sign(struct audit *a, char **cause)
{
	unsigned char	 root[MERKLE_HASH];
	char		*body;
	int		 rc;

	if (a->npending == 0)
		return 0;
	merkle_frontier_root(&a->frontier, root);
	body = checkpoint_body(a->origin, a->n + a->npending, root);
	free(a->pending_head);
	a->pending_head = signed_note_sign(body, a->origin, a->sk);
	free(body);
	if (a->head == NULL && a->n == 0)
		rc = store_insert(a->st, "meta", META_AUDIT_HEAD,
		    a->pending_head, strlen(a->pending_head), cause);
	else
		rc = store_update(a->st, "meta", META_AUDIT_HEAD,
		    a->pending_head, strlen(a->pending_head), cause);
	return rc;
}

/*
 * Entries are pending until the transaction that holds them commits: with
 * group commit, the entries of every request of a batch. A mark, taken
 * when a request's changes are kept (audit_keep) and at every commit and
 * rollback, is where a request that fails goes back to (audit_abort), so
 * it drops its own entries only.
 */

/* The transaction committed: pending entries and head are the log's. */
void
audit_committed(struct audit *a)
{
	a->n += a->npending;
	a->npending = 0;
	a->saved = a->frontier;
	a->mark = 0;
	a->marked = a->frontier;
	tiles_committed(&a->tiles);
	if (a->pending_head != NULL) {
		free(a->head);
		a->head = a->pending_head;
		a->pending_head = NULL;
	}
}

/* The request's writes rolled back: forget the entries it appended. */
void
audit_abort(struct audit *a)
{
	a->npending = a->mark;
	a->frontier = a->marked;
	tiles_abort(&a->tiles);
	free(a->pending_head);
	a->pending_head = NULL;
}

/* The request's writes are kept in the batch: its entries stay pending. */
void
audit_keep(struct audit *a)
{
	a->mark = a->npending;
	a->marked = a->frontier;
	tiles_keep(&a->tiles);
}

/* The batch rolled back: forget every pending entry. */
void
audit_abort_batch(struct audit *a)
{
	a->mark = 0;
	a->marked = a->saved;
	tiles_abort_batch(&a->tiles);
	audit_abort(a);
}

/*
 * Rebuilds the log from the store in place (after a failed batch, when
 * what memory holds may not be what the store does), as audit_open does
 * at start; the refusal window's counts stay. Returns 0, or -1 with
 * *cause and a left as it was.
 */
int
audit_reload(struct audit *a, char **cause)
{
	struct audit	*fresh, tmp;

	if ((fresh = audit_load(a->st, a->in, 0, cause)) == NULL)
		return -1;
	fresh->refusals = a->refusals;
	memcpy(fresh->bursts, a->bursts, sizeof fresh->bursts);
	fresh->nbursts = a->nbursts;
	tmp = *a;
	*a = *fresh;
	*fresh = tmp;
	audit_free(fresh);
	return 0;
}

/* Reads entry seq from the store (not memory): a row changed on disk is
 * reported. Returns 0 with the entry (allocated), or -1. */
int
audit_entry(struct audit *a, uint64_t seq, unsigned char **buf, size_t *len,
    char **cause)
{
	int	 rc;

	*buf = xmalloc(ECO_AUDIT_ENTRY_MAX);
	rc = store_get(a->st, "audit", (int64_t)seq, *buf, ECO_AUDIT_ENTRY_MAX,
	    len, cause);
	if (rc == STORE_NOTFOUND)
		xasprintf(cause, "audit entry %llu is missing",
		    (unsigned long long)seq);
	if (rc != 0) {
		free(*buf);
		return -1;
	}
	return 0;
}

/* Returns the verifier key of the log (signed-note form). */
char *
audit_vkey(struct audit *a)
{
	return vkey_format(a->origin, a->sk + 32);
}

/*
 * Counts a refusal in the current window. Returns 1 if it is within the
 * window's budget (the caller appends it as an entry of its own), or 0 if
 * it was counted for the summary of its actor, action and outcome.
 */
int
audit_refusal(struct audit *a, uint64_t budget, const char *actor,
    const char *action, const char *outcome, time_t now)
{
	if (a->refusals++ < budget)
		return 1;
	if (a->refusals == budget + 1)
		log_info("audit: over %llu refusals this window; counting the "
		    "rest for summary entries", (unsigned long long)budget);
	audit_count(a, actor, action, outcome, now);
	return 0;
}

/*
 * Counts a thread served to a worker in the current window, as a refusal
 * is counted: 1 if it is within budget (the caller appends its entry), 0
 * if it was counted for the window's summary entry ("worker message-read
 * - ok x N in T s"). Workers are anonymous and cannot be told apart, so
 * this is what keeps a code holder from growing the log without bound.
 */
int
audit_worker_read(struct audit *a, uint64_t budget, time_t now)
{
	if (a->worker_reads++ < budget)
		return 1;
	audit_count(a, "worker", "message-read", "ok", now);
	return 0;
}

/* Counts a refusal for the summary of its actor, action and outcome. */
void
audit_count(struct audit *a, const char *actor, const char *action,
    const char *outcome, time_t now)
{
	struct audit_burst	*b;
	int			 i;

	for (i = 0; i < a->nbursts; i++) {
		b = &a->bursts[i];
		if (strcmp(b->actor, actor) == 0 &&
		    strcmp(b->action, action) == 0 &&
		    strcmp(b->outcome, outcome) == 0)
			goto count;
	}
	b = &a->bursts[AUDIT_BURST_KINDS - 1];		/* the rest */
	if (a->nbursts == AUDIT_BURST_KINDS)
		goto count;
	b = &a->bursts[a->nbursts++];
	if (a->nbursts == AUDIT_BURST_KINDS) {
		actor = "ecod";
		action = "refusals";
		outcome = "refused";
	}
	snprintf(b->actor, sizeof b->actor, "%s", actor);
	snprintf(b->action, sizeof b->action, "%s", action);
	b->outcome = outcome;
	b->n = 0;
	b->first = now;
count:
	b->n++;
	b->last = now;
}

/*
 * Appends, inside the open transaction, one summary entry for each kind
 * of refusal counted this window: object "-", outcome "OUTCOME x N in T
 * s", T the whole seconds from the first to the last one counted.
 */
int
audit_summaries(struct audit *a, char **cause)
{
	struct audit_burst	*b;
	char			 outcome[96];
	int			 i;

	for (i = 0; i < a->nbursts; i++) {
		b = &a->bursts[i];
		snprintf(outcome, sizeof outcome, "%s x %llu in %lld s",
		    b->outcome, (unsigned long long)b->n,
		    (long long)(b->last - b->first + 1));
		if (audit_append(a, b->actor, b->action, "-", outcome,
		    cause) != 0)
			return -1;
	}
	return 0;
}

/* Starts a new window; the counts go once their summaries are written
 * (written nonzero), else they carry over into the next summaries. */
void
audit_window(struct audit *a, int written)
{
	a->refusals = 0;
	a->worker_reads = 0;
	if (written)
		a->nbursts = 0;
}
