/* `pgdrill agent`: a tiny HTTP responder on each PostgreSQL node for haproxy's httpchk.
 * GET /primary answers 200 when the local server is a primary, 503 otherwise; GET
 * /replica the other way round. It asks over the local Unix socket, which is exactly why
 * it keeps saying 200 for a primary whose pg_hba rejects remote clients. A primary that
 * came back after a failover (a peer is a primary on a newer timeline) is fenced: 503. */
#ifndef PGDRILL_ROLES_AGENT_H
#define PGDRILL_ROLES_AGENT_H

#include <stdbool.h>
#include <stddef.h>

/* At most this many peers; each is asked for at most this long. */
#define AGENT_MAX_PEERS 16
#define AGENT_PEER_DEADLINE_MS 400

struct agent_options {
	const char *listen; /* address */
	int port;
	const char *socket_dir;
	int pg_port;
	/* The other PostgreSQL nodes' addresses: a primary whose peer is a primary on a newer
	 * timeline is fenced (GET /primary answers 503). They are asked as repmgr, with the
	 * passwords of PGPASSFILE. */
	char peers[AGENT_MAX_PEERS][64];
	size_t npeers;
};

/* Serves until SIGTERM/SIGINT; returns 0, or -1 with the error set when it cannot listen. */
int agent_serve(const struct agent_options *o);
/* The HTTP status for a path given the server's state: recovery 1 standby, 0 primary,
 * -1 unreachable; a fenced primary is no primary. Exposed for tests. */
int agent_status_for(const char *path, int recovery, bool fenced);

#endif
