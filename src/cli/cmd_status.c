#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "util/error.h"
#include "roles/doctor.h"
#include "roles/heal_manual.h"
#include "roles/health.h"
#include "roles/status.h"

static const struct cli_option status_options[] = {
    {"json", 'j', NULL, "print JSON instead of a table"},
    {0},
};

static int status_run(const struct cli_args *args)
{
	struct strbuf out = STRBUF_INIT;
	struct lab_status st;
	struct lab_rt rt;
	struct lab lab;
	int rc = EXIT_HARNESS;

	if (cli_open_up_lab("status", &lab, &rt, args->pos[0]) < 0)
		return EXIT_HARNESS;
	if (!rt.ops->builds_hosts) {
		struct doctor_report rep;

		/* Existing hosts: checked again as 'up' did, then the cluster as for any lab. */
		printf("lab '%s': %zu existing hosts over SSH\n", lab.name, rt.nhosts);
		if (doctor_check(&rt, stdout, NULL, &rep) < 0) {
			cli_report_error("status");
			goto cleanup;
		}
	}
	status_collect(&rt, &st);
	if (cli_flag(args, "json"))
		status_format_json(&rt, &st, &out);
	else
		status_format_table(&rt, &st, &out);
	fputs(strbuf_str(&out), stdout);
	rc = st.primaries == 1 ? 0 : EXIT_OBJECTIVE_MISSED;
	if (!cli_flag(args, "json")) {
		struct health h;

		health_assess(&rt, &h);
		if (!h.healthy) {
			char *steps = heal_manual_procedure(&rt, args->pos[0]);

			/* The next drill's heal would try this; a DBA may rather do it by hand. */
			printf("\nnot healthy: %s\nto repair it by hand:\n%s\n", h.why, steps);
			free(steps);
		}
	}
	status_free(&st);
	strbuf_free(&out);
cleanup:
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

const struct cli_command cmd_status = {
    .name = "status",
    .usage = "[options] LAB.yaml",
    .summary = "Show each host as PostgreSQL, repmgr and haproxy see it, with lag.",
    .details = "Exit code 0 when exactly one server accepts writes, 1 otherwise. A lab that is not "
                "healthy gets the steps that repair it by hand.",
    .options = status_options,
    .min_args = 1,
    .max_args = 1,
    .run = status_run,
};
