/* pgdrill report RUN_DIR...: the HTML report (or Markdown) of runs, from their journals
 * alone: no lab, no root. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "report/history.h"
#include "report/report.h"
#include "util/error.h"
#include "util/fsutil.h"

static const struct cli_option report_options[] = {
    {"output", 'o', "FILE",
     "where to write it (default: RUN_DIR/report.html for one run, ./report.html for "
     "several; with --md, standard output)"},
    {"md", 0, NULL, "Markdown (for a CI job summary or a pull request) instead of HTML"},
    {"history", 0, "DIR",
     "trends across every run directory in DIR instead: per drill and check, the values "
     "over time with regressions marked (default output: DIR/trends.html)"},
    {"fail-on-regression", 0, "PCT",
     "with --history: exit 1 when the latest run is worse than the runs before it by more "
     "than PCT percent (default threshold for marking: 20)"},
    {0},
};

/* A percentage from 0 to 10000; -1 when bad (said on stderr). */
static double percent_option(const char *v)
{
	char *end;
	double pct;

	if (!v)
		return 20;
	pct = strtod(v, &end);
	if (*v && !*end && pct >= 0 && pct <= 10000)
		return pct;
	fprintf(stderr, "pgdrill report: --fail-on-regression needs a percentage from 0 to "
	                "10000; found '%s'\n",
	        v);
	return -1;
}

/* Writes `text` to `path` (or standard output when path is NULL) and says where. */
static int emit(const char *path, const char *text)
{
	if (!path) {
		fputs(text, stdout);
		return 0;
	}
	if (fs_write_string(path, text, 0644, NULL) < 0) {
		cli_report_error("report");
		return -1;
	}
	printf("report: %s\n", path);
	return 0;
}

static int history_run(const struct cli_args *args)
{
	const char *dir = cli_opt(args, "history"), *out_path = cli_opt(args, "output");
	double pct = percent_option(cli_opt(args, "fail-on-regression"));
	bool md = cli_flag(args, "md");
	struct strbuf out = STRBUF_INIT;
	struct trend_summary sum;
	char *path = NULL;
	int rc = EXIT_HARNESS;

	if (pct < 0)
		return EXIT_HARNESS;
	if (args->npos > 0) {
		fprintf(stderr, "pgdrill report: --history DIR takes no run directories besides\n");
		return EXIT_HARNESS;
	}
	if (report_history(dir, pct, md, &out, &sum) < 0) {
		cli_report_error("report");
		goto done;
	}
	path = out_path ? xstrdup(out_path) : md ? NULL : xasprintf("%s/trends.html", dir);
	if (emit(path, strbuf_str(&out)) < 0)
		goto done;
	fprintf(md && !path ? stderr : stdout, "%zu runs, %zu series, %zu regression%s\n",
	        sum.runs, sum.series, sum.regressions, sum.regressions == 1 ? "" : "s");
	rc = sum.regressions && cli_opt(args, "fail-on-regression") ? EXIT_OBJECTIVE_MISSED : 0;
done:
	strbuf_free(&out);
	free(path);
	return rc;
}

static int report_run(const struct cli_args *args)
{
	struct report_run *runs;
	const char *out_path = cli_opt(args, "output");
	struct strbuf out = STRBUF_INIT;
	bool md = cli_flag(args, "md");
	char *path = NULL;
	int i, rc = EXIT_HARNESS;

	if (cli_opt(args, "history"))
		return history_run(args);
	if (cli_opt(args, "fail-on-regression")) {
		fprintf(stderr, "pgdrill report: --fail-on-regression goes with --history DIR\n");
		return EXIT_HARNESS;
	}
	if (args->npos == 0) {
		fprintf(stderr, "pgdrill report: name a run directory (or --history DIR)\n");
		return EXIT_HARNESS;
	}
	runs = xcalloc((size_t)args->npos, sizeof(*runs));
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
	path = out_path      ? xstrdup(out_path)
	       : md             ? NULL
	       : args->npos == 1 ? xasprintf("%s/report.html", args->pos[0])
	                         : xstrdup("report.html");
	rc = emit(path, strbuf_str(&out)) < 0 ? EXIT_HARNESS : 0;
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
    .usage = "[options] RUN_DIR... | --history DIR",
    .summary = "Write the report of drill runs (one HTML page, or Markdown) from their journals.",
    .details = "Reads journal.json in each run directory (what `pgdrill run` wrote) and "
               "renders one self-contained page: the verdicts against their objectives "
               "with margins, a readiness summary, each drill's timeline (faults, writes, "
               "the RTO window, latency, lag), lost writes, and where the figures come "
               "from. No lab and no root needed; `pgdrill run` writes report.html itself. "
               "With --history DIR, the trends across every run in DIR instead, with "
               "regressions marked; exit 1 with --fail-on-regression when there is one.",
    .options = report_options,
    .min_args = 0,
    .max_args = -1,
    .run = report_run,
};
