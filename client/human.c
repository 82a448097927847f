/*
 * What people read: dates with the weekday and the zone, in the reader's
 * language ("jueves 4 de diciembre de 2026, 10:00 (hora de la Ciudad de
 * México)"), modalities and states in words. Scripts get the wire's ISO
 * times and words instead (out.c). The names come from the catalogue, not
 * from the C library's locale data, which a fresh machine may not have.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecoctl.h"
#include "i18n.h"

static const char *const weekdays[] = { N_("Sunday"), N_("Monday"),
    N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
    N_("Saturday") };
static const char *const months[] = { N_("January"), N_("February"),
    N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
    N_("August"), N_("September"), N_("October"), N_("November"),
    N_("December") };

/* The zones of Mexico by the names people use; others by their city. */
static const struct {
	const char	*tz;
	const char	*name;
} zones[] = {
	{ "America/Mexico_City", N_("Mexico City time") },
	{ "America/Monterrey", N_("Monterrey time") },
	{ "America/Merida", N_("Mérida time") },
	{ "America/Cancun", N_("Cancún time") },
	{ "America/Chihuahua", N_("Chihuahua time") },
	{ "America/Ciudad_Juarez", N_("Ciudad Juárez time") },
	{ "America/Hermosillo", N_("Hermosillo time") },
	{ "America/Mazatlan", N_("Mazatlán time") },
	{ "America/Tijuana", N_("Tijuana time") },
	{ "UTC", N_("UTC") },
};

/* Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
static long
civil_days(long y, unsigned m, unsigned d)
{
	long		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/*
 * Writes a protocol local time "YYYY-MM-DDTHH:MM" for people: weekday,
 * day, month, year and time in the reader's language. Anything else is
 * copied as it is (the daemon is not trusted to send a good one).
 */
void
human_time(const char *t, char *buf, size_t len)
{
	int	 y, mo, d, h, mi, n = 0;
	long	 days;

	if (strlen(t) != 16 || sscanf(t, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d,
	    &h, &mi, &n) != 5 || n != 16 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || y < 1970) {
		snprintf(buf, len, "%s", t);
		return;
	}
	days = civil_days(y, (unsigned)mo, (unsigned)d);
	/* TRANSLATORS: a date and time: weekday, day, month, year, hour,
	 * minute; Spanish: "%1$s %2$d de %3$s de %4$d, %5$02d:%6$02d". */
	snprintf(buf, len, _("%1$s %2$d %3$s %4$d, %5$02d:%6$02d"),
	    _(weekdays[(days % 7 + 11) % 7]), d, _(months[mo - 1]), y, h, mi);
}

/* The zone for people: "Mexico City time", or the zone's city. */
void
human_zone(const char *tz, char *buf, size_t len)
{
	const char	*city;
	size_t		 i;

	for (i = 0; i < sizeof zones / sizeof zones[0]; i++)
		if (strcmp(zones[i].tz, tz) == 0) {
			snprintf(buf, len, "%s", _(zones[i].name));
			return;
		}
	city = strrchr(tz, '/') != NULL ? strrchr(tz, '/') + 1 : tz;
	/* TRANSLATORS: a time zone named by its city, "hora de %s". */
	snprintf(buf, len, _("%s time"), city);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
}

/* A time with its zone: "Thursday 4 December 2026, 10:00 (Mexico City
 * time)". The zone is left out when INFO could not be had. */
void
human_time_zone(struct ctl *ctl, const char *t, char *buf, size_t len)
{
	char	 when[128], zone[96];

	human_time(t, when, sizeof when);
	if (ctl_info(ctl) == NULL) {
		snprintf(buf, len, "%s", when);
		return;
	}
	human_zone(ctl->info->timezone, zone, sizeof zone);
	snprintf(buf, len, "%s (%s)", when, zone);
}

/* A modality as people write it: "teléfono" (the wire says "telefono"). */
const char *
human_modality(const char *m)
{
	if (strcmp(m, "presencial") == 0)
		/* TRANSLATORS: a session in person. */
		return _("in person");
	if (strcmp(m, "telefono") == 0)
		return _("phone");
	if (strcmp(m, "video") == 0)
		return _("video");
	return m;
}

/* A booking's state in words. */
const char *
human_state(const char *s)
{
	static const struct {
		const char	*wire;
		const char	*words;
	} states[] = {
		{ "booked", N_("booked") },
		/* TRANSLATORS: a published slot nobody has booked. */
		{ "free", N_("free") },
		{ "cancelled", N_("cancelled") },
		{ "rescheduled", N_("moved to another time") },
		{ "attended", N_("attended") },
		{ "no-show", N_("did not come") },
		{ "cancelled-by-service", N_("cancelled by the service") },
		{ "worker", N_("the worker") },
		{ "service", N_("the service") },
		{ "yes", N_("yes") },
		{ "no", N_("no") },
		{ "active", N_("active") },
		{ "revoked", N_("revoked") },
		{ "counsellor", N_("counsellor") },
		{ "auditor", N_("auditor") },
	};
	size_t	 i;

	for (i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(states[i].wire, s) == 0)
			return _(states[i].words);
	return s;
}
