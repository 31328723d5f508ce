#include "report/svg.h"

#include <math.h>
#include <string.h>

#include "report/fields.h"
#include "report/html.h"

/* Geometry, in SVG units: the plot starts after a label column. */
#define W 1000.0
#define LEFT 110.0
#define RIGHT 10.0
#define LANE 34.0  /* one writes lane */
#define CHART 56.0 /* latency, lag */

#define C_OK "#1a7f37"
#define C_BAD "#cf222e"
#define C_UNSURE "#9a6700"
#define C_FAULT "#fbe3e4"
#define C_ACCENT "#0550ae"
#define C_MUTED "#57606a"

struct axis {
	double t0, t1;
};

static double x_of(const struct axis *a, double t)
{
	double span = a->t1 > a->t0 ? a->t1 - a->t0 : 1;
	double x = LEFT + (t - a->t0) / span * (W - LEFT - RIGHT);

	return x < LEFT ? LEFT : x > W - RIGHT ? W - RIGHT : x;
}

static void label(struct strbuf *sb, double y, const char *text)
{
	strbuf_printf(sb, "<text x=\"4\" y=\"%.1f\">", y);
	markup_text(sb, text);
	strbuf_puts(sb, "</text>\n");
}

/* The time axis with a tick every "nice" number of seconds. */
static void time_axis(struct strbuf *sb, const struct axis *a, double y, double height)
{
	static const double steps[] = {0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600};
	double span = a->t1 - a->t0, step = 7200, t;
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= 12) {
			step = steps[i];
			break;
		}
	for (t = ceil(a->t0 / step) * step; t <= a->t1; t += step) {
		double x = x_of(a, t);

		strbuf_printf(sb,
		              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d0d7de\"/>"
		              "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g s</text>\n",
		              x, y, x, y + height, x, y + height + 13, t);
	}
}

/* Faults: a band from the fault to its revert (or the drill's end); one that cannot be
 * reverted (a kill) is a line. */
static void faults(struct strbuf *sb, const struct axis *a, json_object *events, double top,
                   double height)
{
	size_t i, k, n = field_len(events);

	for (i = 0; i < n; i++) {
		json_object *e = field_at(events, i), *d = field_of(e, "data", json_type_object);
		double from, to = a->t1;
		bool reversible;

		if (strcmp(field_str(e, "kind", ""), "fault") != 0 || !d)
			continue;
		from = field_num(e, "t", a->t0);
		reversible = field_bool(d, "reversible", true);
		for (k = i + 1; k < n; k++) {
			json_object *r = field_at(events, k), *rd = field_of(r, "data", json_type_object);

			if (strcmp(field_str(r, "kind", ""), "revert") == 0 &&
			    field_num(rd, "id", -1) == field_num(d, "id", -2)) {
				to = field_num(r, "t", a->t1);
				break;
			}
		}
		strbuf_puts(sb, "<g class=\"fault\"><title>");
		markup_text(sb, field_str(e, "text", ""));
		strbuf_puts(sb, "</title>");
		if (reversible)
			strbuf_printf(sb,
			              "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			              "fill=\"" C_FAULT "\" stroke=\"" C_BAD "\" stroke-dasharray=\"3 2\"/>",
			              x_of(a, from), top, fmax(x_of(a, to) - x_of(a, from), 1.5), height);
		else
			strbuf_printf(sb,
			              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"" C_BAD
			              "\" stroke-width=\"2\"/>",
			              x_of(a, from), top, x_of(a, from), top + height);
		strbuf_printf(sb, "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_BAD "\">", x_of(a, from) + 3,
		              top + 11);
		strbuf_printf(sb, "#%.0f ", field_num(d, "id", 0));
		markup_text(sb, field_str(d, "fault", "fault"));
		strbuf_puts(sb, " ");
		markup_text(sb, field_str(d, "host", ""));
		strbuf_puts(sb, "</text></g>\n");
	}
}

/* Marks for what the lab and the drill did: heal steps, steady state, notes, failed
 * checks; each with its text as a tooltip. */
static void marks(struct strbuf *sb, const struct axis *a, json_object *events, double y)
{
	size_t i, n = field_len(events);

	for (i = 0; i < n; i++) {
		json_object *e = field_at(events, i);
		const char *kind = field_str(e, "kind", "");
		const char *colour = strcmp(kind, "check FAIL") == 0 || strcmp(kind, "error") == 0
		                         ? C_BAD
		                     : strcmp(kind, "check ok") == 0 ? C_OK
		                                                     : C_ACCENT;

		if (strcmp(kind, "print") == 0 || strcmp(kind, "fault") == 0)
			continue;
		strbuf_printf(sb,
		              "<g class=\"mark\"><title>%.3f s ",
		              field_num(e, "t", 0));
		markup_text(sb, kind);
		strbuf_puts(sb, ": ");
		markup_text(sb, field_str(e, "text", ""));
		strbuf_printf(sb,
		              "</title><path d=\"M%.1f %.1f l-4 -8 h8 z\" fill=\"%s\"/></g>\n",
		              x_of(a, field_num(e, "t", 0)), y, colour);
	}
}

/* One lane of write counts per bucket as bars scaled to the lane's largest. */
static void lane(struct strbuf *sb, const struct axis *a, json_object *tl, const char *key,
                 const char *colour, double top)
{
	json_object *counts = field_of(tl, key, json_type_array);
	double start = field_num(tl, "start_s", 0), step = field_num(tl, "bucket_s", 0.1), max = 0;
	size_t i, n = field_len(counts);

	if (step <= 0)
		step = 0.1;
	for (i = 0; i < n; i++)
		max = fmax(max, json_object_get_double(field_at(counts, i)));
	strbuf_printf(sb, "<path class=\"lane-%s\" fill=\"%s\" d=\"", key, colour);
	for (i = 0; max > 0 && i < n; i++) {
		double v = json_object_get_double(field_at(counts, i)), h, x0, x1;

		if (!(v > 0))
			continue;
		h = fmax(v / max * (LANE - 4), 1.5);
		x0 = x_of(a, start + step * (double)i);
		x1 = fmax(x_of(a, start + step * (double)(i + 1)), x0 + 0.8);
		strbuf_printf(sb, "M%.1f %.1fh%.1fv%.1fh%.1fz", x0, top + LANE - h, x1 - x0, h, x0 - x1);
	}
	strbuf_printf(sb, "\"/><text x=\"4\" y=\"%.1f\" fill=\"" C_MUTED "\">top %.0f per %g s</text>\n",
	              top + 31, max, step);
}

/* A polyline of [t, value] points (value null: a break) scaled to `max` in a chart. */
static void curve(struct strbuf *sb, const struct axis *a, json_object *points, double max,
                  double top, const char *colour, const char *title)
{
	size_t i, n = field_len(points);
	bool pen = false;

	strbuf_printf(sb, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", colour);
	for (i = 0; max > 0 && i < n; i++) {
		json_object *p = field_at(points, i), *t = field_at(p, 0), *v = field_at(p, 1);
		double y;

		if (!t || !v || !isfinite(json_object_get_double(v))) {
			pen = false;
			continue;
		}
		y = top + CHART - 4 - json_object_get_double(v) / max * (CHART - 8);
		strbuf_printf(sb, "%s%.1f %.1f", pen ? "L" : "M", x_of(a, json_object_get_double(t)), y);
		pen = true;
	}
	strbuf_puts(sb, "\"><title>");
	markup_text(sb, title);
	strbuf_puts(sb, "</title></path>\n");
}

/* Per-second series (index i is start_s + i) as [t, value] points. */
static json_object *per_second(json_object *tl, const char *key)
{
	json_object *v = field_of(tl, key, json_type_array), *pts = json_object_new_array();
	double start = field_num(tl, "start_s", 0);
	size_t i, n = field_len(v);

	for (i = 0; i < n; i++) {
		json_object *p = json_object_new_array();
		json_object *x = field_at(v, i);

		json_object_array_add(p, json_object_new_double(start + (double)i + 0.5));
		json_object_array_add(p, x && (json_object_is_type(x, json_type_double) ||
		                               json_object_is_type(x, json_type_int))
		                             ? json_object_new_double(json_object_get_double(x))
		                             : NULL);
		json_object_array_add(pts, p);
	}
	return pts;
}

static double series_max(json_object *points)
{
	double max = 0;
	size_t i;

	for (i = 0; i < field_len(points); i++) {
		json_object *v = field_at(field_at(points, i), 1);

		if (v && isfinite(json_object_get_double(v)))
			max = fmax(max, json_object_get_double(v));
	}
	return max;
}

static void latency_chart(struct strbuf *sb, const struct axis *a, json_object *tl, double top)
{
	json_object *p50 = per_second(tl, "latency_p50_ms"), *p99 = per_second(tl, "latency_p99_ms");
	double max = fmax(series_max(p99), 1);

	label(sb, top + 20, "write latency");
	strbuf_printf(sb, "<text x=\"4\" y=\"%.1f\" fill=\"" C_MUTED "\">p50, p99; top %.0f ms</text>\n",
	              top + 34, max);
	curve(sb, a, p50, max, top, C_ACCENT, "write latency p50 per second (ms)");
	curve(sb, a, p99, max, top, C_UNSURE, "write latency p99 per second (ms)");
	json_object_put(p50);
	json_object_put(p99);
}

static void lag_chart(struct strbuf *sb, const struct axis *a, json_object *tl, double top)
{
	json_object *lag = field_of(tl, "lag_bytes", json_type_object);
	static const char *const colours[] = {C_ACCENT, C_UNSURE, "#8250df", "#116329"};
	double max = 0;
	size_t k = 0;
	struct strbuf t = STRBUF_INIT;

	if (!lag)
		return;
	{
		json_object_object_foreach(lag, name, pts)
		{
			(void)name;
			max = fmax(max, series_max(pts));
		}
	}
	label(sb, top + 20, "standby lag");
	strbuf_puts(&t, "top ");
	html_value(&t, fmax(max, 1), "bytes");
	strbuf_printf(sb, "<text x=\"4\" y=\"%.1f\" fill=\"" C_MUTED "\">%s</text>\n", top + 34,
	              strbuf_str(&t));
	strbuf_free(&t);
	json_object_object_foreach(lag, name, pts)
	{
		struct strbuf title = STRBUF_INIT;

		strbuf_puts(&title, "replay lag of ");
		strbuf_puts(&title, name);
		curve(sb, a, pts, fmax(max, 1), top, colours[k++ % 4], strbuf_str(&title));
		strbuf_free(&title);
	}
}

/* The workload's timeline: the last "workload" event carrying one. */
static json_object *workload_timeline(json_object *events)
{
	json_object *found = NULL;
	size_t i;

	for (i = 0; i < field_len(events); i++) {
		json_object *e = field_at(events, i);
		json_object *tl = field_of(field_of(e, "data", json_type_object), "timeline",
		                           json_type_object);

		if (tl && strcmp(field_str(e, "kind", ""), "workload") == 0)
			found = tl;
	}
	return found;
}

/* A dashed line across the write lanes with its label below. */
static void phase_line(struct strbuf *sb, const struct axis *a, double t, const char *text,
                       const char *anchor, double top, double height)
{
	strbuf_printf(sb,
	              "<g class=\"phase\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
	              "y2=\"%.1f\" stroke=\"" C_ACCENT "\" stroke-dasharray=\"2 2\"/>"
	              "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_ACCENT "\" "
	              "text-anchor=\"%s\">%s</text></g>\n",
	              x_of(a, t), top, x_of(a, t), top + height, x_of(a, t), top + height + 10,
	              anchor, text);
}

/* Inside the RTO window, the moment the new primary accepted writes: the line between
 * detection and promotion, and re-routing. */
static void promoted_mark(struct strbuf *sb, const struct axis *a, json_object *checks,
                          double from, double to, double top, double height)
{
	size_t i;

	for (i = 0; i < field_len(checks); i++) {
		json_object *c = field_at(checks, i);
		double t = field_num(c, "t", -1);

		if (strcmp(field_str(c, "name", ""), "new primary") != 0 ||
		    !field_bool(c, "passed", false) || t <= from || t >= to)
			continue;
		phase_line(sb, a, t, "promoted", "middle", top, height);
		return;
	}
}

/* The logs' evidence inside the window (the rto check's measure.failover): the promote
 * request, and haproxy routing writes to the new primary. False when there is none. */
static bool failover_marks(struct strbuf *sb, const struct axis *a, json_object *m,
                           double top, double height)
{
	json_object *f = field_of(m, "failover", json_type_object);

	if (!field_has_num(f, "promote_requested_s"))
		return false;
	phase_line(sb, a, field_num(f, "promote_requested_s", 0), "promote", "end", top, height);
	if (field_has_num(f, "routed_s"))
		phase_line(sb, a, field_num(f, "routed_s", 0), "routed", "start", top, height);
	return true;
}

/* The RTO check's window, drawn over the write lanes with its figure. */
static void rto_window(struct strbuf *sb, const struct axis *a, json_object *checks, double top,
                       double height)
{
	size_t i;

	for (i = 0; i < field_len(checks); i++) {
		json_object *c = field_at(checks, i), *m = field_of(c, "measure", json_type_object);
		double from, to;

		if (strcmp(field_str(c, "name", ""), "rto") != 0 || !field_has_num(m, "from_s"))
			continue;
		from = field_num(m, "from_s", 0);
		to = field_num(m, "to_s", from);
		if (!failover_marks(sb, a, m, top, height))
			promoted_mark(sb, a, checks, from, to, top, height);
		strbuf_printf(sb,
		              "<g class=\"rto\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		              "height=\"%.1f\" fill=\"none\" stroke=\"" C_ACCENT "\" stroke-width=\"2\"/>"
		              "<text x=\"%.1f\" y=\"%.1f\" fill=\"" C_ACCENT "\">RTO %.3f s</text></g>\n",
		              x_of(a, from), top, fmax(x_of(a, to) - x_of(a, from), 1.5), height,
		              x_of(a, to) + 4, top + height - 4, field_num(m, "value", to - from));
	}
}

void svg_timeline(struct strbuf *sb, json_object *scenario)
{
	json_object *events = field_of(scenario, "events", json_type_array);
	json_object *checks = field_of(scenario, "checks", json_type_array);
	json_object *tl = workload_timeline(events);
	struct axis a = {field_num(scenario, "start", 0), field_num(scenario, "end", 0)};
	double y = 16, lanes_top, h;

	if (a.t1 <= a.t0)
		a.t1 = a.t0 + 1;
	h = 16 + 18 + (tl ? 3 * LANE + 2 * CHART + 12 : 0) + 22;
	strbuf_printf(sb,
	              "<svg class=\"timeline\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	              "xmlns=\"http://www.w3.org/2000/svg\"><title>timeline of the drill</title>\n",
	              W, h);
	faults(sb, &a, events, y, h - 38);
	label(sb, y + 12, "events");
	marks(sb, &a, events, y + 14);
	y += 18;
	if (tl) {
		lanes_top = y;
		label(sb, y + 20, "writes ok");
		lane(sb, &a, tl, "writes_ok", C_OK, y);
		y += LANE;
		label(sb, y + 20, "failed");
		lane(sb, &a, tl, "writes_failed", C_BAD, y);
		y += LANE;
		label(sb, y + 20, "indeterminate");
		lane(sb, &a, tl, "writes_indeterminate", C_UNSURE, y);
		y += LANE;
		rto_window(sb, &a, checks, lanes_top, 3 * LANE);
		latency_chart(sb, &a, tl, y + 6);
		y += CHART + 6;
		lag_chart(sb, &a, tl, y + 6);
		y += CHART + 6;
	}
	time_axis(sb, &a, 16, y - 16);
	strbuf_puts(sb, "</svg>\n");
}
