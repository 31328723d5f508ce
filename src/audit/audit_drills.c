/* The audit's rules over what the team drilled: the run directories `pgdrill run` left in
 * the runs directory. A backup nobody restored is a hope, not a backup. */
#include "audit/audit_rules.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "journal/journal.h"
#include "util/error.h"

/* Whether the run's journal has a scenario that passed and restored from barman. */
static bool restored_in(const char *dir, const char *name, double *started)
{
	char *path = xasprintf("%s/%s/journal.json", dir, name);
	json_object *root = json_object_from_file(path), *scenarios, *v;
	bool yes = false;
	size_t i, k;

	free(path);
	if (!root || !json_object_object_get_ex(root, "scenarios", &scenarios) ||
	    !json_object_is_type(scenarios, json_type_array))
		goto out;
	for (i = 0; i < json_object_array_length(scenarios) && !yes; i++) {
		json_object *s = json_object_array_get_idx(scenarios, i), *events;

		if (!json_object_object_get_ex(s, "outcome", &v) ||
		    strcmp(json_object_get_string(v), "passed") != 0 ||
		    !json_object_object_get_ex(s, "events", &events) ||
		    !json_object_is_type(events, json_type_array))
			continue;
		for (k = 0; k < json_object_array_length(events) && !yes; k++) {
			json_object *e = json_object_array_get_idx(events, k), *data, *fault;

			yes = json_object_object_get_ex(e, "kind", &v) &&
			      strcmp(json_object_get_string(v), "fault") == 0 &&
			      json_object_object_get_ex(e, "data", &data) &&
			      json_object_object_get_ex(data, "fault", &fault) &&
			      strcmp(json_object_get_string(fault), "barman_restore") == 0;
		}
	}
	if (yes && json_object_object_get_ex(root, "started_unix", &v))
		*started = json_object_get_double(v);
out:
	json_object_put(root);
	return yes;
}

void audit_drill_rules(struct lab_rt *rt, const char *runs_dir, struct audit *a)
{
	char **names, *where;
	size_t n, i, seen = 0;
	double started = 0;

	if (!lab_rt_by_role(rt, ROLE_BARMAN))
		return; /* backup-none says it */
	if (journal_list_runs(runs_dir, rt->lab->name, &names, &n) < 0) {
		error_clear();
		names = NULL;
		n = 0;
	}
	for (i = n; i > 0 && seen < AUDIT_RESTORE_LOOKBACK_RUNS; i--, seen++)
		if (restored_in(runs_dir, names[i - 1], &started)) {
			journal_runs_free(names, n);
			return;
		}
	journal_runs_free(names, n);
	where = n ? xasprintf("%s: none of the newest %zu runs of lab %s restored from barman and "
	                      "passed",
	                      runs_dir, seen, rt->lab->name)
	          : xasprintf("%s: no run of lab %s", runs_dir, rt->lab->name);
	audit_add(a, AUDIT_WARNING, "restore-untested", "no restore from barman was drilled",
	          where,
	          "nobody knows whether the backups restore, or how long it takes, until the day "
	          "they must",
	          "pgdrill run LAB scenarios/barman_restore.lua, on a schedule (docs/ci.md); "
	          "--runs-dir tells the audit where the runs are");
	free(where);
}
