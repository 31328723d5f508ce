/* A node's data directory as a copy of one initdb kept under STATE_DIR/cache: initdb runs
 * once per PostgreSQL build and initdb options, not once per lab. */
#ifndef PGDRILL_ROLES_PG_TEMPLATE_H
#define PGDRILL_ROLES_PG_TEMPLATE_H

#include "provider/provider.h"

/* Fills the host's (empty) data directory from the template, making the template first
 * when there is none for this PostgreSQL build. The superuser has no password in it:
 * the roles step sets the lab's. Only where the provider runs local processes
 * (host_can_start). 0, or -1 with the error set (host, step, command, stderr). */
int pg_template_copy(const struct lab_rt *rt, const struct lab_host_rt *h);

#endif
