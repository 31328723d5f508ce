/* How long repmgr and haproxy take to move writes to a new primary, from the timers a
 * lab sets. One model for the lab's warnings, the audit and the report's phases. */
#ifndef PGDRILL_LAB_FAILOVER_TIMING_H
#define PGDRILL_LAB_FAILOVER_TIMING_H

#include <stdint.h>

/* repmgr.conf takes its intervals in whole seconds: what repmgr makes of MS. */
long repmgr_seconds(int64_t ms);

struct failover_timing {
	/* repmgrd gives up on the dead primary this many seconds after it died: its first
	 * failed check is the first of reconnect_attempts, the last fails (attempts - 1)
	 * intervals later; at worst one monitor interval passes before the first. */
	double detect_lo, detect_hi;
	/* haproxy marks the new primary up after `rise` passing checks. */
	double route_hi;
	/* The window in which repmgrd cancels an election for good when a sibling saw the
	 * primary (primary_visibility_consensus): 2 x monitor_interval, and the candidate's
	 * own (attempts - 1) x reconnect_interval, both in whole seconds. */
	long consensus_seen, consensus_window;
};

void failover_timing(int64_t monitor_interval_ms, int64_t reconnect_interval_ms,
                     long reconnect_attempts, int64_t check_interval_ms, long rise,
                     struct failover_timing *t);

#endif
