/* Steps several subcommands share. */
#ifndef PGDRILL_CLI_COMMON_H
#define PGDRILL_CLI_COMMON_H

#include "lab/lab.h"

/* Loads and validates a lab file; on failure prints every problem as file:line:col and
 * returns -1 (the caller exits with EXIT_HARNESS). */
int cli_load_lab(struct lab *lab, const char *path);

#endif
