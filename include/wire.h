/*
 * The line format shared by requests and replies (docs/PROTOCOL.md):
 * fields separated by spaces; a field holding a space or a double quote,
 * or an empty one, is written inside double quotes with \\ and \" escapes.
 * A line is UTF-8 without control characters.
 */
#ifndef ECO_WIRE_H
#define ECO_WIRE_H

#include <stddef.h>

struct wire_fields {
	int	  argc;
	char	**argv;		/* argc strings, then NULL; all owned */
};

int	 wire_check_text(const char *, size_t, const char **);
int	 wire_split(const char *, size_t, int, struct wire_fields *,
	    const char **);
void	 wire_fields_free(struct wire_fields *);
char	*wire_join(int, char *const *);
int	 wire_needs_quote(const char *);
int	 wire_b64_ok(const char *, size_t);

#endif
