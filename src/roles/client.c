#include "roles/client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "provider/host.h"
#include "roles/pg.h"
#include "roles/secrets.h"
#include "util/error.h"

PGconn *client_connect(const struct lab_rt *rt, const struct client_target *t)
{
	const char *keys[] = {
	    "host",    "port", "user", "dbname", "password", "connect_timeout", "application_name",
	    "options", NULL};
	char port[16], timeout[16];
	const char *vals[] = {
	    t->addr,     port,    t->user,          t->dbname,
	    t->password, timeout, "pgdrill-client", "-c client_min_messages=warning",
	    NULL};
	int back;
	PGconn *c;

	snprintf(port, sizeof(port), "%ld", t->port);
	snprintf(timeout, sizeof(timeout), "%d", t->timeout_s > 0 ? t->timeout_s : 2);
	if (lab_client_enter(rt, &back) < 0)
		return NULL;
	/* The socket is created there and stays in the lab's network for its whole life. */
	c = PQconnectdbParams(keys, vals, 0);
	pg_notices_from(c, "client");
	lab_client_leave(rt, back);
	return c;
}

PGconn *client_connect_app(const struct lab_rt *rt, const char *addr, long port, int timeout_s)
{
	struct lab_secrets s;
	struct client_target t = {.addr = addr,
	                          .port = port,
	                          .user = rt->lab->credentials.app_user,
	                          .dbname = rt->lab->credentials.app_database,
	                          .timeout_s = timeout_s};
	PGconn *c;

	if (secrets_load(&s, rt) < 0)
		return NULL;
	t.password = s.app;
	c = client_connect(rt, &t);
	secrets_free(&s);
	return c;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int client_tcp_rtt(const struct lab_rt *rt, const char *addr, long port, int timeout_ms,
                   double *ms)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	struct pollfd p = {.events = POLLOUT};
	long long t0;
	int back, rc = -1, err = 0;
	socklen_t len = sizeof(err);

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return error_set("'%s' is not an IPv4 address", addr);
	if (lab_client_enter(rt, &back) < 0)
		return -1;
	p.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	lab_client_leave(rt, back);
	if (p.fd < 0)
		return error_set("socket: %s", strerror(errno));
	t0 = now_us();
	if (connect(p.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == ECONNREFUSED) {
		rc = 0;
	} else if (errno == EINPROGRESS && poll(&p, 1, timeout_ms) == 1 &&
	           getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	           (err == 0 || err == ECONNREFUSED)) {
		rc = 0;
	}
	*ms = (double)(now_us() - t0) / 1000.0;
	close(p.fd);
	if (rc < 0)
		return error_set("no answer from %s:%ld within %d ms", addr, port, timeout_ms);
	return 0;
}
