#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "train/record.h"
#include "roles/cluster.h"
#include "roles/pg.h"
#include "util/error.h"
#include "util/strbuf.h"

/* A command on a host reached over SSH ends within this. */
#define EXEC_REMOTE_TIMEOUT_MS (30 * 60 * 1000)

static const struct cli_option exec_options[] = {
    {"user", 'u', "USER", "run as this user (default: postgres)"},
    {0},
};

static int exec_run(const struct cli_args *args)
{
	const char *user = cli_opt(args, "user");
	const struct lab_host_rt *h, *primary;
	struct proc_result res = {0};
	struct proc_spec spec = {0};
	struct lab_rt rt;
	struct lab lab;
	char *env[6] = {NULL}, *pgpass;
	int rc = EXIT_HARNESS;

	if (cli_require_root("exec") < 0 || cli_open_lab(&lab, &rt, args->pos[0]) < 0)
		return EXIT_HARNESS;
	if (!(h = lab_rt_host(&rt, args->pos[1]))) {
		fprintf(stderr, "pgdrill exec: lab '%s' has no host '%s'\n", lab.name,
		        args->pos[1]);
		goto cleanup;
	}
	if (cluster_presence(&rt) == LAB_ABSENT) {
		fprintf(stderr, "pgdrill exec: lab '%s' is not up; run 'pgdrill up %s'\n", lab.name,
		        args->pos[0]);
		goto cleanup;
	}
	/* psql inside a node finds its own server; elsewhere it needs -h. A host without
	 * passwords of its own (haproxy) borrows the primary's. */
	primary = lab_rt_by_role(&rt, ROLE_PRIMARY);
	pgpass = host_path(host_exists(&rt, h, "conf/pgpass") ? h : primary, "conf/pgpass");
	env[0] = xasprintf("PGPASSFILE=%s", pgpass);
	env[1] = xasprintf("PGPORT=%ld", lab.postgres.port);
	free(pgpass);
	if (lab_host_is_postgres(h->def)) {
		char *sock = host_path(h, "run");

		env[2] = xasprintf("PGHOST=%s", sock);
		free(sock);
		/* pg_ctl finds the data directory by itself; repmgr -f "$REPMGR_CONF". */
		sock = host_path(h, "data");
		env[3] = xasprintf("PGDATA=%s", sock);
		free(sock);
		sock = host_path(h, "conf/repmgr.conf");
		env[4] = xasprintf("REPMGR_CONF=%s", sock);
		free(sock);
	} else if (h->def->role == ROLE_PROXY && rt.ops->builds_hosts) {
		/* haproxy -c -f "$HAPROXY_CFG"; its admin socket for "show stat". */
		char *path = host_path(h, "conf/haproxy.cfg");

		env[2] = xasprintf("HAPROXY_CFG=%s", path);
		free(path);
		path = host_path(h, "run/haproxy.sock");
		env[3] = xasprintf("HAPROXY_SOCK=%s", path);
		free(path);
	}
	spec.argv = args->rest;
	spec.user = user ? (*user ? user : NULL) : "postgres";
	if (user && strcmp(user, "root") == 0)
		spec.user = NULL;
	spec.env = env;
	/* Over SSH the command's output comes back whole when it ends (no terminal, no
	 * input), within a deadline like every command pgdrill runs there. */
	spec.inherit_stdio = rt.ops->builds_hosts;
	if (!rt.ops->builds_hosts)
		spec.timeout_ms = EXEC_REMOTE_TIMEOUT_MS;
	/* During an exercise, what the trainee ran goes into its debrief. */
	train_log_command(rt.lab_dir, h->def->name, spec.user ? spec.user : "root", args->rest);
	if (host_run(&rt, h, &spec, &res) < 0) {
		cli_report_error("exec");
		goto cleanup;
	}
	if (!spec.inherit_stdio) {
		fputs(res.out, stdout);
		fputs(res.err, stderr);
	}
	rc = res.status;
	proc_result_free(&res);
cleanup:
	free(env[0]);
	free(env[1]);
	free(env[2]);
	free(env[3]);
	free(env[4]);
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

const struct cli_command cmd_exec = {
    .name = "exec",
    .usage = "[options] LAB.yaml HOST -- COMMAND [ARGS...]",
    .summary = "Run a command inside a host of a running lab.",
    .details = "The command runs in the host's network namespace with its /etc/hosts, as "
               "postgres unless --user says otherwise (--user root for root). PGHOST, PGPORT "
               "and PGPASSFILE are set so that plain 'psql' works; on PostgreSQL hosts PGDATA "
               "(plain 'pg_ctl') and REPMGR_CONF ('repmgr -f \"$REPMGR_CONF\"') too; on the haproxy host "
               "HAPROXY_CFG and HAPROXY_SOCK (its config and admin socket). The exit code is the "
               "command's. On hosts reached over SSH (existing labs) a command is required; "
               "its output is printed when it ends, it gets no input, and it ends within 30 "
               "minutes (for a shell there, use ssh).",
    .options = exec_options,
    .min_args = 2,
    .max_args = 2,
    .takes_rest = true,
    .run = exec_run,
};
