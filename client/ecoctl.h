/* ecoctl: the thin client. */
#ifndef ECOCTL_H
#define ECOCTL_H

#include <stddef.h>
#include <stdio.h>

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

struct ctl_cmd;
struct keyfile;

struct ctl {
	const char		*socket;
	struct conn		*conn;		/* opened on first request */
	const char		*key;		/* --key, ECO_KEY */
	const char		*passfile;	/* --passphrase-file, ... */
	const struct ctl_cmd	*cmd;
	struct keyfile		*kf;		/* unlocked by ctl_login */
	int			 refused_usage;	/* ERR usage or invalid */
};

struct ctl_cmd {
	const char	*name;		/* one or more words */
	int		(*run)(struct ctl *, int, char **);
	const char	*usage;		/* options and arguments */
	const char	*help;
	const char	*example;	/* one command line, as typed */
};

struct conn	*conn_open(const char *, char **);
void		 conn_close(struct conn *);
int		 conn_send(struct conn *, int, char *const *, char **);
int		 conn_receive(struct conn *, struct reply *, char **);
int		 conn_request(struct conn *, int, char *const *, struct reply *,
		    char **);
void		 reply_free(struct reply *);
int		 reply_parse_line(struct reply *, const char *, size_t,
		    const char **);

int		 ctl_request(struct ctl *, int, char *const *, struct reply *);
int		 ctl_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

int		 ctl_usage(struct ctl *);
int		 ctl_parse(struct ctl *, int, char **, const char *const *,
		    char **, int, int);
int		 ctl_login(struct ctl *);
int		 ctl_unlock(struct ctl *, const char *, const char *);
int		 ctl_answer(struct ctl *, char *, char *, const char *);
int		 ctl_verb(struct ctl *, int, char **, char *, int, int,
		    void (*)(struct wire_fields *));
char		*ctl_passphrase(struct ctl *, const char *, int);
char		*ctl_read_file(const char *, size_t, size_t *);
void		 ctl_print_time(const char *);

int		 ctl_ping(struct ctl *, int, char **);
int		 ctl_stats(struct ctl *, int, char **);
int		 ctl_purge(struct ctl *, int, char **);
int		 ctl_backup(struct ctl *, int, char **);
int		 ctl_keygen(struct ctl *, int, char **);
int		 ctl_role_key(struct ctl *, int, char **, char *, char *);
int		 ctl_enrol_counsellor(struct ctl *, int, char **);
int		 ctl_enrol_auditor(struct ctl *, int, char **);
int		 ctl_revoke(struct ctl *, int, char **);
int		 ctl_people(struct ctl *, int, char **);
int		 ctl_rekey_counsellor(struct ctl *, int, char **);
int		 ctl_rekey_auditor(struct ctl *, int, char **);
int		 ctl_admin_audit_pubkey(struct ctl *, int, char **);
int		 ctl_admin_verify(struct ctl *, int, char **);
int		 ctl_rotate_key(struct ctl *, int, char **);
int		 ctl_avail_add(struct ctl *, int, char **);
int		 ctl_avail_rm(struct ctl *, int, char **);
int		 ctl_slots(struct ctl *, int, char **);
int		 ctl_book(struct ctl *, int, char **);
int		 ctl_status(struct ctl *, int, char **);
int		 ctl_cancel(struct ctl *, int, char **);
int		 ctl_reschedule(struct ctl *, int, char **);
int		 ctl_agenda(struct ctl *, int, char **);
int		 ctl_mark(struct ctl *, int, char **);
int		 ctl_message(struct ctl *, int, char **);
int		 ctl_note_write(struct ctl *, int, char **);
int		 ctl_note_list(struct ctl *, int, char **);
int		 ctl_note_open(struct ctl *, int, char **);
int		 ctl_passwd(struct ctl *, int, char **);
int		 ctl_audit_pubkey(struct ctl *, int, char **);
int		 ctl_audit_log(struct ctl *, int, char **);
int		 ctl_audit_verify(struct ctl *, int, char **);
int		 ctl_audit_export(struct ctl *, int, char **);
void		 ical_write(FILE *, struct reply *);

#endif
