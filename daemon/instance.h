/* An instance: its data directory, database and keys, created or opened. */
#ifndef ECOD_INSTANCE_H
#define ECOD_INSTANCE_H

#include <sys/types.h>

#include <stdint.h>

struct config;

#define INSTANCE_ID_BYTES	16

struct instance {
	struct store	*store;
	struct seal	*seal;
	unsigned char	*audit_sk;	/* sodium_malloc'd Ed25519 secret */
	unsigned char	 audit_pk[32];
	unsigned char	 instance_id[INSTANCE_ID_BYTES];
	int64_t		 rows;		/* sealed rows at open */
	int		 lazy;		/* the model opens its own rows */
	char		*db_path;
	int		 lock_fd;
};

int		 instance_create(const struct config *, char **);
int		 instance_chown(const struct config *, uid_t, gid_t, char **);
struct instance	*instance_open(const struct config *, char **);
struct instance	*instance_open_serving(const struct config *, char **);
int		 instance_place(const struct config *, const char *, char **);
void		 instance_unplace(const struct config *);
void		 instance_close(struct instance *);

#endif
