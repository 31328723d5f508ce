#include "roles/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "roles/pg.h"
#include "util/error.h"

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

int agent_status_for(const char *path, int recovery)
{
	if (recovery < 0)
		return 503;
	if (strcmp(path, "/primary") == 0 || strcmp(path, "/master") == 0)
		return recovery == 0 ? 200 : 503;
	if (strcmp(path, "/replica") == 0 || strcmp(path, "/standby") == 0)
		return recovery == 1 ? 200 : 503;
	if (strcmp(path, "/health") == 0)
		return 200;
	return 404;
}

/* 1 standby, 0 primary, -1 not reachable. */
static int local_recovery_state(const struct agent_options *o)
{
	char port[16];
	const char *keys[] = {
	    "host", "port", "user", "dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {o->socket_dir,   port, "postgres", "postgres", "1",
	                      "pgdrill-agent", NULL};
	PGconn *c;
	PGresult *r;
	int state = -1;

	snprintf(port, sizeof(port), "%d", o->pg_port);
	c = PQconnectdbParams(keys, vals, 0);
	pg_quiet(c);
	if (PQstatus(c) == CONNECTION_OK) {
		r = pg_query_within(c, "select pg_is_in_recovery()", 5000);
		error_clear(); /* no answer: not reachable */
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
			state = PQgetvalue(r, 0, 0)[0] == 't' ? 1 : 0;
		PQclear(r);
	}
	PQfinish(c);
	return state;
}

static void handle(int fd, const struct agent_options *o)
{
	char req[1024], path[256] = "", resp[256];
	struct pollfd p = {fd, POLLIN, 0};
	ssize_t n = 0;
	int code, recovery;
	const char *reason, *body;

	if (poll(&p, 1, 1000) == 1)
		n = read(fd, req, sizeof(req) - 1);
	if (n <= 0)
		return;
	req[n] = '\0';
	if (sscanf(req, "%*s %255s", path) != 1)
		strcpy(path, "/");
	recovery = local_recovery_state(o);
	code = agent_status_for(path, recovery);
	reason = code == 200 ? "OK" : code == 404 ? "Not Found" : "Service Unavailable";
	body = recovery < 0 ? "unreachable\n" : recovery ? "replica\n" : "primary\n";
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
