#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/units.h"

static void test_duration(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(units_parse_duration("250ms", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(units_parse_duration("10s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(units_parse_duration("2min", &ms), 0);
	assert_int_equal(ms, 120000);
	assert_int_equal(units_parse_duration("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(units_parse_duration("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(units_parse_duration("5", &ms), -1); /* unit required */
	assert_int_equal(units_parse_duration("10 seconds", &ms), -1);
	assert_int_equal(units_parse_duration("-1s", &ms), -1);
	assert_int_equal(units_parse_duration("", &ms), -1);
	assert_int_equal(units_parse_duration("99999999999999999999s", &ms), -1);
}

static void test_size(void **state)
{
	uint64_t b;

	(void)state;
	assert_int_equal(units_parse_size("16MB", &b), 0);
	assert_true(b == 16ULL * 1024 * 1024);
	assert_int_equal(units_parse_size("512kB", &b), 0);
	assert_true(b == 512ULL * 1024);
	assert_int_equal(units_parse_size("1GiB", &b), 0);
	assert_true(b == 1024ULL * 1024 * 1024);
	assert_int_equal(units_parse_size("4096", &b), 0);
	assert_true(b == 4096);
	assert_int_equal(units_parse_size("16 megs", &b), -1);
	assert_int_equal(units_parse_size("-1GB", &b), -1);
	assert_int_equal(units_parse_size("20000000TB", &b), -1); /* overflow */
}

static void test_ipv4_and_subnet(void **state)
{
	struct subnet net;
	uint32_t a;
	char buf[32];

	(void)state;
	assert_int_equal(units_parse_ipv4("10.213.0.11", &a), 0);
	assert_true(a == 0x0ad5000bu);
	units_format_ipv4(a, buf, sizeof(buf));
	assert_string_equal(buf, "10.213.0.11");
	assert_int_equal(units_parse_ipv4("10.213.0.256", &a), -1);
	assert_int_equal(units_parse_ipv4("10.213.0", &a), -1);
	assert_int_equal(units_parse_ipv4("10.213.0.1.2", &a), -1);
	assert_int_equal(units_parse_ipv4("1000.1.1.1", &a), -1);
	assert_int_equal(units_parse_subnet("10.213.0.0/24", &net), 0);
	assert_int_equal(net.prefix, 24);
	assert_true(subnet_contains(&net, 0x0ad500ffu));
	assert_false(subnet_contains(&net, 0x0ad50100u));
	assert_int_equal(units_parse_subnet("10.213.0.1/24", &net), -1); /* host bits */
	assert_int_equal(units_parse_subnet("10.213.0.0/33", &net), -1);
	assert_int_equal(units_parse_subnet("10.213.0.0", &net), -1);
	units_parse_subnet("192.168.4.0/22", &net);
	units_format_subnet(&net, buf, sizeof(buf));
	assert_string_equal(buf, "192.168.4.0/22");
}

static void test_format_round_trip(void **state)
{
	static const char *const durations[] = {"250ms", "10s", "2min", "1h", "3d", "1500ms"};
	static const char *const sizes[] = {"16MB", "512kB", "1GB", "4097B", "2TB"};
	char buf[32];
	int64_t ms;
	uint64_t b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		assert_int_equal(units_parse_duration(durations[i], &ms), 0);
		units_format_duration(ms, buf, sizeof(buf));
		assert_string_equal(buf, durations[i]);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(units_parse_size(sizes[i], &b), 0);
		units_format_size(b, buf, sizeof(buf));
		assert_string_equal(buf, sizes[i]);
	}
	units_format_duration(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
}

static void test_long_and_bool(void **state)
{
	long v;
	bool b;

	(void)state;
	assert_int_equal(units_parse_long("-42", &v), 0);
	assert_int_equal(v, -42);
	assert_int_equal(units_parse_long("42x", &v), -1);
	assert_int_equal(units_parse_long("", &v), -1);
	assert_int_equal(units_parse_long("99999999999999999999999", &v), -1);
	assert_int_equal(units_parse_bool("yes", &b), 0);
	assert_true(b);
	assert_int_equal(units_parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(units_parse_bool("maybe", &b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),        cmocka_unit_test(test_size),
	    cmocka_unit_test(test_ipv4_and_subnet), cmocka_unit_test(test_format_round_trip),
	    cmocka_unit_test(test_long_and_bool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
