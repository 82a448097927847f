/* The instance master key: a key file, or an operator passphrase. */
#ifndef ECOD_KEYS_H
#define ECOD_KEYS_H

#include <stddef.h>

struct store_kdf;

/* systemd credentials ($CREDENTIALS_DIRECTORY) that carry the key. */
#define KEY_CRED_FILE		"master.key"
#define KEY_CRED_PASSPHRASE	"master-passphrase"

unsigned char	*key_alloc(size_t);
int		 key_file_create(const char *, unsigned char *, char **);
int		 key_file_read(const char *, unsigned char *, char **);
int		 key_read(const char *, unsigned char *, char **);
int		 key_from_credential(void);
char		*key_file_sibling(const char *, const char *);
int		 key_dir_sync(const char *, char **);
int		 key_file_promote(const char *, char **);
char		*passphrase_read(const char *, int, char **);
int		 passphrase_derive(const char *, const struct store_kdf *,
		    unsigned char *, char **);
void		 passphrase_kdf_new(struct store_kdf *);

#endif
