/*
 * Reading passphrases and booking codes into sodium_malloc'd memory,
 * wiped when freed: one line from a file, a stream or a descriptor, or
 * from the terminal with echo off. Never from the environment or the
 * command line, which other users can see.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

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

/* Where a line is read from: the next byte, EOF at the end, -2 on error. */
typedef int	(*next_byte)(void *);

static int
stream_byte(void *arg)
{
	FILE	*fp = arg;
	int	 ch = getc(fp);

	return ch == EOF && ferror(fp) ? -2 : ch;
}

/* One read(2) a byte: nothing past the line is taken from the fd, and no
 * stdio buffer keeps a copy. */
static int
fd_byte(void *arg)
{
	unsigned char	 ch;
	ssize_t		 n;

	while ((n = read(*(int *)arg, &ch, 1)) == -1 && errno == EINTR)
		;
	return n == 1 ? ch : n == 0 ? EOF : -2;
}

/*
 * Reads one non-empty line into buf (PASSPHRASE_MAX), without its line
 * end. Returns 0, or -1 on an empty line, end of input, a read error, a
 * NUL byte (the secret would be cut short there) or a line longer than
 * PASSPHRASE_MAX - 1.
 */
static int
passphrase_line(next_byte next, void *arg, char *buf)
{
	size_t	 n = 0;
	int	 ch;

	while ((ch = next(arg)) >= 0 && ch != '\n') {
		if (ch == '\0' || n == PASSPHRASE_MAX - 1) {
			sodium_memzero(buf, n);
			return -1;
		}
		buf[n++] = (char)ch;
	}
	if (ch == -2) {
		sodium_memzero(buf, n);
		return -1;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	return n == 0 ? -1 : 0;
}

/* One line of fd, a byte at a time, into guarded memory; NULL if none,
 * errno then the read's error, or 0 when there was no line to read. */
char *
secret_from_fd(int fd)
{
	char	*p = passphrase_alloc();
	int	 err;

	errno = 0;
	if (passphrase_line(fd_byte, &fd, p) != 0) {
		err = errno;
		passphrase_free(p);
		errno = err;
		return NULL;
	}
	return p;
}

/* Reads a passphrase as one line of fp. */
char *
passphrase_from_stream(FILE *fp, char **cause)
{
	char	*p = passphrase_alloc();

	if (passphrase_line(stream_byte, fp, p) != 0) {
		passphrase_free(p);
		xasprintf(cause, _("no passphrase read (an empty line, end of "
		    "input, a NUL byte, or over %d bytes)"), PASSPHRASE_MAX - 1);
		return NULL;
	}
	return p;
}

/* The first line of the file at path; NULL with *err an errno, or 0 if
 * the file has no line to read. */
static char *
file_line(const char *path, int *err)
{
	char	*p;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		*err = errno;
		return NULL;
	}
	p = secret_from_fd(fd);
	*err = p == NULL ? errno : 0;	/* EISDIR, EIO; 0 for no line */
	close(fd);
	return p;
}

/* Reads a passphrase as the first line of the file at path. */
char *
passphrase_from_file(const char *path, char **cause)
{
	char	*p;
	int	 err;

	if ((p = file_line(path, &err)) == NULL && err != 0)
		xasprintf(cause, "%s: %s", path, strerror(err));
	else if (p == NULL)
		xasprintf(cause, _("%s: no passphrase read (an empty line, end "
		    "of input, a NUL byte, or over %d bytes)"), path,
		    PASSPHRASE_MAX - 1);
	return p;
}

/* Reads a secret as the first line of the file at path; *cause does not
 * name the path. */
char *
secret_from_file(const char *path, char **cause)
{
	char	*p;
	int	 err;

	if ((p = file_line(path, &err)) == NULL && err != 0)
		xasprintf(cause, "%s", strerror(err));
	else if (p == NULL)
		xasprintf(cause, _("its first line is empty, or has a NUL "
		    "byte, or is over %d bytes"), PASSPHRASE_MAX - 1);
	return p;
}

/* The signal that came while a prompt waited, 0 if none. */
static volatile sig_atomic_t prompt_signo;

static void
prompt_caught(int signo)
{
	prompt_signo = signo;
}

/*
 * What a prompt catches to put the terminal back before the signal takes
 * its course: those that end the process (Ctrl-C, Ctrl-\, a hangup, kill)
 * and those that stop it (Ctrl-Z), after which the prompt is asked again,
 * echo off again.
 */
static const int prompt_signals[] = {
	SIGALRM, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU
};
#define PROMPT_NSIGNALS	(sizeof prompt_signals / sizeof prompt_signals[0])

/* One read(2) a byte of the terminal; a caught signal ends the line. */
static int
tty_byte(void *arg)
{
	unsigned char	 ch;
	ssize_t		 n;

	for (;;) {
		if (prompt_signo != 0)
			return -2;
		if ((n = read(*(int *)arg, &ch, 1)) == 1)
			return ch;
		if (n == 0)
			return EOF;
		if (errno != EINTR)
			return -2;
	}
}

/*
 * Prompts on tty and reads a line into buf, echo off unless echo. The
 * terminal is quiet before the prompt is shown, so nothing typed as soon
 * as it appears is echoed, and it is put back as it was (what was typed
 * after the line kept, for the next reader) before any signal that came
 * meanwhile is let through: then the process ends with the terminal
 * echoing, or, stopped and continued, is asked again.
 */
static int
passphrase_prompt(FILE *tty, const char *prompt, int echo, char *buf)
{
	struct sigaction	 sa, saved[PROMPT_NSIGNALS];
	struct termios		 old, quiet;
	size_t			 i;
	int			 fd = fileno(tty), rc, signo;

	for (;;) {
		if (tcgetattr(fd, &old) != 0)
			return -1;
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = prompt_caught;	/* no SA_RESTART */
		prompt_signo = 0;
		for (i = 0; i < PROMPT_NSIGNALS; i++)
			sigaction(prompt_signals[i], &sa, &saved[i]);
		quiet = old;
		if (!echo)
			quiet.c_lflag &= ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
		fputs(prompt, tty);
		rc = passphrase_line(tty_byte, &fd, buf);
		tcsetattr(fd, TCSANOW, &old);
		if (!echo)
			fputs("\n", tty);
		for (i = 0; i < PROMPT_NSIGNALS; i++)
			sigaction(prompt_signals[i], &saved[i], NULL);
		if ((signo = prompt_signo) == 0)
			return rc;
		sodium_memzero(buf, PASSPHRASE_MAX);
		kill(getpid(), signo);
		if (signo != SIGTSTP && signo != SIGTTIN && signo != SIGTTOU)
			return -1;
	}
}

/*
 * Asks for a secret on the controlling terminal, echo off unless echo;
 * NULL if no line was read, *noterm set if there is no terminal.
 */
char *
secret_from_tty(const char *prompt, int echo, int *noterm)
{
	FILE	*tty;
	char	*p = passphrase_alloc();

	*noterm = 0;
	if ((tty = fopen("/dev/tty", "r+e")) == NULL) {
		*noterm = 1;
		passphrase_free(p);
		return NULL;
	}
	setvbuf(tty, NULL, _IONBF, 0);
	if (passphrase_prompt(tty, prompt, echo, p) != 0) {
		passphrase_free(p);
		p = NULL;
	}
	fclose(tty);
	return p;
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
	if (passphrase_prompt(tty, prompt, 0, p) != 0) {
		xasprintf(cause, _("no passphrase read"));
		goto fail;
	}
	if (confirm) {
		again = passphrase_alloc();
		if (passphrase_prompt(tty, _("Again: "), 0, again) != 0 ||
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
