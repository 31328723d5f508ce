/* A planned switchover: the drill every team should be able to do at 3 pm, not 3 am.
 * `repmgr standby switchover` runs its steps on the old primary over SSH, which a lab
 * host does not offer; pgdrill runs the same steps itself: repmgrd paused, the primary
 * stopped cleanly, the standby promoted, the old primary rejoined, the other standbys
 * following, repmgrd resumed. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "roles/pg.h"
#include "roles/postgres.h"
#include "roles/repmgr.h"
#include "roles/step.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

static bool is_standby(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	PGconn *c;
	char *v = NULL;
	bool yes = false;

	if (rt->dry)
		return true; /* the rejoin was printed, not done */
	c = pg_admin_connect(rt, h, "postgres", 5);
	if (c && pg_value(h, c, "SELECT pg_is_in_recovery()", &v) == 0)
		yes = v && v[0] == 't';
	if (c)
		PQfinish(c);
	free(v);
	if (!yes)
		error_set("host %s: after the rejoin it is not a standby", h->def->name);
	return yes;
}

/* The "Latest checkpoint location" of a stopped node, from pg_controldata. */
static int shutdown_checkpoint(const struct lab_rt *rt, const struct lab_host_rt *h, char *lsn,
                               size_t len)
{
	char *data = host_path(h, "data"), *out = NULL, *p;
	char *argv[] = {"pg_controldata", "-D", data, NULL};
	struct step_cmd cmd = {
	    .user = "postgres", .argv = argv, .timeout_ms = 10000, .reads_only = true};
	int rc = step_run(rt, h, "pg_controldata", &cmd, &out);

	free(data);
	if (rc < 0)
		return -1;
	p = strstr(out, "Latest checkpoint location:");
	if (!p || sscanf(p, "Latest checkpoint location: %31s", lsn) != 1) {
		free(out);
		return error_set("host %s: no checkpoint location in pg_controldata", h->def->name);
	}
	(void)len;
	free(out);
	return 0;
}

static int wait_caught_up(const struct lab_rt *rt, const struct lab_host_rt *from,
                          const struct lab_host_rt *to)
{
	char lsn[32], *sql, *v = NULL;
	long long deadline = proc_now_ms() + 30000;
	PGconn *c;
	int rc = -1;

	if (shutdown_checkpoint(rt, from, lsn, sizeof(lsn)) < 0)
		return -1;
	c = pg_admin_connect(rt, to, "postgres", 5);
	if (!c)
		return -1;
	sql = xasprintf("SELECT pg_last_wal_replay_lsn() >= '%s'::pg_lsn", lsn);
	while (proc_now_ms() < deadline) {
		if (pg_value(to, c, sql, &v) < 0)
			break;
		rc = v && v[0] == 't' ? 0 : -1;
		free(v);
		v = NULL;
		if (rc == 0)
			break;
		usleep(100000);
	}
	if (rc < 0 && !error_pending())
		error_set("host %s: did not replay up to the old primary's shutdown checkpoint %s "
		          "within 30 s",
		          to->def->name, lsn);
	free(sql);
	PQfinish(c);
	return rc;
}

int fault_switchover(struct fault_set *fs, const struct lab_host_rt *to,
                     const struct lab_host_rt *from)
{
	struct lab_rt *rt = fs->rt;
	char how[160], *why;
	size_t i;
	int rc = -1, id;

	if (to == from)
		return error_set("%s is the primary already", to->def->name);
	snprintf(how, sizeof(how),
	         "planned: stop %s cleanly, promote %s, rejoin %s, siblings follow",
	         from->def->name, to->def->name, from->def->name);
	id = fault_note(fs, "switchover", to, "primary role", how);
	if (repmgr_service(rt, to, "pause") < 0)
		return -1;
	postgres_stop(rt, from);
	/* Promote only a standby that has replayed everything up to the old primary's
	 * shutdown checkpoint: otherwise the old primary is ahead and cannot rejoin. */
	if (wait_caught_up(rt, from, to) < 0) {
		char *why0 = xstrdup(error_last());

		error_clear();
		journal_event(fs->j, "warning", NULL, "switchover aborted, %s restarts as primary",
		              from->def->name);
		postgres_start(rt, from);
		error_set("%s", why0);
		free(why0);
		goto resume;
	}
	if (repmgr_standby_promote(rt, to) < 0 || repmgr_node_rejoin(rt, from, to, false) < 0 ||
	    !is_standby(rt, from))
		goto resume;
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (h == to || h == from || h->def->role != ROLE_STANDBY)
			continue;
		if (repmgr_standby_follow(rt, h, to) < 0)
			goto resume;
	}
	rc = id;
resume:
	/* repmgrd must run again whatever happened; the first failure is the one to tell. */
	why = rc < 0 ? xstrdup(error_last()) : NULL;
	error_clear();
	if (repmgr_service(rt, to, "unpause") < 0) {
		journal_event(fs->j, "warning", NULL, "repmgr service unpause: %s", error_last());
		error_clear();
	}
	if (why) {
		error_set("%s", why);
		free(why);
	}
	return rc;
}
