/* The guarded pattern functions give what Lua's own give, on the worker path too (a low
 * bound and a repetition item in every pattern force it), and a pattern that backtracks without end ends in an error. Each
 * case runs in a plain Lua state and in one with the guard; their outputs must agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/lua_pattern.h"

/* Everything the chunk returns, as one string ("ERR" and the message on an error). */
static char *run(const char *code, int guarded)
{
	lua_State *L = luaL_newstate();
	char *out;

	luaL_openlibs(L);
	if (guarded)
		lua_pattern_guard_with(L, 1000); /* every call with a repetition item: the worker */
	if (luaL_dostring(L, code) != LUA_OK) {
		out = strdup("ERR");
	} else {
		luaL_Buffer b;
		int i, n = lua_gettop(L);

		luaL_buffinit(L, &b);
		for (i = 1; i <= n; i++) {
			luaL_tolstring(L, i, NULL);
			luaL_addvalue(&b);
			luaL_addchar(&b, '|');
		}
		luaL_pushresult(&b);
		out = strdup(lua_tostring(L, -1));
	}
	lua_close(L);
	return out;
}

static void same(const char *body)
{
	/* `pad` makes every subject long enough for the worker path. */
	char *code = malloc(strlen(body) + 200), *plain, *guarded;

	sprintf(code, "local pad = string.rep('x', 3000)\nlocal r = {}\n%s\nreturn table.concat(r, ',')",
	        body);
	plain = run(code, 0);
	guarded = run(code, 1);
	if (strcmp(plain, guarded) != 0)
		fprintf(stderr, "case:\n%s\nlua:     %.300s\nguarded: %.300s\n", body, plain, guarded);
	assert_string_equal(plain, guarded);
	free(plain);
	free(guarded);
	free(code);
}

static void test_find_and_match(void **state)
{
	(void)state;
	same("local s = pad .. 'key = value; other=2' .. pad\n"
	     "for _, v in ipairs({s:find('(%w+)%s*=%s*(%w+)')}) do r[#r+1] = tostring(v) end\n"
	     "r[#r+1] = tostring(s:find('o%a+', -(#pad + 10)))\n"
	     "r[#r+1] = tostring(s:find('=', 1, true))\n"
	     "r[#r+1] = tostring(s:find('=%s?', #pad + 1))\n"
	     "r[#r+1] = tostring(s:find('^x+k'))\n"
	     "r[#r+1] = tostring(s:find('nomatch%d+'))\n"
	     "r[#r+1] = tostring(select('#', s:find('()e()')))\n"
	     "r[#r+1] = tostring(s:match('(%a+)=(%d+)'))\n"
	     "r[#r+1] = tostring(s:match('%b;2%d*'))\n"
	     "r[#r+1] = tostring(s:match('%f[%a]%a+', #pad))\n"
	     "r[#r+1] = tostring(s:match('(x)%1+k', #pad - 10))\n"
	     "r[#r+1] = tostring(s:match('x*$'))\n");
}

static void test_gmatch(void **state)
{
	(void)state;
	same("local s = pad .. 'a=1, b=2, c=3' .. pad\n"
	     "for k, v in s:gmatch('(%a)=(%d+)') do r[#r+1] = k .. v end\n"
	     "local n = 0 for w in s:gmatch('x*') do n = n + 1 end r[#r+1] = n\n"
	     "for w in ('^a^b' .. pad):gmatch('^%a') do r[#r+1] = w end\n"
	     "for p in s:gmatch('()=%d?', #pad + 4) do r[#r+1] = p end\n"
	     "for w in s:gmatch('%d+') do r[#r+1] = w end\n");
}

static void test_gsub(void **state)
{
	(void)state;
	same("local s = pad .. 'a=1, b=2, c=3' .. pad\n"
	     "local function cut(x) return (x:gsub('x+', '')) end\n"
	     "r[#r+1] = cut(select(1, s:gsub('(%a)=(%d+)', '%2:%1%%')))\n"
	     "r[#r+1] = select(2, s:gsub('(%a)=(%d*)', '%0'))\n"
	     "r[#r+1] = cut((s:gsub('(%a)=%d-', {a = 'A', b = false})))\n"
	     "r[#r+1] = cut((s:gsub('%d+', function(d) if d ~= '2' then return d * 10 end end)))\n"
	     "r[#r+1] = cut((s:gsub('(%a)=(%d+)', function(a, b) return b .. a end, 2)))\n"
	     "r[#r+1] = #(s:gsub('x*', '-'))\n"
	     "r[#r+1] = #(s:gsub('^x+', ''))\n"
	     "r[#r+1] = cut((s:gsub('()=%d?', function(p) return '@' end)))\n"
	     "r[#r+1] = select(2, s:gsub('', 'y'))\n");
	same("local ok, e = pcall(string.gsub, pad .. 'a', 'a+', function() return {} end)\n"
	     "r[#r+1] = tostring(ok) r[#r+1] = tostring(e):match('invalid replacement value') or e\n");
}

static void test_malformed_patterns_fail_alike(void **state)
{
	(void)state;
	same("r[#r+1] = tostring(pcall(string.find, pad, 'x[a'))\n"
	     "r[#r+1] = tostring(pcall(string.match, pad, '%'))\n"
	     "r[#r+1] = tostring(pcall(string.gsub, pad, '(x', ''))\n");
}

static void test_backtracking_bomb_ends(void **state)
{
	char *out;

	(void)state;
	out = run("local ok, err = pcall(string.find, string.rep('a', 30), "
	          "'.-.-.-.-.-.-.-.-.-.-b')\nreturn ok, err",
	          1);
	assert_non_null(strstr(out, "false|"));
	assert_non_null(strstr(out, "still matching after"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find_and_match),
	    cmocka_unit_test(test_gmatch),
	    cmocka_unit_test(test_gsub),
	    cmocka_unit_test(test_malformed_patterns_fail_alike),
	    cmocka_unit_test(test_backtracking_bomb_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
