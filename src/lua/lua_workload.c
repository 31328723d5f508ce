/* The `workload` module: workload.start{...} returns a running workload with :stop(),
 * :stats() and .history; the drill's workloads stop when its script ends. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "journal/timeline.h"
#include "lua/context.h"
#include "util/error.h"
#include "util/strbuf.h"

static const char WORKLOAD_MT[] = "pgdrill.workload";

struct workload *lua_workload_check(lua_State *L, int arg, const char *fn)
{
	struct workload **p = luaL_testudata(L, arg, WORKLOAD_MT);

	if (!p || !*p)
		luaL_error(L, "bad argument #%d to '%s' (workload expected, got %s)", arg, fn,
		           luaL_typename(L, arg));
	return *p;
}

/* The workload's series for the report; left out (with a word why) when the history
 * cannot be read back. */
static void add_timeline(json_object *o, struct workload *w)
{
	char *lag = xasprintf("%s/lag.tsv", workload_dir(w));
	struct history h = {0};

	if (history_load(&h, workload_history_path(w)) == 0) {
		json_object_object_add(o, "timeline", timeline_build(&h, lag));
	} else {
		json_object_object_add(o, "timeline_error", json_object_new_string(error_last()));
		error_clear();
	}
	history_free(&h);
	free(lag);
}

static void journal_stopped(struct drill_ctx *c, struct workload *w)
{
	struct workload_stats s;
	json_object *o;
	size_t(*n)[3];

	if (!c->j)
		return;
	workload_stats(w, &s);
	n = s.ops;
	o = json_object_new_object();
	json_object_object_add(o, "history", json_object_new_string(workload_history_path(w)));
	json_object_object_add(o, "writes_ok", json_object_new_int64((int64_t)n[OP_WRITE][OP_OK]));
	json_object_object_add(o, "writes_failed",
	                       json_object_new_int64((int64_t)n[OP_WRITE][OP_FAILED]));
	json_object_object_add(o, "writes_indeterminate",
	                       json_object_new_int64((int64_t)n[OP_WRITE][OP_INDETERMINATE]));
	json_object_object_add(o, "reads_ok", json_object_new_int64((int64_t)n[OP_READ][OP_OK]));
	json_object_object_add(
	    o, "reads_failed",
	    json_object_new_int64((int64_t)(n[OP_READ][OP_FAILED] + n[OP_READ][OP_INDETERMINATE])));
	json_object_object_add(o, "reconnects", json_object_new_int64((int64_t)s.reconnects));
	json_object_object_add(o, "seconds", json_object_new_double((double)s.elapsed_us / 1e6));
	add_timeline(o, w);
	journal_event(
	    c->j, "workload", o,
	    "workload stopped after %.1f s: writes %zu ok, %zu failed, %zu indeterminate; "
	    "reads %zu ok; history in %s",
	    (double)s.elapsed_us / 1e6, n[OP_WRITE][OP_OK], n[OP_WRITE][OP_FAILED],
	    n[OP_WRITE][OP_INDETERMINATE], n[OP_READ][OP_OK], workload_history_path(w));
}

void ctx_stop_workload(struct drill_ctx *c, struct workload *w)
{
	struct workload_stats s;

	workload_stats(w, &s);
	if (!s.running)
		return;
	workload_stop(w);
	journal_stopped(c, w);
}

void ctx_stop_workloads(struct drill_ctx *c)
{
	int i;

	for (i = 0; i < c->nworkloads; i++)
		ctx_stop_workload(c, c->workloads[i]);
}

void ctx_free_workloads(struct drill_ctx *c)
{
	int i;

	for (i = 0; i < c->nworkloads; i++)
		workload_free(c->workloads[i]);
	c->nworkloads = 0;
}

/* <run dir>/workload-<scenario>-<n>: one directory per workload of a drill. */
static char *workload_dir_for(lua_State *L, struct drill_ctx *c)
{
	char *dir = xasprintf("%s/workload-%s-%d", c->j && c->j->dir ? c->j->dir : ".",
	                      c->name ? c->name : "drill", c->nworkloads + 1);
	char *p;

	for (p = strrchr(dir, '/') + 1; *p; p++)
		if (*p == ' ' || *p == '/')
			*p = '_';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		lua_pushfstring(L, "workload.start: cannot create %s: %s", dir, strerror(errno));
		free(dir);
		lua_error(L);
	}
	return dir;
}

/* wl = workload.start{kind="books", clients=, rate=, listener=, readers=, read_rate=,
 *                     read_listener=, backoff=, timeout=, lag_every=,
 *                     probe_every=} */
static int w_start(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	struct lab_rt *rt;
	const struct lab_workload *d;
	struct workload_options o = {0};
	const char *kind;
	struct workload **ud;
	char *dir;

	if (!lua_isnoneornil(L, 1))
		luaL_checktype(L, 1, LUA_TTABLE);
	rt = ctx_rt(L, "workload.start");
	d = &rt->lab->workload;
	kind = opt_string_field(L, 1, "kind", d->kind, "workload.start");
	if (strcmp(kind, "books") != 0 && strcmp(kind, "command") != 0)
		return luaL_error(L,
		                  "bad argument to 'workload.start' (field 'kind': \"books\" or "
		                  "\"command\", got \"%s\")",
		                  kind);
	o.command = opt_string_field(L, 1, "cmd", NULL, "workload.start");
	if ((strcmp(kind, "command") == 0) != (o.command != NULL))
		return luaL_error(L, "bad argument to 'workload.start' (field 'cmd': %s)",
		                  o.command ? "goes with kind = \"command\""
		                            : "kind = \"command\" needs the command line to run");
	o.clients =
	    (int)opt_number_field(L, 1, "clients", (double)d->clients, 1, 256, "workload.start");
	o.rate = opt_number_field(L, 1, "rate", (double)d->rate, 0, 1e6, "workload.start");
	o.readers =
	    (int)opt_number_field(L, 1, "readers", (double)d->readers, 0, 256, "workload.start");
	o.read_rate = opt_number_field(L, 1, "read_rate", o.rate / 4, 0, 1e6, "workload.start");
	o.write_listener = opt_string_field(L, 1, "listener", NULL, "workload.start");
	o.read_listener = opt_string_field(L, 1, "read_listener", NULL, "workload.start");
	o.backoff_ms = opt_duration_field(L, 1, "backoff", d->reconnect_backoff, "workload.start");
	o.timeout_ms = opt_duration_field(L, 1, "timeout", d->statement_timeout, "workload.start");
	o.lag_every_ms = opt_duration_field(L, 1, "lag_every", 500, "workload.start");
	o.probe_every_ms = opt_duration_field(L, 1, "probe_every", 5, "workload.start");
	if (o.timeout_ms < 100)
		return luaL_error(L, "bad argument to 'workload.start' (field 'timeout': at least "
		                     "100ms)");
	if (c->nworkloads == CTX_MAX_WORKLOADS)
		return luaL_error(L, "workload.start: at most %d workloads per drill",
		                  CTX_MAX_WORKLOADS);
	o.t0_us = c->j ? (int64_t)c->j->t0_ms * 1000 : workload_now_us();
	dir = workload_dir_for(L, c);
	o.dir = dir;
	ud = lua_newuserdatauv(L, sizeof(*ud), 0);
	*ud = workload_start(rt, &o);
	free(dir);
	if (!*ud) {
		lua_pushfstring(L, "workload.start: %s", error_last());
		error_clear();
		return lua_error(L);
	}
	c->workloads[c->nworkloads++] = *ud;
	luaL_setmetatable(L, WORKLOAD_MT);
	if (c->j) {
		char rate[32] = "as many";

		if (o.rate > 0)
			snprintf(rate, sizeof(rate), "%g", o.rate);
		if (o.command)
			journal_event(c->j, "workload", NULL,
			              "workload started: the command '%s'; history in %s", o.command,
			              workload_history_path(*ud));
		else
			journal_event(
			    c->j, "workload", NULL,
			    "workload started: %d clients, %s writes/s, %d readers; history in %s",
			    o.clients, rate, o.readers, workload_history_path(*ud));
	}
	return 1;
}

static int w_stop(lua_State *L)
{
	struct workload *w = lua_workload_check(L, 1, "workload:stop");

	ctx_stop_workload(ctx_get(L), w);
	return 0;
}

static void set_counts(lua_State *L, const char *key, const size_t *n)
{
	lua_createtable(L, 0, 3);
	lua_pushinteger(L, (lua_Integer)n[OP_OK]);
	lua_setfield(L, -2, "ok");
	lua_pushinteger(L, (lua_Integer)n[OP_FAILED]);
	lua_setfield(L, -2, "failed");
	lua_pushinteger(L, (lua_Integer)n[OP_INDETERMINATE]);
	lua_setfield(L, -2, "indeterminate");
	lua_setfield(L, -2, key);
}

/* s = wl:stats(): counts so far, gaps and lag in seconds and bytes. */
static int w_stats(lua_State *L)
{
	struct workload *w = lua_workload_check(L, 1, "workload:stats");
	struct workload_stats s;

	workload_stats(w, &s);
	lua_createtable(L, 0, 10);
	set_counts(L, "writes", s.ops[OP_WRITE]);
	set_counts(L, "reads", s.ops[OP_READ]);
	lua_pushinteger(L, (lua_Integer)s.reconnects);
	lua_setfield(L, -2, "reconnects");
	lua_pushnumber(L, (double)s.longest_write_gap_us / 1e6);
	lua_setfield(L, -2, "longest_write_gap");
	lua_pushnumber(L, (double)s.elapsed_us / 1e6);
	lua_setfield(L, -2, "elapsed");
	lua_pushinteger(L, (lua_Integer)s.worst_lag_bytes);
	lua_setfield(L, -2, "worst_lag_bytes");
	lua_pushnumber(L, s.worst_lag_s);
	lua_setfield(L, -2, "worst_lag_seconds");
	lua_pushboolean(L, s.running);
	lua_setfield(L, -2, "running");
	lua_pushstring(L, workload_history_path(w));
	lua_setfield(L, -2, "history");
	return 1;
}

static int w_index(lua_State *L)
{
	struct workload *w = lua_workload_check(L, 1, "workload");
	const char *key = luaL_checkstring(L, 2);

	if (strcmp(key, "history") == 0)
		lua_pushstring(L, workload_history_path(w));
	else if (strcmp(key, "stop") == 0)
		lua_pushcfunction(L, w_stop);
	else if (strcmp(key, "stats") == 0)
		lua_pushcfunction(L, w_stats);
	else
		return luaL_error(L, "a workload has no field '%s' (it has stop, stats, history)",
		                  key);
	return 1;
}

int luaopen_pgdrill_workload(lua_State *L)
{
	static const luaL_Reg fns[] = {{"start", w_start}, {NULL, NULL}};

	if (luaL_newmetatable(L, WORKLOAD_MT)) {
		lua_pushcfunction(L, w_index);
		lua_setfield(L, -2, "__index");
		lua_pushliteral(L, "workload");
		lua_setfield(L, -2, "__name");
	}
	lua_pop(L, 1);
	luaL_newlib(L, fns);
	return 1;
}
