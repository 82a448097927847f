/*
 * Reading passphrases into sodium_malloc'd memory, wiped when freed: one
 * line from a file or stream, or from the terminal with echo off. Never
 * from the environment or the command line, which other users can see.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>

#include "passphrase.h"
#include "i18n.h"
#include "xmalloc.h"

/* Returns PASSPHRASE_MAX bytes of guarded memory; aborts if none. */
static char *
passphrase_alloc(void)
{
	char	*p;

	if ((p = sodium_malloc(PASSPHRASE_MAX)) == NULL)
		abort();
	return p;
}

/* Wipes and frees a passphrase; NULL is fine. */
void
passphrase_free(char *p)
{
	if (p != NULL)
		sodium_free(p);		/* sodium_free wipes */
}

/*
 * Reads one non-empty line from fp into buf (PASSPHRASE_MAX), without its
 * line end. Returns 0, or -1 on an empty line, end of input, a read error,
 * a NUL byte (the passphrase would be cut short there) or a line longer
 * than PASSPHRASE_MAX - 1.
 */
static int
passphrase_line(FILE *fp, char *buf)
{
	size_t	 n = 0;
	int	 ch;

	while ((ch = getc(fp)) != EOF && ch != '\n') {
		if (ch == '\0' || n == PASSPHRASE_MAX - 1) {
			sodium_memzero(buf, n);
			return -1;
		}
		buf[n++] = (char)ch;
	}
	if (ch == EOF && ferror(fp)) {
		sodium_memzero(buf, n);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return n == 0 ? -1 : 0;
}

/* Reads a passphrase as one line of fp. */
char *
passphrase_from_stream(FILE *fp, char **cause)
{
	char	*p = passphrase_alloc();

	if (passphrase_line(fp, p) != 0) {
		passphrase_free(p);
		xasprintf(cause, _("no passphrase read (an empty line, end of "
		    "input, a NUL byte, or over %d bytes)"), PASSPHRASE_MAX - 1);
		return NULL;
	}
	return p;
}

/* Reads a passphrase as the first line of the file at path. */
char *
passphrase_from_file(const char *path, char **cause)
{
	FILE	*fp;
	char	*p, *why;

	if ((fp = fopen(path, "re")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(fp, NULL, _IONBF, 0);	/* no copy in a stdio buffer */
	p = passphrase_from_stream(fp, &why);
	fclose(fp);
	if (p == NULL) {
		xasprintf(cause, "%s: %s", path, why);
		free(why);
	}
	return p;
}

/* Prompts on tty with echo off and reads a line into buf. */
static int
passphrase_prompt(FILE *tty, const char *prompt, char *buf)
{
	struct termios	 old, quiet;
	int		 rc;

	if (tcgetattr(fileno(tty), &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	fputs(prompt, tty);
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	rc = passphrase_line(tty, buf);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputs("\n", tty);
	return rc;
}

/*
 * Reads a passphrase from the controlling terminal, echo off; asks twice
 * when confirm and refuses a mismatch.
 */
char *
passphrase_from_tty(const char *prompt, int confirm, char **cause)
{
	FILE	*tty;
	char	*p = passphrase_alloc(), *again = NULL;

	if ((tty = fopen("/dev/tty", "r+e")) == NULL) {
		xasprintf(cause, _("no terminal to ask for the passphrase"));
		goto fail;
	}
	setvbuf(tty, NULL, _IONBF, 0);
	if (passphrase_prompt(tty, prompt, p) != 0) {
		xasprintf(cause, _("no passphrase read"));
		goto fail;
	}
	if (confirm) {
		again = passphrase_alloc();
		if (passphrase_prompt(tty, "Again: ", again) != 0 ||
		    strcmp(p, again) != 0) {
			xasprintf(cause, _("the passphrases do not match"));
			goto fail;
		}
		passphrase_free(again);
	}
	fclose(tty);
	return p;
fail:
	if (tty != NULL)
		fclose(tty);
	passphrase_free(again);
	passphrase_free(p);
	return NULL;
}
