/*
 * Decoding the daemon's reply lines. Every byte comes from the daemon,
 * which the client does not trust to be well-behaved: a line is taken as
 * a length, never as a C string, and what is kept of it is checked text.
 */
#include <stdlib.h>
#include <string.h>

#include "ecoctl.h"
#include "i18n.h"
#include "proto.h"
#include "wire.h"
#include "xmalloc.h"

/* Frees a reply's contents; the struct itself is the caller's. */
void
reply_free(struct reply *r)
{
	int	 i;

	for (i = 0; i < r->ndata; i++)
		wire_fields_free(&r->data[i]);
	free(r->data);
	wire_fields_free(&r->final);
	free(r->code);
	free(r->msg);
	memset(r, 0, sizeof *r);
}

/* Returns 1 if buf[0..len) starts with the word w followed by a space or
 * the end; *rest then points after that space. */
static int
reply_word(const char *buf, size_t len, const char *w, const char **rest,
    size_t *restlen)
{
	size_t	 n = strlen(w);

	if (len < n || memcmp(buf, w, n) != 0 || (len > n && buf[n] != ' '))
		return 0;
	*rest = len > n ? buf + n + 1 : buf + n;
	*restlen = len > n ? len - n - 1 : 0;
	return 1;
}

/* Fills r's ERR code and reason from "code reason..." (checked text). */
static int
reply_err(struct reply *r, const char *buf, size_t len, const char **why)
{
	const char	*sp;
	size_t		 n, i;

	sp = memchr(buf, ' ', len);
	n = sp == NULL ? len : (size_t)(sp - buf);
	for (i = 0; i < n && buf[i] >= 'a' && buf[i] <= 'z'; i++)
		;
	if (n == 0 || n > 32 || i != n) {
		*why = _("bad error code");
		return -1;
	}
	r->code = xstrndup(buf, n);
	r->msg = sp == NULL ? xstrdup("") :
	    xstrndup(sp + 1, len - n - 1);
	r->ok = 0;
	return 1;
}

/*
 * Decodes one reply line buf[0..len), without its LF and not
 * NUL-terminated (a CR before the end is dropped), into r: a data line
 * is appended to r->data, an OK line fills r->final, an ERR line r->code
 * and r->msg. Returns 0 for a data line, 1 for the final line, or -1 with
 * *why (static) when the line is not one of those or not clean text; r
 * keeps what it held, for reply_free.
 */
int
reply_parse_line(struct reply *r, const char *buf, size_t len,
    const char **why)
{
	struct wire_fields	 wf;
	const char		*rest;
	size_t			 n;

	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len > ECO_REPLY_LINE_MAX) {
		*why = _("reply line too long");
		return -1;
	}
	if (memchr(buf, '\0', len) != NULL ||
	    wire_check_text(buf, len, why) != 0) {
		if (memchr(buf, '\0', len) != NULL)
			*why = _("control character in line");
		return -1;
	}
	if (reply_word(buf, len, ECO_REPLY_DATA, &rest, &n) && rest != buf + 1) {
		if (r->ndata == ECO_REPLY_MAX / ECO_REPLY_LINE_COST) {
			*why = _("too many data lines");
			return -1;
		}
		if (wire_split(rest, n, ECO_MAX_FIELDS, &wf, why) != 0)
			return -1;
		/* Room doubles: r->data holds the next power of two. */
		if ((r->ndata & (r->ndata - 1)) == 0)
			r->data = xreallocarray(r->data, r->ndata == 0 ? 1 :
			    (size_t)r->ndata * 2, sizeof *r->data);
		r->data[r->ndata++] = wf;
		return 0;
	}
	if (reply_word(buf, len, ECO_REPLY_OK, &rest, &n)) {
		if (wire_split(rest, n, ECO_MAX_FIELDS, &wf, why) != 0)
			return -1;
		wire_fields_free(&r->final);
		r->final = wf;
		r->ok = 1;
		return 1;
	}
	if (reply_word(buf, len, ECO_REPLY_ERR, &rest, &n) && rest != buf + 3)
		return reply_err(r, rest, n, why);
	*why = _("unexpected reply line");
	return -1;
}
