/* Trends across runs: `pgdrill report --history DIR` reads every run directory in DIR (a
 * CI artifact folder, the runs/ of nightly drills), and per lab, drill and check shows
 * the measured values over time, marking regressions: the latest run worse than the
 * median of the runs before it. */
#ifndef PGDRILL_REPORT_HISTORY_H
#define PGDRILL_REPORT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "util/strbuf.h"

/* The most run directories read; beyond it, the newest are kept. */
#define HISTORY_MAX_RUNS 2000

/* The regression rule: the latest value exceeds the median of up to this many runs
 * before it by more than `pct` percent, and by more than this share of its objective
 * (so noise far below the objective is not a regression; with an objective of 0, as
 * lost writes under RPO 0, any increase is). A drill that passed before and does not now
 * is one too. */
#define HISTORY_BASELINE_RUNS 10
#define HISTORY_MIN_SHARE_OF_OBJECTIVE 0.05

struct trend_summary {
	size_t runs, series, regressions;
};

/* Renders the trends of the runs in `dir` as HTML or Markdown into `out`; -1 with the
 * error set when `dir` cannot be read or holds no run. */
int report_history(const char *dir, double pct, bool markdown, struct strbuf *out,
                   struct trend_summary *summary);

#endif
