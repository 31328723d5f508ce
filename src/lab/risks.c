#include "lab/risks.h"

#include "lab/failover_timing.h"
#include "lab/schema.h"

/* repmgrd (repmgrd-physical.c) cancels an election when a sibling standby saw the
 * primary less than 2 x monitor_interval ago, and a cancelled election is not held again.
 * A sibling may have seen it up to the moment it died, and the candidate gives up
 * (reconnect_attempts - 1) x reconnect_interval after its own first failed check. */
static size_t consensus_window(const struct lab *lab, struct diag_list *dl)
{
	const struct lab_repmgr *r = &lab->repmgr;
	struct failover_timing t;

	failover_timing(r->monitor_interval, r->reconnect_interval, r->reconnect_attempts, 0, 0,
	                &t);
	if (r->failover != FAILOVER_AUTOMATIC || !r->primary_visibility_consensus ||
	    t.consensus_window >= t.consensus_seen)
		return 0;
	diag_add(dl, schema_field_loc(&lab_repmgr_schema, r, "reconnect_attempts"),
	         "repmgr: (reconnect_attempts - 1) x reconnect_interval = %ld s is less than "
	         "2 x monitor_interval = %ld s: with primary_visibility_consensus repmgrd can "
	         "cancel a failover for good when another standby saw the primary just before "
	         "it died (docs/failover.md)",
	         t.consensus_window, t.consensus_seen);
	return 1;
}

size_t lab_risks(const struct lab *lab, struct diag_list *dl)
{
	/* A cluster pgdrill did not build keeps its own repmgr.conf. */
	if (lab->provider.kind == PROVIDER_EXISTING)
		return 0;
	return consensus_window(lab, dl);
}
