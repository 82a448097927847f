/*
 * ecoctl: parses a command line, speaks the protocol, prints the answer.
 * Exit 0 on success, 1 on an error from the daemon or the system, 2 on
 * bad usage.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecoctl.h"
#include "proto.h"
#include "xmalloc.h"

/* The subcommands: one line each. Longer names before their prefixes. */
static const struct ctl_cmd ctl_table[] = {
	{ "admin stats", 0, 0, ctl_stats, "",
	    "counts, uptime and connections (admin)" },
	{ "ping", 0, 0, ctl_ping, "", "check that the daemon answers" },
	{ "stats", 0, 0, ctl_stats, "", "the same as admin stats" },
	{ NULL, 0, 0, NULL, NULL, NULL }
};

static void __attribute__((noreturn))
usage(int status)
{
	const struct ctl_cmd	*e;
	FILE			*f = status ? stderr : stdout;

	fprintf(f, "usage: ecoctl [-s socket] command [arguments]\n"
	    "  -s socket   the daemon's socket (default $ECO_SOCKET, "
	    "else %s)\n"
	    "  -h, --help  this help;  -V, --version  the version\n\n"
	    "commands:\n", ECO_DEFAULT_SOCKET);
	for (e = ctl_table; e->name != NULL; e++)
		fprintf(f, "  %s%s%s\n      %s\n", e->name,
		    *e->usage != '\0' ? " " : "", e->usage, e->help);
	exit(status);
}

/* Prints "ecoctl: message" on stderr; returns EXIT_FAIL. */
int
ctl_fail(const char *fmt, ...)
{
	va_list	 ap;

	fputs("ecoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/*
 * Sends one request (connecting on first use) and reads the reply.
 * Returns EXIT_OK if the daemon said OK; else reports the error on stderr
 * and returns EXIT_FAIL, r then empty.
 */
int
ctl_request(struct ctl *ctl, int argc, char *const *argv, struct reply *r)
{
	char	*cause;

	if (ctl->conn == NULL &&
	    (ctl->conn = conn_open(ctl->socket, &cause)) == NULL)
		goto fail;
	if (conn_request(ctl->conn, argc, argv, r, &cause) != 0)
		goto fail;
	if (!r->ok) {
		ctl_fail("%s", r->msg);
		reply_free(r);
		return EXIT_FAIL;
	}
	return EXIT_OK;
fail:
	ctl_fail("%s", cause);
	free(cause);
	return EXIT_FAIL;
}

/* Returns how many leading words of argv name e, or 0 if they do not. */
static int
ctl_match(const struct ctl_cmd *e, int argc, char **argv)
{
	const char	*p = e->name, *sp;
	size_t		 n;
	int		 words = 0;

	for (;;) {
		sp = strchr(p, ' ');
		n = sp == NULL ? strlen(p) : (size_t)(sp - p);
		if (words == argc || strlen(argv[words]) != n ||
		    strncmp(argv[words], p, n) != 0)
			return 0;
		words++;
		if (sp == NULL)
			return words;
		p = sp + 1;
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ctl_cmd	*e;
	struct ctl		 ctl;
	int			 ch, words, rc;

	memset(&ctl, 0, sizeof ctl);
	if ((ctl.socket = getenv("ECO_SOCKET")) == NULL || *ctl.socket == '\0')
		ctl.socket = ECO_DEFAULT_SOCKET;
	/* "+": stop at the command, whose options are its own. */
	while ((ch = getopt_long(argc, argv, "+hs:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ctl.socket = optarg;
			break;
		case 'V':
			printf("ecoctl %s (protocol %d)\n", ECO_VERSION,
			    ECO_PROTO_VERSION);
			return EXIT_OK;
		case 'h':
			usage(EXIT_OK);
		default:
			usage(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(EXIT_USAGE);
	for (e = ctl_table; e->name != NULL; e++)
		if ((words = ctl_match(e, argc, argv)) > 0)
			break;
	if (e->name == NULL) {
		fprintf(stderr, "ecoctl: unknown command \"%s\"; see "
		    "ecoctl --help\n", argv[0]);
		return EXIT_USAGE;
	}
	argc -= words;
	argv += words;
	if (argc < e->minargs || argc > e->maxargs) {
		fprintf(stderr, "usage: ecoctl %s%s%s\n", e->name,
		    *e->usage != '\0' ? " " : "", e->usage);
		return EXIT_USAGE;
	}
	rc = e->run(&ctl, argc, argv);
	conn_close(ctl.conn);
	return rc;
}
