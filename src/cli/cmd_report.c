/* pgdrill report RUN_DIR...: the HTML report (or Markdown) of runs, from their journals
 * alone: no lab, no root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "report/report.h"
#include "util/error.h"
#include "util/fsutil.h"

static const struct cli_option report_options[] = {
    {"output", 'o', "FILE",
     "where to write it (default: RUN_DIR/report.html for one run, ./report.html for "
     "several; with --md, standard output)"},
    {"md", 0, NULL, "Markdown (for a CI job summary or a pull request) instead of HTML"},
    {0},
};

static int report_run(const struct cli_args *args)
{
	struct report_run *runs = xcalloc((size_t)args->npos, sizeof(*runs));
	const char *out_path = cli_opt(args, "output");
	struct strbuf out = STRBUF_INIT;
	bool md = cli_flag(args, "md");
	char *path = NULL;
	int i, rc = EXIT_HARNESS;

	for (i = 0; i < args->npos; i++) {
		runs[i].dir = args->pos[i];
		runs[i].journal = report_load_journal(args->pos[i]);
		if (!runs[i].journal) {
			cli_report_error("report");
			goto done;
		}
	}
	if (md)
		report_markdown(runs, (size_t)args->npos, &out);
	else
		report_html(runs, (size_t)args->npos, &out);
	if (md && !out_path) {
		fputs(strbuf_str(&out), stdout);
		rc = 0;
		goto done;
	}
	path = out_path ? xstrdup(out_path)
	       : args->npos == 1 ? xasprintf("%s/report.html", args->pos[0])
	                         : xstrdup("report.html");
	if (fs_write_string(path, strbuf_str(&out), 0644, NULL) < 0) {
		cli_report_error("report");
		goto done;
	}
	printf("report: %s\n", path);
	rc = 0;
done:
	for (i = 0; i < args->npos; i++)
		json_object_put(runs[i].journal);
	free(runs);
	free(path);
	strbuf_free(&out);
	return rc;
}

const struct cli_command cmd_report = {
    .name = "report",
    .usage = "[options] RUN_DIR...",
    .summary = "Write the report of drill runs (one HTML page, or Markdown) from their journals.",
    .details = "Reads journal.json in each run directory (what `pgdrill run` wrote) and "
               "renders one self-contained page: the verdicts against their objectives "
               "with margins, a readiness summary, each drill's timeline (faults, writes, "
               "the RTO window, latency, lag), lost writes, and where the figures come "
               "from. No lab and no root needed; `pgdrill run` writes report.html itself.",
    .options = report_options,
    .min_args = 1,
    .max_args = -1,
    .run = report_run,
};
