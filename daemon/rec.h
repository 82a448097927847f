/*
 * Row encoding: the plaintext inside a sealed row. Fields in a fixed order
 * per table: integers big-endian, strings and bytes with a 32-bit length.
 * A reader that overruns, or that leaves bytes unread, fails. Fields added
 * to a layout later go at its end, read only while rec_more says bytes
 * remain, so that rows written before them still decode.
 */
#ifndef ECOD_REC_H
#define ECOD_REC_H

#include <stddef.h>
#include <stdint.h>

struct rec {
	unsigned char	*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 off;		/* reading position */
	int		 bad;		/* a read failed */
};

void	 rec_init(struct rec *);
void	 rec_free(struct rec *);
void	 rec_put_u8(struct rec *, unsigned int);
void	 rec_put_i64(struct rec *, int64_t);
void	 rec_put_bytes(struct rec *, const void *, size_t);
void	 rec_put_str(struct rec *, const char *);
void	 rec_read(struct rec *, const unsigned char *, size_t);
unsigned int rec_get_u8(struct rec *);
int64_t	 rec_get_i64(struct rec *);
size_t	 rec_get_bytes(struct rec *, const unsigned char **);
char	*rec_get_str(struct rec *, size_t);
int	 rec_more(const struct rec *);
int	 rec_done(struct rec *);

#endif
