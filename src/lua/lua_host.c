/* Host objects: `host.name`, `host.address`, `host.role`, `host:exec`, `host:sql`,
 * `host:file_read`, `host:file_write`, `host:is_primary`, `host:start`. */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "lua/context.h"
#include "journal/journal.h"
#include "roles/heal.h"
#include "roles/pg.h"
#include "util/error.h"
#include "util/strbuf.h"

#define HOST_MT "pgdrill.host"

struct lhost {
	int index;
};

const struct lab_host_rt *lua_host_check(lua_State *L, int arg)
{
	struct lhost *h = luaL_checkudata(L, arg, HOST_MT);
	struct lab_rt *rt = ctx_rt(L, "host");

	if (h->index < 0 || (size_t)h->index >= rt->nhosts)
		luaL_argerror(L, arg, "host of another lab");
	return &rt->hosts[h->index];
}

void lua_host_push(lua_State *L, const struct lab_host_rt *h)
{
	struct lhost *u = lua_newuserdatauv(L, sizeof(*u), 0);

	u->index = h->index;
	luaL_setmetatable(L, HOST_MT);
}

static int h_exec(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	struct lab_rt *rt = ctx_rt(L, "host:exec");
	const char *cmd = luaL_checkstring(L, 2);
	const char *user = opt_string_field(L, 3, "user", "postgres", "exec");
	int64_t timeout = opt_duration_field(L, 3, "timeout", 60000, "exec");

	/* 0 would mean no limit at all, and a day does not fit the process layer's int. */
	if (timeout < 1 || timeout > 3600000)
		return luaL_error(L,
		                  "bad argument to 'exec' (field 'timeout': between 1ms and 1h)");
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	struct proc_spec spec = {.argv = argv,
	                         .user = strcmp(user, "root") == 0 ? NULL : user,
	                         .timeout_ms = (int)timeout};
	struct proc_result res;

	if (host_run(rt, h, &spec, &res) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, error_last());
		error_clear();
		return 2;
	}
	lua_pushinteger(L, res.status);
	lua_pushstring(L, res.out);
	lua_pushstring(L, res.err);
	proc_result_free(&res);
	return 3;
}

int lua_push_query(lua_State *L, PGconn *c, const char *sql)
{
	PGresult *r = pg_query_within(c, sql, PG_ADMIN_TIMEOUT_MS);
	int i, k;

	if (!r) {
		lua_pushnil(L);
		lua_pushstring(L, error_last());
		lua_pushstring(L, "");
		error_clear();
		return 3;
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		lua_pushnil(L);
		lua_pushstring(L, PQresultErrorMessage(r));
		lua_pushstring(L, state ? state : "");
		PQclear(r);
		return 3;
	}
	lua_createtable(L, PQntuples(r), 0);
	for (i = 0; i < PQntuples(r); i++) {
		lua_createtable(L, 0, PQnfields(r));
		for (k = 0; k < PQnfields(r); k++) {
			if (PQgetisnull(r, i, k))
				continue;
			lua_pushstring(L, PQgetvalue(r, i, k));
			lua_setfield(L, -2, PQfname(r, k));
		}
		lua_rawseti(L, -2, i + 1);
	}
	PQclear(r);
	return 1;
}

/* rows = host:sql(sql [, {db=}]): a list of rows keyed by column name; on failure
 * nil, message, SQLSTATE. Runs over the node's own socket as postgres. */
static int h_sql(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	struct lab_rt *rt = ctx_rt(L, "host:sql");
	const char *sql = luaL_checkstring(L, 2);
	const char *db = opt_string_field(L, 3, "db", "postgres", "sql");
	PGconn *c;
	int n;

	if (!lab_host_is_postgres(h->def))
		return luaL_error(L, "host:sql: %s is not a PostgreSQL host", h->def->name);
	c = pg_admin_connect(rt, h, db, 3);
	if (!c) {
		lua_pushnil(L);
		lua_pushstring(L, error_last());
		lua_pushstring(L, "08006");
		error_clear();
		return 3;
	}
	n = lua_push_query(L, c, sql);
	PQfinish(c);
	return n;
}

/* Paths are relative to the host's root: "data/pg_hba.conf". The seam refuses
 * anything else too; this says so in Lua's terms, naming the function. */
static const char *host_file(lua_State *L, const char *fn)
{
	const char *rel = luaL_checkstring(L, 2);

	if (rel[0] == '/' || strstr(rel, ".."))
		luaL_error(L,
		           "bad argument #1 to '%s' (a path inside the host, like "
		           "\"data/pg_hba.conf\", without '..')",
		           fn);
	return rel;
}

static int h_file_read(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	const char *rel = host_file(L, "file_read");
	char *text = NULL;
	size_t len;

	if (host_get_file(ctx_rt(L, "host:file_read"), h, rel, &text, &len) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, error_last());
		error_clear();
		return 2;
	}
	lua_pushlstring(L, text, len);
	free(text);
	return 1;
}

static int h_file_write(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	const char *rel = host_file(L, "file_write");
	size_t len;
	const char *data = luaL_checklstring(L, 3, &len);

	if (host_put_file(ctx_rt(L, "host:file_write"), h, rel, data, len, 0600, "postgres") < 0) {
		lua_pushnil(L);
		lua_pushstring(L, error_last());
		error_clear();
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int h_is_primary(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	struct lab_rt *rt = ctx_rt(L, "host:is_primary");
	PGconn *c;
	char *v = NULL;

	if (!lab_host_is_postgres(h->def)) {
		lua_pushboolean(L, 0);
		return 1;
	}
	c = pg_admin_connect(rt, h, "postgres", 2);
	if (c && pg_value(h, c, "SELECT NOT pg_is_in_recovery()", &v) == 0 && v)
		lua_pushboolean(L, v[0] == 't');
	else
		lua_pushboolean(L, 0);
	error_clear();
	free(v);
	if (c)
		PQfinish(c);
	return 1;
}

/* host:start(): PostgreSQL on a standby that stopped (a full disk, a crash), started again
 * as a DBA would: true, or nil and why (it runs already; not a standby; did not start). */
static int h_start(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	struct drill_ctx *c = ctx_get(L);
	struct lab_rt *rt = ctx_rt(L, "host:start");

	if (heal_start_standby(rt, h) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, error_last());
		error_clear();
		return 2;
	}
	if (c->j)
		journal_event(c->j, "note", NULL,
		              "started PostgreSQL on %s, a standby that had stopped", h->def->name);
	lua_pushboolean(L, 1);
	return 1;
}

static int h_index(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	const char *key = luaL_checkstring(L, 2);

	if (strcmp(key, "name") == 0)
		lua_pushstring(L, h->def->name);
	else if (strcmp(key, "address") == 0)
		lua_pushstring(L, h->addr);
	else if (strcmp(key, "role") == 0)
		lua_pushstring(L, host_role_names[h->def->role]);
	else {
		luaL_getmetatable(L, HOST_MT);
		lua_getfield(L, -1, "methods");
		lua_getfield(L, -1, key);
		if (lua_isnil(L, -1))
			return luaL_error(L, "host has no field or method '%s'", key);
	}
	return 1;
}

static int h_tostring(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);

	lua_pushfstring(L, "host %s (%s)", h->def->name, h->addr);
	return 1;
}

static int h_eq(lua_State *L)
{
	struct lhost *a = luaL_checkudata(L, 1, HOST_MT), *b = luaL_checkudata(L, 2, HOST_MT);

	lua_pushboolean(L, a->index == b->index);
	return 1;
}

void lua_host_register(lua_State *L)
{
	static const luaL_Reg methods[] = {
	    {"exec", h_exec},
	    {"sql", h_sql},
	    {"file_read", h_file_read},
	    {"file_write", h_file_write},
	    {"is_primary", h_is_primary},
	    {"start", h_start},
	    {NULL, NULL},
	};

	luaL_newmetatable(L, HOST_MT);
	lua_pushcfunction(L, h_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, h_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, h_eq);
	lua_setfield(L, -2, "__eq");
	luaL_newlib(L, methods);
	lua_setfield(L, -2, "methods");
	lua_pop(L, 1);
}
