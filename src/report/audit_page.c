#include "report/audit_page.h"

#include <string.h>

#include "report/fields.h"
#include "report/html.h"
#include "report/report.h"

static const char *const severities[] = {"critical", "high", "warning", "info"};

static void finding(struct strbuf *sb, json_object *f)
{
	const char *sev = field_str(f, "severity", "?");

	/* the two most severe read as failures, a warning as neither */
	html_fill(sb,
	          "<tr class=\"%t\"><td class=\"%t\">%s</td><td><code>%s</code></td>"
	          "<td><strong>%s</strong><br>evidence: <code>%s</code><br>consequence: %s"
	          "<br>fix: %s</td></tr>\n",
	          sev, (!strcmp(sev, "critical") || !strcmp(sev, "high")) ? "failed" : "", sev,
	          field_str(f, "rule", "?"), field_str(f, "title", ""), field_str(f, "evidence", ""),
	          field_str(f, "consequence", ""), field_str(f, "fix", ""));
}

/* The findings table and what was not checked; `sub` is the tag of the latter's heading. */
static void findings(struct strbuf *body, json_object *audit, const char *sub)
{
	json_object *counts = field_of(audit, "counts", json_type_object);
	json_object *list = field_of(audit, "findings", json_type_array);
	json_object *skipped = field_of(audit, "not_checked", json_type_array);
	size_t i, s;

	strbuf_puts(body, "<p class=\"meta\">provider ");
	markup_text(body, field_str(audit, "provider", "?"));
	for (s = 0; s < sizeof(severities) / sizeof(*severities); s++)
		strbuf_printf(body, "; %s: %.0f", severities[s], field_num(counts, severities[s], 0));
	strbuf_puts(body, "</p>\n<table data-audit=\"findings\"><thead><tr><th>severity</th>"
	                  "<th>rule</th><th>finding</th></tr></thead><tbody>\n");
	for (i = 0; i < field_len(list); i++)
		finding(body, field_at(list, i));
	strbuf_puts(body, "</tbody></table>\n");
	if (field_len(skipped)) {
		strbuf_printf(body, "<%s>Not checked</%s>\n<ul>\n", sub, sub);
		for (i = 0; i < field_len(skipped); i++) {
			strbuf_puts(body, "<li>");
			markup_text(body, json_object_get_string(field_at(skipped, i)));
			strbuf_puts(body, "</li>\n");
		}
		strbuf_puts(body, "</ul>\n");
	}
}

void report_audit_html(json_object *audit, struct strbuf *out)
{
	struct strbuf body = STRBUF_INIT, title = STRBUF_INIT;

	strbuf_puts(&title, "pgdrill audit: ");
	strbuf_puts(&title, field_str(audit, "lab", "?"));
	strbuf_puts(&body, "<h1>");
	markup_text(&body, strbuf_str(&title));
	strbuf_puts(&body, "</h1>\n");
	findings(&body, audit, "h2");
	report_page(out, strbuf_str(&title), strbuf_str(&body));
	strbuf_free(&body);
	strbuf_free(&title);
}

void report_audit_section(json_object *audit, struct strbuf *body)
{
	strbuf_puts(body, "<h2 id=\"audit\">Readiness audit after the drills</h2>\n");
	findings(body, audit, "h3");
}
