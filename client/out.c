/*
 * Listings, in the three forms of the contract: piped, tab-separated lines
 * as DESIGN.md fixes them (wire words, "YYYY-MM-DD HH:MM"); on a terminal,
 * an aligned table for people, with a header, words in their language and
 * "-" for an empty field; with --json, one JSON document, an array of
 * objects keyed by the columns' names, with the wire's words and ISO times
 * (docs/PROTOCOL.md, "ecoctl's JSON").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecoctl.h"
#include "i18n.h"
#include "xmalloc.h"

struct out {
	struct ctl		*ctl;
	const struct out_col	*cols;
	int			 ncols;
	int			 mode;
	char			**cells;	/* the table's, row by row */
	size_t			 ncells;
	size_t			*w;		/* the table's column widths */
	int			 nrows;
	int			 headed;	/* the header was printed */
};

/* A table is printed in pieces of this many rows, so that a long one (the
 * audit log) is not held whole: widths only grow from piece to piece. */
#define OUT_TABLE_PIECE	512

enum { OUT_TSV, OUT_TABLE, OUT_JSON };

static void	table_flush(struct out *);

/* Starts a listing of ncols columns in the form the run asks for. */
struct out *
out_begin(struct ctl *ctl, const struct out_col *cols, int ncols)
{
	struct out	*o = xcalloc(1, sizeof *o);

	o->ctl = ctl;
	o->cols = cols;
	o->ncols = ncols;
	if (ctl->json)
		o->mode = OUT_JSON;
	else if (isatty(STDOUT_FILENO))
		o->mode = OUT_TABLE;
	else
		o->mode = OUT_TSV;
	if (o->mode == OUT_JSON)
		fputs("[", stdout);
	return o;
}

/* Writes the n bytes of s as a JSON string, NUL bytes too. */
static void
json_string(const char *s, size_t n)
{
	const char	*end = s + n;

	putchar('"');
	for (; s < end; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* 1 if s is a JSON number as the daemon writes them: -?[0-9]+. */
static int
is_integer(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '\0' || (*s == '0' && s[1] != '\0'))
		return 0;
	return strspn(s, "0123456789") == strlen(s) && strlen(s) < 19;
}

/* A cell for people. */
static char *
cell_human(struct out *o, const struct out_col *c, const char *v)
{
	char	 buf[256];

	if (*v == '\0')
		return xstrdup("-");
	switch (c->type) {
	case COL_TIME:
		human_time(v, buf, sizeof buf);
		return xstrdup(buf);
	case COL_WORD:
		return xstrdup(human_state(v));
	case COL_MODALITY:
		return xstrdup(human_modality(v));
	case COL_FLAG:
		/* TRANSLATORS: in a table, a booking has an intake message. */
		return xstrdup(strcmp(v, "-") == 0 ? "-" : _("yes"));
	default:
		return xstrdup(v);
	}
}

/* Adds one row of ncols values (wire text). */
void
out_row(struct out *o, char *const *v)
{
	out_row_len(o, v, NULL);
}

/*
 * Adds one row of ncols values; len, if not NULL, gives each value's
 * length, for text that may hold a NUL byte (JSON keeps it whole; the
 * other forms stop there).
 */
void
out_row_len(struct out *o, char *const *v, const size_t *len)
{
	const struct out_col	*c;
	int			 i;

	if (o->mode == OUT_JSON) {
		printf("%s\n {", o->nrows > 0 ? "," : "");
		for (i = 0; i < o->ncols; i++) {
			c = &o->cols[i];
			printf("%s\"%s\": ", i > 0 ? ", " : "", c->key);
			if (c->type == COL_NUM && is_integer(v[i]))
				fputs(v[i], stdout);
			else if (c->type == COL_NUM && *v[i] == '\0')
				fputs("null", stdout);
			else if (c->type == COL_FLAG)
				fputs(strcmp(v[i], "-") == 0 ? "false" : "true",
				    stdout);
			else
				json_string(v[i], len != NULL ? len[i] :
				    strlen(v[i]));
		}
		putchar('}');
	} else if (o->mode == OUT_TSV) {
		for (i = 0; i < o->ncols; i++) {
			if (i > 0)
				putchar('\t');
			if (o->cols[i].type == COL_TIME)
				ctl_print_time(v[i]);
			else
				fputs(v[i], stdout);
		}
		putchar('\n');
	} else {
		o->cells = xreallocarray(o->cells, o->ncells + (size_t)o->ncols,
		    sizeof *o->cells);
		for (i = 0; i < o->ncols; i++)
			o->cells[o->ncells++] = cell_human(o, &o->cols[i], v[i]);
		if (o->ncells >= (size_t)o->ncols * OUT_TABLE_PIECE)
			table_flush(o);
	}
	o->nrows++;
}

/* Characters, not bytes, of UTF-8 text: what a terminal column counts. */
static size_t
width(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Prints one table line of cells, padded to widths. */
static void
table_line(char *const *cells, const size_t *w, int ncols)
{
	int	 i;

	for (i = 0; i < ncols; i++) {
		fputs(cells[i], stdout);
		if (i + 1 < ncols)
			printf("%*s", (int)(w[i] - width(cells[i]) + 2), "");
	}
	putchar('\n');
}

/* Widens w to fit the n cells from c, a row of ncols at a time. */
static void
table_widths(size_t *w, char *const *c, size_t n, int ncols)
{
	size_t	 k;

	for (k = 0; k < n; k++)
		if (width(c[k]) > w[k % (size_t)ncols])
			w[k % (size_t)ncols] = width(c[k]);
}

/* Prints the rows held (the header first, once) and lets them go. */
static void
table_flush(struct out *o)
{
	char	**head, zone[96], buf[256];
	size_t	  k;
	int	  i;

	if (o->ncells == 0)
		return;
	head = xcalloc((size_t)o->ncols, sizeof *head);
	for (i = 0; i < o->ncols; i++) {
		if (o->cols[i].type == COL_TIME &&
		    ctl_info(o->ctl) != NULL) {
			human_zone(o->ctl->info->timezone, zone, sizeof zone);
			snprintf(buf, sizeof buf, "%s (%s)",
			    _(o->cols[i].header), zone);
			head[i] = xstrdup(buf);
		} else
			head[i] = xstrdup(_(o->cols[i].header));
	}
	if (o->w == NULL) {
		o->w = xcalloc((size_t)o->ncols, sizeof *o->w);
		table_widths(o->w, head, (size_t)o->ncols, o->ncols);
	}
	table_widths(o->w, o->cells, o->ncells, o->ncols);
	if (!o->headed)
		table_line(head, o->w, o->ncols);
	o->headed = 1;
	for (k = 0; k < o->ncells; k += (size_t)o->ncols)
		table_line(o->cells + k, o->w, o->ncols);
	for (k = 0; k < o->ncells; k++)
		free(o->cells[k]);
	o->ncells = 0;
	for (i = 0; i < o->ncols; i++)
		free(head[i]);
	free(head);
}

/* Ends the listing; empty (may be NULL) is said on a terminal when there
 * were no rows. Returns EXIT_OK. */
int
out_end(struct out *o, const char *empty)
{
	size_t	 k;

	if (o->mode == OUT_JSON)
		fputs(o->nrows > 0 ? "\n]\n" : "]\n", stdout);
	else if (o->mode == OUT_TABLE && o->nrows == 0 && empty != NULL)
		printf("%s\n", empty);
	else if (o->mode == OUT_TABLE)
		table_flush(o);
	for (k = 0; k < o->ncells; k++)
		free(o->cells[k]);
	free(o->cells);
	free(o->w);
	free(o);
	return EXIT_OK;
}

/* 1 if the listing is the piped, tab-separated form. */
int
out_piped(const struct out *o)
{
	return o->mode == OUT_TSV;
}

/* Lists the data lines of r, each with at least ncols fields (fewer: the
 * daemon misbehaved, and the line is skipped). */
int
out_reply(struct ctl *ctl, struct reply *r, const struct out_col *cols,
    int ncols, const char *empty)
{
	struct out	*o = out_begin(ctl, cols, ncols);
	int		 i;

	for (i = 0; i < r->ndata; i++)
		if (r->data[i].argc >= ncols)
			out_row(o, r->data[i].argv);
	return out_end(o, empty);
}

/* Lists the data lines of r as out_reply does, column i taken from field
 * pick[i]; a line without a field past its first min is given "" there
 * (an older daemon's), one with fewer is skipped. */
int
out_reply_pick(struct ctl *ctl, struct reply *r, const struct out_col *cols,
    int ncols, const int *pick, int min, const char *empty)
{
	struct out	*o = out_begin(ctl, cols, ncols);
	char		**v = xcalloc((size_t)ncols, sizeof *v);
	int		  i, k;

	for (i = 0; i < r->ndata; i++) {
		if (r->data[i].argc < min)
			continue;
		for (k = 0; k < ncols; k++)
			v[k] = pick[k] < r->data[i].argc ?
			    r->data[i].argv[pick[k]] : "";
		out_row(o, v);
	}
	free(v);
	return out_end(o, empty);
}

/* Length of the valid UTF-8 sequence at p (of n bytes), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t	 want, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		want = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		want = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		want = 4;
	else
		return 0;
	if (want > n)
		return 0;
	for (i = 1; i < want; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((want == 3 && p[0] == 0xe0 && p[1] < 0xa0) ||
	    (want == 3 && p[0] == 0xed && p[1] > 0x9f) ||
	    (want == 4 && p[0] == 0xf0 && p[1] < 0x90) ||
	    (want == 4 && p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return want;
}

/*
 * Writes the len bytes of text that others wrote: piped, byte for byte;
 * on a terminal, with control characters (C0 but newline and tab, DEL,
 * C1) and bytes that are not UTF-8 shown as \xHH, so no escape sequence
 * reaches the terminal, and each line after indent, so a text cannot pass
 * for what ecoctl prints around it.
 */
void
out_text(const unsigned char *text, size_t len, const char *indent)
{
	size_t	 i, k;
	int	 bol = 1;

	if (!isatty(STDOUT_FILENO)) {
		fwrite(text, 1, len, stdout);
		return;
	}
	for (i = 0; i < len; i += k) {
		if (bol && indent != NULL)
			fputs(indent, stdout);
		bol = 0;
		k = 1;
		if (text[i] == '\n') {
			putchar('\n');
			bol = 1;
		} else if (text[i] == '\t' || (text[i] >= 0x20 &&
		    text[i] < 0x7f))
			putchar(text[i]);
		else if (text[i] < 0x80)
			printf("\\x%02x", text[i]);
		else if ((k = utf8_len(text + i, len - i)) == 0 ||
		    (text[i] == 0xc2 && text[i + 1] < 0xa0)) {
			if (k == 2)
				printf("\\x%02x\\x%02x", text[i], text[i + 1]);
			else {
				printf("\\x%02x", text[i]);
				k = 1;
			}
		} else
			fwrite(text + i, 1, k, stdout);
	}
}
