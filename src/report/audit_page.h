/* `pgdrill audit --html`: the audit as a page of the same look as the drills' report,
 * rendered from the audit's JSON (audit_format_json) alone: the report needs nothing of
 * the audit but its output. */
#ifndef PGDRILL_REPORT_AUDIT_PAGE_H
#define PGDRILL_REPORT_AUDIT_PAGE_H

#include <json-c/json.h>

#include "util/strbuf.h"

void report_audit_html(json_object *audit, struct strbuf *out);
/* The same findings as a section of the drills' report (`pgdrill run --audit`), into
 * the report's body. */
void report_audit_section(json_object *audit, struct strbuf *body);

#endif
