/*
 * The row layouts the daemon writes inside sealed rows, as the loaders in
 * daemon/sched.c, daemon/booking.c and daemon/notes.c read them, for the
 * rec and seal targets. A layout is a string: 'b' a byte, 'q' a 64-bit
 * integer, 'n' a name (string of at most 64), 'l' a location (string of
 * at most ECO_LOCATION_MAX), 'j' join details (a string of at most
 * ECO_JOIN_MAX), 'k' a 32-byte key, 'm' bytes, 'N' a sealed
 * note (bytes whose note header parses). Fields after a '|' were added
 * later: a row may end before them (rec_more), as older rows do.
 */
#ifndef ECO_FUZZ_ROWS_H
#define ECO_FUZZ_ROWS_H

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "notehdr.h"
#include "proto.h"
#include "rec.h"

static const struct {
	const char	*table;
	const char	*layout;
} fuzz_rows[] = {
	{ "counsellors",	"bbnkq" },
	{ "slots",		"qqqbbl|j" },
	{ "cases",		"q" },
	{ "bookings",		"qqbqm|qqq" },
	{ "notes",		"qqqqqN" },
};
#define FUZZ_NROWS	(sizeof fuzz_rows / sizeof fuzz_rows[0])

/*
 * Decodes row p (len bytes) under layout as the daemon does. Returns 0 if
 * it decodes; then encoding the fields read gives back the same bytes.
 */
static inline int
fuzz_row_decode(const char *layout, const unsigned char *p, size_t len)
{
	struct rec		 r, w;
	struct note_hdr		 h;
	const unsigned char	*b;
	const char		*c;
	char			*s;
	size_t			 n;
	int			 rc;

	rec_read(&r, p, len);
	rec_init(&w);
	for (c = layout; *c != '\0'; c++) {
		if (*c == '|' && !rec_more(&r))
			break;
		switch (*c) {
		case 'b':
			rec_put_u8(&w, rec_get_u8(&r));
			break;
		case 'q':
			rec_put_i64(&w, rec_get_i64(&r));
			break;
		case 'n':
		case 'l':
		case 'j':
			s = rec_get_str(&r, *c == 'n' ? 64 : *c == 'l' ?
			    ECO_LOCATION_MAX : ECO_JOIN_MAX);
			FUZZ_ASSERT(s != NULL);
			rec_put_str(&w, s);
			free(s);
			break;
		case 'k':
		case 'm':
		case 'N':
			n = rec_get_bytes(&r, &b);
			FUZZ_ASSERT(b != NULL || n == 0);
			if (b != NULL)
				FUZZ_ASSERT(b >= p && n <= len &&
				    (size_t)(b - p) <= len - n);
			if (*c == 'k' && n != 32)
				r.bad = 1;
			if (*c == 'N' && note_hdr_parse(b, n, &h) != 0)
				r.bad = 1;
			rec_put_bytes(&w, b, n);
			break;
		}
		FUZZ_ASSERT(r.off <= r.len);
	}
	rc = rec_done(&r);
	if (rc == 0)
		FUZZ_ASSERT(w.len == len && (len == 0 ||
		    memcmp(w.buf, p, len) == 0));
	rec_free(&w);
	return rc;
}

#endif
