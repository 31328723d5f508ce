/* The haproxy role: one listener per lab listener, each with its health-check style. */
#ifndef PGDRILL_ROLES_HAPROXY_H
#define PGDRILL_ROLES_HAPROXY_H

#include "provider/provider.h"

char *haproxy_cfg(const struct lab_rt *rt, const struct lab_host_rt *proxy);
/* The same with one listener's check replaced by `style` (listener NULL: none). */
char *haproxy_cfg_checked(const struct lab_rt *rt, const struct lab_host_rt *proxy,
                          const char *listener, enum check_style style);
/* The bytes tcp-check sends: StartupMessage, Query "select pg_is_in_recovery()" and
 * Terminate in one write (a standby then fails in ~0.1 s, not after a timeout), as hex. */
char *haproxy_pg_probe_hex(const char *user, const char *database);
/* The DataRow a primary ('f') or a replica ('t') answers with, as hex. */
const char *haproxy_pg_expect_hex(bool want_replica);

int haproxy_start(struct lab_rt *rt, const struct lab_host_rt *proxy);
/* Starts haproxy with the config text `cfg` (written to conf/haproxy.cfg, checked). */
int haproxy_start_with(struct lab_rt *rt, const struct lab_host_rt *proxy, const char *cfg);
/* Ends every haproxy process of the host and starts one with `cfg` (NULL: the lab's own
 * config). */
int haproxy_restart(struct lab_rt *rt, const struct lab_host_rt *proxy, const char *cfg);
/* `show stat` from the stats socket as CSV (owned). */
int haproxy_stats(const struct lab_rt *rt, const struct lab_host_rt *proxy, char **csv);
/* Status ("UP", "DOWN", ...) of one server in one listener, from `show stat` CSV; NULL
 * when absent. Owned. */
char *haproxy_server_status(const char *csv, const char *listener, const char *server);
/* 1 when every listener's checks agree with `primary` being the primary (write
 * listeners: only it UP; read listeners: only the others; pgsql-check: all), else 0 with
 * the first disagreement in `why`. Hosts marked in `down` (by host index; NULL for none)
 * must be DOWN everywhere. */
int haproxy_routing_converged(const struct lab_rt *rt, const char *csv, const char *primary,
                              const bool *down, char *why, size_t why_len);
int haproxy_wait_converged(const struct lab_rt *rt, const struct lab_host_rt *proxy,
                           const char *primary, int timeout_ms);

#endif
