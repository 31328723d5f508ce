/* `pgdrill audit --html`: the audit as a page of the same look as the drills' report,
 * rendered from the audit's JSON (audit_format_json) alone: the report needs nothing of
 * the audit but its output. */
#ifndef PGDRILL_REPORT_AUDIT_PAGE_H
#define PGDRILL_REPORT_AUDIT_PAGE_H

#include <json-c/json.h>

#include "util/strbuf.h"

void report_audit_html(json_object *audit, struct strbuf *out);

#endif
