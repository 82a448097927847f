/* Logging: one line a message, to stderr or syslog, chosen by the config. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "i18n.h"
#include "log.h"
#include "xmalloc.h"

static int	log_to_syslog;
static int	log_verbose;

/* Sets where messages go and whether debug messages are kept. */
void
log_init(int to_syslog, int verbose)
{
	log_verbose = verbose;
	log_set_syslog(to_syslog);
}

/* Switches between stderr and syslog; config may change it after start-up. */
void
log_set_syslog(int to_syslog)
{
	if (to_syslog && !log_to_syslog)
		openlog("ecod", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!to_syslog && log_to_syslog)
		closelog();
	log_to_syslog = to_syslog;
}

/* Writes one message at priority pri, with strerror(err) appended if err:
 * fmt is a literal, translated for the operator (po/, as log_*'s). */
static void
log_vwrite(int pri, int err, const char *fmt, va_list ap)
{
	char	*msg;

	xvasprintf(&msg, _(fmt), ap);
	if (log_to_syslog) {
		if (err)
			syslog(pri, "%s: %s", msg, strerror(err));
		else
			syslog(pri, "%s", msg);
	} else {
		if (err)
			fprintf(stderr, "ecod: %s: %s\n", msg, strerror(err));
		else
			fprintf(stderr, "ecod: %s\n", msg);
		fflush(stderr);
	}
	free(msg);
}

/* Logs a warning with the current errno. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 err = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, err, fmt, ap);
	va_end(ap);
	errno = err;
}

/* Logs a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

/* Logs an informational message. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

/* Logs a debug message when verbose. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

/* Logs with errno and exits: start-up failures and broken invariants only. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 err = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, err, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Logs and exits: start-up failures and broken invariants only. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
