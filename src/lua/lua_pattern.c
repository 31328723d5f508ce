/* Lua's pattern functions (string.find, match, gmatch and gsub) under a deadline. Lua
 * matches patterns in C, by backtracking, where neither the instruction limit nor the
 * wall-clock limit of the sandbox reaches: string.find(string.rep("a", 30),
 * ".-.-.-.-.-.-.-.-.-.-b") would run for hours. A call whose worst case is small (few
 * repetition items, a short subject) runs as it is; any other runs in a scratch Lua state
 * of its own, on a worker thread, and the drill gets an error when it is not done within
 * PATTERN_MS. The scratch state allocates from a private arena, so a worker left behind
 * shares nothing with the drill; it is given the lowest CPU priority and runs on until
 * pgdrill exits. */
#include "lua/lua_pattern.h"

#include <errno.h>
#include <lauxlib.h>
#include <lualib.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PATTERN_MS 5000
/* Below this many elementary steps in the worst case a call runs directly (a few tenths
 * of a second at most). */
#define DIRECT_STEPS 1e8
#define ARENA_SIZE ((size_t)256 << 20)
#define MAX_ARGS 4

/* A bump allocator over one private mapping: nothing of libc's heap is touched by the
 * scratch state, and all of it goes at once with the mapping. */
struct arena {
	char *base;
	size_t used, size;
};

#define ROUND16(n) (((n) + 15) & ~(size_t)15)

static void *arena_take(struct arena *a, size_t n)
{
	char *p;

	if (ROUND16(n) > a->size - a->used)
		return NULL;
	p = a->base + a->used;
	a->used += ROUND16(n);
	return p;
}

static void *arena_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct arena *a = ud;
	char *p = ptr, *q;
	bool last = p && p + ROUND16(osize) == a->base + a->used;

	if (nsize == 0) {
		if (last)
			a->used -= ROUND16(osize);
		return NULL;
	}
	if (p && nsize <= osize)
		return p;
	if (last && ROUND16(nsize) - ROUND16(osize) <= a->size - a->used) {
		a->used += ROUND16(nsize) - ROUND16(osize);
		return p;
	}
	q = arena_take(a, nsize);
	if (q && p)
		memcpy(q, p, osize);
	return q;
}

struct value {
	int type; /* LUA_TNIL, LUA_TBOOLEAN, LUA_TNUMBER (integer or float), LUA_TSTRING */
	bool is_int;
	lua_Integer i;
	lua_Number n;
	const char *s;
	size_t len;
};

enum job_kind { JOB_CALL, JOB_GMATCH_STEP, JOB_GSUB_SPANS };

struct job {
	enum job_kind kind;
	const char *fn; /* JOB_CALL: the string function */
	struct value args[MAX_ARGS];
	int nargs;
	struct value *res; /* in the arena */
	int nres;
	char err[512];
	bool failed;
	struct arena arena;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done, abandoned;
	pid_t tid; /* the worker's thread id, once it runs */
};

/* gmatch's next match from `src` (1-based): as find, but a match ending where the last
 * one ended is skipped, and '^' is an ordinary character (it anchors nothing in gmatch). */
static const char gmatch_step_lua[] =
    "local s, p, src, last = ...\n"
    "if p:sub(1, 1) == '^' then p = '%' .. p end\n"
    "while src <= #s + 1 do\n"
    "  local r = {s:find(p, src)}\n"
    "  if not r[1] then return nil end\n"
    "  if r[2] + 1 ~= last then return table.unpack(r) end\n"
    "  src = r[1] + 1\n"
    "end\n"
    "return nil\n";

/* Every match gsub would replace, as {start, end, captures...}, and how many. */
static const char gsub_spans_lua[] =
    "local s, p, max = ...\n"
    "local anchor = p:sub(1, 1) == '^'\n"
    "if not anchor then p = '^' .. p end\n"
    "local t, n, src, last = {}, 0, 1, -1\n"
    "while n < max do\n"
    "  local r = {s:find(p, src)}\n"
    "  if r[1] and r[2] + 1 ~= last then\n"
    "    n = n + 1\n"
    "    t[n] = r\n"
    "    src, last = r[2] + 1, r[2] + 1\n"
    "  elseif src <= #s then\n"
    "    src = src + 1\n"
    "  else\n"
    "    break\n"
    "  end\n"
    "  if anchor then break end\n"
    "end\n"
    "return t, n\n";

static void push_value(lua_State *L, const struct value *v)
{
	switch (v->type) {
	case LUA_TBOOLEAN:
		lua_pushboolean(L, (int)v->i);
		break;
	case LUA_TNUMBER:
		if (v->is_int)
			lua_pushinteger(L, v->i);
		else
			lua_pushnumber(L, v->n);
		break;
	case LUA_TSTRING:
		lua_pushlstring(L, v->s, v->len);
		break;
	default:
		lua_pushnil(L);
	}
}

/* The value at `idx` of the scratch state; strings stay in the state's arena. */
static void take_value(lua_State *S, int idx, struct value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = lua_type(S, idx);
	if (v->type == LUA_TBOOLEAN) {
		v->i = lua_toboolean(S, idx);
	} else if (v->type == LUA_TNUMBER) {
		v->is_int = lua_isinteger(S, idx);
		v->i = lua_tointeger(S, idx);
		v->n = lua_tonumber(S, idx);
	} else if (v->type == LUA_TSTRING) {
		v->s = lua_tolstring(S, idx, &v->len);
	} else {
		v->type = LUA_TNIL;
	}
}

/* The spans table at the top of S flattened: n, then per match its length and values. */
static int take_spans(lua_State *S, struct job *j)
{
	lua_Integer n = lua_tointeger(S, -1), m, k, total = 1, len;
	int at = 0;

	for (m = 1; m <= n; m++) {
		lua_geti(S, -2, m);
		total += 1 + (lua_Integer)lua_rawlen(S, -1);
		lua_pop(S, 1);
	}
	j->res = arena_take(&j->arena, (size_t)total * sizeof(*j->res));
	if (!j->res)
		return -1;
	memset(&j->res[at], 0, sizeof(*j->res));
	j->res[at].type = LUA_TNUMBER;
	j->res[at++].i = n;
	for (m = 1; m <= n; m++) {
		lua_geti(S, -2, m);
		len = (lua_Integer)lua_rawlen(S, -1);
		memset(&j->res[at], 0, sizeof(*j->res));
		j->res[at].type = LUA_TNUMBER;
		j->res[at++].i = len;
		for (k = 1; k <= len; k++) {
			lua_geti(S, -1, k);
			take_value(S, -1, &j->res[at++]);
			lua_pop(S, 1); /* the table still holds it */
		}
		lua_pop(S, 1);
	}
	j->nres = at;
	return 0;
}

static void run_in_scratch(struct job *j)
{
	lua_State *S = lua_newstate(arena_alloc, &j->arena);
	const char *code = j->kind == JOB_GMATCH_STEP ? gmatch_step_lua : gsub_spans_lua;
	int base, i, rc;

	if (!S) {
		snprintf(j->err, sizeof(j->err), "not enough memory for the pattern");
		j->failed = true;
		return;
	}
	luaL_requiref(S, "_G", luaopen_base, 1);
	luaL_requiref(S, "string", luaopen_string, 1);
	luaL_requiref(S, "table", luaopen_table, 1);
	lua_settop(S, 0);
	if (j->kind == JOB_CALL) {
		lua_getglobal(S, "string");
		lua_getfield(S, -1, j->fn);
		lua_remove(S, -2);
	} else if (luaL_loadbuffer(S, code, strlen(code), "=pattern") != LUA_OK) {
		snprintf(j->err, sizeof(j->err), "%s", lua_tostring(S, -1));
		j->failed = true;
		return;
	}
	base = lua_gettop(S);
	for (i = 0; i < j->nargs; i++)
		push_value(S, &j->args[i]);
	rc = lua_pcall(S, j->nargs, LUA_MULTRET, 0);
	if (rc != LUA_OK) {
		snprintf(j->err, sizeof(j->err), "%s",
		         lua_tostring(S, -1) ? lua_tostring(S, -1) : "pattern error");
		j->failed = true;
		return;
	}
	if (j->kind == JOB_GSUB_SPANS) {
		if (take_spans(S, j) < 0) {
			snprintf(j->err, sizeof(j->err), "not enough memory for the pattern's matches");
			j->failed = true;
		}
		return;
	}
	j->nres = lua_gettop(S) - base + 1;
	j->res = arena_take(&j->arena, (size_t)(j->nres > 0 ? j->nres : 1) * sizeof(*j->res));
	if (!j->res) {
		snprintf(j->err, sizeof(j->err), "not enough memory for the pattern's results");
		j->failed = true;
		return;
	}
	for (i = 0; i < j->nres; i++)
		take_value(S, base + i, &j->res[i]);
}

static void job_free(struct job *j)
{
	munmap(j->arena.base, j->arena.size);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	bool abandoned;

	pthread_mutex_lock(&j->mu);
	j->tid = (pid_t)syscall(SYS_gettid);
	pthread_mutex_unlock(&j->mu);
	run_in_scratch(j);
	pthread_mutex_lock(&j->mu);
	j->done = true;
	abandoned = j->abandoned;
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	if (abandoned)
		job_free(j); /* nobody waits for it any more */
	return NULL;
}

static struct job *job_new(lua_State *L, enum job_kind kind, const char *fn)
{
	struct job *j = calloc(1, sizeof(*j));

	if (!j) {
		luaL_error(L, "not enough memory");
		return NULL;
	}
	j->arena.size = ARENA_SIZE;
	j->arena.base =
	    mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
	         -1, 0);
	if (j->arena.base == MAP_FAILED) {
		free(j);
		luaL_error(L, "not enough memory for a pattern");
		return NULL;
	}
	j->kind = kind;
	j->fn = fn;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	return j;
}

/* Copies argument `idx` of L into the job (strings into its arena). */
static void job_arg(lua_State *L, struct job *j, int idx)
{
	struct value *v = &j->args[j->nargs++];
	const char *s;
	char *copy;

	memset(v, 0, sizeof(*v));
	v->type = lua_type(L, idx);
	switch (v->type) {
	case LUA_TSTRING:
		s = lua_tolstring(L, idx, &v->len);
		copy = arena_take(&j->arena, v->len + 1);
		if (!copy) {
			job_free(j);
			luaL_error(L, "not enough memory for a pattern");
			return;
		}
		memcpy(copy, s, v->len + 1);
		v->s = copy;
		break;
	case LUA_TNUMBER:
	case LUA_TBOOLEAN:
		take_value(L, idx, v);
		break;
	default:
		v->type = LUA_TNIL;
	}
}

/* Runs the job and waits for it; raises a Lua error (the job freed or left to its
 * thread) when it fails or runs past PATTERN_MS. */
static void job_run(lua_State *L, struct job *j, const char *fn)
{
	struct timespec until;
	pthread_t t;
	pthread_attr_t attr;
	int rc = 0;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, worker, j) != 0) {
		pthread_attr_destroy(&attr);
		job_free(j);
		luaL_error(L, "%s: cannot start the pattern's thread", fn);
		return;
	}
	pthread_attr_destroy(&attr);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += PATTERN_MS / 1000;
	until.tv_nsec += (long)(PATTERN_MS % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&j->mu);
	while (!j->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&j->cv, &j->mu, &until);
	if (!j->done) {
		pid_t tid = j->tid;

		j->abandoned = true; /* the worker frees the job if it ever ends */
		pthread_mutex_unlock(&j->mu);
		/* It runs on until pgdrill exits: at the lowest priority, out of the way of
		 * the reverts and the heal. */
		if (tid > 0)
			setpriority(PRIO_PROCESS, (id_t)tid, 19);
		luaL_error(L,
		           "%s: the pattern was still matching after %d s (it backtracks without "
		           "end: fewer '-', '*' or '+' items, or a shorter subject)",
		           fn, PATTERN_MS / 1000);
	}
	pthread_mutex_unlock(&j->mu);
	if (j->failed) {
		char msg[sizeof(j->err)];

		memcpy(msg, j->err, sizeof(msg));
		job_free(j);
		luaL_error(L, "%s: %s", fn, msg);
	}
}

/* An upper bound on the matcher's work: every repetition item ('*', '+', '-', '?', %b,
 * a back reference) may be tried at every length, at every start. Below the wrapper's
 * threshold (its upvalue 2) the call runs directly. */
static bool cheap(lua_State *L, size_t slen, const char *p, size_t plen)
{
	double steps = (double)slen + 1, limit = lua_tonumber(L, lua_upvalueindex(2));
	size_t i;

	for (i = 0; i < plen; i++) {
		if (p[i] == '%' && i + 1 < plen) {
			i++;
			if (p[i] == 'b' || (p[i] >= '1' && p[i] <= '9'))
				steps *= (double)slen + 1;
		} else if (p[i] == '*' || p[i] == '+' || p[i] == '-' || p[i] == '?') {
			steps *= (double)slen + 1;
		}
		if (steps > limit)
			return false;
	}
	return true;
}

/* The original function (upvalue 1) on the same arguments. */
static int direct(lua_State *L)
{
	int n = lua_gettop(L);

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	return lua_gettop(L);
}

static int push_results(lua_State *L, struct job *j)
{
	int i, n = j->nres;

	luaL_checkstack(L, n, "too many results");
	for (i = 0; i < n; i++)
		push_value(L, &j->res[i]);
	job_free(j);
	return n;
}

/* string.find and string.match: the same call in the scratch state. */
static int guarded_call(lua_State *L, const char *fn)
{
	size_t slen, plen;
	const char *p;
	struct job *j;
	int i, n = lua_gettop(L);

	luaL_checklstring(L, 1, &slen);
	p = luaL_checklstring(L, 2, &plen);
	if (cheap(L, slen, p, plen) || (n >= 4 && lua_toboolean(L, 4) && strcmp(fn, "find") == 0))
		return direct(L);
	j = job_new(L, JOB_CALL, fn);
	for (i = 1; i <= n && i <= MAX_ARGS; i++)
		job_arg(L, j, i);
	job_run(L, j, fn);
	return push_results(L, j);
}

static int g_find(lua_State *L)
{
	return guarded_call(L, "find");
}

static int g_match(lua_State *L)
{
	return guarded_call(L, "match");
}

/* gmatch's iterator: upvalues subject, pattern, next start, end of the last match. */
static int gmatch_next(lua_State *L)
{
	struct job *j = job_new(L, JOB_GMATCH_STEP, NULL);
	lua_Integer e;
	int n;

	job_arg(L, j, lua_upvalueindex(1));
	job_arg(L, j, lua_upvalueindex(2));
	job_arg(L, j, lua_upvalueindex(3));
	job_arg(L, j, lua_upvalueindex(4));
	job_run(L, j, "gmatch");
	if (j->nres < 2 || j->res[0].type != LUA_TNUMBER) {
		job_free(j);
		return 0; /* no more matches */
	}
	e = j->res[1].i;
	lua_pushinteger(L, e + 1);
	lua_copy(L, -1, lua_upvalueindex(3));
	lua_copy(L, -1, lua_upvalueindex(4));
	lua_pop(L, 1);
	if (j->nres == 2) { /* no captures: the whole match */
		size_t slen;
		const char *s = lua_tolstring(L, lua_upvalueindex(1), &slen);
		lua_Integer b = j->res[0].i;

		job_free(j);
		lua_pushlstring(L, s + b - 1, (size_t)(e - b + 1));
		return 1;
	}
	n = j->nres - 2;
	luaL_checkstack(L, n, "too many captures");
	for (int i = 0; i < n; i++)
		push_value(L, &j->res[2 + i]);
	job_free(j);
	return n;
}

static int g_gmatch(lua_State *L)
{
	size_t slen, plen;
	const char *p;
	lua_Integer init;

	luaL_checklstring(L, 1, &slen);
	p = luaL_checklstring(L, 2, &plen);
	if (cheap(L, slen, p, plen))
		return direct(L);
	init = luaL_optinteger(L, 3, 1);
	if (init < 0)
		init = (lua_Integer)slen + init + 1 > 0 ? (lua_Integer)slen + init + 1 : 1;
	else if (init == 0)
		init = 1;
	if (init > (lua_Integer)slen + 1)
		init = (lua_Integer)slen + 1;
	lua_settop(L, 2);
	lua_pushinteger(L, init);
	lua_pushinteger(L, -1);
	lua_pushcclosure(L, gmatch_next, 4);
	return 1;
}

/* gsub with a function or a table: the matches are found in the scratch state, the
 * replacements made here (they may call the drill's own code). */
static int gsub_with_callback(lua_State *L, size_t slen)
{
	const char *s = lua_tostring(L, 1);
	struct job *j = job_new(L, JOB_GSUB_SPANS, NULL);
	luaL_Buffer b;
	lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)slen + 1), n, m, len, start, end;
	size_t prev = 0;
	int at = 1, k, rtype = lua_type(L, 3);

	job_arg(L, j, 1);
	job_arg(L, j, 2);
	lua_pushinteger(L, max);
	job_arg(L, j, lua_gettop(L));
	lua_pop(L, 1);
	job_run(L, j, "gsub");
	/* The matches go to the Lua stack first, so that an error in a callback leaks
	 * nothing: a table per match. */
	n = j->res[0].i;
	lua_createtable(L, (int)n, 0);
	for (m = 1; m <= n; m++) {
		len = j->res[at++].i;
		lua_createtable(L, (int)len, 0);
		for (k = 1; k <= len; k++) {
			push_value(L, &j->res[at++]);
			lua_rawseti(L, -2, k);
		}
		lua_rawseti(L, -2, m);
	}
	job_free(j);
	luaL_buffinit(L, &b);
	for (m = 1; m <= n; m++) {
		int ncap, top;

		/* The buffer wants a balanced stack at each of its calls. */
		lua_geti(L, 5, m);
		len = (lua_Integer)lua_rawlen(L, -1);
		lua_geti(L, -1, 1);
		start = lua_tointeger(L, -1);
		lua_geti(L, -2, 2);
		end = lua_tointeger(L, -1);
		lua_pop(L, 3);
		ncap = (int)len - 2;
		luaL_addlstring(&b, s + prev, (size_t)(start - 1) - prev);
		lua_geti(L, 5, m); /* the match's table, until its value is made */
		top = lua_gettop(L);
		if (rtype == LUA_TFUNCTION) {
			lua_pushvalue(L, 3);
			if (ncap == 0)
				lua_pushlstring(L, s + start - 1, (size_t)(end - start + 1));
			for (k = 1; k <= ncap; k++)
				lua_geti(L, top, k + 2);
			lua_call(L, ncap ? ncap : 1, 1);
		} else {
			if (ncap == 0)
				lua_pushlstring(L, s + start - 1, (size_t)(end - start + 1));
			else
				lua_geti(L, top, 3);
			lua_gettable(L, 3);
		}
		if (!lua_toboolean(L, -1)) {
			lua_pop(L, 1);
			lua_pushlstring(L, s + start - 1, (size_t)(end - start + 1));
		} else if (!lua_isstring(L, -1)) {
			return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
		}
		lua_remove(L, top); /* the match's table, under the value */
		luaL_addvalue(&b);
		prev = (size_t)end;
	}
	luaL_addlstring(&b, s + prev, slen - prev);
	luaL_pushresult(&b);
	lua_pushinteger(L, n);
	return 2;
}

static int g_gsub(lua_State *L)
{
	size_t slen, plen;
	const char *p;
	int rtype = lua_type(L, 3);
	struct job *j;
	int i, n = lua_gettop(L);

	luaL_checklstring(L, 1, &slen);
	p = luaL_checklstring(L, 2, &plen);
	luaL_argexpected(L,
	                 rtype == LUA_TNUMBER || rtype == LUA_TSTRING || rtype == LUA_TFUNCTION ||
	                     rtype == LUA_TTABLE,
	                 3, "string/function/table");
	if (cheap(L, slen, p, plen))
		return direct(L);
	if (rtype == LUA_TFUNCTION || rtype == LUA_TTABLE) {
		lua_settop(L, 4);
		return gsub_with_callback(L, slen);
	}
	j = job_new(L, JOB_CALL, "gsub");
	for (i = 1; i <= n && i <= MAX_ARGS; i++)
		job_arg(L, j, i);
	job_run(L, j, "gsub");
	return push_results(L, j);
}

void lua_pattern_guard(lua_State *L)
{
	lua_pattern_guard_with(L, DIRECT_STEPS);
}

void lua_pattern_guard_with(lua_State *L, double direct_steps)
{
	static const luaL_Reg fns[] = {
	    {"find", g_find}, {"match", g_match}, {"gmatch", g_gmatch}, {"gsub", g_gsub}, {NULL, NULL}};
	int i;

	lua_getglobal(L, "string");
	for (i = 0; fns[i].name; i++) {
		lua_getfield(L, -1, fns[i].name);
		lua_pushnumber(L, direct_steps);
		lua_pushcclosure(L, fns[i].func, 2);
		lua_setfield(L, -2, fns[i].name);
	}
	lua_pop(L, 1);
}
