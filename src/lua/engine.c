#include "lua/engine.h"

#include <ctype.h>
#include <lualib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lua_pattern.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/proc.h"
#include "util/strbuf.h"

#define HOOK_EVERY 1000

struct engine {
	lua_State *L;
	struct drill_ctx *ctx;
	struct engine_limits lim;
	size_t used;
	long count;
	long long deadline;
	const char *tripped; /* once a limit is hit, every later hook raises it again */
	char *lua_dir;
};

static const char CTX_KEY[] = "pgdrill.ctx";
static const char ENGINE_KEY[] = "pgdrill.engine";

struct drill_ctx *ctx_get(lua_State *L)
{
	struct drill_ctx *c;

	lua_getfield(L, LUA_REGISTRYINDEX, CTX_KEY);
	c = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return c;
}

bool ctx_dry(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);

	return c && c->rt && c->rt->dry;
}

static struct engine *engine_of(lua_State *L);
static void trip(lua_State *L, struct engine *e, const char *why);

/* Long waits in C (sleep, wait_until, the checks' polls) call this often: Ctrl-C and the
 * wall-clock limit reach them there, as the count hook reaches Lua code. */
void ctx_check_interrupt(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	struct engine *e = engine_of(L);

	if (c && c->interrupted && *c->interrupted)
		luaL_error(L, "interrupted (Ctrl-C or SIGTERM)");
	if (e && e->deadline && proc_now_ms() > e->deadline)
		trip(L, e, "time limit reached");
}

struct lab_rt *ctx_rt(lua_State *L, const char *fn)
{
	struct drill_ctx *c = ctx_get(L);

	if (c && c->ended)
		luaL_error(L, "%s: the drill has ended (a finalizer cannot act on the lab)", fn);
	if (!c || !c->rt)
		luaL_error(L, "%s: no lab is running this drill", fn);
	return c->rt;
}

void ctx_sleep_ms(lua_State *L, int64_t ms)
{
	long long end = proc_now_ms() + ms;

	if (ctx_dry(L))
		return; /* nothing happened that could be waited on */
	for (;;) {
		long long left = end - proc_now_ms();

		ctx_check_interrupt(L);
		if (left <= 0)
			return;
		usleep((useconds_t)(left > 50 ? 50000 : left * 1000));
	}
}

int64_t arg_duration(lua_State *L, int arg, const char *fn)
{
	int64_t ms;

	if (lua_type(L, arg) == LUA_TNUMBER) {
		lua_Number s = lua_tonumber(L, arg);

		if (s < 0)
			return luaL_error(
			    L, "bad argument #%d to '%s' (duration must not be negative)", arg, fn);
		return (int64_t)(s * 1000.0);
	}
	if (lua_type(L, arg) != LUA_TSTRING)
		return luaL_error(
		    L, "bad argument #%d to '%s' (duration expected, like \"10s\", got %s)", arg,
		    fn, luaL_typename(L, arg));
	if (units_parse_duration(lua_tostring(L, arg), &ms) < 0)
		return luaL_error(L,
		                  "bad argument #%d to '%s' (duration expected, like \"10s\" or "
		                  "\"500ms\", got \"%s\")",
		                  arg, fn, lua_tostring(L, arg));
	return ms;
}

int64_t opt_duration_field(lua_State *L, int tbl, const char *field, int64_t def, const char *fn)
{
	int64_t ms = def;
	int t;

	if (lua_isnoneornil(L, tbl))
		return def;
	luaL_checktype(L, tbl, LUA_TTABLE);
	t = lua_getfield(L, tbl, field);
	if (t != LUA_TNIL) {
		if (t == LUA_TNUMBER && lua_tonumber(L, -1) >= 0) {
			ms = (int64_t)(lua_tonumber(L, -1) * 1000.0);
		} else if (t != LUA_TSTRING || units_parse_duration(lua_tostring(L, -1), &ms) < 0) {
			return luaL_error(
			    L,
			    "bad argument to '%s' (field '%s': duration expected, "
			    "like \"10s\", got %s)",
			    fn, field, t == LUA_TSTRING ? lua_tostring(L, -1) : lua_typename(L, t));
		}
	}
	lua_pop(L, 1);
	return ms;
}

double opt_number_field(lua_State *L, int tbl, const char *field, double def, double min,
                        double max, const char *fn)
{
	double v = def;
	int t;

	if (lua_isnoneornil(L, tbl))
		return def;
	luaL_checktype(L, tbl, LUA_TTABLE);
	t = lua_getfield(L, tbl, field);
	if (t == LUA_TNUMBER) {
		v = lua_tonumber(L, -1);
		if (!(v >= min && v <= max)) {
			/* lua_pushfstring knows no %g: format the numbers here. */
			char range[96];

			snprintf(range, sizeof(range), "%g is out of range %g..%g", v, min, max);
			luaL_error(L, "bad argument to '%s' (field '%s': %s)", fn, field, range);
		}
	} else if (t != LUA_TNIL) {
		luaL_error(L, "bad argument to '%s' (field '%s': number expected, got %s)", fn,
		           field, lua_typename(L, t));
	}
	lua_pop(L, 1);
	return v;
}

const char *opt_string_field(lua_State *L, int tbl, const char *field, const char *def,
                             const char *fn)
{
	const char *s = def;
	int t;

	if (lua_isnoneornil(L, tbl))
		return def;
	luaL_checktype(L, tbl, LUA_TTABLE);
	t = lua_getfield(L, tbl, field);
	if (t == LUA_TSTRING)
		s = lua_tostring(L, -1); /* stays valid: the table holds it */
	else if (t != LUA_TNIL)
		luaL_error(L, "bad argument to '%s' (field '%s': string expected, got %s)", fn,
		           field, lua_typename(L, t));
	lua_pop(L, 1);
	return s;
}

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct engine *e = ud;
	void *p;

	if (!ptr)
		osize = 0;
	if (nsize == 0) {
		free(ptr);
		e->used -= osize;
		return NULL;
	}
	if (nsize > osize && e->used + (nsize - osize) > e->lim.memory)
		return NULL; /* Lua raises "not enough memory" */
	p = realloc(ptr, nsize);
	if (p)
		e->used = e->used - osize + nsize;
	return p;
}

static struct engine *engine_of(lua_State *L)
{
	struct engine *e;

	lua_getfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
	e = lua_touserdata(L, -1);
	lua_pop(L, 1);
	return e;
}

static void count_hook(lua_State *L, lua_Debug *ar);

/* A limit was hit: from now on the hook fires at every instruction, so the error is
 * raised again right after any pcall that caught it: it cannot be swallowed. */
static void trip(lua_State *L, struct engine *e, const char *why)
{
	if (!e->tripped)
		e->tripped = why;
	lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
	luaL_error(L, "%s", e->tripped);
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
	struct engine *e = engine_of(L);
	struct drill_ctx *c = e->ctx;

	(void)ar;
	e->count += HOOK_EVERY;
	if (!e->tripped) {
		if (c && c->interrupted && *c->interrupted)
			e->tripped = "interrupted (Ctrl-C or SIGTERM)";
		else if (e->lim.instructions && e->count > e->lim.instructions)
			e->tripped = "instruction limit reached (an endless loop?)";
		else if (e->deadline && proc_now_ms() > e->deadline)
			e->tripped = "time limit reached";
	}
	if (e->tripped)
		trip(L, e, e->tripped);
}

/* print goes to the journal as a note. */
static int l_print(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	struct strbuf sb = STRBUF_INIT;
	int i, n = lua_gettop(L);

	for (i = 1; i <= n; i++) {
		if (i > 1)
			strbuf_putc(&sb, '\t');
		strbuf_puts(&sb, luaL_tolstring(L, i, NULL));
		lua_pop(L, 1);
	}
	if (c && c->j)
		journal_event(c->j, "print", NULL, "%s", strbuf_str(&sb));
	else
		printf("%s\n", strbuf_str(&sb));
	strbuf_free(&sb);
	return 0;
}

/* load() for text only, in the sandbox's environment: no bytecode ever. */
static int l_load(lua_State *L)
{
	size_t len;
	const char *code = luaL_checklstring(L, 1, &len);
	const char *name = luaL_optstring(L, 2, "=(load)");

	if (luaL_loadbufferx(L, code, len, name, "t") != LUA_OK) {
		lua_pushnil(L);
		lua_insert(L, -2);
		return 2;
	}
	return 1;
}

static bool module_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '_' || name[i] == '.'))
			return false;
	return i > 0;
}

/* lua_dir/a/b.lua for module "a.b" (owned). */
static char *module_path(const char *lua_dir, const char *name)
{
	char *path = xasprintf("%s/%s.lua", lua_dir, name);
	size_t i;

	for (i = strlen(lua_dir) + 1; path[i]; i++)
		if (path[i] == '.' && strcmp(path + i, ".lua") != 0)
			path[i] = '/';
	return path;
}

/* require from the project's lua/ directory only, text only, cached. */
static int l_require(lua_State *L)
{
	struct engine *e = engine_of(L);
	const char *name = luaL_checkstring(L, 1);
	char *path, *code = NULL;
	size_t len;

	if (!module_name_ok(name))
		return luaL_error(L,
		                  "require: bad module name '%s' (lower-case letters, digits, '_' "
		                  "and '.')",
		                  name);
	lua_getfield(L, LUA_REGISTRYINDEX, "pgdrill.modules");
	if (lua_getfield(L, -1, name) != LUA_TNIL)
		return 1;
	lua_pop(L, 1);
	path = module_path(e->lua_dir, name);
	if (fs_read_file(path, &code, &len) < 0) {
		error_clear();
		lua_pushfstring(L, "require: no module '%s' (looked for %s)", name, path);
		free(path);
		return lua_error(L);
	}
	lua_pushfstring(L, "@%s", path);
	free(path);
	if (luaL_loadbufferx(L, code, len, lua_tostring(L, -1), "t") != LUA_OK) {
		free(code);
		return lua_error(L);
	}
	free(code);
	lua_call(L, 0, 1);
	if (lua_isnil(L, -1)) {
		lua_pop(L, 1);
		lua_pushboolean(L, 1);
	}
	lua_pushvalue(L, -1);
	lua_setfield(L, -4, name);
	return 1;
}

static int strict_index(lua_State *L)
{
	return luaL_error(L,
	                  "unknown global '%s' (a typo? locals need 'local'; os, io, package and "
	                  "debug are not available in drills)",
	                  luaL_optstring(L, 2, "?"));
}

static int strict_newindex(lua_State *L)
{
	return luaL_error(L, "assignment to undeclared global '%s' (use 'local')",
	                  luaL_optstring(L, 2, "?"));
}

/* setmetatable without finalizers: Lua runs a __gc metamethod with debug hooks switched
 * off, so a finalizer that loops would escape every limit (and could act on the lab
 * after the drill). Everything else setmetatable does is left alone. */
static int l_setmetatable(lua_State *L)
{
	if (lua_istable(L, 2) && lua_getfield(L, 2, "__gc") != LUA_TNIL)
		return luaL_error(L, "setmetatable: __gc finalizers are not allowed in a drill "
		                     "(they run outside the sandbox's limits); use a to-be-closed "
		                     "variable (<close>) to clean up");
	lua_settop(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, 2, 1);
	return 1;
}

static void open_sandbox(lua_State *L)
{
	static const luaL_Reg libs[] = {
	    {LUA_GNAME, luaopen_base},        {LUA_TABLIBNAME, luaopen_table},
	    {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
	    {LUA_UTF8LIBNAME, luaopen_utf8},  {LUA_COLIBNAME, luaopen_coroutine},
	};
	static const char *const removed[] = {"dofile", "loadfile", "collectgarbage", NULL};
	size_t i;

	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	for (i = 0; removed[i]; i++) {
		lua_pushnil(L);
		lua_setglobal(L, removed[i]);
	}
	/* string.dump makes bytecode, the one way around the text-only loaders. */
	lua_getglobal(L, "string");
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lua_pop(L, 1);
	lua_pattern_guard(L);
	lua_getglobal(L, "setmetatable");
	lua_pushcclosure(L, l_setmetatable, 1);
	lua_setglobal(L, "setmetatable");
	lua_register(L, "print", l_print);
	lua_register(L, "load", l_load);
	lua_register(L, "require", l_require);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, "pgdrill.modules");
	lua_host_register(L);
	luaL_requiref(L, "lab", luaopen_pgdrill_lab, 1);
	luaL_requiref(L, "drill", luaopen_pgdrill_drill, 1);
	luaL_requiref(L, "fault", luaopen_pgdrill_fault, 1);
	luaL_requiref(L, "check", luaopen_pgdrill_check, 1);
	luaL_requiref(L, "workload", luaopen_pgdrill_workload, 1);
	luaL_requiref(L, "train", luaopen_pgdrill_train, 1);
	lua_pop(L, 6);
	if (ctx_dry(L))
		lua_dry_run_install(L);
	/* From here on, unknown globals are errors, for reading and for writing. */
	lua_pushglobaltable(L);
	lua_newtable(L);
	lua_pushcfunction(L, strict_index);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, strict_newindex);
	lua_setfield(L, -2, "__newindex");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);
}

struct engine *engine_new(struct drill_ctx *ctx, const struct engine_limits *lim,
                          const char *lua_dir)
{
	struct engine *e = xcalloc(1, sizeof(*e));

	e->ctx = ctx;
	if (ctx)
		ctx->ended = false; /* a new engine runs a new drill */
	e->lim = *lim;
	e->lua_dir = xstrdup(lua_dir);
	e->L = lua_newstate(limited_alloc, e);
	if (!e->L) {
		free(e->lua_dir);
		free(e);
		return NULL;
	}
	lua_pushlightuserdata(e->L, ctx);
	lua_setfield(e->L, LUA_REGISTRYINDEX, CTX_KEY);
	lua_pushlightuserdata(e->L, e);
	lua_setfield(e->L, LUA_REGISTRYINDEX, ENGINE_KEY);
	open_sandbox(e->L);
	return e;
}

static int traceback(lua_State *L)
{
	const char *msg = lua_tostring(L, 1);

	if (!msg)
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* Calls the function below NARGS arguments on the stack under the limits; NRESULTS
 * results stay on the stack on success. */
static int call_limited(struct engine *e, int nargs, int nresults)
{
	lua_State *L = e->L;
	int base = lua_gettop(L) - nargs, rc;

	lua_pushcfunction(L, traceback);
	lua_insert(L, base);
	e->count = 0;
	e->tripped = NULL;
	e->deadline = e->lim.wall_ms ? proc_now_ms() + e->lim.wall_ms : 0;
	lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
	rc = lua_pcall(L, nargs, nresults, base);
	lua_sethook(L, NULL, 0, 0);
	if (rc != LUA_OK) {
		error_set("%s", lua_tostring(L, -1) ? lua_tostring(L, -1) : "unknown Lua error");
		lua_settop(L, base - 1);
		return -1;
	}
	lua_remove(L, base);
	return 0;
}

static int run_loaded(struct engine *e)
{
	return call_limited(e, 0, 0);
}

lua_State *engine_lua(struct engine *e)
{
	return e->L;
}

int engine_call(struct engine *e, int nargs, int nresults)
{
	return call_limited(e, nargs, nresults);
}

int engine_run_string(struct engine *e, const char *chunkname, const char *code)
{
	if (luaL_loadbufferx(e->L, code, strlen(code), chunkname, "t") != LUA_OK) {
		error_set("%s", lua_tostring(e->L, -1));
		lua_pop(e->L, 1);
		return -1;
	}
	return run_loaded(e);
}

int engine_run_file(struct engine *e, const char *path)
{
	char *code = NULL, *name;
	size_t len;
	int rc;

	if (fs_read_file(path, &code, &len) < 0) {
		return error_set("cannot read scenario %s", path);
	}
	name = xasprintf("@%s", path);
	rc = luaL_loadbufferx(e->L, code, len, name, "t");
	free(name);
	free(code);
	if (rc != LUA_OK) {
		error_set("%s", lua_tostring(e->L, -1));
		lua_pop(e->L, 1);
		return -1;
	}
	return run_loaded(e);
}

/* Compiles `path` (without running it) and, through every `require "name"` written in
 * it, the modules it needs from lua_dir, `depth` levels down. */
static int check_file(lua_State *L, const char *path, const char *lua_dir, int depth)
{
	char *code = NULL, *chunk, *at;
	size_t len;
	int rc;

	if (fs_read_file(path, &code, &len) < 0)
		return error_prefix("cannot read %s: ", path);
	chunk = xasprintf("@%s", path);
	rc = luaL_loadbufferx(L, code, len, chunk, "t");
	free(chunk);
	if (rc != LUA_OK) {
		free(code);
		error_set("%s", lua_tostring(L, -1));
		lua_pop(L, 1);
		return -1;
	}
	lua_pop(L, 1);
	for (at = strstr(code, "require"); at && depth > 0; at = strstr(at + 7, "require")) {
		char name[64], *p = at + 7, quote, *mod;
		size_t n = 0;

		if (at > code && (isalnum((unsigned char)at[-1]) || at[-1] == '_' || at[-1] == '.'))
			continue;
		p += strspn(p, " \t(");
		quote = *p;
		if (quote != '"' && quote != '\'')
			continue;
		for (p++; *p && *p != quote && n + 1 < sizeof(name); p++)
			name[n++] = *p;
		name[n] = '\0';
		if (*p != quote || !module_name_ok(name))
			continue; /* not a literal module name: found when it runs */
		mod = module_path(lua_dir, name);
		/* A module that is not there may be named in a comment or a branch never
		 * taken: require says so when it runs. */
		rc = fs_exists(mod) ? check_file(L, mod, lua_dir, depth - 1) : 0;
		free(mod);
		if (rc < 0) {
			free(code);
			return error_prefix("%s requires '%s': ", path, name);
		}
	}
	free(code);
	return 0;
}

int engine_check_file(const char *path, const char *lua_dir)
{
	lua_State *L = luaL_newstate();
	int rc;

	if (!L)
		return error_set("cannot start Lua");
	rc = check_file(L, path, lua_dir, 8);
	lua_close(L);
	return rc;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	/* Nothing the script left behind may act on the lab from here on (the sandbox
	 * refuses __gc finalizers; this holds should one ever get through). */
	if (e->ctx)
		e->ctx->ended = true;
	lua_close(e->L);
	free(e->lua_dir);
	free(e);
}
