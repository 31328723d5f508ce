/* Process faults: kill with a signal, pause and resume, crash a whole host. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fault/fault.h"
#include "roles/procs.h"
#include "util/error.h"
#include "util/strbuf.h"

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

	if (target(fs->rt, h, process, &p) < 0)
		return -1;
	if (host_signal(fs->rt, h, &p, sig) < 0)
		return error_prefix("kill %s (pid %d): ", process, (int)p.pid);
	snprintf(how, sizeof(how), "signal %s to pid %d", strsignal(sig), (int)p.pid);
	return fault_note(fs, "kill", h, process, how);
}

/* A paused process: resumed by PID, only while the PID still has its start time. */
struct pause_state {
	struct host_proc proc;
};

static int pause_parse(const char *text, void *state)
{
	struct pause_state *s = state;

	return fault_parse_proc(text, &s->proc);
}

static int resume(struct lab_rt *rt, const struct lab_host_rt *h, const void *state)
{
	const struct pause_state *s = state;
	int rc = host_signal(rt, h, &s->proc, SIGCONT);

	if (rc == PD_ENOTFOUND) {
		error_clear(); /* gone: nothing left to resume */
		return 0;
	}
	return rc;
}

static char *resume_by_hand(const struct lab_host_rt *h, const void *state)
{
	const struct pause_state *s = state;

	(void)h;
	return xasprintf("kill -CONT %d (if that PID is still the process paused, started at "
	                 "clock tick %llu after boot)",
	                 (int)s->proc.pid, s->proc.start);
}

const struct fault_kind fault_kind_pause = {
    .name = "pause",
    .state_size = sizeof(struct pause_state),
    .parse = pause_parse,
    .revert = resume,
    .by_hand = resume_by_hand,
};

int fault_pause(struct fault_set *fs, const struct lab_host_rt *h, const char *process)
{
	struct host_proc p;
	char how[96], state[64];
	struct fault *f;

	if (target(fs->rt, h, process, &p) < 0)
		return -1;
	snprintf(state, sizeof(state), "%d %llu", (int)p.pid, p.start);
	f = fault_begin(fs, &fault_kind_pause, h, state);
	if (!f)
		return -1;
	if (host_signal(fs->rt, h, &p, SIGSTOP) < 0) {
		error_prefix("SIGSTOP %s (pid %d): ", process, (int)p.pid);
		return fault_failed(fs, f);
	}
	snprintf(how, sizeof(how), "SIGSTOP to pid %d (SIGCONT on revert)", (int)p.pid);
	return fault_applied(fs, f, process, how);
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
	return fault_note(fs, "crash", h, "host", how);
}
