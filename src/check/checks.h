/* Verdicts computed from a workload history (and, for lost writes, the ids the cluster
 * holds afterwards). Pure functions over records: no lab, no I/O, so the unit tests feed
 * them hand-built histories. Each verdict says pass or fail, a figure and, when it fails,
 * why, in words a DBA can act on. */
#ifndef PGDRILL_CHECK_CHECKS_H
#define PGDRILL_CHECK_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workload/history.h"

#define VERDICT_MAX_NUMBERS 12

struct verdict {
	bool passed;
	char figure[256];
	char detail[768];
	/* The figure as data (the journal's "measure"): `value` in `unit` against `objective`,
	 * a maximum (NAN: none), measured as `method` says; further named numbers beside it.
	 * unit NULL: the check measured nothing. Every verdict function fills these. */
	const char *unit;
	double value, objective;
	const char *method;
	struct {
		const char *name;
		double value;
	} numbers[VERDICT_MAX_NUMBERS];
	size_t nnumbers;
};

/* Starts a verdict: no figure, no measure. */
void verdict_begin(struct verdict *v);
void verdict_measure(struct verdict *v, double value, const char *unit, double objective,
                     const char *method);
/* A further named number; beyond VERDICT_MAX_NUMBERS it is left out. */
void verdict_number(struct verdict *v, const char *name, double value);
/* The named number; NAN when the verdict has none. */
double verdict_get(const struct verdict *v, const char *name);

/* qsort order of int64_t (the checkers sort times and ids). */
int check_cmp_i64(const void *a, const void *b);

/* --- availability (gaps.c) ------------------------------------------------------------ */

/* The longest time without an operation of `kind` completing ok, among the gaps that end
 * after `after_us` (-1: anywhere): from the last ok completion before the gap to the first
 * after it. When nothing succeeds after `after_us`, recovered is false and to_us is the
 * last operation's end (the gap is at least that long). */
struct gap {
	bool any_ok;    /* an operation of this kind ever succeeded */
	bool recovered; /* one succeeded after `after_us` */
	int64_t from_us, to_us;
	size_t failed_inside; /* failed or indeterminate operations that started in the gap */
};
void check_gap(const struct history *h, int kind, int64_t after_us, struct gap *out);
static inline int64_t gap_us(const struct gap *g)
{
	return g->to_us - g->from_us;
}
/* RTO: the write gap across the fault at `fault_us`, against `max_us`; reads are
 * reported in the figure. */
void check_rto_verdict(const struct history *h, int64_t fault_us, int64_t max_us,
                       struct verdict *v);

/* --- lost writes (lost.c) ------------------------------------------------------------- */

struct lost_writes {
	size_t acked;                 /* writes acknowledged ok */
	size_t lost;                  /* acknowledged, not on the primary afterwards */
	size_t indeterminate;         /* sent, no answer */
	size_t indeterminate_present; /* ...of which the primary has the row */
	size_t failed_present;        /* reported failed yet present: a client was misled */
	int64_t *lost_ids;            /* owned, ascending, `lost` of them */
	int64_t window_us;            /* first lost write's start to last lost write's end */
};
/* `present` must be sorted ascending. */
void check_lost_writes(const struct history *h, const int64_t *present, size_t npresent,
                       struct lost_writes *out);
/* rpo_us 0: no acknowledged write may be lost; otherwise the lost writes must span at
 * most rpo_us. */
void check_lost_verdict(const struct lost_writes *l, int64_t rpo_us, struct verdict *v);
void lost_writes_free(struct lost_writes *l);

/* --- split brain (split_brain.c) ------------------------------------------------------ */

/* Writes acknowledged by one server on one timeline: first and last start and end. */
struct write_span {
	uint32_t server;
	int32_t timeline;
	int64_t first_end_us, last_start_us;
	size_t writes;
};
struct split_brain {
	bool found;
	bool same_timeline;     /* two servers acknowledged writes on the same timeline number */
	struct write_span a, b; /* the evidence: b began acknowledging before a stopped */
	size_t a_writes_after;  /* a's writes that started after b's first was acknowledged */
	size_t nspans;
};
void check_split_brain(const struct history *h, struct split_brain *out);
void check_split_brain_verdict(const struct split_brain *s, struct verdict *v);

/* --- continuity (continuity.c) -------------------------------------------------------- */

struct continuity {
	size_t ops[2][3]; /* [kind][outcome] */
	size_t reconnects;
	size_t read_only; /* writes a standby refused: haproxy routed writes to a standby */
	struct gap write_gap, read_gap;         /* the longest, anywhere */
	int64_t p50_us, p95_us, p99_us, max_us; /* latency of ok writes */
};
void check_continuity(const struct history *h, struct continuity *out);
/* Passes when the longest write gap is at most max_gap_us and no write reached a
 * standby; the detail lists errors by kind with their first message. */
void check_continuity_verdict(const struct history *h, const struct continuity *c,
                              int64_t max_gap_us, struct verdict *v);

#endif
