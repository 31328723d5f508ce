/* Why writes fail, as far as the lab shows it: what a failed write check adds to its
 * detail, so that "server closed the connection unexpectedly" comes with its cause. */
#ifndef PGDRILL_ROLES_DIAGNOSE_H
#define PGDRILL_ROLES_DIAGNOSE_H

#include "provider/provider.h"
#include "util/strbuf.h"

/* The causes of failing writes through listener `l` that the lab shows now, each a
 * sentence appended to `out`: no server accepts writes, or more than one does; haproxy
 * has no server UP in the listener, or routes it to a standby; the primary's commits wait
 * for synchronous standbys (sessions in SyncRep, synchronous_standby_names, standbys
 * streaming). Nothing appended when it sees none of these. */
void diagnose_writes(const struct lab_rt *rt, const struct lab_listener *l, struct strbuf *out);

#endif
