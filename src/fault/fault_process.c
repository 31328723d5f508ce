/* Process faults: kill with a signal, pause and resume, crash a whole host. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "roles/procs.h"
#include "util/error.h"
#include "util/proc.h"
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

/* How long a signalled process may take to end or stop before the fault counts as
 * without effect. */
#define EFFECT_WAIT_MS 5000

/* A stopped process: its state is T (or t) on the host. */
static void stopped_effect(struct fault_set *fs, const struct lab_host_rt *h,
                           const struct host_proc *p, int id)
{
	if (fs->rt->dry)
		return; /* nothing was done: nothing to see */
	struct host_proc now;
	long long deadline = proc_now_ms() + EFFECT_WAIT_MS;
	char seen[160];

	for (;;) {
		if (host_proc_of_pid(fs->rt, h, p->pid, &now) < 0 || now.start != p->start) {
			error_clear();
			snprintf(seen, sizeof(seen), "pid %d ended instead of stopping", (int)p->pid);
			fault_effect(fs, id, NULL, 0, seen);
			return;
		}
		if (now.state == 'T' || now.state == 't' || proc_now_ms() >= deadline)
			break;
		usleep(10000);
	}
	snprintf(seen, sizeof(seen), "pid %d is in state %c (%s)", (int)p->pid,
	         now.state ? now.state : '?',
	         now.state == 'T' || now.state == 't' ? "stopped" : "still running");
	fault_effect(fs, id, NULL, now.state == 'T' || now.state == 't', seen);
}

/* An ended process: gone within the wait, and what runs in its place now. */
static void ended_effect(struct fault_set *fs, const struct lab_host_rt *h, const char *process,
                         const struct host_proc *p, int sig, int id)
{
	if (fs->rt->dry)
		return; /* nothing was done: nothing to see */
	long long t0 = proc_now_ms();
	bool ended = host_proc_wait_end(fs->rt, h, p, EFFECT_WAIT_MS);
	struct host_proc next;
	char seen[256];

	if (!ended) {
		snprintf(seen, sizeof(seen), "pid %d still runs %d s after the signal (%s)",
		         (int)p->pid, EFFECT_WAIT_MS / 1000, strsignal(sig));
		fault_effect(fs, id, NULL, 0, seen);
		return;
	}
	if (procs_find(fs->rt, h, process, &next) && next.pid != p->pid)
		snprintf(seen, sizeof(seen), "pid %d ended within %lld ms; %s runs again as pid %d",
		         (int)p->pid, proc_now_ms() - t0, process, (int)next.pid);
	else
		snprintf(seen, sizeof(seen), "pid %d ended within %lld ms; no %s runs on %s",
		         (int)p->pid, proc_now_ms() - t0, process, h->def->name);
	error_clear();
	fault_effect(fs, id, NULL, 1, seen);
}

int fault_kill(struct fault_set *fs, const struct lab_host_rt *h, const char *process, int sig)
{
	struct host_proc p;
	char how[96];
	int id;

	if (target(fs->rt, h, process, &p) < 0)
		return -1;
	if (host_signal(fs->rt, h, &p, sig) < 0)
		return error_prefix("kill %s (pid %d): ", process, (int)p.pid);
	snprintf(how, sizeof(how), "signal %s to pid %d", strsignal(sig), (int)p.pid);
	id = fault_note(fs, "kill", h, process, how);
	/* The signals whose effect can be seen from outside: the process ends, or stops.
	 * (HUP, USR1, CONT... change what a process does, not whether it runs.) */
	if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGQUIT || sig == SIGABRT)
		ended_effect(fs, h, process, &p, sig, id);
	else if (sig == SIGSTOP)
		stopped_effect(fs, h, &p, id);
	return id;
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
	int id;

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
	id = fault_applied(fs, f, process, how);
	stopped_effect(fs, h, &p, id);
	return id;
}

int fault_crash(struct fault_set *fs, const struct lab_host_rt *h)
{
	struct host_proc procs[1024];
	size_t n = procs_all(fs->rt, h, procs, 1024), i;
	char how[96];

	if (n == 0)
		return error_set("host %s runs no process to crash", h->def->name);
	long long deadline;
	size_t left = 0;
	char seen[128];
	int id;

	for (i = 0; i < n && i < 1024; i++)
		host_signal(fs->rt, h, &procs[i], SIGKILL);
	error_clear(); /* some had ended with their parents: that is the crash */
	snprintf(how, sizeof(how), "SIGKILL to all %zu processes at once", n);
	id = fault_note(fs, "crash", h, "host", how);
	deadline = proc_now_ms() + EFFECT_WAIT_MS;
	for (i = 0; i < n && i < 1024; i++) {
		long long wait = deadline - proc_now_ms();

		left += !host_proc_wait_end(fs->rt, h, &procs[i], wait > 0 ? (int)wait : 0);
	}
	if (left)
		snprintf(seen, sizeof(seen), "%zu of the %zu processes still run %d s later", left,
		         n, EFFECT_WAIT_MS / 1000);
	else
		snprintf(seen, sizeof(seen), "all %zu processes ended", n);
	fault_effect(fs, id, NULL, left == 0, seen);
	return id;
}
