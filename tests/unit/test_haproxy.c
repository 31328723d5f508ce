/* The bytes of haproxy's tcp-check probe: a PostgreSQL StartupMessage, a Query and a
 * Terminate, hex-encoded for haproxy.cfg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "roles/haproxy.h"

static void test_probe_bytes(void **state)
{
	char *hex = haproxy_pg_probe_hex("hc", "hc");

	(void)state;
	/* Worked out by hand from the protocol: length 29, protocol 3.0, user, database,
	 * terminator; Q with its length; X. */
	assert_string_equal(hex, "0000001d00030000757365720068630064617461626173650068630000"
	                         "510000001f73656c6563742070675f69735f696e5f7265636f766572792829"
	                         "005800000004");
	free(hex);
}

static void test_long_names_do_not_overflow(void **state)
{
	char name[301];
	char *hex;

	(void)state;
	memset(name, 'a', 300);
	name[300] = '\0';
	hex = haproxy_pg_probe_hex(name, name);
	/* Startup length: 4 + 4 + 5 + 301 + 9 + 301 + 1 = 625 = 0x271. */
	assert_memory_equal(hex, "00000271", 8);
	assert_int_equal(strlen(hex), 2 * (625 + 1 + 4 + 27 + 1 + 4));
	free(hex);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_probe_bytes),
	    cmocka_unit_test(test_long_names_do_not_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
