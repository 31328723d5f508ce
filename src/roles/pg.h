/* libpq as the harness uses it: an admin connection to a node through its own Unix
 * socket directory (root is mapped to the postgres role by pg_ident, no password, no
 * trust), and queries whose failures name the host and the SQL. */
#ifndef PGDRILL_ROLES_PG_H
#define PGDRILL_ROLES_PG_H

#include <libpq-fe.h>

#include "provider/host.h"

/* How long the harness waits for its own SQL on a node. */
#define PG_ADMIN_TIMEOUT_MS 60000

/* PQexec with a deadline: the last result, or NULL (error set) when the server did not
 * answer within timeout_ms or the connection broke. After NULL the connection is of no
 * further use (PQfinish it); the server side ends the statement when it next writes. */
PGresult *pg_query_within(PGconn *c, const char *sql, int timeout_ms);
/* PostgreSQL on host `h` as postgres: over its socket directory `sock_rel` (relative to
 * the host's root) and `port` where pgdrill reaches it locally, or over the network at the
 * host's address with the superuser's password where the provider says so. */
PGconn *pg_connect_node(const struct lab_rt *rt, const struct lab_host_rt *h, const char *sock_rel,
                        long port, const char *db, int timeout_s);
PGconn *pg_admin_connect(const struct lab_rt *rt, const struct lab_host_rt *h, const char *db,
                         int timeout_s);
/* The SQL as an error message may show it, a password literal hidden. Owned. */
char *pg_sql_for_display(const char *sql);
/* Runs SQL; returns 0 or -1 with error "host H: SQL failed: message" and the SQL, its
 * password hidden. */
int pg_exec(const struct lab_host_rt *h, PGconn *c, const char *sql);
/* First column of the first row as an owned string (NULL for SQL NULL); -1 on error. */
int pg_value(const struct lab_host_rt *h, PGconn *c, const char *sql, char **out);
/* Notices and the server's messages to an idle session ("terminating connection due to
 * unexpected postmaster exit") are not printed on pgdrill's stderr: a harness whose
 * servers die on purpose reads failures from results, not from libpq's default printer.
 * Every connection pgdrill makes gets it. */
void pg_quiet(PGconn *c);
/* Connects as admin, runs one statement, disconnects. */
int pg_run_once(const struct lab_rt *rt, const struct lab_host_rt *h, const char *sql);
/* Polls until the node accepts connections or `timeout_ms` passes; gives up at once when
 * the postmaster `pm` (NULL: unknown) has exited. */
int pg_wait_ready(const struct lab_rt *rt, const struct lab_host_rt *h, const struct host_proc *pm,
                  int timeout_ms);

#endif
