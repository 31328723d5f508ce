#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab.h"
#include "lab/risks.h"
#include "util/strbuf.h"

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

/* One problem at `line`, whose message holds `part`. */
static void expect_one(const char *text, int line, const char *part)
{
	struct diag_list dl;
	struct lab lab;

	assert_int_equal(load_text(&lab, text, &dl), -1);
	assert_int_equal(dl.count, 1);
	assert_int_equal(dl.items[0].at.line, line);
	if (!strstr(dl.items[0].message, part))
		fail_msg("'%s' does not hold '%s'", dl.items[0].message, part);
	diag_list_free(&dl);
}

#define EXISTING                                                                           \
	"name: a\nprovider: {kind: existing}\nrepmgr: {failover: manual}\n"                \
	"credentials: {superuser_password: s, app_password: a}\nhosts:\n"

static void test_existing_inventory(void **state)
{
	struct diag_list dl;
	struct lab lab;

	(void)state;
	assert_int_equal(
	    load_text(&lab,
	              EXISTING "  - {name: p1, role: primary, address: 192.0.2.10, allow_faults: "
	                       "\"kill, pause\", ssh: {user: dba, key: /k, known_host_key: "
	                       "\"SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}}\n"
	                       "  - {name: p2, role: standby, address: 192.0.2.11}\n",
	              &dl),
	    0);
	assert_string_equal(LAB_HOST(&lab, 0)->ssh.user, "dba");
	assert_int_equal(LAB_HOST(&lab, 0)->ssh.port, 22);
	assert_int_equal(LAB_HOST(&lab, 0)->ssh.become, BECOME_SUDO);
	lab_free(&lab);
	diag_list_free(&dl);
	expect_one(EXISTING "  - {name: p1, role: primary, ssh: {known_host_key: \"MD5:aa\"}}\n", 6,
	           "SHA256 fingerprint");
	expect_one(EXISTING "  - {name: p1, role: primary, ssh: {key: id_rsa}}\n", 6,
	           "ssh.key must be an absolute path");
	expect_one(EXISTING "  - {name: p1, role: primary, ssh: {password_env: \"a b\"}}\n", 6,
	           "password_env");
	expect_one(EXISTING "  - {name: p1, role: primary, ssh: {host: \"a;b\"}}\n", 6,
	           "DNS name");
	expect_one(EXISTING "  - {name: p1, role: primary, allow_faults: \"kill, nuke\"}\n", 6,
	           "'nuke' is no fault");
	expect_one("name: a\nprovider: {kind: existing, network_namespace: ../x}\nhosts:\n"
	           "  - {name: p1, role: primary}\nrepmgr: {failover: manual}\n"
	           "credentials: {superuser_password: s, app_password: a}\n",
	           2, "network_namespace");
	expect_one("name: a\nprovider: {kind: existing}\nrepmgr: {failover: manual}\nhosts:\n"
	           "  - {name: p1, role: primary}\n",
	           2, "needs credentials.superuser_password");
	/* The state directory is written unquoted into haproxy.cfg (its stats socket): a
	 * space there once rendered a configuration haproxy refused (found by the fuzzer). */
	expect_one("name: a\nprovider: {state_dir: /32 trust}\nrepmgr: {failover: manual}\nhosts:\n"
	           "  - {name: p1, role: primary}\n",
	           2, "provider.state_dir must be an absolute path");
	expect_one("name: a\nprovider: {state_dir: /var/lib/../../etc}\nrepmgr: {failover: manual}\nhosts:\n"
	           "  - {name: p1, role: primary}\n",
	           2, "no '..'");
	expect_one("name: a\nprovider: {state_dir: relative}\nrepmgr: {failover: manual}\nhosts:\n"
	           "  - {name: p1, role: primary}\n",
	           2, "provider.state_dir");
	/* Keys only an existing lab reads are refused elsewhere, not silently ignored. */
	expect_one("name: a\nrepmgr: {failover: manual}\nhosts:\n"
	           "  - {name: p1, role: primary, allow_faults: all}\n",
	           4,
	           "for hosts of an existing lab");
	expect_one("name: a\nrepmgr: {failover: manual}\nhosts:\n"
	           "  - {name: p1, role: primary, paths: {data: /srv/pg}}\n",
	           4, "'paths' is for hosts of an existing lab");
	expect_one("name: a\nrepmgr: {failover: manual}\nhosts:\n"
	           "  - {name: p1, role: primary, service: {start: true}}\n",
	           4, "'service' is for hosts of an existing lab");
}

/* A node's declared places: absolute paths of names, and only where a node runs. */
static void test_existing_paths(void **state)
{
	static const char *const bad[] = {"relative/data", "/", "/srv/../etc", "/srv/./pg",
	                                  "/srv//pg", "/srv/pg/"};
	struct diag_list dl;
	struct lab lab;
	size_t i;

	(void)state;
	assert_int_equal(
	    load_text(&lab,
	              EXISTING "  - {name: p1, role: primary, paths: {data: "
	                       "/var/lib/postgresql/15/main, config: "
	                       "/etc/postgresql/15/main/postgresql.conf, repmgr_conf: "
	                       "/etc/repmgr.conf, bin: /usr/lib/postgresql/15/bin}, service: {start: "
	                       "\"pg_ctlcluster 15 main start\"}}\n",
	              &dl),
	    0);
	assert_string_equal(LAB_HOST(&lab, 0)->paths.data, "/var/lib/postgresql/15/main");
	assert_string_equal(LAB_HOST(&lab, 0)->service.start, "pg_ctlcluster 15 main start");
	assert_null(LAB_HOST(&lab, 0)->paths.hba);
	lab_free(&lab);
	diag_list_free(&dl);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = xasprintf(EXISTING "  - {name: p1, role: primary, paths: {hba: %s}}\n",
		                       bad[i]);

		expect_one(text, 6, "paths.hba of host 'p1' must be an absolute path");
		free(text);
	}
	expect_one(EXISTING "  - {name: p1, role: primary}\n"
	                    "  - {name: hp, role: proxy, service: {stop: x}}\n",
	           7, "runs no PostgreSQL node");
	expect_one(EXISTING "  - {name: p1, role: primary, service: {stop: \"a\\nb\"}}\n", 6,
	           "control characters");
	/* barman's host: its configuration and password file, nothing of a node. */
	assert_int_equal(load_text(&lab,
	                           EXISTING "  - {name: p1, role: primary}\n"
	                                    "  - {name: b, role: barman, paths: {barman_conf: "
	                                    "/etc/barman.conf, pgpass: /var/lib/barman/.pgpass}}\n"
	                                    "  - {name: s, role: spare, barman_ssh: \"ssh "
	                                    "postgres@s\"}\n",
	                           &dl),
	                 0);
	assert_string_equal(LAB_HOST(&lab, 1)->paths.barman_conf, "/etc/barman.conf");
	assert_string_equal(LAB_HOST(&lab, 2)->barman_ssh, "ssh postgres@s");
	lab_free(&lab);
	diag_list_free(&dl);
	expect_one(EXISTING "  - {name: p1, role: primary}\n"
	                    "  - {name: b, role: barman, paths: {data: /srv/d}}\n",
	           7, "only 'paths.bin', 'paths.pgpass' and 'paths.barman_conf' apply");
	expect_one(EXISTING "  - {name: p1, role: primary, paths: {barman_conf: /etc/b.conf}}\n", 6,
	           "paths.barman_conf is for the barman host; 'p1' is a primary");
	expect_one(EXISTING "  - {name: p1, role: primary}\n"
	                    "  - {name: hp, role: proxy, paths: {haproxy_socket: /run/haproxy/admin.sock, "
	                    "haproxy_conf: /etc/haproxy/haproxy.cfg, bin: /usr/sbin}}\n"
	                    "  - {name: p2, role: standby, paths: {haproxy_socket: /run/h.sock}}\n",
	           8, "paths.haproxy_socket is for the proxy host; 'p2' is a standby");
	expect_one(EXISTING "  - {name: p1, role: primary, paths: {server_log: "
	                    "/var/log/postgresql/postgresql-15-main.log}}\n"
	                    "  - {name: hp, role: proxy, paths: {server_log: /var/log/x.log}}\n",
	           7, "only 'paths.bin', 'paths.haproxy_socket' and 'paths.haproxy_conf' apply");
	expect_one(EXISTING "  - {name: p1, role: primary, paths: {server_log: ../x.log}}\n", 6,
	           "paths.server_log of host 'p1' must be an absolute path");
	expect_one(EXISTING "  - {name: p1, role: primary, barman_ssh: \"ssh x\"}\n", 6,
	           "barman_ssh of host 'p1' is for a spare host");
}

static void test_existing_allowed_faults(void **state)
{
	struct diag_list dl;
	struct lab lab;

	(void)state;
	assert_int_equal(load_text(&lab,
	                           EXISTING "  - {name: p1, role: primary, allow_faults: \"kill, "
	                                    "fill_disk\"}\n  - {name: p2, role: standby}\n"
	                                    "  - {name: p3, role: standby, allow_faults: all}\n",
	                           &dl),
	                 0);
	/* The list names exactly what it names: no prefix matches. */
	assert_true(lab_host_allows_fault(&lab, LAB_HOST(&lab, 0), "kill"));
	assert_true(lab_host_allows_fault(&lab, LAB_HOST(&lab, 0), "fill_disk"));
	assert_false(lab_host_allows_fault(&lab, LAB_HOST(&lab, 0), "fill"));
	assert_false(lab_host_allows_fault(&lab, LAB_HOST(&lab, 0), "pause"));
	/* Left out: nothing, unless the environment is test. */
	assert_false(lab_host_allows_fault(&lab, LAB_HOST(&lab, 1), "kill"));
	assert_true(lab_host_allows_fault(&lab, LAB_HOST(&lab, 2), "partition"));
	lab.environment = ENV_TEST;
	assert_true(lab_host_allows_fault(&lab, LAB_HOST(&lab, 1), "kill"));
	/* A lab pgdrill builds allows everything. */
	lab.environment = ENV_UNSPECIFIED;
	lab.provider.kind = PROVIDER_NETNS;
	assert_true(lab_host_allows_fault(&lab, LAB_HOST(&lab, 1), "kill"));
	lab_free(&lab);
	diag_list_free(&dl);
}

/* The risks of a lab whose repmgr section is REPMGR (flow YAML); -1 when it did not load. */
/* The risks of the lab TEXT: how many, and the first as "LINE:message" in FIRST. */
static int risks_of_lab(const char *text, char *first, size_t len)
{
	struct diag_list dl, risks;
	struct lab lab;
	int n;

	if (load_text(&lab, text, &dl) < 0) {
		diag_list_free(&dl);
		return -1;
	}
	diag_list_init(&risks, "t.yaml");
	n = (int)lab_risks(&lab, &risks);
	snprintf(first, len, "%d:%s", risks.count ? risks.items[0].at.line : 0,
	         risks.count ? risks.items[0].message : "");
	diag_list_free(&risks);
	diag_list_free(&dl);
	lab_free(&lab);
	return n;
}

static int risks_of(const char *repmgr, char *first, size_t len)
{
	char text[512];

	snprintf(text, sizeof(text),
	         "name: a\nrepmgr: %s\nhosts:\n  - {name: p1, role: primary}\n"
	         "  - {name: p2, role: standby}\n  - {name: p3, role: standby}\n",
	         repmgr);
	return risks_of_lab(text, first, len);
}

static void test_consensus_window_risk(void **state)
{
	char first[512];

	(void)state;
	/* The defaults: 2 attempts' worth of waiting, 2 monitor intervals. */
	assert_int_equal(risks_of("{}", first, sizeof(first)), 0);
	assert_int_equal(risks_of("{reconnect_attempts: 2}", first, sizeof(first)), 1);
	assert_non_null(strstr(first, "= 1 s is less than 2 x monitor_interval = 2 s"));
	assert_non_null(strstr(first, "cancel a failover for good"));
	assert_int_equal(strncmp(first, "2:", 2), 0); /* at the key, line 2 */
	assert_int_equal(risks_of("{reconnect_attempts: 1}", first, sizeof(first)), 1);
	/* Longer pauses make up for fewer attempts; a slower monitor needs more. */
	assert_int_equal(risks_of("{reconnect_attempts: 2, reconnect_interval: 2s}", first,
	                          sizeof(first)),
	                 0);
	assert_int_equal(risks_of("{monitor_interval: 2s}", first, sizeof(first)), 1);
	/* Without the consensus, or without automatic failover, there is no such election. */
	assert_int_equal(risks_of("{reconnect_attempts: 1, primary_visibility_consensus: false}",
	                          first, sizeof(first)),
	                 0);
	assert_int_equal(risks_of("{reconnect_attempts: 1, failover: manual}", first,
	                          sizeof(first)),
	                 0);
}

/* A node's disk below what its WAL may take is a warning at its `disk` key; barman's and
 * the spare's are not PostgreSQL nodes. */
static void test_disk_budget_risk(void **state)
{
	char first[512];

	(void)state;
	assert_int_equal(risks_of_lab("name: a\nhosts:\n  - {name: p1, role: primary}\n"
	                              "  - {name: p2, role: standby, disk: 256MB}\n"
	                              "  - {name: b, role: barman, disk: 100MB}\n",
	                              first, sizeof(first)),
	                 1);
	assert_int_equal(strncmp(first, "4:host p2: a disk of 256 MB", 27), 0);
	assert_non_null(strstr(first, "may take 160 MB"));
	assert_int_equal(risks_of_lab("name: a\nhosts:\n  - {name: p1, role: primary, disk: 320MB}\n"
	                              "  - {name: p2, role: standby}\n",
	                              first, sizeof(first)),
	                 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_addresses_skip_taken),
	    cmocka_unit_test(test_subnet_exhausted),
	    cmocka_unit_test(test_default_listeners_only_with_proxy),
	    cmocka_unit_test(test_manual_failover_single_node),
	    cmocka_unit_test(test_existing_inventory),
	    cmocka_unit_test(test_existing_allowed_faults),
	    cmocka_unit_test(test_existing_paths),
	    cmocka_unit_test(test_consensus_window_risk),
	    cmocka_unit_test(test_disk_budget_risk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
