/* Which processes run on a lab host, found the same way teardown finds them: by the
 * network namespace they live in (PID files first where the program keeps one). */
#ifndef PGDRILL_ROLES_PROCS_H
#define PGDRILL_ROLES_PROCS_H

#include <sys/types.h>

#include "provider/provider.h"

/* The main process of a role on a host: "postgres" (the postmaster), "walreceiver" (a
 * standby's WAL receiver), "repmgrd",
 * "haproxy", "agent", "receive-wal" (barman's pg_receivewal), "barman-cron". 0 if none. */
pid_t procs_find(const struct lab_host_rt *h, const char *what);
/* Every live process of the host; returns how many (at most cap are stored). */
size_t procs_all(const struct lab_host_rt *h, pid_t *out, size_t cap);
/* SIGKILLs every process named `comm` on the host and waits (bounded) until they are
 * gone: the backends a killed postmaster leaves behind hold its shared memory and
 * stop pg_rewind's single-user recovery. */
void procs_end_all(const struct lab_host_rt *h, const char *comm, int timeout_ms);
/* The names procs_find knows, for error messages. */
extern const char *const procs_names[];

#endif
