/* The audit's rules over what saves the day when every node is lost: barman's own check,
 * the age of its newest backup against the lab's objective, the WAL archive from the
 * oldest backup to now. */
#include "audit/audit_rules.h"

#include <stdlib.h>
#include <string.h>

#include "roles/backups.h"
#include "util/error.h"

static void backup_findings(const struct lab_rt *rt, const struct lab_host_rt *b,
                            const struct backups_report *r, struct audit *a)
{
	double max_age = (double)rt->lab->objectives.backup_age / 1000.0;
	const char *host = b->def->name;
	char *where;

	if (*r->check_failed) {
		where = xasprintf("%s: barman check: %s", host, r->check_failed);
		audit_add(a, AUDIT_HIGH, "barman-check", "barman's own check fails", where,
		          "the next backup or WAL archiving may not happen; a restore may not be "
		          "possible when it is needed",
		          "run `barman check` on the barman host and fix each FAILED line");
		free(where);
	}
	if (r->backups == 0) {
		where = xasprintf("%s: barman list-backups: no backup", host);
		audit_add(a, AUDIT_HIGH, "backup-age", "barman holds no backup", where,
		          "losing every node loses the data", "barman backup pg, and schedule it");
		free(where);
	} else if (r->newest_age_s > max_age) {
		char *title = xasprintf("the newest backup is %.0f h old, the objective %.0f h",
		                        r->newest_age_s / 3600.0, max_age / 3600.0);

		where = xasprintf("%s: barman's newest backup ended %.0f s ago; objectives.backup_age "
		                  "%.0f s",
		                  host, r->newest_age_s, max_age);
		audit_add(a, AUDIT_WARNING, "backup-age", title, where,
		          "a restore replays every WAL segment since that backup: it takes longer "
		          "the older the backup",
		          "schedule barman backup more often (cron), or an objective it meets");
		free(title);
		free(where);
	}
	if (*r->first_gap) {
		where = xasprintf("%s: WAL missing from barman's archive %s", host, r->first_gap);
		audit_add(a, AUDIT_HIGH, "barman-wal-gap", "barman's WAL archive has a gap", where,
		          "a restore from a backup before the gap stops at it: every write after is "
		          "lost to point-in-time recovery",
		          "take a new backup now (barman backup pg); find why WAL went missing "
		          "(barman check, the archiver's log)");
		free(where);
	}
	if (*r->behind) {
		where = xasprintf("%s: %s", host, r->behind);
		audit_add(a, AUDIT_HIGH, "barman-archive-behind", "WAL no longer reaches barman",
		          where, "a restore ends where the archive ends",
		          "barman check; barman receive-wal pg (is streaming running?); barman cron");
		free(where);
	}
}

static void backup_rules(struct lab_rt *rt, struct audit *a)
{
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);
	struct backups_report r;

	if (!b) {
		audit_add(a, AUDIT_WARNING, "backup-none", "no barman host: no backup", "lab file: "
		          "no host with role barman",
		          "losing every node, or a table dropped by mistake, cannot be undone",
		          "add a barman host (role: barman) and drill its restore "
		          "(scenarios/barman_restore.lua)");
		return;
	}
	if (backups_assess(rt, (double)rt->lab->objectives.backup_age / 1000.0, &r) < 0) {
		audit_skip(a, "backups", error_last());
		error_clear();
		return;
	}
	backup_findings(rt, b, &r, a);
	backups_report_free(&r);
}

void audit_backup_rules(struct lab_rt *rt, struct audit *a)
{
	backup_rules(rt, a);
}
