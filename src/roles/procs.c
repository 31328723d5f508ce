#include "roles/procs.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"
#include "util/proc.h"

const char *const procs_names[] = {"postgres", "walreceiver", "repmgrd",     "haproxy",
                                   "agent",    "receive-wal", "barman-cron", NULL};

/* A PID file's first line, believed only when that PID is a live process of the host. */
static bool from_pid_file(const struct lab_rt *rt, const struct lab_host_rt *h, const char *rel,
                          struct host_proc *out)
{
	char *text = NULL;
	long pid = 0;
	bool found = false;

	if (host_get_file(rt, h, rel, &text, NULL) == 0) {
		char *end;

		pid = strtol(text, &end, 10);
		found = end != text && (*end == '\n' || *end == '\0') && pid > 1 &&
		        host_proc_of_pid(rt, h, (pid_t)pid, out) == 0;
	}
	error_clear();
	free(text);
	return found;
}

static bool find_one(const struct lab_rt *rt, const struct lab_host_rt *h, const char *comm,
                     const char *arg, struct host_proc *out)
{
	return host_find_procs(rt, h, comm, arg, out, 1) > 0;
}

bool procs_find(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what,
                struct host_proc *out)
{
	bool found = false;

	if (strcmp(what, "postgres") == 0)
		found = from_pid_file(rt, h, "data/postmaster.pid", out);
	else if (strcmp(what, "walreceiver") == 0)
		found = find_one(rt, h, "postgres", "walreceiver", out);
	else if (strcmp(what, "repmgrd") == 0)
		found = find_one(rt, h, "repmgrd", NULL, out);
	else if (strcmp(what, "haproxy") == 0)
		found = find_one(rt, h, "haproxy", NULL, out);
	else if (strcmp(what, "agent") == 0) {
		/* By its command line (cluster_start_agent's), whatever pgdrill's binary is
		 * called: an agent of a binary installed under another name was never found,
		 * and every heal started one that could not listen. */
		char *arg = xasprintf(" agent --listen %s ", h->addr);

		found = find_one(rt, h, NULL, arg, out);
		free(arg);
	}
	else if (strcmp(what, "receive-wal") == 0)
		found = find_one(rt, h, "pg_receivewal", NULL, out);
	else if (strcmp(what, "barman-cron") == 0)
		found = find_one(rt, h, "sh", "barman", out);
	if (!found)
		memset(out, 0, sizeof(*out));
	return found;
}

bool procs_running(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what)
{
	struct host_proc p;

	return procs_find(rt, h, what, &p);
}

size_t procs_all(const struct lab_rt *rt, const struct lab_host_rt *h, struct host_proc *out,
                 size_t cap)
{
	return host_find_procs(rt, h, NULL, NULL, out, cap);
}

void procs_end_all(const struct lab_rt *rt, const struct lab_host_rt *h, const char *comm,
                   int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	struct host_proc procs[256];
	size_t n, i;

	while ((n = host_find_procs(rt, h, comm, NULL, procs, 256)) > 0 &&
	       proc_now_ms() < deadline) {
		for (i = 0; i < n && i < 256; i++)
			host_signal(rt, h, &procs[i], SIGKILL);
		error_clear();
		usleep(20000);
	}
}

bool procs_stop(const struct lab_rt *rt, const struct lab_host_rt *h, const struct host_proc *p,
                int sig, int timeout_ms)
{
	bool gone;

	if (host_signal(rt, h, p, sig) == PD_ENOTFOUND) {
		error_clear();
		return true;
	}
	error_clear();
	if (host_proc_wait_end(rt, h, p, timeout_ms))
		return true;
	host_signal(rt, h, p, SIGKILL);
	error_clear();
	gone = host_proc_wait_end(rt, h, p, 5000);
	return gone;
}
