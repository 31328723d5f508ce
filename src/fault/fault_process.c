/* Process faults: kill with a signal, pause and resume, crash a whole host. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fault/fault.h"
#include "roles/procs.h"
#include "util/error.h"

static pid_t target_pid(const struct lab_host_rt *h, const char *process)
{
	size_t i;
	pid_t pid;

	for (i = 0; procs_names[i]; i++)
		if (strcmp(procs_names[i], process) == 0)
			break;
	if (!procs_names[i])
		return error_set(
		    "unknown process '%s': use postgres, walreceiver, repmgrd, haproxy, "
		    "agent, receive-wal or barman-cron",
		    process);
	pid = procs_find(h, process);
	if (!pid)
		return error_set("host %s runs no %s", h->def->name, process);
	return pid;
}

int fault_kill(struct fault_set *fs, const struct lab_host_rt *h, const char *process, int sig)
{
	pid_t pid = target_pid(h, process);
	char how[96];
	struct fault *f;

	if (pid < 0)
		return -1;
	if (kill(pid, sig) < 0)
		return error_set("host %s: kill %s (pid %d): %s", h->def->name, process, (int)pid,
		                 strerror(errno));
	snprintf(how, sizeof(how), "signal %s to pid %d", strsignal(sig), (int)pid);
	f = fault_add(fs, "kill", h, process, NULL, how);
	f->pid = pid;
	return f->id;
}

static int resume(struct lab_rt *rt, struct fault *f)
{
	(void)rt;
	if (kill(f->pid, SIGCONT) < 0 && errno != ESRCH)
		return error_set("SIGCONT to pid %d: %s", (int)f->pid, strerror(errno));
	return 0;
}

int fault_pause(struct fault_set *fs, const struct lab_host_rt *h, const char *process)
{
	pid_t pid = target_pid(h, process);
	char how[96];
	struct fault *f;

	if (pid < 0)
		return -1;
	if (kill(pid, SIGSTOP) < 0)
		return error_set("host %s: SIGSTOP %s (pid %d): %s", h->def->name, process,
		                 (int)pid, strerror(errno));
	snprintf(how, sizeof(how), "SIGSTOP to pid %d (SIGCONT on revert)", (int)pid);
	f = fault_add(fs, "pause", h, process, resume, how);
	f->pid = pid;
	return f->id;
}

int fault_crash(struct fault_set *fs, const struct lab_host_rt *h)
{
	pid_t pids[1024];
	size_t n = procs_all(h, pids, 1024), i;
	char how[96];

	if (n == 0)
		return error_set("host %s runs no process to crash", h->def->name);
	for (i = 0; i < n && i < 1024; i++)
		kill(pids[i], SIGKILL);
	snprintf(how, sizeof(how), "SIGKILL to all %zu processes at once", n);
	return fault_add(fs, "crash", h, "host", NULL, how)->id;
}
