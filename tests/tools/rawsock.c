/*
 * rawsock: test tool that writes raw bytes to a Unix socket and prints
 * what comes back, for hostile-input tests that ecoctl cannot send.
 *
 *   rawsock [-q seconds] [-c count] socket < bytes
 *
 * Sends standard input on each of count connections (default 1). Without
 * -q, half-closes and prints everything until the daemon closes. With -q,
 * keeps the connections open, printing what arrives until seconds pass
 * with nothing new (or the daemon closes).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXCONN	1024

int
main(int argc, char **argv)
{
	static char		 in[16 * 1024 * 1024];
	struct sockaddr_un	 sun;
	struct pollfd		 pfd[MAXCONN];
	char			 buf[65536];
	size_t			 inlen = 0, off;
	ssize_t			 n;
	int			 ch, i, quiet = 0, count = 1, open_fds;

	while ((ch = getopt(argc, argv, "c:q:")) != -1) {
		switch (ch) {
		case 'c':
			count = atoi(optarg);
			break;
		case 'q':
			quiet = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || count < 1 || count > MAXCONN)
		return 2;
	while ((n = read(STDIN_FILENO, in + inlen, sizeof in - inlen)) > 0)
		inlen += (size_t)n;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", argv[optind]);
	for (i = 0; i < count; i++) {
		pfd[i].fd = socket(AF_UNIX, SOCK_STREAM, 0);
		pfd[i].events = POLLIN;
		if (pfd[i].fd == -1 || connect(pfd[i].fd,
		    (struct sockaddr *)&sun, sizeof sun) != 0) {
			perror("rawsock: connect");
			return 1;
		}
		for (off = 0; off < inlen; off += (size_t)n)
			if ((n = send(pfd[i].fd, in + off, inlen - off,
			    MSG_NOSIGNAL)) <= 0)
				break;
		if (!quiet)
			shutdown(pfd[i].fd, SHUT_WR);
	}
	open_fds = count;
	while (open_fds > 0) {
		if (poll(pfd, count, quiet ? quiet * 1000 : 30000) <= 0)
			break;
		for (i = 0; i < count; i++) {
			if (pfd[i].fd == -1 || pfd[i].revents == 0)
				continue;
			if ((n = read(pfd[i].fd, buf, sizeof buf)) <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			fwrite(buf, 1, (size_t)n, stdout);
			fflush(stdout);
		}
	}
	return 0;
}
