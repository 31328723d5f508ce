#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "report/audit_page.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static const struct cli_option audit_options[] = {
    {"json", 'j', NULL, "print JSON instead of text"},
    {"fail-on", 0, "SEVERITY",
     "exit 1 when a finding is at least this severe: info, warning, high (the default) or "
     "critical"},
    {"html", 0, "FILE",
     "also write the findings as an HTML page (the drills' report's look) to FILE"},
    {"runs-dir", 0, "DIR",
     "where `pgdrill run` left this lab's run directories (default: runs), for the "
     "restore-untested rule"},
    {0},
};

/* The page is rendered from the audit's JSON, as a report is from a journal. */
static int write_html(const struct lab_rt *rt, const struct audit *a, const char *path)
{
	struct strbuf js = STRBUF_INIT, page = STRBUF_INIT;
	json_object *root;
	int rc;

	audit_format_json(rt, a, &js);
	root = json_tokener_parse(strbuf_str(&js));
	report_audit_html(root, &page);
	rc = fs_write_string(path, strbuf_str(&page), 0644, NULL);
	if (rc < 0)
		cli_report_error("audit");
	json_object_put(root);
	strbuf_free(&js);
	strbuf_free(&page);
	return rc;
}

static int audit_run(const struct cli_args *args)
{
	const char *fail_on = cli_opt(args, "fail-on") ? cli_opt(args, "fail-on") : "high";
	int threshold = audit_severity_parse(fail_on), rc;
	struct strbuf out = STRBUF_INIT;
	struct audit a;
	struct lab_rt rt;
	struct lab lab;

	if (threshold < 0) {
		fprintf(stderr, "pgdrill audit: --fail-on takes info, warning, high or critical; "
		                "found '%s'\n",
		        fail_on);
		return EXIT_HARNESS;
	}
	if (cli_open_up_lab("audit", &lab, &rt, args->pos[0]) < 0)
		return EXIT_HARNESS;
	audit_init(&a);
	audit_lab(&rt, cli_opt(args, "runs-dir") ? cli_opt(args, "runs-dir") : "runs", &a);
	if (cli_opt(args, "html") && write_html(&rt, &a, cli_opt(args, "html")) < 0) {
		audit_free(&a);
		lab_rt_free(&rt);
		lab_free(&lab);
		return EXIT_HARNESS;
	}
	if (cli_flag(args, "json"))
		audit_format_json(&rt, &a, &out);
	else
		audit_format_text(&rt, &a, &out);
	fputs(strbuf_str(&out), stdout);
	rc = audit_count_at_least(&a, (enum audit_severity)threshold) > 0 ? EXIT_OBJECTIVE_MISSED
	                                                                  : 0;
	audit_free(&a);
	strbuf_free(&out);
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

const struct cli_command cmd_audit = {
    .name = "audit",
    .usage = "[options] LAB.yaml",
    .summary = "Read the live configuration of a lab's cluster and report its risks.",
    .details = "Each finding has a severity, the evidence (host:file:line, or the query), the "
               "consequence and the fix. Exit code 1 when a finding is at least --fail-on "
               "severe (default high), 0 otherwise, 2 when the lab could not be read.",
    .options = audit_options,
    .min_args = 1,
    .max_args = 1,
    .run = audit_run,
};
