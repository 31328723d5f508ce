#include <stdio.h>

#include "cli/cli.h"
#include "cli/common.h"

static const struct cli_option validate_options[] = {
    {"quiet", 'q', NULL, "print nothing when the lab is valid"},
    {0},
};

static int validate_run(const struct cli_args *args)
{
	struct lab lab;
	int i, failed = 0;

	for (i = 0; i < args->npos; i++) {
		if (cli_load_lab(&lab, args->pos[i]) < 0) {
			failed = 1;
			continue;
		}
		if (!cli_flag(args, "quiet"))
			printf("%s: lab '%s' is valid (%zu hosts)\n", args->pos[i], lab.name,
			       lab.hosts.count);
		lab_free(&lab);
	}
	return failed ? EXIT_HARNESS : 0;
}

const struct cli_command cmd_validate = {
    .name = "validate",
    .usage = "[options] LAB.yaml...",
    .summary = "Check lab files and report every problem as file:line:col.",
    .details = "Exit code 0 when every file is valid, 2 when any is not.",
    .options = validate_options,
    .min_args = 1,
    .max_args = -1,
    .run = validate_run,
};
