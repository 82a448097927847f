/*
 * Note verbs. A note travels sealed, in base64 chunks that each fit a
 * line: NOTE-BEGIN declares it, NOTE-DATA carries it, NOTE-END stores it.
 * NOTE-OPEN serves it, in chunks too, only to one of its recipients, and
 * the access is logged by ids. Nothing here can open a note.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "config.h"
#include "ecod.h"
#include "log.h"
#include "notehdr.h"
#include "proto.h"
#include "sched.h"
#include "server.h"
#include "timeutil.h"
#include "xmalloc.h"

#define B64		sodium_base64_VARIANT_ORIGINAL
#define UPLOAD_FIRST_BYTES	ECO_CHUNK_BYTES	/* then doubled as chunks come */

/* Returns the key that opens notes for this connection's role. */
static const unsigned char *
caller_key(struct client *c)
{
	struct sched	*s = c->srv->ecod->sched;
	struct person	*p;

	if ((c->roles & ROLE_COUNSELLOR) &&
	    (p = sched_person(s, c->person)) != NULL)
		return p->pk;
	if (c->roles & ROLE_RECOVERY)
		return s->recovery;
	return NULL;
}

/* NOTE-BEGIN booking amends|- size */
void
cmd_note_begin(struct client *c, const struct args *a)
{
	size_t	 max = (size_t)c->srv->ecod->cf->max_note_bytes +
		    NOTE_OVERHEAD_MAX, size = (size_t)a->v[2].i;

	upload_free(c);
	if (size > max) {
		client_err(c, ECO_ERR_INVALID, "size: a note is at most %d "
		    "bytes", c->srv->ecod->cf->max_note_bytes);
		return;
	}
	c->upload = xcalloc(1, sizeof *c->upload);
	c->upload->booking = a->v[0].i;
	c->upload->amends = a->v[1].set ? a->v[1].i : 0;
	c->upload->size = size;
	client_ok(c, 0, NULL);
}

/*
 * Makes room in u for n more bytes, doubling its buffer as chunks come but
 * never past the declared size: a NOTE-BEGIN alone allocates nothing.
 * Returns 0, or -1 if n bytes would pass the declared size.
 */
static int
upload_grow(struct upload *u, size_t n)
{
	size_t	 cap = u->cap;

	if (n > u->size - u->have)
		return -1;
	if (u->buf != NULL && u->have + n <= cap)
		return 0;
	if (cap == 0)
		cap = UPLOAD_FIRST_BYTES;
	while (cap < u->have + n)
		cap = cap > u->size / 2 ? u->size : cap * 2;
	if (cap > u->size)
		cap = u->size;
	u->buf = xreallocarray(u->buf, cap, 1);
	u->cap = cap;
	return 0;
}

/* NOTE-DATA chunk: the next piece of the declared note. */
void
cmd_note_data(struct client *c, const struct args *a)
{
	struct upload	*u = c->upload;

	if (u == NULL) {
		client_err(c, ECO_ERR_CONFLICT, "say NOTE-BEGIN first");
		return;
	}
	if (upload_grow(u, a->v[0].len) != 0) {
		upload_free(c);
		client_err(c, ECO_ERR_INVALID, "chunk: more than the declared "
		    "size; the note is dropped");
		return;
	}
	memcpy(u->buf + u->have, a->v[0].bin, a->v[0].len);
	u->have += a->v[0].len;
	client_ok(c, 0, NULL);
}

/* NOTE-END: checks and stores the note; answers its id. */
void
cmd_note_end(struct client *c, const struct args *a)
{
	struct sched		*s = c->srv->ecod->sched;
	struct upload		*u = c->upload;
	struct sched_err	 e;
	char			 num[24], *f[1];
	int64_t			 id;
	int			 rc;

	if (u == NULL) {
		client_err(c, ECO_ERR_CONFLICT, "say NOTE-BEGIN first");
		return;
	}
	if (u->have != u->size) {
		upload_free(c);
		client_err(c, ECO_ERR_INVALID, "the note is shorter than "
		    "declared; dropped");
		return;
	}
	rc = note_add(s, a->actor, sched_person(s, c->person), u->booking,
	    u->amends, u->buf, u->size, time(NULL), &id, &e);
	upload_free(c);
	if (rc != 0) {
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	snprintf(num, sizeof num, "%lld", (long long)id);
	f[0] = num;
	client_ok(c, 1, f);
}

/* NOTE-LIST [case|-]: the notes this connection can open. */
void
cmd_note_list(struct client *c, const struct args *args)
{
	struct sched		*s = c->srv->ecod->sched;
	struct note		**v, *n;
	struct person		*a;
	char			 id[24], cs[24], bk[24], am[24];
	char			 when[LOCAL_TIME_LEN + 1], *f[6];
	size_t			 i, count;

	count = note_list(s, caller_key(c), args->v[0].set ? args->v[0].i : 0,
	    &v);
	for (i = 0; i < count; i++) {
		n = v[i];
		a = sched_person(s, n->author);
		snprintf(id, sizeof id, "%lld", (long long)n->id);
		snprintf(cs, sizeof cs, "%lld", (long long)n->case_id);
		snprintf(bk, sizeof bk, "%lld", (long long)n->booking);
		snprintf(am, sizeof am, "%lld", (long long)n->amends);
		time_format_local(n->created, when);
		f[0] = id;
		f[1] = cs;
		f[2] = bk;
		f[3] = a->name;
		f[4] = when;
		f[5] = n->amends != 0 ? am : "-";
		client_data(c, 6, f);
	}
	free(v);
	client_ok(c, 0, NULL);
}

/*
 * NOTE-OPEN note: the sealed note in base64 chunks, then OK with the
 * author's name and enrolled key, which the client checks the signature
 * against. Served to a recipient only; every serving is logged by ids.
 */
void
cmd_note_open(struct client *c, const struct args *args)
{
	struct sched		*s = c->srv->ecod->sched;
	struct sched_err	 e;
	const struct note	*n;
	struct person		*a;
	unsigned char		*blob;
	char			 b64[sodium_base64_ENCODED_LEN(ECO_CHUNK_BYTES,
				    B64)];
	char			 pk[sodium_base64_ENCODED_LEN(32, B64)], *f[2];
	size_t			 len, off, k;
	int64_t			 id = args->v[0].i;

	if ((blob = note_open(s, args->actor, caller_key(c), id, &n, &len,
	    &e)) == NULL) {
		if (strcmp(e.code, ECO_ERR_NOTFOUND) != 0)
			log_warnx("note %lld: not served: %s", (long long)id,
			    e.msg);
		client_err(c, e.code, "%s", e.msg);
		return;
	}
	for (off = 0; off < len; off += k) {
		k = len - off < ECO_CHUNK_BYTES ? len - off : ECO_CHUNK_BYTES;
		sodium_bin2base64(b64, sizeof b64, blob + off, k, B64);
		f[0] = b64;
		client_data(c, 1, f);
	}
	free(blob);
	a = sched_person(s, n->author);
	sodium_bin2base64(pk, sizeof pk, a->pk, sizeof a->pk, B64);
	f[0] = a->name;
	f[1] = pk;
	client_ok(c, 2, f);
	if (c->roles & ROLE_COUNSELLOR)
		log_info("note %lld served to person %lld", (long long)id,
		    (long long)c->person);
	else
		log_info("note %lld served to the recovery key holder",
		    (long long)id);
}

/* RECOVERY-KEY: the recovery key notes must be sealed to, or "-". */
void
cmd_recovery_key(struct client *c, const struct args *a)
{
	struct sched	*s = c->srv->ecod->sched;
	char		 pk[sodium_base64_ENCODED_LEN(32, B64)], *f[1];

	f[0] = "-";
	if (s->has_recovery) {
		sodium_bin2base64(pk, sizeof pk, s->recovery, 32, B64);
		f[0] = pk;
	}
	client_ok(c, 1, f);
}
