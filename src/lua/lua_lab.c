/* The `lab` module: the hosts of the running lab and who is primary now. */
#include <string.h>

#include "lua/context.h"
#include "roles/status.h"

static int l_host(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "lab.host");
	const char *name = luaL_checkstring(L, 1);
	const struct lab_host_rt *h = lab_rt_host(rt, name);

	if (!h)
		return luaL_error(L, "bad argument #1 to 'lab.host' (lab '%s' has no host '%s')",
		                  rt->lab->name, name);
	lua_host_push(L, h);
	return 1;
}

static int l_hosts(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "lab.hosts");
	size_t i;

	lua_createtable(L, (int)rt->nhosts, 0);
	for (i = 0; i < rt->nhosts; i++) {
		lua_host_push(L, &rt->hosts[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	return 1;
}

/* Hosts by the role they have *now*, as PostgreSQL says: in_recovery 0 or 1. */
static int push_current(lua_State *L, const char *fn, int in_recovery)
{
	struct lab_rt *rt = ctx_rt(L, fn);
	struct lab_status st;
	size_t i;
	int n = 0;

	status_collect_views(rt, &st, false);
	lua_newtable(L);
	for (i = 0; i < st.count; i++) {
		if (!st.hosts[i].reachable || st.hosts[i].in_recovery != in_recovery)
			continue;
		lua_host_push(L, st.hosts[i].host);
		lua_rawseti(L, -2, ++n);
	}
	status_free(&st);
	return 1;
}

/* The one answer the whole harness gives (roles/status.h): with two servers accepting
 * writes, the one on the higher timeline. */
static int l_primary(lua_State *L)
{
	const struct lab_host_rt *p = status_current_primary(ctx_rt(L, "lab.primary"), NULL);

	if (p)
		lua_host_push(L, p);
	else
		lua_pushnil(L);
	return 1;
}

static int l_primaries(lua_State *L)
{
	return push_current(L, "lab.primaries", 0);
}

static int l_standbys(lua_State *L)
{
	return push_current(L, "lab.standbys", 1);
}

static int l_by_role(lua_State *L)
{
	static const char *const roles[] = {"primary", "standby", "proxy", "barman",
	                                    "witness", "spare",   NULL};
	struct lab_rt *rt = ctx_rt(L, "lab.by_role");
	int role = luaL_checkoption(L, 1, NULL, roles);
	size_t i;
	int n = 0;

	lua_newtable(L);
	for (i = 0; i < rt->nhosts; i++) {
		if (rt->hosts[i].def->role != role)
			continue;
		lua_host_push(L, &rt->hosts[i]);
		lua_rawseti(L, -2, ++n);
	}
	return 1;
}

/* lab.listener(name): the haproxy listener as declared, {name, port, check, target,
 * agent_port} (agent_port: where an http-agent check asks); nil when there is none. */
static int l_listener(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "lab.listener");
	const struct lab_listener *l = lab_listener_by_name(rt->lab, luaL_checkstring(L, 1));

	if (!l) {
		lua_pushnil(L);
		return 1;
	}
	lua_createtable(L, 0, 5);
	lua_pushstring(L, l->name);
	lua_setfield(L, -2, "name");
	lua_pushinteger(L, l->port);
	lua_setfield(L, -2, "port");
	lua_pushstring(L, check_style_names[l->check]);
	lua_setfield(L, -2, "check");
	lua_pushstring(L, listener_target_names[l->target]);
	lua_setfield(L, -2, "target");
	lua_pushinteger(L, rt->lab->haproxy.agent_port);
	lua_setfield(L, -2, "agent_port");
	return 1;
}

int luaopen_pgdrill_lab(lua_State *L)
{
	static const luaL_Reg fns[] = {
	    {"host", l_host},
	    {"hosts", l_hosts},
	    {"primary", l_primary},
	    {"primaries", l_primaries},
	    {"standbys", l_standbys},
	    {"by_role", l_by_role},
	    {"listener", l_listener},
	    {NULL, NULL},
	};
	struct drill_ctx *c = ctx_get(L);

	luaL_newlib(L, fns);
	if (c && c->rt) {
		lua_pushstring(L, c->rt->lab->name);
		lua_setfield(L, -2, "name");
		lua_pushstring(L, c->rt->lab->barman.server_name);
		lua_setfield(L, -2, "barman_server");
	}
	return 1;
}
