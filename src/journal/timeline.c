#include "journal/timeline.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static json_object *int_array(const int *v, size_t n)
{
	json_object *a = json_object_new_array_ext((int)n);
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int(v[i]));
	return a;
}

/* Rounded to three decimals: short JSON. */
static json_object *ms3(double v)
{
	return json_object_new_double(round(v * 1000.0) / 1000.0);
}

/* Writes per bucket, by outcome, counted at the moment each one ended. */
static void write_buckets(const struct history *h, int64_t from_us, int64_t to_us,
                          json_object *out)
{
	int64_t step = 100000;
	size_t n, i;
	int *count[3];
	static const char *const names[3] = {"writes_ok", "writes_failed", "writes_indeterminate"};

	while ((to_us - from_us) / step + 1 > TIMELINE_MAX_BUCKETS)
		step *= 2;
	n = (size_t)((to_us - from_us) / step + 1);
	for (i = 0; i < 3; i++)
		count[i] = calloc(n, sizeof(int));
	for (i = 0; i < h->count; i++) {
		const struct op_record *r = &h->ops[i];

		if (r->kind == OP_WRITE && r->outcome < 3 && r->end_us >= from_us)
			count[r->outcome][(r->end_us - from_us) / step]++;
	}
	json_object_object_add(out, "bucket_s", json_object_new_double((double)step / 1e6));
	for (i = 0; i < 3; i++) {
		json_object_object_add(out, names[i], int_array(count[i], n));
		free(count[i]);
	}
}

/* Sorting key for latency: the second an ok write ended in, then its latency. */
struct timed_latency {
	int64_t second, us;
};

static int cmp_timed(const void *a, const void *b)
{
	const struct timed_latency *x = a, *y = b;

	if (x->second != y->second)
		return x->second < y->second ? -1 : 1;
	return (x->us > y->us) - (x->us < y->us);
}

/* The index of the p-th percentile of n sorted values, by nearest rank. */
static size_t nearest_rank(size_t n, int p)
{
	size_t rank = (n * (size_t)p + 99) / 100;

	return rank ? rank - 1 : 0;
}

/* Per second: the p50 and p99 latency of the writes that ended ok in it, in ms (null for
 * a second without one). */
static void latency_series(const struct history *h, int64_t from_us, int64_t to_us,
                           json_object *out)
{
	int64_t nsec = (to_us - from_us) / 1000000 + 1, sec;
	json_object *p50 = json_object_new_array(), *p99 = json_object_new_array();
	struct timed_latency *lat = malloc(h->count * sizeof(*lat) + 1);
	size_t n = 0, i, k = 0;

	for (i = 0; i < h->count; i++) {
		const struct op_record *r = &h->ops[i];

		if (r->kind == OP_WRITE && r->outcome == OP_OK && r->end_us >= from_us)
			lat[n++] = (struct timed_latency){(r->end_us - from_us) / 1000000,
			                                  r->end_us - r->start_us};
	}
	qsort(lat, n, sizeof(*lat), cmp_timed);
	for (sec = 0; sec < nsec && sec < TIMELINE_MAX_BUCKETS; sec++) {
		size_t first = k, m;

		while (k < n && lat[k].second == sec)
			k++;
		m = k - first;
		json_object_array_add(p50, m ? ms3((double)lat[first + nearest_rank(m, 50)].us / 1e3)
		                             : NULL);
		json_object_array_add(p99, m ? ms3((double)lat[first + nearest_rank(m, 99)].us / 1e3)
		                             : NULL);
	}
	free(lat);
	json_object_object_add(out, "latency_p50_ms", p50);
	json_object_object_add(out, "latency_p99_ms", p99);
}

/* {standby: [[t_s, bytes or null], ...]} from the sampler's file. */
static json_object *lag_series(const char *path)
{
	json_object *series = json_object_new_object();
	FILE *f = path ? fopen(path, "r") : NULL;
	char line[256], name[64];
	double t, secs;
	long long bytes;

	if (!f)
		return series;
	while (fgets(line, sizeof(line), f)) {
		json_object *points = NULL, *p;

		if (line[0] == '#' ||
		    sscanf(line, "%lf\t%63[^\t]\t%lld\t%lf", &t, name, &bytes, &secs) != 4)
			continue;
		if (!json_object_object_get_ex(series, name, &points)) {
			points = json_object_new_array();
			json_object_object_add(series, name, points);
		}
		p = json_object_new_array_ext(2);
		json_object_array_add(p, ms3(t));
		json_object_array_add(p, bytes >= 0 ? json_object_new_int64(bytes) : NULL);
		json_object_array_add(points, p);
	}
	fclose(f);
	return series;
}

json_object *timeline_build(const struct history *h, const char *lag_path)
{
	json_object *out = json_object_new_object();
	int64_t from_us = INT64_MAX, to_us = 0;
	size_t i;

	for (i = 0; i < h->count; i++) {
		if (h->ops[i].start_us < from_us)
			from_us = h->ops[i].start_us;
		if (h->ops[i].end_us > to_us)
			to_us = h->ops[i].end_us;
	}
	if (!h->count)
		from_us = to_us = 0;
	if (from_us < 0)
		from_us = 0;
	json_object_object_add(out, "start_s", ms3((double)from_us / 1e6));
	json_object_object_add(out, "end_s", ms3((double)to_us / 1e6));
	write_buckets(h, from_us, to_us, out);
	latency_series(h, from_us, to_us, out);
	json_object_object_add(out, "lag_bytes", lag_series(lag_path));
	return out;
}
