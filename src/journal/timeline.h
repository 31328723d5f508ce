/* A workload's run as series on the run's time axis, for the journal and the report:
 * writes per bucket by outcome, write latency per second, each standby's lag. Built from
 * the history and lag files the workload wrote; the report draws it without them. */
#ifndef PGDRILL_JOURNAL_TIMELINE_H
#define PGDRILL_JOURNAL_TIMELINE_H

#include <json-c/json.h>

#include "workload/history.h"

/* Buckets are 100 ms, doubled until at most this many cover the run. */
#define TIMELINE_MAX_BUCKETS 20000

/* The series of history `h` and the lag file at `lag_path` (NULL or unreadable: no lag
 * series). Owned. */
json_object *timeline_build(const struct history *h, const char *lag_path);

#endif
