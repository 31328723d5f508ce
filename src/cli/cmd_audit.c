#include <stdio.h>
#include <stdlib.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "util/strbuf.h"

static const struct cli_option audit_options[] = {
    {"json", 'j', NULL, "print JSON instead of text"},
    {"fail-on", 0, "SEVERITY",
     "exit 1 when a finding is at least this severe: info, warning, high (the default) or "
     "critical"},
    {"runs-dir", 0, "DIR",
     "where `pgdrill run` left this lab's run directories (default: runs), for the "
     "restore-untested rule"},
    {0},
};

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
