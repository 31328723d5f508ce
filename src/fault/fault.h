/* Faults a drill injects. Each records what was done (mechanism, target, signal, times)
 * in the journal. A fault that leaves something behind is of a `fault_kind`: its state
 * (all its revert needs, one line of text) goes into the lab's state file *before* the
 * fault is applied, so that it is reverted when the scenario ends, however it ends, and
 * also when pgdrill itself died: the next run and `pgdrill down` revert what the state
 * file still records. */
#ifndef PGDRILL_FAULT_FAULT_H
#define PGDRILL_FAULT_FAULT_H

#include <stdbool.h>
#include <sys/types.h>

#include "journal/journal.h"
#include "provider/host.h"

struct fault_set;
struct fault;
struct strbuf;

/* How one kind of fault is undone, from its recorded state alone. */
struct fault_kind {
	const char *name;
	size_t state_size;
	/* Parses recorded state text (hostile: it comes back from a file) into the kind's
	 * own struct of state_size bytes; error set when it is not of the kind's form. */
	int (*parse)(const char *text, void *state);
	/* Undoes the fault; undoing one that is already undone is not an error. */
	int (*revert)(struct lab_rt *rt, const struct lab_host_rt *h, const void *state);
	/* What a DBA runs on the host to undo it by hand (owned), for when pgdrill cannot. */
	char *(*by_hand)(const struct lab_host_rt *h, const void *state);
	/* Whether the fault bit, looked at just before it is reverted (NULL: the kind proves
	 * it when applying, with fault_effect): 1 it did, 0 it did not, -1 cannot tell (error
	 * set); what was seen, in words, into `seen`. */
	int (*effect)(struct fault_set *fs, const struct fault *f, const void *state,
	              struct strbuf *seen);
};

extern const struct fault_kind fault_kind_pause, fault_kind_fill_disk, fault_kind_break_hba,
    fault_kind_partition, fault_kind_loss, fault_kind_link_down, fault_kind_barman_restore,
    fault_kind_delay, fault_kind_haproxy_check;

struct fault {
	int id;
	char kind[32];
	const struct fault_kind *type; /* NULL: nothing to undo (the heal restarts what died) */
	char host[64];
	char target[128];
	char token[32]; /* its name in the state file: unique across runs */
	char *state;    /* the recorded state text */
	double start, end; /* journal seconds; end < 0 while active */
	bool active;
	bool effect_seen; /* its evidence is recorded (once per fault) */
	/* Where the host's logs (FAULT_LOGS) ended when the fault was applied, in bytes (-1:
	 * none), for kinds whose evidence is what a service logged afterwards. */
	long long log_mark[4];
};

/* The logs whose lines after a fault's mark are its evidence: PostgreSQL's, barman's,
 * pg_receivewal's (under barman-cron), repmgrd's. */
#define FAULT_LOGS {"postgres", "barman", "barman-cron", "repmgrd"}

struct fault_set {
	struct lab_rt *rt;
	struct journal *j;
	struct fault *items;
	size_t count;
	double asked; /* journal seconds when the drill asked for the latest fault; -1: unknown */
};

void fault_set_init(struct fault_set *fs, struct lab_rt *rt, struct journal *j);
/* Reverts the active faults, newest first; returns how many failed (logged). */
int fault_revert_all(struct fault_set *fs);
int fault_revert_one(struct fault_set *fs, int id);
void fault_set_free(struct fault_set *fs);

/* Reverts, newest first, every fault the state entries record as applied and not
 * reverted (a run that was killed), recording each one reverted; `say` tells what
 * happens, and for a fault that cannot be reverted, the command that reverts it by hand.
 * Returns how many could not be reverted. */
int fault_revert_recorded(struct lab_rt *rt, const struct state_entry *e, size_t n,
                          void (*say)(void *ud, const char *line), void *ud);
/* How many faults the entries record as still applied. */
size_t fault_count_recorded(const struct state_entry *e, size_t n);

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
/* Every packet the host sends (to the peers, or to anyone) is held `delay_ms`, plus or
 * minus up to `jitter_ms`, by pgdrill's delayer inside the host (iptables' NFQUEUE: no
 * netem here). Hosts pgdrill builds only. */
int fault_delay(struct fault_set *fs, const struct lab_host_rt *h, int delay_ms, int jitter_ms,
                const struct lab_host_rt *const *peers, size_t npeers);
/* haproxy's listener `listener` checks its servers with `style` ("pgsql-check",
 * "tcp-check", "http-agent") instead of its own, and haproxy restarts; reverted by a
 * restart with the lab's own config. Labs pgdrill builds only. */
int fault_haproxy_check(struct fault_set *fs, const char *listener, const char *style);
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
 * (port PGDRILL_RESTORE_PORT, loopback only). The backup is the newest one whose WAL
 * reaches the target (or the end of the archive); with from_oldest, the oldest one, which
 * proves that the archive is continuous across every failover since. */
#define PGDRILL_RESTORE_PORT "5499"
int fault_barman_restore(struct fault_set *fs, const char *target_time, bool from_oldest,
                         const struct lab_host_rt *spare);
/* The host where the restored server of an active barman_restore fault runs, with its
 * socket directory (relative to the host's root) and port; NULL when none is active. */
const struct lab_host_rt *fault_restored_server(const struct fault_set *fs,
                                                const char **sock_rel, long *port);

/* For the kinds: a fault of `type` on `h`, recorded with its state text before it is
 * applied (NULL, error set, when the record cannot be written). Then exactly one of
 * fault_applied (it bit: announced, its id returned) or fault_failed (undone quietly,
 * forgotten, the apply's error kept; returns -1). fault_restate records a new state. */
struct fault *fault_begin(struct fault_set *fs, const struct fault_kind *type,
                          const struct lab_host_rt *h, const char *state);
/* The token the next fault will have, for state that names things after it. */
void fault_next_token(char token[32]);
int fault_restate(struct fault_set *fs, struct fault *f, const char *state);
int fault_applied(struct fault_set *fs, struct fault *f, const char *target, const char *how);
int fault_failed(struct fault_set *fs, struct fault *f);
/* A fault that leaves nothing to undo (kill, crash, switchover, rejoin): announced. */
int fault_note(struct fault_set *fs, const char *kind, const struct lab_host_rt *h,
               const char *target, const char *how);
/* The evidence that fault `id` bit (bit 1), did not (0: the drill fails with "the fault
 * had no effect: SEEN") or cannot be told (-1): an "effect" event and a check of the
 * drill. `what` NULL: the kind's own evidence, recorded once per fault; otherwise what the
 * scenario expected to see (drill.expect_effect), a check of its own. */
void fault_effect(struct fault_set *fs, int id, const char *what, int bit, const char *seen);
/* Marks where the fault's host's logs end now; fault_logs_since finds `needle` after the
 * mark and returns the line (owned; NULL when none). */
void fault_mark_logs(struct fault_set *fs, struct fault *f);
char *fault_logs_since(struct fault_set *fs, const struct fault *f, const char *needle);
/* The kind's effect looked at, once, before the fault is reverted. */
void fault_effect_before_revert(struct fault_set *fs, struct fault *f);

/* The kind's state parsed into `state` (the kind's struct); error set when not. */
int fault_parse_state(const struct fault_kind *type, const char *text, void *state);
/* "PID STARTTIME" of a recorded process (PID 2 .. 2^22); error set when not. */
int fault_parse_proc(const char *text, struct host_proc *out);
int signal_number(const char *name);

#endif
