/* What the Lua bindings share: the lab, the journal, the faults of the running drill. */
#ifndef PGDRILL_LUA_CONTEXT_H
#define PGDRILL_LUA_CONTEXT_H

#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "fault/fault.h"
#include "journal/journal.h"
#include "provider/provider.h"
#include "workload/workload.h"

struct train_def;

#define CTX_MAX_WORKLOADS 8

struct drill_ctx {
	struct lab_rt *rt; /* NULL in API tests without a lab: lab calls then raise */
	struct journal *j;
	struct fault_set faults;
	volatile sig_atomic_t *interrupted;
	bool steady_ok; /* drill.steady passed: faults may be injected */
	bool ended;     /* the script is over: finalizers run at close may not touch the lab */
	char *name;     /* from drill.scenario */
	struct workload *workloads[CTX_MAX_WORKLOADS]; /* owned; stopped when the script ends */
	int nworkloads;
	struct train_def *train; /* the exercise being declared (pgdrill train); NULL in drills */
};

struct drill_ctx *ctx_get(lua_State *L);
/* True in a dry run (`pgdrill run --dry-run`). */
bool ctx_dry(lua_State *L);
/* Raises a Lua error when Ctrl-C or SIGTERM arrived; call it in every long C wait. */
void ctx_check_interrupt(lua_State *L);
/* Raises unless the drill runs on a lab. */
struct lab_rt *ctx_rt(lua_State *L, const char *fn);
/* Sleeps in small steps, raising on interrupt. */
void ctx_sleep_ms(lua_State *L, int64_t ms);

/* Argument helpers that name the function and argument in their errors. */
int64_t arg_duration(lua_State *L, int arg, const char *fn);
int64_t opt_duration_field(lua_State *L, int tbl, const char *field, int64_t def, const char *fn);
const char *opt_string_field(lua_State *L, int tbl, const char *field, const char *def,
                             const char *fn);
double opt_number_field(lua_State *L, int tbl, const char *field, double def, double min,
                        double max, const char *fn);

/* The modules, one file each. */
int luaopen_pgdrill_lab(lua_State *L);
int luaopen_pgdrill_drill(lua_State *L);
int luaopen_pgdrill_fault(lua_State *L);
int luaopen_pgdrill_check(lua_State *L);
int luaopen_pgdrill_workload(lua_State *L);
int luaopen_pgdrill_train(lua_State *L);
/* A dry run (ctx->rt->dry): the check functions say they are not evaluated and answer
 * nothing, workload.start starts no client (lua_dry.c). */
void lua_dry_run_install(lua_State *L);
/* The history checks (rto, lost_writes, split_brain, continuity) into the check table on
 * the top of the stack. */
void lua_check_workload_register(lua_State *L);
/* check.backups into the check table on the top of the stack. */
void lua_check_backups_register(lua_State *L);
/* The workload behind argument `arg`, or a Lua error naming `fn`. */
struct workload *lua_workload_check(lua_State *L, int arg, const char *fn);
/* Stops the drill's workloads and writes their figures into the journal (the script
 * ended); ctx_free_workloads frees them once Lua is closed. */
void ctx_stop_workloads(struct drill_ctx *c);
/* Stops one workload, once, with its journal entry. */
void ctx_stop_workload(struct drill_ctx *c, struct workload *w);
void ctx_free_workloads(struct drill_ctx *c);
void lua_host_register(lua_State *L);
void lua_host_push(lua_State *L, const struct lab_host_rt *h);
const struct lab_host_rt *lua_host_check(lua_State *L, int arg);
/* Runs SQL on an open connection and pushes a list of rows (tables by column name),
 * or nil, message, SQLSTATE. Returns the number of values pushed. */
struct pg_conn;
int lua_push_query(lua_State *L, struct pg_conn *c, const char *sql);

#endif
