/* Splitting and joining protocol lines. Every byte comes from outside. */
#include <stdlib.h>
#include <string.h>

#include "wire.h"
#include "xmalloc.h"

/*
 * Checks that s is well-formed UTF-8 (no overlong forms, no surrogates,
 * nothing past U+10FFFF) without control characters. Returns 0 or -1 with
 * *cause set to a static reason.
 */
int
wire_check_text(const char *s, size_t len, const char **cause)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned int		 cp, min;

	while (i < len) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f) {
				*cause = "control character in line";
				return -1;
			}
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 1; cp = p[i] & 0x1f; min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 2; cp = p[i] & 0x0f; min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 3; cp = p[i] & 0x07; min = 0x10000;
		} else
			goto bad;
		if (len - i <= n)
			goto bad;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		if (cp >= 0x80 && cp < 0xa0) {
			*cause = "control character in line";
			return -1;
		}
		i += n + 1;
	}
	return 0;
bad:
	*cause = "line is not valid UTF-8";
	return -1;
}

/* Appends field f to out, which must have room for maxfields. */
static void
wire_push(struct wire_fields *out, char *f)
{
	out->argv[out->argc++] = f;
	out->argv[out->argc] = NULL;
}

/*
 * Splits line (len bytes, no newline) into at most maxfields fields.
 * Returns 0 with out filled (free with wire_fields_free), or -1 with
 * *cause set to a static reason and out empty.
 */
int
wire_split(const char *line, size_t len, int maxfields,
    struct wire_fields *out, const char **cause)
{
	size_t	 i = 0, start;
	char	*f, *q;

	out->argc = 0;
	out->argv = xcalloc(maxfields + 1, sizeof *out->argv);
	if (memchr(line, '\0', len) != NULL) {
		*cause = "control character in line";
		goto fail;
	}
	if (wire_check_text(line, len, cause) != 0)
		goto fail;
	for (;;) {
		while (i < len && line[i] == ' ')
			i++;
		if (i == len)
			break;
		if (out->argc == maxfields) {
			*cause = "too many fields";
			goto fail;
		}
		if (line[i] != '"') {
			start = i;
			while (i < len && line[i] != ' ' && line[i] != '"')
				i++;
			if (i < len && line[i] == '"') {
				*cause = "quote inside a field";
				goto fail;
			}
			wire_push(out, xstrndup(line + start, i - start));
			continue;
		}
		f = q = xmalloc(len - i);
		for (i++; ; i++) {
			if (i == len) {
				free(f);
				*cause = "unterminated quoted field";
				goto fail;
			}
			if (line[i] == '"')
				break;
			if (line[i] == '\\') {
				if (i + 1 == len ||
				    (line[i + 1] != '\\' && line[i + 1] != '"')) {
					free(f);
					*cause = "bad escape in quoted field";
					goto fail;
				}
				i++;
			}
			*q++ = line[i];
		}
		*q = '\0';
		wire_push(out, f);
		i++;
		if (i < len && line[i] != ' ') {
			*cause = "quoted field not followed by a space";
			goto fail;
		}
	}
	return 0;
fail:
	wire_fields_free(out);
	return -1;
}

/* Frees what wire_split allocated; safe to call twice. */
void
wire_fields_free(struct wire_fields *wf)
{
	int	 i;

	if (wf->argv != NULL) {
		for (i = 0; i < wf->argc; i++) {
			/* a field may be a booking code: leave no copy */
			explicit_bzero(wf->argv[i], strlen(wf->argv[i]));
			free(wf->argv[i]);
		}
		free(wf->argv);
	}
	wf->argv = NULL;
	wf->argc = 0;
}

/* Returns 1 if s must be written quoted to split back to itself. */
int
wire_needs_quote(const char *s)
{
	return *s == '\0' || strpbrk(s, " \"") != NULL;
}

/*
 * Returns a new line (no newline) holding argc fields, quoted where needed,
 * that wire_split turns back into the same fields.
 */
char *
wire_join(int argc, char *const *argv)
{
	size_t	 len = 1;
	char	*out, *p;
	const char *s;
	int	 i;

	for (i = 0; i < argc; i++)
		len += 2 * strlen(argv[i]) + 3;
	p = out = xmalloc(len);
	for (i = 0; i < argc; i++) {
		if (i > 0)
			*p++ = ' ';
		if (!wire_needs_quote(argv[i])) {
			p = stpcpy(p, argv[i]);
			continue;
		}
		*p++ = '"';
		for (s = argv[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				*p++ = '\\';
			*p++ = *s;
		}
		*p++ = '"';
	}
	*p = '\0';
	return out;
}

/*
 * Returns 1 if s[0..len) is strict base64: only the RFC 4648 alphabet,
 * with at most two '=' at the end. libsodium's decoder also takes bytes
 * 0x80 to 0xff as digits, so two texts could decode to the same bytes.
 */
int
wire_b64_ok(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/')
			continue;
		if (s[i] != '=' || i + 2 < len)
			return 0;
	}
	return 1;
}
