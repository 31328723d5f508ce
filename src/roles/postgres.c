#include "roles/postgres.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/pg.h"
#include "roles/pg_template.h"
#include "roles/procs.h"
#include "roles/step.h"
#include "util/argv.h"
#include "util/error.h"
#include "util/strbuf.h"

static void put_setting(struct strbuf *sb, const char *key, const char *value)
{
	const char *p;

	/* Inside quotes PostgreSQL reads '' as a quote and a backslash as an escape: a
	 * value ending in '\' closed no string (the fuzzer's rendering check found it). */
	strbuf_printf(sb, "%s = '", key);
	for (p = value; *p; p++) {
		if (*p == '\'' || *p == '\\')
			strbuf_putc(sb, *p);
		strbuf_putc(sb, *p);
	}
	strbuf_puts(sb, "'\n");
}

/* The PostgreSQL nodes by name (repmgr's application_name), not "*": barman's
 * pg_receivewal would match "*" and could then acknowledge a commit in a standby's place,
 * and a failover would lose it. */
static char *sync_standby_names(const struct lab *lab)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, n = 0;

	strbuf_puts(&sb, lab->postgres.synchronous == SYNC_ANY ? "ANY 1 (" : "FIRST 1 (");
	for (i = 0; i < lab->hosts.count; i++)
		if (lab_host_is_postgres(LAB_HOST(lab, i)))
			strbuf_printf(&sb, "%s\"%s\"", n++ ? ", " : "", LAB_HOST(lab, i)->name);
	strbuf_puts(&sb, ")");
	return strbuf_detach(&sb);
}

char *postgres_conf(const struct lab_rt *rt, const struct lab_host_rt *h, bool sync)
{
	const struct lab *lab = rt->lab;
	struct strbuf sb = STRBUF_INIT;
	char *run = host_path(h, "run"), buf[64];
	size_t i;

	strbuf_printf(&sb,
	              "# Written by pgdrill for host %s of lab %s; rewritten on every "
	              "'pgdrill up'.\n# The lab's own settings come last and win.\n",
	              h->def->name, lab->name);
	put_setting(&sb, "listen_addresses", "*");
	snprintf(buf, sizeof(buf), "%ld", lab->postgres.port);
	put_setting(&sb, "port", buf);
	put_setting(&sb, "unix_socket_directories", run);
	put_setting(&sb, "cluster_name", h->def->name);
	put_setting(&sb, "wal_level", "replica");
	put_setting(&sb, "max_wal_senders", PG_MAX_WAL_SENDERS);
	put_setting(&sb, "max_replication_slots", "16");
	put_setting(&sb, "hot_standby", "on");
	put_setting(&sb, "hot_standby_feedback", "on");
	put_setting(&sb, "wal_log_hints", "on");
	put_setting(&sb, "shared_preload_libraries", "repmgr");
	/* Several nodes share one machine and small disks. */
	put_setting(&sb, "shared_buffers", "32MB");
	/* DSM segments as files in the data directory, not in /dev/shm: a killed node then
	 * leaves nothing outside its own disk. */
	put_setting(&sb, "dynamic_shared_memory_type", "mmap");
	snprintf(buf, sizeof(buf), "%dMB", LAB_PG_MAX_WAL_MB);
	put_setting(&sb, "max_wal_size", buf);
	put_setting(&sb, "min_wal_size", "32MB");
	/* The last four segments stay on every node, also on a standby's restartpoints: a
	 * sibling a segment behind can follow a newly promoted standby, and barman resumes on
	 * it where it stopped. Without it, 1 switchover in 60 of a soak left a sibling asking
	 * for a segment the new primary had just recycled. */
	snprintf(buf, sizeof(buf), "%dMB", LAB_PG_WAL_KEEP_MB);
	put_setting(&sb, "wal_keep_size", buf);
	put_setting(&sb, "logging_collector", "off");
	put_setting(&sb, "log_line_prefix", "%m [%p] %q%u@%d ");
	/* The report reads a failover's promotion from this log: times in UTC, words in
	 * English. */
	put_setting(&sb, "log_timezone", "UTC");
	put_setting(&sb, "lc_messages", "C");
	snprintf(buf, sizeof(buf), "%lldms", (long long)lab->repmgr.wal_receiver_timeout);
	put_setting(&sb, "wal_receiver_timeout", buf);
	/* A standby whose upstream vanished retries 4 times a second: once repmgr points it
	 * at the new primary it streams (and acknowledges synchronous commits) sooner. */
	put_setting(&sb, "wal_retrieve_retry_interval", "250ms");
	if (sync && lab->postgres.synchronous != SYNC_OFF) {
		char *names = sync_standby_names(lab);

		put_setting(&sb, "synchronous_standby_names", names);
		free(names);
	}
	for (i = 0; i < lab->postgres.settings.count; i++)
		put_setting(&sb, lab->postgres.settings.items[i].key,
		            lab->postgres.settings.items[i].value);
	for (i = 0; i < h->def->settings.count; i++)
		put_setting(&sb, h->def->settings.items[i].key, h->def->settings.items[i].value);
	free(run);
	return strbuf_detach(&sb);
}

static const char *const hba_type_text[] = {"host", "hostssl", "local"};
static const char *const hba_method_text[] = {"scram-sha-256", "md5", "reject", "trust"};

char *postgres_hba(const struct lab_rt *rt)
{
	const struct lab *lab = rt->lab;
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	const struct lab_host_rt *barman = lab_rt_by_role(rt, ROLE_BARMAN);
	struct strbuf sb = STRBUF_INIT;
	char subnet[24];
	size_t i;

	units_format_subnet(&lab->provider.subnet, subnet, sizeof(subnet));
	strbuf_printf(&sb, "# Written by pgdrill for lab %s. First match wins.\n", lab->name);
	strbuf_puts(&sb, "# The harness and the node's own tools: OS user root or postgres as role "
	                 "postgres, local socket only.\n");
	strbuf_puts(&sb, "local all postgres peer map=pgdrill\n");
	strbuf_puts(&sb, "local all all scram-sha-256\n");
	if (lab->postgres.hba.count)
		strbuf_puts(&sb, "# From the lab file.\n");
	for (i = 0; i < lab->postgres.hba.count; i++) {
		const struct lab_hba_rule *r = LAB_HBA(lab, i);

		if (r->type == HBA_LOCAL)
			strbuf_printf(&sb, "local %s %s %s\n", r->database, r->user,
			              hba_method_text[r->method]);
		else
			strbuf_printf(&sb, "%s %s %s %s %s\n", hba_type_text[r->type], r->database,
			              r->user, r->address, hba_method_text[r->method]);
	}
	if (proxy)
		strbuf_printf(&sb,
		              "# haproxy's health checks: one unprivileged role, one database, one "
		              "address, no password.\nhost %s %s %s/32 trust\n",
		              lab->credentials.healthcheck_user, lab->credentials.healthcheck_user,
		              proxy->addr);
	strbuf_printf(&sb, "host replication repmgr %s scram-sha-256\n", subnet);
	strbuf_printf(&sb, "host repmgr repmgr %s scram-sha-256\n", subnet);
	if (barman) {
		strbuf_printf(&sb, "host all barman %s/32 scram-sha-256\n", barman->addr);
		strbuf_printf(&sb, "host replication streaming_barman %s/32 scram-sha-256\n",
		              barman->addr);
	}
	strbuf_printf(&sb, "host %s %s %s scram-sha-256\n", lab->credentials.app_database,
	              lab->credentials.app_user, subnet);
	strbuf_printf(&sb, "host all postgres %s scram-sha-256\n", subnet);
	strbuf_puts(&sb, "host all all 0.0.0.0/0 reject\n");
	return strbuf_detach(&sb);
}

char *postgres_ident(void)
{
	return xstrdup("# Written by pgdrill: the harness (root) and the node's postgres user "
	               "may log in as postgres over the local socket.\n"
	               "pgdrill root postgres\npgdrill postgres postgres\n");
}

char *postgres_pgpass(const struct lab_rt *rt, const struct lab_secrets *s)
{
	struct strbuf sb = STRBUF_INIT;

	secrets_pgpass_line(&sb, "replication", "repmgr", s->repmgr);
	secrets_pgpass_line(&sb, "*", "repmgr", s->repmgr);
	secrets_pgpass_line(&sb, "*", "postgres", s->superuser);
	secrets_pgpass_line(&sb, "*", rt->lab->credentials.app_user, s->app);
	return strbuf_detach(&sb);
}

char *postgres_pgpass_env(const struct lab_host_rt *h)
{
	char *path = host_path(h, "conf/pgpass"), *env = xasprintf("PGPASSFILE=%s", path);

	free(path);
	return env;
}

int postgres_prepare_host(const struct lab_rt *rt, const struct lab_host_rt *h,
                          const struct lab_secrets *s)
{
	char *text = postgres_pgpass(rt, s);
	int rc = 0;

	if (host_mkdir(rt, h, "run", 0755, "postgres") < 0 ||
	    host_mkdir(rt, h, "conf", 0750, "postgres") < 0 ||
	    host_mkdir(rt, h, "data", 0700, "postgres") < 0 ||
	    host_put_string(rt, h, "conf/pgpass", text, 0600, "postgres") < 0)
		rc = -1;
	free(text);
	return rc;
}

/* From the data directory to the node's own settings (conf/pgdrill.conf). */
#define PG_OWN_SETTINGS "../conf/pgdrill.conf"

static int write_config(const struct lab_rt *rt, const struct lab_host_rt *h, bool sync)
{
	char *conf = postgres_conf(rt, h, sync), *hba = postgres_hba(rt), *ident = postgres_ident();
	char *main_text = NULL;
	int rc = -1;

	if (host_put_string(rt, h, "conf/pgdrill.conf", conf, 0600, "postgres") < 0 ||
	    host_put_string(rt, h, "data/pg_hba.conf", hba, 0600, "postgres") < 0 ||
	    host_put_string(rt, h, "data/pg_ident.conf", ident, 0600, "postgres") < 0)
		goto cleanup;
	if (host_get_file(rt, h, "data/postgresql.conf", &main_text, NULL) < 0)
		goto cleanup;
	/* The node's own settings live beside the data directory, not in it: pg_rewind and a
	 * clone copy postgresql.conf from another node, and the same relative include then
	 * names this node's file. A data directory restored elsewhere (barman) finds none. */
	if (!strstr(main_text, "include_if_exists '" PG_OWN_SETTINGS "'")) {
		char *with = xasprintf("%s\n# pgdrill\ninclude_if_exists '" PG_OWN_SETTINGS "'\n",
		                       main_text);

		rc = host_put_string(rt, h, "data/postgresql.conf", with, 0600, "postgres");
		free(with);
		if (rc < 0)
			goto cleanup;
	}
	rc = 0;
cleanup:
	free(conf);
	free(hba);
	free(ident);
	free(main_text);
	return rc;
}

int postgres_write_config(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	return write_config(rt, h, true);
}

/* What a node holds of its own configuration (postgresql.auto.conf is
 * left to repmgr, which writes primary_conninfo there). */
static const char *const own_config_files[] = {"data/postgresql.conf", "data/pg_hba.conf",
                                               "data/pg_ident.conf", "conf/pgdrill.conf"};

int postgres_config_keep(const struct lab_rt *rt, const struct lab_host_rt *h,
                         struct pg_own_config *k)
{
	size_t i;

	memset(k, 0, sizeof(*k));
	if (rt->ops->builds_hosts)
		return 0; /* rendered again from the lab file */
	for (i = 0; i < 4; i++) {
		int rc = host_get_file(rt, h, own_config_files[i], &k->text[i], NULL);

		if (rc == PD_ENOTFOUND) {
			error_clear();
		} else if (rc < 0) {
			postgres_config_free(k);
			return -1;
		}
	}
	if (!k->text[0] || !k->text[1]) {
		postgres_config_free(k);
		return error_set("host %s: no postgresql.conf and pg_hba.conf in the data directory "
		                 "to keep across the step",
		                 h->def->name);
	}
	return 0;
}

int postgres_config_restore(const struct lab_rt *rt, const struct lab_host_rt *h,
                            const struct pg_own_config *k)
{
	size_t i;

	if (rt->ops->builds_hosts)
		return postgres_write_config(rt, h);
	for (i = 0; i < 4; i++)
		if (k->text[i] &&
		    host_put_string(rt, h, own_config_files[i], k->text[i], 0600, "postgres") < 0)
			return -1;
	return 0;
}

void postgres_config_free(struct pg_own_config *k)
{
	size_t i;

	for (i = 0; i < 4; i++)
		free(k->text[i]);
	memset(k, 0, sizeof(*k));
}

int postgres_written_lsn(const struct lab_rt *rt, const struct lab_host_rt *p, char **lsn)
{
	PGconn *c = pg_admin_connect(rt, p, "postgres", 5);
	int rc;

	*lsn = NULL;
	if (!c)
		return -1;
	rc = pg_value(p, c, "SELECT pg_current_wal_insert_lsn()::text", lsn);
	PQfinish(c);
	if (rc == 0 && !*lsn)
		rc = error_set("host %s: no WAL position from pg_current_wal_insert_lsn()",
		               p->def->name);
	return rc;
}

int postgres_wait_replayed(const struct lab_rt *rt, const struct lab_host_rt *h,
                           const char *lsn, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	PGconn *c = pg_admin_connect(rt, h, "postgres", 5);
	char *sql, *done = NULL;
	int rc;

	if (!c)
		return -1;
	sql = xasprintf("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", lsn);
	while ((rc = pg_value(h, c, sql, &done)) == 0 && !(done && strcmp(done, "t") == 0) &&
	       proc_now_ms() < deadline) {
		free(done);
		done = NULL;
		usleep(10000);
	}
	if (rc == 0 && !(done && strcmp(done, "t") == 0))
		rc = error_set("host %s: the standby did not replay the primary's WAL up to %s "
		               "within %d s",
		               h->def->name, lsn, timeout_ms / 1000);
	PQfinish(c);
	free(sql);
	free(done);
	return rc;
}

int postgres_enable_sync(const struct lab_rt *rt, const struct lab_host_rt *p)
{
	if (rt->lab->postgres.synchronous == SYNC_OFF)
		return 0;
	if (write_config(rt, p, true) < 0)
		return -1;
	return pg_run_once(rt, p, "SELECT pg_reload_conf()");
}

/* True when pg_controldata says the server was shut down cleanly (also a standby shut
 * down in recovery): pg_rewind takes it as it is. */
static bool shut_down_cleanly(const struct lab_rt *rt, const struct lab_host_rt *h,
                              const char *data)
{
	char *argv[] = {"pg_controldata", "-D", (char *)data, NULL};
	struct step_cmd cmd = {
	    .user = "postgres", .argv = argv, .timeout_ms = 30000, .reads_only = true};
	char *out = NULL, *state;
	bool clean = false;

	if (step_run(rt, h, "pg_controldata", &cmd, &out) < 0) {
		error_clear(); /* then crash recovery decides */
		return false;
	}
	state = strstr(out, "Database cluster state:");
	if (state) {
		state += strlen("Database cluster state:");
		state += strspn(state, " \t");
		clean = strncmp(state, "shut down\n", 10) == 0 ||
		        strncmp(state, "shut down in recovery\n", 22) == 0;
	}
	free(out);
	return clean;
}

/* The server's own arguments: its data directory and, when the node keeps its
 * postgresql.conf elsewhere (a packaged layout), that file. */
static void server_args(const struct lab_host_rt *h, struct argv *a)
{
	char *data = host_path(h, "data");

	argv_add(a, "-D");
	argv_addf(a, "%s", data);
	if (h->places.config)
		argv_addf(a, "--config-file=%s", h->places.config);
	free(data);
}

int postgres_crash_recover(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *data = host_path(h, "data");
	struct argv a = ARGV_INIT;
	int rc = 0;

	argv_add_all(&a, (char *const[]){"postgres", "--single", "-F", NULL});
	server_args(h, &a);
	argv_add(&a, "template1");
	/* A standby stopped cleanly needs none, and single-user mode refuses its
	 * standby.signal ("standby mode is not supported by single-user servers"). */
	if (!shut_down_cleanly(rt, h, data)) {
		struct step_cmd cmd = {.user = "postgres", .argv = argv_get(&a), .timeout_ms = 120000};

		rc = step_run(rt, h, "crash recovery (postgres --single)", &cmd, NULL);
	}
	argv_free(&a);
	free(data);
	return rc;
}

int postgres_initdb(const struct lab_rt *rt, const struct lab_host_rt *h,
                    const struct lab_secrets *s)
{
	char *data = host_path(h, "data"), *pwfile = host_path(h, "conf/initdb.pw");
	char *argv[] = {"initdb",
	                "-D",
	                data,
	                "-U",
	                "postgres",
	                "-A",
	                "scram-sha-256",
	                "--pwfile",
	                pwfile,
	                "-E",
	                "UTF8",
	                "--locale=C.UTF-8",
	                "--no-sync",
	                rt->lab->postgres.data_checksums ? "-k" : "--no-instructions",
	                NULL};
	struct step_cmd cmd = {.user = "postgres", .argv = argv, .timeout_ms = 120000};
	int rc = -1;

	if (rt->lab->postgres.initdb_template && host_can_start(rt)) {
		/* Local hosts copy one cached initdb (the roles step sets the password). */
		rc = pg_template_copy(rt, h);
	} else {
		if (host_put_string(rt, h, "conf/initdb.pw", s->superuser, 0600, "postgres") < 0)
			goto cleanup;
		rc = step_run(rt, h, "initdb", &cmd, NULL);
		if (host_remove(rt, h, "conf/initdb.pw") < 0 && rc == 0)
			rc = -1;
	}
	/* Synchronous replication waits for a standby there is not yet: the primary starts
	 * without it and postgres_enable_sync turns it on once the standbys stream. */
	if (rc == 0)
		rc = write_config(rt, h, false);
cleanup:
	free(data);
	free(pwfile);
	return rc;
}

/* The node's own start command (service.start), as root; the server is then waited for
 * as any other. */
static int service_start(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	char *argv[] = {"sh", "-c", h->def->service.start, NULL};
	struct step_cmd cmd = {.argv = argv, .timeout_ms = 120000};

	return step_run(rt, h, "start PostgreSQL (service.start)", &cmd, NULL);
}

static int spawn_postmaster(struct lab_rt *rt, const struct lab_host_rt *h, struct host_proc *pm)
{
	char *env0 = postgres_pgpass_env(h);
	char *env[] = {env0, NULL};
	struct argv a = ARGV_INIT;
	struct proc_spec spec = {.user = "postgres", .env = env};
	int rc;

	if (h->def->service.start) {
		memset(pm, 0, sizeof(*pm));
		free(env0);
		return service_start(rt, h);
	}
	argv_add(&a, "postgres");
	server_args(h, &a);
	spec.argv = argv_get(&a);
	rc = host_spawn(rt, h, &spec, "postgres", pm);
	argv_free(&a);
	free(env0);
	return rc;
}

static int wait_postmaster_ready(const struct lab_rt *rt, const struct lab_host_rt *h,
                                 const struct host_proc *pm)
{
	char *why, *tail, *data, *how;

	if (pg_wait_ready(rt, h, pm->pid ? pm : NULL, 60000) == 0)
		return 0;
	why = xstrdup(error_last());
	tail = host_log_tail(rt, h, "postgres", 10);
	data = host_path(h, "data");
	how = h->def->service.start ? xstrdup(h->def->service.start)
	                            : xasprintf("postgres -D %s", data);
	error_set("host %s, step 'start PostgreSQL': '%s' did not come up: %s\n%s", h->def->name,
	          how, why, tail);
	free(why);
	free(data);
	free(how);
	free(tail);
	return -1;
}

int postgres_start_all(struct lab_rt *rt, const struct lab_host_rt *const *hosts, size_t n)
{
	struct host_proc *pm = xcalloc(n ? n : 1, sizeof(*pm));
	size_t i, spawned = 0;
	int rc = 0;

	/* Every postmaster starts before the first is waited for: their start-ups overlap.
	 * After a failure nothing more is waited for: its error stays the one reported. */
	for (i = 0; i < n && rc == 0; i++)
		if ((rc = spawn_postmaster(rt, hosts[i], &pm[i])) == 0)
			spawned++;
	for (i = 0; i < spawned && rc == 0; i++)
		rc = wait_postmaster_ready(rt, hosts[i], &pm[i]);
	free(pm);
	return rc;
}

int postgres_start(struct lab_rt *rt, const struct lab_host_rt *h)
{
	return postgres_start_all(rt, &h, 1);
}

/* CREATE ROLE name LOGIN attrs [PASSWORD ...], or ALTER ROLE name attrs [PASSWORD ...]. */
static int role_sql(const struct lab_host_rt *p, PGconn *c, bool create, const char *name,
                    const char *attrs, const char *password)
{
	char *ident = PQescapeIdentifier(c, name, strlen(name));
	char *lit = password ? PQescapeLiteral(c, password, strlen(password)) : NULL;
	char *sql = xasprintf("%s ROLE %s%s%s%s%s", create ? "CREATE" : "ALTER", ident,
	                      create ? " LOGIN " : " ", attrs, lit ? " PASSWORD " : "",
	                      lit ? lit : "");
	int rc = pg_exec(p, c, sql);

	free(sql);
	PQfreemem(ident);
	if (lit)
		PQfreemem(lit);
	return rc;
}

static int create_role(const struct lab_host_rt *p, PGconn *c, const char *name, const char *attrs,
                       const char *password)
{
	return role_sql(p, c, true, name, attrs, password);
}

static int create_db(const struct lab_host_rt *p, PGconn *c, const char *name, const char *owner)
{
	char *a = PQescapeIdentifier(c, name, strlen(name));
	char *b = PQescapeIdentifier(c, owner, strlen(owner));
	char *sql = xasprintf("CREATE DATABASE %s OWNER %s STRATEGY FILE_COPY", a, b);
	int rc = pg_exec(p, c, sql);

	free(sql);
	PQfreemem(a);
	PQfreemem(b);
	return rc;
}

int postgres_create_roles(const struct lab_rt *rt, const struct lab_host_rt *p,
                          const struct lab_secrets *s)
{
	const struct lab_credentials *cr = &rt->lab->credentials;
	PGconn *c = pg_admin_connect(rt, p, "postgres", 5);
	int rc = -1;

	if (!c)
		return -1;
	/* A data directory copied from the template has a superuser without a password. */
	if (role_sql(p, c, false, "postgres", "", s->superuser) < 0)
		goto cleanup;
	/* repmgr needs superuser for its extension and for pg_rewind during rejoin. */
	if (create_role(p, c, "repmgr", "SUPERUSER REPLICATION", s->repmgr) < 0 ||
	    create_db(p, c, "repmgr", "repmgr") < 0 ||
	    create_role(p, c, cr->app_user, "", s->app) < 0 ||
	    create_db(p, c, cr->app_database, cr->app_user) < 0)
		goto cleanup;
	if (lab_rt_by_role(rt, ROLE_BARMAN) &&
	    (create_role(p, c, "barman", "SUPERUSER", s->barman) < 0 ||
	     create_role(p, c, "streaming_barman", "REPLICATION", s->barman) < 0))
		goto cleanup;
	if (lab_rt_by_role(rt, ROLE_PROXY) &&
	    (create_role(p, c, cr->healthcheck_user, "NOSUPERUSER NOCREATEDB NOCREATEROLE", NULL) <
	         0 ||
	     create_db(p, c, cr->healthcheck_user, "postgres") < 0))
		goto cleanup;
	rc = 0;
cleanup:
	PQfinish(c);
	return rc;
}

void postgres_stop(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	struct host_proc pm;

	if (!procs_find(rt, h, "postgres", &pm))
		return;
	if (h->def->service.stop) {
		/* The node's own stop command first; a server it left running is stopped as
		 * below. */
		char *argv[] = {"sh", "-c", h->def->service.stop, NULL};
		struct step_cmd cmd = {.argv = argv, .timeout_ms = 60000};

		if (step_run(rt, h, "stop PostgreSQL (service.stop)", &cmd, NULL) == 0 &&
		    host_proc_wait_end(rt, h, &pm, 10000))
			return;
		error_clear();
	}
	/* Fast shutdown: a clean stop lets pg_rewind work at once. It can hang (the shutdown
	 * checkpoint's WAL waits for a walsender); then immediate shutdown, as a DBA would:
	 * the rejoin runs crash recovery first. A server still running would hold its lock
	 * files and refuse every start after it. */
	if (host_signal(rt, h, &pm, SIGINT) == 0 && !host_proc_wait_end(rt, h, &pm, 10000) &&
	    host_signal(rt, h, &pm, SIGQUIT) == 0)
		host_proc_wait_end(rt, h, &pm, 10000);
	error_clear();
}
