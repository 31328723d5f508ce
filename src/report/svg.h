/* A drill's timeline as inline SVG: faults as shaded bands, the lab's events as marks,
 * the clients' writes per bucket as lanes (ok, failed, indeterminate), the RTO window,
 * write latency and standby lag on the same time axis. From the journal alone. */
#ifndef PGDRILL_REPORT_SVG_H
#define PGDRILL_REPORT_SVG_H

#include <json-c/json.h>

#include "util/strbuf.h"

void svg_timeline(struct strbuf *sb, json_object *scenario);

#endif
