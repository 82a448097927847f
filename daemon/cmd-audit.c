/*
 * Audit verbs, for auditors: the verifier key, the last signed tree head,
 * entries (read from the store, so a row changed on disk is reported),
 * and RFC 9162 consistency and inclusion proofs.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "ecod.h"
#include "log.h"
#include "proto.h"
#include "server.h"
#include "store.h"
#include "xmalloc.h"

#define B64	sodium_base64_VARIANT_ORIGINAL

/* Sends each hash of a proof as a base64 data line, then OK. */
static void
proof_reply(struct client *c, merkle_hash *proof, size_t len)
{
	char	 b64[sodium_base64_ENCODED_LEN(MERKLE_HASH, B64)], *f[1];
	size_t	 i;

	for (i = 0; i < len; i++) {
		sodium_bin2base64(b64, sizeof b64, proof[i], MERKLE_HASH, B64);
		f[0] = b64;
		client_data(c, 1, f);
	}
	client_ok(c, 0, NULL);
}

/* A proof needed a hash the store could not give: the tree is damaged. */
static void
proof_failed(struct client *c, struct audit *a)
{
	log_warnx("%s", a->tiles.cause != NULL ? a->tiles.cause :
	    "audit log: a proof failed");
	client_err(c, ECO_ERR_INTERNAL, "the audit tree is damaged in the "
	    "database; an administrator should run admin verify");
}

/* Takes fields m (named mname) and n (nname) with 1 <= m <= n <= the
 * log's size; replies if not. */
static int
sizes(struct client *c, const struct args *args, const char *mname,
    const char *nname, int64_t *m, int64_t *n)
{
	struct audit	*a = c->srv->ecod->audit;

	*m = args->v[0].i;
	*n = args->v[1].i;
	if ((uint64_t)*n > a->n) {
		client_err(c, ECO_ERR_INVALID, "%s: must be 1 to %llu (the "
		    "log's size)", nname, (unsigned long long)a->n);
		return -1;
	}
	if (*m > *n) {
		client_err(c, ECO_ERR_INVALID, "%s: must be at most %s", mname,
		    nname);
		return -1;
	}
	return 0;
}

/* AUDIT-PUBKEY: the verifier key, NAME+KEYHASH+BASE64KEY. */
void
cmd_audit_pubkey(struct client *c, const struct args *args)
{
	char	*vkey = audit_vkey(c->srv->ecod->audit), *f[1] = { vkey };

	client_ok(c, 1, f);
	free(vkey);
}

/* AUDIT-HEAD: the last signed checkpoint, as base64 of its exact bytes. */
void
cmd_audit_head(struct client *c, const struct args *args)
{
	struct audit	*a = c->srv->ecod->audit;
	char		*b64, *f[1];
	size_t		 len;

	if (a->head == NULL) {
		client_err(c, ECO_ERR_NOTFOUND, "no signed tree head yet");
		return;
	}
	len = sodium_base64_ENCODED_LEN(strlen(a->head), B64);
	b64 = xmalloc(len);
	sodium_bin2base64(b64, len, (const unsigned char *)a->head,
	    strlen(a->head), B64);
	f[0] = b64;
	client_ok(c, 1, f);
	free(b64);
}

/* One page of AUDIT-ENTRIES: the next entry expected, for its reply. */
struct page {
	struct client	*c;
	int64_t		 next;
};

static int
page_entry(int64_t id, const unsigned char *e, size_t len, void *arg)
{
	struct page	*pg = arg;
	char		 b64[sodium_base64_ENCODED_LEN(ECO_AUDIT_ENTRY_MAX,
			    B64)], *f[1];

	if (id != pg->next || len > ECO_AUDIT_ENTRY_MAX)
		return -1;
	sodium_bin2base64(b64, sizeof b64, e, len, B64);
	f[0] = b64;
	client_data(pg->c, 1, f);
	pg->next++;
	return 0;
}

/*
 * AUDIT-ENTRIES first last: the exact bytes of each entry, base64, read
 * from the store in one range scan (each row authenticated as it is
 * read); at most ECO_AUDIT_PAGE_MAX a request, so one request's work and
 * queued output stay bounded. The client pages through the log.
 */
void
cmd_audit_entries(struct client *c, const struct args *args)
{
	struct page	 pg = { c, 0 };
	char		*cause = NULL;
	int64_t		 m, n;

	if (sizes(c, args, "first", "last", &m, &n) != 0)
		return;
	if (n - m >= ECO_AUDIT_PAGE_MAX) {
		client_err(c, ECO_ERR_LIMIT, "at most %d entries a request",
		    ECO_AUDIT_PAGE_MAX);
		return;
	}
	pg.next = m;
	if (store_range(c->srv->ecod->audit->st, "audit", m, n, page_entry,
	    &pg, &cause) != 0 || pg.next != n + 1) {
		log_warnx("%s", cause != NULL ? cause : "audit log: an entry "
		    "is missing or out of place");
		free(cause);
		client_err(c, ECO_ERR_INTERNAL, "audit entry %lld is "
		    "damaged or missing in the database", (long long)pg.next);
		return;
	}
	client_ok(c, 0, NULL);
}

/* AUDIT-CONSISTENCY m n: RFC 9162 PROOF(m, D[n]). */
void
cmd_audit_consistency(struct client *c, const struct args *args)
{
	struct audit	*a = c->srv->ecod->audit;
	merkle_hash	 proof[MERKLE_MAX_PROOF];
	size_t		 len;
	int64_t		 m, n;

	if (sizes(c, args, "size1", "size2", &m, &n) != 0)
		return;
	if (merkle_consistency_from(tiles_range, &a->tiles, (uint64_t)n,
	    (uint64_t)m, proof, &len) != 0) {
		proof_failed(c, a);
		return;
	}
	proof_reply(c, proof, len);
}

/* AUDIT-INCLUSION seq n: RFC 9162 PATH(seq - 1, D[n]). */
void
cmd_audit_inclusion(struct client *c, const struct args *args)
{
	struct audit	*a = c->srv->ecod->audit;
	merkle_hash	 proof[MERKLE_MAX_PROOF];
	size_t		 len;
	int64_t		 m, n;

	if (sizes(c, args, "seq", "size", &m, &n) != 0)
		return;
	if (merkle_inclusion_from(tiles_range, &a->tiles, (uint64_t)n,
	    (uint64_t)m - 1, proof, &len) != 0) {
		proof_failed(c, a);
		return;
	}
	proof_reply(c, proof, len);
}
