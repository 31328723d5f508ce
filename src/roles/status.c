#include "roles/status.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles/haproxy.h"
#include "roles/pg.h"
#include "roles/repmgr.h"
#include "util/error.h"

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* One query gives a node's own view; the timeline of a primary comes from its current
 * WAL file name, which changes at promotion (pg_control_checkpoint lags until the next
 * checkpoint). */
static const char node_sql[] =
    "SELECT pg_is_in_recovery(),"
    " CASE WHEN pg_is_in_recovery()"
    "  THEN coalesce((SELECT received_tli FROM pg_stat_wal_receiver),"
    "                (pg_control_checkpoint()).timeline_id)"
    "  ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,"
    " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text"
    "  ELSE pg_current_wal_lsn()::text END,"
    " coalesce((SELECT sender_host FROM pg_stat_wal_receiver), ''),"
    " coalesce((SELECT status FROM pg_stat_wal_receiver), '')";

static const char lag_sql[] = "SELECT application_name,"
                              " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,"
                              " coalesce(extract(epoch FROM replay_lag), 0),"
                              " state = 'streaming'"
                              " FROM pg_stat_replication";

/* The admin connection to a host: the kept one when the caller keeps them (`slot`), else
 * a new one. */
static PGconn *node_conn(const struct lab_rt *rt, const struct lab_host_rt *h, PGconn **slot)
{
	PGconn *c;

	if (slot && *slot)
		return *slot;
	c = pg_admin_connect(rt, h, "postgres", 2);
	error_clear(); /* no connection: not reachable */
	if (slot)
		*slot = c;
	return c;
}

/* Done with a query on `c`: a kept connection stays unless the query failed (then it is
 * of no further use); any other is closed. */
static void node_done(PGconn **slot, PGconn *c, bool answered)
{
	if (slot && answered)
		return;
	PQfinish(c);
	if (slot)
		*slot = NULL;
}

static void collect_node(const struct lab_rt *rt, struct host_status *hs, PGconn **slot)
{
	PGconn *c = node_conn(rt, hs->host, slot);
	PGresult *r;

	if (!c)
		return;
	r = pg_query_within(c, node_sql, 5000);
	error_clear(); /* no answer: not reachable */
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		hs->reachable = true;
		hs->in_recovery = PQgetvalue(r, 0, 0)[0] == 't';
		hs->timeline = atol(PQgetvalue(r, 0, 1));
		copy(hs->lsn, sizeof(hs->lsn), PQgetvalue(r, 0, 2));
		copy(hs->upstream, sizeof(hs->upstream), PQgetvalue(r, 0, 3));
		copy(hs->wal_receiver, sizeof(hs->wal_receiver), PQgetvalue(r, 0, 4));
	}
	node_done(slot, c, hs->reachable);
	PQclear(r);
}

/* Lag as the primary sees each standby (by application_name = cluster_name = host). */
static void collect_lag(const struct lab_rt *rt, struct lab_status *s, struct host_status *p,
                        PGconn **slot)
{
	PGconn *c = node_conn(rt, p->host, slot);
	PGresult *r;
	int i;
	size_t k;

	if (!c)
		return;
	r = pg_query_within(c, lag_sql, 5000);
	error_clear(); /* no answer: no lag figures */
	for (i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++) {
		for (k = 0; k < s->count; k++) {
			if (strcmp(s->hosts[k].host->def->name, PQgetvalue(r, i, 0)) != 0)
				continue;
			s->hosts[k].lag_bytes =
			    PQgetisnull(r, i, 1) ? -1 : atoll(PQgetvalue(r, i, 1));
			s->hosts[k].lag_s = atof(PQgetvalue(r, i, 2));
			s->hosts[k].sender_streaming = PQgetvalue(r, i, 3)[0] == 't';
		}
	}
	node_done(slot, c, PQresultStatus(r) == PGRES_TUPLES_OK);
	PQclear(r);
}

void status_apply_repmgr_csv(const struct lab_rt *rt, struct lab_status *s, const char *csv)
{
	const char *line = csv;

	(void)rt;
	while (line && *line) {
		int id, conn, recovery;

		if (sscanf(line, "%d,%d,%d", &id, &conn, &recovery) == 3 && id >= 1 &&
		    (size_t)id <= s->count) {
			struct host_status *hs = &s->hosts[id - 1];

			/* repmgr: connection 0 = reachable; recovery 0 = primary, 1 = standby. */
			copy(hs->repmgr_state, sizeof(hs->repmgr_state),
			     conn == 0 ? "running" : "unreachable");
			if (hs->host->def->role == ROLE_WITNESS)
				copy(hs->repmgr_role, sizeof(hs->repmgr_role), "witness");
			else
				copy(hs->repmgr_role, sizeof(hs->repmgr_role),
				     recovery == 0   ? "primary"
				     : recovery == 1 ? "standby"
				                     : "unknown");
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
}

static void collect_repmgr(const struct lab_rt *rt, struct lab_status *s)
{
	size_t i;
	char *csv = NULL;

	/* Ask a node that answers, primary first: any registered node can tell. */
	for (i = 0; i < s->count; i++) {
		if (!s->hosts[i].reachable || s->hosts[i].in_recovery != 0)
			continue;
		if (repmgr_cluster_show(rt, s->hosts[i].host, &csv) == 0)
			break;
	}
	for (i = 0; !csv && i < s->count; i++) {
		if (!s->hosts[i].reachable)
			continue;
		if (repmgr_cluster_show(rt, s->hosts[i].host, &csv) == 0)
			break;
	}
	if (!csv) {
		s->repmgr_error = xstrdup(error_last());
		error_clear();
		return;
	}
	status_apply_repmgr_csv(rt, s, csv);
	free(csv);
}

static void collect_haproxy(const struct lab_rt *rt, struct lab_status *s)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	char *csv = NULL;
	size_t i, l;

	if (!proxy)
		return;
	if (haproxy_stats(rt, proxy, &csv) < 0) {
		s->haproxy_error = xstrdup(error_last());
		error_clear();
		return;
	}
	for (i = 0; i < s->count; i++) {
		for (l = 0; l < rt->lab->haproxy.listeners.count && l < STATUS_MAX_LISTENERS; l++) {
			char *st = haproxy_server_status(csv, LAB_LISTENER(rt->lab, l)->name,
			                                 s->hosts[i].host->def->name);

			copy(s->hosts[i].haproxy[l], sizeof(s->hosts[i].haproxy[l]), st);
			free(st);
		}
	}
	free(csv);
}

const struct lab_host_rt *status_primary_except(const struct lab_status *s,
                                                const struct lab_host_rt *except, int *count)
{
	const struct lab_host_rt *best = NULL;
	long best_tl = -2;
	int n = 0;
	size_t i;

	for (i = 0; i < s->count; i++) {
		const struct host_status *h = &s->hosts[i];

		if (!h->reachable || h->in_recovery != 0 || h->host == except)
			continue;
		n++;
		if (h->timeline > best_tl) {
			best = h->host;
			best_tl = h->timeline;
		}
	}
	if (count)
		*count = n;
	return best;
}

const struct lab_host_rt *status_primary(const struct lab_status *s)
{
	return status_primary_except(s, NULL, NULL);
}

const struct lab_host_rt *status_current_primary(const struct lab_rt *rt, int *count)
{
	const struct lab_host_rt *p;
	struct lab_status st;

	status_collect_views(rt, &st, false);
	p = status_primary(&st);
	if (count)
		*count = st.primaries;
	status_free(&st);
	return p;
}

int status_collect(const struct lab_rt *rt, struct lab_status *out)
{
	return status_collect_views(rt, out, true);
}

/* The PostgreSQL views of every node and the primary's view of its standbys. */
static void collect_pg(const struct lab_rt *rt, struct lab_status *out, struct status_conns *keep)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->count = rt->nhosts;
	out->hosts = xcalloc(rt->nhosts, sizeof(*out->hosts));
	for (i = 0; i < rt->nhosts; i++) {
		struct host_status *hs = &out->hosts[i];

		hs->host = &rt->hosts[i];
		hs->in_recovery = -1;
		hs->timeline = -1;
		hs->lag_bytes = -1;
		hs->lag_s = -1;
		if (lab_host_is_postgres(hs->host->def))
			collect_node(rt, hs, keep ? &keep->conns[i] : NULL);
	}
	for (i = 0; i < out->count; i++) {
		if (out->hosts[i].reachable && out->hosts[i].in_recovery == 0) {
			out->primaries++;
			collect_lag(rt, out, &out->hosts[i], keep ? &keep->conns[i] : NULL);
		}
	}
}

int status_collect_views(const struct lab_rt *rt, struct lab_status *out, bool with_repmgr)
{
	collect_pg(rt, out, NULL);
	if (with_repmgr)
		collect_repmgr(rt, out);
	collect_haproxy(rt, out);
	return 0;
}

void status_conns_init(struct status_conns *keep, const struct lab_rt *rt)
{
	keep->count = rt->nhosts;
	keep->conns = xcalloc(rt->nhosts ? rt->nhosts : 1, sizeof(*keep->conns));
}

void status_conns_close(struct status_conns *keep)
{
	size_t i;

	for (i = 0; i < keep->count; i++)
		if (keep->conns[i])
			PQfinish(keep->conns[i]);
	free(keep->conns);
	memset(keep, 0, sizeof(*keep));
}

void status_collect_pg(const struct lab_rt *rt, struct lab_status *out, struct status_conns *keep)
{
	collect_pg(rt, out, keep);
}

void status_free(struct lab_status *s)
{
	free(s->hosts);
	free(s->repmgr_error);
	free(s->haproxy_error);
	memset(s, 0, sizeof(*s));
}

static const char *pg_role(const struct host_status *h)
{
	if (!lab_host_is_postgres(h->host->def))
		return "-";
	if (!h->reachable)
		return "down";
	return h->in_recovery ? "standby" : "primary";
}

void status_format_table(const struct lab_rt *rt, const struct lab_status *s, struct strbuf *out)
{
	size_t i, l, nl = rt->lab->haproxy.listeners.count;

	strbuf_printf(out, "%-12s %-14s %-8s %-8s %-8s %-4s %-12s %-10s %-7s", "HOST", "ADDRESS",
	              "ROLE", "PG", "REPMGR", "TL", "LSN", "LAG", "LAG_S");
	for (l = 0; l < nl && l < STATUS_MAX_LISTENERS; l++)
		strbuf_printf(out, " %-11s", LAB_LISTENER(rt->lab, l)->name);
	strbuf_putc(out, '\n');
	for (i = 0; i < s->count; i++) {
		const struct host_status *h = &s->hosts[i];
		char tl[24] = "-", lag[32] = "-", lag_s[32] = "-";

		if (h->timeline >= 0)
			snprintf(tl, sizeof(tl), "%ld", h->timeline);
		if (h->lag_bytes >= 0)
			snprintf(lag, sizeof(lag), "%lldB", h->lag_bytes);
		if (h->lag_s >= 0)
			snprintf(lag_s, sizeof(lag_s), "%.3f", h->lag_s);
		strbuf_printf(out, "%-12s %-14s %-8s %-8s %-8s %-4s %-12s %-10s %-7s",
		              h->host->def->name, h->host->addr,
		              host_role_names[h->host->def->role], pg_role(h),
		              h->repmgr_role[0] ? h->repmgr_role : "-", tl,
		              h->lsn[0] ? h->lsn : "-", lag, lag_s);
		for (l = 0; l < nl && l < STATUS_MAX_LISTENERS; l++)
			strbuf_printf(out, " %-11s", h->haproxy[l][0] ? h->haproxy[l] : "-");
		strbuf_putc(out, '\n');
	}
	if (s->primaries != 1)
		strbuf_printf(out, "WARNING: %d servers accept writes (expected exactly 1)\n",
		              s->primaries);
	if (s->repmgr_error)
		strbuf_printf(out, "repmgr's view is missing: %s\n", s->repmgr_error);
	if (s->haproxy_error)
		strbuf_printf(out, "haproxy's view is missing: %s\n", s->haproxy_error);
}

static void json_str(struct strbuf *out, const char *key, const char *v, bool comma)
{
	strbuf_printf(out, "\"%s\":", key);
	if (!v || !*v) {
		strbuf_puts(out, "null");
	} else {
		strbuf_putc(out, '"');
		for (; *v; v++) {
			if (*v == '"' || *v == '\\')
				strbuf_putc(out, '\\');
			if ((unsigned char)*v >= 0x20)
				strbuf_putc(out, *v);
		}
		strbuf_putc(out, '"');
	}
	if (comma)
		strbuf_putc(out, ',');
}

void status_format_json(const struct lab_rt *rt, const struct lab_status *s, struct strbuf *out)
{
	size_t i, l, nl = rt->lab->haproxy.listeners.count;

	strbuf_putc(out, '{');
	json_str(out, "lab", rt->lab->name, true);
	strbuf_printf(out, "\"primaries\":%d,", s->primaries);
	json_str(out, "repmgr_error", s->repmgr_error, true);
	json_str(out, "haproxy_error", s->haproxy_error, true);
	strbuf_puts(out, "\"hosts\":[");
	for (i = 0; i < s->count; i++) {
		const struct host_status *h = &s->hosts[i];

		strbuf_puts(out, i ? ",{" : "{");
		json_str(out, "name", h->host->def->name, true);
		json_str(out, "address", h->host->addr, true);
		json_str(out, "role", host_role_names[h->host->def->role], true);
		json_str(out, "postgres_role",
		         lab_host_is_postgres(h->host->def) ? pg_role(h) : NULL, true);
		json_str(out, "repmgr_role", h->repmgr_role, true);
		json_str(out, "repmgr_state", h->repmgr_state, true);
		if (h->timeline >= 0)
			strbuf_printf(out, "\"timeline\":%ld,", h->timeline);
		else
			strbuf_puts(out, "\"timeline\":null,");
		json_str(out, "lsn", h->lsn, true);
		json_str(out, "upstream", h->upstream, true);
		json_str(out, "wal_receiver", h->wal_receiver, true);
		if (h->lag_bytes >= 0)
			strbuf_printf(out, "\"lag_bytes\":%lld,\"lag_seconds\":%.3f,", h->lag_bytes,
			              h->lag_s);
		else
			strbuf_puts(out, "\"lag_bytes\":null,\"lag_seconds\":null,");
		strbuf_puts(out, "\"haproxy\":{");
		for (l = 0; l < nl && l < STATUS_MAX_LISTENERS; l++) {
			json_str(out, LAB_LISTENER(rt->lab, l)->name, h->haproxy[l], l + 1 < nl);
		}
		strbuf_puts(out, "}}");
	}
	strbuf_puts(out, "]}\n");
}
