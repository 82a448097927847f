/* ecoctl: the thin client. */
#ifndef ECOCTL_H
#define ECOCTL_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

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

/* What INFO says (info.c). */
struct ctl_info {
	char		*timezone;
	char		*instance;
	char		*ical_summary;
	int		 min_notice_minutes;	/* -1: not said */
	int		 cancel_window_minutes;	/* -1: not said */
};

struct ctl {
	const char		*socket;
	struct conn		*conn;		/* opened on first request */
	const char		*key;		/* --key, ECO_KEY */
	const char		*passfile;	/* --passphrase-file, ... */
	const struct ctl_cmd	*cmd;
	struct keyfile		*kf;		/* unlocked by ctl_login */
	char			*kf_path;	/* the file kf came from */
	int			 logged_in;	/* on conn, with kf */
	struct conn		*held;		/* the shell's logged-in one */
	int			 refused_usage;	/* ERR usage or invalid */
	int			 json;		/* --json */
	const char		*codefile;	/* --code-file */
	int			 showcode;	/* --show-code */
	int			 in_shell;	/* a line of ecoctl shell */
	struct wcode		*wc;		/* a worker command's code */
	const char		*ref;		/* and its lookup field */
	const char		*slot;		/* and slot */
	/* Says what an ERR means for this command, instead of the daemon's
	 * reason: 1 if it did. ctl_request calls it once, then clears it. */
	int			(*explain)(struct ctl *, struct reply *);
	struct ctl_info		*info;		/* ctl_info's */
	int			 info_failed;
};

struct ctl_cmd {
	const char	*name;		/* one or more words */
	int		(*run)(struct ctl *, int, char **);
	const char	*usage;		/* options and arguments */
	const char	*help;
	const char	*example;	/* one command line, as typed */
	int		 flags;
};
#define CTL_LIST	0x1	/* a listing: takes --json */
#define CTL_CODE	0x2	/* takes a booking code: --code-file, --show-code */

/* A listing's column (out.c): its JSON key, its header for people (to be
 * translated), and how people read it. */
struct out_col {
	const char	*key;
	const char	*header;
	int		 type;
};
enum { COL_TEXT, COL_NUM, COL_TIME, COL_WORD, COL_MODALITY, COL_FLAG };
struct out;

/* How ctl_verb lists a reply: columns, and what a terminal shows for none
 * (marked with N_, translated when shown). */
#define NCOLS(c)	((int)(sizeof (c) / sizeof (c)[0]))
struct listing {
	const struct out_col	*cols;
	int			 ncols;
	const char		*empty;
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
int		 ctl_simple(struct ctl *, int, char **);
int		 ctl_worker_explain(struct ctl *, struct reply *);
const char	*ctl_reason(const char *, char *, size_t);
int		 ctl_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

int		 ctl_usage(struct ctl *);
int		 ctl_parse(struct ctl *, int, char **, const char *const *,
		    char **, int, int);
int		 ctl_login(struct ctl *);
int		 ctl_dispatch(struct ctl *, int, char **);
int		 ctl_shell(struct ctl *, int, char **);
int		 ctl_needs_key(struct ctl *);
int		 ctl_unlock(struct ctl *, const char *, const char *);
void		 ctl_lock(struct ctl *);
int		 ctl_answer(struct ctl *, char *, char *, const char *);
int		 ctl_verb(struct ctl *, int, char **, char *, int, int,
		    const struct listing *);
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
int		 ctl_avail_list(struct ctl *, int, char **);
int		 ctl_avail_block(struct ctl *, int, char **);
int		 ctl_slots(struct ctl *, int, char **);
int		 ctl_book(struct ctl *, int, char **);
int		 ctl_status(struct ctl *, int, char **);
int		 ctl_cancel(struct ctl *, int, char **);
int		 ctl_reschedule(struct ctl *, int, char **);
int		 ctl_agenda(struct ctl *, int, char **);
int		 ctl_mark(struct ctl *, int, char **);
int		 ctl_message(struct ctl *, int, char **);
int		 ctl_messages(struct ctl *, int, char **);
int		 ctl_reply(struct ctl *, int, char **);
int		 ctl_message_send(struct ctl *, int, char **);
int		 ctl_message_list(struct ctl *, int, char **);
int		 ctl_message_open(struct ctl *, int, char **);
int		 ctl_session_cancel(struct ctl *, int, char **);
int		 ctl_code(struct ctl *, char *);
void		 ctl_code_free(struct ctl *);
void		 ctl_book_case_key(struct ctl *);
int		 ctl_login_recovery(struct ctl *, const char *);
int		 ctl_login_staff(struct ctl *, const char *);
int		 ctl_note_write(struct ctl *, int, char **);
int		 ctl_note_list(struct ctl *, int, char **);
int		 ctl_note_open(struct ctl *, int, char **);
int		 ctl_passwd(struct ctl *, int, char **);
int		 ctl_audit_pubkey(struct ctl *, int, char **);
int		 ctl_audit_log(struct ctl *, int, char **);
int		 ctl_audit_verify(struct ctl *, int, char **);
int		 ctl_audit_export(struct ctl *, int, char **);
int		 ical_export(struct ctl *, int, char **, int);
int		 ical_wanted(int, char **);
int		 ical_status(struct ctl *, int, char **);

struct out	*out_begin(struct ctl *, const struct out_col *, int);
void		 out_row(struct out *, char *const *);
void		 out_row_len(struct out *, char *const *, const size_t *);
void		 out_text(const unsigned char *, size_t, const char *);
int		 out_end(struct out *, const char *);
int		 out_piped(const struct out *);
int		 out_reply(struct ctl *, struct reply *, const struct out_col *,
		    int, const char *);
int		 out_reply_pick(struct ctl *, struct reply *,
		    const struct out_col *, int, const int *, int, const char *);

struct ctl_info	*ctl_info(struct ctl *);
void		 ctl_info_free(struct ctl *);
time_t		 ctl_local_seconds(const char *);
void		 ctl_local_time(time_t, char *, size_t);
void		 human_time(const char *, char *, size_t);
void		 human_zone(const char *, char *, size_t);
void		 human_time_zone(struct ctl *, const char *, char *, size_t);
const char	*human_modality(const char *);
const char	*human_state(const char *);

#endif
