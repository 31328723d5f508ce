/* Client connections from the harness's own namespace inside the lab: the way a real
 * application reaches haproxy, and never through the machine's real network. */
#ifndef PGDRILL_ROLES_CLIENT_H
#define PGDRILL_ROLES_CLIENT_H

#include <libpq-fe.h>

#include "provider/provider.h"

struct client_target {
	const char *addr;
	long port;
	const char *user;
	const char *dbname;
	const char *password;
	int timeout_s;
};

/* Connects from the lab's client namespace; returns the connection even when it failed
 * (check PQstatus), NULL only when the namespace cannot be entered (error set). */
PGconn *client_connect(const struct lab_rt *rt, const struct client_target *t);
/* client_connect as the lab's application role, its password read from the lab's
 * secrets, to ADDR:PORT (a node, or a haproxy listener). NULL with the error set when the
 * secrets cannot be read or no connection could be attempted; otherwise the caller looks
 * at PQstatus. */
PGconn *client_connect_app(const struct lab_rt *rt, const char *addr, long port,
                           int timeout_s);

/* The round trip to addr:port from the lab's client namespace, in ms: the time a TCP
 * connect takes to be answered (accepted or refused alike). -1 with the error set when
 * nothing answers within timeout_ms. */
int client_tcp_rtt(const struct lab_rt *rt, const char *addr, long port, int timeout_ms,
                   double *ms);

#endif
