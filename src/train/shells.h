/* The trainee's interactive shells (`pgdrill exec LAB HOST -- bash` during an exercise):
 * bash keeps its history, with times, in a file per host and user in the lab's state
 * directory (LAB_DIR/training-shells/HOST@USER), and the debrief reads the lines back as
 * commands the trainee ran. The files are written by the trainee's shell: read back as
 * hostile text. */
#ifndef PGDRILL_TRAIN_SHELLS_H
#define PGDRILL_TRAIN_SHELLS_H

#include <stddef.h>

#include "train/record.h"

/* The history file for a shell of `user` on `host` while an exercise runs on the lab
 * (created, owned by the user, mode 600); NULL when none runs or the names are not plain
 * (owned). */
char *train_shell_history(const char *lab_dir, const char *host, const char *user);
/* The environment that makes bash append each command, with its time, to `history`:
 * HISTFILE, HISTTIMEFORMAT, PROMPT_COMMAND. Fills env[0..2] (owned strings). */
void train_shell_env(const char *history, char *env[3]);
/* Appends the commands of every shell history of the lab to *out (n entries so far);
 * returns the new count. Lines not of history's form are skipped; a line stamped with
 * the whole second in which `since` falls counts as run at `since`. */
size_t train_shells_load(const char *lab_dir, double since, struct train_command **out,
                         size_t n);
/* Forgets the shells of an earlier exercise. */
void train_shells_reset(const char *lab_dir);
/* Parses one history file's text into *out (n so far) as commands of host and user. */
size_t train_shell_parse(const char *text, const char *host, const char *user,
                         struct train_command **out, size_t n);

#endif
