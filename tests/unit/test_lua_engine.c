/* The sandbox and the API's argument checking, without a lab: every escape is refused
 * or stopped, every misuse raises an error naming the function and the argument. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "lab/lab.h"
#include "lua/engine.h"
#include "util/error.h"

static volatile sig_atomic_t interrupted;
static struct drill_ctx ctx = {.interrupted = &interrupted};

static struct engine *new_engine(long instructions, size_t memory)
{
	struct engine_limits lim = {memory, instructions, 60000};

	return engine_new(&ctx, &lim, TEST_DATA_DIR "/../lua");
}

/* Runs code; expects failure with `needle` in the message. */
static void expect_error(const char *code, const char *needle)
{
	struct engine *e = new_engine(5000000, 16u << 20);
	int rc;

	error_clear();
	rc = engine_run_string(e, "=test", code);
	if (rc == 0 || !strstr(error_last(), needle))
		fprintf(stderr, "code: %s\nwanted: %s\ngot (rc %d): %s\n", code, needle, rc,
		        rc ? error_last() : "success");
	assert_int_equal(rc, -1);
	assert_non_null(strstr(error_last(), needle));
	error_clear();
	engine_free(e);
}

static void expect_ok(const char *code)
{
	struct engine *e = new_engine(5000000, 16u << 20);
	int rc;

	error_clear();
	rc = engine_run_string(e, "=test", code);
	if (rc != 0)
		fprintf(stderr, "code: %s\nerror: %s\n", code, error_last());
	assert_int_equal(rc, 0);
	engine_free(e);
}

static void test_escapes_refused(void **state)
{
	(void)state;
	expect_error("os.execute('true')", "unknown global 'os'");
	expect_error("io.open('/etc/passwd')", "unknown global 'io'");
	expect_error("require 'os'", "require: no module 'os'");
	expect_error("require '../../etc/passwd'", "bad module name");
	expect_error("debug.getinfo(1)", "unknown global 'debug'");
	expect_error("package.loadlib('x', 'y')", "unknown global 'package'");
	expect_error("dofile('/etc/passwd')", "unknown global 'dofile'");
	expect_error("loadfile('/etc/passwd')", "unknown global 'loadfile'");
	expect_error("local f = string.dump(print)", "attempt to call a nil value (field 'dump')");
	/* Bytecode never loads: a binary chunk starts with ESC. */
	expect_error("local f, err = load('\\27Lua') assert(f, err)",
	             "attempt to load a binary chunk");
	expect_error("x = 1", "assignment to undeclared global 'x'");
	expect_error("print(undefined_name)", "unknown global 'undefined_name'");
}

static void test_limits_stop(void **state)
{
	(void)state;
	expect_error("while true do end", "instruction limit reached");
	/* A pcall cannot swallow the limit: it is raised again at the next hook. */
	expect_error("while true do pcall(function() while true do end end) end",
	             "instruction limit reached");
	expect_error("local s = string.rep('x', 1 << 30)", "not enough memory");
	expect_error("local t = {} for i = 1, 1e8 do t[i] = i end", "not enough memory");
	/* Pattern matching runs in C, out of the hook's reach: it has a deadline of its own. */
	expect_error("string.find(string.rep('a', 30), '.-.-.-.-.-.-.-.-.-.-b')",
	             "find: the pattern was still matching after");
	expect_error("local s = string.rep('a', 30) s:gsub('.-.-.-.-.-.-.-.-.-.-b', print)",
	             "gsub: the pattern was still matching after");
}

/* Lua runs __gc with hooks off, so a finalizer that loops could never be stopped: the
 * sandbox refuses finalizers, however the metatable is built. */
static void test_no_finalizers(void **state)
{
	(void)state;
	expect_error("setmetatable({}, {__gc = function() while true do end end})",
	             "__gc finalizers are not allowed in a drill");
	expect_error("local mt = {} mt.__gc = print setmetatable({}, mt)",
	             "__gc finalizers are not allowed in a drill");
	/* Other metatables work as before, and setmetatable returns its table. */
	expect_ok("local t = setmetatable({}, {__index = {x = 1}}) assert(t.x == 1)");
	expect_ok("local ok = pcall(setmetatable, {}, {__gc = 1}) assert(not ok)");
}

/* The wall-clock limit reaches the waits that run in C. */
static void test_wall_clock_reaches_waits(void **state)
{
	struct engine_limits lim = {16u << 20, 5000000, 200};
	struct engine *e = engine_new(&ctx, &lim, TEST_DATA_DIR "/../lua");

	(void)state;
	error_clear();
	assert_int_equal(engine_run_string(e, "=test", "sleep('20s')"), -1);
	assert_non_null(strstr(error_last(), "time limit reached"));
	error_clear();
	assert_int_equal(engine_run_string(e, "=test",
	                                   "wait_until(function() return false end, '20s')"),
	                 -1);
	assert_non_null(strstr(error_last(), "time limit reached"));
	error_clear();
	/* pcall does not swallow it. */
	assert_int_equal(engine_run_string(e, "=test", "pcall(sleep, '20s') sleep('1ms')"), -1);
	assert_non_null(strstr(error_last(), "time limit reached"));
	error_clear();
	engine_free(e);
}

static void test_interrupt(void **state)
{
	(void)state;
	interrupted = 1;
	expect_error("while true do end", "interrupted");
	expect_error("sleep('10s')", "interrupted");
	interrupted = 0;
}

static void test_errors_name_function_and_argument(void **state)
{
	(void)state;
	expect_error("fault.kill()",
	             "bad argument #1 to 'kill' (pgdrill.host expected, got no value)");
	/* The traceback names the module as well. */
	expect_error("fault.kill()", "in function 'fault.kill'");
	expect_error("fault.kill('postgres1')",
	             "bad argument #1 to 'kill' (pgdrill.host expected, got string)");
	expect_error("fault.pause(42)", "bad argument #1 to 'pause'");
	expect_error("fault.crash({})", "bad argument #1 to 'crash'");
	expect_error("fault.fill_disk(nil, {leave = '1MB'})", "bad argument #1 to 'fill_disk'");
	expect_error("fault.break_hba()", "bad argument #1 to 'break_hba'");
	expect_error("fault.partition()", "bad argument #1 to 'partition'");
	expect_error("fault.switchover()", "bad argument #1 to 'switchover'");
	expect_error("fault.link_down()", "bad argument #1 to 'link_down'");
	expect_error("fault.rejoin()", "bad argument #1 to 'rejoin'");
	expect_error("fault.barman_restore{target_time = 5}",
	             "bad argument to 'fault.barman_restore' (field 'target_time': string "
	             "expected, got number)");
	expect_error("fault.revert('x')",
	             "bad argument #1 to 'revert' (number expected, got string)");
	expect_error("sleep()", "bad argument #1 to 'sleep' (duration expected");
	expect_error("sleep('soon')", "bad argument #1 to 'sleep' (duration expected, like \"10s\" "
	                              "or \"500ms\", got \"soon\")");
	expect_error("sleep(-1)", "bad argument #1 to 'sleep' (duration must not be negative)");
	expect_error("wait_until()",
	             "bad argument #1 to 'wait_until' (function expected, got no value)");
	expect_error("wait_until(function() end)",
	             "bad argument #2 to 'wait_until' (duration expected");
	expect_error("drill.scenario()",
	             "bad argument #1 to 'scenario' (table expected, got no value)");
	expect_error("drill.scenario{}",
	             "bad argument #1 to 'drill.scenario' (field 'name' is required)");
	expect_error("drill.scenario{name = 'x', objectives = {rto = 'fast'}}",
	             "bad argument to 'drill.scenario' (field 'rto': duration expected, like "
	             "\"10s\", got fast)");
	expect_error("drill.event()", "bad argument #1 to 'event' (string expected, got no value)");
	expect_error("drill.steady(42)", "bad argument #1 to 'steady'");
	expect_error("check.that()", "bad argument #1 to 'that' (string expected, got no value)");
	expect_error("check.that('x')", "bad argument #2 to 'that' (value expected)");
	expect_error("check.client()", "check.client: no lab is running this drill");
	expect_error("lab.host()", "lab.host: no lab is running this drill");
	expect_error("lab.by_role()", "lab.by_role: no lab is running this drill");
	expect_error("workload.start()", "workload.start: no lab is running this drill");
	expect_error("workload.start(5)",
	             "bad argument #1 to 'start' (table expected, got number)");
	expect_error("check.rto()",
	             "bad argument #1 to 'check.rto' (workload expected, got no value)");
	expect_error("check.lost_writes({})",
	             "bad argument #1 to 'check.lost_writes' (workload expected, got table)");
	expect_error("check.split_brain('wl')",
	             "bad argument #1 to 'check.split_brain' (workload expected, got string)");
	expect_error("check.continuity(nil, {max_gap = '1s'})",
	             "bad argument #1 to 'check.continuity' (workload expected, got nil)");
	expect_error("fault.partition({})", "bad argument #1 to 'partition'");
	expect_error("fault.loss()", "bad argument #1 to 'loss'");
	expect_error("fault.loss({}, 10)", "bad argument #1 to 'loss'");
}

/* Every call that needs a lab says so, naming itself, when no lab runs the drill. */
static void test_lab_calls_without_a_lab(void **state)
{
	static const char *const calls[] = {
	    "lab.hosts",      "lab.primary",   "lab.primaries",     "lab.standbys",
	    "check.healthy",  "check.recovery", "check.new_primary", "check.lag",
	    "check.writes",   "check.routing", "check.restored",
	};
	char code[128], needle[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		snprintf(code, sizeof(code), "%s()", calls[i]);
		snprintf(needle, sizeof(needle), "%s: no lab is running this drill", calls[i]);
		expect_error(code, needle);
	}
}

/* A lab that is loaded but not up: argument errors must be raised before anything
 * would reach a host, so these run without root and without a network. */
static struct lab model;
static struct lab_rt model_rt;

static int model_setup(void **state)
{
	struct diag_list dl;

	(void)state;
	diag_list_init(&dl, "drills.yaml");
	if (lab_load_file(&model, TEST_DATA_DIR "/labs/integration/drills.yaml", &dl) < 0 ||
	    lab_rt_init(&model_rt, &model) < 0)
		return -1;
	diag_list_free(&dl);
	ctx.rt = &model_rt;
	fault_set_init(&ctx.faults, &model_rt, NULL);
	return 0;
}

static int model_teardown(void **state)
{
	(void)state;
	fault_set_free(&ctx.faults);
	ctx.rt = NULL;
	lab_rt_free(&model_rt);
	lab_free(&model);
	return 0;
}

static void test_misuse_with_a_lab(void **state)
{
	(void)state;
	/* lab */
	expect_error("lab.host()", "bad argument #1 to 'host' (string expected, got no value)");
	expect_error("lab.host('postgres9')",
	             "bad argument #1 to 'lab.host' (lab 'it-drills' has no host 'postgres9')");
	expect_error("lab.by_role('king')", "bad argument #1 to 'by_role' (invalid option 'king')");
	expect_ok("assert(lab.name == 'it-drills') assert(#lab.hosts() == 6) "
	          "assert(#lab.by_role('standby') == 2) assert(lab.barman_server == 'pg')");
	/* host methods */
	expect_error("local h = lab.host('postgres1') h:exec()",
	             "bad argument #1 to 'exec' (string expected, got no value)");
	expect_error("local h = lab.host('postgres1') h:exec('true', {user = 5})",
	             "bad argument to 'exec' (field 'user': string expected, got number)");
	expect_error("local h = lab.host('postgres1') h:exec('true', {timeout = 'never'})",
	             "bad argument to 'exec' (field 'timeout': duration expected, like \"10s\", "
	             "got never)");
	expect_error("local h = lab.host('postgres1') h:exec('true', 'root')",
	             "bad argument #2 to 'exec' (table expected, got string)");
	expect_error("local h = lab.host('postgres1') h.exec(42)",
	             "bad argument #1 to 'exec' (pgdrill.host expected, got number)");
	expect_error("local h = lab.host('postgres1') h:sql()",
	             "bad argument #1 to 'sql' (string expected, got no value)");
	expect_error("local h = lab.host('haproxy') h:sql('SELECT 1')",
	             "host:sql: haproxy is not a PostgreSQL host");
	expect_error("local h = lab.host('postgres1') h:file_read('/etc/passwd')",
	             "bad argument #1 to 'file_read' (a path inside the host, like "
	             "\"data/pg_hba.conf\", without '..')");
	expect_error("local h = lab.host('postgres1') h:file_read('data/../../x')",
	             "without '..'");
	expect_error("local h = lab.host('postgres1') h:file_write('data/x')",
	             "bad argument #2 to 'file_write' (string expected, got no value)");
	expect_error("local h = lab.host('postgres1') h.is_primary()",
	             "bad argument #1 to 'is_primary' (pgdrill.host expected, got no value)");
	expect_error("local h = lab.host('postgres1') return h.colour",
	             "host has no field or method 'colour'");
	expect_error("local h = lab.host('postgres1') h:exec('true', {timeout = 0})",
	             "bad argument to 'exec' (field 'timeout': between 1ms and 1h)");
	expect_error("local h = lab.host('postgres1') h:exec('true', {timeout = '30d'})",
	             "bad argument to 'exec' (field 'timeout': between 1ms and 1h)");
	/* After the drill, nothing may act on the lab or record a verdict. */
	ctx.ended = true;
	{
		struct engine_limits lim = {16u << 20, 5000000, 60000};
		struct engine *e = engine_new(&ctx, &lim, TEST_DATA_DIR "/../lua");

		ctx.ended = true; /* as engine_free sets it before the finalizers run */
		error_clear();
		assert_int_equal(engine_run_string(e, "=test", "lab.host('postgres1')"), -1);
		assert_non_null(strstr(error_last(), "lab.host: the drill has ended"));
		error_clear();
		assert_int_equal(engine_run_string(e, "=test", "check.that('x', true)"), -1);
		assert_non_null(strstr(error_last(), "the drill has ended"));
		error_clear();
		engine_free(e);
	}
	ctx.ended = false;
	/* checks */
	expect_error("check.healthy(5)", "bad argument #1 to 'healthy' (table expected, got number)");
	expect_error("check.healthy{within = 'soon'}",
	             "bad argument to 'check.healthy' (field 'within': duration expected");
	expect_error("check.recovery{within = -1}",
	             "bad argument to 'check.recovery' (field 'within': duration expected");
	expect_error("check.new_primary{within = {}}",
	             "bad argument to 'check.new_primary' (field 'within': duration expected");
	expect_error("check.new_primary{['not'] = 'postgres1'}",
	             "(pgdrill.host expected, got string)");
	expect_error("check.lag{max = 'huge'}",
	             "bad argument #1 to 'check.lag' (field 'max': size expected, like \"16MB\", "
	             "got \"huge\")");
	expect_error("check.lag{max = 16}",
	             "bad argument to 'check.lag' (field 'max': string expected, got number)");
	expect_error("check.writes{listener = 5}",
	             "bad argument to 'check.writes' (field 'listener': string expected");
	expect_error("check.writes{listener = 'nope'}",
	             "check.writes: lab 'it-drills' has no haproxy listener 'nope'");
	expect_error("check.routing()", "bad argument #1 to 'routing' (string expected, got no value)");
	expect_error("check.routing('nope')",
	             "check.routing: lab 'it-drills' has no haproxy listener 'nope'");
	expect_error("check.restored()",
	             "bad argument #1 to 'restored' (string expected, got no value)");
	expect_error("check.restored('SELECT 1', 'books')",
	             "bad argument #2 to 'restored' (table expected, got string)");
	expect_error("check.restored('SELECT 1')",
	             "check.restored: no restored server: call fault.barman_restore first");
	/* workload.start: every option is checked before a client starts */
	expect_error("workload.start{kind = 'tpcc'}",
	             "bad argument to 'workload.start' (field 'kind': \"books\" or \"command\", "
	             "got \"tpcc\")");
	expect_error("workload.start{kind = 'command'}",
	             "bad argument to 'workload.start' (field 'cmd': kind = \"command\" needs the "
	             "command line to run)");
	expect_error("workload.start{cmd = 'true'}",
	             "bad argument to 'workload.start' (field 'cmd': goes with kind = \"command\")");
	expect_error("workload.start{clients = 0}",
	             "bad argument to 'workload.start' (field 'clients': 0 is out of range 1..256)");
	expect_error("workload.start{rate = 'fast'}",
	             "bad argument to 'workload.start' (field 'rate': number expected, got string)");
	expect_error("workload.start{timeout = '50ms'}",
	             "bad argument to 'workload.start' (field 'timeout': at least 100ms)");
	expect_error("workload.start{listener = 5}",
	             "bad argument to 'workload.start' (field 'listener': string expected");
}

static void test_good_scripts(void **state)
{
	(void)state;
	expect_ok(
	    "local s = drill.scenario{name = 'x', objectives = {rto = '2s', max_lag = '1MB'}}\n"
	    "assert(s.objectives.rto == 2 and s.objectives.max_lag == 1048576)\n"
	    "assert(s.objectives.rpo == 0)");
	expect_ok("local kit = require 'drillkit' assert(kit.bytes(1536) == '1.5 kB')");
	expect_ok("local n = 0 local v = wait_until(function() n = n + 1 return n >= 3 and n end, "
	          "'5s', 0) assert(v == 3)");
	expect_ok("local v, err = wait_until(function() return false end, 0) "
	          "assert(v == nil and err:find('timeout'))");
	expect_ok("local f = load('return 1 + 1') assert(f() == 2)");
	expect_ok("local t0 = now() sleep('20ms') assert(now() - t0 >= 0.019)");
	expect_ok("assert(pcall(error, 'caught') == false)");
}

static void test_traceback_names_file_and_line(void **state)
{
	struct engine *e = new_engine(5000000, 16u << 20);

	(void)state;
	error_clear();
	assert_int_equal(engine_run_file(e, TEST_DATA_DIR "/lua/bad_scenario.lua"), -1);
	assert_non_null(strstr(error_last(), "tests/lua/bad_scenario.lua:4: boom from line 4"));
	assert_non_null(strstr(error_last(), "stack traceback:"));
	assert_non_null(strstr(error_last(), "'inner'"));
	error_clear();
	assert_int_equal(engine_run_file(e, TEST_DATA_DIR "/lua/syntax_error.lua"), -1);
	assert_non_null(strstr(error_last(), "tests/lua/syntax_error.lua:2:"));
	error_clear();
	engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escapes_refused),
	    cmocka_unit_test(test_limits_stop),
	    cmocka_unit_test(test_interrupt),
	    cmocka_unit_test(test_no_finalizers),
	    cmocka_unit_test(test_wall_clock_reaches_waits),
	    cmocka_unit_test(test_errors_name_function_and_argument),
	    cmocka_unit_test(test_good_scripts),
	    cmocka_unit_test(test_traceback_names_file_and_line),
	    cmocka_unit_test(test_lab_calls_without_a_lab),
	    cmocka_unit_test_setup_teardown(test_misuse_with_a_lab, model_setup, model_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
