/*
 * Messages for people, through GNU gettext. ecoctl and ecod share one
 * catalogue, the "ecoctl" domain (po/ecoctl.pot): the client's texts and
 * the operator-facing texts of the daemon. The wire stays English.
 */
#ifndef ECO_I18N_H
#define ECO_I18N_H

#include <libintl.h>

#define ECO_TEXTDOMAIN	"ecoctl"

#define _(s)		gettext(s)
#define N_(s)		(s)	/* marked for xgettext, looked up later */

void	i18n_init(void);

#endif
