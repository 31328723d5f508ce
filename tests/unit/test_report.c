/* The report renderers and the journal's format 2, on hand-built journals: hostile text
 * renders as text, figures come out as data, a check in a loop is one verdict, JUnit names
 * are unique. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "journal/journal.h"
#include "journal/timeline.h"
#include "report/html.h"
#include "report/phases.h"
#include "report/report.h"
#include "util/fsutil.h"

#define EVIL "<script>alert(1)</script>\"' onload=x & \x01\x1b[31m"

static json_object *hostile_journal(void)
{
	const char *text =
	    "{\"format\":2,\"lab\":\"" "<img src=x onerror=alert(1)>" "\",\"started\":\"<b>\","
	    "\"provenance\":{\"user\":\"<script>u</script>\",\"versions\":{\"<x>\":\"</td><script>\"},"
	    "\"lab_resolved\":{\"name\":\"</pre><script>l</script>\"}},"
	    "\"scenarios\":[{\"name\":\"<script>s</script>\",\"file\":\"a.lua\",\"start\":0,"
	    "\"end\":10,\"outcome\":\"<script>o</script>\",\"message\":\"</pre><script>m</script>\","
	    "\"events\":[{\"t\":1,\"kind\":\"fault\",\"text\":\"<script>f</script>\",\"data\":{\"id\":1,"
	    "\"fault\":\"<script>k</script>\",\"host\":\"\\\"><script>h</script>\",\"reversible\":true}},"
	    "{\"t\":2,\"kind\":\"note\",\"text\":\"<script>n</script>\"},"
	    "{\"t\":9,\"kind\":\"workload\",\"text\":\"w\",\"data\":{\"timeline\":{\"start_s\":0.5,"
	    "\"end_s\":9,\"bucket_s\":0.1,\"writes_ok\":[1,2,\"<script>\"],\"writes_failed\":[0,1],"
	    "\"writes_indeterminate\":[],\"latency_p50_ms\":[1,null],\"latency_p99_ms\":[2,\"x\"],"
	    "\"lag_bytes\":{\"</title><script>p</script>\":[[1,10],[2,null],[\"x\",3]]}}}}],"
	    "\"checks\":[{\"t\":5,\"name\":\"<script>c</script>\",\"passed\":false,"
	    "\"figure\":\"<script>g</script>\",\"detail\":\"<script>d</script>\","
	    "\"measure\":{\"value\":1,\"unit\":\"<script>\",\"objective\":\"NaN\",\"method\":\"<b>\"}},"
	    "{\"t\":6,\"name\":\"rto\",\"passed\":true,\"figure\":\"r\",\"detail\":\"\","
	    "\"measure\":{\"value\":2.5,\"unit\":\"s\",\"objective\":15,\"margin\":12.5,"
	    "\"from_s\":3,\"to_s\":5.5}},"
	    "{\"t\":7,\"name\":\"lost writes\",\"passed\":true,\"figure\":\"l\",\"detail\":\"\","
	    "\"measure\":{\"value\":0,\"unit\":\"writes\",\"lost\":0,\"lost_ids\":[\"<script>\"]}}]}]}";
	json_object *j = json_tokener_parse(text);

	assert_non_null(j);
	return j;
}

/* No element or attribute from the journal survives: the only tags are the renderer's. */
static void test_hostile_strings_render_as_text(void **state)
{
	json_object *j = hostile_journal();
	struct report_run run = {.dir = "/runs/<script>dir</script>", .journal = j};
	struct strbuf html = STRBUF_INIT;
	const char *s;

	(void)state;
	report_html(&run, 1, &html);
	s = strbuf_str(&html);
	assert_null(strcasestr(s, "<script"));
	assert_null(strcasestr(s, "<img"));
	assert_null(strchr(s, '\x1b'));
	assert_non_null(strstr(s, "&lt;script&gt;s&lt;/script&gt;"));
	assert_non_null(strstr(s, "&lt;img src=x onerror=alert(1)&gt;"));
	/* The outcome becomes a class token, never markup. */
	assert_non_null(strstr(s, "data-outcome=\"-script-o--script-\""));
	/* The RTO's figures are data in the DOM, with the objective's margin. */
	assert_non_null(strstr(s, "data-check=\"rto\" data-passed=\"true\""));
	assert_non_null(strstr(s, "data-value=\"2.5\""));
	assert_non_null(strstr(s, "RTO 2.500 s"));
	strbuf_free(&html);
	json_object_put(j);
}

/* `pgdrill run --audit`: the audit's findings become a section of the report, as text. */
static void test_audit_section_in_the_report(void **state)
{
	json_object *j = hostile_journal();
	json_object *audit = json_tokener_parse(
	    "{\"lab\": \"t\", \"provider\": \"netns\", \"counts\": {\"high\": 1},"
	    " \"findings\": [{\"severity\": \"high\", \"rule\": \"haproxy-pgsql-check\","
	    " \"title\": \"<script>t</script>\", \"evidence\": \"haproxy:haproxy.cfg:9: x\","
	    " \"consequence\": \"c\", \"fix\": \"f\"}], \"not_checked\": [\"<b>sudo</b>\"]}");
	struct report_run run = {.dir = "/runs/x", .journal = j};
	struct strbuf html = STRBUF_INIT;
	const char *s, *section;

	(void)state;
	assert_non_null(audit);
	report_html(&run, 1, &html);
	assert_null(strstr(strbuf_str(&html), "Readiness audit")); /* none without --audit */
	strbuf_free(&html);
	json_object_object_add(j, "audit", audit);
	report_html(&run, 1, &html);
	s = strbuf_str(&html);
	section = strstr(s, "<h2 id=\"audit\">Readiness audit after the drills</h2>");
	assert_non_null(section);
	assert_non_null(strstr(section, "<code>haproxy-pgsql-check</code>"));
	assert_non_null(strstr(section, "haproxy:haproxy.cfg:9: x"));
	assert_non_null(strstr(section, "&lt;script&gt;t&lt;/script&gt;"));
	assert_non_null(strstr(section, "&lt;b&gt;sudo&lt;/b&gt;"));
	assert_null(strcasestr(s, "<script"));
	/* before the provenance, after the drills */
	assert_true(section < strstr(s, "<h2>Provenance</h2>"));
	strbuf_free(&html);
	json_object_put(j);
}

static void test_markdown_cells_stay_cells(void **state)
{
	json_object *j = json_tokener_parse(
	    "{\"lab\":\"a|b\",\"scenarios\":[{\"name\":\"x|y\\nz\",\"outcome\":\"passed\","
	    "\"checks\":[{\"name\":\"<b>c</b>\",\"passed\":true,\"measure\":{\"value\":1.25,"
	    "\"unit\":\"s\",\"objective\":2,\"margin\":0.75}}]}]}");
	struct report_run run = {.dir = "d", .journal = j};
	struct strbuf md = STRBUF_INIT;
	const char *s;

	(void)state;
	report_markdown(&run, 1, &md);
	s = strbuf_str(&md);
	assert_non_null(strstr(s, "| x\\|y z | (drill) | passed |"));
	assert_non_null(strstr(s, "&#60;b&#62;c&#60;/b&#62; | passed | 1.250 s | 2.000 s | 0.750 s |"));
	assert_non_null(strstr(s, "**1 of 1 drills**"));
	strbuf_free(&md);
	json_object_put(j);
}

static void test_markup_text_drops_controls_and_bad_utf8(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	markup_text(&sb, "a\x01" "b\xff" "c\xc3\xa9\n" EVIL);
	assert_string_equal(strbuf_str(&sb), "ab\xef\xbf\xbd" "c\xc3\xa9\n&lt;script&gt;alert(1)&lt;"
	                                     "/script&gt;&quot;&#39; onload=x &amp; [31m");
	strbuf_free(&sb);
}

/* html_fill: markup only from the template; an argument is text or a class token. */
static void test_html_fill_keeps_arguments_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	html_fill(&sb, "<td class=\"%t\">%s%%</td>%", "Bad \"class\" <x>", EVIL);
	assert_string_equal(strbuf_str(&sb),
	                    "<td class=\"bad--class---x-\">&lt;script&gt;alert(1)&lt;/script&gt;"
	                    "&quot;&#39; onload=x &amp; [31m%</td>%");
	strbuf_free(&sb);
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/pgdrill-test-report-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

/* A check evaluated in a loop is one verdict (the last), and a failure the loop got past
 * does not fail the drill; outside a loop, each evaluation is its own verdict with a
 * unique JUnit name. */
static void test_loop_keeps_the_last_verdict(void **state)
{
	char *dir = tmpdir(), *xml = NULL, *junit;
	struct journal j;
	json_object *checks, *c;
	size_t len;

	(void)state;
	journal_open(&j, dir, "lab", NULL);
	journal_begin_scenario(&j, "s", "s.lua");
	journal_loop_begin(&j);
	journal_check(&j, "lag", false, "1 MB", "", journal_measure(1048576, "bytes", 16, NULL));
	journal_check(&j, "lag", false, "2 kB", "", NULL);
	journal_check(&j, "lag", true, "0 bytes", "", journal_measure(0, "bytes", 16, "m"));
	journal_loop_end(&j);
	journal_check(&j, "lag", true, "0 bytes", "", NULL);
	assert_int_equal(j.failed_checks, 0);
	checks = json_object_object_get(journal_scenario(&j), "checks");
	assert_int_equal(json_object_array_length(checks), 2);
	c = json_object_array_get_idx(checks, 0);
	assert_true(json_object_get_boolean(json_object_object_get(c, "passed")));
	assert_int_equal(json_object_get_int(json_object_object_get(c, "evaluations")), 3);
	assert_int_equal(json_object_get_double(json_object_object_get(
	                     json_object_object_get(c, "measure"), "margin")),
	                 16);
	journal_end_scenario(&j, "passed", NULL);
	assert_int_equal(journal_write(&j), 0);
	junit = xasprintf("%s/junit.xml", dir);
	assert_int_equal(fs_read_file(junit, &xml, &len), 0);
	assert_non_null(strstr(xml, "name=\"lag\" time=\""));
	assert_non_null(strstr(xml, "name=\"lag #2\" time=\""));
	assert_non_null(strstr(xml, "<property name=\"value\" value=\"0.0\"/>"));
	assert_non_null(strstr(xml, "<system-out>0 bytes</system-out>"));
	journal_free(&j);
	free(xml);
	unlink(junit);
	free(junit);
	junit = xasprintf("%s/journal.json", dir);
	unlink(junit);
	free(junit);
	rmdir(dir);
	free(dir);
}

/* Buckets count writes by outcome where they ended; latency per second; lag per standby. */
static void test_timeline_series(void **state)
{
	struct history h = {0};
	struct op_record ok1 = {.start_us = 1000000, .end_us = 1004000, .id = 1, .kind = OP_WRITE};
	struct op_record ok2 = {.start_us = 1050000, .end_us = 1060000, .id = 2, .kind = OP_WRITE};
	struct op_record bad = {.start_us = 1150000, .end_us = 1250000, .kind = OP_WRITE,
	                        .outcome = OP_FAILED};
	json_object *tl, *a;
	char path[] = "/tmp/pgdrill-test-lag-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	(void)state;
	fputs("# t_s\tstandby\tlag_bytes\tlag_s\twal_receiver\n0.5\tp2\t208\t0.001\tstreaming\n"
	      "1.0\tp2\t-1\t-1\t-\n",
	      f);
	fclose(f);
	history_add(&h, &ok1, NULL);
	history_add(&h, &ok2, NULL);
	history_add(&h, &bad, "x");
	tl = timeline_build(&h, path);
	assert_true(fabs(json_object_get_double(json_object_object_get(tl, "start_s")) - 1.0) < 1e-9);
	a = json_object_object_get(tl, "writes_ok");
	assert_int_equal(json_object_array_length(a), 3);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(a, 0)), 2);
	a = json_object_object_get(tl, "writes_failed");
	assert_int_equal(json_object_get_int(json_object_array_get_idx(a, 2)), 1);
	a = json_object_object_get(tl, "latency_p99_ms");
	assert_true(fabs(json_object_get_double(json_object_array_get_idx(a, 0)) - 10.0) < 1e-9);
	a = json_object_object_get(json_object_object_get(tl, "lag_bytes"), "p2");
	assert_int_equal(json_object_array_length(a), 2);
	assert_null(json_object_array_get_idx(json_object_array_get_idx(a, 1), 1));
	json_object_put(tl);
	history_free(&h);
	unlink(path);
}

static json_object *failover_logged(double first_ok, const char *evidence)
{
	char text[2048];

	snprintf(text, sizeof(text),
	         "{\"name\":\"kill_primary\",\"start\":0,\"end\":20,\"outcome\":\"passed\","
	         "\"events\":[{\"t\":12,\"kind\":\"workload\",\"text\":\"w\",\"data\":{"
	         "\"timeline\":{\"lag_bytes\":{\"p3\":[[2.5,0],[3.5,null],[8.8,null],[9.3,0]]}}}}],"
	         "\"checks\":[{\"t\":6.5,\"name\":\"new primary\",\"passed\":true},"
	         "{\"t\":12,\"name\":\"rto\",\"passed\":true,\"measure\":{\"value\":%g,"
	         "\"unit\":\"s\",\"recovered\":1,\"fault_s\":3.0,\"from_s\":2.99,"
	         "\"to_s\":%g%s}}]}",
	         first_ok - 2.99, first_ok, evidence);
	return json_tokener_parse(text);
}

static json_object *failover(double first_ok)
{
	return failover_logged(first_ok, "");
}

/* The RTO's phases from the journal's evidence, against the prediction from the lab's
 * timers: within it, nothing to explain; beyond it, the phase that ran long is named. */
static void test_rto_phases_against_the_timers(void **state)
{
	json_object *prov = json_tokener_parse(
	    "{\"lab_resolved\":{\"repmgr\":{\"monitor_interval_ms\":1000,"
	    "\"reconnect_attempts\":3,\"reconnect_interval_ms\":1000},\"haproxy\":{"
	    "\"listeners\":[{\"target\":\"replica\",\"check_interval_ms\":9000,\"rise\":9},"
	    "{\"target\":\"primary\",\"check_interval_ms\":1000,\"rise\":1}]},"
	    "\"workload\":{\"reconnect_backoff_ms\":5}}}");
	json_object *slow = failover(9.0), *fast = failover(7.2);
	struct rto_phases p;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	rto_phases(slow, prov, &p);
	assert_true(p.have && p.predicted);
	assert_true(fabs(p.predicted_lo - 2.005) < 1e-9 && fabs(p.predicted_hi - 5.005) < 1e-9);
	assert_true(fabs(p.promoted - 6.5) < 1e-9);
	assert_true(fabs(p.standby_lo - 8.8) < 1e-9 && fabs(p.standby_hi - 9.3) < 1e-9);
	rto_phases_html(&sb, &p);
	assert_non_null(strstr(strbuf_str(&sb), "data-disagree=\"true\""));
	assert_non_null(strstr(strbuf_str(&sb), "re-routing and reconnection took 2.500"));
	assert_null(strstr(strbuf_str(&sb), "data-phase=\"detection\""));
	assert_non_null(strstr(strbuf_str(&sb), "suggests they waited for it"));
	strbuf_reset(&sb);
	rto_phases(fast, prov, &p);
	rto_phases_html(&sb, &p);
	assert_non_null(strstr(strbuf_str(&sb), "data-disagree=\"false\""));
	strbuf_free(&sb);
	json_object_put(slow);
	json_object_put(fast);
	json_object_put(prov);
}

/* With the logs' evidence, four phases, each against its own timer: the one that ran long
 * is named, and an evidence time out of order is not used. */
static void test_rto_in_four_phases(void **state)
{
	json_object *prov = json_tokener_parse(
	    "{\"lab_resolved\":{\"repmgr\":{\"monitor_interval_ms\":1000,"
	    "\"reconnect_attempts\":3,\"reconnect_interval_ms\":1000},\"haproxy\":{"
	    "\"listeners\":[{\"target\":\"primary\",\"check_interval_ms\":500,\"rise\":1}]},"
	    "\"workload\":{\"reconnect_backoff_ms\":5}}}");
	json_object *slow = failover_logged(
	    9.0, ",\"failover\":{\"host\":\"p2\",\"listener\":\"w<b>\","
	         "\"promote_requested_s\":6.25,\"promoted_s\":6.375,\"routed_s\":6.625}");
	json_object *odd = failover_logged(
	    9.0, ",\"failover\":{\"host\":\"p2\",\"promote_requested_s\":6.2,"
	         "\"promoted_s\":6.1,\"routed_s\":6.6}");
	struct rto_phases p;
	struct strbuf sb = STRBUF_INIT;
	const char *html;

	(void)state;
	rto_phases(slow, prov, &p);
	rto_phases_html(&sb, &p);
	html = strbuf_str(&sb);
	assert_non_null(strstr(html, "<tr data-phase=\"detection\" data-observed=\"3.25\""));
	assert_non_null(strstr(html, "<tr data-phase=\"promotion\" data-observed=\"0.125\""));
	assert_non_null(strstr(html, "<tr data-phase=\"rerouting\" data-observed=\"0.25\""));
	assert_non_null(strstr(html, "<tr data-phase=\"reconnection\" data-observed=\"2.375\""));
	assert_non_null(strstr(html, "Server w&lt;b&gt;/p2 is UP"));
	assert_non_null(strstr(html, "The reconnection took 2.375"));
	assert_null(strstr(html, "The detection took"));
	assert_non_null(strstr(html, "suggests they waited for it"));
	/* Ready before the request: the promotion and what follows are not measured. */
	strbuf_reset(&sb);
	rto_phases(odd, prov, &p);
	assert_true(isnan(p.log_ready) && isnan(p.log_routed));
	rto_phases_html(&sb, &p);
	assert_non_null(strstr(strbuf_str(&sb), "<tr data-phase=\"promotion\"><td>"));
	strbuf_free(&sb);
	json_object_put(slow);
	json_object_put(odd);
	json_object_put(prov);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hostile_strings_render_as_text),
	    cmocka_unit_test(test_audit_section_in_the_report),
	    cmocka_unit_test(test_markdown_cells_stay_cells),
	    cmocka_unit_test(test_markup_text_drops_controls_and_bad_utf8),
	    cmocka_unit_test(test_html_fill_keeps_arguments_text),
	    cmocka_unit_test(test_loop_keeps_the_last_verdict),
	    cmocka_unit_test(test_timeline_series),
	    cmocka_unit_test(test_rto_phases_against_the_timers),
	    cmocka_unit_test(test_rto_in_four_phases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
