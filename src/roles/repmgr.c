#include "roles/repmgr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/failover_timing.h"
#include "roles/pg.h"
#include "roles/postgres.h"
#include "roles/step.h"
#include "util/argv.h"
#include "util/error.h"
#include "util/strbuf.h"

char *repmgr_conninfo(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	const struct lab_repmgr *r = &rt->lab->repmgr;

	return xasprintf("host=%s port=%ld user=repmgr dbname=repmgr connect_timeout=%ld "
	                 "keepalives=1 keepalives_idle=%ld keepalives_interval=1 "
	                 "keepalives_count=3 tcp_user_timeout=%lld",
	                 h->addr, rt->lab->postgres.port, repmgr_seconds(r->connect_timeout),
	                 repmgr_seconds(r->keepalives_idle), (long long)r->tcp_user_timeout);
}

char *repmgr_conf(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	const struct lab_repmgr *r = &rt->lab->repmgr;
	struct strbuf sb = STRBUF_INIT;
	char *conninfo = repmgr_conninfo(rt, h), *conf = host_path(h, "conf/repmgr.conf");
	char *data = host_path(h, "data"), *log = host_log_path(h, "postgres");
	char *pidfile = host_path(h, "run/repmgrd.pid");

	strbuf_printf(&sb, "# Written by pgdrill for host %s of lab %s.\n", h->def->name,
	              rt->lab->name);
	strbuf_printf(&sb, "node_id=%d\n", h->index + 1);
	strbuf_printf(&sb, "node_name='%s'\n", h->def->name);
	strbuf_printf(&sb, "conninfo='%s'\n", conninfo);
	strbuf_printf(&sb, "data_directory='%s'\n", data);
	strbuf_puts(&sb, "pg_bindir='/usr/lib/postgresql/15/bin'\n");
	strbuf_printf(&sb, "pg_ctl_options='-l %s'\n", log);
	strbuf_printf(&sb, "use_replication_slots=%s\n", r->use_replication_slots ? "yes" : "no");
	strbuf_printf(&sb, "location='%s'\n", h->def->location);
	strbuf_printf(&sb, "priority=%ld\n", h->def->priority);
	strbuf_printf(&sb, "failover=%s\n",
	              r->failover == FAILOVER_AUTOMATIC ? "automatic" : "manual");
	strbuf_printf(
	    &sb, "promote_command='/usr/bin/repmgr standby promote -f %s --log-to-file'\n", conf);
	/* With a service_promote_command repmgr runs it and checks the result at once;
	 * through pg_promote() it would check, sleep promote_check_interval (1 s at least)
	 * and check again, and only then tell the sibling standbys to follow: with
	 * synchronous replication that second is a second more without writes. pg_ctl -w
	 * returns when the server accepts writes. */
	strbuf_printf(&sb,
	              "service_promote_command='/usr/lib/postgresql/15/bin/pg_ctl promote -w "
	              "-t 20 -D %s'\n",
	              data);
	strbuf_printf(&sb,
	              "follow_command='/usr/bin/repmgr standby follow -f %s --log-to-file "
	              "--upstream-node-id=%%n'\n",
	              conf);
	strbuf_printf(&sb, "monitor_interval_secs=%ld\n", repmgr_seconds(r->monitor_interval));
	strbuf_printf(&sb, "reconnect_attempts=%ld\n", r->reconnect_attempts);
	strbuf_printf(&sb, "reconnect_interval=%ld\n", repmgr_seconds(r->reconnect_interval));
	strbuf_printf(&sb, "primary_visibility_consensus=%s\n",
	              r->primary_visibility_consensus ? "true" : "false");
	strbuf_printf(&sb, "repmgrd_pid_file='%s'\n", pidfile);
	strbuf_puts(&sb, "log_level='INFO'\n");
	strbuf_puts(&sb, "standby_follow_timeout=10\n");
	strbuf_puts(&sb, "promote_check_timeout=20\n");
	/* A rejoin that does not stream by then will not: the heal rebuilds the node. */
	strbuf_puts(&sb, "node_rejoin_timeout=20\n");
	free(conninfo);
	free(conf);
	free(data);
	free(log);
	free(pidfile);
	return strbuf_detach(&sb);
}

int repmgr_write_conf(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *text;
	int rc;

	if (!rt->ops->builds_hosts)
		return 0; /* a cluster pgdrill did not build keeps its own repmgr.conf */
	text = repmgr_conf(rt, h);
	rc = host_put_string(rt, h, "conf/repmgr.conf", text, 0640, "postgres");
	free(text);
	return rc;
}

/* Runs `repmgr -f CONF ARGS...` on a host as postgres. */
static int repmgr_cmd(const struct lab_rt *rt, const struct lab_host_rt *h, const char *step,
                      char *const *args, char **out)
{
	char *conf = host_path(h, "conf/repmgr.conf"), *env0 = postgres_pgpass_env(h);
	char *argv[] = {"repmgr", "-f", conf, NULL};
	char *env[] = {env0, NULL};
	struct step_cmd cmd = {
	    .user = "postgres", .argv = argv, .args = args, .env = env, .timeout_ms = 120000};
	int rc = step_run(rt, h, step, &cmd, out);
	free(conf);
	free(env0);
	return rc;
}

int repmgr_primary_register(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *args[] = {"primary", "register", NULL};

	if (repmgr_write_conf(rt, h) < 0)
		return -1;
	return repmgr_cmd(rt, h, "repmgr primary register", args, NULL);
}

int repmgr_primary_reregister(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *args[] = {"primary", "register", "--force", NULL};

	return repmgr_cmd(rt, h, "repmgr primary register --force", args, NULL);
}

int repmgr_standby_register(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *args[] = {"standby", "register", "--force", NULL};

	return repmgr_cmd(rt, h, "repmgr standby register", args, NULL);
}

/* repmgr exits 25 (ERR_NODE_STATUS) when some node is unreachable, and that listing
 * is exactly what a status during a drill needs. */
#define REPMGR_ERR_NODE_STATUS 25

int repmgr_cluster_show(const struct lab_rt *rt, const struct lab_host_rt *h, char **csv)
{
	char *conf = host_path(h, "conf/repmgr.conf"), *env0 = postgres_pgpass_env(h);
	char *argv[] = {"repmgr", "-f", conf, "cluster", "show", "--csv", NULL};
	char *env[] = {env0, NULL};
	struct proc_spec spec = {.argv = argv, .user = "postgres", .env = env, .timeout_ms = 20000};
	struct proc_result res;
	int rc = -1;

	if (host_run(rt, h, &spec, &res) == 0) {
		if (res.status == 0 || (res.status == REPMGR_ERR_NODE_STATUS && res.out[0])) {
			*csv = res.out;
			res.out = NULL;
			rc = 0;
		} else {
			rc = step_fail(rt, h, "repmgr cluster show", argv, &res, NULL);
		}
		proc_result_free(&res);
	}
	free(conf);
	free(env0);
	return rc;
}

struct clone_job {
	char *conf, *env0, *env[2];
	struct argv argv; /* zeroed by calloc: empty */
	struct proc_spec spec;
	struct proc_handle handle;
	struct proc_result res; /* when run to completion at once (remote hosts) */
	bool started, finished;
};

int repmgr_clone_standbys(const struct lab_rt *rt, const struct lab_host_rt *primary,
                          const struct lab_host_rt *const *standbys, size_t n)
{
	const char *step = "repmgr standby clone";
	struct clone_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct clone_job *j = &jobs[i];
		const struct lab_host_rt *h = standbys[i];

		if (repmgr_write_conf(rt, h) < 0) {
			rc = -1;
			break;
		}
		j->conf = host_path(h, "conf/repmgr.conf");
		j->env0 = postgres_pgpass_env(h);
		j->env[0] = j->env0;
		argv_add(&j->argv, "repmgr");
		argv_add(&j->argv, "-h");
		argv_add(&j->argv, primary->addr);
		argv_addf(&j->argv, "--port=%ld", rt->lab->postgres.port);
		argv_add(&j->argv, "-U");
		argv_add(&j->argv, "repmgr");
		argv_add(&j->argv, "-d");
		argv_add(&j->argv, "repmgr");
		argv_add(&j->argv, "-f");
		argv_add(&j->argv, j->conf);
		argv_add(&j->argv, "standby");
		argv_add(&j->argv, "clone");
		/* Without a fast checkpoint the clone waits for the next spread one (~95 s). */
		argv_add(&j->argv, "--fast-checkpoint");
		j->spec = (struct proc_spec){.argv = argv_get(&j->argv),
		                             .user = "postgres",
		                             .env = j->env,
		                             .timeout_ms = 180000};
		/* In parallel where the provider starts local processes; one after the other
		 * on remote hosts. */
		if (host_can_start(rt)) {
			if (host_start(rt, h, &j->spec, &j->handle) == 0)
				j->started = true;
		} else if (host_run(rt, h, &j->spec, &j->res) == 0) {
			j->started = j->finished = true;
		}
		if (!j->started) {
			rc = error_prefix("host %s, step '%s': ", h->def->name, step);
			break;
		}
	}
	for (i = 0; i < n; i++) {
		struct clone_job *j = &jobs[i];
		struct proc_result res;

		if (j->started) {
			if (j->finished)
				res = j->res;
			else
				proc_finish(&j->handle, &res);
			if (res.status != 0 && rc == 0)
				rc = step_fail(rt, standbys[i], step,
				               argv_get(&j->argv), &res, NULL);
			proc_result_free(&res);
		}
		free(j->conf);
		free(j->env0);
		argv_free(&j->argv);
	}
	free(jobs);
	return rc;
}

int repmgr_standby_from_copy(const struct lab_rt *rt, const struct lab_host_rt *primary,
                             const struct lab_host_rt *h)
{
	char *conninfo = repmgr_conninfo(rt, primary), *slot = NULL, *sql = NULL;
	struct strbuf sb = STRBUF_INIT;
	int rc = -1;

	if (repmgr_write_conf(rt, h) < 0)
		goto out;
	strbuf_puts(&sb, "# Written by pgdrill as 'repmgr standby clone' writes it.\n");
	/* Names and addresses are checked identifiers and IPs: no quote to escape. */
	strbuf_printf(&sb, "primary_conninfo = '%s application_name=%s'\n", conninfo,
	              h->def->name);
	if (rt->lab->repmgr.use_replication_slots) {
		/* repmgr's own name, so that follow, rejoin and `repmgr node check` find it;
		 * not reserved at once: the standby's first request sets where it starts */
		slot = xasprintf("repmgr_slot_%d", h->index + 1);
		strbuf_printf(&sb, "primary_slot_name = '%s'\n", slot);
		sql = xasprintf("SELECT pg_create_physical_replication_slot('%s')", slot);
		if (pg_run_once(rt, primary, sql) < 0) {
			error_prefix("host %s, step 'create the slot %s for %s': ",
			             primary->def->name, slot, h->def->name);
			goto out;
		}
	}
	if (host_put_string(rt, h, "data/postgresql.auto.conf", strbuf_str(&sb), 0600,
	                    "postgres") < 0 ||
	    host_put_string(rt, h, "data/standby.signal", "", 0600, "postgres") < 0)
		goto out;
	rc = 0;
out:
	strbuf_free(&sb);
	free(conninfo);
	free(slot);
	free(sql);
	return rc;
}

int repmgr_start_daemon(struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *conf = host_path(h, "conf/repmgr.conf"), *env0 = postgres_pgpass_env(h);
	char *argv[] = {"repmgrd", "-f", conf, "--daemonize=false", NULL};
	char *env[] = {env0, NULL};
	struct proc_spec spec = {.argv = argv, .user = "postgres", .env = env};
	struct host_proc daemon;
	int rc = host_spawn(rt, h, &spec, "repmgrd", &daemon);

	free(conf);
	free(env0);
	return rc;
}

/* pg_rewind run by pgdrill rather than by `repmgr node rejoin --force-rewind`, so that
 * each step is explicit and its report kept: crash recovery first (a crashed primary's
 * control file does not say where its WAL ends), a checkpoint on the new primary, then
 * pg_rewind, which says "no rewind required" when nothing diverged. */
static int rewind_from(const struct lab_rt *rt, const struct lab_host_rt *h,
                       const struct lab_host_rt *p)
{
	char *data = host_path(h, "data"), *env0 = postgres_pgpass_env(h);
	char *conninfo = repmgr_conninfo(rt, p);
	char *source = xasprintf("--source-server=%s", conninfo);
	char *out = NULL;
	/* Its report (stderr) goes to the host's pg_rewind.log, where a DBA looks. */
	char *argv[] = {"sh",
	                "-c",
	                "exec pg_rewind \"$@\" 2>&1",
	                "pg_rewind",
	                "--target-pgdata",
	                data,
	                source,
	                "--no-sync",
	                NULL};
	char *env[] = {env0, NULL};
	struct step_cmd cmd = {
	    .user = "postgres", .argv = argv, .env = env, .log = "pg_rewind", .timeout_ms = 180000};
	/* pg_rewind reads the source's timeline from its control file, which a just
	 * promoted server updates only at its next checkpoint: without one it reports "same
	 * timeline, no rewind required" and the node never streams. */
	struct pg_own_config own = {0};
	int rc = pg_run_once(rt, p, "CHECKPOINT");

	if (rc == 0)
		rc = postgres_crash_recover(rt, h);
	if (rc == 0)
		rc = postgres_config_keep(rt, h, &own);
	if (rc == 0) {
		rc = step_run(rt, h, "pg_rewind", &cmd, &out);
		if (out)
			host_put_log(rt, h, "pg_rewind", out);
		free(out);
	}
	/* pg_rewind copied the source's configuration files: this node's own go back. */
	if (rc == 0)
		rc = postgres_config_restore(rt, h, &own);
	postgres_config_free(&own);
	free(data);
	free(env0);
	free(conninfo);
	free(source);
	return rc;
}

/* primary_conninfo and standby.signal for a data directory that is already a copy of
 * the primary's history (after pg_rewind). */
static int replication_conf(const struct lab_rt *rt, const struct lab_host_rt *h,
                            const struct lab_host_rt *p)
{
	char *conf = host_path(h, "conf/repmgr.conf"), *env0 = postgres_pgpass_env(h);
	char *port = xasprintf("--port=%ld", rt->lab->postgres.port);
	char *argv[] = {"repmgr", "-h",    (char *)p->addr, port,    "-U",
	                "repmgr", "-d",    "repmgr",        "-f",    conf,
	                "standby", "clone", "--replication-conf-only", NULL};
	char *env[] = {env0, NULL};
	struct step_cmd cmd = {.user = "postgres", .argv = argv, .env = env, .timeout_ms = 60000};
	int rc = step_run(rt, h, "repmgr standby clone --replication-conf-only", &cmd, NULL);

	free(port);
	free(conf);
	free(env0);
	return rc;
}

int repmgr_node_rejoin(struct lab_rt *rt, const struct lab_host_rt *h, const struct lab_host_rt *p,
                       bool rewind)
{
	char *conf = host_path(h, "conf/repmgr.conf"), *env0 = postgres_pgpass_env(h);
	char *conninfo = repmgr_conninfo(rt, p);
	char *argv[] = {"repmgr", "-f", conf, "node", "rejoin", "-d", conninfo, NULL};
	char *env[] = {env0, NULL};
	struct step_cmd cmd = {.user = "postgres", .argv = argv, .env = env, .timeout_ms = 180000};
	int rc;

	if (rewind) {
		/* `repmgr node rejoin` refuses a rewound directory (not shut down cleanly): the
		 * same steps by hand, as after a clone. */
		rc = rewind_from(rt, h, p);
		if (rc == 0)
			rc = replication_conf(rt, h, p);
		if (rc == 0)
			rc = postgres_start(rt, h);
		if (rc == 0)
			rc = repmgr_standby_register(rt, h);
	} else {
		rc = step_run(rt, h, "repmgr node rejoin", &cmd, NULL);
	}
	if (rc == 0)
		rc = pg_wait_ready(rt, h, NULL, 60000);
	free(conf);
	free(env0);
	free(conninfo);
	return rc;
}

int repmgr_standby_follow(const struct lab_rt *rt, const struct lab_host_rt *h,
                          const struct lab_host_rt *p)
{
	char *conf = host_path(h, "conf/repmgr.conf"), *env0 = postgres_pgpass_env(h);
	char upstream[32];
	char *argv[] = {"repmgr", "-f", conf, "standby", "follow", upstream, NULL};
	char *env[] = {env0, NULL};
	struct step_cmd cmd = {.user = "postgres", .argv = argv, .env = env, .timeout_ms = 60000};
	int rc;

	snprintf(upstream, sizeof(upstream), "--upstream-node-id=%d", p->index + 1);
	rc = step_run(rt, h, "repmgr standby follow", &cmd, NULL);
	free(conf);
	free(env0);
	return rc;
}

int repmgr_standby_promote(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *args[] = {"standby", "promote", NULL};

	return repmgr_cmd(rt, h, "repmgr standby promote", args, NULL);
}

int repmgr_service(const struct lab_rt *rt, const struct lab_host_rt *h, const char *verb)
{
	char *args[] = {"service", (char *)verb, NULL};

	return repmgr_cmd(rt, h, verb, args, NULL);
}
