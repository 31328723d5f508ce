/* The run journal: what a drill did and saw, with times, as JSON (journal.json), JUnit
 * XML (junit.xml) for CI, and a live timeline on the terminal while it runs. */
#ifndef PGDRILL_JOURNAL_JOURNAL_H
#define PGDRILL_JOURNAL_JOURNAL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>

/* journal.json's format: 2 added figures as data, provenance and the workloads' timelines
 * (docs/journal.md). */
#define JOURNAL_FORMAT 2

struct journal {
	json_object *root;
	json_object *scenarios;
	json_object *scenario; /* the one running, borrowed from scenarios */
	long long t0_ms;       /* monotonic start of the run: event times are relative */
	double t0_unix;        /* the same moment in seconds since the epoch */
	FILE *live;            /* the timeline; NULL for none */
	char *dir;             /* run directory */
	int failed_checks;     /* in the current scenario */
	long events;           /* in the current scenario, held to JOURNAL_MAX_EVENTS */
	int loop_depth;        /* inside wait_until: a check repeated replaces its last verdict */
	size_t loop_mark;      /* the checks recorded before the outermost loop began */
};

/* A scenario's timeline keeps at most this many events (a drill printing in a loop
 * cannot fill the machine's memory); one more says the rest was dropped. */
#define JOURNAL_MAX_EVENTS 100000

int journal_open(struct journal *j, const char *run_dir, const char *lab, FILE *live);
/* The journal of RUN_DIR (journal.json) opened again to add to it, its times still from
 * its own start; -1 with the error set when it is not a journal of lab LAB. */
int journal_resume(struct journal *j, const char *run_dir, const char *lab);
void journal_begin_scenario(struct journal *j, const char *name, const char *file);
/* Seconds since the run started. */
double journal_now(const struct journal *j);
/* An event on the timeline; `data` (owned, may be NULL) goes into the JSON as is. */
void journal_event(struct journal *j, const char *kind, json_object *data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* An event at T seconds of the run (something seen after the fact), not now. */
void journal_event_at(struct journal *j, double t, const char *kind, json_object *data,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A check's figure as data: the measured value, its unit, the objective it is held to
 * (a maximum; NAN for none, then no margin either) and how it was measured. Callers add
 * further numbers to the object. Owned by the caller until given to journal_check. */
json_object *journal_measure(double value, const char *unit, double objective,
                             const char *method);
/* A check's verdict against an objective; `measure` (owned, may be NULL) is its figure as
 * data. Inside a loop (journal_loop_begin), a check of a name already recorded in the
 * loop replaces that verdict: one verdict per check, the last, with its count. */
void journal_check(struct journal *j, const char *name, bool passed, const char *figure,
                   const char *detail, json_object *measure);
void journal_loop_begin(struct journal *j);
void journal_loop_end(struct journal *j);
/* Run-level facts (provenance, the resolved lab) under `key`; `value` owned. */
void journal_set(struct journal *j, const char *key, json_object *value);
/* Where scenario-level facts go (objectives, name). Borrowed. */
json_object *journal_scenario(struct journal *j);
/* outcome: "passed", "failed" (an objective missed) or "error" (the harness or script). */
void journal_end_scenario(struct journal *j, const char *outcome, const char *message);
/* journal.json and junit.xml into the run directory. */
int journal_write(struct journal *j);
void journal_free(struct journal *j);

/* A new run directory: BASE/YYYYmmdd-HHMMSS-LAB-SCENARIO, with -2, -3... when one of
 * that name exists already (two rounds in one second). Owned; NULL with the error set. */
char *journal_run_dir(const char *base, const char *lab, const char *scenario);
/* Keeps the newest `keep` run directories of lab LAB in BASE (those whose journal.json
 * names that lab) and removes the older ones; anything else in BASE is left alone.
 * Returns how many were removed, or -1 with the error set. */
int journal_prune_runs(const char *base, const char *lab, int keep);
/* The run directories of lab LAB in BASE (names only), oldest first: their names sort by
 * time. -1 with the error set when BASE cannot be read. */
int journal_list_runs(const char *base, const char *lab, char ***names, size_t *n);
void journal_runs_free(char **names, size_t n);

#endif
