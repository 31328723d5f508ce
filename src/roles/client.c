#include "roles/client.h"

#include <stdio.h>

#include "provider/host.h"
#include "roles/pg.h"

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
	pg_quiet(c);
	lab_client_leave(rt, back);
	return c;
}
