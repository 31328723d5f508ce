#include <stdio.h>

#include "cli/cli.h"
#include "cli/common.h"

static const struct cli_option show_options[] = {
    {"json", 'j', NULL, "print JSON instead of YAML"},
    {"secrets", 0, NULL, "print passwords given in the file instead of masking them"},
    {0},
};

static int show_run(const struct cli_args *args)
{
	struct strbuf out = STRBUF_INIT;
	struct lab lab;

	if (cli_load_lab(&lab, args->pos[0]) < 0)
		return EXIT_HARNESS;
	if (!cli_flag(args, "json"))
		printf("# %s, resolved with pgdrill's defaults\n", args->pos[0]);
	schema_emit(&lab_schema, &lab, cli_flag(args, "json") ? SCHEMA_JSON : SCHEMA_YAML,
	            cli_flag(args, "secrets"), &out);
	fputs(strbuf_str(&out), stdout);
	strbuf_free(&out);
	lab_free(&lab);
	return 0;
}

const struct cli_command cmd_show = {
    .name = "show",
    .usage = "[options] LAB.yaml",
    .summary = "Print the lab with every default filled in.",
    .details = "The YAML output is itself a valid lab file (with passwords masked unless "
               "--secrets is given).",
    .options = show_options,
    .min_args = 1,
    .max_args = 1,
    .run = show_run,
};
