#include <stdio.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "roles/agent.h"
#include "util/units.h"

static const struct cli_option agent_options[] = {
    {"listen", 0, "ADDRESS", "IPv4 address to listen on (required)"},
    {"port", 0, "PORT", "TCP port to listen on (default 8008)"},
    {"socket-dir", 0, "DIR", "the PostgreSQL server's Unix socket directory (required)"},
    {"pg-port", 0, "PORT", "the PostgreSQL server's port (default 5432)"},
    {"peers", 0, "ADDRESS,...", "the other nodes' IPv4 addresses: a primary whose peer is a "
                                "primary on a newer timeline is fenced (asked as repmgr, "
                                "passwords from PGPASSFILE)"},
    {0},
};

static int port_option(const struct cli_args *args, const char *name, long def, long *out)
{
	const char *v = cli_opt(args, name);

	*out = def;
	if (v && (units_parse_long(v, out) < 0 || *out < 1 || *out > 65535)) {
		fprintf(stderr, "pgdrill agent: --%s must be a port number; found '%s'\n", name, v);
		return -1;
	}
	return 0;
}

static int peers_option(const char *v, struct agent_options *o)
{
	const char *p = v;

	while (v && *p) {
		size_t len = strcspn(p, ",");
		struct in_addr a;

		if (o->npeers == AGENT_MAX_PEERS || len == 0 || len >= sizeof(o->peers[0])) {
			fprintf(stderr, "pgdrill agent: --peers takes up to %d IPv4 addresses, "
			        "comma-separated; found '%s'\n", AGENT_MAX_PEERS, v);
			return -1;
		}
		snprintf(o->peers[o->npeers], sizeof(o->peers[0]), "%.*s", (int)len, p);
		if (inet_pton(AF_INET, o->peers[o->npeers], &a) != 1) {
			fprintf(stderr, "pgdrill agent: --peers: '%s' is not an IPv4 address\n",
			        o->peers[o->npeers]);
			return -1;
		}
		o->npeers++;
		p += len + (p[len] == ',');
	}
	return 0;
}

static int agent_run(const struct cli_args *args)
{
	static struct agent_options o;
	long port, pg_port;

	o.listen = cli_opt(args, "listen");
	o.socket_dir = cli_opt(args, "socket-dir");
	if (!o.listen || !o.socket_dir) {
		fprintf(stderr, "pgdrill agent: --listen and --socket-dir are required\n");
		return EXIT_HARNESS;
	}
	if (port_option(args, "port", 8008, &port) < 0 ||
	    port_option(args, "pg-port", 5432, &pg_port) < 0 ||
	    peers_option(cli_opt(args, "peers"), &o) < 0)
		return EXIT_HARNESS;
	o.port = (int)port;
	o.pg_port = (int)pg_port;
	if (agent_serve(&o) < 0) {
		cli_report_error("agent");
		return EXIT_HARNESS;
	}
	return 0;
}

const struct cli_command cmd_agent = {
    .name = "agent",
    .usage = "--listen ADDRESS --socket-dir DIR [options]",
    .summary = "The role agent haproxy's http-agent checks ask (started by 'up' on each node).",
    .details = "GET /primary answers 200 when the local PostgreSQL is a primary, 503 "
               "otherwise (also when --peers names a node that is a primary on a newer "
               "timeline: a primary back after a failover is fenced); GET /replica the other "
               "way round. It asks over the local socket.",
    .options = agent_options,
    .min_args = 0,
    .max_args = 0,
    .run = agent_run,
};
