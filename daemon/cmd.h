/*
 * The command table: one entry a verb, with the template of its fields.
 * The dispatcher checks the handshake, the caller's role, the field count
 * and every field against its template before a handler runs, so handlers
 * receive typed values, no handler parses a field again, and every
 * malformed field gets the same error code and wording.
 */
#ifndef ECOD_CMD_H
#define ECOD_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "audit.h"

struct client;

#define CMD_PREHELLO	0x01	/* allowed before the handshake */
#define CMD_MEMORY	0x02	/* answered from memory, never the store */
#define CMD_MAXARGS	8	/* fields after the verb, at most */

/* What a field must be. */
enum arg_type {
	A_NONE = 0,	/* end of the template */
	A_ID,		/* a row id: 1 to 18 digits, not 0 */
	A_INT,		/* a whole number in [min, max] */
	A_TIME,		/* local "YYYY-MM-DDTHH:MM" in the instance's zone */
	A_DATE,		/* a local date (its midnight) or time */
	A_MODALITY,	/* presencial, telefono or video */
	A_WORD,		/* one of words[]; its index */
	A_LOOKUP,	/* a case's lookup token, or a version 1 code; a bad
			 * one is "no such code" */
	A_B64,		/* base64 of min to max bytes */
	A_PUBKEY,	/* base64 of an Ed25519 public key from ecoctl keygen */
	A_NAME,		/* an enrolled name: 1 to KEY_NAME_MAX of [A-Za-z0-9._-] */
	A_TEXT,		/* text of at most max bytes (the line is UTF-8) */
	A_WEEKDAYS,	/* "mon,wed,fri": a mask of 1 << tm_wday */
};

#define A_OPT	0x100	/* may be absent or "-" */

struct arg_spec {
	const char		*name;	/* in the usage and the error */
	int			 type;	/* A_* | A_OPT */
	long long		 min;
	long long		 max;
	const char *const	*words;	/* A_WORD */
};

/* A field as the handler gets it. */
struct arg {
	int		 set;	/* 0: absent or "-" */
	const char	*s;	/* the field as sent */
	int64_t		 i;	/* A_ID, A_INT, A_MODALITY, A_WORD index */
	time_t		 t;	/* A_TIME, A_DATE */
	unsigned char	*bin;	/* A_B64, A_LOOKUP: decoded; wiped when freed */
	size_t		 len;
	size_t		 cap;	/* bytes allocated at bin */
	int		 secret;	/* bin is sodium_malloc'd (A_LOOKUP) */
};

struct args {
	int		 n;
	struct arg	 v[CMD_MAXARGS];
	char		 actor[AUDIT_ACTOR_MAX];	/* whom its entries name */
};

struct cmd_entry {
	const char	*name;
	int		 roles;		/* ROLE_* bits, any of which allows */
	int		 flags;
	void		(*exec)(struct client *, const struct args *);
	struct arg_spec	 args[CMD_MAXARGS + 1];	/* ends with A_NONE */
};

extern const struct cmd_entry	cmd_table[];

void	cmd_dispatch(struct client *, int, char **);
int	cmd_memory_only(const char *);
char	*cmd_usage(const struct cmd_entry *);
void	cmd_refused(struct client *, const char *, const char *, int64_t);
struct sched_err;
void	reply_err(struct client *, const struct sched_err *);

void	cmd_hello(struct client *, const struct args *);
void	cmd_help(struct client *, const struct args *);
void	cmd_ping(struct client *, const struct args *);
void	cmd_info(struct client *, const struct args *);
void	cmd_quit(struct client *, const struct args *);
void	cmd_stats(struct client *, const struct args *);
void	cmd_login(struct client *, const struct args *);
void	cmd_auth(struct client *, const struct args *);
void	cmd_enrol(struct client *, const struct args *);
void	cmd_revoke(struct client *, const struct args *);
void	cmd_people(struct client *, const struct args *);
void	cmd_rekey(struct client *, const struct args *);
void	cmd_verify(struct client *, const struct args *);
void	cmd_purge(struct client *, const struct args *);
void	cmd_rotate_key(struct client *, const struct args *);
void	cmd_avail_add(struct client *, const struct args *);
void	cmd_avail_rm(struct client *, const struct args *);
void	cmd_avail_list(struct client *, const struct args *);
void	cmd_avail_block(struct client *, const struct args *);
void	cmd_slots(struct client *, const struct args *);
void	cmd_slotkey(struct client *, const struct args *);
void	cmd_book(struct client *, const struct args *);
void	cmd_book_new(struct client *, const struct args *);
void	cmd_status(struct client *, const struct args *);
void	cmd_cancel(struct client *, const struct args *);
void	cmd_reschedule(struct client *, const struct args *);
void	cmd_agenda(struct client *, const struct args *);
void	cmd_mark(struct client *, const struct args *);
void	cmd_mark_correct(struct client *, const struct args *);
void	cmd_message(struct client *, const struct args *);
void	cmd_case_set(struct client *, const struct args *);
void	cmd_msg_rcpt(struct client *, const struct args *);
void	cmd_msg_post(struct client *, const struct args *);
void	cmd_msg_thread(struct client *, const struct args *);
void	cmd_case_key(struct client *, const struct args *);
void	cmd_msg_send(struct client *, const struct args *);
void	cmd_msg_list(struct client *, const struct args *);
void	cmd_msg_open(struct client *, const struct args *);
void	cmd_session_cancel(struct client *, const struct args *);
void	cmd_day_booked(struct client *, const struct args *);
void	cmd_login_recovery(struct client *, const struct args *);
void	cmd_note_begin(struct client *, const struct args *);
void	cmd_note_data(struct client *, const struct args *);
void	cmd_note_end(struct client *, const struct args *);
void	cmd_note_list(struct client *, const struct args *);
void	cmd_note_open(struct client *, const struct args *);
void	cmd_recovery_key(struct client *, const struct args *);
void	cmd_audit_pubkey(struct client *, const struct args *);
void	cmd_audit_head(struct client *, const struct args *);
void	cmd_audit_entries(struct client *, const struct args *);
void	cmd_audit_consistency(struct client *, const struct args *);
void	cmd_audit_inclusion(struct client *, const struct args *);

#endif
