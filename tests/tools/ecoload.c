/*
 * ecoload: test tool that loads a daemon the way ecoctl cannot, speaking
 * the protocol on a Unix socket as an admin (the daemon's own uid).
 *
 *   ecoload enrol SOCKET N        enrol N counsellors with fresh keys: N
 *                                 audit entries, over one connection
 *   ecoload entries SOCKET M N    enrol an auditor, log in, ask for
 *                                 AUDIT-ENTRIES M N, then PING on the same
 *                                 connection; print the number of data
 *                                 lines and both final lines
 *   ecoload notes SOCKET N SIZE   enrol one counsellor, log in on N
 *                                 connections, and on each declare a note
 *                                 of SIZE bytes (NOTE-BEGIN) and send no
 *                                 data; print "held N" and hold them all
 *                                 until standard input closes
 *   ecoload book SOCKET C N       enrol a counsellor, add N slots (5
 *                                 minutes each, from 3 days ahead, in the
 *                                 daemon's zone taken as UTC), then book
 *                                 them all over C connections, each with
 *                                 one BOOK in flight at a time; print the
 *                                 bookings a second and the median and
 *                                 99th percentile latency. The daemon's
 *                                 booking limits must be lifted
 *
 * Exits 0 when every request got OK (but AUDIT-ENTRIES, whose answer is
 * printed), 1 otherwise (the line on stderr).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sealed.h"
#include "bookline.h"

#define MAXCONN	4096

struct peer {
	int	 fd;
	char	 buf[65536];
	size_t	 len;
};

/* Connects to path; exits on failure. */
static void
peer_open(struct peer *p, const char *path)
{
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	p->len = 0;
	if ((p->fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(p->fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
		perror("ecoload: connect");
		exit(1);
	}
}

/* Sends the string s; exits on failure. */
static void
peer_send(struct peer *p, const char *s)
{
	size_t	 len = strlen(s);
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(p->fd, s, len)) <= 0) {
			perror("ecoload: write");
			exit(1);
		}
		s += n;
		len -= (size_t)n;
	}
}

/* Reads one reply line into line (NUL-terminated, no LF); exits on EOF. */
static void
peer_line(struct peer *p, char *line, size_t size)
{
	char	*nl;
	size_t	 n;
	ssize_t	 r;

	while ((nl = memchr(p->buf, '\n', p->len)) == NULL) {
		if (p->len == sizeof p->buf ||
		    (r = read(p->fd, p->buf + p->len, sizeof p->buf - p->len)) <=
		    0) {
			fprintf(stderr, "ecoload: the daemon closed\n");
			exit(1);
		}
		p->len += (size_t)r;
	}
	n = (size_t)(nl - p->buf);
	snprintf(line, size, "%.*s", (int)n, p->buf);
	memmove(p->buf, nl + 1, p->len - n - 1);
	p->len -= n + 1;
}

/* Reads a reply's final line, which must be OK; returns it in line. */
static void
peer_ok(struct peer *p, char *line, size_t size, const char *what)
{
	do
		peer_line(p, line, size);
	while (line[0] == '*');
	if (strncmp(line, "OK", 2) != 0) {
		fprintf(stderr, "ecoload: %s: %s\n", what, line);
		exit(1);
	}
}

/* Returns "ENROL role name base64(pk)\n"; sk gets the secret key. */
static char *
enrol_line(const char *role, const char *name, unsigned char *sk)
{
	static char	 line[256];
	unsigned char	 pk[32];
	char		 b64[sodium_base64_ENCODED_LEN(32,
			    sodium_base64_VARIANT_ORIGINAL)];

	crypto_sign_keypair(pk, sk);
	sodium_bin2base64(b64, sizeof b64, pk, sizeof pk,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof line, "ENROL %s %s %s\n", role, name, b64);
	return line;
}

/* Logs p in as name with secret key sk. */
static void
login(struct peer *p, const char *name, const unsigned char *sk)
{
	unsigned char	 msg[sizeof LOGIN_CONTEXT + LOGIN_CHALLENGE_BYTES + 64];
	unsigned char	 sig[crypto_sign_BYTES];
	char		 line[512], b64[128], req[256];
	size_t		 len, nlen = strlen(name);

	snprintf(req, sizeof req, "LOGIN %s\n", name);
	peer_send(p, req);
	peer_ok(p, line, sizeof line, "LOGIN");
	memcpy(msg, LOGIN_CONTEXT, sizeof LOGIN_CONTEXT);
	if (sodium_base642bin(msg + sizeof LOGIN_CONTEXT, LOGIN_CHALLENGE_BYTES,
	    line + 3, strlen(line + 3), NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || len != LOGIN_CHALLENGE_BYTES) {
		fprintf(stderr, "ecoload: bad challenge\n");
		exit(1);
	}
	memcpy(msg + sizeof LOGIN_CONTEXT + LOGIN_CHALLENGE_BYTES, name, nlen);
	crypto_sign_detached(sig, NULL, msg, sizeof LOGIN_CONTEXT +
	    LOGIN_CHALLENGE_BYTES + nlen, sk);
	sodium_bin2base64(b64, sizeof b64, sig, sizeof sig,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(req, sizeof req, "AUTH %s\n", b64);
	peer_send(p, req);
	peer_ok(p, line, sizeof line, "AUTH");
}

/* The entries mode: see the top of the file. */
static int
entries(const char *path, const char *first, const char *last)
{
	static struct peer	 p;
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	char			 line[65536], name[64], req[128];
	long			 ndata = 0;

	peer_open(&p, path);
	peer_send(&p, "HELLO 1\n");
	peer_ok(&p, line, sizeof line, "HELLO");
	snprintf(name, sizeof name, "aud%08x", (unsigned int)randombytes_random());
	peer_send(&p, enrol_line("auditor", name, sk));
	peer_ok(&p, line, sizeof line, "ENROL");
	login(&p, name, sk);
	snprintf(req, sizeof req, "AUDIT-ENTRIES %s %s\nPING\n", first, last);
	peer_send(&p, req);
	for (;;) {
		peer_line(&p, line, sizeof line);
		if (line[0] != '*')
			break;
		ndata++;
	}
	printf("%ld data lines\n%s\n", ndata, line);
	peer_line(&p, line, sizeof line);
	printf("then: %s\n", line);
	return 0;
}

/* Returns the monotonic clock in microseconds. */
static long long
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Orders latencies, for qsort. */
static int
ll_cmp(const void *a, const void *b)
{
	long long	 x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* The book mode: see the top of the file. */
static int
book(const char *path, long nconn, long nbook)
{
	static struct peer	 peers[MAXCONN];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	struct pollfd		*pfd;
	long long		*lat, *sent, t0, t1;
	long			*slot, i, j, nslots = 0, next = 0, done = 0;
	char			 line[512], name[64], req[192], when[32];
	struct tm		 tm;
	time_t			 base;

	if (nconn < 1 || nconn > MAXCONN || nbook < 1 || nbook > 52 * 2016)
		return 2;
	slot = calloc((size_t)nbook + 52, sizeof *slot);
	lat = calloc((size_t)nbook, sizeof *lat);
	sent = calloc((size_t)nconn, sizeof *sent);
	pfd = calloc((size_t)nconn, sizeof *pfd);
	if (slot == NULL || lat == NULL || sent == NULL || pfd == NULL)
		return 1;
	peer_open(&peers[0], path);
	peer_send(&peers[0], "HELLO 1\n");
	peer_ok(&peers[0], line, sizeof line, "HELLO");
	snprintf(name, sizeof name, "book%08x",
	    (unsigned int)randombytes_random());
	peer_send(&peers[0], enrol_line("counsellor", name, sk));
	peer_ok(&peers[0], line, sizeof line, "ENROL");
	login(&peers[0], name, sk);
	base = (time(NULL) / 86400 + 3) * 86400;
	for (j = 0; nslots < nbook; j++) {
		time_t	 t = base + (j / 288) * 86400 + (j % 288) * 300;

		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M", &tm);
		snprintf(req, sizeof req, "AVAIL-ADD %s 5 52 presencial -\n",
		    when);
		peer_send(&peers[0], req);
		for (;;) {
			peer_line(&peers[0], line, sizeof line);
			if (line[0] != '*')
				break;
			slot[nslots++] = atol(line + 2);
		}
		if (strncmp(line, "OK", 2) != 0) {
			fprintf(stderr, "ecoload: AVAIL-ADD: %s\n", line);
			return 1;
		}
	}
	close(peers[0].fd);
	for (i = 0; i < nconn; i++) {
		peer_open(&peers[i], path);
		peer_send(&peers[i], "HELLO 1\n");
		peer_ok(&peers[i], line, sizeof line, "HELLO");
		pfd[i].fd = peers[i].fd;
		pfd[i].events = POLLIN;
	}
	t0 = now_us();
	for (i = 0; i < nconn && next < nbook; i++) {
		book_line(req, sizeof req, slot[next++]);
		sent[i] = now_us();
		peer_send(&peers[i], req);
	}
	while (done < nbook) {
		if (poll(pfd, (nfds_t)nconn, 30000) <= 0) {
			fprintf(stderr, "ecoload: no reply in 30 s\n");
			return 1;
		}
		for (i = 0; i < nconn; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			peer_line(&peers[i], line, sizeof line);
			if (strncmp(line, "OK", 2) != 0) {
				fprintf(stderr, "ecoload: BOOK: %s\n", line);
				return 1;
			}
			lat[done++] = now_us() - sent[i];
			if (next < nbook) {
				book_line(req, sizeof req, slot[next++]);
				sent[i] = now_us();
				peer_send(&peers[i], req);
			}
		}
	}
	t1 = now_us();
	qsort(lat, (size_t)nbook, sizeof *lat, ll_cmp);
	printf("booked %ld over %ld connections in %.3f s: %.0f bookings/s, "
	    "latency median %lld us, p99 %lld us\n", nbook, nconn,
	    (double)(t1 - t0) / 1e6, (double)nbook * 1e6 / (double)(t1 - t0),
	    lat[nbook / 2], lat[nbook * 99 / 100]);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct peer	 peers[MAXCONN];
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	char			 line[512], name[64], req[128], c;
	long			 n, i, size = 0;
	int			 notes;

	if (argc < 4 || sodium_init() < 0)
		return 2;
	if (strcmp(argv[1], "entries") == 0 && argc == 5)
		return entries(argv[2], argv[3], argv[4]);
	if (strcmp(argv[1], "book") == 0 && argc == 5)
		return book(argv[2], atol(argv[3]), atol(argv[4]));
	notes = strcmp(argv[1], "notes") == 0;
	n = atol(argv[3]);
	if ((!notes && strcmp(argv[1], "enrol") != 0) || n < 1 ||
	    (notes && (argc != 5 || n > MAXCONN || (size = atol(argv[4])) < 1)))
		return 2;
	peer_open(&peers[0], argv[2]);
	peer_send(&peers[0], "HELLO 1\n");
	peer_ok(&peers[0], line, sizeof line, "HELLO");
	if (!notes) {
		for (i = 0; i < n; i++) {
			snprintf(name, sizeof name, "fill%ld-%08x", i,
			    (unsigned int)randombytes_random());
			peer_send(&peers[0], enrol_line("counsellor", name, sk));
			peer_ok(&peers[0], line, sizeof line, "ENROL");
		}
		printf("enrolled %ld\n", n);
		return 0;
	}
	snprintf(name, sizeof name, "load%08x", (unsigned int)randombytes_random());
	peer_send(&peers[0], enrol_line("counsellor", name, sk));
	peer_ok(&peers[0], line, sizeof line, "ENROL");
	close(peers[0].fd);
	snprintf(req, sizeof req, "NOTE-BEGIN 1 - %ld\n", size);
	for (i = 0; i < n; i++) {
		peer_open(&peers[i], argv[2]);
		peer_send(&peers[i], "HELLO 1\n");
		peer_ok(&peers[i], line, sizeof line, "HELLO");
		login(&peers[i], name, sk);
		peer_send(&peers[i], req);
		peer_ok(&peers[i], line, sizeof line, "NOTE-BEGIN");
	}
	printf("held %ld\n", n);
	fflush(stdout);
	while (read(STDIN_FILENO, &c, 1) > 0)
		;
	return 0;
}
