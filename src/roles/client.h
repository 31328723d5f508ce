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

#endif
