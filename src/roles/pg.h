/* libpq as the harness uses it: an admin connection to a node through its own Unix
 * socket directory (root is mapped to the postgres role by pg_ident, no password, no
 * trust), and queries whose failures name the host and the SQL. */
#ifndef PGDRILL_ROLES_PG_H
#define PGDRILL_ROLES_PG_H

#include <libpq-fe.h>

#include "provider/provider.h"

/* Paths inside a host's disk. Owned strings. */
char *host_path(const struct lab_host_rt *h, const char *sub);

PGconn *pg_admin_connect(const struct lab_rt *rt, const struct lab_host_rt *h, const char *db,
                         int timeout_s);
/* Runs SQL; returns 0 or -1 with error "host H: SQL failed: message". */
int pg_exec(const struct lab_host_rt *h, PGconn *c, const char *sql);
/* First column of the first row as an owned string (NULL for SQL NULL); -1 on error. */
int pg_value(const struct lab_host_rt *h, PGconn *c, const char *sql, char **out);
/* Connects as admin, runs one statement, disconnects. */
int pg_run_once(const struct lab_rt *rt, const struct lab_host_rt *h, const char *sql);
/* Polls until the node accepts connections or `timeout_ms` passes. */
/* Polls until the node accepts connections or `timeout_ms` passes; gives up at once when
 * `pid` (the postmaster, 0 for unknown) has exited. */
int pg_wait_ready(const struct lab_rt *rt, const struct lab_host_rt *h, pid_t pid, int timeout_ms);

#endif
