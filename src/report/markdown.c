/* The report as Markdown, for a CI job summary or a pull request: the readiness line and
 * one table row per check. Text from the journal is made safe for a table cell (no line
 * breaks, pipes and Markdown marks escaped, no HTML). */
#include <math.h>
#include <string.h>

#include "report/fields.h"
#include "report/report.h"

void report_md_cell(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '<' || c == '>' || c == '&')
			strbuf_printf(sb, "&#%d;", c);
		else if (c == '|' || c == '`' || c == '*' || c == '_' || c == '[' || c == ']' ||
		         c == '\\')
			strbuf_printf(sb, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			strbuf_putc(sb, ' ');
		else
			strbuf_putc(sb, (char)c);
	}
}

static void value(struct strbuf *sb, json_object *m, const char *key)
{
	const char *unit = field_str(m, "unit", "");

	if (!field_has_num(m, key)) {
		strbuf_puts(sb, "-");
		return;
	}
	strbuf_printf(sb, strcmp(unit, "s") == 0 ? "%.3f" : "%.0f", field_num(m, key, 0));
	strbuf_puts(sb, " ");
	report_md_cell(sb, unit);
}

void report_markdown(const struct report_run *runs, size_t n, struct strbuf *out)
{
	struct readiness rd;
	size_t r, i, k;

	report_readiness(runs, n, &rd);
	strbuf_puts(out, "## pgdrill: ");
	report_md_cell(out, n ? field_str(runs[0].journal, "lab", "?") : "no runs");
	strbuf_printf(out,
	              "\n\n**%zu of %zu drills** met every objective; readiness score **%.0f** "
	              "(checks passed / checks run × 100 = %zu / %zu × 100)\n\n",
	              rd.drills_passed, rd.drills,
	              rd.checks ? 100.0 * (double)rd.checks_passed / (double)rd.checks : 0,
	              rd.checks_passed, rd.checks);
	strbuf_puts(out, "| drill | check | verdict | measured | objective | margin |\n"
	                 "|---|---|---|---:|---:|---:|\n");
	for (r = 0; r < n; r++) {
		json_object *sc = field_of(runs[r].journal, "scenarios", json_type_array);

		for (i = 0; i < field_len(sc); i++) {
			json_object *s = field_at(sc, i), *checks = field_of(s, "checks", json_type_array);
			const char *outcome = field_str(s, "outcome", "error");

			strbuf_puts(out, "| ");
			report_md_cell(out, field_str(s, "name", "?"));
			strbuf_puts(out, " | (drill) | ");
			strbuf_puts(out, strcmp(outcome, "passed") == 0   ? "passed"
			                 : strcmp(outcome, "failed") == 0 ? "**FAILED**"
			                                                  : "**ERROR**");
			strbuf_puts(out, " | | | |\n");
			for (k = 0; k < field_len(checks); k++) {
				json_object *c = field_at(checks, k);
				json_object *m = field_of(c, "measure", json_type_object);

				strbuf_puts(out, "| | ");
				report_md_cell(out, field_str(c, "name", "?"));
				strbuf_puts(out, field_bool(c, "passed", false) ? " | passed | "
				                                                : " | **FAILED** | ");
				value(out, m, "value");
				strbuf_puts(out, " | ");
				value(out, m, "objective");
				strbuf_puts(out, " | ");
				value(out, m, "margin");
				strbuf_puts(out, " |\n");
			}
		}
	}
}
