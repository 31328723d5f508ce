/* Bringing a whole lab up (phase by phase, with progress) and down. */
#ifndef PGDRILL_ROLES_CLUSTER_H
#define PGDRILL_ROLES_CLUSTER_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "provider/provider.h"

enum lab_presence { LAB_ABSENT, LAB_PARTIAL, LAB_UP };

struct up_options {
	FILE *progress;                     /* phase lines; NULL for none */
	bool keep_on_failure;               /* leave a failed lab for inspection */
	volatile sig_atomic_t *interrupted; /* set by a signal handler: stop between steps */
};

struct up_report {
	double phase_s[16];
	const char *phase_name[16];
	int nphases;
	double to_writes_s; /* from nothing to a write committed through haproxy */
	double total_s;
};

enum lab_presence cluster_presence(const struct lab_rt *rt);
/* 0 when the lab is up; on failure the error is set and (unless keep_on_failure) every
 * resource made so far is removed again. */
int cluster_up(struct lab_rt *rt, const struct up_options *o, struct up_report *report);
int cluster_down(const char *lab_dir);
/* `pgdrill agent` on a PostgreSQL host, for haproxy's http-agent checks. */
int cluster_start_agent(struct lab_rt *rt, const struct lab_host_rt *h);

#endif
