/* The "books" workload: client threads writing rows with client-made ids through the
 * haproxy write listener and reading them back through the read listener, at a target
 * rate, reconnecting after a short backoff, each operation recorded (workload/history.h)
 * and streamed to the run directory. A lag sampler runs beside it. Memory stays flat:
 * only counters live in memory while it runs. */
#ifndef PGDRILL_WORKLOAD_WORKLOAD_H
#define PGDRILL_WORKLOAD_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "provider/provider.h"
#include "workload/history.h"

struct workload_options {
	const char *write_listener; /* haproxy listener name; NULL: the first write listener */
	const char *read_listener;  /* NULL: the first replica listener (none: no reads) */
	int clients;                /* writer threads */
	int readers;                /* reader threads (0 when the lab has no read listener) */
	double rate;                /* writes per second, all clients together; 0: flat out */
	double read_rate;           /* reads per second, all readers together; 0: flat out */
	int64_t backoff_ms;         /* after a failed connect */
	int64_t timeout_ms;         /* a statement without an answer by then is indeterminate */
	int64_t lag_every_ms;       /* lag sampling period; 0: no sampler */
	int64_t probe_every_ms;     /* during an outage, a probe write this often; 0: none */
	const char *dir;            /* where history.tsv and lag.tsv go */
	int64_t t0_us;              /* the run's monotonic start: record times count from it */
	/* Not NULL: the team's own client is the workload (workload/command.c says how it is
	 * run and what it prints); no client threads and no prober then. */
	const char *command;
};

struct workload_stats {
	size_t ops[2][3]; /* [kind][outcome] */
	size_t reconnects;
	int64_t last_ok_write_us; /* -1 none yet */
	int64_t longest_write_gap_us;
	long long worst_lag_bytes; /* sampled; -1 never sampled */
	double worst_lag_s;
	char worst_lag_host[64];
	size_t lag_samples;
	int64_t elapsed_us;
	bool running;
};

struct workload;

/* Creates the books table and the timeline function on the primary, then starts the
 * threads. NULL with the error set (bad listener, no primary, files). */
struct workload *workload_start(struct lab_rt *rt, const struct workload_options *o);
/* Stops the threads and flushes the history; idempotent. */
void workload_stop(struct workload *w);
void workload_stats(struct workload *w, struct workload_stats *out);
const char *workload_history_path(const struct workload *w);
const char *workload_dir(const struct workload *w);
/* The haproxy listener the writers go through (lab-owned). */
const char *workload_write_listener(const struct workload *w);
/* The ids of this run's books on the current primary, ascending (owned). -1 with the
 * error set when there is no single primary or the query fails. */
int workload_read_back(struct workload *w, int64_t **ids, size_t *n);
void workload_free(struct workload *w);

/* The drill is about to inject a fault (or has just injected one): until `until_us`
 * (monotonic) the outage prober keeps one write attempt under way at all times, so that
 * an outage that the fault starts is seen from its first moment, not from the clients'
 * next slot. A later call replaces the window. */
void workload_watch(struct workload *w, int64_t until_us);

/* Microseconds of CLOCK_MONOTONIC. */
int64_t workload_now_us(void);

#endif
