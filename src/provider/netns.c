/* The embedded provider: each host is a network namespace with its own address, disk
 * (tmpfs of the declared size: instant, and it can be grown or shrunk online by the disk
 * faults) and processes. A bridge lives in a namespace of its own; the lab subnet is
 * routed `unreachable` in the root namespace so that nothing of the lab ever leaves the
 * machine. */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/host.h"
#include "provider/netns_host.h"
#include "provider/provider.h"
#include "util/argv.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/pgshm.h"
#include "util/strbuf.h"

/* Runs one `ip -batch` (in namespace `ns` when given: batch lines take no -n). */
static int run_ip_batch(const char *ns, const char *script, const char *what)
{
	struct argv cmd = ARGV_INIT;
	struct proc_spec spec = {.input = script, .timeout_ms = 30000};
	struct proc_result res;
	int rc = 0;

	argv_add(&cmd, "ip");
	if (ns) {
		argv_add(&cmd, "-n");
		argv_add(&cmd, ns);
	}
	argv_add(&cmd, "-batch");
	argv_add(&cmd, "-");
	spec.argv = argv_get(&cmd);
	rc = proc_run(&spec, &res);
	argv_free(&cmd);
	if (rc < 0)
		return -1;
	if (res.status != 0) {
		char *tail = proc_tail(res.err, 5);

		rc = error_set("%s: 'ip%s%s -batch' failed (exit %d):\n%s", what, ns ? " -n " : "",
		               ns ? ns : "", res.status, tail);
		free(tail);
	}
	proc_result_free(&res);
	return rc;
}

static char *bridge_netns(const struct lab *lab)
{
	return xasprintf("pgd-%s.br", lab->name);
}

static int write_hosts_file(const struct lab_rt *rt)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int rc;

	strbuf_puts(&sb, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
	strbuf_printf(&sb, "%s\tpgdrill-client\n", rt->client_addr);
	for (i = 0; i < rt->nhosts; i++)
		strbuf_printf(&sb, "%s\t%s\n", rt->hosts[i].addr, rt->hosts[i].def->name);
	rc = fs_write_string(rt->hosts_file, strbuf_str(&sb), 0644, NULL);
	strbuf_free(&sb);
	return rc;
}

/* The root batch makes the namespace and the veth pair; the member's own batch gives its
 * end an address. Interface names are local to each namespace, so short fixed names
 * never clash with the machine's own or another lab's. */
static void add_member(struct strbuf *root, struct strbuf *br_ip, const char *br, const char *ns,
                       int idx)
{
	strbuf_printf(root, "netns add %s\n", ns);
	strbuf_printf(root, "link add h%d netns %s type veth peer name eth0 netns %s\n", idx, br,
	              ns);
	strbuf_printf(br_ip, "link set h%d master br0 up\n", idx);
}

static int configure_member(const char *ns, const char *addr, int prefix)
{
	char *script =
	    xasprintf("addr add %s/%d dev eth0\nlink set eth0 up\nlink set lo up\n", addr, prefix);
	int rc = run_ip_batch(ns, script, "configuring a lab host's network");

	free(script);
	return rc;
}

/* The lab subnet must not overlap anything this machine already routes (a real network,
 * or another lab): the unreachable route would cut it off. /proc/net/route holds the main
 * table of the root namespace, addresses in network byte order as little-endian hex. */
static int check_subnet_free(const struct lab *lab)
{
	const struct subnet *net = &lab->provider.subnet;
	char line[512], iface[64], sub[24];
	unsigned dest, gw, flags, refcnt, use, metric, mask;
	FILE *f = fopen("/proc/net/route", "r");
	int rc = 0;

	if (!f)
		return 0;
	units_format_subnet(net, sub, sizeof(sub));
	while (fgets(line, sizeof(line), f)) {
		uint32_t d, m, overlap_mask;

		if (sscanf(line, "%63s %x %x %x %u %u %u %x", iface, &dest, &gw, &flags, &refcnt,
		           &use, &metric, &mask) != 8 ||
		    mask == 0)
			continue;
		d = __builtin_bswap32(dest);
		m = __builtin_bswap32(mask);
		overlap_mask = m & subnet_mask(net->prefix);
		if ((d & overlap_mask) == (net->network & overlap_mask)) {
			char a[16];

			units_format_ipv4(d, a, sizeof(a));
			rc =
			    error_set("subnet %s of lab '%s' overlaps a route this machine already "
			              "has (%s/%d on %s); pick another provider.subnet",
			              sub, lab->name, a, __builtin_popcount(m), iface);
			break;
		}
	}
	fclose(f);
	return rc;
}

static int netns_create(struct lab_rt *rt)
{
	const struct lab *lab = rt->lab;
	struct strbuf ip = STRBUF_INIT, br_ip = STRBUF_INIT;
	char subnet[24];
	char *br = bridge_netns(lab);
	size_t i;
	int rc = -1;

	units_format_subnet(&lab->provider.subnet, subnet, sizeof(subnet));
	if (check_subnet_free(lab) < 0)
		goto cleanup;
	/* Intent first: every name goes to the state file before it exists. */
	if (state_append(&rt->state, STATE_ROUTE, "%s", subnet) < 0 ||
	    state_append(&rt->state, STATE_NETNS, "%s", br) < 0 ||
	    state_append(&rt->state, STATE_NETNS, "%s", rt->client_netns) < 0)
		goto cleanup;
	for (i = 0; i < rt->nhosts; i++)
		if (state_append(&rt->state, STATE_NETNS, "%s", rt->hosts[i].netns) < 0)
			goto cleanup;

	strbuf_printf(&ip, "route add unreachable %s\n", subnet);
	strbuf_printf(&ip, "netns add %s\n", br);
	strbuf_printf(&br_ip, "link set lo up\nlink add br0 type bridge\nlink set br0 up\n");
	add_member(&ip, &br_ip, br, rt->client_netns, 0);
	for (i = 0; i < rt->nhosts; i++)
		add_member(&ip, &br_ip, br, rt->hosts[i].netns, (int)i + 1);
	if (run_ip_batch(NULL, strbuf_str(&ip), "creating the lab network") < 0 ||
	    run_ip_batch(br, strbuf_str(&br_ip), "creating the lab bridge") < 0 ||
	    configure_member(rt->client_netns, rt->client_addr, lab->provider.subnet.prefix) < 0)
		goto cleanup;
	for (i = 0; i < rt->nhosts; i++)
		if (configure_member(rt->hosts[i].netns, rt->hosts[i].addr,
		                     lab->provider.subnet.prefix) < 0)
			goto cleanup;
	if (write_hosts_file(rt) < 0)
		goto cleanup;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];
		const char *own;
		char opts[64];

		/* The log directory is root's alone: pgdrill opens the logs of what it starts,
		 * and makes, owned by their writer, the ones programs open themselves. */
		if (fs_mkdir_p(h->host_root, 0755, NULL) < 0 || fs_mkdir_p(h->log_dir, 0755, NULL) < 0)
			goto cleanup;
		own = h->def->role == ROLE_BARMAN ? "barman"
		      : h->def->role == ROLE_PRIMARY || h->def->role == ROLE_STANDBY ||
		              h->def->role == ROLE_SPARE
		          ? "postgres"
		          : NULL;
		if (own && netns_make_log(h, own, own) < 0)
			goto cleanup;
		if (state_append(&rt->state, STATE_MOUNT, "%s", h->host_root) < 0)
			goto cleanup;
		snprintf(opts, sizeof(opts), "size=%llu,mode=0755",
		         (unsigned long long)h->def->disk);
		if (mount("pgdrill", h->host_root, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0) {
			error_set("host %s: cannot mount its %llu-byte disk on %s: %s",
			          h->def->name, (unsigned long long)h->def->disk, h->host_root,
			          strerror(errno));
			goto cleanup;
		}
	}
	rc = 0;
cleanup:
	strbuf_free(&ip);
	strbuf_free(&br_ip);
	free(br);
	return rc;
}

static void netns_place(const struct lab_rt *rt, const struct lab_host_rt *h,
                        struct proc_spec *spec)
{
	spec->netns = h ? h->netns_path : rt->client_netns_path;
	spec->hosts_file = rt->hosts_file;
}

static int netns_run(const struct lab_rt *rt, const struct lab_host_rt *h, struct proc_spec *spec,
                     struct proc_result *res)
{
	netns_place(rt, h, spec);
	return proc_run(spec, res);
}

static int netns_spawn(const struct lab_rt *rt, const struct lab_host_rt *h,
                       struct proc_spec *spec, const char *log_path, struct host_proc *out)
{
	pid_t pid;
	int rc;

	netns_place(rt, h, spec);
	spec->log_path = log_path;
	rc = proc_spawn(spec, &pid);
	spec->log_path = NULL;
	if (rc < 0)
		return -1;
	out->pid = pid;
	out->start = proc_start_time(pid);
	return 0;
}

/* ---- teardown ---- */

/* Processes of one lab that teardown keeps track of; a lab has a few dozen. */
#define LAB_MAX_PROCS 1024

struct ns_set {
	ino_t *inodes;
	size_t count;
};

static void ns_set_add(struct ns_set *s, const char *name)
{
	char *path = xasprintf("/run/netns/%s", name);
	struct stat st;

	if (stat(path, &st) == 0) {
		s->inodes = xrealloc(s->inodes, (s->count + 1) * sizeof(*s->inodes));
		s->inodes[s->count++] = st.st_ino;
	}
	free(path);
}

/* The signal that stops one lab process quickly and cleanly: PostgreSQL's processes get
 * SIGQUIT (an immediate shutdown: no shutdown checkpoint, which took most of a second
 * per node, for data that is removed right after; the postmaster still removes its
 * shared memory), every other daemon SIGINT. */
static int stop_signal(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "re"))) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
	}
	return strcmp(comm, "postgres\n") == 0 ? SIGQUIT : SIGINT;
}

static int kill_signal(pid_t pid)
{
	(void)pid;
	return SIGKILL;
}

/* Signal 0: only whether the process is there. */
static int no_signal(pid_t pid)
{
	(void)pid;
	return 0;
}

/* Signals every process inside one of the lab's namespaces: exactly the processes the
 * lab started (and their children), whatever re-parented or renamed them. Each gets the
 * signal `choose` picks for it. */
static size_t signal_lab_processes(const struct ns_set *set, int (*choose)(pid_t), pid_t *hit,
                                   size_t cap)
{
	struct dirent *de;
	size_t hits = 0, i;
	DIR *d;

	if (set->count == 0 || !(d = opendir("/proc")))
		return 0;
	while ((de = readdir(d))) {
		char path[64];
		struct stat st;
		pid_t pid = (pid_t)atoi(de->d_name);

		if (pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
		if (stat(path, &st) < 0)
			continue;
		for (i = 0; i < set->count; i++) {
			if (st.st_ino == set->inodes[i]) {
				kill(pid, choose(pid));
				if (hit && hits < cap)
					hit[hits] = pid;
				hits++;
				break;
			}
		}
	}
	closedir(d);
	return hits;
}

static void wait_ended(const pid_t *pids, size_t n, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	size_t i;

	for (i = 0; i < n; i++)
		while (!process_is_zombie(pids[i]) && proc_now_ms() < deadline)
			usleep(5000);
}

/* 1 when PATH is a mount point holding pgdrill's tmpfs, 0 when nothing is mounted
 * there, -1 when something else is. From /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT
 * MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPEROPTIONS". */
static int lab_disk_mounted(const char *path)
{
	char line[4096], point[2048], type[64], source[256];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *dash = strstr(line, " - ");

		if (sscanf(line, "%*s %*s %*s %*s %2047s", point) != 1 || strcmp(point, path) != 0)
			continue;
		if (dash && sscanf(dash, " - %63s %255s", type, source) == 2 &&
		    strcmp(type, "tmpfs") == 0 && strcmp(source, "pgdrill") == 0)
			found = found < 0 ? found : 1;
		else
			found = -1;
	}
	fclose(f);
	return found;
}

static int netns_destroy(const char *lab_dir)
{
	pid_t seen[LAB_MAX_PROCS];
	size_t nseen;
	struct state_entry *e = NULL;
	struct ns_set set = {0};
	struct strbuf ip = STRBUF_INIT;
	size_t n = 0, i;
	int rc, round, foreign_mount = 0;

	rc = state_load_trusted(lab_dir, &e, &n);
	if (rc == PD_ENOTFOUND) {
		/* No state file: only a directory pgdrill made may go (an `up` killed before
		 * its first line), never one that merely has the lab's name. */
		error_clear();
		if (!fs_exists(lab_dir) || state_is_lab_dir(lab_dir))
			return fs_remove_tree(lab_dir);
		return error_set("%s has no state file and no pgdrill marker: it is not a lab "
		                 "directory of pgdrill, so nothing was removed",
		                 lab_dir);
	}
	if (rc < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (e[i].kind == STATE_NETNS)
			ns_set_add(&set, e[i].arg);

	/* A quick stop first so that every daemon cleans up after itself, then no mercy. */
	nseen = signal_lab_processes(&set, stop_signal, seen, LAB_MAX_PROCS);
	for (round = 0; round < 20; round++) {
		usleep(50000);
		if (signal_lab_processes(&set, no_signal, NULL, 0) == 0)
			break;
	}
	for (round = 0; round < 40; round++) {
		pid_t hit[LAB_MAX_PROCS];
		size_t nhit = signal_lab_processes(&set, kill_signal, hit, LAB_MAX_PROCS);

		if (nhit == 0)
			break;
		wait_ended(hit, nhit < LAB_MAX_PROCS ? nhit : LAB_MAX_PROCS, 2000);
	}
	/* A recorded daemon that died on its own before (a postmaster refusing its
	 * settings) is a zombie now, invisible in any namespace: it is waited for too, by
	 * its PID and start time (a reused PID only makes the wait longer). */
	for (i = 0; i < n && nseen < LAB_MAX_PROCS; i++) {
		unsigned long long start = 0;
		pid_t pid = (pid_t)atoi(e[i].arg);

		if (e[i].kind == STATE_PID && pid > 1 && sscanf(e[i].rest, "%llu", &start) == 1 &&
		    start && proc_start_time(pid) == start)
			seen[nseen++] = pid;
	}
	/* Every one has ended: a zombie holds no namespace, memory, file or mount, only its
	 * PID until its parent, PID 1 now, reaps it when it pleases (about once a second
	 * here). `down` does not wait for that. */
	wait_ended(seen, nseen < LAB_MAX_PROCS ? nseen : LAB_MAX_PROCS, 3000);

	for (i = n; i-- > 0;) {
		if (e[i].kind != STATE_MOUNT)
			continue;
		{
			char *data = xasprintf("%s/data", e[i].arg);

			pgshm_remove(data);
			free(data);
		}
		/* Only pgdrill's own tmpfs at exactly that place is unmounted. */
		rc = lab_disk_mounted(e[i].arg);
		if (rc < 0)
			foreign_mount = error_set("%s is mounted, but not as one of pgdrill's disks: "
			                          "left alone",
			                          e[i].arg);
		else if (rc == 1 && umount2(e[i].arg, MNT_DETACH) < 0 && errno != EINVAL &&
		         errno != ENOENT)
			error_set("cannot unmount %s: %s", e[i].arg, strerror(errno));
	}
	for (i = 0; i < n; i++) {
		char *p;

		if (e[i].kind == STATE_NETNS) {
			p = xasprintf("/run/netns/%s", e[i].arg);
			if (fs_exists(p))
				strbuf_printf(&ip, "netns delete %s\n", e[i].arg);
			free(p);
		} else if (e[i].kind == STATE_ROUTE) {
			strbuf_printf(&ip, "route del unreachable %s\n", e[i].arg);
		}
	}
	/* -force: keep going past a route that was recorded but never made. */
	if (ip.len) {
		char *argv[] = {"ip", "-force", "-batch", "-", NULL};
		struct proc_spec spec = {
		    .argv = argv, .input = strbuf_str(&ip), .timeout_ms = 30000};
		struct proc_result res;

		if (proc_run(&spec, &res) == 0)
			proc_result_free(&res);
	}
	strbuf_free(&ip);
	free(set.inodes);
	state_entries_free(e, n);
	rc = fs_remove_tree(lab_dir);
	return foreign_mount < 0 ? -1 : rc;
}

const struct provider_ops provider_netns = {
    .name = "netns",
    .destroy_undoes_faults = true, /* the hosts' processes, disks and links go with it */
    .builds_hosts = true,
    .create = netns_create,
    .destroy = netns_destroy,
    .run = netns_run,
    .spawn = netns_spawn,
    .place = netns_place,
    .put_file = netns_put_file,
    .get_file = netns_get_file,
    .put_log = netns_put_log,
    .get_log = netns_get_log,
    .make_dir = netns_make_dir,
    .remove = netns_remove,
    .exists = netns_exists,
    .free_space = netns_free_space,
    .allocate = netns_allocate,
    .unix_request = netns_unix_request,
    .release_pg_shm = netns_release_pg_shm,
    .client_enter = netns_client_enter,
    .client_leave = netns_client_leave,
    .find_procs = netns_find_procs,
    .proc_of_pid = netns_proc_of_pid,
    .signal = netns_signal,
};
