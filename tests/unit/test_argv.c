/* The argv builder: appends in order, stays NULL-terminated, frees what it formatted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/argv.h"

static void test_build(void **state)
{
	char *list[] = {"standby", "clone", NULL};
	struct argv a = ARGV_INIT;
	char *const *v;
	int i;

	(void)state;
	v = argv_get(&a);
	assert_null(v[0]); /* empty, and still a vector */
	argv_add(&a, "repmgr");
	argv_addf(&a, "--port=%d", 5432);
	argv_add_all(&a, list);
	for (i = 0; i < 40; i++) /* past any first capacity */
		argv_addf(&a, "x%d", i);
	v = argv_get(&a);
	assert_string_equal(v[0], "repmgr");
	assert_string_equal(v[1], "--port=5432");
	assert_string_equal(v[2], "standby");
	assert_string_equal(v[3], "clone");
	assert_string_equal(v[43], "x39");
	assert_null(v[44]);
	argv_free(&a);
	assert_null(a.v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
