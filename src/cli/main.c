#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#ifndef PGDRILL_VERSION
#define PGDRILL_VERSION "0.0.0-dev"
#endif

static const struct cli_command *const commands[] = {
    &cmd_validate, &cmd_show, &cmd_up,    &cmd_run,  &cmd_status,  &cmd_audit, &cmd_train,
    &cmd_exec,     &cmd_down, &cmd_agent, &cmd_docs, &cmd_report,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: pgdrill COMMAND [options] [arguments]\n\n"
	             "A test lab and chaos harness for PostgreSQL HA clusters (repmgr, barman, "
	             "haproxy).\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "\n'pgdrill COMMAND --help' describes one command. Exit codes: 0 ok, "
	             "1 an objective was missed, 2 pgdrill itself failed (bad input, lab could "
	             "not be built).\n");
}

/* A closed stdout (pgdrill run ... | head) must not kill a run that has faults to revert:
 * writes fail with EPIPE instead. A handler rather than SIG_IGN, so that the programs
 * pgdrill starts get the default back at exec. */
static void on_sigpipe(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	struct sigaction pipe_act = {.sa_handler = on_sigpipe};
	struct cli_args args;
	size_t i;
	int rc;

	sigaction(SIGPIPE, &pipe_act, NULL);
	if (argc < 2) {
		print_usage(stderr);
		return EXIT_HARNESS;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("pgdrill %s\n", PGDRILL_VERSION);
		return 0;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i]->name) != 0)
			continue;
		rc = cli_parse(commands[i], argc - 2, argv + 2, &args);
		if (rc != 0)
			return rc > 0 ? 0 : EXIT_HARNESS;
		return commands[i]->run(&args);
	}
	fprintf(stderr, "pgdrill: unknown command '%s'\n\n", argv[1]);
	print_usage(stderr);
	return EXIT_HARNESS;
}
