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

/* A node's disk holds its data and up to max_wal_size + wal_keep_size of WAL: a disk
 * smaller than the floor fills by itself after some rounds of drills (measured: 239 of
 * 256 MB on a standby in the second round of the standard drills), and then the drill
 * that meant to fill another disk sees two. */
static size_t disk_budget(const struct lab *lab, struct diag_list *dl)
{
	size_t i, n = 0;

	for (i = 0; i < lab->hosts.count; i++) {
		const struct lab_host *h = LAB_HOST(lab, i);

		if (!lab_host_is_postgres(h) || h->disk >= (uint64_t)LAB_PG_DISK_FLOOR_MB << 20)
			continue;
		diag_add(dl, schema_field_loc(&lab_host_schema, h, "disk"),
		         "host %s: a disk of %llu MB: PostgreSQL's WAL alone may take %d MB here "
		         "(max_wal_size %d MB + wal_keep_size %d MB) beside the data; rounds of drills "
		         "can fill it by themselves (give it at least %d MB)",
		         h->name, (unsigned long long)(h->disk >> 20),
		         LAB_PG_MAX_WAL_MB + LAB_PG_WAL_KEEP_MB, LAB_PG_MAX_WAL_MB, LAB_PG_WAL_KEEP_MB,
		         LAB_PG_DISK_FLOOR_MB);
		n++;
	}
	return n;
}

size_t lab_risks(const struct lab *lab, struct diag_list *dl)
{
	/* A cluster pgdrill did not build keeps its own repmgr.conf. */
	if (lab->provider.kind == PROVIDER_EXISTING)
		return 0;
	return consensus_window(lab, dl) + disk_budget(lab, dl);
}
