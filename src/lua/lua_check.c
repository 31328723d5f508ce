/* The `check` module: verdicts against the drill's objectives, each recorded in the
 * journal as passed or failed with its figure. A failed check does not stop the drill;
 * it makes the run exit 1. */
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua/context.h"
#include "roles/client.h"
#include "roles/diagnose.h"
#include "roles/haproxy.h"
#include "roles/health.h"
#include "roles/pg.h"
#include "roles/secrets.h"
#include "roles/status.h"
#include "util/error.h"
#include "util/proc.h"

/* Records a verdict; `measure` (owned, may be NULL) is its figure as data. */
static void verdict(lua_State *L, const char *name, bool ok, const char *figure, const char *detail,
                    json_object *measure)
{
	struct drill_ctx *c = ctx_get(L);

	if (c && c->ended) {
		json_object_put(measure);
		luaL_error(L, "check: the drill has ended (a finalizer cannot record a verdict)");
	}
	if (c && c->j)
		journal_check(c->j, name, ok, figure, detail, measure);
	else
		json_object_put(measure);
}

/* Seconds since the drill's latest fault began, or NAN when it has none (yet). */
static double since_last_fault(const struct drill_ctx *c)
{
	return c && c->j && c->faults.count
	           ? journal_now(c->j) - c->faults.items[c->faults.count - 1].start
	           : NAN;
}

/* A measure of seconds waited against a deadline, with the time since the latest fault. */
static json_object *waited(const struct drill_ctx *c, long long t0, int64_t within_ms,
                           const char *method)
{
	json_object *m = journal_measure((double)(proc_now_ms() - t0) / 1000.0, "s",
	                                 (double)within_ms / 1000.0, method);
	double since = since_last_fault(c);

	if (!isnan(since))
		json_object_object_add(m, "since_fault_s", json_object_new_double(since));
	return m;
}

/* ok = check.that(name, condition [, figure [, detail]]) */
static int c_that(lua_State *L)
{
	const char *name = luaL_checkstring(L, 1);
	bool ok;

	luaL_checkany(L, 2);
	ok = lua_toboolean(L, 2);
	verdict(L, name, ok, luaL_optstring(L, 3, ok ? "true" : "false"), luaL_optstring(L, 4, ""),
	        NULL);
	lua_pushboolean(L, ok);
	return 1;
}

/* The lab healthy within the deadline: one primary, every standby streaming from it,
 * haproxy's write listeners pointing at it. As "recovery", nodes that are down (the failed
 * primary before its rejoin) are left out and the figure counts from the first fault. */
static int healthy_as(lua_State *L, const char *name, const char *fn, bool survivors)
{
	struct drill_ctx *c = ctx_get(L);
	struct lab_rt *rt = ctx_rt(L, fn);
	int64_t within =
	    opt_duration_field(L, 1, "within", rt->lab->objectives.recovery_within, fn);
	long long t0 = proc_now_ms(), deadline = t0 + within;
	struct health h;
	char fig[96];
	size_t n;

	for (;;) {
		if (survivors)
			health_assess_survivors(rt, &h);
		else
			health_assess(rt, &h);
		if (h.healthy || proc_now_ms() >= deadline)
			break;
		ctx_sleep_ms(L, 250);
	}
	n = (size_t)snprintf(fig, sizeof(fig),
	                     h.healthy ? "healthy after %.2f s" : "not healthy after %.2f s",
	                     (double)(proc_now_ms() - t0) / 1000.0);
	if (strcmp(name, "recovery") == 0 && c->j && c->faults.count)
		snprintf(fig + n, sizeof(fig) - n, " (%.2f s after the first fault)",
		         journal_now(c->j) - c->faults.items[0].start);
	verdict(L, name, h.healthy, fig, h.why,
	        waited(c, t0, within,
	               "from the check's start until one primary, every standby streaming from "
	               "it and haproxy routing writes to it"));
	lua_pushboolean(L, h.healthy);
	return 1;
}

/* ok = check.healthy{within = "30s"} */
static int c_healthy(lua_State *L)
{
	return healthy_as(L, "healthy", "check.healthy", false);
}

/* ok = check.recovery{within = "30s"} */
static int c_recovery(lua_State *L)
{
	return healthy_as(L, "recovery", "check.recovery", true);
}

/* host = check.new_primary{within = "30s", ["not"] = old}: a server other than `not`
 * accepts writes within the deadline (and it is the only one). */
static int c_new_primary(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "check.new_primary");
	int64_t within = opt_duration_field(L, 1, "within", rt->lab->objectives.recovery_within,
	                                    "check.new_primary");
	const struct lab_host_rt *old = NULL, *found = NULL;
	long long t0 = proc_now_ms(), deadline = t0 + within;
	char fig[128], detail[256] = "";
	int primaries = 0;

	if (lua_istable(L, 1)) {
		lua_getfield(L, 1, "not");
		if (!lua_isnil(L, -1))
			old = lua_host_check(L, lua_gettop(L));
		lua_pop(L, 1);
	}
	/* Servers other than `not` that accept writes: exactly one is a new primary. The
	 * old one may still accept writes where it is cut off: that is the split-brain
	 * check's business, not this one's. */
	for (;;) {
		struct lab_status st;

		status_collect_views(rt, &st, false);
		found = status_primary_except(&st, old, &primaries);
		status_free(&st);
		if ((found && primaries == 1) || proc_now_ms() >= deadline)
			break;
		ctx_sleep_ms(L, 100);
	}
	if (found && primaries == 1) {
		snprintf(fig, sizeof(fig), "%s promoted after %.2f s", found->def->name,
		         (double)(proc_now_ms() - t0) / 1000.0);
	} else {
		snprintf(fig, sizeof(fig), "no new primary within %.1f s", (double)within / 1000.0);
		if (primaries > 1)
			snprintf(detail, sizeof(detail), "%d servers accept writes", primaries);
	}
	verdict(L, "new primary", found && primaries == 1, fig, detail,
	        waited(ctx_get(L), t0, within,
	               "from the check's start until exactly one server other than the old "
	               "primary accepts writes"));
	if (found && primaries == 1)
		lua_host_push(L, found);
	else
		lua_pushnil(L);
	return 1;
}

/* The lag check's measure: the worst replay lag now, and the worst the workload's sampler
 * saw during the drill when the check was given the workload. */
static json_object *lag_measure(lua_State *L, long long worst, uint64_t max)
{
	json_object *m = journal_measure((double)worst, "bytes", (double)max,
	                                 "the largest replay lag among the standbys, as the "
	                                 "primary's pg_stat_replication reports it");

	if (lua_istable(L, 1) && lua_getfield(L, 1, "workload") != LUA_TNIL) {
		struct workload_stats ws;

		workload_stats(lua_workload_check(L, lua_gettop(L), "check.lag"), &ws);
		if (ws.worst_lag_bytes >= 0) {
			json_object_object_add(m, "during_bytes",
			                       json_object_new_int64(ws.worst_lag_bytes));
			json_object_object_add(m, "during_seconds",
			                       json_object_new_double(ws.worst_lag_s));
			json_object_object_add(m, "samples",
			                       json_object_new_int64((int64_t)ws.lag_samples));
		}
	}
	lua_settop(L, 1);
	return m;
}

/* ok, worst = check.lag{max = "16MB", within = "30s"}: every standby's replay lag (as the
 * primary sees it) at or under max. */
static int c_lag(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "check.lag");
	int64_t within =
	    opt_duration_field(L, 1, "within", rt->lab->objectives.recovery_within, "check.lag");
	const char *max_s = opt_string_field(L, 1, "max", NULL, "check.lag");
	uint64_t max = rt->lab->objectives.max_lag;
	long long deadline = proc_now_ms() + within, worst;
	char fig[256];
	bool ok;

	if (max_s && units_parse_size(max_s, &max) < 0)
		return luaL_error(L,
		                  "bad argument #1 to 'check.lag' (field 'max': size expected, "
		                  "like \"16MB\", got \"%s\")",
		                  max_s);
	for (;;) {
		struct lab_status st;
		size_t i;
		int standbys = 0, seen = 0;

		status_collect_views(rt, &st, false);
		worst = 0;
		for (i = 0; i < st.count; i++) {
			if (st.hosts[i].host->def->role != ROLE_PRIMARY &&
			    st.hosts[i].host->def->role != ROLE_STANDBY)
				continue;
			if (st.hosts[i].in_recovery == 1) {
				standbys++;
				if (st.hosts[i].lag_bytes >= 0) {
					seen++;
					if (st.hosts[i].lag_bytes > worst)
						worst = st.hosts[i].lag_bytes;
				}
			}
		}
		status_free(&st);
		ok = standbys > 0 && seen == standbys && (uint64_t)worst <= max;
		if (ok || proc_now_ms() >= deadline)
			break;
		ctx_sleep_ms(L, 250);
	}
	snprintf(fig, sizeof(fig), "worst standby lag %lld bytes (max %llu)", (long long)worst,
	         (unsigned long long)max);
	if (lua_istable(L, 1) && lua_getfield(L, 1, "workload") != LUA_TNIL) {
		struct workload_stats ws;
		size_t used = strlen(fig);

		workload_stats(lua_workload_check(L, lua_gettop(L), "check.lag"), &ws);
		if (ws.worst_lag_bytes >= 0)
			snprintf(fig + used, sizeof(fig) - used,
			         "; during the drill at worst %lld bytes (%s) and %.3f s, in %zu "
			         "samples",
			         ws.worst_lag_bytes, ws.worst_lag_host, ws.worst_lag_s,
			         ws.lag_samples);
	}
	verdict(L, "lag", ok, fig, ok ? "" : "a standby is missing from pg_stat_replication or behind",
	        lag_measure(L, worst, max));
	lua_pushboolean(L, ok);
	lua_pushinteger(L, worst);
	return 2;
}

static const struct lab_listener *listener_named(lua_State *L, struct lab_rt *rt, const char *name,
                                                 const char *fn)
{
	const struct lab_listener *l = lab_listener_by_name(rt->lab, name);

	if (!l)
		luaL_error(L, "%s: lab '%s' has no haproxy listener '%s'", fn, rt->lab->name, name);
	return l;
}

/* One statement through a listener as the application; returns 0 or -1 with `err`. */
static int through(struct lab_rt *rt, const struct lab_listener *l, const char *sql, char *server,
                   size_t server_len, char *err, size_t err_len)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	PGconn *c = client_connect_app(rt, proxy->addr, l->port, 2);
	PGresult *r;
	int rc = -1;

	if (!c) {
		snprintf(err, err_len, "%s", error_last());
		error_clear();
		return -1;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		snprintf(err, err_len, "%s", PQerrorMessage(c));
	} else {
		r = pg_query_within(c, sql, 10000);
		if (!r) {
			snprintf(err, err_len, "%s", error_last());
			error_clear();
		} else if (PQresultStatus(r) == PGRES_TUPLES_OK ||
		           PQresultStatus(r) == PGRES_COMMAND_OK) {
			rc = 0;
			if (server && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
				snprintf(server, server_len, "%s", PQgetvalue(r, 0, 0));
		} else {
			snprintf(err, err_len, "%s", PQresultErrorMessage(r));
		}
		PQclear(r);
	}
	err[strcspn(err, "\n")] = '\0';
	PQfinish(c);
	return rc;
}

/* ok, server_or_error = check.client(listener, sql): what an application sees through
 * a listener right now (not a verdict). */
static int c_client(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "check.client");
	const struct lab_listener *l =
	    listener_named(L, rt, luaL_checkstring(L, 1), "check.client");
	const char *sql = luaL_optstring(L, 2, "SELECT host(inet_server_addr())");
	char server[64] = "", err[512] = "";

	if (through(rt, l, sql, server, sizeof(server), err, sizeof(err)) == 0) {
		lua_pushboolean(L, 1);
		lua_pushstring(L, server);
	} else {
		lua_pushboolean(L, 0);
		lua_pushstring(L, err);
	}
	return 2;
}

#define WRITES_METHOD                                                                              \
	"from the check's start until a write through the listener commits"

/* ok = check.writes{listener = "write_tcp", within = "30s"}: a write commits through the
 * listener within the deadline; the figure is how long that took. */
static int c_writes(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "check.writes");
	const char *name = opt_string_field(L, 1, "listener", NULL, "check.writes");
	int64_t within =
	    opt_duration_field(L, 1, "within", rt->lab->objectives.rto, "check.writes");
	long long t0 = proc_now_ms(), deadline = t0 + within;
	const struct lab_listener *l;
	char server[64] = "", err[512] = "", fig[160];
	bool ok = false;
	size_t i;

	if (!name) {
		for (i = 0; i < rt->lab->haproxy.listeners.count && !name; i++)
			if (LAB_LISTENER(rt->lab, i)->target == TARGET_PRIMARY)
				name = LAB_LISTENER(rt->lab, i)->name;
		if (!name)
			return luaL_error(L, "check.writes: the lab has no write listener");
	}
	l = listener_named(L, rt, name, "check.writes");
	for (;;) {
		ok = through(rt, l,
		             "CREATE TABLE IF NOT EXISTS pgdrill_probe (at timestamptz DEFAULT "
		             "now(), server inet DEFAULT inet_server_addr());"
		             "INSERT INTO pgdrill_probe DEFAULT VALUES RETURNING host(server)",
		             server, sizeof(server), err, sizeof(err)) == 0;
		if (ok || proc_now_ms() >= deadline)
			break;
		ctx_sleep_ms(L, 100);
	}
	if (ok) {
		snprintf(fig, sizeof(fig), "writes through %s commit (on %s) after %.2f s", name,
		         server, (double)(proc_now_ms() - t0) / 1000.0);
		verdict(L, "writes", ok, fig, "",
		        waited(ctx_get(L), t0, within, WRITES_METHOD));
	} else {
		struct strbuf why = {0};

		snprintf(fig, sizeof(fig), "no write through %s within %.1f s", name,
		         (double)within / 1000.0);
		strbuf_printf(&why, "%s; ", err);
		diagnose_writes(rt, l, &why);
		verdict(L, "writes", ok, fig, strbuf_str(&why),
		        waited(ctx_get(L), t0, within, WRITES_METHOD));
		strbuf_free(&why);
	}
	lua_pushboolean(L, ok);
	return 1;
}

/* statuses = check.routing(listener): {server = "UP" | "DOWN" | ...} from haproxy. */
static int c_routing(lua_State *L)
{
	struct lab_rt *rt = ctx_rt(L, "check.routing");
	const struct lab_listener *l =
	    listener_named(L, rt, luaL_checkstring(L, 1), "check.routing");
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	char *csv = NULL;
	size_t i;

	if (haproxy_stats(rt, proxy, &csv) < 0) {
		lua_pushnil(L);
		lua_pushstring(L, error_last());
		error_clear();
		return 2;
	}
	lua_newtable(L);
	for (i = 0; i < rt->nhosts; i++) {
		char *st = haproxy_server_status(csv, l->name, rt->hosts[i].def->name);

		if (st) {
			lua_pushstring(L, st);
			lua_setfield(L, -2, rt->hosts[i].def->name);
			free(st);
		}
	}
	free(csv);
	return 1;
}

/* rows = check.restored(sql [, {db=, within=}]): a query on the server the active
 * fault.barman_restore started (on a spare host or on the barman host), once it has
 * finished recovery; or nil, message. */
static int c_restored(lua_State *L)
{
	struct drill_ctx *ctx = ctx_get(L);
	struct lab_rt *rt = ctx_rt(L, "check.restored");
	const char *sql = luaL_checkstring(L, 1);
	const char *db =
	    opt_string_field(L, 2, "db", rt->lab->credentials.app_database, "check.restored");
	int64_t within = opt_duration_field(L, 2, "within", 60000, "check.restored");
	long long deadline = proc_now_ms() + within;
	const char *sock_rel = NULL;
	long port = 0;
	const struct lab_host_rt *h = fault_restored_server(&ctx->faults, &sock_rel, &port);
	PGconn *c = NULL;
	PGresult *r;
	int k;

	if (!h)
		return luaL_error(L,
		                  "check.restored: no restored server: call fault.barman_restore "
		                  "first");
	if (rt->ops->admin_over_network && h->def->role != ROLE_SPARE)
		return luaL_error(L, "check.restored: a restore beside barman listens on loopback "
		                     "only, which pgdrill cannot reach on hosts it did not build: "
		                     "give the lab a spare host");
	for (;;) {
		c = pg_connect_node(rt, h, sock_rel, port, db, 2);
		error_clear();
		if (c) {
			r = pg_query_within(c, "SELECT pg_is_in_recovery()", 2000);
			error_clear();
			if (PQresultStatus(r) == PGRES_TUPLES_OK && PQgetvalue(r, 0, 0)[0] == 'f') {
				PQclear(r);
				break;
			}
			PQclear(r);
		}
		PQfinish(c);
		c = NULL;
		if (proc_now_ms() >= deadline)
			break;
		ctx_sleep_ms(L, 200);
	}
	if (!c) {
		lua_pushnil(L);
		lua_pushstring(L, "the restored server did not finish recovery in time (see "
		                  "restored-postgres.log in the host's log directory)");
		return 2;
	}
	k = lua_push_query(L, c, sql);
	PQfinish(c);
	return k;
}

int luaopen_pgdrill_check(lua_State *L)
{
	static const luaL_Reg fns[] = {
	    {"that", c_that},         {"healthy", c_healthy},
	    {"recovery", c_recovery}, {"new_primary", c_new_primary},
	    {"lag", c_lag},           {"writes", c_writes},
	    {"client", c_client},     {"routing", c_routing},
	    {"restored", c_restored}, {NULL, NULL},
	};

	luaL_newlib(L, fns);
	lua_check_workload_register(L);
	lua_check_backups_register(L);
	return 1;
}
