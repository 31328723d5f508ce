#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "roles/delayer.h"
#include "util/units.h"

static const struct cli_option delayer_options[] = {
    {"queue", 0, "N", "the NFQUEUE number to serve, 1..65535 (required)"},
    {"delay-ms", 0, "MS", "how long each packet is held, 1..60000 (required)"},
    {"jitter-ms", 0, "MS", "a random share added or taken, 0..the delay (default 0)"},
    {0},
};

static int number(const struct cli_args *args, const char *name, long min, long max, long *out)
{
	const char *v = cli_opt(args, name);

	if (!v || units_parse_long(v, out) < 0 || *out < min || *out > max) {
		fprintf(stderr, "pgdrill delayer: --%s must be a whole number from %ld to %ld\n", name,
		        min, max);
		return -1;
	}
	return 0;
}

static int delayer_run(const struct cli_args *args)
{
	long queue, delay, jitter = 0;
	struct delayer_options o;

	if (number(args, "queue", 1, 65535, &queue) < 0 ||
	    number(args, "delay-ms", 1, 60000, &delay) < 0 ||
	    (cli_opt(args, "jitter-ms") && number(args, "jitter-ms", 0, delay, &jitter) < 0))
		return EXIT_HARNESS;
	o = (struct delayer_options){(int)queue, (int)delay, (int)jitter};
	if (delayer_serve(&o) < 0) {
		cli_report_error("delayer");
		return EXIT_HARNESS;
	}
	return 0;
}

const struct cli_command cmd_delayer = {
    .name = "delayer",
    .usage = "--queue N --delay-ms MS [--jitter-ms MS]",
    .summary = "Holds the packets of an NFQUEUE for a delay (started by fault.delay inside a "
               "host).",
    .details = "Latency without netem: iptables sends the packets a delay fault names to the "
               "queue; each is held for the delay, plus or minus a random jitter, and let go "
               "in the order it came. On SIGTERM every held packet goes and it exits.",
    .options = delayer_options,
    .min_args = 0,
    .max_args = 0,
    .run = delayer_run,
};
