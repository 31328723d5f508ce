/* Rebuilding a node as a standby on purpose (the step a DBA takes after a failover):
 * stop it, `repmgr node rejoin` to the current primary, with pg_rewind when asked. */
#include "fault/fault.h"
#include "roles/postgres.h"
#include "roles/procs.h"
#include "roles/repmgr.h"
#include "util/error.h"

int fault_rejoin(struct fault_set *fs, const struct lab_host_rt *h, const struct lab_host_rt *p,
                 bool rewind)
{
	int id;

	if (h == p)
		return error_set("%s is the primary: it cannot rejoin itself", h->def->name);
	id = fault_note(fs, "rejoin", h, p->def->name,
	                rewind ? "stop, repmgr node rejoin --force-rewind (pg_rewind)"
	                     : "stop, repmgr node rejoin");
	postgres_stop(fs->rt, h);
	procs_end_all(fs->rt, h, "postgres", 5000);
	if (repmgr_node_rejoin(fs->rt, h, p, rewind) < 0)
		return -1;
	return id;
}
