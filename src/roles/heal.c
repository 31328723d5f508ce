#include "roles/heal.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/barman.h"
#include "roles/barman_archive.h"
#include "roles/cluster.h"
#include "roles/haproxy.h"
#include "roles/pg.h"
#include "roles/postgres.h"
#include "roles/procs.h"
#include "roles/repmgr.h"
#include "roles/status.h"
#include "roles/step.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

static void say(const struct heal_log *log, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (log && log->say)
		log->say(log->ud, buf);
}

static bool is_pg_node(const struct lab_host_rt *h)
{
	return h->def->role == ROLE_PRIMARY || h->def->role == ROLE_STANDBY;
}

static bool streams_from(const struct lab_rt *rt, const struct lab_host_rt *h,
                         const struct lab_host_rt *p)
{
	struct lab_status st;
	bool ok = false;

	status_collect_views(rt, &st, false);
	/* Both ends say so (see health.c): a receiver the primary refuses flickers. */
	ok = st.hosts[h->index].reachable &&
	     strcmp(st.hosts[h->index].wal_receiver, "streaming") == 0 &&
	     strcmp(st.hosts[h->index].upstream, p->addr) == 0 &&
	     st.hosts[h->index].sender_streaming;
	status_free(&st);
	return ok;
}

static bool wait_streaming(const struct lab_rt *rt, const struct lab_host_rt *h,
                           const struct lab_host_rt *p, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;

	while (proc_now_ms() < deadline) {
		if (streams_from(rt, h, p))
			return true;
		usleep(250000);
	}
	return false;
}

/* The last resort a DBA takes when a node cannot rejoin: a fresh clone. */
static int rebuild(struct lab_rt *rt, const struct lab_host_rt *h, const struct lab_host_rt *p)
{
	const struct lab_host_rt *one[1] = {h};
	struct pg_own_config own;
	int rc = -1;

	postgres_stop(rt, h);
	procs_end_all(rt, h, "postgres", 5000);
	host_release_pg_shm(rt, h, "data");
	if (postgres_config_keep(rt, h, &own) < 0)
		return -1;
	if (host_remove(rt, h, "data") < 0 || host_mkdir(rt, h, "data", 0700, "postgres") < 0)
		goto cleanup;
	if (repmgr_clone_standbys(rt, p, one, 1) < 0 || postgres_config_restore(rt, h, &own) < 0 ||
	    postgres_start(rt, h) < 0 || repmgr_standby_register(rt, h) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	postgres_config_free(&own);
	return rc;
}

/* repmgrd keeps the role it saw when it started; after a node changed role under it,
 * a fresh one sees the node as it is now. */
static void restart_repmgrd(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	struct host_proc d;

	if (procs_find(rt, h, "repmgrd", &d))
		procs_stop(rt, h, &d, SIGTERM, 2000);
}

int heal_start_standby(struct lab_rt *rt, const struct lab_host_rt *h)
{
	if (!is_pg_node(h))
		return error_set("%s runs no PostgreSQL", h->def->name);
	if (procs_running(rt, h, "postgres"))
		return error_set("PostgreSQL runs on %s already", h->def->name);
	if (!host_exists(rt, h, "data/standby.signal"))
		return error_set("%s is not a standby (no standby.signal): started as it is, it "
		                 "would accept writes beside the primary; rejoin it instead",
		                 h->def->name);
	procs_end_all(rt, h, "postgres", 5000); /* backends a dead postmaster left */
	host_release_pg_shm(rt, h, "data");
	return postgres_start(rt, h);
}

/* A stopped node back as a standby of p: `repmgr node rejoin` with pg_rewind, and when
 * it does not stream after that, a fresh clone. */
static int rejoin_or_rebuild(struct lab_rt *rt, const struct lab_host_rt *h,
                             const struct lab_host_rt *p, const struct heal_log *log)
{
	procs_end_all(rt, h, "postgres", 5000);
	say(log, "rejoining %s as a standby of %s", h->def->name, p->def->name);
	if (repmgr_node_rejoin(rt, h, p, true) < 0 || !wait_streaming(rt, h, p, 15000)) {
		/* What to do first: the cause can be long (a command and its output). */
		say(log, "%s did not come back by rejoin: rebuilding it from %s (%s)", h->def->name,
		    p->def->name, error_pending() ? error_last() : "it does not stream");
		error_clear();
		if (rebuild(rt, h, p) < 0)
			return -1;
	}
	restart_repmgrd(rt, h);
	return 0;
}

/* The running standby that has replayed the most WAL, or NULL. */
static const struct lab_host_rt *best_standby(const struct lab_rt *rt)
{
	const struct lab_host_rt *best = NULL;
	char *best_lsn = NULL;
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];
		PGconn *c;
		char *v = NULL, *sql;

		if (!is_pg_node(h) || !procs_running(rt, h, "postgres"))
			continue;
		c = pg_admin_connect(rt, h, "postgres", 2);
		if (!c) {
			error_clear();
			continue;
		}
		sql = best_lsn ? xasprintf("SELECT pg_is_in_recovery() AND "
		                           "pg_last_wal_replay_lsn() > '%s'::pg_lsn",
		                           best_lsn)
		               : xstrdup("SELECT pg_is_in_recovery()");
		if (pg_value(h, c, sql, &v) == 0 && v && v[0] == 't') {
			free(best_lsn);
			best_lsn = NULL;
			if (pg_value(h, c, "SELECT pg_last_wal_replay_lsn()::text", &best_lsn) == 0)
				best = h;
		}
		error_clear();
		free(v);
		free(sql);
		PQfinish(c);
	}
	free(best_lsn);
	return best;
}

static int ensure_daemons(struct lab_rt *rt, const struct heal_log *log)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (!lab_host_is_postgres(h->def))
			continue;
		if (!procs_running(rt, h, "repmgrd")) {
			say(log, "starting repmgrd on %s", h->def->name);
			if (repmgr_start_daemon(rt, h) < 0)
				return -1;
		}
		if (proxy && h->def->role != ROLE_WITNESS && !procs_running(rt, h, "agent")) {
			say(log, "starting the agent on %s", h->def->name);
			if (cluster_start_agent(rt, h) < 0)
				return -1;
		}
	}
	if (proxy && !procs_running(rt, proxy, "haproxy")) {
		if (proxy->def->paths.haproxy_conf)
			return error_set("haproxy does not run on %s, and pgdrill does not start an "
			                 "haproxy it did not configure: start it with its own "
			                 "configuration (haproxy -D -f %s, or its service)",
			                 proxy->def->name, proxy->def->paths.haproxy_conf);
		say(log, "starting haproxy on %s", proxy->def->name);
		if (haproxy_start(rt, proxy) < 0)
			return -1;
	}
	return 0;
}

/* What barman can restore now, for the journal: "PITR possible from ... to ...", and any
 * gap by name. */
static void say_archive(const struct lab_rt *rt, const struct lab_host_rt *b,
                        const struct heal_log *log, const char *when)
{
	struct barman_archive a;
	char *text;

	if (barman_archive_read(rt, b, &a) < 0) {
		say(log, "barman's archive %s: cannot be read: %s", when, error_last());
		error_clear();
		return;
	}
	text = barman_archive_describe(&a, proc_wall_time());
	say(log, "barman's archive %s: %s", when, text);
	free(text);
	barman_archive_free(&a);
}

/* barman's cron loop held and its WAL receiver ended, so that nothing restarts it while
 * its position or slot changes. True when the cron is held (resume_barman lets it go). */
static bool hold_barman(const struct lab_rt *rt, const struct lab_host_rt *b,
                        struct host_proc *cron)
{
	struct host_proc receiver;
	bool held = false;

	if (procs_find(rt, b, "barman-cron", cron))
		held = host_signal(rt, b, cron, SIGSTOP) == 0;
	if (procs_find(rt, b, "receive-wal", &receiver) &&
	    host_signal(rt, b, &receiver, SIGTERM) == 0)
		host_proc_wait_end(rt, b, &receiver, 10000);
	error_clear();
	return held;
}

static void resume_barman(const struct lab_rt *rt, const struct lab_host_rt *b,
                          const struct host_proc *cron, bool held, const struct heal_log *log)
{
	if (held && host_signal(rt, b, cron, SIGCONT) < 0) {
		say(log, "could not resume barman's cron: %s", error_last());
		error_clear();
	}
}

static void barman_try(const struct lab_rt *rt, const struct lab_host_rt *b, const char *step,
                       char **args, const struct heal_log *log)
{
	if (barman_cmd(rt, b, step, args, NULL) < 0) {
		say(log, "%s failed: %s", step, error_last());
		error_clear();
	}
}

/* barman's WAL receiver (pg_receivewal under the name barman gives it) streams from p. */
static bool barman_receives_from(const struct lab_rt *rt, const struct lab_host_rt *p)
{
	PGconn *c = pg_admin_connect(rt, p, "postgres", 5);
	char *n = NULL;
	bool yes = c && pg_value(p, c,
	                         "SELECT count(*) FROM pg_stat_replication WHERE "
	                         "application_name = 'barman_receive_wal'",
	                         &n) == 0 &&
	           n && strcmp(n, "0") != 0;

	error_clear(); /* not asked: as if not */
	PQfinish(c);
	free(n);
	return yes;
}

/* barman streams from the primary through a slot that lives on it: after a failover it
 * is pointed at the new one at once, before anything else of the heal (a rejoin checkpoints
 * the primary, which may recycle WAL barman still needs). It resumes where it stopped: the
 * new primary sends the old timeline up to the fork and then its own, and the archive has
 * no gap. Only when that fails (barman was ahead of the fork, or the WAL is gone) is its
 * position reset to the primary's current WAL, and the gap is said. 1: barman was
 * re-pointed (a new base backup is due); 0: it already streamed from p. */
static int barman_repoint(struct lab_rt *rt, const struct lab_host_rt *p,
                          const struct heal_log *log)
{
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);
	char *server = rt->lab->barman.server_name, *text = NULL, *want;
	char *reset_args[] = {"receive-wal", "--reset", server, NULL};
	char *slot_args[] = {"receive-wal", "--create-slot", server, NULL};
	char *drop_args[] = {"receive-wal", "--drop-slot", server, NULL};
	struct host_proc cron;
	bool held;
	int rc = 1;

	if (!b || !rt->lab->barman.follow_primary)
		return 0;
	want = barman_conf(rt, b, p);
	if (host_get_file(rt, b, "conf/barman.conf", &text, NULL) == 0 && strcmp(text, want) == 0) {
		rc = 0;
		goto cleanup;
	}
	error_clear();
	if (!rt->ops->builds_hosts && !barman_conf_is_pgdrills(text)) {
		/* A barman pgdrill did not configure keeps its own file: pointing it at the new
		 * primary is left to the DBA, with what to change, unless its WAL receiver
		 * (pg_receivewal, as barman names it) streams from there already. */
		if (barman_receives_from(rt, p)) {
			rc = 0;
			goto cleanup;
		}
		say(log,
		    "barman on %s keeps the configuration pgdrill did not write: it is left as it "
		    "is; to archive from the new primary, point the server %s's conninfo and "
		    "streaming_conninfo at %s (%s), then run 'barman receive-wal --create-slot %s'",
		    b->def->name, server, p->def->name, p->addr, server);
		rc = 0;
		goto cleanup;
	}
	say_archive(rt, b, log, "before the failover's repair");
	say(log, "pointing barman at the primary %s", p->def->name);
	held = hold_barman(rt, b, &cron);
	if (host_put_string(rt, b, "conf/barman.conf", want, 0640, "barman") < 0) {
		resume_barman(rt, b, &cron, held, log);
		rc = -1;
		goto cleanup;
	}
	/* A slot left on this node from an earlier time it was primary keeps that time's
	 * restart_lsn: the old one goes (there may be none) and a fresh one reserves WAL
	 * from now on. */
	if (barman_cmd(rt, b, "barman receive-wal --drop-slot", drop_args, NULL) < 0)
		error_clear();
	barman_try(rt, b, "barman receive-wal --create-slot", slot_args, log);
	resume_barman(rt, b, &cron, held, log);
	if (barman_wait_streaming(rt, p, 15000) == 0) {
		say(log, "barman streams from %s, from where it stopped: no WAL missed",
		    p->def->name);
		goto cleanup;
	}
	say(log,
	    "barman cannot resume at its position on %s (%s): resetting it to the "
	    "primary's current WAL; the WAL in between is missing from the archive",
	    p->def->name, error_last());
	error_clear();
	held = hold_barman(rt, b, &cron);
	barman_try(rt, b, "barman receive-wal --reset", reset_args, log);
	resume_barman(rt, b, &cron, held, log);
cleanup:
	free(text);
	free(want);
	return rc;
}

/* After a re-point: a new base backup (retention then lets old backups and their WAL go,
 * so restores stay short and barman's disk bounded) and what barman can restore now. */
static int barman_backup_after(struct lab_rt *rt, const struct lab_host_rt *p,
                               const struct heal_log *log)
{
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);

	say(log, "taking a new base backup from %s", p->def->name);
	if (barman_first_backup(rt, b, p) < 0)
		return -1;
	say_archive(rt, b, log, "after it");
	return 0;
}

/* The primary kept must be repmgr's primary too: one promoted with pg_ctl (by a person)
 * still has a standby's record, and standbys cannot clone or rejoin from it. */
static int register_as_primary(struct lab_rt *rt, const struct lab_host_rt *p,
                               const struct heal_log *log)
{
	PGconn *c = pg_admin_connect(rt, p, "repmgr", 5);
	char *type = NULL, *sql;
	int rc = 0;

	if (!c) {
		error_clear(); /* the steps after it say what is wrong with the primary */
		return 0;
	}
	sql = xasprintf("SELECT type FROM repmgr.nodes WHERE node_name = '%s'", p->def->name);
	if (pg_value(p, c, sql, &type) < 0 || !type)
		error_clear();
	else if (strcmp(type, "primary") != 0) {
		say(log, "%s runs as the primary but repmgr has it as a %s: registering it as the "
		         "primary",
		    p->def->name, type);
		rc = repmgr_primary_reregister(rt, p);
	}
	PQfinish(c);
	free(type);
	free(sql);
	return rc;
}

int heal_empty_spares(struct lab_rt *rt, const struct heal_log *log)
{
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];
		struct host_proc pm;
		bool runs;

		if (h->def->role != ROLE_SPARE)
			continue;
		runs = procs_find(rt, h, "postgres", &pm);
		if (!runs && !host_exists(rt, h, "data") && !host_exists(rt, h, "run"))
			continue;
		say(log, "emptying the spare host %s%s", h->def->name,
		    runs ? " (stopping the server restored there)" : "");
		if (runs && !procs_stop(rt, h, &pm, SIGINT, 10000))
			return error_set("host %s, step 'empty the spare': PostgreSQL (PID %d) did not "
			                 "stop",
			                 h->def->name, (int)pm.pid);
		host_release_pg_shm(rt, h, "data");
		if (host_remove(rt, h, "data") < 0 || host_remove(rt, h, "run") < 0)
			return -1;
	}
	return 0;
}

int heal_lab(struct lab_rt *rt, const struct heal_log *log, int timeout_ms, struct health *out)
{
	const struct lab_host_rt *p, *designated = lab_rt_by_role(rt, ROLE_PRIMARY);
	int primaries, repointed;
	size_t i;

	memset(out, 0, sizeof(*out));
	p = status_current_primary(rt, &primaries);
	if (!p && (p = best_standby(rt))) {
		/* Nobody accepts writes but a standby runs: promote the one furthest ahead,
		 * as repmgrd would have. */
		say(log, "no primary: promoting %s, the standby furthest ahead", p->def->name);
		if (repmgr_standby_promote(rt, p) < 0)
			return -1;
	} else if (!p) {
		/* Nothing runs: the lab's own primary comes back first. */
		say(log, "no primary: starting PostgreSQL on %s", designated->def->name);
		if (postgres_start(rt, designated) < 0)
			return -1;
		p = designated;
	} else if (primaries > 1) {
		say(log,
		    "%d primaries: keeping %s (highest timeline), the others rejoin as standbys",
		    primaries, p->def->name);
	}
	if (register_as_primary(rt, p, log) < 0 || (repointed = barman_repoint(rt, p, log)) < 0)
		return -1;
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (!is_pg_node(h) || h == p)
			continue;
		if (procs_running(rt, h, "postgres")) {
			struct lab_status st;
			bool primary_too;

			status_collect_views(rt, &st, false);
			primary_too =
			    st.hosts[h->index].reachable && st.hosts[h->index].in_recovery == 0;
			status_free(&st);
			if (!primary_too)
				continue;
			say(log, "stopping %s, a second primary", h->def->name);
			postgres_stop(rt, h);
		}
		/* A standby that stopped on its own is started first: a rejoin of a standby that
		 * did not shut down cleanly ends in a fresh clone. A wrong upstream is mended
		 * by the follow below. */
		if (host_exists(rt, h, "data/standby.signal")) {
			say(log, "starting %s, a standby that had stopped", h->def->name);
			if (heal_start_standby(rt, h) == 0)
				continue;
			say(log, "%s did not start: %s", h->def->name, error_last());
			error_clear();
			postgres_stop(rt, h);
		}
		if (rejoin_or_rebuild(rt, h, p, log) < 0)
			return -1;
	}
	if (ensure_daemons(rt, log) < 0 || (repointed && barman_backup_after(rt, p, log) < 0))
		return -1;
	/* repmgrd makes standbys follow a new primary by itself; give it a moment first. */
	if (health_wait(rt, 5000, out) == 0)
		return 0;
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (!is_pg_node(h) || h == p || streams_from(rt, h, p))
			continue;
		say(log, "making %s follow %s", h->def->name, p->def->name);
		if (repmgr_standby_follow(rt, h, p) < 0 || !wait_streaming(rt, h, p, 15000)) {
			/* A standby that replayed WAL of the old primary's timeline past the point
			 * where the new one forked off (a paused primary's walsenders kept
			 * streaming) cannot follow; one that needs WAL the new primary has
			 * recycled follows and never streams. It is rewound, or rebuilt. */
			say(log, "%s cannot follow %s: %s", h->def->name, p->def->name,
			    error_pending() ? error_last() : "it does not stream");
			error_clear();
			postgres_stop(rt, h);
			if (rejoin_or_rebuild(rt, h, p, log) < 0)
				return -1;
		}
	}
	return health_wait(rt, timeout_ms, out);
}
