/* What the harness shows of the SQL it runs: never a password. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "roles/pg.h"

static void test_password_hidden(void **state)
{
	char *shown = pg_sql_for_display("CREATE ROLE \"books\" LOGIN  PASSWORD 's3cr3t''x'");

	(void)state;
	assert_string_equal(shown, "CREATE ROLE \"books\" LOGIN  PASSWORD (hidden)");
	assert_null(strstr(shown, "s3cr3t"));
	free(shown);
	shown = pg_sql_for_display("SELECT pg_reload_conf()");
	assert_string_equal(shown, "SELECT pg_reload_conf()");
	free(shown);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_password_hidden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
