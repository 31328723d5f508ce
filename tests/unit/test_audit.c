/* The audit below the live cluster: findings and their formats, and the rules over the
 * lab's timers and haproxy.cfg, read from a scratch host standing in for the proxy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scratch_host.h"
#include "audit/audit.h"
#include "audit/audit_rules.h"
#include "lab/lab.h"
#include "provider/host.h"
#include "util/error.h"
#include "util/fsutil.h"

static const char *const risky_lab =
    "name: a\nrepmgr: {reconnect_attempts: 2}\nobjectives: {rto: 3s}\nhosts:\n"
    "  - {name: haproxy, role: proxy}\n  - {name: p1, role: primary}\n"
    "  - {name: p2, role: standby}\n"
    "haproxy:\n  listeners:\n"
    "    - {name: write_tcp, port: 5000, check: tcp-check}\n"
    "    - {name: write_pgsql, port: 5002, check: pgsql-check}\n"
    "    - {name: read, port: 5010, target: replica, check: tcp-check}\n";

static const char *const cfg =
    "global\n    maxconn 10\n\n"
    "listen write_tcp\n    bind *:5000\n    default-server inter 1000ms fall 2 rise 1\n"
    "    option tcp-check\n\n"
    "listen write_pgsql\n    bind *:5002\n"
    "    default-server inter 1000ms on-marked-down shutdown-sessions\n"
    "    option pgsql-check user haproxy_check\n\n"
    "listen read\n    bind *:5010\n    option pgsql-check user haproxy_check\n";

static size_t count_rule(const struct audit *a, const char *rule, enum audit_severity sev,
                         const char **evidence)
{
	size_t i, n = 0;

	for (i = 0; i < a->count; i++)
		if (strcmp(a->items[i].rule, rule) == 0 && a->items[i].severity == sev) {
			n++;
			if (evidence)
				*evidence = a->items[i].evidence;
		}
	return n;
}

/* cmocka's setup and teardown: the risky lab with its first host (haproxy) as a scratch
 * host, with a conf/ directory. */
struct fixture {
	char scratch[64];
	struct diag_list dl;
	struct lab_host_rt host;
	struct lab_rt rt;
	struct lab lab;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	snprintf(f->scratch, sizeof(f->scratch), "/tmp/pgdrill-test-audit-XXXXXX");
	diag_list_init(&f->dl, "t.yaml");
	if (lab_load_buffer(&f->lab, risky_lab, strlen(risky_lab), &f->dl) < 0 ||
	    scratch_host_init(f->scratch, LAB_HOST(&f->lab, 0), &f->host, &f->rt) < 0)
		return -1;
	f->rt.lab = &f->lab;
	if (host_mkdir(&f->rt, &f->host, "conf", 0755, NULL) < 0)
		return -1;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	scratch_host_free(f->scratch, &f->host);
	lab_free(&f->lab);
	diag_list_free(&f->dl);
	free(f);
	return 0;
}

static void test_timers_and_haproxy_cfg(void **state)
{
	struct fixture *f = *state;
	struct audit a;
	const char *ev = NULL;

	assert_int_equal(host_put_string(&f->rt, &f->host, "conf/haproxy.cfg", cfg, 0644, NULL), 0);
	audit_init(&a);
	audit_ha_rules(&f->rt, &a);
	/* Worst case 1 + 2 x 1 + 1 + 1 x 1 = 5 s against 3 s. */
	assert_int_equal(count_rule(&a, "failover-time", AUDIT_HIGH, NULL), 1);
	assert_int_equal(count_rule(&a, "failover-cancelled", AUDIT_HIGH, NULL), 1);
	/* Only a write listener's pgsql-check counts (the read listener's, drift the lab file
	 * could not hold, is not this rule's), at its own line; only the listener without
	 * shutdown-sessions is named. */
	assert_int_equal(count_rule(&a, "haproxy-pgsql-check", AUDIT_HIGH, &ev), 1);
	assert_string_equal(
	    ev, "haproxy:haproxy.cfg:12: option pgsql-check user haproxy_check (listen write_pgsql)");
	/* tcp-check on a write listener does not fence a returning old primary; the read
	 * listener is no write listener, and pgsql-check has its own finding. */
	assert_int_equal(count_rule(&a, "no-fencing", AUDIT_WARNING, &ev), 1);
	assert_string_equal(
	    ev, "haproxy:haproxy.cfg:4: listen write_tcp (tcp-check: pg_is_in_recovery() only)");
	assert_int_equal(count_rule(&a, "haproxy-shutdown-sessions", AUDIT_WARNING, &ev), 1);
	assert_string_equal(ev, "haproxy:haproxy.cfg:4: listen write_tcp (no on-marked-down)");
	assert_int_equal(audit_count_at_least(&a, AUDIT_HIGH), 3);
	assert_int_equal(audit_count_at_least(&a, AUDIT_CRITICAL), 0);
	audit_free(&a);
}

/* A lab without barman gets backup-none; a password file others can read is found by
 * its mode on the host, and is not once it is 0600. */
static void test_backups_and_secrets(void **state)
{
	struct fixture *f = *state;
	struct audit a;
	const char *ev = NULL;

	assert_int_equal(host_put_string(&f->rt, &f->host, "conf/pgpass", "*:*:*:u:pw\n", 0644, NULL),
	                 0);
	audit_init(&a);
	audit_backup_rules(&f->rt, &a);
	audit_host_rules(&f->rt, &a);
	assert_int_equal(count_rule(&a, "backup-none", AUDIT_WARNING, NULL), 1);
	assert_int_equal(count_rule(&a, "secrets-readable", AUDIT_HIGH, &ev), 1);
	assert_non_null(strstr(ev, "/conf/pgpass: mode 644, owner root"));
	audit_free(&a);
	assert_int_equal(host_put_string(&f->rt, &f->host, "conf/pgpass", "*:*:*:u:pw\n", 0600, NULL),
	                 0);
	audit_init(&a);
	audit_backup_rules(&f->rt, &a);
	audit_host_rules(&f->rt, &a);
	assert_int_equal(count_rule(&a, "secrets-readable", AUDIT_HIGH, NULL), 0);
	assert_int_equal(a.skipped, 0);
	audit_free(&a);
}

/* Writes DIR/NAME/journal.json of lab LAB with one scenario. */
static void put_run(const char *dir, const char *name, const char *lab, const char *outcome,
                    const char *fault)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/%s/journal.json", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f,
	        "{\"lab\": \"%s\", \"started_unix\": 1.0, \"scenarios\": [{\"name\": \"s\", "
	        "\"outcome\": \"%s\", \"events\": [{\"kind\": \"fault\", \"data\": "
	        "{\"fault\": \"%s\"}}]}]}\n",
	        lab, outcome, fault);
	fclose(f);
}

static size_t untested(struct lab_rt *rt, const char *runs)
{
	struct audit a;
	size_t n;

	audit_init(&a);
	audit_drill_rules(rt, runs, &a);
	n = count_rule(&a, "restore-untested", AUDIT_WARNING, NULL);
	audit_free(&a);
	return n;
}

/* A restore counts when a scenario that restored from barman passed, in a run of this
 * lab: not a failed one, not another fault, not another lab's. */
static void test_restore_untested(void **state)
{
	static const char text[] = "name: lab-a\nhosts:\n  - {name: p1, role: primary}\n"
	                           "  - {name: p2, role: standby}\n  - {name: b, role: barman}\n";
	char runs[] = "/tmp/pgdrill-test-runs-XXXXXX";
	struct diag_list dl;
	struct lab_rt rt;
	struct lab lab;

	(void)state;
	diag_list_init(&dl, "t.yaml");
	assert_int_equal(lab_load_buffer(&lab, text, strlen(text), &dl), 0);
	assert_int_equal(lab_rt_init(&rt, &lab), 0);
	assert_non_null(mkdtemp(runs));
	assert_int_equal(untested(&rt, "/nonexistent-runs"), 1);
	assert_int_equal(untested(&rt, runs), 1);
	put_run(runs, "20261128-100000-lab-a-drills", "lab-a", "failed", "barman_restore");
	put_run(runs, "20261128-100001-lab-a-drills", "lab-a", "passed", "kill");
	put_run(runs, "20261128-100002-lab-a-b-drills", "lab-a-b", "passed", "barman_restore");
	put_run(runs, "not-a-run", "lab-a", "passed", "barman_restore");
	assert_int_equal(untested(&rt, runs), 1);
	put_run(runs, "20261128-100003-lab-a-drills", "lab-a", "passed", "barman_restore");
	assert_int_equal(untested(&rt, runs), 0);
	lab_rt_free(&rt);
	lab_free(&lab);
	diag_list_free(&dl);
	assert_int_equal(fs_remove_tree(runs), 0);
}

static void test_formats(void **state)
{
	static struct lab lab = {.name = "lab1"};
	struct lab_rt rt = {.lab = &lab, .ops = &provider_netns};
	struct strbuf out = STRBUF_INIT;
	json_object *root, *f;
	struct audit a;

	(void)state;
	assert_int_equal(audit_severity_parse("warning"), AUDIT_WARNING);
	assert_int_equal(audit_severity_parse("severe"), -1);
	audit_init(&a);
	audit_add(&a, AUDIT_INFO, "r-info", "fine", "e1", "c1", "");
	audit_add(&a, AUDIT_CRITICAL, "r-crit", "bad \"quoted\"\n", "e2", "c2", "f2");
	audit_skip(&a, "r-skip", "host x did not answer");
	audit_format_json(&rt, &a, &out);
	root = json_tokener_parse(strbuf_str(&out));
	assert_non_null(root);
	/* Most severe first; what could not be looked at is listed, not passed. */
	f = json_object_array_get_idx(json_object_object_get(root, "findings"), 0);
	assert_string_equal(json_object_get_string(json_object_object_get(f, "rule")), "r-crit");
	assert_string_equal(json_object_get_string(json_object_object_get(f, "title")),
	                    "bad \"quoted\"\n");
	assert_int_equal(json_object_get_int(json_object_object_get(
	                     json_object_object_get(root, "counts"), "critical")),
	                 1);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
	                        json_object_object_get(root, "not_checked"), 0)),
	                    "r-skip: not checked: host x did not answer");
	json_object_put(root);
	strbuf_reset(&out);
	audit_format_text(&rt, &a, &out);
	assert_non_null(strstr(strbuf_str(&out), "1 critical, 0 high, 0 warning, 1 info"));
	assert_true(strstr(strbuf_str(&out), "CRITICAL") < strstr(strbuf_str(&out), "INFO"));
	assert_non_null(strstr(strbuf_str(&out), "r-skip: not checked"));
	strbuf_free(&out);
	audit_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_timers_and_haproxy_cfg, fixture_setup,
	                                    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_backups_and_secrets, fixture_setup,
	                                    fixture_teardown),
	    cmocka_unit_test(test_restore_untested),
	    cmocka_unit_test(test_formats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
