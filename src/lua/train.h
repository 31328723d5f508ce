/* An exercise for `pgdrill train`, as its Lua file declares it through the `train` module:
 * a briefing, hints, the solution, the function that breaks the lab, the goals that hold
 * once a trainee fixed it, and what must never be seen (forbidden). Loading the file only
 * declares; the breaking and the goals run when the command asks for them. */
#ifndef PGDRILL_LUA_TRAIN_H
#define PGDRILL_LUA_TRAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "lua/engine.h"
#include "util/strbuf.h"

#define TRAIN_MAX_ITEMS 16

/* A goal or a forbidden state: a name and a Lua predicate (a registry reference). */
struct train_item {
	char *name;
	int ref;
};

struct train_hint {
	int level;
	char *text;
};

struct train_def {
	char *title, *brief, *solution;
	int failover; /* enum failover_mode the exercise needs, or -1 for either */
	struct train_hint hints[TRAIN_MAX_ITEMS];
	size_t nhints;
	struct train_item goals[TRAIN_MAX_ITEMS];
	size_t ngoals;
	struct train_item forbids[TRAIN_MAX_ITEMS];
	size_t nforbids;
	int breaks_ref; /* LUA_NOREF until train.breaks */
	/* What the breaking remembered for the goals (train.remember): checked key/value
	 * pairs, kept in the lab's training record between commands. */
	char *keys[TRAIN_MAX_ITEMS], *values[TRAIN_MAX_ITEMS];
	size_t nmemory;
	/* train.detect: the trainee found the cause with the first command run on
	 * detect_host (NULL: any host) whose text holds one of the words (none: any command).
	 * Both may name remembered values ({KEY}). */
	char *detect_host;
	char *detect_words[TRAIN_MAX_ITEMS];
	size_t ndetect_words;
	bool detect_set;
};

void train_def_init(struct train_def *d);
void train_def_free(struct train_def *d);
/* A remembered key (lower-case letters, digits, '_', 1 to 32) and value (printable text,
 * at most 256 bytes): both are written to and read back from the training record. */
bool train_key_ok(const char *key);
bool train_value_ok(const char *value);
/* Adds or replaces a remembered value; -1 with the error set when either is not ok or
 * the memory is full. */
int train_remember(struct train_def *d, const char *key, const char *value);
/* TEXT (a hint, the solution) with "{lab}" replaced by LAB_FILE and "{KEY}" by what the
 * breaking remembered under KEY (left as is when it remembered nothing). Owned. */
char *train_expand(const struct train_def *d, const char *text, const char *lab_file);
/* Runs the exercise's breaking function: 0, or -1 with the error set. */
int train_break(struct engine *e, struct train_def *d);
/* Evaluates a goal or forbidden-state predicate: 1 when it holds, 0 when not (also when it
 * raised: the error is the detail); DETAIL gets its second result, if any. */
int train_eval(struct engine *e, const struct train_item *it, struct strbuf *detail);

#endif
