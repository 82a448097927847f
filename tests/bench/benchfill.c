/*
 * benchfill: builds the benchmark's instance quickly, with the daemon's
 * own store, seal and schedule code, while the daemon is stopped:
 *
 *   benchfill CONF DAY NFREE NPOOL NBOOKED NAME SKFILE [NAUDIT]
 *
 * enrols counsellor NAME (secret key written to SKFILE) and gives them,
 * in one transaction, slots of 10 minutes every 15: NFREE on local date
 * DAY (what SLOTS DAY DAY answers), then NPOOL free ones from the next
 * day (for the bench to book), then NBOOKED each booked by a case of its
 * own. Slot and booking rows have no audit entries of their own; NAUDIT
 * entries are appended after them (through the daemon's audit code, so
 * with their tiles and a signed head), a long history for the start-up
 * and audit figures. Prints "pool FIRST-ID".
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "code.h"
#include "config.h"
#include "instance.h"
#include "log.h"
#include "rec.h"
#include "sched.h"
#include "seal.h"
#include "store.h"
#include "timeutil.h"

#define STEP	(15 * 60)

static void __attribute__((noreturn))
fail(const char *what, char *cause)
{
	fprintf(stderr, "benchfill: %s: %s\n", what, cause ? cause : "failed");
	exit(1);
}

/* Writes one free slot row; returns its id. */
static int64_t
fill_slot(struct sched *s, int64_t id, int64_t person, time_t start)
{
	struct slot	 sl;
	char		*cause;

	memset(&sl, 0, sizeof sl);
	sl.id = id;
	sl.person = person;
	sl.start = start;
	sl.minutes = 10;
	sl.modality = MOD_VIDEO;
	sl.location = "bench";
	sl.join = "";
	if (put_slot(s, &sl, 1, &cause) != 0)
		fail("slot", cause);
	return id;
}

/* Writes a case row and its booking of slot. */
static void
fill_booking(struct sched *s, int64_t case_id, int64_t slot, time_t now)
{
	struct booking	 b;
	struct rec	 r;
	unsigned char	 raw[CODE_RANDOM_BYTES], tag[BLIND_INDEX_BYTES];
	unsigned char	 lookup[CODE_LOOKUP_BYTES], key[32];
	char		 code[CODE_TEXT_LEN + 1], *cause;

	/* As BOOK-NEW: found by the lookup token, with a case key. */
	code_new(raw, code);
	code_lookup(raw, lookup);
	seal_index(s->seal, "cases", lookup, sizeof lookup, tag);
	randombytes_buf(key, sizeof key);
	rec_init(&r);
	rec_put_i64(&r, now);
	rec_put_bytes(&r, key, sizeof key);
	if (store_insert_tagged(s->st, "cases", case_id, tag, r.buf, r.len,
	    &cause) != 0)
		fail("case", cause);
	rec_free(&r);
	memset(&b, 0, sizeof b);
	b.id = case_id;
	b.case_id = case_id;
	b.slot = slot;
	b.state = B_BOOKED;
	b.created = now;
	b.origin = b.id;
	b.modified = now;
	if (put_booking(s, &b, 1, &cause) != 0)
		fail("booking", cause);
}

/* Appends n audit entries, 100,000 a transaction, each signed. */
static void
fill_audit(struct audit *a, int64_t n)
{
	struct store	*st = a->st;
	char		 obj[32], *cause;
	int64_t		 i = 0, j;

	while (i < n) {
		if (store_begin(st, &cause) != 0)
			fail("begin", cause);
		for (j = 0; j < 100000 && i < n; j++, i++) {
			snprintf(obj, sizeof obj, "slot:%lld",
			    (long long)(i + 1));
			if (audit_append(a, "worker", "book", obj, "ok",
			    &cause) != 0)
				fail("audit", cause);
		}
		if (audit_sign(a, &cause) != 0 || store_commit(st,
		    &cause) != 0)
			fail("audit commit", cause);
		audit_committed(a);
	}
}

int
main(int argc, char **argv)
{
	struct config		*cf;
	struct instance		*inst;
	struct audit		*audit;
	struct sched		*s;
	struct sched_err	 e;
	unsigned char		 pk[32], sk[crypto_sign_SECRETKEYBYTES];
	const char		*why;
	char			*cause = NULL;
	time_t			 day, t, now = time(NULL);
	int64_t			 id, pool, nfree, npool, nbooked, i, case_id;
	int			 fd;

	if ((argc != 8 && argc != 9) || sodium_init() < 0) {
		fprintf(stderr, "usage: benchfill CONF DAY NFREE NPOOL NBOOKED "
		    "NAME SKFILE [NAUDIT]\n");
		return 2;
	}
	log_init(0, 0);
	nfree = atoll(argv[3]);
	npool = atoll(argv[4]);
	nbooked = atoll(argv[5]);
	if ((cf = config_load(argv[1], &cause)) == NULL)
		fail(argv[1], cause);
	if (time_set_zone(cf->timezone) != 0 ||
	    time_parse_local(argv[2], 1, &day, &why) != 0)
		fail(argv[2], (char *)"bad zone or day");
	if ((inst = instance_open(cf, &cause)) == NULL ||
	    (audit = audit_open(inst->store, inst, &cause)) == NULL ||
	    (s = sched_load(inst->store, inst->seal, audit, cf,
	    &cause)) == NULL)
		fail("open", cause);
	crypto_sign_keypair(pk, sk);
	if (sched_enrol(s, "admin", PERSON_COUNSELLOR, argv[6], pk, &e) != 0)
		fail("enrol", e.msg);
	if ((fd = open(argv[7], O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, sk, sizeof sk) != sizeof sk || close(fd) != 0)
		fail(argv[7], (char *)"cannot write");
	id = idvec_next(&s->slots);
	if (store_next_id(s->st, "cases", &case_id, &cause) != 0 ||
	    store_begin(s->st, &cause) != 0)
		fail("begin", cause);
	for (i = 0; i < nfree; i++)
		fill_slot(s, id++, sched_person_by_name(s, argv[6])->id,
		    day + i * STEP);
	pool = id;
	t = day + 86400;
	for (i = 0; i < npool + nbooked; i++, t += STEP) {
		fill_slot(s, id, sched_person_by_name(s, argv[6])->id, t);
		if (i >= npool)
			fill_booking(s, case_id++, id, now);
		id++;
	}
	if (store_commit(s->st, &cause) != 0)
		fail("commit", cause);
	if (argc == 9)
		fill_audit(audit, atoll(argv[8]));
	printf("pool %lld\n", (long long)pool);
	sched_free(s);
	audit_free(audit);
	instance_close(inst);
	config_free(cf);
	return 0;
}
