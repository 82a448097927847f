/*
 * The auditor's files and the audit bytes the daemon sends: decoders that
 * take buffers that are not NUL-terminated (fuzzed in tests/fuzz/), and
 * the writers of the export directory and the state file.
 */
#ifndef ECO_AUDITFILE_H
#define ECO_AUDITFILE_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "proto.h"

/* One line of an export's entries file: base64 of at most one entry. */
#define AUDITFILE_LINE_MAX	(((ECO_AUDIT_ENTRY_MAX) + 2) / 3 * 4)

/*
 * What an auditor remembers between verifications: the audit key, the
 * last head verified, and the tree root at each of the newest "backup
 * begun" entries whose backup ended "ok", and "restore" entries, that it
 * verified (AUDIT_STATE_BACKUPS of them), so that a restore to one of
 * those copies can be told from a rollback.
 */
#define AUDIT_STATE_BACKUPS	64
struct audit_point {
	uint64_t	 seq;
	int		 restore;	/* a restore entry, else a backup mark */
	int		 pending;	/* a mark whose backup has not ended ok */
	unsigned char	 root[MERKLE_HASH];
};
struct audit_state {
	char			*vkey;
	uint64_t		 size;
	unsigned char		 root[MERKLE_HASH];
	int			 has_frontier;	/* a state of old has none */
	struct merkle_frontier	 frontier;	/* the tree of size, for
						   the next verify */
	struct audit_point	 backups[AUDIT_STATE_BACKUPS];	/* by seq */
	int			 nbackups;
};

/* The state file is small; anything longer is not one of ours. */
#define AUDIT_STATE_MAX		(1024 + (64 + AUDIT_STATE_BACKUPS) * 80)

/* Called with each entry (seq from 1); returns 0, or -1 with *cause. */
typedef int (*audit_entry_cb)(void *, uint64_t, const unsigned char *,
    size_t, char **);

int	 audit_entry_decode(const char *, size_t, unsigned char *, size_t *);
int	 audit_entry_text(const unsigned char *, size_t);
char	*audit_head_body(const char *, size_t);
int	 auditfile_entries(const char *, size_t, int, uint64_t *, size_t *,
	    audit_entry_cb, void *, char **);
int	 audit_state_parse(const char *, size_t, struct audit_state *,
	    char **);
char	*audit_state_format(const struct audit_state *, size_t *);

int	 auditdir_open(const char *, int, int *, char **);
int	 auditdir_tmp(int, const char *, char **, char **);
int	 auditdir_commit(int, int, const char *, const char *, int, char **);
void	 auditdir_abort(int, int, const char *);
int	 auditdir_write_all(int, const void *, size_t);

#endif
