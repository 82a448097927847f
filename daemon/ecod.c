/*
 * ecod: the ECO scheduler daemon. Start-up order: config, core dumps off,
 * keys and database, socket, then one event loop until SIGINT or SIGTERM.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "backup.h"
#include "config.h"
#include "ecod.h"
#include "i18n.h"
#include "instance.h"
#include "log.h"
#include "proto.h"
#include "sched.h"
#include "server.h"
#include "store.h"
#include "timeutil.h"
#include "xmalloc.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    _("usage: ecod [-dnV] [-c file] [--init | --restore backup] "
	    "[--user name]\n"
	    "  -c file   configuration file (default %s)\n"
	    "  -d        log debug messages\n"
	    "  -n        check the configuration and exit\n"
	    "  --init    create a new instance (refuses to touch one)\n"
	    "  --restore backup  a new instance from a copy made by ecoctl "
	    "admin backup\n"
	    "  --user name  with --init or --restore: the files it makes "
	    "belong to name\n"
	    "  -V        print the version and exit\n"), ECO_DEFAULT_CONFIG);
	exit(status);
}

/* Keeps secrets out of core files and away from ptrace by other users. */
static void
no_core_dumps(void)
{
	struct rlimit	 rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		fatal("setrlimit(RLIMIT_CORE)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		fatal("prctl(PR_SET_DUMPABLE)");
}

/*
 * Makes room for max_connections: raises the soft RLIMIT_NOFILE up to the
 * hard one when needed. Returns 0 if it fits, else -1 with *cause saying
 * what to raise; the daemon still serves, refusing connections past the
 * limit with ERR busy.
 */
static int
nofile_fit(const struct config *cf, char **cause)
{
	struct rlimit	 rl;
	rlim_t		 need, old;

	need = (rlim_t)cf->max_connections + CONFIG_FD_RESERVE;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		xasprintf(cause, _("getrlimit(RLIMIT_NOFILE): %s"),
		    strerror(errno));
		return -1;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		old = rl.rlim_cur;
		if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need)
			rl.rlim_cur = need;
		else
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = old;
		else if (rl.rlim_cur != old)
			log_debug("raised the descriptor limit from %llu to %llu",
			    (unsigned long long)old,
			    (unsigned long long)rl.rlim_cur);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		xasprintf(cause, _("%s: max_connections = %d needs %llu "
		    "descriptors, but the limit (RLIMIT_NOFILE) is %llu, hard "
		    "%llu: raise it (LimitNOFILE= in the systemd unit, "
		    "ulimit -n) or lower max_connections; connections past "
		    "the limit get ERR busy"), cf->path, cf->max_connections,
		    (unsigned long long)need, (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max);
		return -1;
	}
	return 0;
}

/*
 * SIGINT or SIGTERM: leave the loop once this iteration's callbacks have
 * run (loopexit, not loopbreak), so a request read in the same iteration
 * as the signal, on any connection, still joins the batch that commits
 * at shutdown and gets its reply.
 */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct ecod	*ecod = arg;

	log_info("signal %d: shutting down", (int)sig);
	ecod->stopping = 1;
	event_base_loopexit(ecod->base, NULL);
}

/* Creates a new instance for --init, owned by user when not NULL. */
static int
ecod_init(struct config *cf, const char *user)
{
	struct passwd	*pw = NULL;
	char		*cause;

	if (user != NULL && (pw = getpwnam(user)) == NULL) {
		fprintf(stderr, _("ecod: --user: no such user \"%s\"\n"), user);
		return 1;
	}
	if (instance_create(cf, &cause) != 0 || (pw != NULL &&
	    instance_chown(cf, pw->pw_uid, pw->pw_gid, &cause) != 0)) {
		fprintf(stderr, _("ecod: %s\n"), cause);
		free(cause);
		return 1;
	}
	if (pw != NULL)
		printf(_("ecod: the instance's files belong to %s\n"), user);
	else if (geteuid() == 0)
		printf(_("ecod: the instance's files belong to root; a daemon "
		    "that runs as another user needs --init --user NAME\n"));
	printf(_("ecod: created instance in %s\n"), cf->data_dir);
	if (cf->master_key_passphrase)
		printf(_("ecod: master key derived from the passphrase\n"));
	else
		printf(_("ecod: master key in %s (keep a copy offline: without "
		    "it the data cannot be read)\n"), cf->master_key_file);
	return 0;
}

/*
 * Returns 1 if entry is "seq time actor backup - begun": the mark that
 * ecoctl admin backup leaves as the last entry of its copy.
 */
static int
backup_mark(const unsigned char *entry, size_t len)
{
	static const char	 want[] = "\tbackup\t-\tbegun";
	const unsigned char	*p = entry;
	int			 tabs = 0;

	while (p < entry + len && tabs < 3)
		if (*p++ == '\t')
			tabs++;
	if (tabs < 3)
		return 0;
	p--;				/* at the tab before the action */
	return (size_t)(entry + len - p) == sizeof want - 1 &&
	    memcmp(p, want, sizeof want - 1) == 0;
}

/*
 * ecod --restore BACKUP: a new instance from a copy made by ecoctl admin
 * backup, with the master key of the instance it came from. The copy is
 * put in place, opened like any instance (the key, every sealed row, the
 * audit tree against its signed head), checked with integrity_check, and
 * a "restore" entry naming the copy's tree size is appended: entries
 * written after the backup are gone, and the log says so (docs/AUDIT.md).
 */
static int
ecod_restore(struct config *cf, const char *backup, const char *user)
{
	struct passwd	*pw = NULL;
	struct instance	*in = NULL;
	struct audit	*a = NULL;
	unsigned char	*entry = NULL;
	char		*cause = NULL, outcome[48];
	uint64_t	 size = 0;
	size_t		 len;
	int		 placed = 0, rc = 1;

	if (user != NULL && (pw = getpwnam(user)) == NULL) {
		fprintf(stderr, _("ecod: --user: no such user \"%s\"\n"), user);
		return 1;
	}
	if (instance_place(cf, backup, &cause) != 0)
		goto out;
	placed = 1;
	/* The whole log, not only what a start reads (its tiles and last
	 * entries): every entry rehashed and every tile checked. */
	if ((in = instance_open(cf, &cause)) == NULL ||
	    store_integrity(in->store, &cause) != 0 ||
	    (a = audit_open(in->store, in, &cause)) == NULL ||
	    audit_verify(a, in, &size, &cause) != 0)
		goto out;
	size = a->n;
	if (size == 0 || audit_entry(a, size, &entry, &len, &cause) != 0 ||
	    !backup_mark(entry, len)) {
		if (cause == NULL)
			xasprintf(&cause, _("%s: its last audit entry is not the "
			    "\"backup begun\" mark of ecoctl admin backup, so "
			    "an auditor could not tell this restore from a "
			    "rollback; restore a copy made with ecoctl admin "
			    "backup"), backup);
		goto out;
	}
	snprintf(outcome, sizeof outcome, "ok size=%llu",
	    (unsigned long long)size);
	if (store_begin(in->store, &cause) != 0 ||
	    audit_append(a, "ecod", "restore", "-", outcome, &cause) != 0 ||
	    audit_sign(a, &cause) != 0 ||
	    store_commit(in->store, &cause) != 0) {
		store_rollback(in->store);
		goto out;
	}
	audit_committed(a);
	audit_free(a);
	a = NULL;
	instance_close(in);
	in = NULL;
	if (pw != NULL && instance_chown(cf, pw->pw_uid, pw->pw_gid,
	    &cause) != 0)
		goto out;
	printf(_("ecod: restored %s into %s: every sealed row opens, the audit "
	    "log of %llu entries verifies, and entry %llu records the "
	    "restore\n"), backup, cf->data_dir, (unsigned long long)size,
	    (unsigned long long)size + 1);
	if (pw != NULL)
		printf(_("ecod: the instance's files belong to %s\n"), user);
	rc = 0;
out:
	if (rc != 0) {
		fprintf(stderr, _("ecod: %s\n"), cause);
		audit_free(a);
		instance_close(in);
		if (placed)
			instance_unplace(cf);
	}
	free(entry);
	free(cause);
	return rc;
}

/* The refusal window closed: write its summaries (sched_refused). */
static void
refusals_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ecod	*ecod = arg;

	if (sched_committing(ecod->sched)) {
		ecod->due |= ECOD_DUE_REFUSALS;
		return;
	}
	sched_refusals_flush(ecod->sched);
}

/* The daily purge (sched_purge) as "ecod"; logs the counts, then waits
 * PURGE_INTERVAL for the next. */
static void
purge_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ecod		*ecod = arg;
	struct purge_counts	 pc;
	struct sched_err	 e;
	struct timeval		 tv = { PURGE_INTERVAL, 0 };

	if (sched_committing(ecod->sched)) {
		ecod->due |= ECOD_DUE_PURGE;
		return;
	}
	if (backup_copying(ecod)) {	/* it would wait for the snapshot */
		log_info("purge: a backup is being copied; again in %d s",
		    PURGE_RETRY);
		tv.tv_sec = PURGE_RETRY;
		evtimer_add(ecod->purge, &tv);
		return;
	}
	if (sched_purge(ecod->sched, "ecod", time(NULL), &pc, &e) != 0)
		log_warnx("purge: %s", e.msg);
	else
		log_info("purge: %lld cases, %lld bookings, %lld notes, %lld "
		    "messages deleted", (long long)pc.cases,
		    (long long)pc.bookings, (long long)pc.notes,
		    (long long)pc.messages);
	evtimer_add(ecod->purge, &tv);
}

/* Runs the timers that came while a COMMIT was in flight (the server
 * calls it once the batch has settled). */
static void
ecod_run_due(struct ecod *ecod)
{
	int	 due = ecod->due;

	ecod->due = 0;
	if (due & ECOD_DUE_REFUSALS)
		refusals_cb(-1, 0, ecod);
	if (due & ECOD_DUE_PURGE)
		purge_cb(-1, 0, ecod);
}

/* Opens the instance and serves until a signal. */
static int
ecod_serve(struct ecod *ecod)
{
	struct event		*sigint, *sigterm, *refusals;
	struct timeval		 window, first = { PURGE_FIRST, 0 };
	struct sched_err	 e;
	char			*cause = NULL;

	if ((ecod->inst = instance_open_serving(ecod->cf, &cause)) == NULL) {
		log_warnx("%s", cause);
		free(cause);
		return 1;
	}
	backup_clean(ecod->cf->data_dir);	/* we hold the lock */
	if ((ecod->audit = audit_open(ecod->inst->store, ecod->inst,
	    &cause)) == NULL || (ecod->sched = sched_load(ecod->inst->store,
	    ecod->inst->seal, ecod->audit, ecod->cf, &cause)) == NULL) {
		log_warnx("%s", cause);
		free(cause);
		sched_free(ecod->sched);
		audit_free(ecod->audit);
		instance_close(ecod->inst);
		return 1;
	}
	if ((ecod->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if ((ecod->srv = server_create(ecod, &cause)) == NULL) {
		log_warnx("%s", cause);
		free(cause);
		goto fail;
	}
	/* Recorded once the socket is up: a start that fails appends none. */
	if (sched_record(ecod->sched, "ecod", "start", NULL, 0, "ok",
	    &e) != 0) {
		log_warnx("not starting: %s", e.msg);
		server_free(ecod->srv);
		goto fail;
	}
	sigint = evsignal_new(ecod->base, SIGINT, signal_cb, ecod);
	sigterm = evsignal_new(ecod->base, SIGTERM, signal_cb, ecod);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	ecod->run_due = ecod_run_due;
	refusals = event_new(ecod->base, -1, EV_PERSIST, refusals_cb, ecod);
	window.tv_sec = ecod->cf->audit_window_seconds;
	window.tv_usec = 0;
	evtimer_add(refusals, &window);
	ecod->purge = evtimer_new(ecod->base, purge_cb, ecod);
	evtimer_add(ecod->purge, &first);
	ecod->started = time(NULL);
	server_batching(ecod->srv, 1);
	log_info("ecod %s serving %s", ECO_VERSION, ecod->cf->socket);

	event_base_dispatch(ecod->base);

	backup_shutdown(ecod);
	sched_refusals_flush(ecod->sched);	/* what the window counted */
	server_batching(ecod->srv, 0);		/* commits the open batch */
	server_drain(ecod->srv);		/* and its replies go out */
	server_free(ecod->srv);
	event_free(refusals);
	event_free(ecod->purge);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(ecod->base);
	sched_free(ecod->sched);
	audit_free(ecod->audit);
	instance_close(ecod->inst);
	log_info("stopped");
	return 0;

fail:
	event_base_free(ecod->base);
	sched_free(ecod->sched);
	audit_free(ecod->audit);
	instance_close(ecod->inst);
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "init", no_argument, NULL, 'I' },
		{ "user", required_argument, NULL, 'U' },
		{ "restore", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ecod	 ecod;
	const char	*path = ECO_DEFAULT_CONFIG, *user = NULL, *restore = NULL;
	char		*cause;
	int		 ch, check = 0, init = 0, debug = 0, rc;

	i18n_init();
	while ((ch = getopt_long(argc, argv, "c:dhnV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'I':
			init = 1;
			break;
		case 'U':
			user = optarg;
			break;
		case 'R':
			restore = optarg;
			break;
		case 'V':
			printf(_("ecod %s (protocol %d)\n"), ECO_VERSION,
			    ECO_PROTO_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc || check + init + (restore != NULL) > 1 ||
	    (user != NULL && !init && restore == NULL))
		usage(2);

	no_core_dumps();
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
	log_init(0, debug);

	memset(&ecod, 0, sizeof ecod);
	if ((ecod.cf = config_load(path, &cause)) == NULL) {
		fprintf(stderr, _("ecod: %s\n"), cause);
		free(cause);
		return 1;
	}
	if (time_set_zone(ecod.cf->timezone) != 0)
		fatal("setenv TZ");
	if (check) {
		if (nofile_fit(ecod.cf, &cause) != 0) {
			fprintf(stderr, _("ecod: warning: %s\n"), cause);
			free(cause);
		}
		printf(_("%s: configuration OK\n"), path);
		config_free(ecod.cf);
		return 0;
	}
	if (init)
		rc = ecod_init(ecod.cf, user);
	else if (restore != NULL)
		rc = ecod_restore(ecod.cf, restore, user);
	else {
		log_set_syslog(strcmp(ecod.cf->log, "syslog") == 0);
		if (nofile_fit(ecod.cf, &cause) != 0) {
			log_warnx("warning: %s", cause);
			free(cause);
		}
		rc = ecod_serve(&ecod);
	}
	config_free(ecod.cf);
	return rc;
}
