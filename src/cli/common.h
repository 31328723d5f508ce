/* Steps several subcommands share. */
#ifndef PGDRILL_CLI_COMMON_H
#define PGDRILL_CLI_COMMON_H

#include "lab/lab.h"

/* Loads and validates a lab file; on failure prints every problem as file:line:col and
 * returns -1 (the caller exits with EXIT_HARNESS). */
int cli_load_lab(struct lab *lab, const char *path);

struct lab_rt;
/* Loads the lab and its runtime view (names, paths); prints the problem on failure. */
int cli_open_lab(struct lab *lab, struct lab_rt *rt, const char *path);
/* Commands that build or enter labs need root; says so and returns -1 otherwise. */
int cli_require_root(const char *cmd);
/* Takes the lab's lock for this process (up, run and down); reports and fails when
 * another pgdrill holds it. `create` makes the lab directory (up, run). */
int cli_lock_lab(const char *cmd, const struct lab_rt *rt, bool create);
/* Prints "pgdrill CMD: <last error>" to stderr. */
void cli_report_error(const char *cmd);

#endif
