/* `pgdrill agent`: a tiny HTTP responder on each PostgreSQL node for haproxy's httpchk.
 * GET /primary answers 200 when the local server is a primary, 503 otherwise; GET
 * /replica the other way round. It asks over the local Unix socket, which is exactly why
 * it keeps saying 200 for a primary whose pg_hba rejects remote clients. */
#ifndef PGDRILL_ROLES_AGENT_H
#define PGDRILL_ROLES_AGENT_H

struct agent_options {
	const char *listen; /* address */
	int port;
	const char *socket_dir;
	int pg_port;
};

/* Serves until SIGTERM/SIGINT; returns 0, or -1 with the error set when it cannot listen. */
int agent_serve(const struct agent_options *o);
/* The HTTP status for a path given the server's state: recovery 1 standby, 0 primary,
 * -1 unreachable. Exposed for tests. */
int agent_status_for(const char *path, int recovery);

#endif
