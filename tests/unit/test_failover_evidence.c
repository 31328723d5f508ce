/* A failover read from the lab's logs: the time stamps of PostgreSQL's and haproxy's
 * lines, and which lines count (the first promotion inside the window, its own "ready",
 * haproxy's UP for that node on the workload's listener). Logs are files in a scratch
 * directory read through the netns provider, as a lab's are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "roles/failover_evidence.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

/* 2026-11-28 05:22:39 UTC in seconds since the epoch. */
#define T0 1795843359.0

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-6)
		fail_msg("got %.6f, want %.6f", got, want);
}

static void test_time_stamps(void **state)
{
	double t = 0;

	(void)state;
	assert_true(log_time_postgres("2026-11-28 05:22:39.041 UTC [4430] LOG:  x", &t));
	assert_near(t, T0 + 0.041);
	assert_true(log_time_postgres("2026-11-28 05:22:39 GMT [1] LOG:  x", &t));
	assert_near(t, T0);
	/* Another zone is not guessed at; a sign or a space is not a digit. */
	assert_false(log_time_postgres("2026-11-28 05:22:39.041 CET [4430] LOG:  x", &t));
	assert_false(log_time_postgres("2026-11-28 05:22:-9.041 UTC [4430] LOG:  x", &t));
	assert_false(log_time_postgres("2026-11-28  5:22:39.041 UTC [4430] LOG:  x", &t));
	assert_false(log_time_postgres("2026-13-28 05:22:39.041 UTC x", &t));
	assert_false(log_time_postgres("2026-11-28 05:22:39. UTC x", &t));
	assert_false(log_time_postgres("", &t));

	assert_true(log_time_rfc5424("<129>1 2026-11-28T05:22:39.806015+00:00 - haproxy 1 - - m", &t));
	assert_near(t, T0 + 0.806015);
	assert_true(log_time_rfc5424("<129>1 2026-11-28T06:22:39.5+01:00 - haproxy 1 - - m", &t));
	assert_near(t, T0 + 0.5);
	assert_true(log_time_rfc5424("<129>1 2026-11-28T05:22:39Z - m", &t));
	assert_near(t, T0);
	assert_false(log_time_rfc5424("<129>2 2026-11-28T05:22:39Z - m", &t));
	assert_false(log_time_rfc5424("[WARNING]  (4475) : Server w/p2 is UP", &t));
	assert_false(log_time_rfc5424("<129>1 2026-11-28T05:22:39+0100 - m", &t));
	assert_false(log_time_rfc5424("<>1 2026-11-28T05:22:39Z - m", &t));
}

static char scratch[] = "/tmp/pgdrill-test-failover-XXXXXX";
static struct lab_host defs[4] = {{.name = "postgres1", .role = ROLE_PRIMARY},
                                  {.name = "postgres2", .role = ROLE_STANDBY},
                                  {.name = "postgres3", .role = ROLE_STANDBY},
                                  {.name = "haproxy", .role = ROLE_PROXY}};
static struct lab_host_rt hosts[4];
static struct lab_rt rt = {.ops = &provider_netns, .hosts = hosts, .nhosts = 4};

static void write_log(int i, const char *what, const char *text)
{
	char *path = xasprintf("%s/%s.log", hosts[i].log_dir, what);

	assert_int_equal(fs_write_string(path, text, 0644, NULL), 0);
	free(path);
}

static int setup(void **state)
{
	size_t i;

	(void)state;
	if (!mkdtemp(scratch))
		return -1;
	for (i = 0; i < 4; i++) {
		hosts[i].def = &defs[i];
		hosts[i].log_dir = xasprintf("%s/%s", scratch, defs[i].name);
		hosts[i].host_root = xstrdup(scratch);
		if (mkdir(hosts[i].log_dir, 0755) < 0)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		free(hosts[i].log_dir);
		free(hosts[i].host_root);
	}
	fs_remove_tree(scratch);
	return 0;
}

static void test_the_failover_in_the_window(void **state)
{
	struct failover_evidence e;

	(void)state;
	/* postgres2 was promoted once before the window (an earlier drill) and again inside
	 * it; postgres3 after the window; postgres1 has no log at all. */
	write_log(1, "postgres",
	          "2026-11-28 05:20:00.000 UTC [1] LOG:  received promote request\n"
	          "2026-11-28 05:20:00.100 UTC [1] LOG:  database system is ready to accept "
	          "connections\n"
	          "2026-11-28 05:22:25.301 UTC [4427] LOG:  database system is ready to accept "
	          "read-only connections\n"
	          "2026-11-28 05:22:39.041 UTC [4430] LOG:  received promote request\n"
	          "2026-11-28 05:22:39.043 UTC [4430] LOG:  selected new timeline ID: 2\n"
	          "2026-11-28 05:22:39.068 UTC [4430] LOG:  archive recovery complete\n"
	          "2026-11-28 05:22:39.099 UTC [4427] LOG:  database system is ready to accept "
	          "connections\n");
	write_log(2, "postgres", "2026-11-28 05:23:30.000 UTC [7] LOG:  received promote request\n");
	write_log(3, "haproxy",
	          "[WARNING]  (4475) : Server write_tcp/postgres2 is UP, reason: Layer7 check\n"
	          "<129>1 2026-11-28T05:20:00.500000+00:00 - haproxy 1 - - Server "
	          "write_tcp/postgres2 is UP, reason: old\n"
	          "<129>1 2026-11-28T05:22:39.500000+00:00 - haproxy 1 - - Server "
	          "write_agent/postgres2 is UP, reason: another listener\n"
	          "<129>1 2026-11-28T05:22:39.600000+00:00 - haproxy 1 - - Server "
	          "write_tcp/postgres20 is UP, reason: another host\n"
	          "<129>1 2026-11-28T05:22:39.806015+00:00 - haproxy 1 - - Server "
	          "write_tcp/postgres2 is UP, reason: Layer7 check passed\n");
	failover_evidence_collect(&rt, "write_tcp", T0 - 3, T0 + 3, &e);
	assert_non_null(e.host);
	assert_string_equal(e.host, "postgres2");
	assert_near(e.promote_requested, T0 + 0.041);
	assert_near(e.promoted, T0 + 0.068);
	assert_near(e.routed, T0 + 0.806015);

	/* A window with no promotion in it: nothing, not the one after it. */
	failover_evidence_collect(&rt, "write_tcp", T0 + 1, T0 + 30, &e);
	assert_null(e.host);
	assert_true(isnan(e.promote_requested) && isnan(e.routed));

	/* No haproxy log: the promotion still, the routing unknown. */
	write_log(3, "haproxy", "");
	failover_evidence_collect(&rt, "write_tcp", T0 - 3, T0 + 3, &e);
	assert_string_equal(e.host, "postgres2");
	assert_true(isnan(e.routed));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_time_stamps),
	    cmocka_unit_test_setup_teardown(test_the_failover_in_the_window, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
