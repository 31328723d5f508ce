/* check.backups: barman's backups and WAL archive, as a verdict (roles/backups.c). */
#include <stdio.h>

#include "lua/context.h"
#include "roles/backups.h"
#include "util/error.h"
#include "util/proc.h"

/* ok, figure = check.backups{max_age = objectives.backup_age, within = "60s"}: barman check green, the
 * newest backup at most max_age old, the WAL archive continuous from the oldest backup to
 * what the primary writes now; waited for up to `within` (barman archives a streamed
 * segment within a cron cycle). */
static int k_backups(lua_State *L)
{
	struct drill_ctx *c = ctx_get(L);
	struct lab_rt *rt = ctx_rt(L, "check.backups");
	int64_t max_age = opt_duration_field(L, 1, "max_age", rt->lab->objectives.backup_age,
	                                     "check.backups");
	int64_t within = opt_duration_field(L, 1, "within", 60000, "check.backups");
	long long deadline = proc_now_ms() + within;
	struct backups_report r;

	for (;;) {
		if (backups_assess(rt, (double)max_age / 1000.0, &r) < 0) {
			lua_pushfstring(L, "check.backups: %s", error_last());
			error_clear();
			return lua_error(L);
		}
		if (r.ok || proc_now_ms() >= deadline)
			break;
		backups_report_free(&r);
		ctx_sleep_ms(L, 2000);
	}
	if (c->j) {
		json_object *m = journal_measure(r.newest_age_s, "s", (double)max_age / 1000.0,
		                                 "the age of barman's newest backup; the check also "
		                                 "needs barman check green and no WAL gap");

		json_object_object_add(m, "backups", json_object_new_int64((int64_t)r.backups));
		json_object_object_add(m, "wal_gaps", json_object_new_int64((int64_t)r.wal_gaps));
		journal_check(c->j, "backups", r.ok, r.figure, r.detail, m);
	}
	lua_pushboolean(L, r.ok);
	lua_pushstring(L, r.figure);
	backups_report_free(&r);
	return 2;
}

void lua_check_backups_register(lua_State *L)
{
	static const luaL_Reg fns[] = {
	    {"backups", k_backups},
	    {NULL, NULL},
	};

	luaL_setfuncs(L, fns, 0);
}
