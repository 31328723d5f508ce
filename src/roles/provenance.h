/* Where a run's figures come from: pgdrill's version and commit, the versions of the
 * cluster's software as the lab's hosts report them, the lab as resolved and its digest,
 * the machine and the person. For the journal, so that a report can say what it measured. */
#ifndef PGDRILL_ROLES_PROVENANCE_H
#define PGDRILL_ROLES_PROVENANCE_H

#include <json-c/json.h>

#include "provider/provider.h"

/* Owned. A version a host cannot report is "unknown: <why>"; nothing here fails. */
json_object *provenance_collect(const struct lab_rt *rt, const char *lab_path);

#endif
