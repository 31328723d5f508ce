/* Time to detect: which of the trainee's commands shows that the cause was found. */
#ifndef PGDRILL_TRAIN_DETECT_H
#define PGDRILL_TRAIN_DETECT_H

#include "train/record.h"

/* The first command at or after `since` that runs on the exercise's detect host and holds
 * one of its detect words (train.detect, with {KEY} expanded); an exercise that declares
 * none takes the first command at all. Its index, or -1 when none does. */
long train_detect(const struct train_def *d, const char *lab_file,
                  const struct train_command *cmds, size_t n, double since);

#endif
