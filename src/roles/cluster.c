#include "roles/cluster.h"
#include "roles/doctor.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "provider/host.h"
#include "provider/state.h"
#include "roles/barman.h"
#include "roles/client.h"
#include "roles/haproxy.h"
#include "roles/pg.h"
#include "roles/pg_template.h"
#include "roles/postgres.h"
#include "roles/repmgr.h"
#include "roles/secrets.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

enum lab_presence cluster_presence(const struct lab_rt *rt)
{
	struct state_entry *e = NULL;
	size_t n = 0, i;
	enum lab_presence p = LAB_PARTIAL;
	int rc;

	/* No state file: nothing was ever made (every resource is recorded before it
	 * exists), whatever the directory holds. */
	if ((rc = state_load(rt->lab_dir, &e, &n)) < 0) {
		error_clear();
		return rc == PD_ENOTFOUND ? LAB_ABSENT : LAB_PARTIAL;
	}
	for (i = 0; i < n; i++)
		if (e[i].kind == STATE_READY)
			p = LAB_UP;
	state_entries_free(e, n);
	return p;
}

struct run {
	struct lab_rt *rt;
	const struct up_options *o;
	struct up_report *report;
	struct lab_secrets secrets;
	long long t0, phase_t0;
	const char *phase;
};

static void phase_begin(struct run *r, const char *name)
{
	r->phase = name;
	r->phase_t0 = proc_now_ms();
	if (r->o->progress) {
		fprintf(r->o->progress, "  %-34s", name);
		fflush(r->o->progress);
	}
}

static int phase_end(struct run *r, int rc)
{
	double s = (double)(proc_now_ms() - r->phase_t0) / 1000.0;

	if (r->o->progress)
		fprintf(r->o->progress, "%s %6.2f s\n", rc == 0 ? "done" : "FAILED", s);
	if (rc == 0 && r->report->nphases < 16) {
		r->report->phase_name[r->report->nphases] = r->phase;
		r->report->phase_s[r->report->nphases++] = s;
	}
	if (rc == 0 && r->o->interrupted && *r->o->interrupted) {
		error_set("interrupted after phase '%s'", r->phase);
		return -1;
	}
	return rc;
}

/* The hosts of a role; `out` holds rt->nhosts entries. */
static size_t hosts_of_role(const struct lab_rt *rt, enum host_role role,
                            const struct lab_host_rt **out)
{
	size_t i, n = 0;

	for (i = 0; i < rt->nhosts; i++)
		if (rt->hosts[i].def->role == (int)role)
			out[n++] = &rt->hosts[i];
	return n;
}

static int phase_primary(struct run *r, const struct lab_host_rt *p)
{
	if (postgres_prepare_host(r->rt, p, &r->secrets) < 0 ||
	    postgres_initdb(r->rt, p, &r->secrets) < 0 || postgres_start(r->rt, p) < 0 ||
	    postgres_create_roles(r->rt, p, &r->secrets) < 0)
		return -1;
	return repmgr_primary_register(r->rt, p);
}

static int phase_standbys(struct run *r, const struct lab_host_rt *p, const struct lab_host_rt **sb,
                          size_t n)
{
	/* Until the primary takes its first write, every node's data is the template it was
	 * copied from: a standby copied from it too streams from the primary's first WAL
	 * record (wal_keep_size keeps it) instead of waiting for a base backup's checkpoint
	 * and copy, 0.6 s of the 0.8 s this phase took. */
	bool from_template = r->rt->lab->postgres.initdb_template && host_can_start(r->rt);
	char *lsn = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		if (postgres_prepare_host(r->rt, sb[i], &r->secrets) < 0)
			return -1;
		if (from_template && (pg_template_copy(r->rt, sb[i]) < 0 ||
		                      repmgr_standby_from_copy(r->rt, p, sb[i]) < 0))
			return -1;
	}
	if (!from_template && repmgr_clone_standbys(r->rt, p, sb, n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (postgres_write_config(r->rt, sb[i]) < 0)
			return -1;
	if (postgres_start_all(r->rt, sb, n) < 0)
		return -1;
	if (from_template && postgres_written_lsn(r->rt, p, &lsn) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((from_template && postgres_wait_replayed(r->rt, sb[i], lsn, 30000) < 0) ||
		    repmgr_standby_register(r->rt, sb[i]) < 0) {
			free(lsn);
			return -1;
		}
	free(lsn);
	return postgres_enable_sync(r->rt, p);
}

int cluster_start_agent(struct lab_rt *rt, const struct lab_host_rt *h)
{
	char self[4096], agent_port[16], pg_port[16];
	char *run, *pgpass, *env[2] = {NULL};
	struct strbuf peers = STRBUF_INIT;
	struct host_proc agent;
	size_t i;
	int rc;

	/* the nodes that could be a primary beside it: the agent fences a returning one */
	for (i = 0; i < rt->nhosts; i++)
		if (&rt->hosts[i] != h && (rt->hosts[i].def->role == ROLE_PRIMARY ||
		                           rt->hosts[i].def->role == ROLE_STANDBY))
			strbuf_printf(&peers, "%s%s", peers.len ? "," : "", rt->hosts[i].addr);
	pgpass = host_path(h, "conf/pgpass");
	env[0] = xasprintf("PGPASSFILE=%s", pgpass);
	free(pgpass);

	if (proc_self_exe(self, sizeof(self)) < 0)
		return -1;
	snprintf(agent_port, sizeof(agent_port), "%ld", rt->lab->haproxy.agent_port);
	snprintf(pg_port, sizeof(pg_port), "%ld", rt->lab->postgres.port);
	run = host_path(h, "run");
	{
		char *argv[] = {self,       "agent",        "--listen", (char *)h->addr,
		                "--port",   agent_port,     "--socket-dir", run,
		                "--pg-port", pg_port,       "--peers",  peers.buf ? peers.buf : "",
		                NULL};
		struct proc_spec spec = {.argv = argv, .user = "postgres", .env = env};

		rc = host_spawn(rt, h, &spec, "agent", &agent);
	}
	free(run);
	free(env[0]);
	strbuf_free(&peers);
	return rc;
}

static int phase_daemons(struct run *r)
{
	size_t i;

	for (i = 0; i < r->rt->nhosts; i++) {
		const struct lab_host_rt *h = &r->rt->hosts[i];

		if (!lab_host_is_postgres(h->def))
			continue;
		if (repmgr_start_daemon(r->rt, h) < 0)
			return -1;
		if (!lab_rt_by_role(r->rt, ROLE_PROXY) || h->def->role == ROLE_WITNESS)
			continue;
		if (cluster_start_agent(r->rt, h) < 0)
			return -1;
	}
	return 0;
}

/* A real client in the lab writes through the first primary listener. */
static int phase_write_check(struct run *r, const struct lab_host_rt *proxy)
{
	const struct lab *lab = r->rt->lab;
	const struct lab_listener *l = NULL;
	PGconn *c;
	PGresult *res;
	size_t i;
	int rc = -1;

	for (i = 0; i < lab->haproxy.listeners.count && !l; i++)
		if (LAB_LISTENER(lab, i)->target == TARGET_PRIMARY &&
		    LAB_LISTENER(lab, i)->check != CHECK_PGSQL)
			l = LAB_LISTENER(lab, i);
	if (!l)
		return 0;
	c = client_connect_app(r->rt, proxy->addr, l->port, 5);
	if (!c)
		return -1;
	if (PQstatus(c) != CONNECTION_OK) {
		error_set("host %s, step 'write through haproxy': cannot connect to %s:%ld as %s: "
		          "%s",
		          proxy->def->name, proxy->addr, l->port, lab->credentials.app_user,
		          PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	/* A deadline: a synchronous commit with no standby to confirm it waits forever. */
	res = pg_query_within(c,
	                      "CREATE TABLE IF NOT EXISTS pgdrill_up (at timestamptz DEFAULT "
	                      "now(), server inet DEFAULT inet_server_addr());"
	                      "INSERT INTO pgdrill_up DEFAULT VALUES",
	                      30000);
	if (!res)
		error_set("host %s, step 'write through haproxy': listener %s: %s (a "
		          "synchronous commit waiting for a standby that never confirms?)",
		          proxy->def->name, l->name, error_last());
	else if (PQresultStatus(res) == PGRES_COMMAND_OK)
		rc = 0;
	else
		error_set("host %s, step 'write through haproxy': listener %s: %s",
		          proxy->def->name, l->name, PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return rc;
}

static int run_phases_with(struct run *r, const struct lab_host_rt *p,
                           const struct lab_host_rt **standbys, size_t nstandby,
                           const struct lab_host_rt *proxy, const struct lab_host_rt *barman)
{
	struct lab_rt *rt = r->rt;

	phase_begin(r, "network and disks");
	if (phase_end(r, rt->ops->create(rt)) < 0)
		return -1;
	if (secrets_load_or_create(&r->secrets, rt) < 0)
		return -1;
	phase_begin(r, rt->lab->postgres.initdb_template && host_can_start(rt)
	                   ? "primary (copy, start, register)"
	                   : "primary (initdb, start, register)");
	if (phase_end(r, phase_primary(r, p)) < 0)
		return -1;
	/* haproxy's checks run while the standbys come up: by the time they stream, each
	 * server is already where its check puts it (or one fastinter from it). */
	if (proxy) {
		phase_begin(r, "haproxy (start)");
		if (phase_end(r, haproxy_start(rt, proxy)) < 0)
			return -1;
	}
	if (nstandby) {
		phase_begin(r, "standbys (clone, start, register)");
		if (phase_end(r, phase_standbys(r, p, standbys, nstandby)) < 0)
			return -1;
	}
	phase_begin(r, "repmgrd and agents");
	if (phase_end(r, phase_daemons(r)) < 0)
		return -1;
	if (proxy) {
		phase_begin(r, "haproxy (checks see the primary)");
		if (phase_end(r, haproxy_wait_converged(rt, proxy, p->def->name, 30000)) < 0)
			return -1;
		phase_begin(r, "a write through haproxy");
		if (phase_end(r, phase_write_check(r, proxy)) < 0)
			return -1;
	}
	r->report->to_writes_s = (double)(proc_now_ms() - r->t0) / 1000.0;
	if (barman) {
		phase_begin(r, "barman (WAL streaming)");
		if (phase_end(r, barman_setup(rt, barman, p, &r->secrets)) < 0)
			return -1;
		if (rt->lab->barman.first_backup) {
			phase_begin(r, "barman (first backup)");
			if (phase_end(r, barman_first_backup(rt, barman, p)) < 0)
				return -1;
		}
	}
	return state_append(&rt->state, STATE_READY, "%lld", (long long)time(NULL));
}

static int run_phases(struct run *r)
{
	struct lab_rt *rt = r->rt;
	const struct lab_host_rt **standbys = xcalloc(rt->nhosts, sizeof(*standbys));
	const struct lab_host_rt *p = lab_rt_by_role(rt, ROLE_PRIMARY);
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	const struct lab_host_rt *barman = lab_rt_by_role(rt, ROLE_BARMAN);
	size_t nstandby = hosts_of_role(rt, ROLE_STANDBY, standbys);
	int rc = run_phases_with(r, p, standbys, nstandby, proxy, barman);

	free(standbys);
	return rc;
}

/* Hosts that exist already: nothing is built, each is checked (doctor_check). */
static int check_hosts(struct run *r)
{
	struct doctor_report rep;
	struct strbuf facts = STRBUF_INIT;
	int rc;

	/* How the hosts are reached, kept for down, status and run. */
	if (r->rt->lab->source && state_save_inventory(r->rt->lab_dir, r->rt->lab->source) < 0)
		return -1;
	/* The passwords the lab file gives, kept with the lab as for every lab (the checks
	 * ask PostgreSQL with them). */
	if (secrets_load_or_create(&r->secrets, r->rt) < 0)
		return -1;
	rc = doctor_check(r->rt, r->o->progress, &facts, &rep);
	if (rc == 0)
		rc = state_save_discovered(r->rt->lab_dir, strbuf_str(&facts));
	if (rc == 0)
		rc = host_places_record(r->rt);
	strbuf_free(&facts);
	if (rc < 0)
		return -1;
	if (r->o->progress && rep.warnings > 0)
		fprintf(r->o->progress, "  %d warning%s: the drills named above cannot run\n",
		        rep.warnings, rep.warnings == 1 ? "" : "s");
	return state_append(&r->rt->state, STATE_READY, "%lld", (long long)time(NULL));
}

int cluster_up(struct lab_rt *rt, const struct up_options *o, struct up_report *report)
{
	struct run r = {.rt = rt, .o = o, .report = report};
	char subnet[24];
	int rc;

	memset(report, 0, sizeof(*report));
	r.t0 = proc_now_ms();
	units_format_subnet(&rt->lab->provider.subnet, subnet, sizeof(subnet));
	if (state_open(&rt->state, rt->lab->provider.state_dir, rt->lab->name) < 0)
		return -1;
	/* The provider is recorded so that `down` knows how to take the lab apart from the
	 * state file alone. */
	if (state_append(&rt->state, STATE_LAB, "%s %s %s", rt->lab->name, subnet,
	                 rt->ops->name) < 0)
		return -1;
	rc = rt->ops->builds_hosts ? run_phases(&r) : check_hosts(&r);
	secrets_free(&r.secrets);
	report->total_s = (double)(proc_now_ms() - r.t0) / 1000.0;
	if (rc < 0 && !o->keep_on_failure) {
		char *why = xstrdup(error_last());

		error_clear();
		if (o->progress)
			fprintf(o->progress, "  removing what was built...\n");
		state_close(&rt->state);
		cluster_down(rt->lab_dir);
		error_set("%s", why);
		free(why);
	}
	return rc;
}

int cluster_down(const char *lab_dir)
{
	return provider_destroy_lab(lab_dir);
}
