/* What the lab's own logs say about a failover, read after the fact: when the new primary
 * was asked to promote and when it accepted writes (its PostgreSQL log, whose lines start
 * with a millisecond UTC time, log_line_prefix %m), and when haproxy's write listener
 * marked it UP (haproxy's log in RFC 5424 form, to the microsecond). The report splits
 * the RTO into detection, promotion, re-routing and reconnection with them. */
#ifndef PGDRILL_ROLES_FAILOVER_EVIDENCE_H
#define PGDRILL_ROLES_FAILOVER_EVIDENCE_H

#include <stdbool.h>

#include "provider/provider.h"

/* Times in seconds since the epoch; NAN where the log does not say. */
struct failover_evidence {
	const char *host;         /* the node that promoted (lab-owned); NULL: none seen */
	double promote_requested; /* PostgreSQL's "received promote request" */
	double promoted;          /* its "archive recovery complete" or "database system is ready
	                           * to accept connections" after, whichever comes first */
	double routed;            /* haproxy: "Server LISTENER/HOST is UP" after the request */
};

/* The first promotion requested in [from, until] on any PostgreSQL host, and what followed
 * it. Logs that are missing or unreadable leave their fields NAN; nothing here fails. */
void failover_evidence_collect(const struct lab_rt *rt, const char *listener, double from,
                               double until, struct failover_evidence *e);

/* The time a log line starts with: PostgreSQL's "2026-11-28 05:22:39.041 UTC " (UTC or
 * GMT only) and RFC 5424's "<129>1 2026-11-28T05:22:39.041123+00:00 ". False when the
 * line does not start that way. */
bool log_time_postgres(const char *line, double *t);
bool log_time_rfc5424(const char *line, double *t);

#endif
