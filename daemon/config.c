/*
 * Reading the configuration file. Every setting is one line of the table
 * below, with its type, default and bounds; any error is "FILE:LINE: what".
 */
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <libconfig.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "i18n.h"
#include "proto.h"
#include "sealed.h"
#include "wire.h"
#include "xmalloc.h"

enum setting_type {
	S_STRING,
	S_PATH,			/* a string; relative to the config's folder */
	S_BOOL,
	S_INT,
	S_UIDS,			/* a list or array of non-negative integers */
	S_CHOICE,		/* a string from choices */
};

struct setting {
	const char		 *name;
	enum setting_type	  type;
	size_t			  off;
	const char		 *def_str;
	long long		  def_int;
	long long		  min;
	long long		  max;
	const char *const	 *choices;
};

static const char *const log_choices[] = { "stderr", "syslog", NULL };

#define OFF(f)	offsetof(struct config, f)
static const struct setting settings[] = {
	{ "socket", S_PATH, OFF(socket), ECO_DEFAULT_SOCKET, 0, 0, 0, NULL },
	{ "socket_group", S_STRING, OFF(socket_group), "", 0, 0, 0, NULL },
	{ "data_dir", S_PATH, OFF(data_dir), "/var/lib/ecod", 0, 0, 0, NULL },
	{ "master_key_file", S_PATH, OFF(master_key_file),
	    "/etc/ecod/master.key", 0, 0, 0, NULL },
	{ "master_key_passphrase", S_BOOL, OFF(master_key_passphrase),
	    NULL, 0, 0, 1, NULL },
	{ "timezone", S_STRING, OFF(timezone), "America/Mexico_City",
	    0, 0, 0, NULL },
	{ "admin_uids", S_UIDS, OFF(admin_uids), NULL, 0, 0, UINT_MAX - 1,
	    NULL },
	{ "recovery_public_key", S_STRING, OFF(recovery_public_key), "",
	    0, 0, 0, NULL },
	{ "min_notice_minutes", S_INT, OFF(min_notice_minutes), NULL,
	    120, 0, 525600, NULL },
	{ "cancel_window_minutes", S_INT, OFF(cancel_window_minutes), NULL,
	    1440, 0, 525600, NULL },
	{ "buffer_minutes", S_INT, OFF(buffer_minutes), NULL,
	    0, 0, 240, NULL },
	{ "mark_correction_minutes", S_INT, OFF(mark_correction_minutes),
	    NULL, 1440, 0, 43200, NULL },
	{ "retention_days", S_INT, OFF(retention_days), NULL,
	    1825, 1, 36500, NULL },
	{ "note_retention_days", S_INT, OFF(note_retention_days), NULL,
	    1825, 1, 36500, NULL },
	{ "max_connections", S_INT, OFF(max_connections), NULL,
	    256, 1, 65536, NULL },
	{ "max_line_bytes", S_INT, OFF(max_line_bytes), NULL,
	    8192, 256, 1048576, NULL },
	{ "idle_timeout_seconds", S_INT, OFF(idle_timeout_seconds), NULL,
	    60, 1, 86400, NULL },
	{ "request_timeout_seconds", S_INT, OFF(request_timeout_seconds),
	    NULL, 10, 1, 3600, NULL },
	{ "max_connections_per_uid", S_INT, OFF(max_connections_per_uid),
	    NULL, 32, 0, 65536, NULL },
	{ "admin_reserved_connections", S_INT,
	    OFF(admin_reserved_connections), NULL, 4, 0, 1024, NULL },
	{ "max_output_bytes", S_INT, OFF(max_output_bytes), NULL,
	    8388608, 262144, 1073741824, NULL },
	{ "log", S_CHOICE, OFF(log), "stderr", 0, 0, 0, log_choices },
	{ "ical_summary", S_STRING, OFF(ical_summary), "Cita", 0, 0, 0, NULL },
	{ "max_bookings_per_connection", S_INT,
	    OFF(max_bookings_per_connection), NULL, 2, 1, 1000000, NULL },
	{ "max_bookings_per_uid_hour", S_INT, OFF(max_bookings_per_uid_hour),
	    NULL, 20, 0, 1000000, NULL },
	{ "max_note_bytes", S_INT, OFF(max_note_bytes), NULL,
	    1048576, 1024, ECO_NOTE_MAX, NULL },
	{ "max_message_bytes", S_INT, OFF(max_message_bytes), NULL,
	    4096, 1, ECO_MESSAGE_TEXT_MAX, NULL },
	{ "max_messages_per_case", S_INT, OFF(max_messages_per_case), NULL,
	    200, 1, 10000, NULL },
	{ "max_worker_bytes_per_case", S_INT, OFF(max_worker_bytes_per_case),
	    NULL, 262144, 1, 1073741824, NULL },
	{ "login_failures_per_uid", S_INT, OFF(login_failures_per_uid), NULL,
	    10, 1, 1000000, NULL },
	{ "login_failures_global", S_INT, OFF(login_failures_global), NULL,
	    100, 1, 1000000, NULL },
	{ "audit_refusals_per_window", S_INT, OFF(audit_refusals_per_window),
	    NULL, 30, 0, 1000000, NULL },
	{ "audit_window_seconds", S_INT, OFF(audit_window_seconds), NULL,
	    60, 1, 3600, NULL },
};
#undef OFF
#define NSETTINGS	(sizeof settings / sizeof settings[0])

/* Returns the table line named name, or NULL. */
static const struct setting *
setting_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NSETTINGS; i++) {
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	}
	return NULL;
}

/*
 * Returns value made absolute against the real path of the config file's
 * folder; leading "./" and "../" are resolved there (that folder has no
 * symbolic links left), the rest is kept as written.
 */
static char *
config_path(const char *cfgpath, const char *value)
{
	char		 dir[PATH_MAX], *tmp, *slash, *out;

	if (value[0] == '/')
		return xstrdup(value);
	tmp = xstrdup(cfgpath);
	if ((slash = strrchr(tmp, '/')) != NULL)
		*slash = '\0';
	if (realpath(slash == NULL ? "." : (*tmp == '\0' ? "/" : tmp),
	    dir) == NULL) {
		free(tmp);
		return xstrdup(value);	/* config_load fails on it anyway */
	}
	free(tmp);
	for (;;) {
		if (strncmp(value, "./", 2) == 0)
			value += 2;
		else if (strncmp(value, "../", 3) == 0) {
			if ((slash = strrchr(dir, '/')) != NULL)
				slash[slash == dir ? 1 : 0] = '\0';
			value += 3;
		} else
			break;
	}
	xasprintf(&out, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/",
	    value);
	return out;
}

/* Sets one string setting from its default. */
static void
setting_default(struct config *cf, const struct setting *s)
{
	char	*base = (char *)cf;

	switch (s->type) {
	case S_STRING:
	case S_CHOICE:
		*(char **)(base + s->off) = xstrdup(s->def_str);
		break;
	case S_PATH:
		*(char **)(base + s->off) = config_path(cf->path, s->def_str);
		break;
	case S_BOOL:
	case S_INT:
		*(int *)(base + s->off) = (int)s->def_int;
		break;
	case S_UIDS:
		break;
	}
}

/* Reads the admin uid list from set; returns 0 or -1 with *why. */
static int
setting_uids(struct config *cf, const struct setting *s,
    config_setting_t *set, char **why)
{
	config_setting_t	*e;
	long long		 v;
	int			 i, n;

	if (!config_setting_is_array(set) && !config_setting_is_list(set)) {
		*why = xstrdup(_("must be a list of uids, like [ 1000, 1001 ]"));
		return -1;
	}
	n = config_setting_length(set);
	cf->admin_uids = xcalloc(n, sizeof *cf->admin_uids);
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(set, i);
		if (config_setting_type(e) != CONFIG_TYPE_INT &&
		    config_setting_type(e) != CONFIG_TYPE_INT64) {
			*why = xstrdup(_("must hold only integers"));
			return -1;
		}
		v = config_setting_get_int64(e);
		if (v < s->min || v > s->max) {
			*why = xstrdup(_("holds a uid out of range"));
			return -1;
		}
		cf->admin_uids[cf->nadmin_uids++] = (uid_t)v;
	}
	return 0;
}

/* Reads one setting from the file; returns 0 or -1 with *why. */
static int
setting_read(struct config *cf, const struct setting *s,
    config_setting_t *set, char **why)
{
	char		*base = (char *)cf;
	const char	*str;
	long long	 v;
	int		 t = config_setting_type(set), i;

	switch (s->type) {
	case S_STRING:
	case S_PATH:
	case S_CHOICE:
		if (t != CONFIG_TYPE_STRING) {
			*why = xstrdup(_("must be a string in double quotes"));
			return -1;
		}
		str = config_setting_get_string(set);
		if (s->type == S_PATH && *str == '\0') {
			*why = xstrdup(_("must not be empty"));
			return -1;
		}
		if (s->type == S_CHOICE) {
			for (i = 0; s->choices[i] != NULL; i++)
				if (strcmp(s->choices[i], str) == 0)
					break;
			if (s->choices[i] == NULL) {
				*why = xstrdup(_("is not one of the allowed values"));
				return -1;
			}
		}
		free(*(char **)(base + s->off));
		*(char **)(base + s->off) = s->type == S_PATH ?
		    config_path(cf->path, str) : xstrdup(str);
		return 0;
	case S_BOOL:
		if (t != CONFIG_TYPE_BOOL) {
			*why = xstrdup(_("must be true or false"));
			return -1;
		}
		*(int *)(base + s->off) = config_setting_get_bool(set);
		return 0;
	case S_INT:
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
			*why = xstrdup(_("must be an integer"));
			return -1;
		}
		v = config_setting_get_int64(set);
		if (v < s->min || v > s->max) {
			xasprintf(why, _("is out of range (%lld to %lld)"),
			    s->min, s->max);
			return -1;
		}
		*(int *)(base + s->off) = (int)v;
		return 0;
	case S_UIDS:
		return setting_uids(cf, s, set, why);
	}
	*why = xstrdup(_("has an unknown type"));
	return -1;
}

/*
 * Returns the most a NOTE-OPEN reply for a note of max_note bytes can
 * queue: the sealed note in base64 lines of 4096 characters ("* " and a
 * newline each) and the final line with the author's name and key.
 */
size_t
config_note_reply_bytes(int max_note)
{
	size_t	 sealed = (size_t)max_note + NOTE_OVERHEAD_MAX;
	size_t	 b64 = (sealed + 2) / 3 * 4;

	return b64 + (b64 / 4096 + 1) * 3 + 1024;
}

/* The bytes of the largest AUDIT-ENTRIES reply: a full page of the
 * longest entries, each "* " and base64 and a newline, then OK. */
static size_t
config_audit_reply_bytes(void)
{
	return (size_t)ECO_AUDIT_PAGE_MAX * ((ECO_AUDIT_ENTRY_MAX + 2) / 3 *
	    4 + 3) + 1024;
}

/*
 * Fills *cause with "FILE:LINE: name: message", or "FILE: name: message"
 * when the setting was left at its default (line 0). Returns -1.
 */
static int __attribute__((format(printf, 5, 6)))
config_fail(const struct config *cf, const unsigned *line, const char *name,
    char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, at[16] = "";
	size_t	 i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0 && line[i] > 0)
			snprintf(at, sizeof at, ":%u", line[i]);
	va_start(ap, fmt);
	xvasprintf(&msg, _(fmt), ap);
	va_end(ap);
	xasprintf(cause, "%s%s: %s: %s", cf->path, at, name, msg);
	free(msg);
	return -1;
}

/* Returns the line setting name was read from, or 0 for its default. */
static unsigned
config_line(const unsigned *line, const char *name)
{
	return line[setting_find(name) - settings];
}

/*
 * The largest MSG-THREAD reply, each message costing per bytes at most:
 * the worker's messages (bounded by count and by their text in all), the
 * staff's (twice the count), and 64 KiB to spare.
 */
static size_t
config_thread_bytes(const struct config *cf, size_t per)
{
	size_t	 n = (size_t)cf->max_messages_per_case, w;

	w = (size_t)cf->max_worker_bytes_per_case + n * (MSG_OVERHEAD_MAX + 3);
	w = w / 3 * 4 + n * (4 + ECO_REPLY_LINE_COST);
	if (w > n * per)
		w = n * per;
	return w + 2 * n * per + 65536;
}

/* Checks settings that depend on the system or on each other. */
static int
config_check(struct config *cf, const unsigned *line, char **cause)
{
	char		 zone[PATH_MAX];
	const char	*why;
	struct stat	 sb;
	unsigned char	 pk[32], curve[32];
	size_t		 len, need, per, avail;

	if (cf->timezone[0] == '\0' || cf->timezone[0] == '/' ||
	    strstr(cf->timezone, "..") != NULL ||
	    (size_t)snprintf(zone, sizeof zone, "/usr/share/zoneinfo/%s",
	    cf->timezone) >= sizeof zone ||
	    stat(zone, &sb) != 0 || !S_ISREG(sb.st_mode))
		return config_fail(cf, line, "timezone", cause,
		    "unknown time zone \"%s\"", cf->timezone);
	if (cf->recovery_public_key[0] != '\0' &&
	    (sodium_base642bin(pk, sizeof pk, cf->recovery_public_key,
	    strlen(cf->recovery_public_key), NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || len != sizeof pk ||
	    crypto_sign_ed25519_pk_to_curve25519(curve, pk) != 0))
		return config_fail(cf, line, "recovery_public_key", cause,
		    "not a public key from ecoctl keygen");
	if (cf->ical_summary[0] == '\0' || strlen(cf->ical_summary) >
	    ICAL_SUMMARY_MAX || wire_check_text(cf->ical_summary,
	    strlen(cf->ical_summary), &why) != 0)
		return config_fail(cf, line, "ical_summary", cause,
		    "must be 1 to %d bytes of text on one line",
		    ICAL_SUMMARY_MAX);
	if (cf->socket_group[0] != '\0' && getgrnam(cf->socket_group) == NULL)
		return config_fail(cf, line, "socket_group", cause,
		    "no such group \"%s\"", cf->socket_group);
	if (strlen(cf->socket) >= sizeof ((struct sockaddr_un *)0)->sun_path)
		return config_fail(cf, line, "socket", cause,
		    "path is %zu bytes, longer than a Unix socket allows "
		    "(%zu)", strlen(cf->socket),
		    sizeof ((struct sockaddr_un *)0)->sun_path - 1);
	if (cf->admin_reserved_connections >= cf->max_connections) {
		/* The default shrinks to fit a small max_connections; a
		 * value written in the file must fit as written. */
		if (config_line(line, "admin_reserved_connections") > 0)
			return config_fail(cf, line,
			    "admin_reserved_connections", cause, "must be "
			    "less than max_connections (%d)",
			    cf->max_connections);
		cf->admin_reserved_connections = cf->max_connections - 1;
	}
	/* Left out, notes go with their case. */
	if (config_line(line, "note_retention_days") == 0)
		cf->note_retention_days = cf->retention_days;
	if (cf->note_retention_days < cf->retention_days)
		return config_fail(cf, line, "note_retention_days", cause,
		    "must be at least retention_days (%d): a note may outlive "
		    "its case, never go before it", cf->retention_days);
	if ((size_t)cf->max_output_bytes < config_audit_reply_bytes() + 65536)
		return config_fail(cf, line, "max_output_bytes", cause,
		    "a page of audit entries needs at least %zu (it is %d)",
		    config_audit_reply_bytes() + 65536, cf->max_output_bytes);
	/* A message travels in one line each way: MSG-POST code message. */
	need = ((size_t)cf->max_message_bytes + MSG_OVERHEAD_MAX + 2) / 3 * 4 +
	    64;
	if ((size_t)cf->max_line_bytes < need &&
	    config_line(line, "max_message_bytes") == 0) {
		/* The default shrinks to fit a short line; one written in
		 * the file must fit as written. */
		need = ((size_t)cf->max_line_bytes - 64) / 4 * 3;
		if (need <= MSG_OVERHEAD_MAX)
			return config_fail(cf, line, "max_line_bytes", cause,
			    "a line of %d bytes holds no case message: one of "
			    "a single byte needs max_line_bytes of at least %zu",
			    cf->max_line_bytes,
			    (size_t)(1 + MSG_OVERHEAD_MAX + 2) / 3 * 4 + 64);
		cf->max_message_bytes = (int)(need - MSG_OVERHEAD_MAX);
	} else if ((size_t)cf->max_line_bytes < need)
		return config_fail(cf, line, "max_message_bytes", cause,
		    "a message of max_message_bytes = %d needs max_line_bytes "
		    "of at least %zu (it is %d)", cf->max_message_bytes, need,
		    cf->max_line_bytes);
	/* A whole thread is one MSG-THREAD reply; ecoctl takes at most
	 * ECO_REPLY_MAX. It holds up to max_messages_per_case from the
	 * worker (and max_worker_bytes_per_case of text) and up to twice as
	 * many from staff: MSG-SEND takes the first half, reasons for a
	 * session cancelled by the service also the second. */
	per = (((size_t)cf->max_message_bytes + MSG_OVERHEAD_MAX + 2) / 3 * 4) +
	    ECO_REPLY_LINE_COST;
	need = config_thread_bytes(cf, per);
	if (((size_t)cf->max_output_bytes < need || need > ECO_REPLY_MAX) &&
	    config_line(line, "max_messages_per_case") == 0) {
		/* The default shrinks to fit a small max_output_bytes. */
		avail = (size_t)cf->max_output_bytes < ECO_REPLY_MAX ?
		    (size_t)cf->max_output_bytes : ECO_REPLY_MAX;
		cf->max_messages_per_case = avail > 65536 + 3 * per ?
		    (int)((avail - 65536) / (3 * per)) : 1;
		need = config_thread_bytes(cf, per);
	}
	if ((size_t)cf->max_output_bytes < need || need > ECO_REPLY_MAX)
		return config_fail(cf, line, "max_messages_per_case", cause,
		    "a thread of max_messages_per_case = %d messages of "
		    "max_message_bytes = %d each way (and as many again for "
		    "cancellations) needs max_output_bytes of at least %zu (it "
		    "is %d; at most %d)", cf->max_messages_per_case,
		    cf->max_message_bytes, need, cf->max_output_bytes,
		    ECO_REPLY_MAX);
	need = config_note_reply_bytes(cf->max_note_bytes) + 65536;
	if ((size_t)cf->max_output_bytes < need)
		return config_fail(cf, line,
		    config_line(line, "max_output_bytes") > 0 ||
		    config_line(line, "max_note_bytes") == 0 ?
		    "max_output_bytes" : "max_note_bytes", cause,
		    "a note of max_note_bytes = %d needs max_output_bytes of "
		    "at least %zu (it is %d)", cf->max_note_bytes, need,
		    cf->max_output_bytes);
	return 0;
}

/*
 * Reads the configuration in path. Returns it, or NULL with *cause set to
 * "FILE:LINE: message" (or "FILE: message" where no line applies).
 */
struct config *
config_load(const char *path, char **cause)
{
	struct config		*cf;
	config_t		 lc;
	config_setting_t	*root, *set;
	const struct setting	*s;
	unsigned		 line[NSETTINGS];
	char			*why;
	size_t			 i;
	int			 n, k;

	cf = xcalloc(1, sizeof *cf);
	cf->path = xstrdup(path);
	for (i = 0; i < NSETTINGS; i++) {
		setting_default(cf, &settings[i]);
		line[i] = 0;
	}

	config_init(&lc);
	config_set_options(&lc, 0);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			xasprintf(cause, _("%s: cannot read: %s"), path,
			    strerror(errno != 0 ? errno : EIO));
		else
			xasprintf(cause, "%s:%d: %s",
			    config_error_file(&lc) ? config_error_file(&lc) :
			    path, config_error_line(&lc), config_error_text(&lc));
		goto fail;
	}
	root = config_root_setting(&lc);
	n = config_setting_length(root);
	for (k = 0; k < n; k++) {
		set = config_setting_get_elem(root, k);
		if ((s = setting_find(config_setting_name(set))) == NULL) {
			xasprintf(cause, _("%s:%u: unknown setting \"%s\""), path,
			    config_setting_source_line(set),
			    config_setting_name(set));
			goto fail;
		}
		if (setting_read(cf, s, set, &why) != 0) {
			xasprintf(cause, "%s:%u: %s %s", path,
			    config_setting_source_line(set), s->name, why);
			free(why);
			goto fail;
		}
		line[s - settings] = config_setting_source_line(set);
	}
	config_destroy(&lc);
	if (config_check(cf, line, cause) != 0) {
		config_free(cf);
		return NULL;
	}
	return cf;
fail:
	config_destroy(&lc);
	config_free(cf);
	return NULL;
}

/* Frees a configuration; NULL is fine. */
void
config_free(struct config *cf)
{
	size_t	 i;
	char	*base = (char *)cf;

	if (cf == NULL)
		return;
	for (i = 0; i < NSETTINGS; i++) {
		switch (settings[i].type) {
		case S_STRING:
		case S_PATH:
		case S_CHOICE:
			free(*(char **)(base + settings[i].off));
			break;
		default:
			break;
		}
	}
	free(cf->admin_uids);
	free(cf->path);
	free(cf);
}
