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

/* Ends the connection if the daemon closed it (idle_timeout_seconds):
 * the next request connects again, and logs in again with the key held. */
static void
shell_check_conn(struct ctl *ctl)
{
	struct reply	 r;
	char		*req[1] = { "PING" }, *cause;
	int		 ok;

	if (ctl->conn == NULL)
		return;
	if (conn_request(ctl->conn, 1, req, &r, &cause) != 0)
		free(cause);
	else {
		ok = r.ok;
		reply_free(&r);
		if (ok)
			return;
	}
	conn_close(ctl->conn);
	ctl->conn = NULL;
	ctl->logged_in = 0;
}

/* Clears what one command leaves in ctl; keeps the connection and key. */
static void
shell_reset(struct ctl *ctl)
{
	ctl->cmd = NULL;
	ctl->json = 0;
	ctl->code = NULL;
	ctl->slot = NULL;
	ctl->explain = NULL;
	ctl->refused_usage = 0;
}

/* The prompt: "ecoctl> ", or "ecoctl ana> " once logged in. */
static void
shell_prompt(struct ctl *ctl)
{
	if (ctl->kf != NULL && ctl->logged_in)
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
	int		 n, rc, status = EXIT_OK, tty = isatty(STDIN_FILENO);

	if (ctl_parse(ctl, argc, argv, names, v, 0, 0) < 0)
		return EXIT_USAGE;
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
			/* The connection goes too: it is logged in. */
			ctl_lock(ctl);
			conn_close(ctl->conn);
			ctl->conn = NULL;
			fprintf(stderr, _("ecoctl: the key was locked after %ld "
			    "minutes without a command\n"), lock);
		}
		last = time(NULL);
		shell_check_conn(ctl);
		if ((rc = ctl_dispatch(ctl, n, words)) != EXIT_OK)
			status = rc;
		fflush(stdout);
		/* The line may have held a booking code. */
		sodium_memzero(line, sizeof line);
	}
	if (tty)
		fputc('\n', stderr);
	return status;
}
