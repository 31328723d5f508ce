/* string.find, match, gmatch and gsub with a deadline: see lua_pattern.c. */
#ifndef PGDRILL_LUA_LUA_PATTERN_H
#define PGDRILL_LUA_LUA_PATTERN_H

#include <lua.h>

/* Replaces the four pattern functions of the state's `string` table. */
void lua_pattern_guard(lua_State *L);

#endif
