/* The trainee's terminal: a tmux session with one pane per lab host, each a shell there
 * (`pgdrill exec LAB HOST -- bash`), on a tmux server of its own per lab (socket
 * pgdrill-LAB, never the user's own server), prepared when an exercise starts and tmux
 * is installed, ended with the exercise and by `pgdrill down`. */
#ifndef PGDRILL_TRAIN_TMUX_H
#define PGDRILL_TRAIN_TMUX_H

#include <stdbool.h>

#include "provider/provider.h"

/* Whether tmux is there to run. */
bool train_tmux_available(void);
/* The session (named after the lab) with a pane per host, each titled with the host's
 * name; an earlier one of the lab is ended first. -1 with the error set. */
int train_tmux_open(const struct lab_rt *rt, const char *lab_file);
/* Ends the lab's tmux server, if one runs (its panes' shells end with it). */
void train_tmux_close(const char *lab_name);

#endif
