#include "roles/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "roles/pg.h"
#include "util/error.h"
#include "util/proc.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int agent_status_for(const char *path, int recovery, bool fenced)
{
	if (recovery < 0)
		return 503;
	if (strcmp(path, "/primary") == 0 || strcmp(path, "/master") == 0)
		return recovery == 0 && !fenced ? 200 : 503;
	if (strcmp(path, "/replica") == 0 || strcmp(path, "/standby") == 0)
		return recovery == 1 ? 200 : 503;
	if (strcmp(path, "/health") == 0)
		return 200;
	return 404;
}

/* What a server's answer to STATE_SQL says: 1 standby, 0 primary, -1 no answer; for a
 * primary, its timeline (from the WAL file it writes) into *tl. */
#define STATE_SQL                                                                                  \
	"select pg_is_in_recovery(), case when pg_is_in_recovery() then '' "                       \
	"else pg_walfile_name(pg_current_wal_lsn()) end"

static int parse_state(PGresult *r, unsigned long *tl)
{
	int state = -1;

	*tl = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && PQnfields(r) == 2) {
		const char *wal = PQgetvalue(r, 0, 1);
		char hex[9];

		state = PQgetvalue(r, 0, 0)[0] == 't' ? 1 : 0;
		if (state == 0 && strlen(wal) == 24 && strspn(wal, "0123456789ABCDEF") == 24) {
			memcpy(hex, wal, 8);
			hex[8] = '\0';
			*tl = strtoul(hex, NULL, 16);
		}
	}
	return state;
}

/* 1 standby, 0 primary (its timeline into *tl), -1 not reachable. */
static int local_recovery_state(const struct agent_options *o, unsigned long *tl)
{
	char port[16];
	const char *keys[] = {
	    "host", "port", "user", "dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {o->socket_dir,   port, "postgres", "postgres", "1",
	                      "pgdrill-agent", NULL};
	PGconn *c;
	PGresult *r;
	int state = -1;

	*tl = 0;
	snprintf(port, sizeof(port), "%d", o->pg_port);
	c = PQconnectdbParams(keys, vals, 0);
	pg_quiet(c);
	if (PQstatus(c) == CONNECTION_OK) {
		r = pg_query_within(c, STATE_SQL, 5000);
		error_clear(); /* no answer: not reachable */
		state = parse_state(r, tl);
		PQclear(r);
	}
	PQfinish(c);
	return state;
}

/* One peer asked at once with the others, without blocking. */
struct peer_ask {
	PGconn *c;
	bool sent, done;
};

/* Advances one peer's connection or query as far as it goes without waiting; the fd and
 * events to wait for into *p (fd -1 when it is done). */
static void peer_step(struct peer_ask *a, struct pollfd *p, int *state, unsigned long *tl)
{
	p->fd = -1;
	if (a->done)
		return;
	if (!a->sent) {
		PostgresPollingStatusType st = PQconnectPoll(a->c);

		if (st == PGRES_POLLING_FAILED) {
			a->done = true;
			return;
		}
		if (st == PGRES_POLLING_OK) {
			a->sent = PQsendQuery(a->c, STATE_SQL) == 1;
			a->done = !a->sent;
			if (a->done)
				return;
		} else {
			p->fd = PQsocket(a->c);
			p->events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
			return;
		}
	}
	if (PQconsumeInput(a->c) == 0) {
		a->done = true;
		return;
	}
	if (PQisBusy(a->c)) {
		p->fd = PQsocket(a->c);
		p->events = POLLIN;
		return;
	}
	{
		PGresult *r = PQgetResult(a->c);

		*state = parse_state(r, tl);
		PQclear(r);
		a->done = true;
	}
}

/* The highest timeline a peer runs a primary on, among the peers that answer within
 * AGENT_PEER_DEADLINE_MS (a peer that does not answer tells nothing); its address into
 * `who`. 0 when none does. */
static unsigned long peer_primary_timeline(const struct agent_options *o, char *who,
                                           size_t who_len)
{
	struct peer_ask ask[AGENT_MAX_PEERS] = {{0}};
	long long deadline = proc_now_ms() + AGENT_PEER_DEADLINE_MS;
	unsigned long best = 0;
	size_t i;

	for (i = 0; i < o->npeers; i++) {
		char port[16];
		const char *keys[] = {"host", "port", "user", "dbname", "application_name", NULL};
		const char *vals[] = {o->peers[i], port, "repmgr", "repmgr", "pgdrill-agent", NULL};

		snprintf(port, sizeof(port), "%d", o->pg_port);
		ask[i].c = PQconnectStartParams(keys, vals, 0);
		ask[i].done = !ask[i].c || PQstatus(ask[i].c) == CONNECTION_BAD;
	}
	for (;;) {
		struct pollfd fds[AGENT_MAX_PEERS];
		long long left = deadline - proc_now_ms();
		size_t waiting = 0;

		for (i = 0; i < o->npeers; i++) {
			int state = -1;
			unsigned long tl = 0;

			peer_step(&ask[i], &fds[i], &state, &tl);
			fds[i].revents = 0;
			waiting += fds[i].fd >= 0;
			if (state == 0 && tl > best) {
				best = tl;
				snprintf(who, who_len, "%s", o->peers[i]);
			}
		}
		if (waiting == 0 || left <= 0)
			break;
		poll(fds, o->npeers, (int)left);
	}
	for (i = 0; i < o->npeers; i++)
		if (ask[i].c)
			PQfinish(ask[i].c);
	return best;
}

static void handle(int fd, const struct agent_options *o)
{
	char req[1024], path[256] = "", resp[384], body[128], peer[64] = "";
	struct pollfd p = {fd, POLLIN, 0};
	unsigned long tl;
	bool fenced = false;
	ssize_t n = 0;
	int code, recovery;
	const char *reason;

	if (poll(&p, 1, 1000) == 1)
		n = read(fd, req, sizeof(req) - 1);
	if (n <= 0)
		return;
	req[n] = '\0';
	if (sscanf(req, "%*s %255s", path) != 1)
		strcpy(path, "/");
	recovery = local_recovery_state(o, &tl);
	/* A primary on an older timeline than a peer's primary is one that came back after a
	 * failover: fenced, it gets no writes. */
	if (recovery == 0 && tl > 0 && o->npeers > 0 &&
	    (strcmp(path, "/primary") == 0 || strcmp(path, "/master") == 0) &&
	    peer_primary_timeline(o, peer, sizeof(peer)) > tl)
		fenced = true;
	code = agent_status_for(path, recovery, fenced);
	reason = code == 200 ? "OK" : code == 404 ? "Not Found" : "Service Unavailable";
	if (fenced)
		snprintf(body, sizeof(body), "fenced: %s is the primary on a newer timeline\n", peer);
	else
		snprintf(body, sizeof(body), "%s",
		         recovery < 0 ? "unreachable\n" : recovery ? "replica\n" : "primary\n");
	snprintf(resp, sizeof(resp),
	         "HTTP/1.0 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n"
	         "Connection: close\r\n\r\n%s",
	         code, reason, strlen(body), body);
	if (write(fd, resp, strlen(resp)) < 0) {
		/* the checker went away: nothing to do */
	}
}

int agent_serve(const struct agent_options *o)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
	struct sigaction act = {.sa_handler = on_stop};
	int fd, one = 1;

	if (inet_pton(AF_INET, o->listen, &sa.sin_addr) != 1)
		return error_set("agent: '%s' is not an IPv4 address", o->listen);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set("agent: socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		int e = errno;

		close(fd);
		return error_set("agent: cannot listen on %s:%d: %s", o->listen, o->port,
		                 strerror(e));
	}
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "pgdrill agent: listening on %s:%d for %s\n", o->listen, o->port,
	        o->socket_dir);
	while (!stop_requested) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			continue; /* EINTR on stop, or a transient error */
		handle(c, o);
		close(c);
	}
	close(fd);
	return 0;
}
