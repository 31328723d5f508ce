/* The RTO of a failover drill split into phases, and predicted from the lab's own timers.
 * With the logs' evidence (the rto check's measure.failover):
 *   detection: the fault -> PostgreSQL's "received promote request" on the new primary
 *   promotion: -> its "archive recovery complete" or "ready to accept connections", the
 *     first
 *   re-routing: -> haproxy's write listener marks it UP
 *   reconnection: -> the first ok write (the RTO window's end)
 * Without it (an older journal, logs that do not say), two phases: the fault -> the new
 * primary accepts writes (check.new_primary), -> the first ok write. Beside them, when a
 * standby streamed from the new primary again (the lag sampler's window; with synchronous
 * replication the new primary's commits wait for it).
 * The prediction: repmgrd gives up (reconnect_attempts - 1) x reconnect_interval after it
 * notices, within one monitor_interval plus one more interval; the promotion has no timer;
 * haproxy marks the new primary UP within rise x check_interval; clients retry after
 * reconnect_backoff. */
#ifndef PGDRILL_REPORT_PHASES_H
#define PGDRILL_REPORT_PHASES_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/strbuf.h"

struct rto_phases {
	bool have; /* the drill has an RTO check and a fault before it */
	double fault, last_ok, first_ok, rto;
	double promoted;       /* NAN: the drill has no new-primary verdict */
	/* From the logs (NAN: not there): promote requested, ready, routed by haproxy. */
	double log_asked, log_ready, log_routed;
	char new_primary[64], listener[64];
	double standby_lo, standby_hi; /* a standby streamed again in between (lag samples);
	                                * NAN: no sample shows one streaming again */
	bool predicted;        /* the lab's timers were in the journal */
	double detect_lo, detect_hi; /* repmgrd: (attempts-1) x interval ..
	                              * attempts x interval + one monitor interval */
	double route_hi;             /* haproxy: rise x check_interval */
	double client;               /* the workload's reconnect backoff */
	double predicted_lo, predicted_hi;
};

/* From a drill (scenarios[i]) and the run's provenance (its resolved lab). */
void rto_phases(json_object *scenario, json_object *provenance, struct rto_phases *out);
/* The phases as an HTML table with the prediction beside, and what explains a difference
 * of more than a second. Nothing when !have. */
void rto_phases_html(struct strbuf *sb, const struct rto_phases *p);

#endif
