/* Bringing a lab back to health after a drill, the way a DBA would: restart what is not
 * running, rejoin a failed primary as a standby of the new one (pg_rewind when needed),
 * point barman at the current primary. */
#ifndef PGDRILL_ROLES_HEAL_H
#define PGDRILL_ROLES_HEAL_H

#include "provider/provider.h"
#include "roles/health.h"

struct heal_log {
	void (*say)(void *ud, const char *what);
	void *ud;
};

/* PostgreSQL on a standby that stopped on its own (a full disk ends its startup process;
 * a crash), started again the way a DBA does: it recovers from its last restartpoint and
 * streams from its slot, no rejoin. -1 with the error set when it runs already, is not a
 * standby (no standby.signal: started, it would be a second primary) or does not start. */
int heal_start_standby(struct lab_rt *rt, const struct lab_host_rt *h);

/* A spare host is empty in a healthy lab: a server someone restored there by hand (an
 * exercise) is stopped and its data and socket directories removed. Drills restore into
 * a spare through a fault, which reverts itself; this is for what no fault recorded. */
int heal_empty_spares(struct lab_rt *rt, const struct heal_log *log);
/* 0 when the lab is healthy again within timeout_ms; `out` says how it ended. */
int heal_lab(struct lab_rt *rt, const struct heal_log *log, int timeout_ms, struct health *out);

#endif
