/* Split brain: two servers acknowledging writes at the same time, or on diverging
 * timelines, as the clients saw it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/checks.h"

static struct write_span *span_for(struct write_span **spans, size_t *n, const struct op_record *r)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if ((*spans)[i].server == r->server && (*spans)[i].timeline == r->timeline)
			return &(*spans)[i];
	*spans = realloc(*spans, (*n + 1) * sizeof(**spans));
	if (!*spans) {
		perror("pgdrill: split brain");
		abort();
	}
	(*spans)[*n] = (struct write_span){.server = r->server,
	                                   .timeline = r->timeline,
	                                   .first_end_us = r->end_us,
	                                   .last_start_us = r->start_us};
	return &(*spans)[(*n)++];
}

/* a began first; true when b acknowledged a write before a's last write even started. */
static bool interleaved(const struct write_span *a, const struct write_span *b)
{
	return b->first_end_us < a->last_start_us && a->first_end_us < b->last_start_us;
}

void check_split_brain(const struct history *h, struct split_brain *out)
{
	struct write_span *spans = NULL;
	size_t n = 0, i, j;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < h->count; i++) {
		const struct op_record *r = &h->ops[i];
		struct write_span *s;

		if (r->kind != OP_WRITE || r->outcome != OP_OK || r->server == 0)
			continue;
		s = span_for(&spans, &n, r);
		s->writes++;
		if (r->end_us < s->first_end_us)
			s->first_end_us = r->end_us;
		if (r->start_us > s->last_start_us)
			s->last_start_us = r->start_us;
	}
	out->nspans = n;
	for (i = 0; i < n && !out->found; i++)
		for (j = 0; j < n && !out->found; j++) {
			const struct write_span *a = &spans[i], *b = &spans[j];

			if (i == j || a->first_end_us > b->first_end_us ||
			    (a->first_end_us == b->first_end_us && i > j))
				continue;
			if (a->server != b->server && a->timeline != 0 &&
			    a->timeline == b->timeline) {
				out->found = out->same_timeline = true;
			} else if (interleaved(a, b)) {
				out->found = true;
			}
			if (out->found) {
				out->a = *a;
				out->b = *b;
			}
		}
	if (out->found)
		for (i = 0; i < h->count; i++) {
			const struct op_record *r = &h->ops[i];

			if (r->kind == OP_WRITE && r->outcome == OP_OK &&
			    r->server == out->a.server && r->timeline == out->a.timeline &&
			    r->start_us > out->b.first_end_us)
				out->a_writes_after++;
		}
	free(spans);
}

void check_split_brain_verdict(const struct split_brain *s, struct verdict *v)
{
	char a[16], b[16];

	verdict_begin(v);
	v->passed = !s->found;
	verdict_measure(v, s->found, "overlaps", 0,
	                "per server and timeline, the span from its first acknowledged write to "
	                "the start of its last; two spans overlapping is a split brain");
	verdict_number(v, "spans", (double)s->nspans);
	if (!s->found) {
		snprintf(v->figure, sizeof(v->figure),
		         "one server at a time acknowledged writes (%zu server/timeline span%s)",
		         s->nspans, s->nspans == 1 ? "" : "s");
		return;
	}
	op_server_string(s->a.server, a, sizeof(a));
	op_server_string(s->b.server, b, sizeof(b));
	if (s->same_timeline)
		snprintf(
		    v->figure, sizeof(v->figure),
		    "%s and %s both acknowledged writes on timeline %d: their histories diverge", a,
		    b, (int)s->a.timeline);
	else
		snprintf(
		    v->figure, sizeof(v->figure),
		    "%s (timeline %d) and %s (timeline %d) acknowledged writes at the same time", a,
		    (int)s->a.timeline, b, (int)s->b.timeline);
	snprintf(
	    v->detail, sizeof(v->detail),
	    "%s acknowledged %zu writes from %.3f s to %.3f s; %s acknowledged %zu from %.3f s "
	    "to %.3f s; %zu of %s's writes started after %s had acknowledged one. Clients "
	    "wrote to both: one side's writes will be thrown away when the cluster is "
	    "rejoined",
	    a, s->a.writes, (double)s->a.first_end_us / 1e6, (double)s->a.last_start_us / 1e6, b,
	    s->b.writes, (double)s->b.first_end_us / 1e6, (double)s->b.last_start_us / 1e6,
	    s->a_writes_after, a, b);
}
