/*
 * The daemon's reasons, in the reader's language. An ERR line's reason is
 * English, made by ecod from a format and values ("minutes must be 5 to
 * 480"). The catalogue holds those formats as msgids; so does this client,
 * as the list the build takes from the daemon's sources (reasons.inc, made
 * by xgettext from its client_err and sched_errf calls). A reason is matched
 * against each format, its values picked out, and the translated format
 * filled with them. A reason that matches none is shown as it came.
 */
#include <stdio.h>
#include <string.h>

#include "ecoctl.h"
#include "i18n.h"

static const char *const reasons[] = {
#include "reasons.inc"
	NULL
};

#define REASON_VALUES	8

struct capture {
	const char	*at;
	size_t		 len;
};

/* Parses the conversion at fmt ('%' there): its length, its position if it
 * says one (%2$s: 2; else 0), and whether it takes text (s) or a number.
 * Returns 0 for "%%" or anything this does not know. */
static size_t
conversion(const char *fmt, int *pos, int *text)
{
	const char	*p = fmt + 1;
	int		 n = 0;

	*pos = 0;
	while (*p >= '0' && *p <= '9')
		n = n * 10 + (*p++ - '0');
	if (*p == '$') {
		*pos = n;
		p++;
	} else
		p = fmt + 1;
	p += strspn(p, "-+ #0");
	p += strspn(p, "0123456789");
	if (*p == '.')
		p += 1 + strspn(p + 1, "0123456789");
	p += strspn(p, "hlzjt");
	if (*p == 's')
		*text = 1;
	else if (*p != '\0' && strchr("diuxX", *p) != NULL)
		*text = 0;
	else
		return 0;
	return (size_t)(p + 1 - fmt);
}

/* Matches msg against fmt, filling cap (n so far); 1 if it matches. */
static int
match(const char *fmt, const char *msg, struct capture *cap, int n)
{
	size_t	 len, k;
	int	 pos, text;

	for (;;) {
		if (*fmt == '\0')
			return *msg == '\0';
		if (*fmt == '%' && fmt[1] == '%') {
			if (*msg != '%')
				return 0;
			fmt += 2;
			msg++;
			continue;
		}
		if (*fmt != '%') {
			if (*fmt++ != *msg++)
				return 0;
			continue;
		}
		if ((len = conversion(fmt, &pos, &text)) == 0 ||
		    n == REASON_VALUES)
			return 0;
		cap[n].at = msg;
		if (!text) {
			k = *msg == '-';
			k += strspn(msg + k, "0123456789abcdefABCDEF");
			if (k == 0 || (k == 1 && *msg == '-'))
				return 0;
			cap[n].len = k;
			return match(fmt + len, msg + k, cap, n + 1);
		}
		/* Text: the shortest that lets the rest match. */
		for (k = 0; ; k++) {
			cap[n].len = k;
			if (match(fmt + len, msg + k, cap, n + 1))
				return 1;
			if (msg[k] == '\0')
				return 0;
		}
	}
}

/* Writes fmt (a translation) into buf with each conversion replaced by its
 * captured value, in order or by position. */
static void
fill(const char *fmt, const struct capture *cap, int n, char *buf,
    size_t size)
{
	size_t	 used = 0, len;
	int	 next = 0, pos, text, i;

	for (; *fmt != '\0' && used + 1 < size; fmt++) {
		if (*fmt == '%' && fmt[1] == '%') {
			buf[used++] = '%';
			fmt++;
			continue;
		}
		if (*fmt != '%' || (len = conversion(fmt, &pos, &text)) == 0) {
			buf[used++] = *fmt;
			continue;
		}
		i = pos > 0 ? pos - 1 : next++;
		if (i < n)
			used += (size_t)snprintf(buf + used, size - used, "%.*s",
			    (int)cap[i].len, cap[i].at);
		if (used >= size)
			used = size - 1;
		fmt += len - 1;
	}
	buf[used] = '\0';
}

/* How many values fmt takes; -1 if it has too many, or too few characters
 * of its own to tell one reason from another ("%s", "%s: %s"). */
static int
values(const char *fmt)
{
	size_t	 len, own = 0;
	int	 n = 0, pos, text;

	for (; *fmt != '\0'; fmt++) {
		if (*fmt == '%' && fmt[1] == '%')
			fmt++;
		else if (*fmt == '%' && (len = conversion(fmt, &pos, &text)) > 0) {
			n++;
			fmt += len - 1;
		} else if (*fmt != ' ' && *fmt != ':')
			own++;
	}
	return n > REASON_VALUES || own < 4 ? -1 : n;
}

/* Returns the daemon's reason msg for the reader: the catalogue's
 * translation, or buf filled from a translated format, or msg itself. */
const char *
ctl_reason(const char *msg, char *buf, size_t size)
{
	struct capture	 cap[REASON_VALUES];
	const char	*t;
	size_t		 i;
	int		 n;

	if ((t = _(msg)) != msg)
		return t;
	for (i = 0; reasons[i] != NULL; i++) {
		if ((n = values(reasons[i])) <= 0 ||
		    !match(reasons[i], msg, cap, 0))
			continue;
		if ((t = _(reasons[i])) == reasons[i])
			return msg;
		fill(t, cap, n, buf, size);
		return buf;
	}
	return msg;
}
