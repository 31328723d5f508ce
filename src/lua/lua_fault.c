/* The `fault` module. Every call records the fault in the journal; those that leave
 * something behind are reverted when the scenario ends, however it ends. */
#include <string.h>

#include "lua/context.h"
#include "roles/status.h"
#include "util/error.h"

/* While a fault is applied, and this long after, the workloads' probers keep a write
 * attempt under way (workload_watch): an outage the fault starts is seen from its first
 * moment. The first bounds the probing of a fault that takes long to apply. */
#define WATCH_APPLYING_US 2000000
#define WATCH_AFTER_US 250000

static void watch_workloads(struct drill_ctx *c, int64_t for_us)
{
	int i;

	for (i = 0; i < c->nworkloads; i++)
		workload_watch(c->workloads[i], workload_now_us() + for_us);
}

static struct drill_ctx *ready(lua_State *L, const char *fn)
{
	struct drill_ctx *c = ctx_get(L);

	ctx_rt(L, fn);
	if (!c->steady_ok)
		luaL_error(L,
		           "%s: call drill.steady() first: pgdrill injects faults only into a "
		           "healthy lab",
		           fn);
	ctx_check_interrupt(L);
	/* The commands the fault runs go into the journal (see done()), and so does the time
	 * it takes. */
	if (c->rt->commands)
		c->rt->commands->phase = "fault";
	if (c->j)
		c->faults.asked = journal_now(c->j);
	watch_workloads(c, WATCH_APPLYING_US);
	return c;
}

/* The lab's safety rule for hosts pgdrill did not build: a fault goes only where the
 * lab allows it; otherwise the scenario ends before anything was done. */
static void allowed(lua_State *L, const char *fn, const struct lab_host_rt *h)
{
	const struct lab *lab = ctx_rt(L, fn)->lab;
	const char *fault = strchr(fn, '.') ? strchr(fn, '.') + 1 : fn;

	if (!h || lab_host_allows_fault(lab, h->def, fault))
		return;
	luaL_error(L,
	           "%s: host %s does not allow the fault '%s' (allow_faults: %s; the lab's "
	           "environment: %s); nothing was done. List it in the host's allow_faults, or "
	           "set environment: test if these hosts are for testing",
	           fn, h->def->name, fault, h->def->allow_faults ? h->def->allow_faults : "(not set)",
	           lab_environment_names[lab->environment]);
}

static int done(lua_State *L, int id, const char *fn)
{
	struct drill_ctx *c = ctx_get(L);

	if (c->rt && c->rt->commands)
		c->rt->commands->phase = NULL;
	c->faults.asked = -1;
	watch_workloads(c, WATCH_AFTER_US);
	if (id < 0)
		return luaL_error(L, "%s: %s", fn, error_last());
	lua_pushinteger(L, id);
	return 1;
}

static int f_kill(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	const char *process = luaL_optstring(L, 2, "postgres");
	const char *signame = luaL_optstring(L, 3, "KILL");
	int sig = signal_number(signame);
	struct drill_ctx *c;

	if (sig < 0)
		return luaL_argerror(L, 3, "a signal name like \"KILL\", \"TERM\" or \"INT\"");
	allowed(L, "fault.kill", h);
	c = ready(L, "fault.kill");
	return done(L, fault_kill(&c->faults, h, process, sig), "fault.kill");
}

static int f_pause(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	const char *process = luaL_optstring(L, 2, "postgres");
	struct drill_ctx *c;

	allowed(L, "fault.pause", h);
	c = ready(L, "fault.pause");
	return done(L, fault_pause(&c->faults, h, process), "fault.pause");
}

static int f_crash(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	struct drill_ctx *c;

	allowed(L, "fault.crash", h);
	c = ready(L, "fault.crash");
	return done(L, fault_crash(&c->faults, h), "fault.crash");
}

/* fault.fill_disk(host, {leave = "1MB"}) */
static int f_fill_disk(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	const char *leave = opt_string_field(L, 2, "leave", "0", "fault.fill_disk");
	uint64_t bytes;
	struct drill_ctx *c;

	if (units_parse_size(leave, &bytes) < 0)
		return luaL_error(L,
		                  "bad argument #2 to 'fault.fill_disk' (field 'leave': size "
		                  "expected, like \"1MB\", got \"%s\")",
		                  leave);
	allowed(L, "fault.fill_disk", h);
	c = ready(L, "fault.fill_disk");
	return done(L, fault_fill_disk(&c->faults, h, bytes), "fault.fill_disk");
}

static int f_break_hba(lua_State *L)
{
	static const char *const modes[] = {"reject", "syntax", NULL};
	const struct lab_host_rt *h = lua_host_check(L, 1);
	int mode = luaL_checkoption(L, 2, "reject", modes);
	struct drill_ctx *c;

	allowed(L, "fault.break_hba", h);
	c = ready(L, "fault.break_hba");
	return done(L, fault_break_hba(&c->faults, h, modes[mode]), "fault.break_hba");
}

static int f_haproxy_check(lua_State *L)
{
	static const char *const styles[] = {"pgsql-check", "tcp-check", "http-agent", NULL};
	const char *listener = luaL_checkstring(L, 1);
	int style = luaL_checkoption(L, 2, NULL, styles);
	struct drill_ctx *c;

	allowed(L, "fault.haproxy_check", lab_rt_by_role(ctx_rt(L, "fault.haproxy_check"),
	                                                 ROLE_PROXY));
	c = ready(L, "fault.haproxy_check");
	return done(L, fault_haproxy_check(&c->faults, listener, styles[style]),
	            "fault.haproxy_check");
}

/* A host, or a list of hosts, at `arg` into `out` (at most `cap`); returns how many. */
static size_t host_group(lua_State *L, int arg, const struct lab_host_rt **out, size_t cap,
                         const char *fn)
{
	size_t n = 0;
	lua_Integer i;

	if (!lua_istable(L, arg)) {
		out[0] = lua_host_check(L, arg);
		return 1;
	}
	for (i = 1; lua_geti(L, arg, i) != LUA_TNIL; i++) {
		if (n == cap)
			luaL_error(L, "bad argument #%d to '%s' (more hosts than the lab has)", arg,
			           fn);
		out[n++] = lua_host_check(L, lua_gettop(L));
		lua_pop(L, 1);
	}
	lua_pop(L, 1);
	if (n == 0)
		luaL_argerror(L, arg, "a host or a non-empty list of hosts");
	return n;
}

/* What a group fault does to each host: drop (a share of) its packets, or delay them. */
struct group_fault {
	const char *direction;
	int percent;               /* 100: a partition */
	int64_t delay_ms, jitter_ms; /* > 0: a delay */
	int peers_arg;
};

/* The shared shape of fault.partition, fault.loss and fault.delay: a group of hosts at
 * argument 1, optional peers, one fault per host of the group (one id each). */
static int on_group(lua_State *L, const char *fn, const struct group_fault *g)
{
	const struct lab_host_rt *group[64], *peers[64];
	size_t ng = host_group(L, 1, group, 64, fn), np = 0, i;
	struct drill_ctx *c;

	if (!lua_isnoneornil(L, g->peers_arg))
		np = host_group(L, g->peers_arg, peers, 64, fn);
	for (i = 0; i < ng; i++)
		allowed(L, fn, group[i]);
	for (i = 0; i < np; i++)
		allowed(L, fn, peers[i]);
	c = ready(L, fn);
	for (i = 0; i < ng; i++)
		done(L,
		     g->delay_ms > 0
		         ? fault_delay(&c->faults, group[i], (int)g->delay_ms, (int)g->jitter_ms,
		                       peers, np)
		     : g->percent == 100
		         ? fault_partition(&c->faults, group[i], g->direction, peers, np)
		         : fault_loss(&c->faults, group[i], g->percent, peers, np),
		     fn);
	return (int)ng;
}

/* id... = fault.partition(hosts [, direction="both" [, peers]]): every host of the first
 * group loses its traffic (in, out or both) with the peers, or with everyone. */
static int f_partition(lua_State *L)
{
	static const char *const dirs[] = {"both", "in", "out", NULL};

	struct group_fault g = {.direction = dirs[luaL_checkoption(L, 2, "both", dirs)],
	                        .percent = 100,
	                        .peers_arg = 3};

	return on_group(L, "fault.partition", &g);
}

/* id... = fault.loss(hosts, percent [, peers]): each host of the group loses that share
 * (1..99) of the packets it exchanges, with the peers or with everyone. */
static int f_loss(lua_State *L)
{
	lua_Integer percent;

	if (lua_isnoneornil(L, 1))
		return luaL_argerror(L, 1, "a host or a non-empty list of hosts");
	percent = luaL_checkinteger(L, 2);
	if (percent < 1 || percent > 99)
		return luaL_argerror(L, 2,
		                     "a percentage of packets, 1..99 (100 is fault.partition)");
	{
		struct group_fault g = {.direction = "both", .percent = (int)percent, .peers_arg = 3};

		return on_group(L, "fault.loss", &g);
	}
}

/* id... = fault.delay(hosts, delay [, jitter [, peers]]): every packet each host of the
 * group sends (to the peers, or to anyone) is held `delay`, plus or minus `jitter`. */
static int f_delay(lua_State *L)
{
	struct group_fault g = {.peers_arg = 4};

	if (lua_isnoneornil(L, 1))
		return luaL_argerror(L, 1, "a host or a non-empty list of hosts");
	g.delay_ms = arg_duration(L, 2, "fault.delay");
	g.jitter_ms = lua_isnoneornil(L, 3) ? 0 : arg_duration(L, 3, "fault.delay");
	if (g.delay_ms < 1 || g.delay_ms > 60000)
		return luaL_argerror(L, 2, "a delay from 1ms to 60s");
	if (g.jitter_ms > g.delay_ms)
		return luaL_argerror(L, 3, "a jitter no larger than the delay");
	return on_group(L, "fault.delay", &g);
}

static int f_switchover(lua_State *L)
{
	const struct lab_host_rt *to = lua_host_check(L, 1);
	const struct lab_host_rt *from;
	struct drill_ctx *c;

	allowed(L, "fault.switchover", to);
	c = ready(L, "fault.switchover");
	from = status_current_primary(c->rt, NULL);
	if (!from)
		return done(L, error_set("no primary to switch over from"), "fault.switchover");
	return done(L, fault_switchover(&c->faults, to, from), "fault.switchover");
}

/* fault.barman_restore{[target_time = "2026-01-01 12:00:00+00"] [, host = spare]
 * [, from = "newest" | "oldest"]} */
static int f_barman_restore(lua_State *L)
{
	const char *target = opt_string_field(L, 1, "target_time", NULL, "fault.barman_restore");
	const char *from = opt_string_field(L, 1, "from", "newest", "fault.barman_restore");
	const struct lab_host_rt *spare = NULL;
	struct drill_ctx *c;

	if (lua_istable(L, 1)) {
		lua_getfield(L, 1, "host");
		if (!lua_isnil(L, -1))
			spare = lua_host_check(L, lua_gettop(L));
		lua_pop(L, 1);
	}
	allowed(L, "fault.barman_restore", lab_rt_by_role(ctx_rt(L, "fault.barman_restore"), ROLE_BARMAN));
	allowed(L, "fault.barman_restore",
	        spare ? spare : lab_rt_by_role(ctx_rt(L, "fault.barman_restore"), ROLE_SPARE));
	if (strcmp(from, "newest") != 0 && strcmp(from, "oldest") != 0)
		return luaL_error(L, "fault.barman_restore: from must be \"newest\" or \"oldest\", "
		                     "not \"%s\"",
		                  from);
	c = ready(L, "fault.barman_restore");
	return done(L, fault_barman_restore(&c->faults, target, strcmp(from, "oldest") == 0, spare),
	            "fault.barman_restore");
}

static int f_link_down(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	struct drill_ctx *c;

	allowed(L, "fault.link_down", h);
	c = ready(L, "fault.link_down");
	return done(L, fault_link_down(&c->faults, h), "fault.link_down");
}

/* fault.rejoin(host [, {rewind = true}]): the host comes back as a standby of the
 * current primary. */
static int f_rejoin(lua_State *L)
{
	const struct lab_host_rt *h = lua_host_check(L, 1);
	bool rewind = true;
	struct drill_ctx *c;
	const struct lab_host_rt *p = NULL;
	struct lab_status st;

	if (lua_istable(L, 2)) {
		lua_getfield(L, 2, "rewind");
		if (!lua_isnil(L, -1))
			rewind = lua_toboolean(L, -1);
		lua_pop(L, 1);
	} else if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
	}
	allowed(L, "fault.rejoin", h);
	c = ready(L, "fault.rejoin");
	status_collect_views(c->rt, &st, false);
	p = status_primary_except(&st, h, NULL);
	status_free(&st);
	if (!p)
		return done(L, error_set("no other primary to rejoin"), "fault.rejoin");
	return done(L, fault_rejoin(&c->faults, h, p, rewind), "fault.rejoin");
}

static int f_revert(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	lua_Integer id = luaL_checkinteger(L, 1);

	if (fault_revert_one(&c->faults, (int)id) < 0)
		return luaL_error(L, "fault.revert: %s", error_last());
	return 0;
}

int luaopen_pgdrill_fault(lua_State *L)
{
	static const luaL_Reg fns[] = {
	    {"kill", f_kill},
	    {"pause", f_pause},
	    {"crash", f_crash},
	    {"fill_disk", f_fill_disk},
	    {"break_hba", f_break_hba},
	    {"haproxy_check", f_haproxy_check},
	    {"partition", f_partition},
	    {"loss", f_loss},
	    {"delay", f_delay},
	    {"switchover", f_switchover},
	    {"revert", f_revert},
	    {"barman_restore", f_barman_restore},
	    {"link_down", f_link_down},
	    {"rejoin", f_rejoin},
	    {NULL, NULL},
	};

	luaL_newlib(L, fns);
	return 1;
}
