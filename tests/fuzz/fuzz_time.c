/*
 * libFuzzer target: local times as clients send them (daemon/timeutil.c).
 * The first byte picks a time zone (some with daylight-saving changes at
 * night, one at midnight), the rest is the text. A time either fails or
 * prints back as the same local time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "timeutil.h"

static const char *const zones[] = {
	"UTC", "Europe/Berlin", "America/Mexico_City", "America/Havana",
	"Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo",
	"Asia/Kolkata",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char	*zone;
	const char		*why, *z;
	char			*text, printed[LOCAL_TIME_LEN + 1];
	char			 want[LOCAL_TIME_LEN + 1];
	time_t			 t;
	int			 date_ok;

	if (size < 1)
		return 0;
	z = zones[(data[0] & 0x7f) % (sizeof zones / sizeof zones[0])];
	date_ok = data[0] >> 7;
	if (z != zone) {
		if (time_set_zone(z) != 0)
			abort();
		zone = z;
	}
	text = (char *)fuzz_copy(data + 1, size - 1);
	if (time_parse_local_len(text, size - 1, date_ok, &t, &why) == 0) {
		FUZZ_ASSERT(size - 1 == 16 || (size - 1 == 10 && date_ok));
		memcpy(want, text, size - 1);
		if (size - 1 == 10)
			memcpy(want + 10, "T00:00", 6);
		want[10] = 'T';
		want[LOCAL_TIME_LEN] = '\0';
		time_format_local(t, printed);
		FUZZ_ASSERT(strcmp(printed, want) == 0);
	} else
		FUZZ_ASSERT(why != NULL);
	free(text);
	return 0;
}
