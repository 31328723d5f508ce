/* Continuity: what the clients lived through, in counts, gaps and latencies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/checks.h"

/* Nearest-rank percentile of a sorted array. */
static int64_t percentile(const int64_t *sorted, size_t n, int p)
{
	size_t rank;

	if (n == 0)
		return 0;
	rank = ((size_t)p * n + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

void check_continuity(const struct history *h, struct continuity *out)
{
	int64_t *lat = malloc((h->count ? h->count : 1) * sizeof(*lat));
	size_t n = 0, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < h->count; i++) {
		const struct op_record *r = &h->ops[i];

		out->ops[r->kind & 1][r->outcome <= OP_INDETERMINATE ? r->outcome : OP_FAILED]++;
		out->reconnects += r->reconnect;
		if (r->kind == OP_WRITE && strcmp(r->error, OP_ERR_READ_ONLY) == 0)
			out->read_only++;
		if (r->kind == OP_WRITE && r->outcome == OP_OK)
			lat[n++] = r->end_us - r->start_us;
	}
	qsort(lat, n, sizeof(*lat), check_cmp_i64);
	out->p50_us = percentile(lat, n, 50);
	out->p95_us = percentile(lat, n, 95);
	out->p99_us = percentile(lat, n, 99);
	out->max_us = n ? lat[n - 1] : 0;
	free(lat);
	check_gap(h, OP_WRITE, -1, &out->write_gap);
	check_gap(h, OP_READ, -1, &out->read_gap);
}

static double ms(int64_t us)
{
	return (double)us / 1e3;
}

static void append(char *buf, size_t len, const char *fmt, const char *a, size_t n, const char *b)
{
	size_t used = strlen(buf);

	if (used + 1 < len)
		snprintf(buf + used, len - used, fmt, a, n, b);
}

void check_continuity_verdict(const struct history *h, const struct continuity *c,
                              int64_t max_gap_us, struct verdict *v)
{
	const size_t *w = c->ops[OP_WRITE], *r = c->ops[OP_READ];
	size_t i;

	verdict_begin(v);
	v->passed = w[OP_OK] > 0 && c->write_gap.recovered && gap_us(&c->write_gap) <= max_gap_us &&
	            c->read_only == 0;
	snprintf(v->figure, sizeof(v->figure),
	         "writes %zu ok, %zu failed, %zu indeterminate; reads %zu ok, %zu failed; %zu "
	         "reconnects; longest write gap %.3f s (max %.3f s); write latency p50 %.1f ms, "
	         "p95 %.1f ms, p99 %.1f ms, max %.1f ms",
	         w[OP_OK], w[OP_FAILED], w[OP_INDETERMINATE], r[OP_OK],
	         r[OP_FAILED] + r[OP_INDETERMINATE], c->reconnects,
	         (double)gap_us(&c->write_gap) / 1e6, (double)max_gap_us / 1e6, ms(c->p50_us),
	         ms(c->p95_us), ms(c->p99_us), ms(c->max_us));
	verdict_measure(v, (double)gap_us(&c->write_gap) / 1e6, "s", (double)max_gap_us / 1e6,
	                "the longest stretch of the whole workload without an ok write");
	verdict_number(v, "writes_ok", (double)w[OP_OK]);
	verdict_number(v, "writes_failed", (double)w[OP_FAILED]);
	verdict_number(v, "writes_indeterminate", (double)w[OP_INDETERMINATE]);
	verdict_number(v, "reads_ok", (double)r[OP_OK]);
	verdict_number(v, "reads_failed", (double)(r[OP_FAILED] + r[OP_INDETERMINATE]));
	verdict_number(v, "reconnects", (double)c->reconnects);
	verdict_number(v, "writes_to_standby", (double)c->read_only);
	verdict_number(v, "latency_p50_ms", ms(c->p50_us));
	verdict_number(v, "latency_p95_ms", ms(c->p95_us));
	verdict_number(v, "latency_p99_ms", ms(c->p99_us));
	verdict_number(v, "latency_max_ms", ms(c->max_us));
	if (c->read_only)
		snprintf(
		    v->detail, sizeof(v->detail),
		    "haproxy sent %zu writes to a standby (SQLSTATE 25006, read-only): the write "
		    "listener's health check does not tell the primary from a standby. ",
		    c->read_only);
	else if (w[OP_OK] == 0)
		snprintf(v->detail, sizeof(v->detail), "no write ever succeeded. ");
	else if (!c->write_gap.recovered || gap_us(&c->write_gap) > max_gap_us)
		snprintf(v->detail, sizeof(v->detail),
		         "clients could not write from %.3f s to %.3f s. ",
		         (double)c->write_gap.from_us / 1e6, (double)c->write_gap.to_us / 1e6);
	for (i = 0; i < h->nerrors; i++)
		append(v->detail, sizeof(v->detail), "%s x%zu (%s). ", h->errors[i].code,
		       h->errors[i].count, h->errors[i].message);
	i = strlen(v->detail);
	if (i && v->detail[i - 1] == ' ')
		v->detail[i - 1] = '\0';
}
