/* A provider turns the lab model into hosts that can run commands. Each back-end is one
 * static instance of provider_ops; the runtime view of a lab (names, paths, addresses
 * of its hosts) is shared by all of them. */
#ifndef PGDRILL_PROVIDER_PROVIDER_H
#define PGDRILL_PROVIDER_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "lab/model.h"
#include "provider/state.h"
#include "util/proc.h"

struct remote_host; /* a host reached over SSH (provider/existing.c) */

struct lab_host_rt {
	const struct lab_host *def;
	struct remote_host *remote; /* existing: the host's SSH link; NULL otherwise */
	char *netns;      /* namespace name, e.g. pgd-tutorial.postgres1 */
	char *netns_path; /* /run/netns/... */
	char *host_root;  /* the host's root as its processes see it (netns: its own disk) */
	char *log_dir;    /* process logs, outside the disk so a full disk still logs */
	/* Where the host keeps what pgdrill's layout has under host_root, when elsewhere
	 * (existing hosts: declared in the lab file, or discovered); NULL: under host_root.
	 * host_path() maps onto them. */
	struct host_places {
		char *data;        /* "data" */
		char *config;      /* "data/postgresql.conf" */
		char *hba;         /* "data/pg_hba.conf" */
		char *repmgr_conf; /* "conf/repmgr.conf" */
		char *pgpass;      /* "conf/pgpass" */
		char *barman_conf; /* "conf/barman.conf" */
		char *haproxy_socket; /* "run/haproxy.sock" */
		char *barman_home; /* "barman": barman's own (discovered with show-server) */
		char *server_log;  /* the "postgres" log, when the server writes it elsewhere */
	} places;
	char addr[16];
	int index; /* position in the lab file */
};

struct lab_rt;

struct host_proc;

/* One instance per back-end. The file operations get a path already checked by
 * provider/host.c (relative, no '..', no control characters). */
struct provider_ops {
	const char *name;
	/* Taking the lab apart undoes any fault on its hosts (they exist only for the lab):
	 * `down` may go ahead when a fault's own revert failed. */
	bool destroy_undoes_faults;
	/* `up` builds the hosts and their cluster (netns); otherwise they exist already and
	 * `up` only checks them (existing). */
	bool builds_hosts;
	/* pgdrill reaches PostgreSQL as its superuser over the network, from the client
	 * network, with the password (existing); otherwise over the node's own Unix socket
	 * (peer authentication). */
	bool admin_over_network;
	/* Network and disks; every resource recorded in the state file before it exists. */
	int (*create)(struct lab_rt *rt);
	/* Removes what pgdrill keeps on hosts it did not build (its logs there), before
	 * `destroy`; NULL when the hosts go with the lab. Says on `say` what it could not
	 * remove, with the command; returns how many hosts that was. */
	int (*forget)(const struct lab_rt *rt, FILE *say);
	/* Everything the state file of LAB_DIR names, processes first. Works without the lab
	 * file and after any crash; removing what is already gone is not an error. */
	int (*destroy)(const char *lab_dir);
	/* Per-lab runtime state of the provider (optional): made by lab_rt_init, freed by
	 * lab_rt_free. */
	int (*rt_init)(struct lab_rt *rt);
	void (*rt_free)(struct lab_rt *rt);
	/* 0 when the host answers (for SSH: connected, host key verified, logged in). */
	int (*reach)(const struct lab_rt *rt, const struct lab_host_rt *h);
	/* Runs a command on the host to completion (see host_run). */
	int (*run)(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
	           struct proc_result *res);
	/* Starts a long-running process on the host, stdout and stderr appended to
	 * `log_path` (a path on the host); the process (PID and start time) on the host. */
	int (*spawn)(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
	             const char *log_path, struct host_proc *out);
	/* Adjust a process spec so that it runs on the host as a local process; NULL for
	 * providers whose hosts are not local (then nothing is started in the background). */
	void (*place)(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec);

	/* Files under the host's root (see provider/host.h for each contract). */
	int (*put_file)(const struct lab_host_rt *h, const char *rel, const char *data, size_t len,
	                mode_t mode, const char *owner);
	int (*get_file)(const struct lab_host_rt *h, const char *rel, size_t max, char **out,
	                size_t *len);
	int (*put_log)(const struct lab_host_rt *h, const char *what, const char *text);
	/* The log's bytes from offset `from` (from its start when it is shorter than that:
	 * it was replaced), at most `max` of them, and its size now. */
	int (*get_log)(const struct lab_host_rt *h, const char *what, long long from, size_t max,
	               char **out, long long *size);
	int (*make_dir)(const struct lab_host_rt *h, const char *rel, mode_t mode,
	                const char *owner);
	int (*remove)(const struct lab_host_rt *h, const char *rel);
	int (*exists)(const struct lab_host_rt *h, const char *rel);
	int (*free_space)(const struct lab_host_rt *h, const char *rel, unsigned long long *avail);
	int (*allocate)(const struct lab_host_rt *h, const char *rel, unsigned long long size);

	/* Puts one of pgdrill's helper programs (`name`) into pgdrill's own directory on the
	 * host, which goes when the lab is forgotten; its path there (owned), or NULL with the
	 * error set. NULL for providers whose hosts run among pgdrill's own files. */
	char *(*put_helper)(const struct lab_host_rt *h, const char *name, const char *data,
	                    size_t len);

	int (*unix_request)(const struct lab_host_rt *h, const char *rel, const char *request,
	                    int timeout_ms, size_t max, char **out);

	void (*release_pg_shm)(const struct lab_host_rt *h, const char *rel);

	/* The harness's client network: entered by the calling thread. */
	int (*client_enter)(const struct lab_rt *rt, int *back);
	void (*client_leave)(const struct lab_rt *rt, int back);

	/* Processes of the host. */
	size_t (*find_procs)(const struct lab_host_rt *h, const char *comm, const char *arg,
	                     struct host_proc *out, size_t cap);
	int (*proc_of_pid)(const struct lab_host_rt *h, pid_t pid, struct host_proc *out);
	int (*signal)(const struct lab_host_rt *h, const struct host_proc *p, int sig);
};

/* Who wants to know which commands ran on the lab's hosts, and why: `pgdrill run` records
 * the commands of faults and heals in the journal (the runbook the drills proved). While
 * `phase` is NULL nothing is recorded. */
struct command_recorder {
	void (*record)(void *ud, const char *phase, const struct lab_host_rt *h,
	               const struct proc_spec *spec, const struct proc_result *res, double seconds);
	void *ud;
	const char *phase;
};

struct lab_rt {
	const struct lab *lab;
	const struct provider_ops *ops;
	char *lab_dir;
	char *hosts_file;   /* /etc/hosts of every lab host */
	char *client_netns; /* the harness's own client namespace inside the lab */
	char *client_netns_path;
	char client_addr[16];
	struct lab_host_rt *hosts;
	size_t nhosts;
	struct state_file state;
	bool accept_new_host_keys; /* existing: record unknown host keys (printed to `say`) */
	FILE *say;                 /* where such news goes; NULL: stderr */
	struct command_recorder *commands; /* NULL: none */
	struct dry_run *dry;               /* NULL: the real thing */
};

/* A dry run (`pgdrill run --dry-run`): whatever would change a host is printed to `out`
 * instead of done (provider/host.c); what only reads is done. */
struct dry_run {
	FILE *out;
	unsigned actions; /* printed so far */
};

extern const struct provider_ops provider_netns;
extern const struct provider_ops provider_existing;

/* Takes apart the lab whose state file is in LAB_DIR with the provider that file names
 * (state files from before the provider was recorded are netns labs). */
int provider_destroy_lab(const char *lab_dir);

/* Names and paths only: no side effects. Fails for providers not built yet. */
int lab_rt_init(struct lab_rt *rt, const struct lab *lab);
void lab_rt_free(struct lab_rt *rt);
const struct lab_host_rt *lab_rt_host(const struct lab_rt *rt, const char *name);
/* The first host of a role, or NULL. */
const struct lab_host_rt *lab_rt_by_role(const struct lab_rt *rt, enum host_role role);


#endif
