#include "roles/heal.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/barman.h"
#include "roles/cluster.h"
#include "roles/haproxy.h"
#include "roles/pg.h"
#include "roles/postgres.h"
#include "roles/procs.h"
#include "roles/repmgr.h"
#include "roles/status.h"
#include "roles/step.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static void say(const struct heal_log *log, const char *fmt, ...)
{
	char buf[512];
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

/* The servers that accept writes now; with several (a split brain), the one on the
 * highest timeline is the one the cluster went on with. */
static const struct lab_host_rt *current_primary(const struct lab_rt *rt, int *count)
{
	const struct lab_host_rt *best = NULL;
	struct lab_status st;
	long best_tl = -1;
	size_t i;

	status_collect_views(rt, &st, false);
	*count = st.primaries;
	for (i = 0; i < st.count; i++) {
		const struct host_status *h = &st.hosts[i];

		if (h->reachable && h->in_recovery == 0 && h->timeline > best_tl) {
			best = h->host;
			best_tl = h->timeline;
		}
	}
	status_free(&st);
	return best;
}

static bool streams_from(const struct lab_rt *rt, const struct lab_host_rt *h,
                         const struct lab_host_rt *p)
{
	struct lab_status st;
	bool ok = false;

	status_collect_views(rt, &st, false);
	ok = st.hosts[h->index].reachable &&
	     strcmp(st.hosts[h->index].wal_receiver, "streaming") == 0 &&
	     strcmp(st.hosts[h->index].upstream, p->addr) == 0;
	status_free(&st);
	return ok;
}

static int ensure_daemons(struct lab_rt *rt, const struct heal_log *log)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (!lab_host_is_postgres(h->def))
			continue;
		if (!procs_find(h, "repmgrd")) {
			say(log, "starting repmgrd on %s", h->def->name);
			if (repmgr_start_daemon(rt, h) < 0)
				return -1;
		}
		if (proxy && h->def->role != ROLE_WITNESS && !procs_find(h, "agent")) {
			say(log, "starting the agent on %s", h->def->name);
			if (cluster_start_agent(rt, h) < 0)
				return -1;
		}
	}
	if (proxy && !procs_find(proxy, "haproxy")) {
		say(log, "starting haproxy on %s", proxy->def->name);
		if (haproxy_start(rt, proxy) < 0)
			return -1;
	}
	return 0;
}

/* barman streams from the primary through a slot that lives on it: after a failover it
 * must be pointed at the new one. */
static int barman_follow(struct lab_rt *rt, const struct lab_host_rt *p, const struct heal_log *log)
{
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);
	char *conf_path, *text = NULL, *want;
	char *reset_args[] = {"receive-wal", "--reset", rt->lab->barman.server_name, NULL};
	char *slot_args[] = {"receive-wal", "--create-slot", rt->lab->barman.server_name, NULL};
	pid_t pid;
	int rc = 0;

	if (!b || !rt->lab->barman.follow_primary)
		return 0;
	conf_path = host_path(b, "conf/barman.conf");
	want = barman_conf(rt, b, p);
	if (fs_read_file(conf_path, &text, NULL) == 0 && strcmp(text, want) == 0)
		goto cleanup;
	error_clear();
	say(log, "pointing barman at the primary %s", p->def->name);
	if (fs_write_string(conf_path, want, 0640, "barman") < 0) {
		rc = -1;
		goto cleanup;
	}
	if ((pid = procs_find(b, "receive-wal")))
		kill(pid, SIGTERM);
	/* A slot may exist already (a primary that comes back): then creating it fails. */
	if (barman_cmd(rt, b, "barman receive-wal --create-slot", slot_args, NULL) < 0)
		error_clear();
	if (barman_cmd(rt, b, "barman receive-wal --reset", reset_args, NULL) < 0)
		error_clear();
cleanup:
	free(conf_path);
	free(text);
	free(want);
	return rc;
}

int heal_lab(struct lab_rt *rt, const struct heal_log *log, int timeout_ms, struct health *out)
{
	const struct lab_host_rt *p, *designated = lab_rt_by_role(rt, ROLE_PRIMARY);
	int primaries;
	size_t i;

	memset(out, 0, sizeof(*out));
	p = current_primary(rt, &primaries);
	if (!p) {
		/* Nobody accepts writes: the lab's own primary comes back first. */
		say(log, "no primary: starting PostgreSQL on %s", designated->def->name);
		if (postgres_start(rt, designated) < 0)
			return -1;
		p = designated;
	} else if (primaries > 1) {
		say(log,
		    "%d primaries: keeping %s (highest timeline), the others rejoin as standbys",
		    primaries, p->def->name);
	}
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];
		pid_t pid;

		if (!is_pg_node(h) || h == p)
			continue;
		pid = procs_find(h, "postgres");
		if (pid) {
			struct lab_status st;
			bool primary_too;

			status_collect_views(rt, &st, false);
			primary_too =
			    st.hosts[h->index].reachable && st.hosts[h->index].in_recovery == 0;
			status_free(&st);
			if (!primary_too)
				continue;
			say(log, "stopping %s, a second primary", h->def->name);
			postgres_stop(h);
		}
		procs_end_all(h, "postgres", 5000);
		say(log, "rejoining %s as a standby of %s", h->def->name, p->def->name);
		if (repmgr_node_rejoin(rt, h, p, true) < 0)
			return -1;
	}
	if (ensure_daemons(rt, log) < 0 || barman_follow(rt, p, log) < 0)
		return -1;
	/* repmgrd makes standbys follow a new primary by itself; give it a moment first. */
	if (health_wait(rt, 5000, out) == 0)
		return 0;
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (!is_pg_node(h) || h == p || streams_from(rt, h, p))
			continue;
		say(log, "making %s follow %s", h->def->name, p->def->name);
		if (repmgr_standby_follow(rt, h, p) < 0)
			return -1;
	}
	return health_wait(rt, timeout_ms, out);
}
