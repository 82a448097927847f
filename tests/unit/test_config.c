/* Unit tests of the configuration reader: defaults, paths, every error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

/* "/tmp/" and these make socket paths of 108 and 107 bytes. */
#define SOCK_FITS	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define SOCK_LONG	SOCK_FITS "y"

static char	 dir[64];
static char	 path[128];

static int
setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/eco-conf-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof path, "%s/ecod.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	unlink(path);
	rmdir(dir);
	return 0;
}

/* Writes text as the config file and loads it. */
static struct config *
load(const char *text, char **cause)
{
	FILE	*fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
	*cause = NULL;
	return config_load(path, cause);
}

/* Expects text to fail with "FILE:LINE: ..." holding what. */
static void
load_bad(const char *text, int line, const char *what)
{
	char	*cause, want[192];

	assert_null(load(text, &cause));
	assert_non_null(cause);
	if (line > 0)
		snprintf(want, sizeof want, "%s:%d: ", path, line);
	else
		snprintf(want, sizeof want, "%s: ", path);
	assert_memory_equal(cause, want, strlen(want));
	assert_non_null(strstr(cause, what));
	free(cause);
}

static void
test_defaults(void **state)
{
	struct config	*cf;
	char		*cause, want[160];

	assert_non_null(cf = load("# nothing\n", &cause));
	assert_string_equal(cf->socket, "/run/ecod/ecod.sock");
	assert_string_equal(cf->timezone, "America/Mexico_City");
	assert_int_equal(cf->max_line_bytes, 8192);
	assert_int_equal(cf->max_connections, 256);
	assert_int_equal(cf->idle_timeout_seconds, 60);
	assert_int_equal(cf->request_timeout_seconds, 10);
	assert_int_equal(cf->max_connections_per_uid, 32);
	assert_int_equal(cf->admin_reserved_connections, 4);
	assert_int_equal(cf->max_output_bytes, 8388608);
	assert_true((size_t)cf->max_output_bytes >
	    config_note_reply_bytes(cf->max_note_bytes) + 65536);
	assert_int_equal(cf->master_key_passphrase, 0);
	assert_int_equal(cf->nadmin_uids, 0);
	assert_string_equal(cf->log, "stderr");
	config_free(cf);

	assert_non_null(cf = load("data_dir = \"d\";\nsocket = \"/x/s\";\n"
	    "admin_uids = [ 1000, 1001 ];\nlog = \"syslog\";\n"
	    "max_line_bytes = 2048;\ntimezone = \"UTC\";\n", &cause));
	snprintf(want, sizeof want, "%s/d", dir);
	assert_string_equal(cf->data_dir, want);
	assert_string_equal(cf->socket, "/x/s");
	assert_int_equal(cf->nadmin_uids, 2);
	assert_int_equal(cf->admin_uids[1], 1001);
	assert_int_equal(cf->max_line_bytes, 2048);
	config_free(cf);

	/* "./" and "../" resolve against the config's folder. */
	assert_non_null(cf = load("data_dir = \"../x/d\";\n"
	    "socket = \"./s\";\n", &cause));
	assert_string_equal(cf->data_dir, "/tmp/x/d");
	snprintf(want, sizeof want, "%s/s", dir);
	assert_string_equal(cf->socket, want);
	config_free(cf);
}

static void
test_errors_name_file_and_line(void **state)
{
	load_bad("socket = \"a\";\n\nbogus = 1;\n", 3, "unknown setting "
	    "\"bogus\"");
	load_bad("# c\nmax_connections = \"many\";\n", 2, "must be an integer");
	load_bad("max_connections = 0;\n", 1, "out of range (1 to 65536)");
	load_bad("\n\nmax_line_bytes = 99999999;\n", 3, "out of range");
	load_bad("socket = \"a\";\nmax_line_bytes = 512;\n", 2,
	    "max_line_bytes: a line of 512 bytes holds no case message");
	load_bad("idle_timeout_seconds = -5;\n", 1, "out of range");
	load_bad("master_key_passphrase = 1;\n", 1, "true or false");
	load_bad("socket = 5;\n", 1, "must be a string");
	load_bad("data_dir = \"\";\n", 1, "must not be empty");
	load_bad("log = \"file\";\n", 1, "not one of the allowed values");
	load_bad("admin_uids = 5;\n", 1, "list of uids");
	load_bad("admin_uids = [ \"root\" ];\n", 1, "only integers");
	load_bad("admin_uids = [ -1 ];\n", 1, "out of range");
	load_bad("socket = \"a\"\nmax_connections 3;\n", 2, "syntax error");
	load_bad("a = 1;\na = 2;\n", 2, "");
	load_bad("\ntimezone = \"Mars/Olympus\";\n", 2,
	    "timezone: unknown time zone");
	load_bad("timezone = \"../../etc/passwd\";\n", 1, "unknown time zone");
	load_bad("#\n#\nsocket_group = \"no-such-group-eco\";\n", 3,
	    "socket_group: no such group");
	load_bad("log = \"stderr\";\nrecovery_public_key = \"AAAA\";\n", 2,
	    "recovery_public_key: not a public key");
	load_bad("socket = \"/tmp/" SOCK_LONG "\";\n", 1,
	    "socket: path is 108 bytes, longer than a Unix socket allows "
	    "(107)");
	load_bad("request_timeout_seconds = 0;\n", 1, "out of range (1 to");
	load_bad("max_connections_per_uid = -1;\n", 1, "out of range");
	load_bad("max_output_bytes = 1024;\n", 1, "out of range");
	load_bad("max_connections = 8;\nadmin_reserved_connections = 8;\n", 2,
	    "admin_reserved_connections: must be less than max_connections");
	load_bad("max_note_bytes = 16777216;\n", 1,
	    "max_note_bytes: a note of max_note_bytes = 16777216 needs "
	    "max_output_bytes of at least");
	load_bad("max_note_bytes = 16777216;\nmax_output_bytes = 16777216;\n",
	    2, "max_output_bytes: a note of max_note_bytes");
	load_bad("max_note_bytes = 1024;\nmax_output_bytes = 300000;\n", 2,
	    "max_output_bytes: a page of audit entries needs at least");
}

static void
test_limits_fit(void **state)
{
	struct config	*cf;
	char		*cause;

	/* The default reserve shrinks to fit a small max_connections. */
	assert_non_null(cf = load("max_connections = 3;\n", &cause));
	assert_int_equal(cf->admin_reserved_connections, 2);
	config_free(cf);
	/* A socket path of 107 bytes fits sun_path with its NUL. */
	assert_non_null(cf = load("socket = \"/tmp/" SOCK_FITS "\";\n",
	    &cause));
	config_free(cf);
	assert_non_null(cf = load("max_note_bytes = 16777216;\n"
	    "max_output_bytes = 33554432;\n", &cause));
	config_free(cf);
}

static void
test_missing_file(void **state)
{
	char	*cause = NULL;

	assert_null(config_load("/nonexistent/eco.conf", &cause));
	assert_non_null(strstr(cause, "/nonexistent/eco.conf: cannot read"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_name_file_and_line,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_fit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
