/*
 * The command table: one entry a verb. The dispatcher checks the
 * handshake, the field count and the caller's role before a handler runs,
 * so no handler has to, and none can forget to.
 */
#ifndef ECOD_CMD_H
#define ECOD_CMD_H

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

void	cmd_hello(struct client *, int, char **);
void	cmd_help(struct client *, int, char **);
void	cmd_ping(struct client *, int, char **);
void	cmd_quit(struct client *, int, char **);
void	cmd_stats(struct client *, int, char **);

#endif
