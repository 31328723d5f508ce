#include "workload/workload.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "roles/pg.h"
#include "roles/secrets.h"
#include "roles/status.h"
#include "provider/host.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "workload/internal.h"

const char WORKLOAD_WRITE_SQL[] =
    "INSERT INTO books (run, id, client, title) VALUES ($1, $2, $3, $4)"
    " RETURNING host(inet_server_addr()), pgdrill_timeline()";
static const char READ_SQL[] = "SELECT host(inet_server_addr()), pgdrill_timeline(),"
                               " (SELECT count(*) FROM books WHERE run = $1 AND id = $2)";
static const char WHO_SQL[] = "SELECT host(inet_server_addr()), pgdrill_timeline()";
/* Each connection prepares its statement once: what a real application does, and the
 * server parses nothing per operation. */
static const char STMT[] = "books_op";

int64_t workload_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- the schema ------------------------------------------------------------------------ */

static const struct lab_host_rt *single_primary(struct lab_rt *rt, struct lab_status *st)
{
	const struct lab_host_rt *p;

	status_collect_views(rt, st, false);
	p = status_primary(st);
	if (st->primaries != 1) {
		error_set("the lab has %d servers accepting writes; the workload needs exactly one",
		          st->primaries);
		return NULL;
	}
	return p;
}

/* The table and a function telling a server's timeline (primary: from its current WAL
 * file; standby: what it receives), callable by the application role. */
static int create_schema(struct lab_rt *rt, const struct lab_host_rt *p)
{
	const struct lab_credentials *cr = &rt->lab->credentials;
	PGconn *c = pg_admin_connect(rt, p, cr->app_database, 5);
	char *user;
	char *sql;
	int rc;

	if (!c)
		return -1;
	user = PQescapeIdentifier(c, cr->app_user, strlen(cr->app_user));
	sql = xasprintf(
	    "SET client_min_messages = warning;"
	    "CREATE TABLE IF NOT EXISTS books (run bigint NOT NULL, id bigint NOT NULL,"
	    " client int NOT NULL, title text NOT NULL,"
	    " written_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run, id));"
	    "ALTER TABLE books OWNER TO %s;"
	    "CREATE OR REPLACE FUNCTION pgdrill_timeline() RETURNS int LANGUAGE sql STABLE"
	    " SECURITY DEFINER SET search_path = pg_catalog AS $$"
	    " SELECT CASE WHEN pg_is_in_recovery() THEN coalesce("
	    "  (SELECT received_tli FROM pg_stat_wal_receiver),"
	    "  (SELECT timeline_id FROM pg_control_checkpoint()))"
	    " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END"
	    " $$;"
	    "REVOKE ALL ON FUNCTION pgdrill_timeline() FROM PUBLIC;"
	    "GRANT EXECUTE ON FUNCTION pgdrill_timeline() TO %s",
	    user, user);
	rc = pg_exec(p, c, sql);
	free(sql);
	PQfreemem(user);
	PQfinish(c);
	return rc;
}

/* Standbys replay the schema before readers ask them for it (a few ms normally). */
static void wait_standbys_have_schema(struct lab_rt *rt, const struct lab_status *st)
{
	size_t i;

	for (i = 0; i < st->count; i++) {
		const struct lab_host_rt *h = st->hosts[i].host;
		int64_t deadline = workload_now_us() + 5000000;
		PGconn *c;

		if (!st->hosts[i].reachable || st->hosts[i].in_recovery != 1)
			continue;
		c = pg_admin_connect(rt, h, rt->lab->credentials.app_database, 2);
		while (c && workload_now_us() < deadline) {
			char *v = NULL;

			if (pg_value(h, c,
			             "SELECT to_regprocedure('pgdrill_timeline()') IS NOT NULL",
			             &v) < 0) {
				error_clear();
				break;
			}
			if (v && v[0] == 't') {
				free(v);
				break;
			}
			free(v);
			usleep(20000);
		}
		if (c)
			PQfinish(c);
	}
}

/* --- one operation ---------------------------------------------------------------------- */

/* Waits for the answer to what was sent until the deadline: NULL with *timed_out, or
 * NULL when the connection broke without a result. */
bool workload_take_answer(PGconn *c, PGresult **keep)
{
	while (!PQisBusy(c)) {
		PGresult *next = PQgetResult(c);

		if (!next)
			return true;
		if (!*keep || PQresultStatus(next) == PGRES_FATAL_ERROR) {
			PQclear(*keep);
			*keep = next;
		} else {
			PQclear(next);
		}
	}
	return false;
}

/* The whole answer (see workload_take_answer), or NULL when the deadline passed first
 * (*timed_out) or the connection broke before libpq had anything to say. */
static PGresult *wait_result(PGconn *c, int64_t deadline_us, bool *timed_out)
{
	PGresult *res = NULL;

	*timed_out = false;
	while (!workload_take_answer(c, &res)) {
		struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};
		int64_t left = deadline_us - workload_now_us();

		if (left <= 0) {
			*timed_out = true;
			PQclear(res);
			return NULL;
		}
		if ((poll(&p, 1, (int)((left + 999) / 1000)) < 0 && errno != EINTR) ||
		    (!PQconsumeInput(c) && PQisBusy(c))) {
			PQclear(res);
			return NULL;
		}
	}
	return res;
}

/* Runs a statement prepared on this connection (`name`), or plain SQL when `name` is
 * NULL; *sent tells whether it left at all. */
static PGresult *exec_until(PGconn *c, const char *name, const char *sql, int n,
                            const char *const *vals, int64_t deadline_us, bool *timed_out,
                            bool *sent)
{
	*timed_out = false;
	*sent = (name ? PQsendQueryPrepared(c, name, n, vals, NULL, NULL, 0)
	              : PQsendQueryParams(c, sql, n, NULL, vals, NULL, NULL, 0)) == 1;
	return *sent ? wait_result(c, deadline_us, timed_out) : NULL;
}

static void first_line(char *dst, size_t len, const char *msg)
{
	snprintf(dst, len, "%s", msg ? msg : "");
	dst[strcspn(dst, "\n")] = '\0';
}

/* Errors that end the session: the statement may have committed before the end. */
static bool ends_session(PGconn *c, const char *sqlstate)
{
	return PQstatus(c) == CONNECTION_BAD || !sqlstate || strncmp(sqlstate, "57P", 3) == 0 ||
	       strncmp(sqlstate, "08", 2) == 0;
}

static void read_answer(struct op_record *r, PGresult *res)
{
	struct in_addr a;

	if (PQntuples(res) < 1)
		return;
	if (inet_pton(AF_INET, PQgetvalue(res, 0, 0), &a) == 1)
		r->server = ntohl(a.s_addr);
	r->timeline = (int32_t)atoi(PQgetvalue(res, 0, 1));
}

/* Which server refused, for the report (the session is still up). */
static void ask_who(PGconn *c, struct op_record *r, int64_t deadline_us)
{
	bool timed_out, sent;
	PGresult *res = exec_until(c, NULL, WHO_SQL, 0, NULL, deadline_us, &timed_out, &sent);

	if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
		read_answer(r, res);
	PQclear(res);
}

bool workload_classify(struct workload *w, PGconn *c, PGresult *res, bool sent, bool timed_out,
                       struct op_record *r, char *msg, size_t msg_len, int64_t who_deadline_us)
{
	const char *sqlstate;
	bool live = true;

	if (timed_out) {
		r->outcome = r->kind == OP_WRITE ? OP_INDETERMINATE : OP_FAILED;
		snprintf(r->error, sizeof(r->error), OP_ERR_TIMEOUT);
		snprintf(msg, msg_len, "no answer within %" PRId64 " ms", w->o.timeout_ms);
		return false;
	}
	if (!sent || !res) {
		/* Not sent: certainly not applied. Sent, and the connection ended without an
		 * answer: it may have committed. */
		r->outcome = sent && r->kind == OP_WRITE ? OP_INDETERMINATE : OP_FAILED;
		snprintf(r->error, sizeof(r->error), OP_ERR_LOST);
		first_line(msg, msg_len, PQerrorMessage(c));
		return false;
	}
	if (PQresultStatus(res) == PGRES_TUPLES_OK) {
		r->outcome = OP_OK;
		read_answer(r, res);
		return true;
	}
	sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	first_line(msg, msg_len, PQresultErrorMessage(res));
	snprintf(r->error, sizeof(r->error), "%s", sqlstate ? sqlstate : OP_ERR_LOST);
	if (ends_session(c, sqlstate)) {
		r->outcome = r->kind == OP_WRITE ? OP_INDETERMINATE : OP_FAILED;
		live = false;
	} else {
		r->outcome = OP_FAILED;
		if (who_deadline_us > 0)
			ask_who(c, r, who_deadline_us);
	}
	return live;
}

/* Runs one operation on an open connection; returns false when the connection is done. */
static bool run_op(struct client *cl, PGconn *c, struct op_record *r, char *msg, size_t msg_len)
{
	struct workload *w = cl->w;
	char run[24], id[24], client[16], title[48];
	const char *vals[4] = {run, id, client, title};
	int64_t deadline = workload_now_us() + w->o.timeout_ms * 1000;
	bool timed_out, sent, live;
	PGresult *res;

	snprintf(run, sizeof(run), "%" PRId64, w->run_id);
	if (cl->kind == OP_WRITE) {
		static _Thread_local int64_t seq;

		r->id = ((int64_t)(cl->index + 1) << 32) | ++seq;
		snprintf(client, sizeof(client), "%d", cl->index);
		snprintf(title, sizeof(title), "book %d-%" PRId64, cl->index, seq);
	} else {
		r->id = atomic_load(&w->last_acked_id);
	}
	snprintf(id, sizeof(id), "%" PRId64, r->id);
	res = exec_until(c, STMT, NULL, cl->kind == OP_WRITE ? 4 : 2, vals, deadline, &timed_out,
	                 &sent);
	live = workload_classify(w, c, res, sent, timed_out, r, msg, msg_len, deadline);
	PQclear(res);
	return live;
}

/* --- the threads ----------------------------------------------------------------------- */

/* Tells the prober at once that something changed (an outage, a watch, the stop). */
static void wake_prober(struct workload *w)
{
	uint64_t one = 1;

	if (w->wake >= 0 && write(w->wake, &one, sizeof(one)) < 0) {
		/* the prober looks at its flags every 50 ms on its own: a lost wake-up only
		 * delays it */
	}
}

void workload_record(struct workload *w, struct op_record *r, const char *msg)
{
	struct workload_stats *st = &w->st;
	char line[HISTORY_LINE_MAX];
	size_t len = history_format(line, r, msg[0] ? msg : NULL);

	/* Under the lock only the append (into stdio's buffer: one write() per many lines)
	 * and the counters. */
	pthread_mutex_lock(&w->mu);
	fwrite(line, 1, len, w->history);
	st->ops[r->kind][r->outcome]++;
	st->reconnects += r->reconnect;
	if (r->kind == OP_WRITE && r->outcome == OP_OK) {
		if (st->last_ok_write_us >= 0 &&
		    r->end_us - st->last_ok_write_us > st->longest_write_gap_us)
			st->longest_write_gap_us = r->end_us - st->last_ok_write_us;
		if (r->end_us > st->last_ok_write_us)
			st->last_ok_write_us = r->end_us;
	}
	pthread_mutex_unlock(&w->mu);
	if (r->kind != OP_WRITE)
		return;
	if (r->outcome == OP_OK) {
		atomic_store(&w->last_acked_id, r->id);
		atomic_store(&w->outage, false);
	} else if (!atomic_exchange(&w->outage, true)) {
		wake_prober(w);
	}
}

void workload_watch(struct workload *w, int64_t until_us)
{
	if (!w || !w->prober_started)
		return;
	atomic_store(&w->watch_until_us, until_us);
	wake_prober(w);
}

void workload_thread_priority(void)
{
	/* Per thread on Linux: the thread's own id as the "process". Not fatal: an
	 * unprivileged run keeps the default. */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WORKLOAD_NICE) < 0) {
		/* the timings then carry the scheduler's delays too */
	}
}

/* Sleeps until `until_us` or until the workload stops. */
static void nap_until(struct workload *w, int64_t until_us)
{
	for (;;) {
		int64_t left = until_us - workload_now_us();
		struct timespec ts;

		if (left <= 0 || atomic_load(&w->stop))
			return;
		if (left > 50000)
			left = 50000;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000;
		nanosleep(&ts, NULL);
	}
}

/* The first slot of the client's own grid (phase + k * step) at or after `earliest`.
 * Clients keep their staggered phases, also through an outage, so that together they
 * probe every interval / clients; while failing they use half steps (the same grid,
 * twice as dense) to see the end of the outage sooner. Flat out (step 0): `earliest`. */
static int64_t next_slot(int64_t phase, int64_t step, int64_t earliest)
{
	if (step <= 0 || earliest <= phase)
		return step <= 0 ? earliest : phase;
	return phase + (earliest - phase + step - 1) / step * step;
}

void workload_listener_params(struct workload *w, int kind, struct listener_params *p)
{
	const struct lab_credentials *cr = &w->rt->lab->credentials;
	const char *keys[] = {"host",
	                      "port",
	                      "user",
	                      "dbname",
	                      "password",
	                      "connect_timeout",
	                      "tcp_user_timeout",
	                      "application_name",
	                      NULL};
	const char *vals[] = {w->proxy_addr,
	                      kind == OP_WRITE ? w->write_port : w->read_port,
	                      cr->app_user,
	                      cr->app_database,
	                      w->password,
	                      p->timeout,
	                      p->user_timeout,
	                      kind == OP_WRITE ? "pgdrill-books-writer" : "pgdrill-books-reader",
	                      NULL};

	snprintf(p->timeout, sizeof(p->timeout), "%" PRId64, (w->o.timeout_ms + 999) / 1000);
	snprintf(p->user_timeout, sizeof(p->user_timeout), "%" PRId64, w->o.timeout_ms);
	memcpy(p->keys, keys, sizeof(keys));
	memcpy(p->vals, vals, sizeof(vals));
}

static PGconn *connect_listener(struct client *cl, char *msg, size_t msg_len)
{
	struct workload *w = cl->w;
	struct listener_params lp;
	PGconn *c;
	PGresult *res;
	bool timed_out;

	workload_listener_params(w, cl->kind, &lp);
	c = PQconnectdbParams(lp.keys, lp.vals, 0);
	pg_quiet(c);
	if (PQstatus(c) != CONNECTION_OK) {
		first_line(msg, msg_len, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	res = PQsendPrepare(c, STMT, cl->kind == OP_WRITE ? WORKLOAD_WRITE_SQL : READ_SQL,
	                    cl->kind == OP_WRITE ? 4 : 2, NULL)
	          ? wait_result(c, workload_now_us() + w->o.timeout_ms * 1000, &timed_out)
	          : NULL;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		first_line(msg, msg_len, res ? PQresultErrorMessage(res) : PQerrorMessage(c));
		PQclear(res);
		PQfinish(c);
		return NULL;
	}
	PQclear(res);
	return c;
}

static void *client_main(void *arg)
{
	struct client *cl = arg;
	struct workload *w = cl->w;
	double rate = cl->kind == OP_WRITE ? w->o.rate : w->o.read_rate;
	int peers = cl->kind == OP_WRITE ? w->o.clients : w->o.readers;
	int64_t interval = rate > 0 ? (int64_t)(1e6 * peers / rate) : 0;
	/* The grid starts at the workload's start, not at this thread's: threads start (and
	 * connect) at different moments, and phases taken from their own clocks bunched the
	 * clients' writes, leaving 15 ms with no write under way in a 5 ms schedule. */
	int64_t phase = w->started_us + interval * cl->index / (peers ? peers : 1);
	int64_t next = phase;
	PGconn *c = NULL;
	bool live;

	if (lab_client_enter(w->rt, NULL) < 0) {
		fprintf(stderr, "pgdrill: workload client: %s\n", error_last());
		return NULL;
	}
	workload_thread_priority();
	while (!atomic_load(&w->stop)) {
		struct op_record r = {.client = (uint16_t)cl->index, .kind = (uint8_t)cl->kind};
		char msg[200] = "";

		nap_until(w, next);
		if (atomic_load(&w->stop))
			break;
		r.start_us = workload_now_us() - w->o.t0_us;
		if (!c) {
			r.reconnect = true;
			c = connect_listener(cl, msg, sizeof(msg));
			if (!c) {
				r.outcome = OP_FAILED;
				snprintf(r.error, sizeof(r.error), OP_ERR_CONNECT);
				r.end_us = workload_now_us() - w->o.t0_us;
				workload_record(w, &r, msg);
				next = next_slot(phase, interval / 2,
				                 workload_now_us() + w->o.backoff_ms * 1000);
				continue;
			}
		}
		live = run_op(cl, c, &r, msg, sizeof(msg));
		if (!live) {
			PQfinish(c);
			c = NULL;
		}
		r.end_us = workload_now_us() - w->o.t0_us;
		workload_record(w, &r, msg);
		/* Late: the missed slots are skipped, no burst to catch up. */
		next = next_slot(phase, live ? interval : interval / 2, workload_now_us());
	}
	if (c)
		PQfinish(c);
	return NULL;
}

static void sample_lag(struct workload *w, struct status_conns *keep)
{
	struct lab_status st;
	size_t i;
	double t = (double)(workload_now_us() - w->o.t0_us) / 1e6;

	status_collect_pg(w->rt, &st, keep);
	pthread_mutex_lock(&w->mu);
	for (i = 0; i < st.count; i++) {
		const struct host_status *h = &st.hosts[i];

		if (h->in_recovery != 1)
			continue;
		fprintf(w->lag, "%.3f\t%s\t%lld\t%.3f\t%s\n", t, h->host->def->name, h->lag_bytes,
		        h->lag_s, h->wal_receiver[0] ? h->wal_receiver : "-");
		if (h->lag_bytes > w->st.worst_lag_bytes) {
			w->st.worst_lag_bytes = h->lag_bytes;
			snprintf(w->st.worst_lag_host, sizeof(w->st.worst_lag_host), "%s",
			         h->host->def->name);
		}
		if (h->lag_s > w->st.worst_lag_s)
			w->st.worst_lag_s = h->lag_s;
	}
	w->st.lag_samples++;
	pthread_mutex_unlock(&w->mu);
	status_free(&st);
}

static void *sampler_main(void *arg)
{
	struct workload *w = arg;
	int64_t next = workload_now_us();
	struct status_conns keep;

	status_conns_init(&keep, w->rt);
	while (!atomic_load(&w->stop)) {
		sample_lag(w, &keep);
		next += w->o.lag_every_ms * 1000;
		nap_until(w, next);
	}
	status_conns_close(&keep);
	return NULL;
}

/* --- start and stop -------------------------------------------------------------------- */

static const struct lab_listener *find_listener(const struct lab *lab, const char *name, int target,
                                                const char *what)
{
	size_t i;

	for (i = 0; i < lab->haproxy.listeners.count; i++) {
		const struct lab_listener *l = LAB_LISTENER(lab, i);

		if (name ? strcmp(l->name, name) == 0 : l->target == target)
			return l;
	}
	if (name)
		error_set("lab '%s' has no haproxy listener '%s'", lab->name, name);
	else
		error_set("lab '%s' has no %s listener", lab->name, what);
	return NULL;
}

static int start_thread(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int e = pthread_create(t, NULL, fn, arg);

	return e ? error_set("cannot start a workload thread: %s", strerror(e)) : 0;
}

static int open_files(struct workload *w)
{
	w->history_path = xasprintf("%s/history.tsv", w->dir);
	w->lag_path = xasprintf("%s/lag.tsv", w->dir);
	w->history = fopen(w->history_path, "w");
	w->lag = w->history ? fopen(w->lag_path, "w") : NULL;
	if (!w->history || !w->lag)
		return error_set("cannot write %s: %s", w->history ? w->lag_path : w->history_path,
		                 strerror(errno));
	setvbuf(w->history, NULL, _IOFBF, 1 << 16);
	history_write_header(w->history, w->run_id);
	fprintf(w->lag, "# t_s\tstandby\tlag_bytes\tlag_s\twal_receiver\n");
	return 0;
}

static int start_threads(struct workload *w)
{
	sigset_t all, old;
	size_t i;
	int rc = 0;

	w->nclients = (size_t)(w->o.clients + w->o.readers);
	w->clients = xcalloc(w->nclients, sizeof(*w->clients));
	/* Signals stay with the main thread, which turns Ctrl-C into a stop. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < w->nclients && rc == 0; i++) {
		struct client *cl = &w->clients[i];

		cl->w = w;
		cl->kind = (int)i < w->o.clients ? OP_WRITE : OP_READ;
		cl->index = cl->kind == OP_WRITE ? (int)i : (int)i - w->o.clients;
		rc = start_thread(&cl->thread, client_main, cl);
		cl->started = rc == 0;
	}
	if (rc == 0 && w->o.lag_every_ms > 0) {
		rc = start_thread(&w->sampler, sampler_main, w);
		w->sampler_started = rc == 0;
	}
	if (rc == 0 && w->o.probe_every_ms > 0) {
		rc = start_thread(&w->prober, workload_prober_main, w);
		w->prober_started = rc == 0;
	}
	if (rc == 0 && w->o.command) {
		rc = start_thread(&w->command, workload_command_main, w);
		w->command_started = rc == 0;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

struct workload *workload_start(struct lab_rt *rt, const struct workload_options *o)
{
	const struct lab *lab = rt->lab;
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY), *p;
	const struct lab_listener *wl, *rl = NULL;
	struct workload *w;
	struct lab_status st;
	struct lab_secrets s;

	if (!proxy) {
		error_set("lab '%s' has no haproxy host for the workload to go through", lab->name);
		return NULL;
	}
	if (!o->command && (o->clients < 1 || o->clients > 256 || o->readers < 0 || o->readers > 256))
		return error_set("workload: clients must be 1..256 and readers 0..256"), NULL;
	if (o->command && (!*o->command || strlen(o->command) > 4096))
		return error_set("workload: the command is empty or longer than 4096 bytes"), NULL;
	wl = find_listener(lab, o->write_listener, TARGET_PRIMARY, "write");
	if (!wl)
		return NULL;
	if (o->readers > 0) {
		rl = find_listener(lab, o->read_listener, TARGET_REPLICA, "read");
		if (!rl && o->read_listener)
			return NULL;
		error_clear();
	}
	p = single_primary(rt, &st);
	if (!p || create_schema(rt, p) < 0) {
		status_free(&st);
		return NULL;
	}
	wait_standbys_have_schema(rt, &st);
	status_free(&st);
	if (secrets_load(&s, rt) < 0)
		return NULL;
	w = xcalloc(1, sizeof(*w));
	w->rt = rt;
	w->o = *o;
	w->o.write_listener = wl->name;
	w->o.readers = rl ? o->readers : 0;
	if (o->command) {
		w->o.command = xstrdup(o->command);
		w->o.clients = w->o.readers = 0;
		w->o.probe_every_ms = 0;
	}
	w->dir = xstrdup(o->dir);
	w->proxy_addr = xstrdup(proxy->addr);
	w->password = xstrdup(s.app);
	secrets_free(&s);
	snprintf(w->write_port, sizeof(w->write_port), "%ld", wl->port);
	snprintf(w->read_port, sizeof(w->read_port), "%ld", rl ? rl->port : 0L);
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		w->run_id = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	}
	w->st.last_ok_write_us = -1;
	w->st.worst_lag_bytes = -1;
	w->st.worst_lag_s = -1;
	w->started_us = workload_now_us();
	pthread_mutex_init(&w->mu, NULL);
	w->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake < 0) {
		error_set("workload: eventfd: %s", strerror(errno));
		workload_free(w);
		return NULL;
	}
	if (open_files(w) < 0 || start_threads(w) < 0) {
		workload_free(w);
		return NULL;
	}
	return w;
}

void workload_stop(struct workload *w)
{
	size_t i;

	if (!w || w->stopped)
		return;
	atomic_store(&w->stop, true);
	for (i = 0; i < w->nclients; i++)
		if (w->clients[i].started)
			pthread_join(w->clients[i].thread, NULL);
	if (w->sampler_started)
		pthread_join(w->sampler, NULL);
	if (w->command_started)
		pthread_join(w->command, NULL);
	if (w->prober_started) {
		wake_prober(w);
		pthread_join(w->prober, NULL);
	}
	if (w->history)
		fflush(w->history);
	if (w->lag)
		fflush(w->lag);
	w->st.elapsed_us = workload_now_us() - w->started_us;
	w->stopped = true;
}

void workload_stats(struct workload *w, struct workload_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->st;
	pthread_mutex_unlock(&w->mu);
	out->running = !w->stopped;
	if (!w->stopped)
		out->elapsed_us = workload_now_us() - w->started_us;
}

const char *workload_history_path(const struct workload *w)
{
	return w->history_path;
}

const char *workload_dir(const struct workload *w)
{
	return w->dir;
}

const char *workload_write_listener(const struct workload *w)
{
	return w->o.write_listener;
}

int workload_read_back(struct workload *w, int64_t **ids, size_t *n)
{
	struct lab_status st;
	const struct lab_host_rt *p = single_primary(w->rt, &st);
	PGconn *c;
	PGresult *r;
	char *sql;
	int i, rc = -1;

	status_free(&st);
	*ids = NULL;
	*n = 0;
	if (!p)
		return -1;
	c = pg_admin_connect(w->rt, p, w->rt->lab->credentials.app_database, 5);
	if (!c)
		return -1;
	sql = xasprintf("SELECT id FROM books WHERE run = %" PRId64 " ORDER BY id", w->run_id);
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		*n = (size_t)PQntuples(r);
		*ids = xcalloc(*n ? *n : 1, sizeof(**ids));
		for (i = 0; i < PQntuples(r); i++)
			(*ids)[i] = strtoll(PQgetvalue(r, i, 0), NULL, 10);
		rc = 0;
	} else {
		error_set("host %s: reading the books back failed: %s", p->def->name,
		          PQresultErrorMessage(r));
	}
	PQclear(r);
	PQfinish(c);
	free(sql);
	return rc;
}

void workload_free(struct workload *w)
{
	if (!w)
		return;
	workload_stop(w);
	if (w->history)
		fclose(w->history);
	if (w->lag)
		fclose(w->lag);
	pthread_mutex_destroy(&w->mu);
	if (w->wake >= 0)
		close(w->wake);
	free(w->clients);
	free(w->dir);
	free(w->history_path);
	free(w->lag_path);
	free(w->proxy_addr);
	free(w->password);
	free((char *)w->o.command);
	free(w);
}
