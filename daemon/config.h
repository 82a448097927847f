/* The daemon's configuration: one table of settings, libconfig syntax. */
#ifndef ECOD_CONFIG_H
#define ECOD_CONFIG_H

#include <sys/types.h>

struct config {
	char	*path;			/* the file read */
	char	*socket;
	char	*socket_group;		/* "" for the daemon's own group */
	char	*data_dir;
	char	*master_key_file;
	int	 master_key_passphrase;
	char	*timezone;
	uid_t	*admin_uids;
	int	 nadmin_uids;
	char	*recovery_public_key;
	int	 min_notice_minutes;
	int	 cancel_window_minutes;
	int	 buffer_minutes;	/* between a counsellor's slots */
	int	 mark_correction_minutes;	/* 0: marks stay as made */
	int	 retention_days;
	int	 note_retention_days;	/* >= retention_days */
	int	 max_connections;
	int	 max_line_bytes;
	int	 idle_timeout_seconds;
	int	 request_timeout_seconds;
	int	 max_connections_per_uid;	/* 0: no cap */
	int	 admin_reserved_connections;
	int	 max_output_bytes;
	int	 max_bookings_per_connection;
	int	 max_bookings_per_uid_hour;
	int	 max_note_bytes;
	int	 max_message_bytes;
	int	 max_messages_per_case;
	int	 max_worker_bytes_per_case;
	int	 login_failures_per_uid;	/* a window, then one try a conn */
	int	 login_failures_global;
	int	 audit_refusals_per_window;	/* entries, then summaries */
	int	 audit_window_seconds;
	char	*log;			/* "stderr" or "syslog" */
	char	*ical_summary;		/* the worker's calendar event title */
};

/* Descriptors ecod holds besides its connections (stdio, socket, database,
 * event base, log, the spare kept for refusing connections). */
#define CONFIG_FD_RESERVE	32

struct config	*config_load(const char *, char **);
size_t		 config_note_reply_bytes(int);
void		 config_free(struct config *);

#endif
