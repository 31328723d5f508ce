/* The RTO of a failover drill split into phases, from evidence the journal already has,
 * and predicted from the lab's own timers:
 *   detection and promotion: the fault -> the new primary accepts writes (check.new_primary)
 *   re-routing and reconnection: -> the first ok write (the RTO check's window end)
 * and beside them when a standby streamed from the new primary again (the lag sampler's
 * window; with synchronous replication the new primary's commits wait for it).
 * The prediction: repmgrd needs reconnect_attempts x reconnect_interval after it notices
 * (within one monitor_interval), plus the promotion itself (not a timer); haproxy marks the
 * new primary UP within rise x check_interval; clients retry after reconnect_backoff. */
#ifndef PGDRILL_REPORT_PHASES_H
#define PGDRILL_REPORT_PHASES_H

#include <json-c/json.h>
#include <stdbool.h>

#include "util/strbuf.h"

struct rto_phases {
	bool have; /* the drill has an RTO check and a fault before it */
	double fault, last_ok, first_ok, rto;
	double promoted;       /* NAN: the drill has no new-primary verdict */
	double standby_lo, standby_hi; /* a standby streamed again in between (lag samples);
	                                * NAN: no sample shows one streaming again */
	bool predicted;        /* the lab's timers were in the journal */
	double detect_lo, detect_hi; /* repmgrd: attempts x interval, + one monitor interval */
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
