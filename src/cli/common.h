/* Steps several subcommands share. */
#ifndef PGDRILL_CLI_COMMON_H
#define PGDRILL_CLI_COMMON_H

#include <signal.h>

#include "lab/lab.h"

/* Loads and validates a lab file; on failure prints every problem as file:line:col and
 * returns -1 (the caller exits with EXIT_HARNESS). */
int cli_load_lab(struct lab *lab, const char *path);
/* As cli_load_lab, with one "key.path=value" set over the file's (a --matrix value). */
int cli_load_lab_set(struct lab *lab, const char *path, const char *set);

struct lab_rt;
/* Loads the lab and its runtime view (names, paths); prints the problem on failure. */
int cli_open_lab(struct lab *lab, struct lab_rt *rt, const char *path);
int cli_open_lab_set(struct lab *lab, struct lab_rt *rt, const char *path, const char *set);
/* For commands that read a running lab (status, audit): needs root, opens the lab and
 * refuses, with the command that brings it up, one that is not up. On failure nothing is
 * left to free and the caller exits with EXIT_HARNESS. */
int cli_open_up_lab(const char *cmd, struct lab *lab, struct lab_rt *rt, const char *path);
/* Commands that build or enter labs need root; says so and returns -1 otherwise. */
int cli_require_root(const char *cmd);
/* Takes the lab's lock for this process (up, run and down); reports and fails when
 * another pgdrill holds it. `create` makes the lab directory (up, run). */
int cli_lock_lab(const char *cmd, const struct lab_rt *rt, bool create);
/* Reverts the faults the lab's state file still records as applied (a run that died
 * before it could revert them), saying so on stdout. Returns how many could not be
 * reverted (each with the command that reverts it by hand), or -1 when the state file
 * cannot be trusted (reported); `found` (may be NULL) gets how many there were. */
int cli_revert_left_faults(const char *cmd, struct lab_rt *rt, size_t *found);
/* cli_revert_left_faults, then the lab healed when there were any (on stdout); -1 (the
 * problem and the steps that repair the lab by hand reported) when either fails. */
int cli_heal_left_faults(const char *cmd, struct lab_rt *rt, const char *lab_file);
struct journal;
/* report.html beside the journal, rendered from it as `pgdrill report` would. */
void cli_write_report(const char *cmd, struct journal *j);
/* For commands that break a lab (run, train): takes its lock, lets SIGINT, SIGTERM and
 * SIGHUP call ON_SIGNAL (which sets *INTERRUPTED), and brings the lab up when it is absent
 * (saying it is for WHAT). Returns what it found (enum lab_presence: LAB_ABSENT when this
 * brought it up), or -1 (reported; a half-built lab is refused). */
int cli_take_lab(const char *cmd, struct lab_rt *rt, const char *lab_file, const char *what,
                 void (*on_signal)(int), volatile sig_atomic_t *interrupted);
/* Prints "pgdrill CMD: <last error>" to stderr. */
void cli_report_error(const char *cmd);

/* Where drillkit and the other Lua modules are: PGDRILL_LUA_DIR, else the source's lua/. */
const char *cli_lua_dir(void);

#endif
