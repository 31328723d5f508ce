#include "report/history.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/fields.h"
#include "report/html.h"
#include "report/report.h"
#include "util/error.h"

struct run {
	char *dir;
	json_object *journal;
	double started;
};

/* One measured value of one check of one drill in one run. */
struct point {
	size_t run;
	double value;
	bool passed;
};

/* A check of a drill of a lab across runs (a drill's verdict itself is the check
 * "(verdict)": value 1 passed, 0 not). */
struct series {
	const char *lab, *drill, *check, *unit; /* borrowed from the journals */
	double objective;                       /* NAN: none */
	struct point *points;
	size_t n, cap;
	bool regression;
	double baseline, latest;
};

struct trends {
	struct run *runs;
	size_t nruns;
	struct series *series;
	size_t nseries, cap;
};

static int by_start(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return (x->started > y->started) - (x->started < y->started);
}

static int load_runs(const char *dir, struct trends *t)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;

	if (!d)
		return error_set("cannot read %s: %s", dir, strerror(errno));
	while ((de = readdir(d))) {
		char *sub;
		json_object *j;

		if (de->d_name[0] == '.')
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		j = report_load_journal(sub);
		error_clear(); /* anything that is not a run directory is not ours to judge */
		if (!j) {
			free(sub);
			continue;
		}
		if (t->nruns == cap) {
			cap = cap ? cap * 2 : 32;
			t->runs = xrealloc(t->runs, cap * sizeof(*t->runs));
		}
		t->runs[t->nruns++] = (struct run){sub, j, field_num(j, "started_unix", 0)};
	}
	closedir(d);
	if (!t->nruns)
		return error_set("%s holds no run directory (no */journal.json)", dir);
	qsort(t->runs, t->nruns, sizeof(*t->runs), by_start);
	while (t->nruns > HISTORY_MAX_RUNS) { /* the oldest go */
		json_object_put(t->runs[0].journal);
		free(t->runs[0].dir);
		memmove(t->runs, t->runs + 1, --t->nruns * sizeof(*t->runs));
	}
	return 0;
}

static struct series *series_for(struct trends *t, const char *lab, const char *drill,
                                 const char *check, const char *unit, double objective)
{
	struct series *s;
	size_t i;

	for (i = 0; i < t->nseries; i++) {
		s = &t->series[i];
		if (strcmp(s->lab, lab) == 0 && strcmp(s->drill, drill) == 0 &&
		    strcmp(s->check, check) == 0 && strcmp(s->unit, unit) == 0) {
			s->objective = objective; /* the latest run's objective */
			return s;
		}
	}
	if (t->nseries == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->series = xrealloc(t->series, t->cap * sizeof(*t->series));
	}
	s = &t->series[t->nseries++];
	*s = (struct series){.lab = lab, .drill = drill, .check = check, .unit = unit,
	                     .objective = objective};
	return s;
}

static void add_point(struct series *s, size_t run, double value, bool passed)
{
	if (s->n && s->points[s->n - 1].run == run) { /* a check run twice in a drill: the last */
		s->points[s->n - 1] = (struct point){run, value, passed};
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->points = xrealloc(s->points, s->cap * sizeof(*s->points));
	}
	s->points[s->n++] = (struct point){run, value, passed};
}

/* How long each fault took to put in place (a switchover's, a restore's own time): a
 * series per fault kind, without an objective. */
static void add_fault_times(struct trends *t, const char *lab, const char *drill,
                            json_object *events, size_t run)
{
	size_t i;

	for (i = 0; i < field_len(events); i++) {
		json_object *e = field_at(events, i), *d = field_of(e, "data", json_type_object);

		if (strcmp(field_str(e, "kind", ""), "fault") == 0 && field_has_num(d, "applying_s"))
			add_point(series_for(t, lab, drill, field_str(d, "fault", "?"), "s", NAN), run,
			          field_num(d, "applying_s", 0), true);
	}
}

static void collect(struct trends *t)
{
	size_t r, i, k;

	for (r = 0; r < t->nruns; r++) {
		json_object *j = t->runs[r].journal, *sc = field_of(j, "scenarios", json_type_array);
		const char *lab = field_str(j, "lab", "?");

		for (i = 0; i < field_len(sc); i++) {
			json_object *s = field_at(sc, i), *checks = field_of(s, "checks", json_type_array);
			const char *drill = field_str(s, "name", "?");
			bool passed = strcmp(field_str(s, "outcome", ""), "passed") == 0;

			add_point(series_for(t, lab, drill, "(verdict)", "", NAN), r, passed, passed);
			add_fault_times(t, lab, drill, field_of(s, "events", json_type_array), r);
			for (k = 0; k < field_len(checks); k++) {
				json_object *c = field_at(checks, k);
				json_object *m = field_of(c, "measure", json_type_object);

				if (!field_has_num(m, "value"))
					continue;
				add_point(series_for(t, lab, drill, field_str(c, "name", "?"),
				                     field_str(m, "unit", ""),
				                     field_num(m, "objective", NAN)),
				          r, field_num(m, "value", 0), field_bool(c, "passed", false));
			}
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of up to HISTORY_BASELINE_RUNS points before the latest. */
static double baseline(const struct series *s)
{
	double v[HISTORY_BASELINE_RUNS];
	size_t n = 0, i = s->n - 1;

	while (i > 0 && n < HISTORY_BASELINE_RUNS)
		v[n++] = s->points[--i].value;
	qsort(v, n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void judge(struct series *s, double pct)
{
	double floor;

	if (s->n < 2)
		return;
	s->baseline = baseline(s);
	s->latest = s->points[s->n - 1].value;
	if (strcmp(s->check, "(verdict)") == 0) {
		s->regression = s->latest < 1 && s->points[s->n - 2].value >= 1;
		return;
	}
	if (isnan(s->objective))
		return;
	floor = s->objective * HISTORY_MIN_SHARE_OF_OBJECTIVE;
	s->regression = s->latest > s->baseline * (1 + pct / 100.0) &&
	                s->latest - s->baseline > floor;
}

static void trends_free(struct trends *t)
{
	size_t i;

	for (i = 0; i < t->nseries; i++)
		free(t->series[i].points);
	for (i = 0; i < t->nruns; i++) {
		json_object_put(t->runs[i].journal);
		free(t->runs[i].dir);
	}
	free(t->series);
	free(t->runs);
}

/* A small chart: the values over the runs (x: run order), the objective dashed, the
 * latest point marked when it is a regression. */
static void sparkline(struct strbuf *sb, const struct series *s, size_t nruns)
{
	const double w = 240, h = 48, pad = 5;
	double max = isnan(s->objective) ? 0 : s->objective;
	size_t i;

	for (i = 0; i < s->n; i++)
		max = fmax(max, s->points[i].value);
	if (max <= 0)
		max = 1;
#define SX(run) (pad + (nruns > 1 ? (double)(run) / (double)(nruns - 1) : 0.5) * (w - 2 * pad))
#define SY(v) (h - pad - (v) / max * (h - 2 * pad))
	strbuf_printf(sb,
	              "<svg class=\"spark\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" "
	              "role=\"img\" xmlns=\"http://www.w3.org/2000/svg\"><title>",
	              w, h, w, h);
	markup_text(sb, s->check);
	strbuf_puts(sb, " across runs</title>");
	if (!isnan(s->objective))
		strbuf_printf(sb,
		              "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#cf222e\" "
		              "stroke-dasharray=\"4 3\"/>",
		              pad, w - pad, SY(s->objective), SY(s->objective));
	strbuf_puts(sb, "<path fill=\"none\" stroke=\"#0550ae\" stroke-width=\"1.5\" d=\"");
	for (i = 0; i < s->n; i++)
		strbuf_printf(sb, "%s%.1f %.1f", i ? "L" : "M", SX(s->points[i].run),
		              SY(s->points[i].value));
	strbuf_puts(sb, "\"/>");
	for (i = 0; i < s->n; i++)
		strbuf_printf(sb, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%s\" fill=\"%s\"/>",
		              SX(s->points[i].run), SY(s->points[i].value),
		              i == s->n - 1 && s->regression ? "4" : "2",
		              !s->points[i].passed || (i == s->n - 1 && s->regression) ? "#cf222e"
		                                                                         : "#0550ae");
	strbuf_puts(sb, "</svg>");
#undef SX
#undef SY
}

static void value_cell(struct strbuf *sb, double v, const char *unit)
{
	if (!*unit)
		strbuf_puts(sb, v >= 1 ? "passed" : "FAILED");
	else
		html_value(sb, v, unit);
}

/* One series: where, what, how many runs, baseline and latest, the chart. */
static void trend_row(struct strbuf *out, const struct series *s, size_t nruns)
{
	strbuf_puts(out, "<tr data-drill=\"");
	markup_text(out, s->drill);
	strbuf_puts(out, "\" data-check=\"");
	markup_text(out, s->check);
	strbuf_printf(out, "\" data-regression=\"%s\"><td>", s->regression ? "true" : "false");
	markup_text(out, s->lab);
	strbuf_puts(out, " / ");
	markup_text(out, s->drill);
	strbuf_puts(out, "</td><td>");
	markup_text(out, s->check);
	if (s->regression)
		strbuf_puts(out, " <span class=\"verdict failed\">REGRESSION</span>");
	strbuf_printf(out, "</td><td class=\"num\">%zu</td><td class=\"num\">", s->n);
	if (s->n > 1)
		value_cell(out, s->baseline, s->unit);
	strbuf_puts(out, "</td><td class=\"num\">");
	value_cell(out, s->points[s->n - 1].value, s->unit);
	strbuf_puts(out, "</td><td class=\"num\">");
	if (!isnan(s->objective))
		html_value(out, s->objective, s->unit);
	strbuf_puts(out, "</td><td>");
	sparkline(out, s, nruns);
	strbuf_puts(out, "</td></tr>\n");
}

static void html_page(const struct trends *t, const char *dir, double pct, struct strbuf *out)
{
	struct strbuf body = STRBUF_INIT, title = STRBUF_INIT;
	size_t i, k, regressions = 0;

	for (i = 0; i < t->nseries; i++)
		regressions += t->series[i].regression;
	strbuf_puts(&title, "pgdrill trends: ");
	strbuf_puts(&title, dir);
	strbuf_puts(&body, "<h1>");
	markup_text(&body, strbuf_str(&title));
	strbuf_printf(&body, "</h1>\n<p class=\"meta\">%zu runs, from ", t->nruns);
	markup_text(&body, field_str(t->runs[0].journal, "started", "?"));
	strbuf_puts(&body, " to ");
	markup_text(&body, field_str(t->runs[t->nruns - 1].journal, "started", "?"));
	strbuf_printf(&body,
	              "</p>\n<p id=\"regressions\" data-regressions=\"%zu\" class=\"readiness\">"
	              "<strong>%zu regression%s</strong> <span class=\"muted\">(the latest run "
	              "worse than the median of up to %d runs before it by more than %g%% and by "
	              "more than %.0f%% of the objective; or a drill that passed and now does "
	              "not)</span></p>\n",
	              regressions, regressions, regressions == 1 ? "" : "s", HISTORY_BASELINE_RUNS,
	              pct, HISTORY_MIN_SHARE_OF_OBJECTIVE * 100);
	strbuf_puts(&body, "<table class=\"checks\"><thead><tr><th>lab / drill</th><th>check</th>"
	                   "<th>runs</th><th>baseline</th><th>latest</th><th>objective</th>"
	                   "<th>across runs</th></tr></thead><tbody>\n");
	for (i = 0; i < t->nseries; i++)
		trend_row(&body, &t->series[i], t->nruns);
	strbuf_puts(&body, "</tbody></table>\n<details><summary>the runs</summary><table><tbody>\n");
	for (k = 0; k < t->nruns; k++) {
		json_object *p = field_of(t->runs[k].journal, "provenance", json_type_object);

		strbuf_printf(&body, "<tr><td class=\"num\">%zu</td><td>", k + 1);
		markup_text(&body, field_str(t->runs[k].journal, "started", "?"));
		strbuf_puts(&body, "</td><td>");
		markup_text(&body, t->runs[k].dir);
		strbuf_puts(&body, "</td><td>lab ");
		markup_text(&body, field_str(p, "lab_sha256", "?"));
		strbuf_puts(&body, "</td></tr>\n");
	}
	strbuf_puts(&body, "</tbody></table></details>\n");
	report_page(out, strbuf_str(&title), strbuf_str(&body));
	strbuf_free(&body);
	strbuf_free(&title);
}

static void markdown(const struct trends *t, double pct, struct strbuf *out)
{
	size_t i, regressions = 0;

	for (i = 0; i < t->nseries; i++)
		regressions += t->series[i].regression;
	strbuf_printf(out,
	              "## pgdrill trends: %zu runs, %zu regression%s\n\n"
	              "A regression: the latest run worse than the median of up to %d runs before "
	              "it by more than %g%% and by more than %.0f%% of the objective, or a drill "
	              "that passed and now does not.\n\n"
	              "| drill | check | runs | baseline | latest | change |\n"
	              "|---|---|---:|---:|---:|---|\n",
	              t->nruns, regressions, regressions == 1 ? "" : "s", HISTORY_BASELINE_RUNS, pct,
	              HISTORY_MIN_SHARE_OF_OBJECTIVE * 100);
	for (i = 0; i < t->nseries; i++) {
		const struct series *s = &t->series[i];
		if (s->n < 2)
			continue;
		strbuf_puts(out, "| ");
		report_md_cell(out, s->drill);
		strbuf_puts(out, " | ");
		report_md_cell(out, s->check);
		strbuf_printf(out, " | %zu | %g | %g | %s |\n", s->n, s->baseline, s->latest,
		              s->regression ? "**REGRESSION**" : "");
	}
}

int report_history(const char *dir, double pct, bool md, struct strbuf *out,
                   struct trend_summary *summary)
{
	struct trends t = {0};
	size_t i;

	memset(summary, 0, sizeof(*summary));
	if (load_runs(dir, &t) < 0) {
		trends_free(&t);
		return -1;
	}
	collect(&t);
	for (i = 0; i < t.nseries; i++) {
		judge(&t.series[i], pct);
		summary->regressions += t.series[i].regression;
	}
	summary->runs = t.nruns;
	summary->series = t.nseries;
	if (md)
		markdown(&t, pct, out);
	else
		html_page(&t, dir, pct, out);
	trends_free(&t);
	return 0;
}
