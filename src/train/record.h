/* The training record: which exercise a lab is broken for, since when, what its breaking
 * remembered, the hints taken and how it ended. One text file in the lab's directory
 * (LAB_DIR/training), rewritten whole at each change; `pgdrill down` removes it with the
 * lab. Read back as hostile text: every line is checked. */
#ifndef PGDRILL_TRAIN_RECORD_H
#define PGDRILL_TRAIN_RECORD_H

#include <stdbool.h>

#include "lua/train.h"

#define TRAIN_NAME_MAX 64

struct train_record {
	char exercise[TRAIN_NAME_MAX]; /* the exercise's file name without .lua */
	double broken;                 /* seconds since the epoch: the lab was broken */
	int hints;                     /* hints taken */
	double ended;                  /* 0 while the exercise runs */
	char outcome[16];              /* "solved", "failed", "gave-up"; "" while it runs */
	char why[256];                 /* for "failed": the forbidden state that was seen */
	char run[512];                 /* the run directory of the breaking (absolute); "" none */
};

/* A command a person ran on the lab while the exercise ran (`pgdrill exec`). */
struct train_command {
	double t; /* seconds since the epoch */
	char host[64], user[32];
	char text[512]; /* the command line, control characters replaced */
};

/* An exercise name: lower-case letters, digits, '_', at most TRAIN_NAME_MAX - 1. */
bool train_name_ok(const char *name);
/* Reads LAB_DIR/training; the remembered values go into D (may be NULL). PD_ENOTFOUND when
 * no exercise was started on the lab. */
int train_record_load(const char *lab_dir, struct train_record *r, struct train_def *d);
/* Writes R and D's remembered values as LAB_DIR/training (root's, mode 600). */
int train_record_save(const char *lab_dir, const struct train_record *r,
                      const struct train_def *d);

/* Appends a command run by `pgdrill exec` to the exercise running on the lab (none runs:
 * nothing happens). ARGV is written as one line, control characters replaced. */
void train_log_command(const char *lab_dir, const char *host, const char *user,
                       char *const *argv);
/* Forgets the commands of an earlier exercise (a new one begins). */
void train_commands_reset(const char *lab_dir);
/* The commands logged since the exercise began, oldest first (owned); lines not of the
 * log's form are skipped. */
size_t train_commands_load(const char *lab_dir, struct train_command **out);

#endif
