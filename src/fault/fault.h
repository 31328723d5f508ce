/* Faults a drill injects. Each records what was done (mechanism, target, signal, times)
 * in the journal and, where it leaves something behind, how to undo it: the registry
 * reverts every active fault when the scenario ends, however it ends. */
#ifndef PGDRILL_FAULT_FAULT_H
#define PGDRILL_FAULT_FAULT_H

#include <stdbool.h>
#include <sys/types.h>

#include "journal/journal.h"
#include "provider/host.h"

struct fault;
typedef int (*fault_revert_fn)(struct lab_rt *rt, struct fault *f);

struct fault {
	int id;
	char kind[32];
	char host[64];
	char target[128];
	double start, end; /* journal seconds; end < 0 while active */
	bool active;
	fault_revert_fn revert; /* NULL: nothing to undo (the heal restarts what was killed) */
	struct host_proc proc; /* the process a kill, pause or restore concerns */
	char *saved; /* what the revert restores (a file's old content, a path) */
	char *path;
};

struct fault_set {
	struct lab_rt *rt;
	struct journal *j;
	struct fault *items;
	size_t count;
};

void fault_set_init(struct fault_set *fs, struct lab_rt *rt, struct journal *j);
/* Reverts the active faults, newest first; returns how many failed (logged). */
int fault_revert_all(struct fault_set *fs);
int fault_revert_one(struct fault_set *fs, int id);
void fault_set_free(struct fault_set *fs);

/* Each returns the fault id (>= 1) or -1 with the error set. */
int fault_kill(struct fault_set *fs, const struct lab_host_rt *h, const char *process, int sig);
int fault_pause(struct fault_set *fs, const struct lab_host_rt *h, const char *process);
int fault_crash(struct fault_set *fs, const struct lab_host_rt *h);
int fault_fill_disk(struct fault_set *fs, const struct lab_host_rt *h, unsigned long long leave);
/* mode "reject": remote application clients and health checks refused; "syntax": a
 * line PostgreSQL cannot parse (it keeps the old rules and says so in its log). */
int fault_break_hba(struct fault_set *fs, const struct lab_host_rt *h, const char *mode);
/* Drops all traffic to and from the host (direction "both"), or only what it receives
 * ("in") or sends ("out"), with nftables inside its namespace; with peers, only the
 * traffic exchanged with those hosts (a partition between groups: call it for each host
 * of one side). */
int fault_partition(struct fault_set *fs, const struct lab_host_rt *h, const char *direction,
                    const struct lab_host_rt *const *peers, size_t npeers);
/* Drops `percent` (1..100) of the packets the host sends and receives, at random, only
 * those exchanged with the peers when there are any. */
int fault_loss(struct fault_set *fs, const struct lab_host_rt *h, int percent,
               const struct lab_host_rt *const *peers, size_t npeers);
/* The host's network interface goes down (a pulled cable). */
int fault_link_down(struct fault_set *fs, const struct lab_host_rt *h);
/* Rebuilds a node as a standby of the current primary: `repmgr node rejoin`, with
 * pg_rewind when `rewind` (PostgreSQL is stopped first). */
int fault_rejoin(struct fault_set *fs, const struct lab_host_rt *h, const struct lab_host_rt *p,
                 bool rewind);
/* A planned switchover from the primary `from` to the standby `to`. */
int fault_switchover(struct fault_set *fs, const struct lab_host_rt *to,
                     const struct lab_host_rt *from);

/* barman's latest backup restored (to the end of the archive, or to `target_time` when
 * given) and started: into `spare` (a host of role spare: its data directory, its own
 * address and the lab's port) or, when NULL, into a fresh directory on the barman host
 * (port PGDRILL_RESTORE_PORT, loopback only). */
#define PGDRILL_RESTORE_PORT "5499"
int fault_barman_restore(struct fault_set *fs, const char *target_time,
                         const struct lab_host_rt *spare);
/* Where the restored server of an active barman_restore fault listens: its socket
 * directory (borrowed) and port; NULL when none is active. */
const char *fault_restored_socket(const struct fault_set *fs, const char **port);

/* Internal: records a new fault and announces it. */
struct fault *fault_add(struct fault_set *fs, const char *kind, const struct lab_host_rt *h,
                        const char *target, fault_revert_fn revert, const char *how);
int signal_number(const char *name);

#endif
