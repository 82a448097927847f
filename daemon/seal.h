/* Sealing rows at rest under subkeys of the instance master key. */
#ifndef ECOD_SEAL_H
#define ECOD_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "sealed.h"

struct seal;

#define SEAL_INDEX_KEY_BYTES	32	/* crypto_generichash_KEYBYTES */

struct seal	*seal_create(const unsigned char *);
void		 seal_free(struct seal *);
void		 seal_set_index_key(struct seal *, const unsigned char *);
const unsigned char *seal_index_key(const struct seal *);
void		 seal_swap(struct seal *, struct seal *);
void		 seal_row(struct seal *, const char *, int64_t, const void *,
		    size_t, unsigned char *);
int		 seal_open_row(struct seal *, const char *, int64_t,
		    const unsigned char *, size_t, unsigned char *);
void		 seal_index(struct seal *, const char *, const void *, size_t,
		    unsigned char *);

#endif
