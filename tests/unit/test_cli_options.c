#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cli/cli.h"

static int fake_run(const struct cli_args *args)
{
	(void)args;
	return 0;
}

static const struct cli_option opts[] = {
    {"json", 'j', NULL, "json"},
    {"user", 'u', "USER", "run as"},
    {0},
};

static const struct cli_command fake = {
    .name = "fake",
    .usage = "LAB",
    .summary = "s",
    .options = opts,
    .min_args = 1,
    .max_args = 2,
    .run = fake_run,
};

static const struct cli_command fake_rest = {
    .name = "exec",
    .usage = "LAB HOST -- CMD",
    .summary = "s",
    .options = opts,
    .min_args = 2,
    .max_args = 2,
    .takes_rest = true,
    .run = fake_run,
};

static void test_flags_and_values(void **state)
{
	char *argv[] = {"lab.yaml", "--json", "-u", "postgres", "extra"};
	struct cli_args a;

	(void)state;
	assert_int_equal(cli_parse(&fake, 5, argv, &a), 0);
	assert_true(cli_flag(&a, "json"));
	assert_string_equal(cli_opt(&a, "user"), "postgres");
	assert_int_equal(a.npos, 2);
	assert_string_equal(a.pos[0], "lab.yaml");
	assert_string_equal(a.pos[1], "extra");
}

static void test_equals_form(void **state)
{
	char *argv[] = {"--user=barman", "lab.yaml"};
	struct cli_args a;

	(void)state;
	assert_int_equal(cli_parse(&fake, 2, argv, &a), 0);
	assert_string_equal(cli_opt(&a, "user"), "barman");
	assert_false(cli_flag(&a, "json"));
}

static void test_misuse(void **state)
{
	char *unknown[] = {"lab.yaml", "--jsn"};
	char *missing_value[] = {"lab.yaml", "--user"};
	char *flag_value[] = {"lab.yaml", "--json=yes"};
	char *too_many[] = {"a", "b", "c"};
	struct cli_args a;

	(void)state;
	assert_int_equal(cli_parse(&fake, 2, unknown, &a), -1);
	assert_int_equal(cli_parse(&fake, 2, missing_value, &a), -1);
	assert_int_equal(cli_parse(&fake, 2, flag_value, &a), -1);
	assert_int_equal(cli_parse(&fake, 3, too_many, &a), -1);
	assert_int_equal(cli_parse(&fake, 0, NULL, &a), -1);
}

static void test_rest(void **state)
{
	char *argv[] = {"lab.yaml", "postgres1", "--", "psql", "-c", "select 1"};
	char *no_rest[] = {"lab.yaml", "postgres1"};
	struct cli_args a;

	(void)state;
	assert_int_equal(cli_parse(&fake_rest, 6, argv, &a), 0);
	assert_int_equal(a.npos, 2);
	assert_int_equal(a.nrest, 3);
	assert_string_equal(a.rest[0], "psql");
	assert_string_equal(a.rest[2], "select 1");
	assert_int_equal(cli_parse(&fake_rest, 2, no_rest, &a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flags_and_values),
	    cmocka_unit_test(test_equals_form),
	    cmocka_unit_test(test_misuse),
	    cmocka_unit_test(test_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
