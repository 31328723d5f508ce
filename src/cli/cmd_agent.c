#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "roles/agent.h"
#include "util/units.h"

static const struct cli_option agent_options[] = {
    {"listen", 0, "ADDRESS", "IPv4 address to listen on (required)"},
    {"port", 0, "PORT", "TCP port to listen on (default 8008)"},
    {"socket-dir", 0, "DIR", "the PostgreSQL server's Unix socket directory (required)"},
    {"pg-port", 0, "PORT", "the PostgreSQL server's port (default 5432)"},
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

static int agent_run(const struct cli_args *args)
{
	struct agent_options o = {.listen = cli_opt(args, "listen"),
	                          .socket_dir = cli_opt(args, "socket-dir")};
	long port, pg_port;

	if (!o.listen || !o.socket_dir) {
		fprintf(stderr, "pgdrill agent: --listen and --socket-dir are required\n");
		return EXIT_HARNESS;
	}
	if (port_option(args, "port", 8008, &port) < 0 ||
	    port_option(args, "pg-port", 5432, &pg_port) < 0)
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
               "otherwise; GET /replica the other way round. It asks over the local socket.",
    .options = agent_options,
    .min_args = 0,
    .max_args = 0,
    .run = agent_run,
};
