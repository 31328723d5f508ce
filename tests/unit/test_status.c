/* "Who is primary now": one rule for every caller (status, heal, check.new_primary,
 * fault.rejoin), on hand-built views of a lab. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "roles/status.h"

static struct lab_host_rt hosts[3];
static struct host_status hs[3];

/* Server i: reachable?, in recovery?, timeline. */
static void node(int i, bool reachable, int in_recovery, long timeline)
{
	memset(&hs[i], 0, sizeof(hs[i]));
	hs[i].host = &hosts[i];
	hs[i].reachable = reachable;
	hs[i].in_recovery = in_recovery;
	hs[i].timeline = timeline;
}

static void test_one_rule(void **state)
{
	struct lab_status s = {.hosts = hs, .count = 3};
	int n = -1;

	(void)state;
	/* One primary among standbys. */
	node(0, true, 1, 3);
	node(1, true, 0, 3);
	node(2, true, 1, 3);
	assert_ptr_equal(status_primary(&s), &hosts[1]);
	/* Two primaries (a split brain): the highest timeline wins, wherever it is. */
	node(0, true, 0, 4);
	node(1, true, 0, 3);
	assert_ptr_equal(status_primary(&s), &hosts[0]);
	node(0, true, 0, 3);
	node(2, true, 0, 5);
	assert_ptr_equal(status_primary(&s), &hosts[2]);
	/* A tie: the first in the lab file. */
	node(2, true, 0, 3);
	assert_ptr_equal(status_primary(&s), &hosts[0]);
	/* Leaving the old primary out: the same rule over the others, and how many. */
	assert_ptr_equal(status_primary_except(&s, &hosts[0], &n), &hosts[1]);
	assert_int_equal(n, 2);
	node(1, false, 0, 9); /* not reachable: not counted, whatever it said before */
	assert_ptr_equal(status_primary_except(&s, &hosts[0], &n), &hosts[2]);
	assert_int_equal(n, 1);
	node(2, true, -1, 3); /* unknown role: not a primary */
	assert_null(status_primary_except(&s, &hosts[0], &n));
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
