/* The HTML report: a verdict strip with the readiness summary, then per drill its checks
 * against their objectives, its timeline, its lost writes, its events; then where the
 * figures come from. Everything from the journal is escaped (html.h). */
#include "report/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/audit_page.h"
#include "report/fields.h"
#include "report/html.h"
#include "report/phases.h"
#include "report/svg.h"
#include "util/error.h"
#include "util/fsutil.h"

extern const char report_page_html[];
extern const char report_style_css[];

json_object *report_load_journal(const char *run_dir)
{
	char *path = xasprintf("%s/journal.json", run_dir), *text = NULL;
	json_object *j = NULL;
	enum json_tokener_error jerr = json_tokener_success;
	size_t len = 0;

	int rc = fs_read_file(path, &text, &len);

	if (rc == PD_ENOTFOUND)
		error_set("%s: no journal.json there: name a directory `pgdrill run` wrote (under "
		          "runs/ by default)",
		          run_dir);
	if (rc < 0) {
		free(path);
		return NULL;
	}
	j = json_tokener_parse_verbose(text, &jerr);
	if (!j || !json_object_is_type(j, json_type_object)) {
		error_set("%s: not a pgdrill journal (%s)", path,
		          j ? "not a JSON object" : json_tokener_error_desc(jerr));
		json_object_put(j);
		j = NULL;
	} else if (!field_of(j, "scenarios", json_type_array)) {
		error_set("%s: not a pgdrill journal (no \"scenarios\")", path);
		json_object_put(j);
		j = NULL;
	}
	free(text);
	free(path);
	return j;
}

void report_readiness(const struct report_run *runs, size_t n, struct readiness *out)
{
	size_t r, i, k;

	memset(out, 0, sizeof(*out));
	for (r = 0; r < n; r++) {
		json_object *sc = field_of(runs[r].journal, "scenarios", json_type_array);

		for (i = 0; i < field_len(sc); i++) {
			json_object *s = field_at(sc, i), *checks = field_of(s, "checks", json_type_array);

			out->drills++;
			out->drills_passed += strcmp(field_str(s, "outcome", ""), "passed") == 0;
			for (k = 0; k < field_len(checks); k++) {
				out->checks++;
				out->checks_passed += field_bool(field_at(checks, k), "passed", false);
			}
		}
	}
}

static const char *outcome_class(const char *outcome)
{
	return strcmp(outcome, "passed") == 0 ? "passed"
	       : strcmp(outcome, "failed") == 0 ? "failed"
	                                        : "error";
}

static const char *outcome_word(const char *outcome)
{
	return strcmp(outcome, "passed") == 0   ? "PASSED"
	       : strcmp(outcome, "failed") == 0 ? "FAILED"
	                                        : "ERROR";
}

/* The check a drill is judged by first: its RTO, else its first failed check. */
static json_object *headline_check(json_object *s)
{
	json_object *checks = field_of(s, "checks", json_type_array);
	size_t i;

	for (i = 0; i < field_len(checks); i++)
		if (strcmp(field_str(field_at(checks, i), "name", ""), "rto") == 0)
			return field_at(checks, i);
	for (i = 0; i < field_len(checks); i++)
		if (!field_bool(field_at(checks, i), "passed", false))
			return field_at(checks, i);
	return NULL;
}

static void strip(struct strbuf *sb, const struct report_run *runs, size_t n)
{
	struct readiness rd;
	size_t r, i;

	report_readiness(runs, n, &rd);
	strbuf_printf(sb,
	              "<p class=\"readiness\" id=\"readiness\" data-drills=\"%zu\" "
	              "data-drills-passed=\"%zu\" data-checks=\"%zu\" data-checks-passed=\"%zu\">"
	              "<strong>%zu of %zu drills</strong> met every objective; readiness "
	              "score <strong>%.0f</strong> <span class=\"muted\">(= checks passed / checks "
	              "run &times; 100 = %zu / %zu &times; 100)</span></p>\n",
	              rd.drills, rd.drills_passed, rd.checks, rd.checks_passed, rd.drills_passed,
	              rd.drills, rd.checks ? 100.0 * (double)rd.checks_passed / (double)rd.checks : 0,
	              rd.checks_passed, rd.checks);
	strbuf_puts(sb, "<ul class=\"strip\">\n");
	for (r = 0; r < n; r++) {
		json_object *sc = field_of(runs[r].journal, "scenarios", json_type_array);

		for (i = 0; i < field_len(sc); i++) {
			json_object *s = field_at(sc, i), *c = headline_check(s);
			json_object *m = field_of(c, "measure", json_type_object);
			const char *outcome = field_str(s, "outcome", "error");

			strbuf_puts(sb, "<li class=\"");
			strbuf_puts(sb, outcome_class(outcome));
			strbuf_printf(sb, "\"><a href=\"#drill-%zu-%zu\" class=\"name\">", r, i);
			markup_text(sb, field_str(s, "name", "?"));
			strbuf_printf(sb, "</a><span class=\"verdict %s\">%s</span>",
			              outcome_class(outcome), outcome_word(outcome));
			if (m && field_has_num(m, "value")) {
				strbuf_puts(sb, "<br>");
				markup_text(sb, field_str(c, "name", ""));
				strbuf_puts(sb, " ");
				html_value(sb, field_num(m, "value", NAN), field_str(m, "unit", ""));
				if (field_has_num(m, "objective")) {
					strbuf_puts(sb, " of ");
					html_value(sb, field_num(m, "objective", NAN), field_str(m, "unit", ""));
				}
			}
			strbuf_puts(sb, "</li>\n");
		}
	}
	strbuf_puts(sb, "</ul>\n");
}

static void check_rows(struct strbuf *sb, json_object *checks)
{
	size_t i;

	strbuf_puts(sb, "<table class=\"checks\"><thead><tr><th>check</th><th>verdict</th>"
	                "<th>measured</th><th>objective</th><th>margin</th><th>figure</th></tr>"
	                "</thead><tbody>\n");
	for (i = 0; i < field_len(checks); i++) {
		json_object *c = field_at(checks, i), *m = field_of(c, "measure", json_type_object);
		bool passed = field_bool(c, "passed", false);
		const char *unit = field_str(m, "unit", "");

		strbuf_puts(sb, "<tr data-check=\"");
		markup_text(sb, field_str(c, "name", ""));
		strbuf_printf(sb, "\" data-passed=\"%s\"><td>", passed ? "true" : "false");
		markup_text(sb, field_str(c, "name", ""));
		strbuf_printf(sb, "</td><td class=\"verdict %s\">%s</td>", passed ? "passed" : "failed",
		              passed ? "passed" : "FAILED");
		if (m && field_has_num(m, "value")) {
			strbuf_printf(sb, "<td class=\"num\" data-value=\"%.17g\">", field_num(m, "value", 0));
			html_value(sb, field_num(m, "value", 0), unit);
			strbuf_puts(sb, "</td>");
		} else {
			strbuf_puts(sb, "<td class=\"num\">-</td>");
		}
		if (m && field_has_num(m, "objective")) {
			strbuf_puts(sb, "<td class=\"num\">");
			html_value(sb, field_num(m, "objective", 0), unit);
			strbuf_puts(sb, "</td><td class=\"num\">");
			html_value(sb, field_num(m, "margin", 0), unit);
			strbuf_puts(sb, "</td>");
		} else {
			strbuf_puts(sb, "<td class=\"num\">-</td><td class=\"num\">-</td>");
		}
		strbuf_puts(sb, "<td>");
		markup_text(sb, field_str(c, "figure", ""));
		if (*field_str(c, "detail", "")) {
			strbuf_puts(sb, "<div class=\"detail\">");
			markup_text(sb, field_str(c, "detail", ""));
			strbuf_puts(sb, "</div>");
		}
		if (*field_str(m, "method", "")) {
			strbuf_puts(sb, "<div class=\"detail\">measured as ");
			markup_text(sb, field_str(m, "method", ""));
			strbuf_puts(sb, "</div>");
		}
		strbuf_puts(sb, "</td></tr>\n");
	}
	strbuf_puts(sb, "</tbody></table>\n");
}

/* The lost-writes check's ids, or "none", and the split-brain evidence when found. */
static void losses(struct strbuf *sb, json_object *checks)
{
	size_t i, k, shown;

	for (i = 0; i < field_len(checks); i++) {
		json_object *c = field_at(checks, i), *m = field_of(c, "measure", json_type_object);
		const char *name = field_str(c, "name", "");

		if (strcmp(name, "lost writes") == 0 && !field_has_num(m, "lost")) {
			/* The check could not count them (the writes could not be read back). */
			strbuf_puts(sb, "<p class=\"lost-unknown\"><strong>Lost writes:</strong> "
			                "unknown: ");
			markup_text(sb, field_str(c, "figure", ""));
			strbuf_puts(sb, "</p>\n");
		} else if (strcmp(name, "lost writes") == 0) {
			json_object *ids = field_of(m, "lost_ids", json_type_array);

			strbuf_printf(sb, "<p id=\"lost\" data-lost=\"%.0f\"><strong>Lost writes:</strong> ",
			              field_num(m, "lost", 0));
			if (!field_len(ids))
				strbuf_puts(sb, "none");
			for (k = 0, shown = 0; k < field_len(ids); k++)
				if (json_object_is_type(field_at(ids, k), json_type_int))
					strbuf_printf(sb, "%s%lld", shown++ ? ", " : "",
					              (long long)json_object_get_int64(field_at(ids, k)));
			strbuf_printf(sb, " <span class=\"muted\">(of %.0f acknowledged; %.0f "
			                  "indeterminate, %.0f of them committed)</span></p>\n",
			              field_num(m, "acknowledged", 0), field_num(m, "indeterminate", 0),
			              field_num(m, "committed_indeterminate", 0));
		} else if (strcmp(name, "no split brain") == 0 && !field_bool(c, "passed", true)) {
			strbuf_puts(sb, "<p><strong>Split brain:</strong> ");
			markup_text(sb, field_str(c, "figure", ""));
			strbuf_puts(sb, "<br><span class=\"detail\">");
			markup_text(sb, field_str(c, "detail", ""));
			strbuf_puts(sb, "</span></p>\n");
		}
	}
}

static void event_list(struct strbuf *sb, json_object *events)
{
	size_t i, n = field_len(events);

	strbuf_printf(sb, "<details><summary>the drill's %zu events</summary><table><tbody>\n", n);
	for (i = 0; i < n; i++) {
		json_object *e = field_at(events, i);

		strbuf_printf(sb, "<tr><td class=\"num\">%.3f s</td><td>", field_num(e, "t", 0));
		markup_text(sb, field_str(e, "kind", ""));
		strbuf_puts(sb, "</td><td>");
		markup_text(sb, field_str(e, "text", ""));
		strbuf_puts(sb, "</td></tr>\n");
	}
	strbuf_puts(sb, "</tbody></table></details>\n");
}

static void drill(struct strbuf *sb, json_object *s, json_object *provenance, size_t r, size_t i)
{
	const char *outcome = field_str(s, "outcome", "error");
	json_object *checks = field_of(s, "checks", json_type_array);
	struct rto_phases phases;

	strbuf_printf(sb, "<section class=\"drill\" id=\"drill-%zu-%zu\" data-outcome=\"", r, i);
	html_token(sb, outcome);
	strbuf_puts(sb, "\"><h2>");
	markup_text(sb, field_str(s, "title", field_str(s, "name", "?")));
	strbuf_printf(sb, " <span class=\"verdict %s\">%s</span></h2>\n<p class=\"meta\">",
	              outcome_class(outcome), outcome_word(outcome));
	markup_text(sb, field_str(s, "file", ""));
	strbuf_printf(sb, ", from %.1f s to %.1f s of the run", field_num(s, "start", 0),
	              field_num(s, "end", 0));
	if (*field_str(s, "message", "")) {
		strbuf_puts(sb, "</p><pre>");
		markup_text(sb, field_str(s, "message", ""));
		strbuf_puts(sb, "</pre>\n");
	} else {
		strbuf_puts(sb, "</p>\n");
	}
	svg_timeline(sb, s);
	strbuf_puts(sb,
	            "<p class=\"legend muted\">"
	            "<span><i class=\"swatch\" style=\"background:#fbe3e4;border:1px dashed "
	            "#cf222e\"></i>fault in force</span>"
	            "<span><i class=\"swatch\" style=\"background:#1a7f37\"></i>writes ok</span>"
	            "<span><i class=\"swatch\" style=\"background:#cf222e\"></i>failed</span>"
	            "<span><i class=\"swatch\" style=\"background:#9a6700\"></i>indeterminate</span>"
	            "<span><i class=\"swatch\" style=\"border:2px solid #0550ae\"></i>RTO window</span>"
	            "<span>&#9660; an event (hover or see the list)</span></p>\n");
	check_rows(sb, checks);
	losses(sb, checks);
	rto_phases(s, provenance, &phases);
	rto_phases_html(sb, &phases);
	event_list(sb, field_of(s, "events", json_type_array));
	strbuf_puts(sb, "</section>\n");
}

/* A table row: a label (prefix + name) and a value, both escaped; the value as code. */
static void kv_row(struct strbuf *sb, const char *prefix, const char *label, const char *value,
                   bool code)
{
	strbuf_puts(sb, "<tr><th>");
	markup_text(sb, prefix);
	markup_text(sb, label);
	strbuf_puts(sb, code ? "</th><td><code>" : "</th><td>");
	markup_text(sb, value);
	strbuf_puts(sb, code ? "</code></td></tr>\n" : "</td></tr>\n");
}

/* The commands of one phase ("fault" or "heal") of a drill, in order, with durations;
 * returns how many lines it wrote. */
static size_t command_list(struct strbuf *sb, json_object *events, const char *phase)
{
	size_t i, n = 0;

	for (i = 0; i < field_len(events); i++) {
		json_object *e = field_at(events, i), *d = field_of(e, "data", json_type_object);

		/* The heal says what it is doing between its commands (it also starts daemons,
		 * which are not commands run to completion). */
		if (strcmp(phase, "heal") == 0 && strcmp(field_str(e, "kind", ""), "heal") == 0) {
			strbuf_puts(sb, n++ ? "" : "<ol class=\"commands\">\n");
			strbuf_puts(sb, "<li class=\"step\"><em>");
			markup_text(sb, field_str(e, "text", ""));
			strbuf_puts(sb, "</em></li>\n");
			continue;
		}
		if (strcmp(field_str(e, "kind", ""), "command") != 0 ||
		    strcmp(field_str(d, "phase", ""), phase) != 0)
			continue;
		strbuf_puts(sb, n++ ? "" : "<ol class=\"commands\">\n");
		html_fill(sb, "<li><code>%s</code> <span class=\"muted\">on %s as %s",
		          field_str(d, "command", ""), field_str(d, "host", "?"), field_str(d, "user", "?"));
		strbuf_printf(sb, ", %.2f&#160;s", field_num(d, "seconds", 0));
		if (field_num(d, "status", 0) != 0)
			strbuf_printf(sb, ", exit %.0f", field_num(d, "status", 0));
		strbuf_puts(sb, "</span></li>\n");
	}
	if (n)
		strbuf_puts(sb, "</ol>\n");
	return n;
}

/* The runbook the drills proved: per incident, the commands that caused it and those that
 * repaired the lab afterwards, as run, with their durations; then where the credentials
 * and the logs are. */
static void runbook(struct strbuf *sb, const struct report_run *runs, size_t n)
{
	size_t r, i;

	strbuf_puts(sb, "<h2 id=\"runbook\">Runbook: what the drills did, and what repaired "
	                "the lab</h2>\n<p class=\"muted\">The commands as pgdrill ran them in "
	                "this lab, in order. A DBA facing the same incident types the repair "
	                "commands by hand (passwords are left out).</p>\n");
	for (r = 0; r < n; r++) {
		json_object *sc = field_of(runs[r].journal, "scenarios", json_type_array);
		json_object *where = field_of(field_of(runs[r].journal, "provenance", json_type_object),
		                              "where", json_type_object);
		json_object *logs = field_of(where, "logs", json_type_object);

		for (i = 0; i < field_len(sc); i++) {
			json_object *s = field_at(sc, i), *ev = field_of(s, "events", json_type_array);
			struct strbuf cause = STRBUF_INIT, repair = STRBUF_INIT;
			size_t nc = command_list(&cause, ev, "fault"), nr = command_list(&repair, ev, "heal");

			strbuf_puts(sb, "<h3>");
			markup_text(sb, field_str(s, "title", field_str(s, "name", "?")));
			strbuf_puts(sb, "</h3>\n");
			if (nc) {
				strbuf_puts(sb, "<p>The incident (the drill's fault):</p>\n");
				strbuf_puts(sb, strbuf_str(&cause));
			}
			strbuf_puts(sb, nr ? "<p>The repair afterwards:</p>\n"
			                   : "<p class=\"muted\">No command was needed to repair the "
			                     "lab afterwards (or this journal predates the runbook).</p>\n");
			strbuf_puts(sb, strbuf_str(&repair));
			strbuf_free(&cause);
			strbuf_free(&repair);
		}
		if (where) {
			strbuf_puts(sb, "<h3>Where things are</h3>\n<table><tbody>\n");
			kv_row(sb, "", "the lab's passwords", field_str(where, "credentials", "?"), true);
			if (logs) {
				json_object_object_foreach(logs, host, dir)
				{
					kv_row(sb, "logs of ", host,
					       json_object_is_type(dir, json_type_string)
					           ? json_object_get_string(dir)
					           : "?",
					       true);
				}
			}
			strbuf_puts(sb, "</tbody></table>\n");
		}
	}
}

static void provenance(struct strbuf *sb, const struct report_run *run)
{
	json_object *p = field_of(run->journal, "provenance", json_type_object);
	json_object *v = field_of(p, "versions", json_type_object);
	json_object *lab = field_of(p, "lab_resolved", json_type_object);
	static const char *const keys[][2] = {
	    {"pgdrill_version", "pgdrill"}, {"pgdrill_commit", "commit"}, {"provider", "provider"},
	    {"lab_file", "lab file"},       {"lab_sha256", "lab digest (SHA-256 of the lab as resolved)"},
	    {"machine", "machine"},         {"user", "run by"},
	};
	size_t i;

	strbuf_puts(sb, "<details><summary>where these figures come from</summary><table><tbody>\n");
	kv_row(sb, "", "run directory", run->dir, false);
	kv_row(sb, "", "started", field_str(run->journal, "started", "?"), false);
	kv_row(sb, "", "ended", field_str(run->journal, "ended", "?"), false);
	for (i = 0; p && i < sizeof(keys) / sizeof(keys[0]); i++)
		kv_row(sb, "", keys[i][1], field_str(p, keys[i][0], "?"), false);
	if (v) {
		json_object_object_foreach(v, name, ver)
		{
			kv_row(sb, "", name,
			       json_object_is_type(ver, json_type_string) ? json_object_get_string(ver) : "?",
			       false);
		}
	}
	if (!p)
		strbuf_puts(sb, "<tr><td colspan=\"2\">this journal has no provenance (written by "
		                "a pgdrill before journal format 2)</td></tr>\n");
	strbuf_puts(sb, "</tbody></table>\n");
	if (lab) {
		strbuf_puts(sb, "<details><summary>the lab as resolved</summary><pre>");
		markup_text(sb, json_object_to_json_string_ext(lab, JSON_C_TO_STRING_PRETTY));
		strbuf_puts(sb, "</pre></details>\n");
	}
	strbuf_puts(sb, "</details>\n");
}

void report_page(struct strbuf *out, const char *title, const char *body)
{
	const char *p = report_page_html;

	while (*p) {
		const char *at = strchr(p, '@');

		if (!at) {
			strbuf_puts(out, p);
			break;
		}
		strbuf_add(out, p, (size_t)(at - p));
		if (strncmp(at, "@TITLE@", 7) == 0) {
			markup_text(out, title);
			p = at + 7;
		} else if (strncmp(at, "@STYLE@", 7) == 0) {
			strbuf_puts(out, report_style_css);
			p = at + 7;
		} else if (strncmp(at, "@BODY@", 6) == 0) {
			strbuf_puts(out, body);
			p = at + 6;
		} else if (strncmp(at, "@VERSION@", 9) == 0) {
			strbuf_puts(out, PGDRILL_VERSION);
			p = at + 9;
		} else {
			strbuf_putc(out, '@');
			p = at + 1;
		}
	}
}

void report_html(const struct report_run *runs, size_t n, struct strbuf *out)
{
	struct strbuf body = STRBUF_INIT, title = STRBUF_INIT;
	size_t r, i;

	strbuf_puts(&title, "pgdrill report: ");
	strbuf_puts(&title, n ? field_str(runs[0].journal, "lab", "?") : "no runs");
	strbuf_puts(&body, "<h1>");
	markup_text(&body, strbuf_str(&title));
	strbuf_puts(&body, "</h1>\n<p class=\"meta\">");
	for (r = 0; r < n; r++) {
		strbuf_puts(&body, r ? "; " : "");
		markup_text(&body, field_str(runs[r].journal, "started", "?"));
		strbuf_printf(&body, " (%.0f s)", field_num(runs[r].journal, "duration_s", 0));
	}
	strbuf_puts(&body, "</p>\n");
	strip(&body, runs, n);
	for (r = 0; r < n; r++) {
		json_object *sc = field_of(runs[r].journal, "scenarios", json_type_array);

		for (i = 0; i < field_len(sc); i++)
			drill(&body, field_at(sc, i),
			      field_of(runs[r].journal, "provenance", json_type_object), r, i);
	}
	runbook(&body, runs, n);
	for (r = 0; r < n; r++) {
		json_object *audit = field_of(runs[r].journal, "audit", json_type_object);

		if (audit)
			report_audit_section(audit, &body);
	}
	strbuf_puts(&body, "<h2>Provenance</h2>\n");
	for (r = 0; r < n; r++)
		provenance(&body, &runs[r]);
	report_page(out, strbuf_str(&title), strbuf_str(&body));
	strbuf_free(&body);
	strbuf_free(&title);
}
