/* One step of building or running a lab: a command on a host whose failure is reported
 * with the host, the step, the command, its stderr and the tail of the log that says why. */
#ifndef PGDRILL_ROLES_STEP_H
#define PGDRILL_ROLES_STEP_H

#include "provider/host.h"

struct step_cmd {
	const char *user;
	char *const *argv; /* the command... */
	char *const *args; /* ...and, when set, more arguments after it (a tool's subcommand) */
	char *const *env;
	const char *input;
	const char *log; /* the host's log (`what`.log) quoted when the step fails, or NULL */
	int timeout_ms;       /* 0: 60 s */
	int *status; /* when set, any exit status is an answer (stored here), not a failure */
	bool reads_only; /* a query that changes nothing: run even in a dry run */
};

/* Runs the command; 0 when it exits 0 (or with c->status, when it ran at all). *out
 * (optional) gets its stdout. */
int step_run(const struct lab_rt *rt, const struct lab_host_rt *h, const char *step,
             const struct step_cmd *c, char **out);
/* Builds the failure message for a finished command (also for parallel steps). */
int step_fail(const struct lab_rt *rt, const struct lab_host_rt *h, const char *step,
              char *const *argv, const struct proc_result *res, const char *log);

#endif
