#include "journal/journal.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/markup.h"
#include "util/proc.h"
#include "util/strbuf.h"

/* Events may come from other threads (a server's message to a session, recorded as it
 * arrives): one lock around every change to a journal's scenarios. */
static pthread_mutex_t journal_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

int journal_open(struct journal *j, const char *run_dir, const char *lab, FILE *live)
{
	char when[32];

	memset(j, 0, sizeof(*j));
	/* Figures with 15 significant digits: 3.212, not 3.2120000000000002 (a double's
	 * noise), and still the millisecond of a time since the epoch. */
	json_c_set_serialization_double_format("%.15g", JSON_C_OPTION_GLOBAL);
	j->root = json_object_new_object();
	j->scenarios = json_object_new_array();
	j->t0_ms = proc_now_ms();
	j->live = live;
	j->dir = xstrdup(run_dir);
	json_object_object_add(j->root, "format", json_object_new_int(JOURNAL_FORMAT));
	json_object_object_add(j->root, "lab", json_object_new_string(lab));
	json_object_object_add(j->root, "started",
	                       json_object_new_string(iso_now(when, sizeof(when))));
	/* The same moment in seconds since the epoch, to the millisecond: event times are
	 * relative to it, and this lines them up with other clocks (an observer's log). */
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		j->t0_unix = (double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3;
		json_object_object_add(j->root, "started_unix", json_object_new_double(j->t0_unix));
	}
	json_object_object_add(j->root, "scenarios", j->scenarios);
	return 0;
}

int journal_resume(struct journal *j, const char *run_dir, const char *lab)
{
	char *path = xasprintf("%s/journal.json", run_dir), *text = NULL;
	json_object *root, *v;
	double started;
	size_t len;

	memset(j, 0, sizeof(*j));
	if (fs_read_file(path, &text, &len) < 0) {
		free(path);
		return -1;
	}
	root = json_tokener_parse(text);
	free(text);
	if (!root || !json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "lab", &v) ||
	    strcmp(json_object_get_string(v), lab) != 0 ||
	    !json_object_object_get_ex(root, "started_unix", &v) ||
	    !isfinite(started = json_object_get_double(v)) || started <= 0 ||
	    !json_object_object_get_ex(root, "scenarios", &j->scenarios) ||
	    !json_object_is_type(j->scenarios, json_type_array)) {
		json_object_put(root);
		j->scenarios = NULL;
		error_set("%s is not a journal of lab '%s'", path, lab);
		free(path);
		return -1;
	}
	free(path);
	json_c_set_serialization_double_format("%.15g", JSON_C_OPTION_GLOBAL);
	j->root = root;
	j->t0_unix = started;
	j->t0_ms = proc_now_ms() - (long long)((proc_wall_time() - started) * 1000.0);
	j->dir = xstrdup(run_dir);
	return 0;
}

double journal_now(const struct journal *j)
{
	return (double)(proc_now_ms() - j->t0_ms) / 1000.0;
}

void journal_begin_scenario(struct journal *j, const char *name, const char *file)
{
	json_object *s = json_object_new_object();

	json_object_object_add(s, "name", json_object_new_string(name));
	json_object_object_add(s, "file", json_object_new_string(file));
	json_object_object_add(s, "start", json_object_new_double(journal_now(j)));
	json_object_object_add(s, "events", json_object_new_array());
	json_object_object_add(s, "checks", json_object_new_array());
	pthread_mutex_lock(&journal_lock);
	json_object_array_add(j->scenarios, s);
	j->scenario = s;
	j->failed_checks = 0;
	j->events = 0;
	pthread_mutex_unlock(&journal_lock);
	if (j->live) {
		fprintf(j->live, "== %s (%s)\n", name, file);
		fflush(j->live);
	}
}

json_object *journal_scenario(struct journal *j)
{
	return j->scenario;
}

static json_object *scenario_array(struct journal *j, const char *key)
{
	json_object *a = NULL;

	if (j->scenario)
		json_object_object_get_ex(j->scenario, key, &a);
	return a;
}

/* The longest event text kept, in bytes. */
#define JOURNAL_EVENT_MAX (64u << 10)

static void event_locked(struct journal *j, double t, const char *kind, json_object *data,
                         const char *fmt, va_list ap)
{
	json_object *e, *events = scenario_array(j, "events");
	char small[1024], *text = small;
	va_list again;
	int n;

	/* What a drill's own code writes is held to the cap; pgdrill's own events (faults,
	 * reverts, checks, the heal) are few and always kept. */
	if (events && (strcmp(kind, "print") == 0 || strcmp(kind, "note") == 0) &&
	    ++j->events > JOURNAL_MAX_EVENTS) {
		json_object_put(data);
		if (j->events == JOURNAL_MAX_EVENTS + 1) {
			e = json_object_new_object();
			json_object_object_add(e, "t", json_object_new_double(t));
			json_object_object_add(e, "kind", json_object_new_string("warning"));
			json_object_object_add(
			    e, "text",
			    json_object_new_string("the drill wrote more than 100000 lines: the rest "
			                           "are dropped"));
			json_object_array_add(events, e);
		}
		return;
	}
	e = json_object_new_object();
	/* Most events are a line; a few are long (a failed heal's steps to repair the lab by
	 * hand) and are kept whole, up to JOURNAL_EVENT_MAX. */
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		size_t len = (size_t)n + 1 < JOURNAL_EVENT_MAX ? (size_t)n + 1 : JOURNAL_EVENT_MAX;

		text = xmalloc(len);
		vsnprintf(text, len, fmt, again);
	}
	va_end(again);
	json_object_object_add(e, "t", json_object_new_double(t));
	json_object_object_add(e, "kind", json_object_new_string(kind));
	json_object_object_add(e, "text", json_object_new_string(text));
	if (data)
		json_object_object_add(e, "data", data);
	if (events)
		json_object_array_add(events, e);
	else
		json_object_put(e);
	if (j->live) {
		fprintf(j->live, "  [%7.2fs] %-9s %s\n", t, kind, text);
		fflush(j->live);
	}
	if (text != small)
		free(text);
}

void journal_event(struct journal *j, const char *kind, json_object *data, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&journal_lock);
	event_locked(j, journal_now(j), kind, data, fmt, ap);
	pthread_mutex_unlock(&journal_lock);
	va_end(ap);
}

void journal_event_at(struct journal *j, double t, const char *kind, json_object *data,
                      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&journal_lock);
	event_locked(j, t, kind, data, fmt, ap);
	pthread_mutex_unlock(&journal_lock);
	va_end(ap);
}

static void event_unlocked_call(struct journal *j, const char *kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	event_locked(j, journal_now(j), kind, NULL, fmt, ap);
	va_end(ap);
}

json_object *journal_measure(double value, const char *unit, double objective, const char *method)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "value", json_object_new_double(value));
	json_object_object_add(m, "unit", json_object_new_string(unit));
	if (!isnan(objective)) {
		json_object_object_add(m, "objective", json_object_new_double(objective));
		json_object_object_add(m, "margin", json_object_new_double(objective - value));
	}
	if (method)
		json_object_object_add(m, "method", json_object_new_string(method));
	return m;
}

void journal_set(struct journal *j, const char *key, json_object *value)
{
	json_object_object_add(j->root, key, value);
}

void journal_loop_begin(struct journal *j)
{
	json_object *checks = scenario_array(j, "checks");

	if (j->loop_depth++ == 0)
		j->loop_mark = checks ? json_object_array_length(checks) : 0;
}

/* The loop's verdicts on the timeline, once each, now that they are final. */
void journal_loop_end(struct journal *j)
{
	json_object *checks = scenario_array(j, "checks");
	size_t i, n = checks ? json_object_array_length(checks) : 0;

	if (j->loop_depth == 0 || --j->loop_depth > 0)
		return;
	for (i = j->loop_mark; i < n; i++) {
		json_object *c = json_object_array_get_idx(checks, i), *e = NULL;
		int times = json_object_object_get_ex(c, "evaluations", &e) ? json_object_get_int(e) : 1;
		bool passed = json_object_get_boolean(json_object_object_get(c, "passed"));

		if (times > 1)
			journal_event(j, passed ? "check ok" : "check FAIL", NULL,
			              "%s: %s (the last of %d evaluations)",
			              json_object_get_string(json_object_object_get(c, "name")),
			              json_object_get_string(json_object_object_get(c, "figure")), times);
	}
}

/* Inside a loop: the index of this check's earlier verdict in the loop, or -1. */
static int loop_earlier(struct journal *j, json_object *checks, const char *name)
{
	size_t i, n = json_object_array_length(checks);

	if (j->loop_depth == 0)
		return -1;
	for (i = j->loop_mark; i < n; i++)
		if (strcmp(json_object_get_string(json_object_object_get(
		               json_object_array_get_idx(checks, i), "name")),
		           name) == 0)
			return (int)i;
	return -1;
}

static void check_locked(struct journal *j, const char *name, bool passed, const char *figure,
                         const char *detail, json_object *measure)
{
	json_object *c = json_object_new_object(), *checks = scenario_array(j, "checks");
	int earlier = checks ? loop_earlier(j, checks, name) : -1;

	json_object_object_add(c, "t", json_object_new_double(journal_now(j)));
	json_object_object_add(c, "name", json_object_new_string(name));
	json_object_object_add(c, "passed", json_object_new_boolean(passed));
	json_object_object_add(c, "figure", json_object_new_string(figure ? figure : ""));
	json_object_object_add(c, "detail", json_object_new_string(detail ? detail : ""));
	if (measure)
		json_object_object_add(c, "measure", measure);
	if (!passed)
		j->failed_checks++;
	if (earlier >= 0) {
		json_object *old = json_object_array_get_idx(checks, (size_t)earlier), *e = NULL;
		int times = json_object_object_get_ex(old, "evaluations", &e) ? json_object_get_int(e)
		                                                               : 1;

		if (!json_object_get_boolean(json_object_object_get(old, "passed")))
			j->failed_checks--;
		json_object_object_add(c, "evaluations", json_object_new_int(times + 1));
		json_object_array_put_idx(checks, (size_t)earlier, c);
		return;
	}
	if (checks)
		json_object_array_add(checks, c);
	else
		json_object_put(c);
	event_unlocked_call(j, passed ? "check ok" : "check FAIL", "%s: %s%s%s", name,
	                    figure ? figure : "", detail && *detail ? " - " : "",
	                    detail ? detail : "");
}

void journal_check(struct journal *j, const char *name, bool passed, const char *figure,
                   const char *detail, json_object *measure)
{
	pthread_mutex_lock(&journal_lock);
	check_locked(j, name, passed, figure, detail, measure);
	pthread_mutex_unlock(&journal_lock);
}

void journal_end_scenario(struct journal *j, const char *outcome, const char *message)
{
	pthread_mutex_lock(&journal_lock);
	if (!j->scenario) {
		pthread_mutex_unlock(&journal_lock);
		return;
	}
	j->loop_depth = 0;
	json_object_object_add(j->scenario, "end", json_object_new_double(journal_now(j)));
	json_object_object_add(j->scenario, "outcome", json_object_new_string(outcome));
	if (message)
		json_object_object_add(j->scenario, "message", json_object_new_string(message));
	if (j->live) {
		fprintf(j->live, "== %s: %s%s%s\n",
		        json_object_get_string(json_object_object_get(j->scenario, "name")),
		        outcome, message ? ": " : "", message ? message : "");
		fflush(j->live);
	}
	j->scenario = NULL;
	pthread_mutex_unlock(&journal_lock);
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static double num_field(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0.0;
}

/* The check's name, made unique in its scenario: a second "lag" is "lag #2". */
static char *unique_name(json_object *checks, size_t k)
{
	const char *name = str_field(json_object_array_get_idx(checks, k), "name");
	size_t i, same = 0;

	for (i = 0; i <= k; i++)
		same += strcmp(str_field(json_object_array_get_idx(checks, i), "name"), name) == 0;
	return same > 1 ? xasprintf("%s #%zu", name, same) : xstrdup(name);
}

/* One testcase: its time is from the verdict before it (or the scenario's start) to its
 * own; the figure goes to system-out, the measure as properties. */
static void junit_case(struct strbuf *sb, const char *suite, json_object *checks, size_t k,
                       double since)
{
	json_object *c = json_object_array_get_idx(checks, k), *m = NULL;
	char *name = unique_name(checks, k);

	strbuf_puts(sb, "    <testcase classname=\"");
	markup_text(sb, suite);
	strbuf_puts(sb, "\" name=\"");
	markup_text(sb, name);
	strbuf_printf(sb, "\" time=\"%.3f\">", num_field(c, "t") - since);
	if (json_object_object_get_ex(c, "measure", &m)) {
		strbuf_puts(sb, "<properties>");
		json_object_object_foreach(m, key, val)
		{
			if (json_object_is_type(val, json_type_array) ||
			    json_object_is_type(val, json_type_object))
				continue;
			strbuf_puts(sb, "<property name=\"");
			markup_text(sb, key);
			strbuf_puts(sb, "\" value=\"");
			markup_text(sb, json_object_get_string(val));
			strbuf_puts(sb, "\"/>");
		}
		strbuf_puts(sb, "</properties>");
	}
	if (!json_object_get_boolean(json_object_object_get(c, "passed"))) {
		strbuf_puts(sb, "<failure message=\"");
		markup_text(sb, str_field(c, "figure"));
		strbuf_puts(sb, "\">");
		markup_text(sb, str_field(c, "detail"));
		strbuf_puts(sb, "</failure>");
	}
	strbuf_puts(sb, "<system-out>");
	markup_text(sb, str_field(c, "figure"));
	strbuf_puts(sb, "</system-out></testcase>\n");
	free(name);
}

/* One testsuite per scenario, one testcase per check, and one for the scenario itself
 * so that a script error shows up even when no check ran. */
static char *junit_xml(struct journal *j)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, k, n = json_object_array_length(j->scenarios);

	strbuf_puts(&sb,
	            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"pgdrill\">\n");
	for (i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(j->scenarios, i), *checks = NULL;
		const char *name = str_field(s, "name"), *outcome = str_field(s, "outcome");
		double since = num_field(s, "start");
		size_t nc, failures = 0;

		json_object_object_get_ex(s, "checks", &checks);
		nc = checks ? json_object_array_length(checks) : 0;
		for (k = 0; k < nc; k++)
			failures += !json_object_get_boolean(
			    json_object_object_get(json_object_array_get_idx(checks, k), "passed"));
		strbuf_puts(&sb, "  <testsuite name=\"");
		markup_text(&sb, name);
		strbuf_printf(&sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" time=\"%.3f\">\n",
		              nc + 1, failures, strcmp(outcome, "error") == 0,
		              num_field(s, "end") - num_field(s, "start"));
		for (k = 0; k < nc; k++) {
			junit_case(&sb, name, checks, k, since);
			since = num_field(json_object_array_get_idx(checks, k), "t");
		}
		strbuf_puts(&sb, "    <testcase classname=\"");
		markup_text(&sb, name);
		strbuf_printf(&sb, "\" name=\"scenario\" time=\"%.3f\">",
		              num_field(s, "end") - since > 0 ? num_field(s, "end") - since : 0.0);
		if (strcmp(outcome, "error") == 0) {
			strbuf_puts(&sb, "<error message=\"");
			markup_text(&sb, str_field(s, "message"));
			strbuf_puts(&sb, "\"/>");
		}
		strbuf_puts(&sb, "</testcase>\n  </testsuite>\n");
	}
	strbuf_puts(&sb, "</testsuites>\n");
	return strbuf_detach(&sb);
}

int journal_write(struct journal *j)
{
	char *json_path = xasprintf("%s/journal.json", j->dir);
	char *junit_path = xasprintf("%s/junit.xml", j->dir), *xml = junit_xml(j);
	const char *text;
	char when[32];
	int rc = 0;

	json_object_object_add(j->root, "ended", json_object_new_string(iso_now(when, sizeof(when))));
	json_object_object_add(j->root, "duration_s", json_object_new_double(journal_now(j)));
	text = json_object_to_json_string_ext(j->root, JSON_C_TO_STRING_PRETTY);

	if (fs_write_string(json_path, text, 0644, NULL) < 0 ||
	    fs_write_string(junit_path, xml, 0644, NULL) < 0)
		rc = -1;
	free(json_path);
	free(junit_path);
	free(xml);
	return rc;
}

void journal_free(struct journal *j)
{
	if (j->root)
		json_object_put(j->root);
	free(j->dir);
	memset(j, 0, sizeof(*j));
}
