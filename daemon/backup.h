/* Online backup: a consistent copy, checked, read by the client in pages. */
#ifndef ECOD_BACKUP_H
#define ECOD_BACKUP_H

struct args;
struct client;
struct ecod;

/* BACKUP-READ sends up to BACKUP_PAGE_LINES lines of BACKUP_LINE_BYTES
 * (base64: 64 KiB a line, 512 KiB a reply): less than a page of audit
 * entries, so the max_output_bytes check of config.c covers it. */
#define BACKUP_LINE_BYTES	49152
#define BACKUP_PAGE_LINES	8

void	cmd_backup(struct client *, const struct args *);
void	cmd_backup_read(struct client *, const struct args *);
void	cmd_backup_end(struct client *, const struct args *);
void	backup_client_gone(struct ecod *, struct client *);
void	backup_shutdown(struct ecod *);
void	backup_clean(const char *);
int	backup_copying(const struct ecod *);

#endif
