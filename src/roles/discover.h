/* Discovery on hosts pgdrill did not build: what their services say about themselves
 * (PostgreSQL's SHOW, repmgr's node table, haproxy's stats, barman's server list), set
 * beside what the lab declares and what pgdrill's layout of a node assumes. A fact that
 * contradicts the layout stops `up` there, instead of a drill failing halfway. */
#ifndef PGDRILL_ROLES_DISCOVER_H
#define PGDRILL_ROLES_DISCOVER_H

#include <stdio.h>

#include "provider/provider.h"
#include "util/strbuf.h"

/* What one host's facts came to. */
struct discover_counts {
	int blocking; /* facts that stop every drill */
	int warnings; /* facts that stop some drills (said with them) */
};

/* Asks the host's services, prints one line per fact under the host to `out` (NULL:
 * quiet), takes the node's postgresql.conf and pg_hba.conf from where its server says they
 * are unless the lab file declares them (host_place_adopt), and appends each fact to `facts` (NULL: not kept) as a line
 * "HOST\tFACT\tVALUE\tSOURCE\tVERDICT\n", VERDICT being "as declared", or what differs.
 * -1 with the error set when a fact blocks every drill (the first such). */
int discover_host(const struct lab_rt *rt, struct lab_host_rt *h, FILE *out,
                  struct strbuf *facts, struct discover_counts *counts);

/* Prints facts kept by discover_host (read back from the lab's state directory), one
 * per line after `prefix`; a line that is not one of them is skipped. */
void discover_print(FILE *out, const char *prefix, const char *facts);

#endif
