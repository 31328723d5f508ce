/* A dry run's Lua (`pgdrill run --dry-run`): the scenario runs as written, its faults go
 * through the host seam, which prints what they would do instead of doing it (see
 * provider/host.h), and what only makes sense after a real fault is left out: no check is
 * evaluated, no client writes, no sleep is waited. */
#include <stdio.h>
#include <string.h>

#include "lua/context.h"

static FILE *dry_out(lua_State *L)
{
	return ctx_dry(L) ? ctx_get(L)->rt->dry->out : stdout;
}

/* check.NAME(...): said, not evaluated. Answers what a script may index or test: a
 * routing table with no server in it, a client that did not connect, nothing else. */
static int dry_check(lua_State *L)
{
	const char *name = lua_tostring(L, lua_upvalueindex(1));

	fprintf(dry_out(L), "  check.%s: not evaluated in a dry run\n", name);
	if (strcmp(name, "routing") == 0) {
		lua_newtable(L);
		return 1;
	}
	if (strcmp(name, "client") == 0 || strcmp(name, "restored") == 0) {
		lua_pushnil(L);
		lua_pushliteral(L, "not run: a dry run");
		return 2;
	}
	lua_pushnil(L);
	return 1;
}

static int dry_nothing(lua_State *L)
{
	(void)L;
	return 0;
}

/* A workload's every field is a function that does nothing. */
static int dry_workload_index(lua_State *L)
{
	lua_pushcfunction(L, dry_nothing);
	return 1;
}

static int dry_workload_start(lua_State *L)
{
	fprintf(dry_out(L), "  workload.start: no client writes in a dry run\n");
	lua_newtable(L);
	lua_newtable(L);
	lua_pushcfunction(L, dry_workload_index);
	lua_setfield(L, -2, "__index");
	lua_setmetatable(L, -2);
	return 1;
}

void lua_dry_run_install(lua_State *L)
{
	lua_getglobal(L, "check");
	lua_pushnil(L);
	while (lua_next(L, -2)) {
		lua_pop(L, 1);
		lua_pushvalue(L, -1); /* the key, for the next lua_next */
		lua_pushvalue(L, -1); /* the key, as the closure's upvalue */
		lua_pushcclosure(L, dry_check, 1);
		lua_settable(L, -4);
	}
	lua_pop(L, 1);
	lua_getglobal(L, "workload");
	lua_pushcfunction(L, dry_workload_start);
	lua_setfield(L, -2, "start");
	lua_pop(L, 1);
}
