/*
 * ecoctl shell: many commands, one passphrase. Each line is a command as
 * it would follow "ecoctl", run through the same table (ctl_dispatch) with
 * one struct ctl, whose connection and unlocked key last between lines. The
 * key is unlocked once, by the first command that logs in, and signs each
 * new connection's fresh challenge: the daemon closes an idle connection,
 * and the shell then connects and logs in again without asking. After
 * --lock-minutes without a command the key is wiped, and the next command
 * that logs in asks the passphrase again. The key lives only in this
 * process's sodium_malloc'd memory (keyfile.c); ecoctl makes no core file.
 */
#include <limits.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ecoctl.h"
#include "i18n.h"
#include "keyfile.h"
#include "xmalloc.h"

#define SHELL_LINE_MAX	4096
#define SHELL_WORDS_MAX	64
#define SHELL_LOCK_MIN	15	/* minutes without a command, then locked */

/*
 * Splits line into words in place: blanks separate them, '...' and "..."
 * quote, a backslash takes the next character as it is (not inside '').
 * Returns the number of words, or -1 with *why for an unclosed quote or
 * too many words.
 */
static int
shell_split(char *line, char **words, const char **why)
{
	char	*r = line, *w = line, quote;
	int	 n = 0;

	for (;;) {
		while (*r == ' ' || *r == '\t')
			r++;
		if (*r == '\0' || *r == '\n' || *r == '#')
			return n;
		if (n == SHELL_WORDS_MAX) {
			*why = _("too many words");
			return -1;
		}
		words[n++] = w;
		quote = 0;
		for (; *r != '\0' && *r != '\n'; r++) {
			if (quote == 0 && (*r == ' ' || *r == '\t'))
				break;
			if (quote == 0 && (*r == '\'' || *r == '"'))
				quote = *r;
			else if (quote != 0 && *r == quote)
				quote = 0;
			else if (*r == '\\' && quote != '\'' && r[1] != '\0' &&
			    r[1] != '\n')
				*w++ = *++r;
			else
				*w++ = *r;
		}
		if (quote != 0) {
			*why = _("a quote is not closed");
			return -1;
		}
		if (*r != '\0' && *r != '\n')
			r++;
		else
			*r = '\0';
		*w++ = '\0';
	}
}

/* Lets go of the held logged-in connection if the daemon closed it
 * (idle_timeout_seconds): the next command that logs in connects again
 * and signs the new challenge with the key still held. */
static void
shell_check_conn(struct ctl *ctl)
{
	struct reply	 r;
	char		*req[1] = { "PING" }, *cause;
	int		 ok;

	if (ctl->held == NULL)
		return;
	if (conn_request(ctl->held, 1, req, &r, &cause) != 0)
		free(cause);
	else {
		ok = r.ok;
		reply_free(&r);
		if (ok)
			return;
	}
	conn_close(ctl->held);
	ctl->held = NULL;
}

/*
 * After a command: a logged-in connection is held for the next one that
 * logs in; any other (a worker's, an admin's) is closed, so that no command
 * runs on a connection logged in for another, and is recorded under its
 * actor. Options the line gave (--key, --passphrase-file) are copied out of
 * the line, which is wiped.
 */
static void
shell_after(struct ctl *ctl, const char *line, size_t size, char **keep)
{
	if (ctl->conn != NULL && ctl->logged_in) {
		if (ctl->held != NULL)
			conn_close(ctl->held);
		ctl->held = ctl->conn;
	} else if (ctl->conn != NULL)
		conn_close(ctl->conn);
	ctl->conn = NULL;
	ctl->logged_in = 0;
	if (ctl->key >= line && ctl->key < line + size) {
		free(keep[0]);
		ctl->key = keep[0] = xstrdup(ctl->key);
	}
	if (ctl->passfile >= line && ctl->passfile < line + size) {
		free(keep[1]);
		ctl->passfile = keep[1] = xstrdup(ctl->passfile);
	}
}

/* Waits for a line while the key is held, up to the lock: 1 when input is
 * there, 0 when the lock came first (the key is then wiped). Only at a
 * terminal, whose lines stdio does not read ahead. */
static int
shell_wait(struct ctl *ctl, int tty, time_t last, long lock)
{
	struct pollfd	 pfd = { STDIN_FILENO, POLLIN, 0 };
	time_t		 left;

	if (!tty || ctl->kf == NULL)
		return 1;
	left = last + lock * 60 - time(NULL);
	if (left > 0 && poll(&pfd, 1, left > INT_MAX / 1000 ? INT_MAX :
	    (int)left * 1000) != 0)
		return 1;
	ctl_lock(ctl);
	fprintf(stderr, _("\necoctl: the key was locked after %ld "
	    "minutes without a command\n"), lock);
	return 0;
}

/* Clears what one command leaves in ctl; keeps the connection and key. */
static void
shell_reset(struct ctl *ctl)
{
	ctl->cmd = NULL;
	ctl->json = 0;
	ctl_code_free(ctl);
	ctl->codefile = NULL;		/* it pointed into the wiped line */
	ctl->showcode = 0;
	ctl->slot = NULL;
	ctl->explain = NULL;
	ctl->refused_usage = 0;
}

/* The prompt: "ecoctl> ", or "ecoctl ana> " once logged in. */
static void
shell_prompt(struct ctl *ctl)
{
	if (ctl->kf != NULL && ctl->held != NULL)
		fprintf(stderr, "ecoctl %s> ", ctl->kf->name);
	else
		fputs("ecoctl> ", stderr);
	fflush(stderr);
}

/* shell [--lock-minutes N]: reads command lines until exit, quit or EOF.
 * Exits with the status of the last command that failed, else 0. */
int
ctl_shell(struct ctl *ctl, int argc, char **argv)
{
	static const char *const names[] = { "lock-minutes=", NULL };
	char		*v[1], line[SHELL_LINE_MAX + 2], *words[SHELL_WORDS_MAX];
	char		*end;
	const char	*why;
	long		 lock = SHELL_LOCK_MIN;
	time_t		 last = time(NULL);
	char		*keep[2] = { NULL, NULL };
	int		 n, rc, status = EXIT_OK, tty = isatty(STDIN_FILENO);

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
	/*
	 * A byte a read: no stdio buffer keeps a line (a code typed after a
	 * command) past the wipe of line, and a code asked for on a piped
	 * stdin is the next line, not lost to a read ahead.
	 */
	setvbuf(stdin, NULL, _IONBF, 0);
	ctl->in_shell = 1;
	if (v[0] != NULL && ((lock = strtol(v[0], &end, 10)) < 1 ||
	    lock > 24 * 60 || *end != '\0'))
		return ctl_usage(ctl);
	if (ctl->key != NULL && ctl_unlock(ctl, ctl->key, "Passphrase: ") !=
	    EXIT_OK)
		return EXIT_FAIL;
	for (;;) {
		shell_reset(ctl);
		if (tty)
			shell_prompt(ctl);
		if (!shell_wait(ctl, tty, last, lock))
			continue;
		if (fgets(line, sizeof line, stdin) == NULL)
			break;
		if (strchr(line, '\n') == NULL && !feof(stdin)) {
			ctl_fail("a line is longer than %d bytes", SHELL_LINE_MAX);
			while (fgets(line, sizeof line, stdin) != NULL &&
			    strchr(line, '\n') == NULL)
				;
			status = EXIT_USAGE;
			continue;
		}
		if ((n = shell_split(line, words, &why)) < 0) {
			ctl_fail("%s", why);
			status = EXIT_USAGE;
			continue;
		}
		if (n == 0)
			continue;
		if (strcmp(words[0], "exit") == 0 || strcmp(words[0], "quit") == 0)
			break;
		if (strcmp(words[0], "shell") == 0) {
			ctl_fail("already in the shell");
			status = EXIT_USAGE;
			continue;
		}
		if (time(NULL) - last > lock * 60 && ctl->kf != NULL) {
			ctl_lock(ctl);
			fprintf(stderr, _("ecoctl: the key was locked after %ld "
			    "minutes without a command\n"), lock);
		}
		last = time(NULL);
		shell_check_conn(ctl);
		if ((rc = ctl_dispatch(ctl, n, words)) != EXIT_OK)
			status = rc;
		shell_after(ctl, line, sizeof line, keep);
		fflush(stdout);
		/* The line may have held a booking code. */
		sodium_memzero(line, sizeof line);
	}
	if (tty)
		fputc('\n', stderr);
	ctl_lock(ctl);
	ctl->key = ctl->passfile = NULL;
	free(keep[0]);
	free(keep[1]);
	return status;
}
