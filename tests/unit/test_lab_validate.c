#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lab/lab.h"

static int load_text(struct lab *lab, const char *text, struct diag_list *dl)
{
	diag_list_init(dl, "t.yaml");
	return lab_load_buffer(lab, text, strlen(text), dl);
}

static void test_addresses_skip_taken(void **state)
{
	struct diag_list dl;
	struct lab lab;

	(void)state;
	assert_int_equal(load_text(&lab,
	                           "name: a\nhosts:\n"
	                           "  - {name: p1, role: primary}\n"
	                           "  - {name: p2, role: standby, address: 10.213.0.12}\n"
	                           "  - {name: p3, role: standby}\n",
	                           &dl),
	                 0);
	assert_true(LAB_HOST(&lab, 0)->address == 0x0ad5000bu);
	assert_true(LAB_HOST(&lab, 1)->address == 0x0ad5000cu);
	assert_true(LAB_HOST(&lab, 2)->address == 0x0ad5000du);
	lab_free(&lab);
	diag_list_free(&dl);
}

static void test_subnet_exhausted(void **state)
{
	struct diag_list dl;
	struct lab lab;

	(void)state;
	/* A /28 has .11 to .14 below its broadcast .15: the fifth host finds no address. */
	assert_int_equal(load_text(&lab,
	                           "name: a\nprovider: {subnet: 10.9.0.0/28}\nhosts:\n"
	                           "  - {name: p1, role: primary}\n  - {name: p2, role: standby}\n"
	                           "  - {name: p3, role: standby}\n  - {name: p4, role: standby}\n"
	                           "  - {name: p5, role: standby}\n",
	                           &dl),
	                 -1);
	assert_int_equal(dl.count, 1);
	assert_int_equal(dl.items[0].at.line, 8);
	assert_string_equal(dl.items[0].message,
	                    "no free address left in the subnet for host 'p5'");
	diag_list_free(&dl);
}

static void test_default_listeners_only_with_proxy(void **state)
{
	struct diag_list dl;
	struct lab lab;

	(void)state;
	assert_int_equal(load_text(&lab,
	                           "name: a\nhosts:\n  - {name: p1, role: primary}\n"
	                           "  - {name: p2, role: standby}\n  - {name: hp, role: proxy}\n",
	                           &dl),
	                 0);
	assert_int_equal(lab.haproxy.listeners.count, 4);
	assert_string_equal(LAB_LISTENER(&lab, 0)->name, "write_tcp");
	assert_int_equal(LAB_LISTENER(&lab, 3)->port, 5010);
	lab_free(&lab);
	diag_list_free(&dl);

	assert_int_equal(load_text(&lab,
	                           "name: a\nhosts:\n  - {name: p1, role: primary}\n"
	                           "  - {name: p2, role: standby}\n",
	                           &dl),
	                 0);
	assert_int_equal(lab.haproxy.listeners.count, 0);
	lab_free(&lab);
	diag_list_free(&dl);
}

static void test_manual_failover_single_node(void **state)
{
	struct diag_list dl;
	struct lab lab;

	(void)state;
	assert_int_equal(load_text(&lab,
	                           "name: solo\nrepmgr: {failover: manual}\nhosts:\n"
	                           "  - {name: p1, role: primary}\n",
	                           &dl),
	                 0);
	lab_free(&lab);
	diag_list_free(&dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addresses_skip_taken),
	    cmocka_unit_test(test_subnet_exhausted),
	    cmocka_unit_test(test_default_listeners_only_with_proxy),
	    cmocka_unit_test(test_manual_failover_single_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
