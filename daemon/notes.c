/*
 * Session notes as the daemon sees them: sealed blobs it cannot open,
 * indexed in memory by booking, case, author and recipients. The blob is
 * read from the store only when served. Notes are append-only: an
 * amendment is a new note naming the one it amends.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "notehdr.h"
#include "proto.h"
#include "rec.h"
#include "sched.h"
#include "store.h"
#include "xmalloc.h"

/* Fills the recipients of n from a parsed header. */
static void
note_set_rcpt(struct note *n, const struct note_hdr *h)
{
	int	 i;

	n->nrcpt = h->nrcpt;
	for (i = 0; i < h->nrcpt; i++)
		memcpy(n->rcpt[i], h->rcpt[i], 32);
}

/* Row loader: the index entry of one note; the blob is not kept. */
static int
load_note(int64_t id, const unsigned char *buf, size_t len, void *arg)
{
	struct sched		*s = arg;
	struct note		*n = xcalloc(1, sizeof *n);
	struct note_hdr		 h;
	struct rec		 r;
	const unsigned char	*blob;
	size_t			 bloblen;

	rec_read(&r, buf, len);
	n->id = id;
	n->booking = rec_get_i64(&r);
	n->case_id = rec_get_i64(&r);
	n->author = rec_get_i64(&r);
	n->amends = rec_get_i64(&r);
	n->created = rec_get_i64(&r);
	bloblen = rec_get_bytes(&r, &blob);
	n->rowlen = len;
	if (rec_done(&r) != 0 || note_hdr_parse(blob, bloblen, &h) != 0 ||
	    h.booking != n->booking || (sched_booking(s, n->booking) == NULL &&
	    n->booking > s->purged[PURGED_BOOKINGS]) ||
	    sched_person(s, n->author) == NULL) {
		free(n);
		return -1;
	}
	note_set_rcpt(n, &h);
	idvec_set(&s->notes, id, n);
	return 0;
}

/* Loads the note index; reads the configured recovery key. */
int
notes_load(struct sched *s, char **cause)
{
	size_t	 len;

	if (*s->cf->recovery_public_key != '\0') {
		if (sodium_base642bin(s->recovery, sizeof s->recovery,
		    s->cf->recovery_public_key,
		    strlen(s->cf->recovery_public_key), NULL, &len, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 || len != 32) {
			xasprintf(cause, "%s: recovery_public_key is not a "
			    "public key from ecoctl keygen", s->cf->path);
			return -1;
		}
		s->has_recovery = 1;
	}
	*cause = NULL;
	if (store_foreach(s->st, "notes", load_note, s, cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "table notes: a row does not decode "
			    "or names no booking");
		return -1;
	}
	return 0;
}

/* Returns 1 if n was written more than note_retention_days before now. */
int
note_expired(struct sched *s, const struct note *n, time_t now)
{
	return n->created < now - (time_t)s->cf->note_retention_days * 86400;
}

/* Returns 1 if key pk is a recipient of n. */
int
note_recipient(const struct note *n, const unsigned char *pk)
{
	int	 i;

	for (i = 0; i < n->nrcpt; i++)
		if (sodium_memcmp(n->rcpt[i], pk, 32) == 0)
			return 1;
	return 0;
}

/*
 * Lists the notes the holder of key may open (sealed to it), of one case
 * or all (0), by id. *out is allocated; returns the count.
 */
size_t
note_list(struct sched *s, const unsigned char *key, int64_t case_id,
    struct note ***out)
{
	struct note	*n;
	size_t		 i, count = 0;

	*out = xcalloc(s->notes.n + 1, sizeof **out);
	if (key == NULL)
		return 0;
	for (i = 1; i < s->notes.n; i++) {
		if ((n = s->notes.v[i]) == NULL || !note_recipient(n, key) ||
		    (case_id != 0 && n->case_id != case_id))
			continue;
		(*out)[count++] = n;
	}
	return count;
}

/*
 * Stores a sealed note by author on booking, amending note amends (0 for
 * none). Checks what the daemon can without opening it: the booking is on
 * one of the author's slots, the header names that booking, that amended
 * note, the author's key, and is sealed to the author and to the recovery
 * key when one is configured, and to no one else.
 */
int
note_add(struct sched *s, const char *actor, struct person *author,
    int64_t booking,
    int64_t amends, const unsigned char *blob, size_t len, time_t now,
    int64_t *id, struct sched_err *e)
{
	struct booking	*b = sched_booking(s, booking);
	struct slot	*sl;
	struct note	*n, *old;
	struct note_hdr	 h;
	struct rec	 r;
	char		*cause;
	int		 i, rc;

	if (b == NULL || (sl = sched_slot(s, b->slot)) == NULL ||
	    sl->person != author->id)
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such booking of "
		    "yours");
	if (amends != 0 && ((old = idvec_get(&s->notes, amends)) == NULL ||
	    old->case_id != b->case_id))
		return sched_errf(e, ECO_ERR_NOTFOUND, "no such note in this "
		    "case to amend");
	if (note_hdr_parse(blob, len, &h) != 0 || h.booking != booking ||
	    h.amends != amends)
		return sched_errf(e, ECO_ERR_INVALID, "not a sealed note for "
		    "this booking");
	/* The text's length follows from the header: nonce, signature, tag. */
	if (len - h.hdrlen - 24 - 64 - 16 > (size_t)s->cf->max_note_bytes)
		return sched_errf(e, ECO_ERR_INVALID, "a note is at most %d "
		    "bytes", s->cf->max_note_bytes);
	if (sodium_memcmp(h.author, author->pk, 32) != 0 ||
	    note_hdr_wrap_for(&h, author->pk) == NULL)
		return sched_errf(e, ECO_ERR_INVALID, "the note must be "
		    "written with your key and sealed to it");
	if (s->has_recovery && note_hdr_wrap_for(&h, s->recovery) == NULL)
		return sched_errf(e, ECO_ERR_INVALID, "the note must also be "
		    "sealed to the recovery key");
	for (i = 0; i < h.nrcpt; i++)
		if (memcmp(h.rcpt[i], author->pk, 32) != 0 &&
		    (!s->has_recovery || memcmp(h.rcpt[i], s->recovery,
		    32) != 0))
			return sched_errf(e, ECO_ERR_INVALID, "the note is "
			    "sealed to a key other than yours and the "
			    "recovery key");
	n = xcalloc(1, sizeof *n);
	n->id = sched_next_id(s, &s->notes, PURGED_NOTES);
	n->booking = booking;
	n->case_id = b->case_id;
	n->author = author->id;
	n->amends = amends;
	n->created = now;
	note_set_rcpt(n, &h);
	rec_init(&r);
	rec_put_i64(&r, n->booking);
	rec_put_i64(&r, n->case_id);
	rec_put_i64(&r, n->author);
	rec_put_i64(&r, n->amends);
	rec_put_i64(&r, n->created);
	rec_put_bytes(&r, blob, len);
	n->rowlen = r.len;
	rc = store_begin(s->st, &cause) != 0 || store_insert(s->st, "notes",
	    n->id, r.buf, r.len, &cause) != 0 || sched_audit(s, actor,
	    "note-write", "note", n->id, "ok", &cause) != 0 ||
	    sched_commit(s, &cause) != 0;
	rec_free(&r);
	if (rc != 0) {
		free(n);
		return sched_err_store(s, e, cause);
	}
	idvec_set(&s->notes, n->id, n);
	*id = n->id;
	return 0;
}

/*
 * Reads the sealed blob of note n from the store (allocated, *len bytes).
 * A row changed on disk since start is reported, never served.
 */
unsigned char *
note_blob(struct sched *s, const struct note *n, size_t *len,
    struct sched_err *e)
{
	unsigned char		*row, *blob = NULL;
	const unsigned char	*p;
	struct rec		 r;
	size_t			 got;
	char			*cause = NULL;
	int			 rc;

	row = xmalloc(n->rowlen);
	rc = store_get(s->st, "notes", n->id, row, n->rowlen, &got, &cause);
	if (rc != 0 || got != n->rowlen) {
		free(row);
		if (cause != NULL)
			sched_err_store(s, e, cause);
		sched_errf(e, ECO_ERR_INTERNAL, "note %lld is damaged or "
		    "was altered on disk; it is not served", (long long)n->id);
		return NULL;
	}
	rec_read(&r, row, got);
	rec_get_i64(&r);
	rec_get_i64(&r);
	rec_get_i64(&r);
	rec_get_i64(&r);
	rec_get_i64(&r);
	*len = rec_get_bytes(&r, &p);
	if (rec_done(&r) == 0) {
		blob = xmalloc(*len);
		memcpy(blob, p, *len);
	} else
		sched_errf(e, ECO_ERR_INTERNAL, "note %lld does not decode",
		    (long long)n->id);
	free(row);
	return blob;
}

/*
 * Serves note id to actor, the holder of key, which must be one of its
 * recipients: recorded before it is read, so no entry, no note; a refusal
 * is recorded too. Returns
 * the sealed blob (allocated, *len bytes) and the note, or NULL.
 */
unsigned char *
note_open(struct sched *s, const char *actor, const unsigned char *key,
    int64_t id, const struct note **np, size_t *len, struct sched_err *e)
{
	struct note	*n = idvec_get(&s->notes, id);

	if (n == NULL || key == NULL || !note_recipient(n, key)) {
		sched_refused(s, actor, "note-open", "note", id);
		sched_errf(e, ECO_ERR_NOTFOUND, "no such note for you");
		return NULL;
	}
	if (sched_record(s, actor, "note-open", "note", id, "ok", e) != 0)
		return NULL;
	*np = n;
	return note_blob(s, n, len, e);
}
