/* Reports from run journals: one self-contained HTML page (report.html) or Markdown for a
 * CI summary. Generated from journal.json alone, so an old run can be rendered again. */
#ifndef PGDRILL_REPORT_REPORT_H
#define PGDRILL_REPORT_REPORT_H

#include <json-c/json.h>
#include <stddef.h>

#include "util/strbuf.h"

struct report_run {
	const char *dir;      /* where it was read from, for the page */
	json_object *journal; /* borrowed */
};

/* RUN_DIR/journal.json parsed (a regular file of at most FS_READ_MAX bytes); NULL with the error set (path, and why). Owned. */
json_object *report_load_journal(const char *run_dir);
void report_html(const struct report_run *runs, size_t n, struct strbuf *out);
void report_markdown(const struct report_run *runs, size_t n, struct strbuf *out);

/* The page template (reports/page.html, reports/style.css) around `body`, which is
 * escaped already; `title` is escaped here. */
void report_page(struct strbuf *out, const char *title, const char *body);
/* Text made safe for a Markdown table cell. */
void report_md_cell(struct strbuf *sb, const char *s);

/* Shared by both renderers: what the readiness summary counts. */
struct readiness {
	size_t drills, drills_passed, checks, checks_passed;
};
void report_readiness(const struct report_run *runs, size_t n, struct readiness *out);

#endif
