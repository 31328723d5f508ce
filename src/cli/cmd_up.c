#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "roles/cluster.h"
#include "util/error.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const struct cli_option up_options[] = {
    {"keep-on-failure", 0, NULL, "leave a lab that failed to come up for inspection"},
    {"accept-new-host-keys", 0, NULL,
     "existing labs: record the host key of a host met for the first time (printed with "
     "its fingerprint); a changed key is refused all the same"},
    {"quiet", 'q', NULL, "print only errors"},
    {0},
};

static void print_connect_info(const struct lab_rt *rt, const char *path)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	const struct lab_host_rt *primary = lab_rt_by_role(rt, ROLE_PRIMARY);
	size_t i;

	if (proxy) {
		printf("  through haproxy (%s), from inside the lab:\n", proxy->addr);
		for (i = 0; i < rt->lab->haproxy.listeners.count; i++) {
			const struct lab_listener *l = LAB_LISTENER(rt->lab, i);

			printf("    %-12s %s:%-5ld %s, %s%s\n", l->name, proxy->addr, l->port,
			       l->target == TARGET_REPLICA ? "reads" : "writes",
			       check_style_names[l->check],
			       l->check == CHECK_PGSQL ? " (liveness only: also routes to standbys)"
			                               : "");
		}
	}
	printf("  psql on the primary:   pgdrill exec %s %s -- psql\n", path, primary->def->name);
	if (proxy)
		printf("  psql through haproxy:  pgdrill exec %s %s -- psql -h %s -p %ld %s\n",
		       path, proxy->def->name, proxy->addr, LAB_LISTENER(rt->lab, 0)->port,
		       rt->lab->credentials.app_database);
	printf("  state: pgdrill status %s    remove: pgdrill down %s\n", path, path);
}

static int up_run(const struct cli_args *args)
{
	const char *path = args->pos[0];
	bool quiet = cli_flag(args, "quiet");
	struct up_options o = {.progress = quiet ? NULL : stdout,
	                       .keep_on_failure = cli_flag(args, "keep-on-failure"),
	                       .interrupted = &interrupted};
	struct sigaction act = {.sa_handler = on_signal};
	struct up_report report;
	struct lab_rt rt;
	struct lab lab;
	char subnet[24];
	int rc = EXIT_HARNESS;

	if (cli_require_root("up") < 0 || cli_open_lab(&lab, &rt, path) < 0)
		return EXIT_HARNESS;
	rt.accept_new_host_keys = cli_flag(args, "accept-new-host-keys");
	rt.say = stdout;
	if (cli_lock_lab("up", &rt, true) < 0)
		goto cleanup;
	switch (cluster_presence(&rt)) {
	case LAB_UP:
		printf("lab '%s' is already up; 'pgdrill status %s' shows it, 'pgdrill down %s' "
		       "removes it\n",
		       lab.name, path, path);
		rc = 0;
		goto cleanup;
	case LAB_PARTIAL:
		fprintf(stderr,
		        "pgdrill up: lab '%s' is half built (an earlier 'up' was interrupted or "
		        "failed); run 'pgdrill down %s' first\n",
		        lab.name, path);
		goto cleanup;
	case LAB_ABSENT:
		break;
	}
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	units_format_subnet(&lab.provider.subnet, subnet, sizeof(subnet));
	if (!quiet && !rt.ops->builds_hosts) {
		printf("checking lab '%s': %zu existing hosts over SSH%s%s\n", lab.name,
		       lab.hosts.count, lab.provider.network_namespace ? ", from network namespace " : "",
		       lab.provider.network_namespace ? lab.provider.network_namespace : "");
		fflush(stdout);
	} else if (!quiet) {
		printf("bringing up lab '%s': %zu hosts on %s, subnet %s\n", lab.name,
		       lab.hosts.count, provider_kind_names[lab.provider.kind], subnet);
		fflush(stdout);
	}
	if (cluster_up(&rt, &o, &report) < 0) {
		cli_report_error("up");
		goto cleanup;
	}
	if (!quiet && !rt.ops->builds_hosts) {
		printf("lab '%s': its %zu hosts answer and pgdrill is root on each (checked in "
		       "%.2f s)\n  state: pgdrill status %s    forget them: pgdrill down %s\n",
		       lab.name, rt.nhosts, report.total_s, path, path);
	} else if (!quiet) {
		printf("lab '%s' is up in %.2f s (writes through haproxy after %.2f s)\n", lab.name,
		       report.total_s, report.to_writes_s);
		print_connect_info(&rt, path);
	}
	rc = 0;
cleanup:
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

const struct cli_command cmd_up = {
    .name = "up",
    .usage = "[options] LAB.yaml",
    .summary = "Build the lab: network, disks, PostgreSQL, repmgr, haproxy, barman.",
    .details = "Prints each phase with its duration and ends with how to connect. A lab that "
               "fails to come up is removed again (unless --keep-on-failure); Ctrl-C stops "
               "after the current step and removes it too.",
    .options = up_options,
    .min_args = 1,
    .max_args = 1,
    .run = up_run,
};
