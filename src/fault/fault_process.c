/* Process faults: kill with a signal, pause and resume, crash a whole host. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fault/fault.h"
#include "roles/procs.h"
#include "util/error.h"

static int target(const struct lab_rt *rt, const struct lab_host_rt *h, const char *process,
                  struct host_proc *out)
{
	size_t i;

	for (i = 0; procs_names[i]; i++)
		if (strcmp(procs_names[i], process) == 0)
			break;
	if (!procs_names[i])
		return error_set(
		    "unknown process '%s': use postgres, walreceiver, repmgrd, haproxy, "
		    "agent, receive-wal or barman-cron",
		    process);
	if (!procs_find(rt, h, process, out))
		return error_set("host %s runs no %s", h->def->name, process);
	return 0;
}

int fault_kill(struct fault_set *fs, const struct lab_host_rt *h, const char *process, int sig)
{
	struct host_proc p;
	char how[96];
	struct fault *f;

	if (target(fs->rt, h, process, &p) < 0)
		return -1;
	if (host_signal(fs->rt, h, &p, sig) < 0)
		return error_prefix("kill %s (pid %d): ", process, (int)p.pid);
	snprintf(how, sizeof(how), "signal %s to pid %d", strsignal(sig), (int)p.pid);
	f = fault_add(fs, "kill", h, process, NULL, how);
	f->proc = p;
	return f->id;
}

static int resume(struct lab_rt *rt, struct fault *f)
{
	const struct lab_host_rt *h = lab_rt_host(rt, f->host);
	int rc;

	if (!h)
		return error_set("no host %s in the lab", f->host);
	rc = host_signal(rt, h, &f->proc, SIGCONT);
	if (rc == PD_ENOTFOUND) {
		error_clear(); /* gone: nothing left to resume */
		return 0;
	}
	return rc;
}

int fault_pause(struct fault_set *fs, const struct lab_host_rt *h, const char *process)
{
	struct host_proc p;
	char how[96];
	struct fault *f;

	if (target(fs->rt, h, process, &p) < 0)
		return -1;
	if (host_signal(fs->rt, h, &p, SIGSTOP) < 0)
		return error_prefix("SIGSTOP %s (pid %d): ", process, (int)p.pid);
	snprintf(how, sizeof(how), "SIGSTOP to pid %d (SIGCONT on revert)", (int)p.pid);
	f = fault_add(fs, "pause", h, process, resume, how);
	f->proc = p;
	return f->id;
}

int fault_crash(struct fault_set *fs, const struct lab_host_rt *h)
{
	struct host_proc procs[1024];
	size_t n = procs_all(fs->rt, h, procs, 1024), i;
	char how[96];

	if (n == 0)
		return error_set("host %s runs no process to crash", h->def->name);
	for (i = 0; i < n && i < 1024; i++)
		host_signal(fs->rt, h, &procs[i], SIGKILL);
	error_clear(); /* some had ended with their parents: that is the crash */
	snprintf(how, sizeof(how), "SIGKILL to all %zu processes at once", n);
	return fault_add(fs, "crash", h, "host", NULL, how)->id;
}
