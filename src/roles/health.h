/* Is the lab healthy: exactly one primary, every standby streaming from it, haproxy's
 * checks agreeing on it. What drills require before a fault and after the revert. */
#ifndef PGDRILL_ROLES_HEALTH_H
#define PGDRILL_ROLES_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "provider/provider.h"

struct health {
	bool healthy;
	const struct lab_host_rt *primary; /* NULL unless exactly one */
	int primaries;
	char why[512]; /* the first thing wrong, for a person */
};

void health_assess(const struct lab_rt *rt, struct health *out);
/* The same for the nodes that still run: a node whose PostgreSQL does not answer (the
 * failed primary before its rejoin) is listed in `why`, not counted against the lab. */
void health_assess_survivors(const struct lab_rt *rt, struct health *out);
/* Polls until healthy or the timeout; 0 when healthy. `out` holds the last assessment. */
int health_wait(const struct lab_rt *rt, int timeout_ms, struct health *out);

#endif
