/* The `drill` module and the time functions: drill.scenario, drill.steady, drill.event,
 * and the globals sleep, now, wait_until. */
#include <stdlib.h>
#include <string.h>

#include "lua/context.h"
#include "roles/health.h"
#include "util/proc.h"
#include "util/strbuf.h"

static void set_number(lua_State *L, const char *key, double v)
{
	lua_pushnumber(L, v);
	lua_setfield(L, -2, key);
}

/* s = drill.scenario{name=, objectives={rto=, rpo=, max_lag=, recovery_within=}}:
 * objectives left out come from the lab; durations come back in seconds. */
static int d_scenario(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	const struct lab_objectives *lo;
	const char *name;
	int64_t rto, rpo, within;
	double max_lag;

	luaL_checktype(L, 1, LUA_TTABLE);
	name = opt_string_field(L, 1, "name", NULL, "drill.scenario");
	if (!name)
		return luaL_error(L,
		                  "bad argument #1 to 'drill.scenario' (field 'name' is required)");
	lo = c && c->rt ? &c->rt->lab->objectives : NULL;
	lua_getfield(L, 1, "objectives");
	rto = opt_duration_field(L, 2, "rto", lo ? lo->rto : 10000, "drill.scenario");
	rpo = opt_duration_field(L, 2, "rpo", lo ? lo->rpo : 0, "drill.scenario");
	within = opt_duration_field(L, 2, "recovery_within", lo ? lo->recovery_within : 30000,
	                            "drill.scenario");
	max_lag = lo ? (double)lo->max_lag : 16.0 * 1024 * 1024;
	if (lua_istable(L, 2)) {
		int t = lua_getfield(L, 2, "max_lag");
		uint64_t b;

		if (t == LUA_TNUMBER)
			max_lag = lua_tonumber(L, -1);
		else if (t == LUA_TSTRING && units_parse_size(lua_tostring(L, -1), &b) == 0)
			max_lag = (double)b;
		else if (t != LUA_TNIL)
			return luaL_error(L, "bad argument #1 to 'drill.scenario' (field "
			                     "'objectives.max_lag': size expected, like \"16MB\")");
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	if (c) {
		free(c->name);
		c->name = xstrdup(name);
		if (c->j && journal_scenario(c->j)) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "rto_s",
			                       json_object_new_double((double)rto / 1000));
			json_object_object_add(o, "rpo_s",
			                       json_object_new_double((double)rpo / 1000));
			json_object_object_add(o, "max_lag_bytes", json_object_new_double(max_lag));
			json_object_object_add(o, "recovery_within_s",
			                       json_object_new_double((double)within / 1000));
			json_object_object_add(journal_scenario(c->j), "title",
			                       json_object_new_string(name));
			json_object_object_add(journal_scenario(c->j), "objectives", o);
		}
	}
	lua_newtable(L);
	lua_pushstring(L, name);
	lua_setfield(L, -2, "name");
	lua_newtable(L);
	set_number(L, "rto", (double)rto / 1000);
	set_number(L, "rpo", (double)rpo / 1000);
	set_number(L, "recovery_within", (double)within / 1000);
	set_number(L, "max_lag", max_lag);
	lua_setfield(L, -2, "objectives");
	return 1;
}

/* drill.steady([fn]): the lab must be healthy (and fn, when given, return true) before
 * any fault; a sick lab is refused, so a drill never blames a fault for old damage. */
static int d_steady(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	struct lab_rt *rt;
	struct health h;

	if (!lua_isnoneornil(L, 1))
		luaL_checktype(L, 1, LUA_TFUNCTION);
	rt = ctx_rt(L, "drill.steady");
	if (health_wait(rt, 20000, &h) < 0)
		return luaL_error(L, "steady state not reached, no fault injected: %s", h.why);
	if (lua_isfunction(L, 1)) {
		lua_pushvalue(L, 1);
		lua_call(L, 0, 1);
		if (!lua_toboolean(L, -1))
			return luaL_error(L, "steady state not reached, no fault injected: the "
			                     "scenario's own steady check returned false");
		lua_pop(L, 1);
	}
	c->steady_ok = true;
	journal_event(c->j, "steady", NULL, "%s", h.why);
	return 0;
}

static int d_event(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	const char *text = luaL_checkstring(L, 1);

	if (c && c->j)
		journal_event(c->j, "note", NULL, "%s", text);
	return 0;
}

static int t_sleep(lua_State *L)
{
	ctx_sleep_ms(L, arg_duration(L, 1, "sleep"));
	return 0;
}

static int t_now(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);

	lua_pushnumber(L, c && c->j ? journal_now(c->j) : (double)proc_now_ms() / 1000.0);
	return 1;
}

/* value = wait_until(fn, timeout [, interval]): fn's first truthy result, or nil and
 * "timeout after N s". */
static int t_wait_until(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	int64_t timeout, interval;
	bool found;
	long long deadline;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	timeout = arg_duration(L, 2, "wait_until");
	interval = lua_isnoneornil(L, 3) ? 200 : arg_duration(L, 3, "wait_until");
	deadline = proc_now_ms() + timeout;
	/* A check evaluated in the loop records one verdict, the last: the loop ends in the
	 * journal also when fn raises (the scenario's end resets it). */
	if (c && c->j)
		journal_loop_begin(c->j);
	for (;;) {
		lua_pushvalue(L, 1);
		lua_call(L, 0, 1);
		if ((found = lua_toboolean(L, -1)))
			break;
		lua_pop(L, 1);
		if (proc_now_ms() >= deadline)
			break;
		ctx_sleep_ms(L, interval);
	}
	if (c && c->j)
		journal_loop_end(c->j);
	if (found)
		return 1;
	lua_pushnil(L);
	lua_pushfstring(L, "timeout after %f s", (double)timeout / 1000.0);
	return 2;
}

/* bit = drill.expect_effect(id, what, fn [, within [, interval]]): what fault `id`
 * must be seen to do, polled until fn returns a truthy value (its evidence: a string says
 * what was seen) or `within` (default 20 s) passes; fn may return false, "why" while it
 * waits. Recorded as a check of its own; one that never comes fails the drill with "the
 * fault had no effect". */
static int d_expect_effect(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	lua_Integer id = luaL_checkinteger(L, 1);
	const char *what = luaL_checkstring(L, 2);
	int64_t within, interval;
	long long deadline;
	char *seen = NULL;
	bool bit = false;

	luaL_checktype(L, 3, LUA_TFUNCTION);
	within = lua_isnoneornil(L, 4) ? 20000 : arg_duration(L, 4, "drill.expect_effect");
	interval = lua_isnoneornil(L, 5) ? 250 : arg_duration(L, 5, "drill.expect_effect");
	if (!c || id < 1 || (size_t)id > c->faults.count)
		return luaL_error(L, "bad argument #1 to 'drill.expect_effect' (no fault #%d in "
		                     "this drill)", (int)id);
	if (!*what || strlen(what) > 120 || strpbrk(what, "\n\r\t"))
		return luaL_error(L, "bad argument #2 to 'drill.expect_effect' (what must be seen: "
		                     "one line of at most 120 characters)");
	deadline = proc_now_ms() + within;
	for (;;) {
		lua_pushvalue(L, 3);
		lua_call(L, 0, 2);
		bit = lua_toboolean(L, -2);
		free(seen);
		seen = lua_type(L, bit ? -2 : -1) == LUA_TSTRING
		           ? xstrdup(lua_tostring(L, bit ? -2 : -1))
		           : NULL;
		lua_pop(L, 2);
		if (bit || proc_now_ms() >= deadline)
			break;
		ctx_sleep_ms(L, interval);
	}
	if (!seen)
		seen = bit ? xstrdup("seen") : xasprintf("not seen within %.1f s", within / 1000.0);
	fault_effect(&c->faults, (int)id, what, bit, seen);
	free(seen);
	lua_pushboolean(L, bit);
	return 1;
}

int luaopen_pgdrill_drill(lua_State *L)
{
	static const luaL_Reg fns[] = {
	    {"scenario", d_scenario},     {"steady", d_steady}, {"event", d_event},
	    {"annotate", d_event},        {"sleep", t_sleep},   {"now", t_now},
	    {"wait_until", t_wait_until}, {"expect_effect", d_expect_effect},
	    {NULL, NULL},
	};

	lua_register(L, "sleep", t_sleep);
	lua_register(L, "now", t_now);
	lua_register(L, "wait_until", t_wait_until);
	luaL_newlib(L, fns);
	return 1;
}
