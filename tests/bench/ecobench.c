/*
 * ecobench: the benchmark's load generator and its raw limits. It speaks
 * the protocol directly on the daemon's socket, one request in flight per
 * connection, and prints one line of numbers per mode (bench.sh turns
 * them into the figures):
 *
 *   ecobench raw-ping SECONDS [CPU]     64-byte ping-pong between two
 *                                       processes on a Unix socket pair,
 *                                       the echoing one on CPU if given:
 *                                       "rate R"
 *   ecobench raw-sqlite DIR N ROWS      N transactions of ROWS ~300-byte
 *                                       rows into DIR/raw.db (WAL,
 *                                       synchronous=FULL): "rate R median US"
 *   ecobench ping SOCK SECONDS          PING round trips: "rate R"
 *   ecobench slots SOCK FROM TO WANT SECONDS
 *                                       SLOTS FROM TO round trips, each
 *                                       answering WANT slots: "rate R"
 *   ecobench book SOCK FIRST CONNS PER PING
 *                                       CONNS connections each book PER
 *                                       distinct slots, from id FIRST
 *                                       (connection j books FIRST + j,
 *                                       FIRST + j + CONNS, ...), while, if
 *                                       PING is 1, one more connection
 *                                       PINGs: "rate R median US ping-p99 US"
 *   ecobench idle SOCK N PID           PING median on one connection,
 *                                       then N connections opened (each
 *                                       says HELLO) and held, then the
 *                                       PING median again and process
 *                                       PID's (the daemon's) resident set:
 *                                       "conns N base-median US
 *                                       idle-median US rss-before KB
 *                                       rss KB"; N is cut to what the
 *                                       descriptor limit allows
 *   ecobench while SOCK CMD...          runs CMD while one connection
 *                                       PINGs: "secs S ping-p99 US
 *                                       ping-max US"; exits as CMD did
 *   ecobench avail SOCK NAME SKFILE N START...
 *                                       log in as counsellor NAME (key in
 *                                       SKFILE), AVAIL-ADD START 5 52 video
 *                                       for each START: "median US"
 *
 * Exits 0 if every request was answered OK, 1 otherwise (on stderr).
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sealed.h"
#include "../tools/bookline.h"

#define MAXCONN	1024

struct peer {
	int	 fd;
	char	 buf[65536];
	size_t	 len;
	size_t	 done;		/* requests answered */
	size_t	 want;		/* requests to send */
	double	 sent;		/* when the request in flight went */
};

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "ecobench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* Returns a monotonic time in seconds. */
static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dcmp(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Returns the q-quantile (0..1) of n values, sorting them. */
static double
quantile(double *v, size_t n, double q)
{
	size_t	 i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, dcmp);
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return v[i];
}

/* Connects to path and says HELLO. */
static void
peer_open(struct peer *p, const char *path)
{
	struct sockaddr_un	 sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	p->len = 0;
	if ((p->fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(p->fd, (struct sockaddr *)&sun, sizeof sun) != 0)
		die("connect: %s", strerror(errno));
}

/* Sends the string s. */
static void
peer_send(struct peer *p, const char *s)
{
	size_t	 len = strlen(s);
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(p->fd, s, len)) <= 0)
			die("write: %s", strerror(errno));
		s += n;
		len -= (size_t)n;
	}
}

/* Returns 1 and fills line if a whole line is buffered. */
static int
peer_take(struct peer *p, char *line, size_t size)
{
	char	*nl;
	size_t	 n;

	if ((nl = memchr(p->buf, '\n', p->len)) == NULL)
		return 0;
	n = (size_t)(nl - p->buf);
	snprintf(line, size, "%.*s", (int)n, p->buf);
	memmove(p->buf, nl + 1, p->len - n - 1);
	p->len -= n + 1;
	return 1;
}

/* Reads what is there into the buffer; dies at EOF. */
static void
peer_fill(struct peer *p)
{
	ssize_t	 r;

	if (p->len == sizeof p->buf ||
	    (r = read(p->fd, p->buf + p->len, sizeof p->buf - p->len)) <= 0)
		die("the daemon closed");
	p->len += (size_t)r;
}

/* Reads one reply line. */
static void
peer_line(struct peer *p, char *line, size_t size)
{
	while (!peer_take(p, line, size))
		peer_fill(p);
}

/* Reads a reply to its final line, which must be OK; returns the number
 * of data lines. */
static size_t
peer_ok(struct peer *p, char *line, size_t size, const char *what)
{
	size_t	 n = 0;

	for (;;) {
		peer_line(p, line, size);
		if (line[0] != '*')
			break;
		n++;
	}
	if (strncmp(line, "OK", 2) != 0)
		die("%s: %s", what, line);
	return n;
}

static void
peer_hello(struct peer *p, const char *path)
{
	char	 line[256];

	peer_open(p, path);
	peer_send(p, "HELLO 1\n");
	peer_ok(p, line, sizeof line, "HELLO");
}

/* The resident set of process pid in KB, from /proc. */
static long
rss_kb(long pid)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 kb = -1;

	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* The median of n PING round trips on p, in µs. */
static double
ping_median(struct peer *p, size_t n)
{
	double	*v = calloc(n, sizeof *v), t, m;
	char	 line[256];
	size_t	 i;

	if (v == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		t = now();
		peer_send(p, "PING\n");
		peer_ok(p, line, sizeof line, "PING");
		v[i] = (now() - t) * 1e6;
	}
	m = quantile(v, n, 0.5);
	free(v);
	return m;
}

/*
 * Opens n connections, each saying HELLO, holds them, and compares the
 * PING median (of 1000) of another connection before and after, with the
 * daemon's resident set.
 */
static int
idle(const char *sock, long n, long pid)
{
	static struct peer	 p, q;
	struct rlimit		 rl;
	char			 line[256];
	double			 base, loaded;
	long			 i, rss0, rss;
	int			*fds;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if ((rlim_t)n > rl.rlim_cur - 64)
			n = (long)rl.rlim_cur - 64;
	}
	if (n < 1 || (fds = calloc((size_t)n, sizeof *fds)) == NULL)
		die("idle: bad count");
	peer_hello(&p, sock);
	ping_median(&p, 200);			/* warm */
	base = ping_median(&p, 1000);
	rss0 = rss_kb(pid);
	for (i = 0; i < n; i++) {
		peer_open(&q, sock);
		peer_send(&q, "HELLO 1\n");
		fds[i] = q.fd;
	}
	for (i = 0; i < n; i++) {
		q.fd = fds[i];
		q.len = 0;
		peer_ok(&q, line, sizeof line, "HELLO");
	}
	loaded = ping_median(&p, 1000);
	rss = rss_kb(pid);
	printf("conns %ld base-median %.1f idle-median %.1f rss-before %ld "
	    "rss %ld\n", n, base, loaded, rss0, rss);
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	return 0;
}

/* 64-byte round trips to a child echoing them, for secs. */
static int
raw_ping(double secs, int cpu)
{
	cpu_set_t	 set;
	char	 buf[64];
	int	 sv[2];
	pid_t	 pid;
	long	 n = 0;
	double	 t0, t;

	memset(buf, 'x', sizeof buf);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		die("socketpair: %s", strerror(errno));
	if ((pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(sv[0]);
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (cpu >= 0 && sched_setaffinity(0, sizeof set, &set) != 0)
			die("sched_setaffinity: %s", strerror(errno));
		while (recv(sv[1], buf, sizeof buf, MSG_WAITALL) ==
		    (ssize_t)sizeof buf)
			if (write(sv[1], buf, sizeof buf) != (ssize_t)sizeof buf)
				break;
		_exit(0);
	}
	close(sv[1]);
	t0 = now();
	do {
		if (write(sv[0], buf, sizeof buf) != (ssize_t)sizeof buf ||
		    recv(sv[0], buf, sizeof buf, MSG_WAITALL) !=
		    (ssize_t)sizeof buf)
			die("raw ping: %s", strerror(errno));
		n++;
	} while ((t = now()) - t0 < secs);
	close(sv[0]);
	waitpid(pid, NULL, 0);
	printf("rate %.0f\n", (double)n / (t - t0));
	return 0;
}

/* ntx transactions of rows ~300-byte rows, as the store writes them. */
static int
raw_sqlite(const char *dir, long ntx, long rows)
{
	sqlite3		*db;
	sqlite3_stmt	*ins;
	unsigned char	 body[300];
	char		 path[4096];
	double		*lat, t0, t1, start;
	long		 i, k, id = 1;

	snprintf(path, sizeof path, "%s/raw.db", dir);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, tag BLOB UNIQUE,"
	    " body BLOB NOT NULL);", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO t (id, body) VALUES (?, ?)",
	    -1, &ins, NULL) != SQLITE_OK)
		die("sqlite: %s", sqlite3_errmsg(db));
	lat = calloc(ntx, sizeof *lat);
	start = now();
	for (i = 0; i < ntx; i++) {
		t0 = now();
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (k = 0; k < rows; k++) {
			randombytes_buf(body, sizeof body);
			sqlite3_bind_int64(ins, 1, id++);
			sqlite3_bind_blob(ins, 2, body, sizeof body,
			    SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				die("sqlite: %s", sqlite3_errmsg(db));
			sqlite3_reset(ins);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die("sqlite: %s", sqlite3_errmsg(db));
		t1 = now();
		lat[i] = (t1 - t0) * 1e6;
	}
	printf("rate %.0f median %.0f\n", (double)(ntx * rows) /
	    (now() - start), quantile(lat, ntx, 0.5));
	sqlite3_finalize(ins);
	sqlite3_close(db);
	free(lat);
	unlink(path);
	return 0;
}

/* One request in a loop, for secs; each answer must have want lines. */
static int
loop(const char *sock, const char *req, long want, double secs)
{
	static struct peer	 p;
	char			 line[1024];
	long			 n = 0;
	size_t			 got;
	double			 t0, t;

	peer_hello(&p, sock);
	t0 = now();
	do {
		peer_send(&p, req);
		if ((got = peer_ok(&p, line, sizeof line, req)) !=
		    (size_t)want)
			die("%s: %zu lines, not %ld", req, got, want);
		n++;
	} while ((t = now()) - t0 < secs);
	printf("rate %.0f\n", (double)n / (t - t0));
	return 0;
}

/*
 * The pinger of the book and while modes, in a child: PINGs until stop is
 * readable, then writes the p99 and the max of its round trips in µs to
 * out.
 */
static void
pinger(const char *sock, int stop, int out)
{
	static struct peer	 p;
	struct pollfd		 pfd = { stop, POLLIN, 0 };
	char			 line[256];
	double			*lat = NULL, t0, r[2];
	size_t			 n = 0, cap = 0;

	peer_hello(&p, sock);
	while (poll(&pfd, 1, 0) == 0) {
		t0 = now();
		peer_send(&p, "PING\n");
		peer_ok(&p, line, sizeof line, "PING");
		if (n == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			if ((lat = realloc(lat, cap * sizeof *lat)) == NULL)
				die("out of memory");
		}
		lat[n++] = (now() - t0) * 1e6;
	}
	r[0] = quantile(lat, n, 0.99);
	r[1] = quantile(lat, n, 1);
	if (write(out, r, sizeof r) != sizeof r)
		_exit(1);
	_exit(0);
}

/* Sends connection j's next BOOK. */
static void
book_next(struct peer *p, long first, long j, long conns)
{
	char	 req[160];

	book_line(req, sizeof req, first + j + (long)p->done * conns);
	p->sent = now();
	peer_send(p, req);
}

/* The book mode: see the top of the file. */
static int
book(const char *sock, long first, long conns, long per, int ping)
{
	static struct peer	 peers[MAXCONN];
	struct pollfd		 pfd[MAXCONN];
	char			 line[1024];
	double			*lat, t0, r[2] = { 0, 0 };
	long			 j, left = conns, nlat = 0;
	int			 stop[2], res[2], st;
	pid_t			 pid = 0;

	if (conns < 1 || conns > MAXCONN || per < 1)
		die("book: bad counts");
	if (pipe(stop) != 0 || pipe(res) != 0)
		die("pipe: %s", strerror(errno));
	if (ping && (pid = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (ping && pid == 0) {
		close(stop[1]);
		close(res[0]);
		pinger(sock, stop[0], res[1]);
	}
	close(stop[0]);
	close(res[1]);
	lat = calloc(conns * per, sizeof *lat);
	for (j = 0; j < conns; j++) {
		peer_hello(&peers[j], sock);
		peers[j].want = per;
		pfd[j].fd = peers[j].fd;
		pfd[j].events = POLLIN;
	}
	t0 = now();
	for (j = 0; j < conns; j++)
		book_next(&peers[j], first, j, conns);
	while (left > 0) {
		if (poll(pfd, conns, -1) == -1)
			die("poll: %s", strerror(errno));
		for (j = 0; j < conns; j++) {
			if (!(pfd[j].revents & (POLLIN | POLLHUP)))
				continue;
			peer_fill(&peers[j]);
			while (peer_take(&peers[j], line, sizeof line)) {
				if (strncmp(line, "OK", 2) != 0)
					die("BOOK: %s", line);
				lat[nlat++] = (now() - peers[j].sent) * 1e6;
				if (++peers[j].done == peers[j].want) {
					pfd[j].fd = -1;
					left--;
				} else
					book_next(&peers[j], first, j, conns);
			}
		}
	}
	t0 = now() - t0;
	close(stop[1]);
	if (ping && (read(res[0], r, sizeof r) != sizeof r ||
	    waitpid(pid, &st, 0) == -1 || st != 0))
		die("the pinger failed");
	printf("rate %.0f median %.0f ping-p99 %.0f\n", (double)nlat / t0,
	    quantile(lat, nlat, 0.5), r[0]);
	free(lat);
	return 0;
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
	    sodium_base64_VARIANT_ORIGINAL) != 0 || len != LOGIN_CHALLENGE_BYTES)
		die("bad challenge");
	memcpy(msg + sizeof LOGIN_CONTEXT + LOGIN_CHALLENGE_BYTES, name, nlen);
	crypto_sign_detached(sig, NULL, msg, sizeof LOGIN_CONTEXT +
	    LOGIN_CHALLENGE_BYTES + nlen, sk);
	sodium_bin2base64(b64, sizeof b64, sig, sizeof sig,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(req, sizeof req, "AUTH %s\n", b64);
	peer_send(p, req);
	peer_ok(p, line, sizeof line, "AUTH");
}

/* The avail mode: see the top of the file. */
static int
avail(const char *sock, const char *name, const char *skfile, int n,
    char **starts)
{
	static struct peer	 p;
	unsigned char		 sk[crypto_sign_SECRETKEYBYTES];
	char			 line[1024], req[256];
	double			*lat, t0;
	size_t			 got;
	int			 fd, i;

	if ((fd = open(skfile, O_RDONLY)) == -1 ||
	    read(fd, sk, sizeof sk) != sizeof sk)
		die("%s: cannot read the key", skfile);
	close(fd);
	peer_hello(&p, sock);
	login(&p, name, sk);
	lat = calloc(n, sizeof *lat);
	for (i = 0; i < n; i++) {
		snprintf(req, sizeof req, "AVAIL-ADD %s 5 52 video bench\n",
		    starts[i]);
		t0 = now();
		peer_send(&p, req);
		if ((got = peer_ok(&p, line, sizeof line, req)) != 52)
			die("AVAIL-ADD: %zu slots", got);
		lat[i] = (now() - t0) * 1e6;
	}
	printf("median %.0f\n", quantile(lat, n, 0.5));
	free(lat);
	return 0;
}

/*
 * Runs cmd (argv form) while another connection PINGs: its wall time and
 * the p99 and max of the PINGs meanwhile. Exits as cmd did.
 */
static int
during(const char *sock, char **cmd)
{
	double	 t0, t1, r[2];
	pid_t	 pp, cp;
	int	 stop[2], res[2], st;

	if (pipe(stop) != 0 || pipe(res) != 0)
		die("pipe: %s", strerror(errno));
	if ((pp = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (pp == 0) {
		close(stop[1]);
		close(res[0]);
		pinger(sock, stop[0], res[1]);
	}
	close(stop[0]);
	close(res[1]);
	t0 = now();
	if ((cp = fork()) == -1)
		die("fork: %s", strerror(errno));
	if (cp == 0) {
		execvp(cmd[0], cmd);
		_exit(127);
	}
	if (waitpid(cp, &st, 0) != cp)
		die("waitpid: %s", strerror(errno));
	t1 = now();
	close(stop[1]);
	if (read(res[0], r, sizeof r) != sizeof r ||
	    waitpid(pp, NULL, 0) != pp)
		die("the pinger failed");
	printf("secs %.2f ping-p99 %.0f ping-max %.0f\n", t1 - t0, r[0], r[1]);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	char	 req[256];

	if (argc < 3 || sodium_init() < 0)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(argv[1], "raw-ping") == 0 && (argc == 3 || argc == 4))
		return raw_ping(atof(argv[2]), argc == 4 ? atoi(argv[3]) : -1);
	if (strcmp(argv[1], "raw-sqlite") == 0 && argc == 5)
		return raw_sqlite(argv[2], atol(argv[3]), atol(argv[4]));
	if (strcmp(argv[1], "ping") == 0 && argc == 4)
		return loop(argv[2], "PING\n", 0, atof(argv[3]));
	if (strcmp(argv[1], "slots") == 0 && argc == 7) {
		snprintf(req, sizeof req, "SLOTS %s %s\n", argv[3], argv[4]);
		return loop(argv[2], req, atol(argv[5]), atof(argv[6]));
	}
	if (strcmp(argv[1], "book") == 0 && argc == 7)
		return book(argv[2], atol(argv[3]), atol(argv[4]),
		    atol(argv[5]), atoi(argv[6]));
	if (strcmp(argv[1], "while") == 0 && argc >= 4)
		return during(argv[2], argv + 3);
	if (strcmp(argv[1], "idle") == 0 && argc == 5)
		return idle(argv[2], atol(argv[3]), atol(argv[4]));
	if (strcmp(argv[1], "avail") == 0 && argc >= 7 &&
	    atoi(argv[5]) == argc - 6)
		return avail(argv[2], argv[3], argv[4], atoi(argv[5]), argv + 6);
usage:
	fprintf(stderr, "usage: see the top of tests/bench/ecobench.c\n");
	return 2;
}
