/* The scenario engine: Lua 5.4 in a sandbox (no io, os, package, debug; no bytecode;
 * unknown globals refused; memory, instruction and time limits; Ctrl-C stops it). */
#ifndef PGDRILL_LUA_ENGINE_H
#define PGDRILL_LUA_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "lua/context.h"

struct engine_limits {
	size_t memory;     /* bytes the scenario may hold */
	long instructions; /* VM instructions; 0 for no limit */
	int64_t wall_ms;   /* 0 for no limit */
};

#define ENGINE_DEFAULT_LIMITS                                                                      \
	{                                                                                          \
		64u << 20, 2000000000L, 30 * 60 * 1000                                             \
	}

struct engine;

/* `lua_dir` is where `require` looks (the project's lua/). */
struct engine *engine_new(struct drill_ctx *ctx, const struct engine_limits *lim,
                          const char *lua_dir);
/* 0, or -1 with the error set: "file:line: message" and a traceback. */
int engine_run_file(struct engine *e, const char *path);
int engine_run_string(struct engine *e, const char *chunkname, const char *code);
/* Compiles a scenario, and the modules it requires by a literal name, without running
 * anything: 0, or -1 with the error set ("file:line: message"). For failing before the
 * lab is touched. */
int engine_check_file(const char *path, const char *lua_dir);
/* The engine's Lua state, for calling a function it defined (engine_call). */
lua_State *engine_lua(struct engine *e);
/* Calls the function below NARGS arguments on the stack, under the same limits as a
 * scenario: 0 with NRESULTS results left on the stack, or -1 with the error set and the
 * function and its arguments gone. */
int engine_call(struct engine *e, int nargs, int nresults);
void engine_free(struct engine *e);

#endif
