/* `pgdrill run --matrix KEY=V1,V2,...`: the same drills once per value of one lab
 * setting, each on a lab built fresh with that value, and a table of what each value
 * gave (the RTO, the outcomes, the checks that failed): the way to find the fastest safe
 * settings for a team's own stack. */
#ifndef PGDRILL_CLI_MATRIX_H
#define PGDRILL_CLI_MATRIX_H

#include <json-c/json.h>
#include <stdio.h>

#define MATRIX_MAX_VALUES 16
#define MATRIX_MAX_FAILED 8

struct matrix {
	char key[96];
	char *values[MATRIX_MAX_VALUES];
	size_t nvalues;
};

/* What the runs of one value gave. */
struct matrix_tally {
	int scenarios, passed, failed, errors;
	double *rto; /* seconds, of every recovered "rto" check (owned) */
	size_t nrto;
	int never_recovered; /* "rto" checks whose writes never came back */
	struct {
		char name[96];
		int count;
	} failed_checks[MATRIX_MAX_FAILED];
	size_t nfailed_checks;
	int other_failed; /* failed checks beyond MATRIX_MAX_FAILED names */
};

/* "repmgr.reconnect_attempts=1,2,3" into m; -1 with the error set when the key is not a
 * dotted path of lowercase names or a value is empty, holds a control character or a
 * quote, or there are more than MATRIX_MAX_VALUES. */
int matrix_parse(const char *spec, struct matrix *m);
void matrix_free(struct matrix *m);
/* Adds a round's scenarios (the journal's "scenarios" array) to the value's tally. */
void matrix_tally_add(struct matrix_tally *t, json_object *scenarios);
void matrix_tally_free(struct matrix_tally *t);
/* The table, one row per value that ran (`ran` of them). */
void matrix_print(FILE *out, const struct matrix *m, const struct matrix_tally *t, size_t ran);

#endif
