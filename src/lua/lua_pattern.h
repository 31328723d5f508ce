/* string.find, match, gmatch and gsub with a deadline: see lua_pattern.c. */
#ifndef PGDRILL_LUA_LUA_PATTERN_H
#define PGDRILL_LUA_LUA_PATTERN_H

#include <lua.h>

/* Replaces the four pattern functions of the state's `string` table. */
void lua_pattern_guard(lua_State *L);
/* The same with another bound on the worst-case steps of a call that runs directly (the
 * tests use a small one, so that short subjects take the worker's path). */
void lua_pattern_guard_with(lua_State *L, double direct_steps);

#endif
