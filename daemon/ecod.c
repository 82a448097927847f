/*
 * ecod: the ECO scheduler daemon. Start-up order: config, core dumps off,
 * keys and database, socket, then one event loop until SIGINT or SIGTERM.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

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
#include "config.h"
#include "ecod.h"
#include "instance.h"
#include "log.h"
#include "proto.h"
#include "sched.h"
#include "server.h"
#include "timeutil.h"

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: ecod [-dnV] [-c file] [--init [--user name]]\n"
	    "  -c file   configuration file (default %s)\n"
	    "  -d        log debug messages\n"
	    "  -n        check the configuration and exit\n"
	    "  --init    create a new instance (refuses to touch one)\n"
	    "  --user name  with --init: the files it makes belong to name\n"
	    "  -V        print the version and exit\n", ECO_DEFAULT_CONFIG);
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

/* SIGINT or SIGTERM: leave the loop. Requests run to their commit first,
 * since a signal is handled between callbacks, never inside one. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct ecod	*ecod = arg;

	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(ecod->base);
}

/* Creates a new instance for --init, owned by user when not NULL. */
static int
ecod_init(struct config *cf, const char *user)
{
	struct passwd	*pw = NULL;
	char		*cause;

	if (user != NULL && (pw = getpwnam(user)) == NULL) {
		fprintf(stderr, "ecod: --user: no such user \"%s\"\n", user);
		return 1;
	}
	if (instance_create(cf, &cause) != 0 || (pw != NULL &&
	    instance_chown(cf, pw->pw_uid, pw->pw_gid, &cause) != 0)) {
		fprintf(stderr, "ecod: %s\n", cause);
		free(cause);
		return 1;
	}
	if (pw != NULL)
		printf("ecod: the instance's files belong to %s\n", user);
	else if (geteuid() == 0)
		printf("ecod: the instance's files belong to root; a daemon "
		    "that runs as another user needs --init --user NAME\n");
	printf("ecod: created instance in %s\n", cf->data_dir);
	if (cf->master_key_passphrase)
		printf("ecod: master key derived from the passphrase\n");
	else
		printf("ecod: master key in %s (keep a copy offline: without "
		    "it the data cannot be read)\n", cf->master_key_file);
	return 0;
}

/* Opens the instance and serves until a signal. */
static int
ecod_serve(struct ecod *ecod)
{
	struct event		*sigint, *sigterm;
	struct sched_err	 e;
	char			*cause = NULL;

	if ((ecod->inst = instance_open(ecod->cf, &cause)) == NULL) {
		log_warnx("%s", cause);
		free(cause);
		return 1;
	}
	if ((ecod->audit = audit_open(ecod->inst->store, ecod->inst,
	    &cause)) == NULL || (ecod->sched = sched_load(ecod->inst->store,
	    ecod->inst->seal, ecod->audit, ecod->cf, &cause)) == NULL ||
	    sched_record(ecod->sched, "start", NULL, 0, "ok", &e) != 0) {
		log_warnx("%s", cause != NULL ? cause : e.msg);
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
		event_base_free(ecod->base);
		sched_free(ecod->sched);
		audit_free(ecod->audit);
		instance_close(ecod->inst);
		return 1;
	}
	sigint = evsignal_new(ecod->base, SIGINT, signal_cb, ecod);
	sigterm = evsignal_new(ecod->base, SIGTERM, signal_cb, ecod);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	ecod->started = time(NULL);
	log_info("ecod %s serving %s (%lld sealed rows verified)", ECO_VERSION,
	    ecod->cf->socket, (long long)ecod->inst->rows);

	event_base_dispatch(ecod->base);

	server_free(ecod->srv);
	event_free(sigint);
	event_free(sigterm);
	event_base_free(ecod->base);
	sched_free(ecod->sched);
	audit_free(ecod->audit);
	instance_close(ecod->inst);
	log_info("stopped");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "init", no_argument, NULL, 'I' },
		{ "user", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ecod	 ecod;
	const char	*path = ECO_DEFAULT_CONFIG, *user = NULL;
	char		*cause;
	int		 ch, check = 0, init = 0, debug = 0, rc;

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
		case 'V':
			printf("ecod %s (protocol %d)\n", ECO_VERSION,
			    ECO_PROTO_VERSION);
			return 0;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc || (check && init) || (user != NULL && !init))
		usage(2);

	no_core_dumps();
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0)
		fatalx("sodium_init failed");
	log_init(0, debug);

	memset(&ecod, 0, sizeof ecod);
	if ((ecod.cf = config_load(path, &cause)) == NULL) {
		fprintf(stderr, "ecod: %s\n", cause);
		free(cause);
		return 1;
	}
	if (time_set_zone(ecod.cf->timezone) != 0)
		fatal("setenv TZ");
	if (check) {
		printf("%s: configuration OK\n", path);
		config_free(ecod.cf);
		return 0;
	}
	if (init)
		rc = ecod_init(ecod.cf, user);
	else {
		log_set_syslog(strcmp(ecod.cf->log, "syslog") == 0);
		rc = ecod_serve(&ecod);
	}
	config_free(ecod.cf);
	return rc;
}
