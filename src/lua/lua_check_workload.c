/* The checks computed from a workload's history: check.rto, check.lost_writes,
 * check.split_brain, check.continuity. Each stops the workload first (its history must
 * be complete), records its verdict in the journal and returns pass, figure. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check/checks.h"
#include "lua/context.h"
#include "roles/failover_evidence.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

/* Stops the workload (as the script's end would, journal entry included) and loads its
 * history; raises on a broken history file. */
static void load(lua_State *L, struct workload *w, struct history *h, const char *fn)
{
	ctx_stop_workload(ctx_get(L), w);
	if (history_load(h, workload_history_path(w)) < 0) {
		history_free(h);
		lua_pushfstring(L, "%s: %s", fn, error_last());
		error_clear();
		lua_error(L);
	}
}

/* The verdict's figure as data for the journal. */
static json_object *measure_of(const struct verdict *v)
{
	json_object *m;
	size_t i;

	if (!v->unit)
		return NULL;
	m = journal_measure(v->value, v->unit, v->objective, v->method);
	for (i = 0; i < v->nnumbers; i++) {
		double x = v->numbers[i].value;

		/* Counts as integers. */
		json_object_object_add(m, v->numbers[i].name,
		                       x == floor(x) && fabs(x) < 9e15 ? json_object_new_int64((int64_t)x)
		                                                       : json_object_new_double(x));
	}
	return m;
}

/* Records the verdict with one more field `key` (value owned, may be NULL) in its measure,
 * and returns pass, figure to Lua. */
static int finish_with(lua_State *L, const char *name, const struct verdict *v, const char *key,
                       json_object *value)
{
	struct drill_ctx *c = ctx_get(L);
	json_object *m = measure_of(v);

	if (value && m)
		json_object_object_add(m, key, value);
	else
		json_object_put(value);
	if (c->j)
		journal_check(c->j, name, v->passed, v->figure, v->detail, m);
	else
		json_object_put(m);
	lua_pushboolean(L, v->passed);
	lua_pushstring(L, v->figure);
	return 2;
}

static int finish(lua_State *L, const char *name, const struct verdict *v)
{
	return finish_with(L, name, v, NULL, NULL);
}

/* The lost ids as a JSON array, the first `max` of them. */
static json_object *lost_ids_json(const struct lost_writes *l, size_t max)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < l->lost && i < max; i++)
		json_object_array_add(a, json_object_new_int64(l->lost_ids[i]));
	return a;
}

/* The first fault of the drill, in µs since the run started; -1 when none. */
static int64_t first_fault_us(struct drill_ctx *c)
{
	return c->faults.count ? (int64_t)(c->faults.items[0].start * 1e6) : -1;
}

static void add_time(json_object *o, const char *key, double unix_s, const struct journal *j)
{
	/* To the microsecond: the logs' resolution, without a double's noise. */
	if (!isnan(unix_s))
		json_object_object_add(
		    o, key, json_object_new_double(round((unix_s - j->t0_unix) * 1e6) / 1e6));
}

/* What the lab's logs say happened inside the RTO window: which node promoted, when it
 * was asked to and when it was ready, when haproxy routed writes to it (seconds of the
 * run). NULL when the window is not closed or no promotion is in the logs. */
static json_object *failover_json(struct drill_ctx *c, struct workload *w, const struct verdict *v)
{
	double fault = verdict_get(v, "fault_s"), to = verdict_get(v, "to_s");
	struct failover_evidence e;
	json_object *o;

	if (!c->rt || !c->j || isnan(fault) || fault < 0 || isnan(to) ||
	    verdict_get(v, "recovered") != 1)
		return NULL;
	failover_evidence_collect(c->rt, workload_write_listener(w), c->j->t0_unix + fault,
	                          c->j->t0_unix + to, &e);
	if (!e.host)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "host", json_object_new_string(e.host));
	json_object_object_add(o, "listener", json_object_new_string(workload_write_listener(w)));
	add_time(o, "promote_requested_s", e.promote_requested, c->j);
	add_time(o, "promoted_s", e.promoted, c->j);
	add_time(o, "routed_s", e.routed, c->j);
	return o;
}

/* ok, figure = check.rto(wl, {max = "10s", since = seconds}) */
static int k_rto(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	struct workload *w = lua_workload_check(L, 1, "check.rto");
	int64_t max = opt_duration_field(L, 2, "max", c->rt ? c->rt->lab->objectives.rto : 10000,
	                                 "check.rto");
	double since = opt_number_field(L, 2, "since", -1, -1, 1e9, "check.rto");
	struct history h = {0};
	struct verdict v;

	load(L, w, &h, "check.rto");
	check_rto_verdict(&h, since >= 0 ? (int64_t)(since * 1e6) : first_fault_us(c), max * 1000,
	                  &v);
	history_free(&h);
	return finish_with(L, "rto", &v, "failover", failover_json(c, w, &v));
}

static void write_lost_ids(struct workload *w, const struct lost_writes *l)
{
	char *path = xasprintf("%s/lost_writes.txt", workload_dir(w));
	FILE *f = fopen(path, "w");
	size_t i;

	if (f) {
		for (i = 0; i < l->lost; i++)
			fprintf(f, "%" PRId64 "\n", l->lost_ids[i]);
		fclose(f);
	}
	free(path);
}

/* ok, figure = check.lost_writes(wl, {rpo = 0, within = "30s"}): every acknowledged
 * write is on the primary once there is exactly one. */
static int k_lost_writes(lua_State *L)
{
	struct workload *w = lua_workload_check(L, 1, "check.lost_writes");
	struct lab_rt *rt = ctx_rt(L, "check.lost_writes");
	int64_t rpo = opt_duration_field(L, 2, "rpo", rt->lab->objectives.rpo, "check.lost_writes");
	int64_t within = opt_duration_field(L, 2, "within", rt->lab->objectives.recovery_within,
	                                    "check.lost_writes");
	long long deadline = proc_now_ms() + within;
	struct history h = {0};
	struct lost_writes l;
	struct verdict v;
	json_object *ids_json;
	int64_t *ids = NULL;
	size_t n = 0;

	load(L, w, &h, "check.lost_writes");
	while (workload_read_back(w, &ids, &n) < 0) {
		if (proc_now_ms() >= deadline) {
			verdict_begin(&v);
			v.passed = false;
			snprintf(v.figure, sizeof(v.figure), "the writes could not be read back");
			snprintf(v.detail, sizeof(v.detail), "%s", error_last());
			error_clear();
			history_free(&h);
			return finish(L, "lost writes", &v);
		}
		error_clear();
		ctx_sleep_ms(L, 250);
	}
	check_lost_writes(&h, ids, n, &l);
	check_lost_verdict(&l, rpo * 1000, &v);
	if (l.lost)
		write_lost_ids(w, &l);
	ids_json = lost_ids_json(&l, 1000);
	lost_writes_free(&l);
	free(ids);
	history_free(&h);
	return finish_with(L, "lost writes", &v, "lost_ids", ids_json);
}

/* ok, figure = check.split_brain(wl) */
static int k_split_brain(lua_State *L)
{
	struct workload *w = lua_workload_check(L, 1, "check.split_brain");
	struct history h = {0};
	struct split_brain s;
	struct verdict v;

	load(L, w, &h, "check.split_brain");
	check_split_brain(&h, &s);
	check_split_brain_verdict(&s, &v);
	history_free(&h);
	return finish(L, "no split brain", &v);
}

/* ok, figure = check.continuity(wl, {max_gap = "10s"}) */
static int k_continuity(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	struct workload *w = lua_workload_check(L, 1, "check.continuity");
	int64_t max_gap = opt_duration_field(
	    L, 2, "max_gap", c->rt ? c->rt->lab->objectives.rto : 10000, "check.continuity");
	struct history h = {0};
	struct continuity k;
	struct verdict v;

	load(L, w, &h, "check.continuity");
	check_continuity(&h, &k);
	check_continuity_verdict(&h, &k, max_gap * 1000, &v);
	history_free(&h);
	return finish(L, "continuity", &v);
}

void lua_check_workload_register(lua_State *L)
{
	static const luaL_Reg fns[] = {
	    {"rto", k_rto},
	    {"lost_writes", k_lost_writes},
	    {"split_brain", k_split_brain},
	    {"continuity", k_continuity},
	    {NULL, NULL},
	};

	luaL_setfuncs(L, fns, 0);
}
