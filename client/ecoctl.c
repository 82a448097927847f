/*
 * ecoctl: parses a command line, speaks the protocol, prints the answer.
 * Exit 0 on success, 1 on an error from the daemon or the system, 2 on
 * bad usage.
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecoctl.h"
#include "i18n.h"
#include "keyfile.h"
#include "passphrase.h"
#include "proto.h"
#include "xmalloc.h"

static int	ctl_match(const struct ctl_cmd *, int, char **);
static const struct ctl_cmd *cmd_find(int, char **, int *);
static void	ctl_denied(struct ctl *);

/* The subcommands: one line each. Longer names before their prefixes. */
static const struct ctl_cmd ctl_table[] = {
	{ "admin counsellor add", ctl_enrol_counsellor, "NAME PUBKEY",
	    N_("enrol a counsellor's public key (admin)"),
	    "ecoctl admin counsellor add ana \"$(ecoctl keygen --out "
	    "ana.key --name ana)\"", 0 },
	{ "admin auditor add", ctl_enrol_auditor, "NAME PUBKEY",
	    N_("enrol an auditor's public key (admin)"),
	    "ecoctl admin auditor add eva \"$(ecoctl keygen --out "
	    "eva.key --name eva)\"", 0 },
	{ "admin revoke", ctl_revoke, "NAME",
	    N_("revoke a counsellor or auditor: no more logins (admin)"),
	    "ecoctl admin revoke ana", 0 },
	{ "admin list", ctl_people, "[--json]",
	    N_("enrolled people: name, role, state, key fingerprint, created "
	    "(admin)"),
	    "ecoctl admin list", CTL_LIST },
	{ "admin counsellor rekey", ctl_rekey_counsellor, "NAME PUBKEY",
	    N_("replace a counsellor's lost key; their sessions end (admin)"),
	    "ecoctl admin counsellor rekey ana \"$(ecoctl keygen --out "
	    "ana2.key --name ana)\"", 0 },
	{ "admin auditor rekey", ctl_rekey_auditor, "NAME PUBKEY",
	    N_("replace an auditor's lost key; their sessions end (admin)"),
	    "ecoctl admin auditor rekey eva \"$(ecoctl keygen --out "
	    "eva2.key --name eva)\"", 0 },
	{ "admin audit-pubkey", ctl_admin_audit_pubkey, "",
	    N_("the audit verifier key, to hand to auditors (admin)"),
	    "ecoctl admin audit-pubkey", 0 },
	{ "admin verify", ctl_admin_verify, "[--json]",
	    N_("re-check every sealed row and the audit tree (admin)"),
	    "ecoctl admin verify", CTL_LIST },
	{ "admin purge", ctl_purge, "",
	    N_("delete cases past retention_days, notes past "
	    "note_retention_days (admin)"),
	    "ecoctl admin purge", 0 },
	{ "admin backup", ctl_backup, "[--force] FILE | --dir DIR [--keep N]",
	    N_("a consistent, checked copy of the instance, mode 0600; with "
	    "--dir a dated one, keeping the newest N (admin)"),
	    "ecoctl admin backup --dir /var/backups/ecod --keep 14", 0 },
	{ "admin rotate-key", ctl_rotate_key,
	    "[--passphrase [--new-passphrase-file F]]",
	    N_("re-seal every row under a new master key (admin)"),
	    "ecoctl admin rotate-key", 0 },
	{ "admin stats", ctl_stats, "[--json]",
	    N_("counts, uptime and connections (admin)"),
	    "ecoctl admin stats", CTL_LIST },
	{ "audit export", ctl_audit_export, "[--force] DIR",
	    N_("write DIR/checkpoint and DIR/entries (auditor)"),
	    "ecoctl audit export /media/usb/audit", 0 },
	{ "audit log", ctl_audit_log, "[--since SEQ] [--json]",
	    N_("the audit entries, one a line (auditor)"),
	    "ecoctl audit log --since 100", CTL_LIST },
	{ "audit pubkey", ctl_audit_pubkey, "",
	    N_("the audit verifier key, NAME+KEYHASH+BASE64KEY (auditor)"),
	    "ecoctl audit pubkey", 0 },
	{ "audit verify", ctl_audit_verify, "[--pubkey KEY] [--state FILE] "
	    "[--full] | --dir DIR --pubkey KEY",
	    N_("check the log's signed head, its entries (only the new ones unless "
	    "--full) and its consistency (auditor; --dir: anyone, offline)"),
	    "ecoctl audit verify", 0 },
	{ "agenda", ctl_agenda, "[--from DATE] [--to DATE] [--ical | --json]",
	    N_("your bookings (counsellor)"),
	    "ecoctl agenda --from 2026-12-07 --to 2026-12-11", CTL_LIST },
	{ "avail add", ctl_avail_add, "--start \"YYYY-MM-DD HH:MM\" "
	    "--minutes N [--weekly COUNT | --until DATE] [--days LIST] "
	    "[--modality M] [--location L] [--join TEXT | --join-file F]",
	    N_("publish free slots (counsellor); --days lun,mié,vie repeats "
	    "them on those weekdays (Spanish or English names), --until "
	    "through that date, at most two years; --join: how the worker who "
	    "books one joins (a room, a number to call, a video link), shown "
	    "only with that booking's code"),
	    "ecoctl avail add --start \"2026-12-07 10:00\" --minutes 50 "
	    "--days lun,mié --until 2027-03-31", 0 },
	{ "avail block", ctl_avail_block, "--from DATE --to DATE "
	    "[--reason TEXT]",
	    N_("withdraw your free slots on those dates (inclusive); prints "
	    "their ids, then \"booked\" lines for the sessions to cancel "
	    "(counsellor; the reason stays on your screen)"),
	    "ecoctl avail block --from 2026-12-21 --to 2027-01-06 "
	    "--reason vacaciones", 0 },
	{ "avail list", ctl_avail_list, "[--from DATE] [--to DATE] [--json]",
	    N_("your slots, free and booked, from now on (counsellor)"),
	    "ecoctl avail list --from 2026-12-07 --to 2026-12-11", CTL_LIST },
	{ "avail rm", ctl_avail_rm, "SLOT [--reason-file F]",
	    N_("withdraw a slot (counsellor); a booked one needs --reason-file: "
	    "its session is cancelled by the service and the worker told why"),
	    "ecoctl avail rm 12", 0 },
	{ "book", ctl_book, "SLOT [--code | --code-file F] [--message-file F]",
	    N_("book a slot: prints a new case's code; --code: a follow-up in "
	    "your case, asking for its code"),
	    "ecoctl book 12", CTL_CODE },
	{ "cancel", ctl_cancel, "[CODE | --code-file F]",
	    N_("cancel the case's upcoming session"),
	    "ecoctl cancel", CTL_CODE },
	{ "keygen", ctl_keygen, "--out FILE [--name NAME]",
	    N_("make a key file; prints its public key"),
	    "ecoctl keygen --out ana.key --name ana", 0 },
	{ "mark", ctl_mark, "BOOKING attended|no-show [--correct]",
	    N_("record what happened (counsellor); --correct: change a mark "
	    "made by mistake, once, within mark_correction_minutes of it"),
	    "ecoctl mark 3 attended", 0 },
	{ "message send", ctl_message_send, "CASE|booking:BOOKING [--file F]",
	    N_("write to a case's worker, sealed to the code's key "
	    "(counsellor); prints the message id"),
	    "ecoctl message send 2 --file reply.txt", 0 },
	{ "message list", ctl_message_list, "[--case CASE] "
	    "[--recovery-key FILE] [--json]",
	    N_("the case messages you can open (counsellor)"),
	    "ecoctl message list --case 2", CTL_LIST },
	{ "message open", ctl_message_open, "ID [--recovery-key FILE]",
	    N_("print a case message's text, byte for byte (counsellor)"),
	    "ecoctl message open 4", 0 },
	{ "messages", ctl_messages, "[CODE | --code-file F] [--open ID] "
	    "[--json]",
	    N_("the case's messages, opened with the code"),
	    "ecoctl messages", CTL_LIST | CTL_CODE },
	{ "reply", ctl_reply, "[CODE | --code-file F] [--file F]",
	    N_("write to the case's counsellors (default: standard input, "
	    "after the code's line when the code comes from there too)"),
	    "ecoctl reply --file msg.txt", CTL_CODE },
	{ "session cancel", ctl_session_cancel, "BOOKING --reason-file F | "
	    "--day DATE --reason-file F",
	    N_("the service cancels a booked session and tells the worker why "
	    "(counsellor; --day: every session that day, admin)"),
	    "ecoctl session cancel 3 --reason-file reason.txt", 0 },
	{ "message", ctl_message, "BOOKING",
	    N_("print a booking's intake message (counsellor)"),
	    "ecoctl message 3", 0 },
	{ "note write", ctl_note_write, "BOOKING [--file F] [--amends NOTE]",
	    N_("seal and store a session note (counsellor); prints its id"),
	    "ecoctl note write 3 --file notes.txt", 0 },
	{ "note list", ctl_note_list, "[--case CASE] [--recovery-key FILE] "
	    "[--json]",
	    N_("the notes you can open"),
	    "ecoctl note list --case 2", CTL_LIST },
	{ "note open", ctl_note_open, "NOTE [--recovery-key FILE]",
	    N_("print a note's text, byte for byte"),
	    "ecoctl note open 5", 0 },
	{ "passwd", ctl_passwd, "[--key FILE] [--new-passphrase-file F]",
	    N_("change a key file's passphrase"),
	    "ecoctl passwd --key ana.key", 0 },
	{ "ping", ctl_ping, "", N_("check that the daemon answers"),
	    "ecoctl ping", 0 },
	{ "reschedule", ctl_reschedule, "[CODE | --code-file F] SLOT",
	    N_("move the case's upcoming session"),
	    "ecoctl reschedule 14", CTL_CODE },
	{ "shell", ctl_shell, "[--lock-minutes N]",
	    N_("many commands at a prompt, one passphrase: the key stays "
	    "unlocked until exit or N minutes (default 15) without a command"),
	    "ecoctl shell --key ana.key", 0 },
	{ "slots", ctl_slots, "[--from DATE] [--to DATE] [--modality M] "
	    "[--json]",
	    N_("free slots"),
	    "ecoctl slots --from 2026-12-07 --to 2026-12-11", CTL_LIST },
	{ "stats", ctl_stats, "[--json]", N_("the same as admin stats (admin)"),
	    "ecoctl stats", CTL_LIST },
	{ "status", ctl_status, "[CODE | --code-file F] [--ical | --json]",
	    N_("the case's sessions; --ical: as a calendar to import, each "
	    "event titled with the service's neutral word, with time and place "
	    "only"),
	    "ecoctl status", CTL_LIST | CTL_CODE },
	{ NULL, NULL, NULL, NULL, NULL, 0 }
};

/* Prints the usage and every command, with what it does. */
static void
cmd_list(FILE *f)
{
	const struct ctl_cmd	*e;

	fprintf(f, _("usage: ecoctl [-s socket] command [arguments]\n"
	    "  -s socket   the daemon's socket (default $ECO_SOCKET, "
	    "else %s)\n"
	    "  -h, --help  this help;  -V, --version  the version\n"
	    "Commands that log in take --key FILE ($ECO_KEY) and\n"
	    "--passphrase-file F ($ECO_PASSPHRASE_FILE; else the terminal).\n"
	    "ecoctl help COMMAND (or ecoctl COMMAND --help): one command, "
	    "with an example.\n\n"
	    "commands:\n"), ECO_DEFAULT_SOCKET);
	for (e = ctl_table; e->name != NULL; e++)
		fprintf(f, "  %s%s%s\n      %s\n", e->name,
		    *e->usage != '\0' ? " " : "", e->usage, _(e->help));
}

static void __attribute__((noreturn))
usage(int status)
{
	cmd_list(status ? stderr : stdout);
	exit(status);
}

/* Prints "ecoctl: message" on stderr, the message translated (fmt is a
 * literal, which xgettext collects as ctl_fail's); returns EXIT_FAIL. */
int
ctl_fail(const char *fmt, ...)
{
	va_list	 ap;

	fputs("ecoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, _(fmt), ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

/* Prints the usage of the running command; returns EXIT_USAGE. */
int
ctl_usage(struct ctl *ctl)
{
	fprintf(stderr, _("usage: ecoctl %s%s%s\n"), ctl->cmd->name,
	    *ctl->cmd->usage != '\0' ? " " : "", ctl->cmd->usage);
	fprintf(stderr, _("  for example: %s\n  (ecoctl help %s)\n"),
	    ctl->cmd->example, ctl->cmd->name);
	return EXIT_USAGE;
}

/*
 * For shell completion (completion/ecoctl.bash): "--commands" prints every
 * command, one a line; "--options CMD..." the options CMD takes, from its
 * usage, and those every command takes. Not in the help: a tool's.
 */
static int
cmd_complete(int argc, char **argv)
{
	const struct ctl_cmd	*e;
	const char		*p;
	size_t			 n;
	int			 words;

	if (strcmp(argv[0], "--commands") == 0) {
		for (e = ctl_table; e->name != NULL; e++)
			printf("%s\n", e->name);
		return EXIT_OK;
	}
	if ((e = cmd_find(argc - 1, argv + 1, &words)) == NULL)
		return EXIT_USAGE;
	for (p = e->usage; (p = strstr(p, "--")) != NULL; p += n) {
		n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
		printf("%.*s\n", (int)n, p);
	}
	printf("--help\n--key\n--passphrase-file\n");
	if (e->flags & CTL_CODE)
		printf("--show-code\n");
	return EXIT_OK;
}

/* A command's help: usage, what it does, an example. */
static int
cmd_help(const struct ctl_cmd *e)
{
	printf(_("usage: ecoctl %s%s%s\n\n  %s.\n\nexample:\n  %s\n"), e->name,
	    *e->usage != '\0' ? " " : "", e->usage, _(e->help), e->example);
	if (e->flags & CTL_CODE)
		printf(_("\nThe code: leave it out and ecoctl asks for it at the "
		    "terminal, not shown\nas you type (--show-code shows it); "
		    "or it is the first line of standard\ninput, or of "
		    "--code-file F. Typed after the command, it stays in the\n"
		    "shell's history and others on this computer can see it "
		    "while ecoctl runs.\n"));
	else if (strncmp(e->name, "admin ", 6) != 0 &&
	    strcmp(e->name, "keygen") != 0 && strcmp(e->name, "ping") != 0)
		printf(_("\nCommands that log in take --key FILE ($ECO_KEY) and "
		    "--passphrase-file F\n($ECO_PASSPHRASE_FILE; else the "
		    "terminal).\n"));
	return EXIT_OK;
}

/* The edit distance of a and b (short strings: command words). */
static size_t
distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, d[64], prev, tmp;

	if (la >= sizeof d / sizeof d[0] || lb >= sizeof d / sizeof d[0])
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = a[i - 1] == b[j - 1] ? prev : 1 + (prev < d[j] ?
			    (prev < d[j - 1] ? prev : d[j - 1]) :
			    (d[j] < d[j - 1] ? d[j] : d[j - 1]));
			prev = tmp;
		}
	}
	return d[lb];
}

/* How far the words typed are from e's, as many words as e has. */
static size_t
cmd_distance(const struct ctl_cmd *e, int argc, char **argv)
{
	char	 typed[128];
	size_t	 n;
	int	 words = 1;

	for (n = 0; e->name[n] != '\0'; n++)
		words += e->name[n] == ' ';
	typed[0] = '\0';
	for (n = 0; n < (size_t)words && n < (size_t)argc; n++)
		snprintf(typed + strlen(typed), sizeof typed - strlen(typed),
		    "%s%s", n > 0 ? " " : "", argv[n]);
	return distance(typed, e->name);
}

/*
 * An unknown command: the nearest commands by edit distance (at most 2),
 * else those of the group it names ("admin" alone), else the way to the
 * list. Returns EXIT_USAGE.
 */
static int
cmd_unknown(int argc, char **argv)
{
	const struct ctl_cmd	*e;
	size_t			 d, bestd = SIZE_MAX, n = strlen(argv[0]);
	int			 group = 0;

	for (e = ctl_table; e->name != NULL; e++)
		if ((d = cmd_distance(e, argc, argv)) < bestd)
			bestd = d;
	if (bestd <= 2) {
		fprintf(stderr, _("ecoctl: unknown command; did you mean:\n"));
		for (e = ctl_table; e->name != NULL; e++)
			if (cmd_distance(e, argc, argv) == bestd)
				fprintf(stderr, _("  ecoctl %s%s%s\n"), e->name,
				    *e->usage != '\0' ? " " : "", e->usage);
		return EXIT_USAGE;
	}
	for (e = ctl_table; e->name != NULL; e++) {
		if (strncmp(e->name, argv[0], n) != 0 || e->name[n] != ' ')
			continue;
		if (group++ == 0)
			fprintf(stderr, _("ecoctl: \"%s\" needs more: one of\n"),
			    argv[0]);
		fprintf(stderr, _("  ecoctl %s%s%s\n"), e->name,
		    *e->usage != '\0' ? " " : "", e->usage);
	}
	if (group == 0)
		fprintf(stderr, _("ecoctl: unknown command \"%s\"; ecoctl help "
		    "lists them all\n"), argv[0]);
	return EXIT_USAGE;
}

/* Looks the command up: its entry and how many words it took, or NULL. */
static const struct ctl_cmd *
cmd_find(int argc, char **argv, int *words)
{
	const struct ctl_cmd	*e;

	for (e = ctl_table; e->name != NULL; e++)
		if ((*words = ctl_match(e, argc, argv)) > 0)
			return e;
	return NULL;
}

/*
 * Refuses a long option that is not spelled whole: getopt_long would take
 * --code for --code-file, and a code typed after it for a file name, then
 * say it back in an error. Says only the option's name, never what follows
 * its '=', and skips the value of an option that takes one.
 */
static int
long_exact(struct ctl *ctl, int argc, char **argv, const struct option *lo)
{
	const char	*a;
	size_t		 len;
	int		 i, j;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			break;
		if (strncmp(a, "--", 2) != 0)
			continue;
		len = strcspn(a + 2, "=");
		for (j = 0; lo[j].name != NULL; j++)
			if (strlen(lo[j].name) == len &&
			    strncmp(lo[j].name, a + 2, len) == 0)
				break;
		if (lo[j].name == NULL) {
			fprintf(stderr, _("ecoctl: %s has no option --%.*s\n"),
			    ctl->cmd->name, len > 40 ? 40 : (int)len, a + 2);
			ctl_usage(ctl);
			return -1;
		}
		if (lo[j].has_arg == required_argument && a[2 + len] == '\0')
			i++;
	}
	return 0;
}

/*
 * Parses a command's options. names lists the long options ("start=" takes
 * an argument, "code?" may have one joined with '=', "ical" has none);
 * values[i] gets the argument of names[i], "" for a flag given, NULL if
 * absent. --key and --passphrase-file are every command's, --code-file and
 * --show-code those that take a code (CTL_CODE). Returns the index of the
 * first of minpos to maxpos positional arguments, or -1 after printing the
 * usage.
 */
int
ctl_parse(struct ctl *ctl, int argc, char **argv, const char *const *names,
    char **values, int minpos, int maxpos)
{
	struct option	 lo[20];
	char		 buf[16][32];
	int		 n = 0, i, ch, idx, len;

	for (i = 0; names != NULL && names[i] != NULL && i < 14; i++, n++) {
		snprintf(buf[i], sizeof buf[i], "%s", names[i]);
		len = (int)strlen(buf[i]);
		lo[i].has_arg = no_argument;
		if (buf[i][len - 1] == '=' || buf[i][len - 1] == '?') {
			lo[i].has_arg = buf[i][len - 1] == '=' ?
			    required_argument : optional_argument;
			buf[i][len - 1] = '\0';
		}
		lo[i].name = buf[i];
		lo[i].flag = NULL;
		lo[i].val = 0;
		values[i] = NULL;
	}
	lo[n++] = (struct option){ "key", required_argument, NULL, 'k' };
	lo[n++] = (struct option){ "passphrase-file", required_argument,
	    NULL, 'p' };
	lo[n++] = (struct option){ "json", no_argument, NULL, 'j' };
	if (ctl->cmd->flags & CTL_CODE) {
		lo[n++] = (struct option){ "code-file", required_argument,
		    NULL, 'c' };
		lo[n++] = (struct option){ "show-code", no_argument, NULL,
		    's' };
	}
	lo[n] = (struct option){ NULL, 0, NULL, 0 };
	if (long_exact(ctl, argc, argv, lo) != 0)
		return -1;
	/* argv[-1] is the command's last word: getopt's program name. */
	argc++;
	argv--;
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", lo, &idx)) != -1) {
		switch (ch) {
		case 0:
			values[idx] = optarg != NULL ? optarg : "";
			break;
		case 'k':
			ctl->key = optarg;
			break;
		case 'p':
			ctl->passfile = optarg;
			break;
		case 'c':
			ctl->codefile = optarg;
			break;
		case 's':
			ctl->showcode = 1;
			break;
		case 'j':
			if (ctl->cmd->flags & CTL_LIST) {
				ctl->json = 1;
				break;
			}
			fprintf(stderr, _("ecoctl: %s prints no listing: --json "
			    "is for slots, status, agenda, avail list, note list, "
			    "audit log, admin list, admin stats and admin "
			    "verify\n"),
			    ctl->cmd->name);
			return -1;
		default:
			ctl_usage(ctl);
			return -1;
		}
	}
	if (argc - optind < minpos || argc - optind > maxpos) {
		ctl_usage(ctl);
		return -1;
	}
	return optind - 1;
}

/*
 * Returns the passphrase from --passphrase-file, ECO_PASSPHRASE_FILE, or
 * the terminal (twice when confirm), asked with prompt (a literal, then
 * translated). NULL after reporting an error.
 */
char *
ctl_passphrase(struct ctl *ctl, const char *prompt, int confirm)
{
	const char	*file = ctl->passfile;
	char		*pass, *cause;

	if (file == NULL && (file = getenv("ECO_PASSPHRASE_FILE")) != NULL &&
	    *file == '\0')
		file = NULL;
	if (file != NULL)
		pass = passphrase_from_file(file, &cause);
	else
		pass = passphrase_from_tty(_(prompt), confirm, &cause);
	if (pass == NULL) {
		ctl_fail("%s%s", cause, file == NULL ? "; or use "
		    "--passphrase-file" : "");
		free(cause);
	}
	return pass;
}

/* Reads at most max bytes of path ("-": standard input); NULL if more. */
char *
ctl_read_file(const char *path, size_t max, size_t *len)
{
	char	*buf = xmalloc(max + 1);
	ssize_t	 n;
	int	 fd;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		ctl_fail("%s: %s", path, strerror(errno));
		free(buf);
		return NULL;
	}
	*len = 0;
	while ((n = read(fd, buf + *len, max + 1 - *len)) > 0)
		if ((*len += (size_t)n) == max + 1)
			break;
	if (fd != STDIN_FILENO)
		close(fd);
	if (n < 0 || *len > max) {
		if (n < 0)
			ctl_fail("%s: %s", path, strerror(errno));
		else
			ctl_fail("%s: longer than %zu bytes", path, max);
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* Prints a protocol time "YYYY-MM-DDTHH:MM" as "YYYY-MM-DD HH:MM". */
void
ctl_print_time(const char *t)
{
	if (strlen(t) == 16 && t[10] == 'T')
		printf("%.10s %s", t, t + 11);
	else
		fputs(t, stdout);
}

/*
 * Sends one request (connecting on first use) and reads the reply.
 * Returns EXIT_OK if the daemon said OK; else reports the error on stderr
 * and returns EXIT_FAIL, r then empty.
 */
int
ctl_request(struct ctl *ctl, int argc, char *const *argv, struct reply *r)
{
	char	*cause, why[1024];

	if (ctl->conn == NULL &&
	    (ctl->conn = conn_open(ctl->socket, &cause)) == NULL)
		goto fail;
	if (conn_request(ctl->conn, argc, argv, r, &cause) != 0)
		goto fail;
	if (!r->ok) {
		/* A field the daemon refused (ERR usage, ERR invalid) is bad
		 * usage, whoever noticed it: ecoctl then exits 2 (main). */
		if (r->code != NULL && (strcmp(r->code, ECO_ERR_USAGE) == 0 ||
		    strcmp(r->code, ECO_ERR_INVALID) == 0))
			ctl->refused_usage = 1;
		if (ctl->explain != NULL && r->code != NULL &&
		    ctl->explain(ctl, r))
			;
		else if (r->code != NULL && strcmp(r->code, ECO_ERR_DENIED) == 0)
			ctl_denied(ctl);
		else if (r->code != NULL && strcmp(r->code, ECO_ERR_AUTH) == 0)
			ctl_fail("login failed: this key is not enrolled under "
			    "its name, or it was revoked or replaced; ecoctl "
			    "admin list shows the operator who is enrolled, "
			    "with each key's fingerprint");
		else
			/* The daemon's reasons are English (reason.c). */
			ctl_fail("%s", ctl_reason(r->msg, why, sizeof why));
		reply_free(r);
		return EXIT_FAIL;
	}
	return EXIT_OK;
fail:
	ctl_fail("%s", cause);
	free(cause);
	return EXIT_FAIL;
}

/*
 * The daemon refused the command for this connection's role: says which
 * role it needs (its help names it in parentheses) and how to have it.
 */
static void
ctl_denied(struct ctl *ctl)
{
	const char	*h = ctl->cmd != NULL ? ctl->cmd->help : "";

	if (strstr(h, "(admin") != NULL)
		ctl_fail("%s is the operator's: run it as root, or as a user "
		    "listed in admin_uids in ecod.conf", ctl->cmd->name);
	else if (strstr(h, "(auditor") != NULL)
		ctl_fail("%s needs an auditor's key: --key FILE or ECO_KEY%s",
		    ctl->cmd->name, ctl->kf != NULL ? " (this key is not an "
		    "auditor's)" : "");
	else if (strstr(h, "(counsellor") != NULL)
		ctl_fail("%s needs a counsellor's key: --key FILE or ECO_KEY%s",
		    ctl->cmd->name, ctl->kf != NULL ? " (this key is not a "
		    "counsellor's)" : "");
	else
		ctl_fail("%s is not allowed for this connection",
		    ctl->cmd != NULL ? ctl->cmd->name : "this command");
}

/* No key was given to a command that logs in: says whose key it needs
 * (its help names the role). Returns EXIT_FAIL. */
int
ctl_needs_key(struct ctl *ctl)
{
	const char	*h = ctl->cmd != NULL ? ctl->cmd->help : "";

	if (strstr(h, "(auditor") != NULL)
		return ctl_fail("%s needs an auditor's key: --key FILE or "
		    "ECO_KEY", ctl->cmd->name);
	if (strstr(h, "(counsellor") != NULL)
		return ctl_fail("%s needs a counsellor's key: --key FILE or "
		    "ECO_KEY", ctl->cmd->name);
	return ctl_fail("%s needs a key file: --key FILE or ECO_KEY",
	    ctl->cmd != NULL ? ctl->cmd->name : "this command");
}

/* Returns how many leading words of argv name e, or 0 if they do not. */
static int
ctl_match(const struct ctl_cmd *e, int argc, char **argv)
{
	const char	*p = e->name, *sp;
	size_t		 n;
	int		 words = 0;

	for (;;) {
		sp = strchr(p, ' ');
		n = sp == NULL ? strlen(p) : (size_t)(sp - p);
		if (words == argc || strlen(argv[words]) != n ||
		    strncmp(argv[words], p, n) != 0)
			return 0;
		words++;
		if (sp == NULL)
			return words;
		p = sp + 1;
	}
}

/*
 * Runs one command line (without "ecoctl" and its options): help COMMAND,
 * COMMAND --help, or the command. Returns its exit status. The shell runs
 * each of its lines through here, with the same ctl.
 */
int
ctl_dispatch(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd	*e;
	int			 i, words, rc;

	if (strcmp(argv[0], "help") == 0) {
		if (argc == 1) {
			cmd_list(stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[1], "--commands") == 0 ||
		    strcmp(argv[1], "--options") == 0)
			return cmd_complete(argc - 1, argv + 1);
		if ((e = cmd_find(argc - 1, argv + 1, &words)) == NULL)
			return cmd_unknown(argc - 1, argv + 1);
		return cmd_help(e);
	}
	if ((e = cmd_find(argc, argv, &words)) == NULL)
		return cmd_unknown(argc, argv);
	/* COMMAND --help (or -h first): its help, not a request. */
	for (i = words; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || (i == words &&
		    strcmp(argv[i], "-h") == 0))
			return cmd_help(e);
	ctl->cmd = e;
	ctl->refused_usage = 0;
	rc = e->run(ctl, argc - words, argv + words);
	ctl_code_free(ctl);
	if (rc == EXIT_FAIL && ctl->refused_usage)
		rc = EXIT_USAGE;
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctl		 ctl;
	struct rlimit		 nocore = { 0, 0 };
	int			 ch, rc;

	i18n_init();
	/* The client holds unlocked keys: keep them out of core files. */
	if (setrlimit(RLIMIT_CORE, &nocore) != 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || sodium_init() < 0) {
		fprintf(stderr, _("ecoctl: cannot start safely\n"));
		return EXIT_FAIL;
	}
	memset(&ctl, 0, sizeof ctl);
	if ((ctl.socket = getenv("ECO_SOCKET")) == NULL || *ctl.socket == '\0')
		ctl.socket = ECO_DEFAULT_SOCKET;
	if ((ctl.key = getenv("ECO_KEY")) != NULL && *ctl.key == '\0')
		ctl.key = NULL;
	/* "+": stop at the command, whose options are its own. */
	while ((ch = getopt_long(argc, argv, "+hs:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			ctl.socket = optarg;
			break;
		case 'V':
			printf(_("ecoctl %s (protocol %d)\n"), ECO_VERSION,
			    ECO_PROTO_VERSION);
			return EXIT_OK;
		case 'h':
			usage(EXIT_OK);
		default:
			usage(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(EXIT_USAGE);
	if (strcmp(argv[0], "help") == 0 && argc == 1)
		usage(EXIT_OK);
	rc = ctl_dispatch(&ctl, argc, argv);
	ctl_lock(&ctl);
	conn_close(ctl.conn);
	ctl_info_free(&ctl);
	return rc;
}
