/* Lost writes (RPO): every acknowledged write must be on the primary after recovery. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/checks.h"

static bool contains(const int64_t *sorted, size_t n, int64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] == id)
			return true;
		if (sorted[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

void check_lost_writes(const struct history *h, const int64_t *present, size_t npresent,
                       struct lost_writes *out)
{
	int64_t first = -1, last = -1;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < h->count; i++) {
		const struct op_record *r = &h->ops[i];
		bool there;

		if (r->kind != OP_WRITE || r->id == 0)
			continue;
		there = contains(present, npresent, r->id);
		if (r->outcome == OP_INDETERMINATE) {
			out->indeterminate++;
			out->indeterminate_present += there;
		} else if (r->outcome == OP_FAILED) {
			out->failed_present += there;
		} else {
			out->acked++;
			if (there)
				continue;
			out->lost_ids = realloc(out->lost_ids, (out->lost + 1) * sizeof(int64_t));
			if (!out->lost_ids) {
				perror("pgdrill: lost writes");
				abort();
			}
			out->lost_ids[out->lost++] = r->id;
			if (first < 0 || r->start_us < first)
				first = r->start_us;
			if (r->end_us > last)
				last = r->end_us;
		}
	}
	if (out->lost)
		qsort(out->lost_ids, out->lost, sizeof(int64_t), check_cmp_i64);
	out->window_us = out->lost ? last - first : 0;
}

void check_lost_verdict(const struct lost_writes *l, int64_t rpo_us, struct verdict *v)
{
	size_t i, used;

	verdict_begin(v);
	v->passed = rpo_us == 0 ? l->lost == 0 : l->window_us <= rpo_us;
	if (rpo_us == 0)
		verdict_measure(v, (double)l->lost, "writes", 0,
		                "acknowledged writes missing on the primary afterwards (RPO 0)");
	else
		verdict_measure(v, (double)l->window_us / 1e6, "s", (double)rpo_us / 1e6,
		                "the span of the acknowledged writes missing on the primary "
		                "afterwards, from the first one's start to the last one's end");
	verdict_number(v, "acknowledged", (double)l->acked);
	verdict_number(v, "lost", (double)l->lost);
	verdict_number(v, "indeterminate", (double)l->indeterminate);
	verdict_number(v, "committed_indeterminate", (double)l->indeterminate_present);
	verdict_number(v, "failed_but_committed", (double)l->failed_present);
	snprintf(v->figure, sizeof(v->figure),
	         "%zu of %zu acknowledged writes lost; %zu indeterminate (%zu of them committed)",
	         l->lost, l->acked, l->indeterminate, l->indeterminate_present);
	if (l->lost) {
		size_t k = strlen(v->figure);

		snprintf(v->figure + k, sizeof(v->figure) - k, "; lost writes span %.3f s",
		         (double)l->window_us / 1e6);
	}
	v->detail[0] = '\0';
	used = 0;
	if (l->lost) {
		used = (size_t)snprintf(v->detail, sizeof(v->detail), "lost ids:");
		for (i = 0; i < l->lost && used + 48 < sizeof(v->detail); i++)
			used += (size_t)snprintf(v->detail + used, sizeof(v->detail) - used,
			                         " %lld", (long long)l->lost_ids[i]);
		if (i < l->lost)
			used += (size_t)snprintf(v->detail + used, sizeof(v->detail) - used,
			                         " ... (%zu more; all in lost_writes.txt)",
			                         l->lost - i);
	}
	if (l->failed_present && used + 2 < sizeof(v->detail))
		snprintf(v->detail + used, sizeof(v->detail) - used,
		         "%s%zu writes reported as failed were committed all the same",
		         used ? "; " : "", l->failed_present);
}

void lost_writes_free(struct lost_writes *l)
{
	free(l->lost_ids);
	l->lost_ids = NULL;
}
