/* The PostgreSQL role: configuration files and the server process of one node. */
#ifndef PGDRILL_ROLES_POSTGRES_H
#define PGDRILL_ROLES_POSTGRES_H

/* Every node's max_wal_senders. A server recovering a copy of a node's data directory as
 * a hot standby (a barman restore) needs at least as many, or its recovery pauses. */
#define PG_MAX_WAL_SENDERS "16"

#include <stdbool.h>

#include "provider/provider.h"
#include "roles/secrets.h"

/* pgdrill.conf (included from postgresql.conf), pg_hba.conf and pg_ident.conf. Owned. */
/* pgdrill.conf's text; `sync` includes synchronous_standby_names when the lab asks. */
char *postgres_conf(const struct lab_rt *rt, const struct lab_host_rt *h, bool sync);
char *postgres_hba(const struct lab_rt *rt);
char *postgres_ident(void);
/* The .pgpass of a host's postgres user (repmgr, superuser, app). */
char *postgres_pgpass(const struct lab_rt *rt, const struct lab_secrets *s);
/* "PGPASSFILE=..." for processes of this host's postgres user. Owned. */
char *postgres_pgpass_env(const struct lab_host_rt *h);

/* Directories (data, run, conf) and the .pgpass file on the host's disk. */
int postgres_prepare_host(const struct lab_rt *rt, const struct lab_host_rt *h,
                          const struct lab_secrets *s);
/* initdb with checksums and scram-sha-256, then pgdrill's configuration. */
int postgres_initdb(const struct lab_rt *rt, const struct lab_host_rt *h,
                    const struct lab_secrets *s);
/* (Re)writes the node's own settings (conf/pgdrill.conf, beside the data directory, which
 * postgresql.conf includes by a relative path), pg_hba.conf and pg_ident.conf. */
int postgres_write_config(const struct lab_rt *rt, const struct lab_host_rt *h);
/* A node's own configuration files across a step that replaces its data directory's
 * (pg_rewind copies the source's, a clone brings the primary's): on a lab pgdrill built
 * they are rendered again from the lab file; on other clusters the node's own files are
 * kept before the step and put back after it. */
struct pg_own_config {
	char *text[4]; /* NULL: the file was not there */
};
int postgres_config_keep(const struct lab_rt *rt, const struct lab_host_rt *h,
                         struct pg_own_config *k);
int postgres_config_restore(const struct lab_rt *rt, const struct lab_host_rt *h,
                            const struct pg_own_config *k);
void postgres_config_free(struct pg_own_config *k);
/* The bootstrap primary's synchronous replication, on once its standbys stream. */
int postgres_enable_sync(const struct lab_rt *rt, const struct lab_host_rt *p);
/* Replays a crashed node's WAL to its end and shuts it down cleanly (single-user mode),
 * so that its control file tells where its history really ends: repmgr decides whether a
 * rejoin needs pg_rewind from the last checkpoint, and a crashed node's is too old. */
int postgres_crash_recover(const struct lab_rt *rt, const struct lab_host_rt *h);
/* Starts the postmaster (recorded PID) and waits until it accepts connections. */
int postgres_start(struct lab_rt *rt, const struct lab_host_rt *h);
/* postgres_start for several hosts at once; -1 names the first that did not come up. */
int postgres_start_all(struct lab_rt *rt, const struct lab_host_rt *const *hosts, size_t n);
/* The WAL position primary `p` has written up to now (owned), for postgres_wait_replayed. */
int postgres_written_lsn(const struct lab_rt *rt, const struct lab_host_rt *p, char **lsn);
/* Waits until standby `h` has replayed WAL up to `lsn`: what a clone holds when it
 * starts, for a standby started from a copy of the primary's first state (repmgr's
 * register then finds its database there). */
int postgres_wait_replayed(const struct lab_rt *rt, const struct lab_host_rt *h,
                           const char *lsn, int timeout_ms);
/* Fast shutdown of a node's postmaster; waits up to 10 s for it to end. */
void postgres_stop(const struct lab_rt *rt, const struct lab_host_rt *h);
/* Roles and databases of the lab, on the primary. */
int postgres_create_roles(const struct lab_rt *rt, const struct lab_host_rt *primary,
                          const struct lab_secrets *s);

#endif
