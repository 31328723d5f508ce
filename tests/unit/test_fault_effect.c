/* A fault's evidence: what a fault showed (or did not) becomes an "effect" event and a
 * check of the drill, a fault without effect fails it with "the fault had no effect", the
 * kind's own evidence counts once while a scenario's expectations are checks of their own,
 * and a log's lines are looked at only after the fault's mark. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scratch_host.h"
#include "fault/fault.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static char scratch[] = "/tmp/pgdrill-test-effect-XXXXXX";
static struct lab_host host_def = {.name = "postgres1"};
static struct lab_host_rt host;
static struct lab_rt rt;
static struct journal j;
static struct fault_set fs;

static int setup(void **state)
{
	char *runs;

	(void)state;
	if (scratch_host_init(scratch, &host_def, &host, &rt) < 0)
		return -1;
	runs = xasprintf("%s/run", scratch);
	if (mkdir(runs, 0755) < 0 || journal_open(&j, runs, "lab", NULL) < 0)
		return -1;
	free(runs);
	journal_begin_scenario(&j, "s", "s.lua");
	fault_set_init(&fs, &rt, &j);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fault_set_free(&fs);
	journal_free(&j);
	scratch_host_free(scratch, &host);
	return 0;
}

static json_object *check_named(const char *name)
{
	json_object *checks = json_object_object_get(journal_scenario(&j), "checks");
	size_t i;

	for (i = 0; checks && i < json_object_array_length(checks); i++) {
		json_object *c = json_object_array_get_idx(checks, i);

		if (strcmp(json_object_get_string(json_object_object_get(c, "name")), name) == 0)
			return c;
	}
	return NULL;
}

static void test_no_effect_fails_the_drill(void **state)
{
	int failed = j.failed_checks, id;
	json_object *c;

	(void)state;
	id = fault_note(&fs, "kill", &host, "postgres", "signal Killed to pid 99");
	assert_true(id >= 1);
	fault_effect(&fs, id, NULL, 0, "pid 99 still runs 5 s after the signal (Killed)");
	assert_int_equal(j.failed_checks, failed + 1);
	c = check_named("fault #1 kill postgres took effect");
	assert_non_null(c);
	assert_false(json_object_get_boolean(json_object_object_get(c, "passed")));
	assert_non_null(strstr(json_object_get_string(json_object_object_get(c, "detail")),
	                       "the fault had no effect: kill on postgres1: pid 99 still runs"));
	/* The kind's evidence counts once: a later word on it changes nothing. */
	fault_effect(&fs, id, NULL, 1, "pid 99 ended");
	assert_int_equal(j.failed_checks, failed + 1);
	assert_false(json_object_get_boolean(json_object_object_get(
	    check_named("fault #1 kill postgres took effect"), "passed")));
	/* What the scenario expected is a check of its own. */
	fault_effect(&fs, id, "a new primary is elected", 1, "postgres2 promoted");
	c = check_named("fault #1 kill: a new primary is elected");
	assert_non_null(c);
	assert_true(json_object_get_boolean(json_object_object_get(c, "passed")));
	assert_string_equal(json_object_get_string(json_object_object_get(c, "figure")),
	                    "postgres2 promoted");
	/* Evidence that cannot be had is no pass either. */
	id = fault_note(&fs, "crash", &host, "host", "SIGKILL to all 3 processes at once");
	fault_effect(&fs, id, NULL, -1, "host postgres1 does not answer");
	assert_int_equal(j.failed_checks, failed + 2);
	assert_non_null(strstr(json_object_get_string(json_object_object_get(
	                           check_named("fault #2 crash host took effect"), "detail")),
	                       "could not be observed"));
	/* An unknown fault records nothing. */
	fault_effect(&fs, 77, NULL, 0, "nothing");
	assert_int_equal(j.failed_checks, failed + 2);
}

static void test_logs_after_the_mark(void **state)
{
	struct fault *f;
	char *line;
	int id;

	(void)state;
	assert_int_equal(host_put_log(&rt, &host, "postgres",
	                              "old: could not write: No space left on device\n"),
	                 0);
	id = fault_note(&fs, "fill_disk", &host, "disk", "ballast");
	f = &fs.items[id - 1];
	fault_mark_logs(&fs, f);
	/* Only what was logged after the mark is the fault's evidence. */
	line = fault_logs_since(&fs, f, "No space left on device");
	assert_null(line);
	assert_int_equal(host_put_log(&rt, &host, "postgres",
	                              "old: could not write: No space left on device\n"
	                              "2026-11-28 FATAL:  could not extend file: No space left "
	                              "on device\nnext line\n"),
	                 0);
	line = fault_logs_since(&fs, f, "No space left on device");
	assert_non_null(line);
	assert_string_equal(line, "postgres.log: 2026-11-28 FATAL:  could not extend file: No "
	                          "space left on device");
	free(line);
	/* A log that was not there at the mark is not read; one replaced by a shorter one is
	 * read whole. */
	assert_int_equal(host_put_log(&rt, &host, "repmgrd", "No space left on device\n"), 0);
	assert_int_equal(host_put_log(&rt, &host, "postgres", "pg_hba.conf was not reloaded\n"),
	                 0);
	line = fault_logs_since(&fs, f, "pg_hba.conf was not reloaded");
	assert_non_null(line);
	free(line);
	assert_null(fault_logs_since(&fs, f, "No space"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_effect_fails_the_drill),
	    cmocka_unit_test(test_logs_after_the_mark),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
