/* The repmgr role: repmgr.conf per node, registration, cloning and repmgrd. */
#ifndef PGDRILL_ROLES_REPMGR_H
#define PGDRILL_ROLES_REPMGR_H

#include "provider/provider.h"

/* repmgr.conf for a PostgreSQL host. Owned. */
char *repmgr_conf(const struct lab_rt *rt, const struct lab_host_rt *h);
/* The conninfo repmgr and the standbys use to reach `h`, with keepalives and
 * tcp_user_timeout so that a silent partition is noticed. Owned. */
char *repmgr_conninfo(const struct lab_rt *rt, const struct lab_host_rt *h);
int repmgr_write_conf(const struct lab_rt *rt, const struct lab_host_rt *h);
int repmgr_primary_register(const struct lab_rt *rt, const struct lab_host_rt *h);
/* Clones every standby from the primary at once (fast checkpoint). */
int repmgr_clone_standbys(const struct lab_rt *rt, const struct lab_host_rt *primary,
                          const struct lab_host_rt *const *standbys, size_t n);
/* Makes `h`, whose data directory already holds a copy of the primary's history (the
 * template the primary started from, before its first write), a standby of `primary`
 * as a clone would be: repmgr.conf, standby.signal, primary_conninfo with the node's
 * application_name and, with slots, repmgr's slot for it on the primary. */
int repmgr_standby_from_copy(const struct lab_rt *rt, const struct lab_host_rt *primary,
                             const struct lab_host_rt *h);
/* A node promoted behind repmgr's back (pg_ctl promote) registered as the primary: its
 * record becomes the primary's, the old primary's record is left to its rejoin. */
int repmgr_primary_reregister(const struct lab_rt *rt, const struct lab_host_rt *h);
int repmgr_standby_register(const struct lab_rt *rt, const struct lab_host_rt *h);
int repmgr_start_daemon(struct lab_rt *rt, const struct lab_host_rt *h);
/* `repmgr cluster show --csv` on a host; stdout owned by the caller. */
int repmgr_cluster_show(const struct lab_rt *rt, const struct lab_host_rt *h, char **csv);

/* A node whose PostgreSQL is stopped comes back as a standby of `p` (pg_rewind when its
 * timeline diverged), keeping its own configuration files. */
int repmgr_node_rejoin(struct lab_rt *rt, const struct lab_host_rt *h, const struct lab_host_rt *p,
                       bool rewind);
int repmgr_standby_follow(const struct lab_rt *rt, const struct lab_host_rt *h,
                          const struct lab_host_rt *p);
int repmgr_standby_promote(const struct lab_rt *rt, const struct lab_host_rt *h);
/* `repmgr service pause|unpause`: repmgrd on every node holds still during planned work. */
int repmgr_service(const struct lab_rt *rt, const struct lab_host_rt *h, const char *verb);

#endif
