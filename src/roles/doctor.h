/* Checking hosts pgdrill did not build before anything is done to them: each answers
 * (host key verified, login accepted), pgdrill can act as root there, the tools its role
 * and the drills' faults need are installed, and the services of its role run. What is
 * missing is said per host with what it stops. */
#ifndef PGDRILL_ROLES_DOCTOR_H
#define PGDRILL_ROLES_DOCTOR_H

#include <stdio.h>

#include "provider/provider.h"
#include "util/strbuf.h"

struct doctor_report {
	int hosts_ok;      /* reached, root, role tools present */
	int blocking;      /* problems that stop every drill */
	int warnings;      /* problems that stop some drills (listed) */
};

/* Prints one line per host to `out` (NULL: quiet) and each problem under it, then what
 * its services say about it (roles/discover.h), appended to `facts` when not NULL; a
 * node's files found elsewhere than the lab says are used from then on (h->places).
 * Returns 0 when nothing blocks; -1 with the error naming the first blocking problem. */
int doctor_check(struct lab_rt *rt, FILE *out, struct strbuf *facts,
                 struct doctor_report *rep);

#endif
