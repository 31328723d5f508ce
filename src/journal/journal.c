#include "journal/journal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/strbuf.h"

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
	j->root = json_object_new_object();
	j->scenarios = json_object_new_array();
	j->t0_ms = proc_now_ms();
	j->live = live;
	j->dir = xstrdup(run_dir);
	json_object_object_add(j->root, "lab", json_object_new_string(lab));
	json_object_object_add(j->root, "started",
	                       json_object_new_string(iso_now(when, sizeof(when))));
	/* The same moment in seconds since the epoch, to the millisecond: event times are
	 * relative to it, and this lines them up with other clocks (an observer's log). */
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		json_object_object_add(
		    j->root, "started_unix",
		    json_object_new_double((double)ts.tv_sec + (double)(ts.tv_nsec / 1000000) / 1e3));
	}
	json_object_object_add(j->root, "scenarios", j->scenarios);
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
	json_object_array_add(j->scenarios, s);
	j->scenario = s;
	j->failed_checks = 0;
	j->events = 0;
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

void journal_event(struct journal *j, const char *kind, json_object *data, const char *fmt, ...)
{
	json_object *e, *events = scenario_array(j, "events");
	double t = journal_now(j);
	char text[1024];
	va_list ap;

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
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
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
}

void journal_check(struct journal *j, const char *name, bool passed, const char *figure,
                   const char *detail)
{
	json_object *c = json_object_new_object(), *checks = scenario_array(j, "checks");

	json_object_object_add(c, "t", json_object_new_double(journal_now(j)));
	json_object_object_add(c, "name", json_object_new_string(name));
	json_object_object_add(c, "passed", json_object_new_boolean(passed));
	json_object_object_add(c, "figure", json_object_new_string(figure ? figure : ""));
	json_object_object_add(c, "detail", json_object_new_string(detail ? detail : ""));
	if (checks)
		json_object_array_add(checks, c);
	else
		json_object_put(c);
	if (!passed)
		j->failed_checks++;
	journal_event(j, passed ? "check ok" : "check FAIL", NULL, "%s: %s%s%s", name,
	              figure ? figure : "", detail && *detail ? " - " : "", detail ? detail : "");
}

void journal_end_scenario(struct journal *j, const char *outcome, const char *message)
{
	if (!j->scenario)
		return;
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
}

static void xml_escaped(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			strbuf_puts(sb, "&lt;");
			break;
		case '>':
			strbuf_puts(sb, "&gt;");
			break;
		case '&':
			strbuf_puts(sb, "&amp;");
			break;
		case '"':
			strbuf_puts(sb, "&quot;");
			break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
				strbuf_putc(sb, *s);
		}
	}
}

static const char *str_field(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
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
		size_t nc, failures = 0;

		json_object_object_get_ex(s, "checks", &checks);
		nc = checks ? json_object_array_length(checks) : 0;
		for (k = 0; k < nc; k++)
			failures += !json_object_get_boolean(
			    json_object_object_get(json_object_array_get_idx(checks, k), "passed"));
		strbuf_puts(&sb, "  <testsuite name=\"");
		xml_escaped(&sb, name);
		strbuf_printf(&sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\">\n", nc + 1,
		              failures, strcmp(outcome, "error") == 0);
		for (k = 0; k < nc; k++) {
			json_object *c = json_object_array_get_idx(checks, k);

			strbuf_puts(&sb, "    <testcase classname=\"");
			xml_escaped(&sb, name);
			strbuf_puts(&sb, "\" name=\"");
			xml_escaped(&sb, str_field(c, "name"));
			strbuf_puts(&sb, "\">");
			if (!json_object_get_boolean(json_object_object_get(c, "passed"))) {
				strbuf_puts(&sb, "<failure message=\"");
				xml_escaped(&sb, str_field(c, "figure"));
				strbuf_puts(&sb, "\">");
				xml_escaped(&sb, str_field(c, "detail"));
				strbuf_puts(&sb, "</failure>");
			}
			strbuf_puts(&sb, "</testcase>\n");
		}
		strbuf_puts(&sb, "    <testcase classname=\"");
		xml_escaped(&sb, name);
		strbuf_puts(&sb, "\" name=\"scenario\">");
		if (strcmp(outcome, "error") == 0) {
			strbuf_puts(&sb, "<error message=\"");
			xml_escaped(&sb, str_field(s, "message"));
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
	const char *text = json_object_to_json_string_ext(j->root, JSON_C_TO_STRING_PRETTY);
	int rc = 0;

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
