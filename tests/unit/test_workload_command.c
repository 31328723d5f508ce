/* The command workload's lines: an op line becomes a record on the run's clock (Unix
 * microseconds minus the realtime offset and the run's start), anything else is not a
 * record, and no field is taken on trust (a read cannot be indeterminate, an end before
 * its start or a server that is not an address refuse the line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "workload/internal.h"

static void test_op_lines(void **state)
{
	struct op_record r;
	char msg[64];

	(void)state;
	assert_int_equal(workload_command_parse("op\twrite\t7\t1000500\t1002500\tok\t10.0.0.11", 1000000,
	                                        100, &r, msg, sizeof(msg)),
	                 0);
	assert_int_equal(r.kind, OP_WRITE);
	assert_int_equal(r.outcome, OP_OK);
	assert_int_equal(r.id, 7);
	assert_int_equal(r.start_us, 400);
	assert_int_equal(r.end_us, 2400);
	assert_int_equal(r.server, ntohl(inet_addr("10.0.0.11")));
	assert_string_equal(r.error, "");
	assert_int_equal(workload_command_parse("op\twrite\t8\t5\t9\tindeterminate\t-\tserver "
	                                        "closed the connection",
	                                        0, 0, &r, msg, sizeof(msg)),
	                 0);
	assert_int_equal(r.outcome, OP_INDETERMINATE);
	assert_int_equal(r.server, 0);
	assert_string_equal(r.error, OP_ERR_LOST);
	assert_string_equal(msg, "server closed the connection");
	assert_int_equal(workload_command_parse("op\tread\t8\t5\t9\tfailed\t-", 0, 0, &r, msg,
	                                        sizeof(msg)),
	                 0);
	assert_int_equal(r.kind, OP_READ);
	assert_int_equal(r.outcome, OP_FAILED);
}

static void test_not_op_lines(void **state)
{
	static const char *const bad[] = {
	    "connecting to the database...",
	    "op\tread\t8\t5\t9\tindeterminate\t-",
	    "op\twrite\t8\t9\t5\tok\t-",
	    "op\twrite\t8\t5\t9\tok\tnot-an-address",
	    "op\twrite\t8\t5\t9\tok\t10.0.0.300",
	    "op\tdelete\t8\t5\t9\tok\t-",
	    "op\twrite\t-8\t5\t9\tok\t-",
	    "op\twrite\t8\t5\t9\tmaybe\t-",
	    "op\twrite\t8\t5\t9\tok\t-junk",
	    "op write 8 5 9 ok -",
	};
	struct op_record r;
	char msg[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(workload_command_parse(bad[i], 0, 0, &r, msg, sizeof(msg)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_op_lines),
	    cmocka_unit_test(test_not_op_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
