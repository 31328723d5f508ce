/* The audit's rule groups; audit.c runs them in order. */
#ifndef PGDRILL_AUDIT_AUDIT_RULES_H
#define PGDRILL_AUDIT_AUDIT_RULES_H

#include "audit/audit.h"

/* From the primary's own views: pg_hba.conf, synchronous replication, repmgr's conninfo. */
void audit_pg_rules(struct lab_rt *rt, struct audit *a);
/* The failover the lab's repmgr and haproxy timers imply, against its RTO objective; the
 * write listeners' checks and their handling of a server marked down, from haproxy.cfg. */
void audit_ha_rules(struct lab_rt *rt, struct audit *a);
/* Barman: its check, the newest backup's age against objectives.backup_age, the WAL
 * archive's gaps and lag. */
void audit_backup_rules(struct lab_rt *rt, struct audit *a);
/* The hosts: password files readable by others, sudo rights of postgres and barman. */
void audit_host_rules(struct lab_rt *rt, struct audit *a);
/* The newest runs of the lab the restore-untested rule looks through. */
#define AUDIT_RESTORE_LOOKBACK_RUNS 30
/* Restores from barman drilled (a passed scenario with a barman_restore fault) in the
 * newest runs of the lab in RUNS_DIR. */
void audit_drill_rules(struct lab_rt *rt, const char *runs_dir, struct audit *a);

#endif
