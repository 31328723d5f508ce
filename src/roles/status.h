/* The state of a running lab, per host, as three parties see it: PostgreSQL itself,
 * repmgr (`repmgr cluster show --csv`) and haproxy (its stats socket). */
#ifndef PGDRILL_ROLES_STATUS_H
#define PGDRILL_ROLES_STATUS_H

#include <stdbool.h>

#include "provider/provider.h"
#include "util/strbuf.h"

#define STATUS_MAX_LISTENERS 16

struct host_status {
	const struct lab_host_rt *host;
	bool reachable;        /* PostgreSQL answered */
	int in_recovery;       /* 1 standby, 0 primary, -1 unknown */
	long timeline;         /* -1 unknown */
	char lsn[32];          /* current (primary) or replayed (standby) */
	char upstream[64];     /* standby: who it streams from (primary_conninfo host) */
	char wal_receiver[16]; /* standby: wal receiver state, "" when none */
	long long lag_bytes;   /* behind the primary, -1 unknown */
	double lag_s;          /* replay lag as the primary reports it, -1 unknown */
	bool sender_streaming; /* the primary's walsender to it says 'streaming' */
	char repmgr_role[16];  /* from cluster show: primary, standby, witness; "" unknown */
	char repmgr_state[16]; /* running, unreachable, failed... */
	char haproxy[STATUS_MAX_LISTENERS][16]; /* per listener: UP, DOWN, ... */
};

struct lab_status {
	struct host_status *hosts;
	size_t count;
	char *repmgr_error; /* why repmgr's view is missing, or NULL */
	char *haproxy_error;
	int primaries; /* servers not in recovery */
};

int status_collect(const struct lab_rt *rt, struct lab_status *out);
/* Without repmgr's view (a process per call): for polling. */
int status_collect_views(const struct lab_rt *rt, struct lab_status *out, bool with_repmgr);
void status_free(struct lab_status *s);

/* Admin connections one poller keeps from one collection to the next, so that a poll
 * costs a few queries, not a new backend per host (on a busy 2-core machine, reconnecting
 * every 500 ms cost a flat-out workload a quarter of its throughput). One thread's. */
struct status_conns {
	struct pg_conn **conns; /* per host of the lab; NULL: connect at the next poll */
	size_t count;
};
void status_conns_init(struct status_conns *keep, const struct lab_rt *rt);
void status_conns_close(struct status_conns *keep);
/* Only PostgreSQL's views (roles, timelines, LSNs, lag), over `keep`'s connections: a
 * connection whose query failed is closed and made again at the next call. */
void status_collect_pg(const struct lab_rt *rt, struct lab_status *out, struct status_conns *keep);
/* The one answer to "who is primary now": among the servers that accept writes, the one
 * on the highest timeline (the one the cluster went on with after a split brain; on a
 * tie, the first in the lab file). NULL when none does. s->primaries says how many do:
 * callers that need exactly one check it. */
const struct lab_host_rt *status_primary(const struct lab_status *s);
/* The same rule with one server left out (the old primary, when asking who replaced it);
 * *count (optional) gets how many of the others accept writes. */
const struct lab_host_rt *status_primary_except(const struct lab_status *s,
                                                const struct lab_host_rt *except, int *count);
/* Collects the PostgreSQL views and answers the same; *count (optional) gets how many
 * servers accept writes. */
const struct lab_host_rt *status_current_primary(const struct lab_rt *rt, int *count);
void status_format_table(const struct lab_rt *rt, const struct lab_status *s, struct strbuf *out);
void status_format_json(const struct lab_rt *rt, const struct lab_status *s, struct strbuf *out);
/* Parses `repmgr cluster show --csv` (node_id,status,recovery type) into the hosts. */
void status_apply_repmgr_csv(const struct lab_rt *rt, struct lab_status *s, const char *csv);

#endif
