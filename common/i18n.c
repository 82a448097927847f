/*
 * Choosing the language: LC_ALL, LC_MESSAGES and LANG as usual. When the
 * locale they name is not installed (a fresh machine often has only C.UTF-8),
 * glibc's setlocale fails and gettext would fall back to English; then the
 * program runs in C.UTF-8 and tells gettext the language through LANGUAGE,
 * which glibc honours in any locale but plain C. The catalogue is looked
 * for beside the executable first (i18n_bind).
 */
#include <limits.h>
#include <stdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"

#ifndef LOCALEDIR
#define LOCALEDIR	"/usr/local/share/locale"
#endif

/* The first of LC_ALL, LC_MESSAGES, LANG that is set and not empty. */
static const char *
i18n_env(void)
{
	static const char *const names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
	const char	*v;
	size_t		 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if ((v = getenv(names[i])) != NULL && *v != '\0')
			return v;
	return NULL;
}

/*
 * Where the catalogues are: "locale" beside the executable (the build
 * tree), else "../share/locale" from it (wherever make install put it,
 * whatever PREFIX it was given), else LOCALEDIR.
 */
static void
i18n_bind(void)
{
	static const char *const rel[] = { "/locale", "/../share/locale" };
	char		 exe[PATH_MAX], dir[PATH_MAX + 32], *slash;
	ssize_t		 n;
	size_t		 i;
	struct stat	 sb;

	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL)
			*slash = '\0';
		for (i = 0; slash != NULL && i < sizeof rel / sizeof rel[0];
		    i++) {
			snprintf(dir, sizeof dir, "%s%s", exe, rel[i]);
			if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) {
				bindtextdomain(ECO_TEXTDOMAIN, dir);
				return;
			}
		}
	}
	bindtextdomain(ECO_TEXTDOMAIN, LOCALEDIR);
}

/* Sets the locale and the catalogue; call first in main. */
void
i18n_init(void)
{
	const char	*lang, *language = getenv("LANGUAGE");
	char		 buf[64];
	size_t		 n;

	if (setlocale(LC_ALL, "") == NULL) {
		lang = i18n_env();
		if (setlocale(LC_ALL, "C.UTF-8") != NULL && lang != NULL &&
		    (language == NULL || *language == '\0') &&
		    strcmp(lang, "C") != 0 &&
		    strcmp(lang, "POSIX") != 0) {
			/* "es_MX.UTF-8@x" gives "es_MX:es". */
			n = strcspn(lang, ".@");
			if (n > 0 && n < 16 && lang[0] != '/') {
				memcpy(buf, lang, n);
				buf[n] = '\0';
				if (strchr(buf, '_') != NULL) {
					strcat(buf, ":");
					strncat(buf, lang, strcspn(lang, "_"));
				}
				setenv("LANGUAGE", buf, 1);
			}
		}
	}
	/* Numbers and dates are written by the code itself, never by the
	 * locale: a wire field, a tab-separated column or a log line reads
	 * the same in every language. */
	setlocale(LC_NUMERIC, "C");
	setlocale(LC_TIME, "C");
	i18n_bind();
	bind_textdomain_codeset(ECO_TEXTDOMAIN, "UTF-8");
	textdomain(ECO_TEXTDOMAIN);
}

