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
 * The workload's and the agent's connections get it (their failures are in their own
 * records); pgdrill's admin and client sessions get pg_notices_from. */
void pg_quiet(PGconn *c);
/* Who hears the warnings and errors the servers send pgdrill's own sessions outside a
 * query's result (a WARNING raised by a statement, "FATAL: terminating connection due to
 * unexpected postmaster exit" to an idle session): `pgdrill run` puts them in the
 * journal. `record` may be called from any thread; WHERE names the host or "client". */
struct notice_recorder {
	void (*record)(void *ud, const char *where, const char *message);
	void *ud;
};
/* Sets the recorder for the whole process (NULL: none, the messages are dropped). It
 * must outlive every connection made while it was set. */
void pg_record_notices(struct notice_recorder *r);
/* pg_quiet, and the messages of severity WARNING and above go to the recorder: the first
 * line, control characters replaced. WHERE must outlive the connection. */
void pg_notices_from(PGconn *c, const char *where);
/* Connects as admin, runs one statement, disconnects. */
int pg_run_once(const struct lab_rt *rt, const struct lab_host_rt *h, const char *sql);
/* Polls until the node accepts connections or `timeout_ms` passes; gives up at once when
 * the postmaster `pm` (NULL: unknown) has exited. */
int pg_wait_ready(const struct lab_rt *rt, const struct lab_host_rt *h, const struct host_proc *pm,
                  int timeout_ms);

#endif
