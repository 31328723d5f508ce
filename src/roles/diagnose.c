#include "roles/diagnose.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "roles/pg.h"
#include "roles/status.h"
#include "util/error.h"

/* The listener's place among the lab's, where status keeps haproxy's view of it. */
static long listener_index(const struct lab *lab, const struct lab_listener *l)
{
	size_t i;

	for (i = 0; i < lab->haproxy.listeners.count && i < STATUS_MAX_LISTENERS; i++)
		if (LAB_LISTENER(lab, i) == l)
			return (long)i;
	return -1;
}

static void routing(const struct lab_status *st, const struct lab_listener *l, long li,
                    struct strbuf *out)
{
	size_t i, up = 0;

	if (li < 0 || st->haproxy_error)
		return;
	for (i = 0; i < st->count; i++) {
		const struct host_status *h = &st->hosts[i];

		if (strcmp(h->haproxy[li], "UP") != 0)
			continue;
		up++;
		if (h->reachable && h->in_recovery == 1)
			strbuf_printf(out,
			              "haproxy routes %s to %s, a standby (it refuses writes). ",
			              l->name, h->host->def->name);
	}
	if (up == 0)
		strbuf_printf(out, "haproxy has no server UP in %s: it closes every connection. ",
		              l->name);
}

static const char sync_sql[] =
    "SELECT (SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'),"
    " current_setting('synchronous_standby_names'),"
    " (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming')";

/* Commits that wait for a synchronous standby, on the primary. */
static void sync_wait(const struct lab_rt *rt, const struct lab_host_rt *p, struct strbuf *out)
{
	PGconn *c = pg_admin_connect(rt, p, "postgres", 2);
	PGresult *r;

	if (!c) {
		error_clear();
		return;
	}
	r = pg_query_within(c, sync_sql, 5000);
	error_clear();
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    atol(PQgetvalue(r, 0, 0)) > 0)
		strbuf_printf(
		    out,
		    "the primary %s is waiting for synchronous standbys: %s sessions wait "
		    "in SyncRep, synchronous_standby_names = '%s', %s standbys streaming. ",
		    p->def->name, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
	PQclear(r);
	PQfinish(c);
}

void diagnose_writes(const struct lab_rt *rt, const struct lab_listener *l, struct strbuf *out)
{
	struct lab_status st;
	const struct lab_host_rt *p;

	status_collect_views(rt, &st, false);
	p = status_primary(&st);
	if (st.primaries == 0)
		strbuf_puts(out, "no server accepts writes. ");
	else if (st.primaries > 1)
		strbuf_printf(out, "%d servers accept writes. ", st.primaries);
	routing(&st, l, listener_index(rt->lab, l), out);
	if (p)
		sync_wait(rt, p, out);
	status_free(&st);
}
