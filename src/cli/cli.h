/* Subcommands and their options: one table per command drives parsing and --help. */
#ifndef PGDRILL_CLI_CLI_H
#define PGDRILL_CLI_CLI_H

#include <stdbool.h>

#define EXIT_OBJECTIVE_MISSED 1
#define EXIT_HARNESS 2

#define CLI_MAX_OPTIONS 16

struct cli_option {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 for none */
	const char *arg;  /* placeholder of its argument, NULL for a flag */
	const char *help;
};

struct cli_args;

struct cli_command {
	const char *name;
	const char *usage;                /* after "pgdrill NAME " */
	const char *summary;              /* one line for `pgdrill --help` */
	const char *details;              /* paragraph for `pgdrill NAME --help`; may be NULL */
	const struct cli_option *options; /* terminated by a zeroed entry */
	int min_args, max_args;           /* positional arguments; max -1 = any */
	bool takes_rest;                  /* accepts `-- CMD...` */
	int (*run)(const struct cli_args *args);
};

struct cli_args {
	const struct cli_command *cmd;
	const char *values[CLI_MAX_OPTIONS]; /* by option index; "" for a set flag */
	char **pos;
	int npos;
	char **rest; /* after "--", NULL-terminated; NULL when absent */
	int nrest;
};

/* Parses argv (after the command name). Prints a clear message and returns -1 on misuse. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *out);
void cli_print_help(const struct cli_command *cmd);
const char *cli_opt(const struct cli_args *args, const char *name);
bool cli_flag(const struct cli_args *args, const char *name);

extern const struct cli_command cmd_validate;
extern const struct cli_command cmd_show;
extern const struct cli_command cmd_docs;
extern const struct cli_command cmd_up;
extern const struct cli_command cmd_status;
extern const struct cli_command cmd_audit;
extern const struct cli_command cmd_exec;
extern const struct cli_command cmd_down;
extern const struct cli_command cmd_agent;
extern const struct cli_command cmd_run;
extern const struct cli_command cmd_report;
extern const struct cli_command cmd_train;

#endif
