/* What the workload's own files share: the workload's state, one operation's answer
 * classified, the connection parameters of a listener, and recording. Not for callers of
 * the workload (workload/workload.h is). */
#ifndef PGDRILL_WORKLOAD_INTERNAL_H
#define PGDRILL_WORKLOAD_INTERNAL_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "workload/workload.h"

struct client {
	struct workload *w;
	int index; /* among the threads of its kind */
	int kind;
	pthread_t thread;
	bool started;
};

struct workload {
	struct lab_rt *rt;
	struct workload_options o;
	char *dir, *history_path, *lag_path;
	char *proxy_addr, *password, write_port[16], read_port[16];
	int64_t run_id;
	pthread_mutex_t mu;
	FILE *history, *lag;
	struct workload_stats st; /* under mu */
	atomic_bool stop;
	atomic_llong last_acked_id;
	/* Writes are failing: set by the first failed write, cleared by the next ok one.
	 * The prober runs while it is set; `wake` (an eventfd) tells it so at once. */
	atomic_bool outage;
	/* Monotonic µs until which the prober watches a fault (workload_watch) whether or
	 * not writes fail. */
	atomic_llong watch_until_us;
	int wake;
	struct client *clients;
	size_t nclients;
	pthread_t sampler, prober, command;
	bool sampler_started, prober_started, command_started, stopped;
	int64_t started_us;
};

/* The INSERT every write runs: $1 run, $2 id, $3 client, $4 title. */
extern const char WORKLOAD_WRITE_SQL[];

/* The libpq keywords and values that reach a listener of kind OP_WRITE or OP_READ. */
struct listener_params {
	const char *keys[9];
	const char *vals[9];
	char timeout[24], user_timeout[24];
};
void workload_listener_params(struct workload *w, int kind, struct listener_params *p);

/* Takes, without blocking, the results libpq has of one statement's answer into *keep:
 * the first, replaced by any error that follows it. True once the answer is whole (the
 * server said it is ready for the next query); until then, more input is needed. A server
 * that sent a write's rows and then died before confirming its commit (a PANIC ends the
 * backends waiting for a synchronous standby, and their buffered rows go out with the
 * crash notice) answered with an error, not with the rows: the write is not acknowledged. */
bool workload_take_answer(PGconn *c, PGresult **keep);

/* Fills r's outcome, error and server from what an operation got back (`res`, or NULL
 * when it was not sent or the connection broke or it timed out) and a one-line message;
 * returns whether the session can go on. `who_deadline_us` > 0: on a refusal, ask the
 * session which server refused, until then. */
bool workload_classify(struct workload *w, PGconn *c, PGresult *res, bool sent, bool timed_out,
                       struct op_record *r, char *msg, size_t msg_len, int64_t who_deadline_us);

/* Appends one operation to the history and the counters (any thread). */
void workload_record(struct workload *w, struct op_record *r, const char *msg);

/* The nice value of the client and prober threads. They share two cores with the cluster
 * they measure; at the default priority a burst of backend forks (a status query before a
 * fault) delayed a client's next write by 14 ms, so the moment writes stopped was seen
 * that late. Ahead of the cluster's processes, the clients' times are the cluster's.
 * bench/workload.sh runs pgbench at the same value. */
#define WORKLOAD_NICE -10
void workload_thread_priority(void);

/* The outage prober's thread (workload/prober.c). */
void *workload_prober_main(void *arg);
/* The command workload's thread (workload/command.c). */
void *workload_command_main(void *arg);
/* One line of the command's output as a record: times from Unix microseconds to the
 * run's, given realtime - monotonic; 0, or -1 when it is not an op line. */
int workload_command_parse(const char *line, int64_t realtime_offset_us, int64_t t0_us,
                           struct op_record *r, char *msg, size_t msg_len);

#endif
