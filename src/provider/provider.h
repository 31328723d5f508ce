/* A provider turns the lab model into hosts that can run commands. Each back-end is one
 * static instance of provider_ops; the runtime view of a lab (names, paths, addresses
 * of its hosts) is shared by all of them. */
#ifndef PGDRILL_PROVIDER_PROVIDER_H
#define PGDRILL_PROVIDER_PROVIDER_H

#include <stddef.h>
#include <sys/types.h>

#include "lab/model.h"
#include "provider/state.h"
#include "util/proc.h"

struct lab_host_rt {
	const struct lab_host *def;
	char *netns;      /* namespace name, e.g. pgd-tutorial-postgres1 */
	char *netns_path; /* /run/netns/... */
	char *dir;        /* the host's own disk, mounted here */
	char *log_dir;    /* process logs, outside the disk so a full disk still logs */
	char addr[16];
	int index; /* position in the lab file */
};

struct lab_rt;

struct provider_ops {
	const char *name;
	/* Network and disks; every resource recorded in the state file before it exists. */
	int (*create)(struct lab_rt *rt);
	/* Everything the state file of LAB_DIR names, processes first. Works without the lab
	 * file and after any crash; removing what is already gone is not an error. */
	int (*destroy)(const char *lab_dir);
	/* Adjust a process spec so that it runs on the host. */
	void (*place)(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec);
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
};

extern const struct provider_ops provider_netns;

/* Names and paths only: no side effects. Fails for providers not built yet. */
int lab_rt_init(struct lab_rt *rt, const struct lab *lab);
void lab_rt_free(struct lab_rt *rt);
const struct lab_host_rt *lab_rt_host(const struct lab_rt *rt, const char *name);
/* The first host of a role, or NULL. */
const struct lab_host_rt *lab_rt_by_role(const struct lab_rt *rt, enum host_role role);

/* Run a command on a host to completion. */
int host_run(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
             struct proc_result *res);
int host_start(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
               struct proc_handle *out);
/* Start a long-running process on a host, logging to LOG_DIR/WHAT.log; its PID is
 * recorded in the state file. */
int host_spawn(struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
               const char *what, pid_t *out_pid);

#endif
