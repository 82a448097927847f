/* ecoctl: the thin client. */
#ifndef ECOCTL_H
#define ECOCTL_H

#include "wire.h"

/* Exit statuses of the command-line contract. */
#define EXIT_OK		0
#define EXIT_FAIL	1	/* the daemon or the system said no */
#define EXIT_USAGE	2

struct conn;

struct reply {
	int			 ok;		/* OK (1) or ERR (0) */
	char			*code;		/* ERR code */
	char			*msg;		/* ERR reason */
	struct wire_fields	 final;		/* fields after OK */
	struct wire_fields	*data;		/* "*" lines */
	int			 ndata;
};

struct ctl {
	const char	*socket;
	struct conn	*conn;		/* opened on first request */
};

struct ctl_cmd {
	const char	*name;		/* one or more words */
	int		 minargs;
	int		 maxargs;
	int		(*run)(struct ctl *, int, char **);
	const char	*usage;		/* the arguments */
	const char	*help;
};

struct conn	*conn_open(const char *, char **);
void		 conn_close(struct conn *);
int		 conn_request(struct conn *, int, char *const *, struct reply *,
		    char **);
void		 reply_free(struct reply *);

int		 ctl_request(struct ctl *, int, char *const *, struct reply *);
int		 ctl_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

int		 ctl_ping(struct ctl *, int, char **);
int		 ctl_stats(struct ctl *, int, char **);

#endif
