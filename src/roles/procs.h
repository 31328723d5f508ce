/* Which role processes run on a lab host, by name: the PID file where the program keeps
 * one (checked to be a live process of that host), otherwise the host's processes by
 * command name and arguments. Everything goes through the host seam (provider/host.h). */
#ifndef PGDRILL_ROLES_PROCS_H
#define PGDRILL_ROLES_PROCS_H

#include <stdbool.h>
#include <stddef.h>

#include "provider/host.h"

/* The main process of a role on a host: "postgres" (the postmaster), "walreceiver" (a
 * standby's WAL receiver), "repmgrd", "haproxy", "agent", "receive-wal" (barman's
 * pg_receivewal), "barman-cron". False (and *out zeroed) when none runs. */
bool procs_find(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                struct host_proc *out);
/* True when the role process runs on the host. */
bool procs_running(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what);
/* Every live process of the host; returns how many (at most cap are stored). */
size_t procs_all(const struct lab_rt *rt, const struct lab_host_rt *h, struct host_proc *out,
                 size_t cap);
/* SIGKILLs every process named `comm` on the host and waits (bounded) until they are
 * gone: the backends a killed postmaster leaves behind hold its shared memory and
 * stop pg_rewind's single-user recovery. */
void procs_end_all(const struct lab_rt *rt, const struct lab_host_rt *h, const char *comm,
                   int timeout_ms);
/* Asks a process to stop with `sig`, waits up to timeout_ms, then SIGKILLs it and waits
 * again (bounded). True when it is gone. */
bool procs_stop(const struct lab_rt *rt, const struct lab_host_rt *h, const struct host_proc *p,
                int sig, int timeout_ms);
/* The names procs_find knows, for error messages. */
extern const char *const procs_names[];

#endif
