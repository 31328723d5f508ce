/* A one-host netns lab in a scratch directory, for unit tests of the host seam and of
 * what runs on it: the host's root and log directory under DIR, the test's own network
 * namespace standing in for the host's. */
#ifndef PGDRILL_TESTS_SCRATCH_HOST_H
#define PGDRILL_TESTS_SCRATCH_HOST_H

#include "provider/provider.h"

/* Makes DIR (a mkdtemp template, filled in) with root/ and logs/ in it, and fills HOST
 * (named after DEF) and RT (that one host). 0, or -1. */
int scratch_host_init(char *dir, struct lab_host *def, struct lab_host_rt *host,
                      struct lab_rt *rt);
/* Removes DIR and frees what scratch_host_init allocated in HOST. */
void scratch_host_free(const char *dir, struct lab_host_rt *host);

#endif
