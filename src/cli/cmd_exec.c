#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "train/record.h"
#include "train/shells.h"
#include "roles/cluster.h"
#include "roles/pg.h"
#include "util/error.h"
#include "util/strbuf.h"

/* A command on a host reached over SSH ends within this; a session at a terminal (a
 * shell, psql) within a working day. */
#define EXEC_REMOTE_TIMEOUT_MS (30 * 60 * 1000)
#define EXEC_TERMINAL_TIMEOUT_MS (8 * 60 * 60 * 1000)

static const struct cli_option exec_options[] = {
    {"user", 'u', "USER", "run as this user (default: postgres)"},
    {0},
};

/* The most variables exec sets: PGPASSFILE, PGPORT, PGHOST, PGDATA, REPMGR_CONF or
 * BARMAN_CONF or HAPROXY_CFG and HAPROXY_SOCK, and during an exercise the shell's
 * history (HISTFILE, HISTTIMEFORMAT, PROMPT_COMMAND). */
#define EXEC_ENV_MAX 10

/* NAME=the host-side path of `rel` on `h`, appended to env. */
static void env_path(char **env, size_t *n, const char *name, const struct lab_host_rt *h,
                     const char *rel)
{
	char *path = host_path(h, rel);

	env[(*n)++] = xasprintf("%s=%s", name, path);
	free(path);
}

static int exec_run(const struct cli_args *args)
{
	const char *user = cli_opt(args, "user");
	const struct lab_host_rt *h, *primary, *barman;
	struct proc_result res = {0};
	struct proc_spec spec = {0};
	struct lab_rt rt;
	struct lab lab;
	char *env[EXEC_ENV_MAX + 1] = {NULL};
	size_t nenv = 0;
	char *history;
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
	env_path(env, &nenv, "PGPASSFILE",
	         host_exists(&rt, h, "conf/pgpass") ? h : primary, "conf/pgpass");
	env[nenv++] = xasprintf("PGPORT=%ld", lab.postgres.port);
	/* A spare host's server, when someone restores one there, lives where a node's does. */
	if (lab_host_is_postgres(h->def) || h->def->role == ROLE_SPARE) {
		env_path(env, &nenv, "PGHOST", h, "run");
		env_path(env, &nenv, "PGDATA", h, "data"); /* plain pg_ctl */
	}
	if (lab_host_is_postgres(h->def))
		env_path(env, &nenv, "REPMGR_CONF", h, "conf/repmgr.conf");
	if ((h->def->role == ROLE_BARMAN || h->def->role == ROLE_SPARE) &&
	    (barman = lab_rt_by_role(&rt, ROLE_BARMAN)))
		env_path(env, &nenv, "BARMAN_CONF", barman, "conf/barman.conf");
	if (h->def->role == ROLE_PROXY && rt.ops->builds_hosts) {
		/* haproxy -c -f "$HAPROXY_CFG"; its admin socket for "show stat". */
		env_path(env, &nenv, "HAPROXY_CFG", h, "conf/haproxy.cfg");
		env_path(env, &nenv, "HAPROXY_SOCK", h, "run/haproxy.sock");
	}
	spec.argv = args->rest;
	spec.user = user ? (*user ? user : NULL) : "postgres";
	if (user && strcmp(user, "root") == 0)
		spec.user = NULL;
	spec.env = env;
	/* The command is attached to this terminal (over SSH too: input passed on, output
	 * as it comes, a terminal there when this is one), within a deadline over SSH like
	 * every command pgdrill runs there. */
	spec.inherit_stdio = true;
	if (!rt.ops->builds_hosts)
		spec.timeout_ms = isatty(STDIN_FILENO) ? EXEC_TERMINAL_TIMEOUT_MS
		                                       : EXEC_REMOTE_TIMEOUT_MS;
	/* During an exercise, what the trainee ran goes into its debrief. */
	if (!getenv("PGDRILL_TRAIN_PANE"))
		train_log_command(rt.lab_dir, h->def->name, spec.user ? spec.user : "root",
		                  args->rest);
	/* and what they type in a shell there, line by line, from bash's own history */
	if ((history = train_shell_history(rt.lab_dir, h->def->name,
	                                   spec.user ? spec.user : "root"))) {
		train_shell_env(history, env + nenv);
		nenv += 3;
		free(history);
	}
	if (host_run(&rt, h, &spec, &res) < 0) {
		cli_report_error("exec");
		goto cleanup;
	}
	rc = res.status;
	proc_result_free(&res);
cleanup:
	while (nenv > 0)
		free(env[--nenv]);
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
               "HAPROXY_CFG and HAPROXY_SOCK (its config and admin socket); on barman's host BARMAN_CONF "
               "('barman -c \"$BARMAN_CONF\"'); on a spare host PGDATA, PGHOST and BARMAN_CONF, for a "
               "server restored there. The exit code is the "
               "command's. On hosts reached over SSH (existing labs) it is the same: input is "
               "passed on and output comes as it is written, with a terminal there when "
               "this is one (so '-- bash' or '-- psql' is interactive); a command ends "
               "within 30 minutes, a session at a terminal within 8 hours.",
    .options = exec_options,
    .min_args = 2,
    .max_args = 2,
    .takes_rest = true,
    .run = exec_run,
};
