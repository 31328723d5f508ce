/* The train module without a lab: what an exercise declares, the mistakes it can make in
 * declaring, goals that hold, fail or raise, the expansion of hints and solutions, and
 * the training record written and read back (and refused when it is not of its form). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/model.h"
#include "lua/engine.h"
#include "lua/train.h"
#include "train/detect.h"
#include "train/record.h"
#include "train/shells.h"
#include "util/error.h"
#include "util/fsutil.h"

static volatile sig_atomic_t interrupted;

struct fixture {
	struct drill_ctx ctx;
	struct train_def def;
	struct engine *e;
};

static int setup(void **state)
{
	struct engine_limits lim = {16u << 20, 5000000, 60000};
	struct fixture *f = calloc(1, sizeof(*f));

	f->ctx.interrupted = &interrupted;
	f->ctx.train = &f->def;
	train_def_init(&f->def);
	f->e = engine_new(&f->ctx, &lim, TEST_DATA_DIR "/../lua");
	*state = f;
	return f->e ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	engine_free(f->e);
	train_def_free(&f->def);
	free(f);
	error_clear();
	return 0;
}

static const char EXERCISE[] =
    "train.exercise{ name = 'a test', failover = 'manual' }\n"
    "train.brief('users say')\n"
    "train.hint(1, 'look at {primary}')\n"
    "train.hint(2, 'on {lab}: {nothing} stays')\n"
    "train.solution('fix {primary}')\n"
    "local n = 0\n"
    "train.breaks(function() train.remember('primary', 'postgres2') end)\n"
    "train.goal('counts to two', function() n = n + 1; return n >= 2, 'n=' .. n end)\n"
    "train.goal('raises', function() error('the server is gone\\nsecond line') end)\n"
    "train.forbid('never', function() return false end)\n";

static void test_an_exercise_declares_itself(void **state)
{
	struct fixture *f = *state;
	struct strbuf d1 = STRBUF_INIT, d2 = STRBUF_INIT, d3 = STRBUF_INIT;
	char *hint;

	assert_int_equal(engine_run_string(f->e, "=exercise", EXERCISE), 0);
	assert_string_equal(f->def.title, "a test");
	assert_string_equal(f->def.brief, "users say");
	assert_int_equal(f->def.failover, FAILOVER_MANUAL);
	assert_int_equal(f->def.nhints, 2);
	assert_int_equal(f->def.ngoals, 2);
	assert_int_equal(f->def.nforbids, 1);
	/* Declaring breaks nothing: the breaking runs when asked, and remembers. */
	assert_int_equal(f->def.nmemory, 0);
	assert_int_equal(train_break(f->e, &f->def), 0);
	assert_int_equal(f->def.nmemory, 1);
	hint = train_expand(&f->def, f->def.hints[1].text, "labs/t.yaml");
	assert_string_equal(hint, "on labs/t.yaml: {nothing} stays");
	free(hint);
	hint = train_expand(&f->def, "{primary}{primary} {", "x");
	assert_string_equal(hint, "postgres2postgres2 {");
	free(hint);
	/* A goal is a predicate with its detail; one that raises does not hold, and says
	 * why in one line. */
	assert_int_equal(train_eval(f->e, &f->def.goals[0], &d1), 0);
	assert_string_equal(strbuf_str(&d1), "n=1");
	assert_int_equal(train_eval(f->e, &f->def.goals[0], &d2), 1);
	assert_string_equal(strbuf_str(&d2), "n=2");
	assert_int_equal(train_eval(f->e, &f->def.goals[1], &d3), 0);
	assert_non_null(strstr(strbuf_str(&d3), "the server is gone"));
	assert_null(strchr(strbuf_str(&d3), '\n'));
	assert_int_equal(train_eval(f->e, &f->def.forbids[0], &d1), 0);
	strbuf_free(&d1);
	strbuf_free(&d2);
	strbuf_free(&d3);
}

static void expect_error(struct fixture *f, const char *code, const char *needle)
{
	int rc = engine_run_string(f->e, "=exercise", code);

	if (rc == 0 || !strstr(error_last(), needle))
		fprintf(stderr, "code: %s\nwanted: %s\ngot (rc %d): %s\n", code, needle, rc,
		        rc ? error_last() : "success");
	assert_int_equal(rc, -1);
	assert_non_null(strstr(error_last(), needle));
	error_clear();
}

static void test_mistakes_in_an_exercise(void **state)
{
	struct fixture *f = *state;

	expect_error(f, "train.hint(2, 'x')", "level 1 expected next, got 2");
	expect_error(f, "train.exercise{}", "field 'name' is required");
	expect_error(f, "train.exercise{name='a', failover='sometimes'}", "\"automatic\" or \"manual\"");
	expect_error(f, "train.brief('a') train.brief('b')", "train.brief: given twice");
	expect_error(f, "train.goal('g', function() end) train.goal('g', function() end)",
	             "'g' given twice");
	expect_error(f, "train.goal('g', 'not a function')", "function expected");
	expect_error(f, "train.remember('Bad Key', 'v')", "bad key 'Bad Key'");
	expect_error(f, "train.remember('k', 'line\\nbreak')", "not printable text");
	expect_error(f, "train.detect{ words = { 'a', '' } }", "words[2]: a word expected");
	expect_error(f, "train.detect{ words = 'pg_hba' }", "table expected");
	expect_error(f, "train.detect{} train.detect{}", "train.detect: given twice");
}

/* Time to detect: the first command on the named host with one of the words; without
 * words, the first on that host; without train.detect, the first command at all. */
static void test_the_command_that_found_the_cause(void **state)
{
	struct fixture *f = *state;
	struct train_command cmds[] = {
	    {.t = 90, .host = "postgres1", .text = "cat pg_hba.conf"},   /* before the break */
	    {.t = 101, .host = "postgres2", .text = "psql -c 'TABLE pg_hba_file_rules'"},
	    {.t = 102, .host = "postgres1", .text = "psql -c 'SELECT 1'"},
	    {.t = 107, .host = "postgres1", .text = "psql -c 'TABLE pg_hba_file_rules'"},
	};
	struct train_def none;

	(void)state;
	assert_int_equal(engine_run_string(f->e, "=exercise",
	                                   "train.detect{ host = '{primary}', words = { 'hba_file', "
	                                   "'{primary}.conf' } }"),
	                 0);
	assert_int_equal(train_remember(&f->def, "primary", "postgres1"), 0);
	assert_int_equal(train_detect(&f->def, "l.yaml", cmds, 4, 100), 3);
	/* nothing on the host after the break holds a word */
	assert_int_equal(train_detect(&f->def, "l.yaml", cmds, 3, 100), -1);
	train_def_init(&none);
	assert_int_equal(train_detect(&none, "l.yaml", cmds, 4, 100), 1);
	assert_int_equal(train_detect(&none, "l.yaml", cmds, 4, 200), -1);
	train_def_free(&none);
}

static void test_only_an_exercise_may_call_it(void **state)
{
	struct fixture *f = *state;

	f->ctx.train = NULL; /* a drill */
	expect_error(f, "train.brief('x')", "train.brief: only an exercise may call it");
	f->ctx.train = &f->def;
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/pgdrill-test-train-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

/* bash's history as the trainee's shell wrote it: "#EPOCH" then the command; anything
 * else (no time, a bad time, the rest of a multi-line command, control characters) is
 * not taken as a command, or is made printable. */
static void test_a_shell_history_read_back(void **state)
{
	static const char HISTORY[] =
	    "ls\n"                                   /* from before: no time */
	    "#1764380000\n"
	    "psql -c 'TABLE pg_hba_file_rules'\n"
	    "#17643800x1\n"                          /* not a time */
	    "rm -rf /\n"
	    "#1764380009\n"
	    "for i in 1 2; do\n"
	    "  echo $i; done\n"                      /* the rest of a multi-line command */
	    "#1764380009\n"
	    "echo \x1b[31mred\n"
	    "#1764380011";                           /* a time without a command */
	struct train_command *cmds = NULL;
	size_t n;

	(void)state;
	n = train_shell_parse(HISTORY, "postgres1", "postgres", &cmds, 0);
	assert_int_equal(n, 3);
	assert_true(cmds[0].t == 1764380000.0);
	assert_string_equal(cmds[0].host, "postgres1");
	assert_string_equal(cmds[0].user, "postgres");
	assert_string_equal(cmds[0].text, "psql -c 'TABLE pg_hba_file_rules'");
	assert_string_equal(cmds[1].text, "for i in 1 2; do");
	assert_string_equal(cmds[2].text, "echo ?[31mred");
	/* two commands of one second keep their order */
	assert_true(cmds[1].t == 1764380009.0 && cmds[2].t > cmds[1].t && cmds[2].t < 1764380009.5);
	free(cmds);
}

static void test_the_record_round_trip(void **state)
{
	struct train_record r = {.broken = 1795900000.5, .hints = 2, .ended = 1795900100.25}, back;
	struct train_def d, memory;
	char *dir = tmpdir(), *path = NULL;

	(void)state;
	train_def_init(&d);
	train_def_init(&memory);
	snprintf(r.exercise, sizeof(r.exercise), "fix_pg_hba");
	snprintf(r.outcome, sizeof(r.outcome), "failed");
	snprintf(r.why, sizeof(r.why), "a trust line (line 1)");
	snprintf(r.run, sizeof(r.run), "/tmp/runs/20261128-223501-training-train-fix_pg_hba");
	assert_int_equal(train_remember(&d, "started", "2026-11-28 22:16:26.872485+00"), 0);
	assert_int_equal(train_record_save(dir, &r, &d), 0);
	assert_int_equal(train_record_load(dir, &back, &memory), 0);
	assert_string_equal(back.exercise, "fix_pg_hba");
	assert_true(back.broken == r.broken && back.ended == r.ended);
	assert_int_equal(back.hints, 2);
	assert_string_equal(back.outcome, "failed");
	assert_string_equal(back.why, "a trust line (line 1)");
	assert_string_equal(back.run, r.run);
	assert_int_equal(memory.nmemory, 1);
	assert_string_equal(memory.values[0], "2026-11-28 22:16:26.872485+00");
	train_def_free(&d);
	train_def_free(&memory);
	path = xasprintf("%s/training", dir);
	unlink(path);
	assert_int_equal(train_record_load(dir, &back, NULL), PD_ENOTFOUND);
	error_clear();
	free(path);
	rmdir(dir);
	free(dir);
}

/* A record is read back as hostile text: every form it may not have is refused, with the
 * file and line. */
static void test_a_hostile_record_is_refused(void **state)
{
	static const char *const bad[] = {
	    "exercise ../../etc\nbroken 1\n",
	    "exercise a\nbroken 1\nhints 99\n",
	    "exercise a\nbroken nan\n",
	    "exercise a\nbroken 1\nremember BAD value\n",
	    "exercise a\nbroken 1\nremember k va\x1blue\n",
	    "exercise a\nbroken 1\nrm -rf /\n",
	    "exercise a\nbroken 1\nrun runs/relative\n",
	    "exercise a\nbroken 1\nrun /tmp/runs/../../etc\n",
	    "exercise a\nbroken 1", /* cut short */
	    "hints 1\n",            /* no exercise */
	};
	struct train_record r;
	char *dir = tmpdir(), *path = xasprintf("%s/training", dir);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(fs_write_string(path, bad[i], 0600, NULL), 0);
		if (train_record_load(dir, &r, NULL) == 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
		assert_non_null(strstr(error_last(), path));
		error_clear();
	}
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_an_exercise_declares_itself, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mistakes_in_an_exercise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_only_an_exercise_may_call_it, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_the_command_that_found_the_cause, setup, teardown),
	    cmocka_unit_test(test_a_shell_history_read_back),
	    cmocka_unit_test(test_the_record_round_trip),
	    cmocka_unit_test(test_a_hostile_record_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
