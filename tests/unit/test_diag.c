#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/diag.h"
#include "util/error.h"
#include "util/suggest.h"

static void test_sorted_print(void **state)
{
	struct diag_list dl;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	diag_list_init(&dl, "lab.yaml");
	diag_add(&dl, (struct src_loc){7, 3}, "second");
	diag_add(&dl, (struct src_loc){2, 9}, "first %d", 1);
	diag_add(&dl, (struct src_loc){0, 0}, "file-level");
	diag_sort(&dl);
	f = open_memstream(&buf, &len);
	diag_print(&dl, f);
	fclose(f);
	assert_string_equal(buf, "lab.yaml: error: file-level\n"
	                         "lab.yaml:2:9: error: first 1\n"
	                         "lab.yaml:7:3: error: second\n");
	free(buf);
	diag_list_free(&dl);
}

static void test_cap(void **state)
{
	struct diag_list dl;
	int i;

	(void)state;
	diag_list_init(&dl, "x");
	for (i = 0; i < 1000; i++)
		diag_add(&dl, (struct src_loc){i + 1, 1}, "e");
	assert_int_equal(dl.count, 100);
	diag_list_free(&dl);
}

static void test_suggest(void **state)
{
	static const char *const keys[] = {"name", "role", "address", "disk", "priority", NULL};

	(void)state;
	assert_int_equal(suggest_distance("adress", "address"), 1);
	assert_string_equal(suggest_nearest("adress", keys), "address");
	assert_string_equal(suggest_nearest("ROLE", keys), "role");
	assert_string_equal(suggest_nearest("priorty", keys), "priority");
	assert_null(suggest_nearest("completely_unrelated", keys));
	assert_null(suggest_nearest("xy", keys));
}

/* A host's stderr in an error cannot drive the terminal: escapes become '?'. */
static void test_error_control_characters(void **state)
{
	(void)state;
	error_clear();
	error_set("host p1: failed: %s", "\x1b]0;owned\x07red\x1b[31m\r\n\tnext\x7f");
	assert_string_equal(error_last(), "host p1: failed: ?]0;owned?red?[31m?\n\tnext?");
	error_clear();
}

/* The last error set wins; error_prefix puts a caller's context before the cause. */
static void test_error_last_wins(void **state)
{
	(void)state;
	error_clear();
	assert_false(error_pending());
	assert_int_equal(error_set("first"), PD_ERROR);
	assert_int_equal(error_set("second %d", 2), PD_ERROR);
	assert_string_equal(error_last(), "second 2");
	assert_int_equal(error_prefix("host %s, step '%s': ", "p1", "initdb"), PD_ERROR);
	assert_string_equal(error_last(), "host p1, step 'initdb': second 2");
	error_clear();
	assert_string_equal(error_last(), "unknown error");
	/* the pending error as an argument of the next one */
	error_set("inner");
	error_set("outer: %s (hint)", error_last());
	assert_string_equal(error_last(), "outer: inner (hint)");
	/* a best-effort step in between leaves the pending error as it was */
	error_set("cause");
	{
		char *saved = error_save();

		error_set("the log could not be read");
		error_restore(saved);
	}
	assert_string_equal(error_last(), "cause");
	error_clear();
	error_restore(error_save());
	assert_false(error_pending());
	/* nothing pending: the context alone, without its dangling ": " */
	error_prefix("host %s: ", "p2");
	assert_true(error_pending());
	assert_string_equal(error_last(), "host p2");
	error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sorted_print),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_suggest),
	    cmocka_unit_test(test_error_control_characters),
	    cmocka_unit_test(test_error_last_wins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
