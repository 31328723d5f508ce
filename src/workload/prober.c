/* The outage prober: while writes fail, a write attempt is always under way.
 *
 * The clients keep their schedule through an outage, and each of them blocks as long as
 * its attempt does: a connect that haproxy holds in its queue for `timeout connect`, a
 * commit waiting for a standby. The prober is one more writer that starts an attempt
 * every `probe_every` whether or not earlier ones have ended (up to PROBES at once), and
 * at once (PROBE_GAP_US) after one that ended leaving none under way, so the end of an
 * outage is seen within that period. While the drill injects a fault and shortly after
 * (workload_watch), it keeps one attempt under way whether or not writes fail, so that
 * the outage's first moment is seen too. It never blocks: connects, queries and
 * answers go through libpq's non-blocking calls and one poll(). Its attempts are real
 * writes with their own ids, recorded like any client's (client number = the writers'
 * count), so they count for lost writes too. A session that is still up after its
 * statement failed (a read-only standby, a refused write) is used again instead of
 * opening another: a refusing server does not get a backend per probe. A connect gives up
 * after the workload's timeout; a sent INSERT waits for its answer (PROBES_SENT). Outside
 * an outage and a watch it sleeps on the workload's eventfd. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "provider/host.h"
#include "roles/pg.h"
#include "util/error.h"
#include "workload/internal.h"

#define PROBES 16
/* At most this many probes waiting for the answer to a sent INSERT. Such a probe has no
 * deadline: a commit that waits for a synchronous standby that is gone waits on the server
 * whether or not its client gives up, and a prober that gave up and tried again would
 * leave a new backend waiting every time (95 of them in 19 s were seen). It stays under way
 * until it is answered, its connection breaks, or the workload stops. */
#define PROBES_SENT 4
/* When no attempt is under way during an outage (the last one ended at once: haproxy
 * closing with no server UP, a refusal), the next starts this soon, not a whole
 * probe_every later: the outage is never unobserved for longer than this plus the
 * scheduler's delay. */
#define PROBE_GAP_US 1000

enum probe_state { PROBE_FREE, PROBE_CONNECTING, PROBE_IDLE, PROBE_BUSY };

struct probe {
	enum probe_state state;
	PGconn *c;
	short events;     /* what the connecting socket waits for */
	int64_t deadline; /* monotonic µs: a connect gives up then */
	struct op_record r;
	PGresult *answer; /* the write's answer so far (workload_take_answer) */
};

struct prober {
	struct workload *w;
	struct listener_params lp;
	struct probe p[PROBES];
	int64_t seq;
	uint16_t client;
};

static void finish(struct prober *pr, struct probe *p, bool live, const char *msg)
{
	struct workload *w = pr->w;

	p->r.end_us = workload_now_us() - w->o.t0_us;
	workload_record(w, &p->r, msg);
	if (live) {
		p->state = PROBE_IDLE;
		return;
	}
	PQfinish(p->c);
	p->c = NULL;
	p->state = PROBE_FREE;
}

static void fail_connect(struct prober *pr, struct probe *p, const char *why)
{
	char msg[200];

	p->r.outcome = OP_FAILED;
	snprintf(p->r.error, sizeof(p->r.error), OP_ERR_CONNECT);
	snprintf(msg, sizeof(msg), "%s", why);
	msg[strcspn(msg, "\n")] = '\0';
	finish(pr, p, false, msg);
}

/* Sends the INSERT on a connected session; the attempt is then under way. */
static void send_write(struct prober *pr, struct probe *p)
{
	struct workload *w = pr->w;
	char run[24], id[24], client[16], title[48];
	const char *vals[4] = {run, id, client, title};

	pr->seq++;
	p->r.id = ((int64_t)(pr->client + 1) << 32) | pr->seq;
	snprintf(run, sizeof(run), "%" PRId64, w->run_id);
	snprintf(id, sizeof(id), "%" PRId64, p->r.id);
	snprintf(client, sizeof(client), "%u", (unsigned)pr->client);
	snprintf(title, sizeof(title), "probe %" PRId64, pr->seq);
	p->state = PROBE_BUSY;
	if (PQsendQueryParams(p->c, WORKLOAD_WRITE_SQL, 4, NULL, vals, NULL, NULL, 0) != 1) {
		char msg[200];
		bool live =
		    workload_classify(w, p->c, NULL, false, false, &p->r, msg, sizeof(msg), 0);

		finish(pr, p, live, msg);
	}
}

static void start_attempt(struct prober *pr, int64_t now)
{
	struct probe *idle = NULL, *free_slot = NULL;
	struct probe *p;
	int i, sent = 0;

	for (i = 0; i < PROBES; i++) {
		if (pr->p[i].state == PROBE_IDLE && !idle)
			idle = &pr->p[i];
		if (pr->p[i].state == PROBE_FREE && !free_slot)
			free_slot = &pr->p[i];
		sent += pr->p[i].state == PROBE_BUSY;
	}
	p = idle ? idle : free_slot;
	if (!p || sent >= PROBES_SENT)
		return; /* enough attempts are under way already */
	memset(&p->r, 0, sizeof(p->r));
	p->r.client = pr->client;
	p->r.kind = OP_WRITE;
	p->r.start_us = now - pr->w->o.t0_us;
	p->deadline = now + pr->w->o.timeout_ms * 1000;
	if (idle) {
		send_write(pr, p);
		return;
	}
	p->r.reconnect = true;
	p->c = PQconnectStartParams(pr->lp.keys, pr->lp.vals, 0);
	pg_quiet(p->c);
	if (!p->c || PQstatus(p->c) == CONNECTION_BAD) {
		p->state = PROBE_CONNECTING;
		fail_connect(pr, p, p->c ? PQerrorMessage(p->c) : "out of memory");
		return;
	}
	p->state = PROBE_CONNECTING;
	p->events = POLLOUT;
}

/* Moves one attempt on after its socket became ready (or its deadline passed). */
static void advance(struct prober *pr, struct probe *p, int64_t now)
{
	char msg[200] = "";

	if (p->state == PROBE_CONNECTING) {
		PostgresPollingStatusType st = PQconnectPoll(p->c);

		if (st == PGRES_POLLING_OK) {
			send_write(pr, p);
		} else if (st == PGRES_POLLING_FAILED) {
			fail_connect(pr, p, PQerrorMessage(p->c));
		} else if (now >= p->deadline) {
			snprintf(msg, sizeof(msg), "no connection within %" PRId64 " ms",
			         pr->w->o.timeout_ms);
			fail_connect(pr, p, msg);
		} else {
			p->events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		}
		return;
	}
	if (p->state != PROBE_BUSY)
		return;
	if (!PQconsumeInput(p->c) && PQisBusy(p->c)) {
		/* The connection broke and libpq has nothing to say: sent, not answered. */
		PQclear(p->answer);
		p->answer = NULL;
	} else if (!workload_take_answer(p->c, &p->answer)) {
		return;
	}
	{
		bool live = workload_classify(pr->w, p->c, p->answer, true, false, &p->r, msg,
		                              sizeof(msg), 0);

		PQclear(p->answer);
		p->answer = NULL;
		finish(pr, p, live, msg);
	}
}

static void close_idle(struct prober *pr)
{
	int i;

	for (i = 0; i < PROBES; i++)
		if (pr->p[i].state == PROBE_IDLE) {
			PQfinish(pr->p[i].c);
			pr->p[i].c = NULL;
			pr->p[i].state = PROBE_FREE;
		}
}

static void drain_wake(int fd)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0) {
		/* EAGAIN: nothing to drain */
	}
}

static int under_way(const struct prober *pr)
{
	int i, n = 0;

	for (i = 0; i < PROBES; i++)
		n += pr->p[i].state == PROBE_CONNECTING || pr->p[i].state == PROBE_BUSY;
	return n;
}

/* One round: wait for a socket, the wake-up, the next probe time or a deadline. */
static void wait_and_advance(struct prober *pr, int64_t next_probe, bool probing)
{
	int64_t watch_until = atomic_load(&pr->w->watch_until_us);
	struct workload *w = pr->w;
	struct pollfd fds[PROBES + 1];
	struct probe *owner[PROBES + 1];
	int64_t now = workload_now_us(), wake_at = now + 50000;
	int n = 0, i, timeout_ms;

	fds[n] = (struct pollfd){.fd = w->wake, .events = POLLIN};
	owner[n++] = NULL;
	for (i = 0; i < PROBES; i++) {
		struct probe *p = &pr->p[i];

		if (p->state != PROBE_CONNECTING && p->state != PROBE_BUSY)
			continue;
		fds[n] = (struct pollfd){.fd = PQsocket(p->c),
		                         .events = p->state == PROBE_BUSY ? POLLIN : p->events};
		owner[n++] = p;
		if (p->state == PROBE_CONNECTING && p->deadline < wake_at)
			wake_at = p->deadline;
	}
	if (probing && next_probe < wake_at)
		wake_at = next_probe;
	if (watch_until > now && watch_until < wake_at)
		wake_at = watch_until;
	timeout_ms = wake_at > now ? (int)((wake_at - now + 999) / 1000) : 0;
	if (poll(fds, (nfds_t)n, timeout_ms) < 0 && errno != EINTR)
		return;
	if (fds[0].revents & POLLIN)
		drain_wake(w->wake);
	now = workload_now_us();
	for (i = 1; i < n; i++)
		if (fds[i].revents ||
		    (owner[i]->state == PROBE_CONNECTING && now >= owner[i]->deadline))
			advance(pr, owner[i], now);
}

void *workload_prober_main(void *arg)
{
	struct workload *w = arg;
	struct prober pr = {.w = w, .client = (uint16_t)w->o.clients};
	int64_t every = w->o.probe_every_ms * 1000, next_probe = 0, last_start = 0;
	int i;

	if (lab_client_enter(w->rt, NULL) < 0) {
		fprintf(stderr, "pgdrill: workload prober: %s\n", error_last());
		return NULL;
	}
	workload_thread_priority();
	workload_listener_params(w, OP_WRITE, &pr.lp);
	while (!atomic_load(&w->stop)) {
		int64_t now = workload_now_us();
		bool outage = atomic_load(&w->outage);
		bool watching = now < atomic_load(&w->watch_until_us);
		bool probing = outage || watching;

		/* Watching a fault while writes still succeed: the next attempt starts as the
		 * last one ends, so that one is under way at the moment the fault bites. */
		if (watching && !outage && under_way(&pr) == 0)
			next_probe = now;
		else if (probing && under_way(&pr) == 0 && last_start + PROBE_GAP_US < next_probe)
			next_probe = last_start + PROBE_GAP_US;
		if (probing && now >= next_probe) {
			start_attempt(&pr, now);
			last_start = now;
			next_probe = now + every;
		}
		if (!probing) {
			close_idle(&pr);
			next_probe = now;
		}
		wait_and_advance(&pr, next_probe, probing);
	}
	/* Attempts still under way are recorded as what they are: a write sent may have
	 * committed. */
	for (i = 0; i < PROBES; i++) {
		struct probe *p = &pr.p[i];

		PQclear(p->answer);
		p->answer = NULL;
		if (p->state == PROBE_BUSY) {
			p->r.outcome = OP_INDETERMINATE;
			snprintf(p->r.error, sizeof(p->r.error), OP_ERR_LOST);
			finish(&pr, p, false, "the workload stopped before the answer");
		} else if (p->state == PROBE_CONNECTING) {
			fail_connect(&pr, p, "the workload stopped before the connection");
		} else if (p->c) {
			PQfinish(p->c);
		}
	}
	return NULL;
}
