/*
 * The command table: one entry a verb. The dispatcher checks the
 * handshake, the field count and the caller's role before a handler runs,
 * so no handler has to, and none can forget to.
 */
#ifndef ECOD_CMD_H
#define ECOD_CMD_H

#include <stddef.h>
#include <stdint.h>

struct client;

#define CMD_PREHELLO	0x01	/* allowed before the handshake */

struct cmd_entry {
	const char	*name;
	int		 minargs;	/* fields after the verb */
	int		 maxargs;
	int		 roles;		/* ROLE_* bits, any of which allows */
	int		 flags;
	void		(*exec)(struct client *, int, char **);
	const char	*usage;
};

extern const struct cmd_entry	cmd_table[];

void	cmd_dispatch(struct client *, int, char **);
int	cmd_parse_id(const char *, int64_t *);
int	cmd_parse_int(const char *, int, int, int *);
const char *auth_actor(struct client *, char *, size_t);
void	cmd_refused(struct client *, const char *, const char *, int64_t);

void	cmd_hello(struct client *, int, char **);
void	cmd_help(struct client *, int, char **);
void	cmd_ping(struct client *, int, char **);
void	cmd_quit(struct client *, int, char **);
void	cmd_stats(struct client *, int, char **);
void	cmd_login(struct client *, int, char **);
void	cmd_auth(struct client *, int, char **);
void	cmd_enrol(struct client *, int, char **);
void	cmd_revoke(struct client *, int, char **);
void	cmd_avail_add(struct client *, int, char **);
void	cmd_avail_rm(struct client *, int, char **);
void	cmd_slots(struct client *, int, char **);
void	cmd_slotkey(struct client *, int, char **);
void	cmd_book(struct client *, int, char **);
void	cmd_status(struct client *, int, char **);
void	cmd_cancel(struct client *, int, char **);
void	cmd_reschedule(struct client *, int, char **);
void	cmd_agenda(struct client *, int, char **);
void	cmd_mark(struct client *, int, char **);
void	cmd_message(struct client *, int, char **);
void	cmd_login_recovery(struct client *, int, char **);
void	cmd_note_begin(struct client *, int, char **);
void	cmd_note_data(struct client *, int, char **);
void	cmd_note_end(struct client *, int, char **);
void	cmd_note_list(struct client *, int, char **);
void	cmd_note_open(struct client *, int, char **);
void	cmd_recovery_key(struct client *, int, char **);
void	cmd_audit_pubkey(struct client *, int, char **);
void	cmd_audit_head(struct client *, int, char **);
void	cmd_audit_entries(struct client *, int, char **);
void	cmd_audit_consistency(struct client *, int, char **);
void	cmd_audit_inclusion(struct client *, int, char **);

#endif
