#include "roles/client.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
	int here, lab;
	PGconn *c;

	snprintf(port, sizeof(port), "%ld", t->port);
	snprintf(timeout, sizeof(timeout), "%d", t->timeout_s > 0 ? t->timeout_s : 2);
	here = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	lab = open(rt->client_netns_path, O_RDONLY | O_CLOEXEC);
	if (here < 0 || lab < 0 || setns(lab, CLONE_NEWNET) < 0) {
		int e = errno;

		if (here >= 0)
			close(here);
		if (lab >= 0)
			close(lab);
		error_set("cannot enter the lab's client namespace %s: %s", rt->client_netns_path,
		          strerror(e));
		return NULL;
	}
	/* The socket is created here and stays in the lab's namespace for its whole life. */
	c = PQconnectdbParams(keys, vals, 0);
	if (setns(here, CLONE_NEWNET) < 0) {
		/* Cannot happen for root with a valid fd; staying in the lab would be wrong. */
		perror("pgdrill: cannot return to the original network namespace");
		_exit(2);
	}
	close(here);
	close(lab);
	return c;
}
