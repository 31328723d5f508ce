/* Availability as clients saw it: the gaps between successful operations. */
#include <stdio.h>
#include <stdlib.h>

#include "check/checks.h"

int check_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

void check_gap(const struct history *h, int kind, int64_t after_us, struct gap *out)
{
	int64_t *ends = malloc((h->count ? h->count : 1) * sizeof(*ends));
	int64_t first_start = -1, last_end = -1;
	size_t n = 0, i;

	*out = (struct gap){.from_us = -1, .to_us = -1};
	for (i = 0; i < h->count; i++) {
		const struct op_record *r = &h->ops[i];

		if (r->kind != kind)
			continue;
		if (first_start < 0 || r->start_us < first_start)
			first_start = r->start_us;
		if (r->end_us > last_end)
			last_end = r->end_us;
		if (r->outcome == OP_OK)
			ends[n++] = r->end_us;
	}
	qsort(ends, n, sizeof(*ends), check_cmp_i64);
	out->any_ok = n > 0;
	if (n == 0 || ends[n - 1] <= after_us) {
		/* Nothing succeeded after the mark: the gap runs at least to the last attempt. */
		out->from_us = n ? ends[n - 1] : (after_us > first_start ? after_us : first_start);
		out->to_us = last_end > out->from_us ? last_end : out->from_us;
	} else {
		/* Candidates: from the first attempt to the first success, then between
		 * successive successes; only those that end after the mark count. */
		out->recovered = true;
		out->from_us = first_start < ends[0] ? first_start : ends[0];
		out->to_us = ends[0];
		for (i = 0; i + 1 < n; i++)
			if (ends[i + 1] > after_us &&
			    (out->to_us <= after_us || ends[i + 1] - ends[i] > gap_us(out))) {
				out->from_us = ends[i];
				out->to_us = ends[i + 1];
			}
		/* Attempts that failed after the last success: the operations never came back
		 * before the workload stopped (a second fault, say), and that gap is still open
		 * however short the ones before it were. */
		for (i = 0; i < h->count; i++) {
			const struct op_record *r = &h->ops[i];

			if (r->kind == kind && r->outcome != OP_OK && r->start_us >= ends[n - 1]) {
				out->recovered = false;
				out->from_us = ends[n - 1];
				out->to_us = last_end;
				break;
			}
		}
	}
	free(ends);
	if (first_start < 0) { /* no operation of this kind at all */
		out->from_us = out->to_us = 0;
		return;
	}
	for (i = 0; i < h->count; i++) {
		const struct op_record *r = &h->ops[i];

		if (r->kind == kind && r->outcome != OP_OK && r->start_us >= out->from_us &&
		    r->start_us <= out->to_us)
			out->failed_inside++;
	}
}

static double secs(int64_t us)
{
	return (double)us / 1e6;
}

void check_rto_verdict(const struct history *h, int64_t fault_us, int64_t max_us, struct verdict *v)
{
	struct gap w, r;
	char reads[96] = "";

	verdict_begin(v);
	check_gap(h, OP_WRITE, fault_us, &w);
	check_gap(h, OP_READ, fault_us, &r);
	if (r.any_ok || r.failed_inside)
		snprintf(reads, sizeof(reads), "; reads %s%.3f s", r.recovered ? "" : "at least ",
		         secs(gap_us(&r)));
	v->detail[0] = '\0';
	if (!w.any_ok) {
		v->passed = false;
		snprintf(v->figure, sizeof(v->figure), "no write ever succeeded%s", reads);
		verdict_number(v, "recovered", 0);
		snprintf(v->detail, sizeof(v->detail),
		         "the workload could not write at all; see the errors in the continuity "
		         "check and the history");
		return;
	}
	v->passed = w.recovered && gap_us(&w) <= max_us;
	verdict_measure(v, secs(gap_us(&w)), "s", secs(max_us),
	                "the longest write gap after the fault: from the last ok write before it "
	                "to the first ok write after it");
	verdict_number(v, "recovered", w.recovered);
	verdict_number(v, "from_s", secs(w.from_us));
	verdict_number(v, "to_s", secs(w.to_us));
	verdict_number(v, "fault_s", secs(fault_us));
	verdict_number(v, "failed_in_gap", (double)w.failed_inside);
	if (r.any_ok || r.failed_inside)
		verdict_number(v, "read_gap_s", secs(gap_us(&r)));
	snprintf(v->figure, sizeof(v->figure),
	         "writes unavailable %s%.3f s (last ok at %.3f s, %s at %.3f s)%s (max %.3f s)",
	         w.recovered ? "" : "at least ", secs(gap_us(&w)), secs(w.from_us),
	         w.recovered ? "first ok again" : "still failing", secs(w.to_us), reads,
	         secs(max_us));
	if (!w.recovered && w.from_us > fault_us)
		snprintf(v->detail, sizeof(v->detail),
		         "writes failed again after %.3f s and never came back before the workload "
		         "stopped; %zu attempts failed or went unanswered",
		         secs(w.from_us), w.failed_inside);
	else if (!w.recovered)
		snprintf(
		    v->detail, sizeof(v->detail),
		    "no write succeeded after the fault; %zu attempts failed or went unanswered",
		    w.failed_inside);
	else if (!v->passed)
		snprintf(
		    v->detail, sizeof(v->detail),
		    "clients could not write for longer than the objective; %zu attempts failed "
		    "or went unanswered in the gap",
		    w.failed_inside);
}
