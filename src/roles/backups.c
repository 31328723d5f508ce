#include "roles/backups.h"

#include <stdlib.h>
#include <string.h>

#include "roles/barman.h"
#include "roles/barman_archive.h"
#include "roles/pg.h"
#include "roles/status.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

/* The WAL file the primary writes now, by name (owned), or NULL with the error set. */
static char *primary_wal_file(const struct lab_rt *rt)
{
	const struct lab_host_rt *p = status_current_primary(rt, NULL);
	PGconn *c;
	char *name = NULL;

	if (!p) {
		error_set("no primary");
		return NULL;
	}
	c = pg_admin_connect(rt, p, "postgres", 5);
	if (!c)
		return NULL;
	if (pg_value(p, c, "SELECT pg_walfile_name(pg_current_wal_lsn())", &name) < 0)
		name = NULL;
	PQfinish(c);
	return name;
}

int backups_assess(const struct lab_rt *rt, double max_age_s, struct backups_report *out)
{
	const struct lab_host_rt *b = lab_rt_by_role(rt, ROLE_BARMAN);
	struct barman_archive a;
	struct strbuf why = STRBUF_INIT;
	char *failed = NULL, *current;
	unsigned long long seg;
	bool green;
	double now = proc_wall_time();

	memset(out, 0, sizeof(*out));
	if (!b)
		return error_set("the lab has no barman host");
	if (barman_check(rt, b, &green, &failed) < 0)
		return -1;
	if (barman_archive_read(rt, b, &a) < 0) {
		free(failed);
		return -1;
	}
	if (!green)
		strbuf_printf(&why, "barman check: %s", failed);
	if (!a.nbackups)
		strbuf_printf(&why, "%sno backup", why.len ? "; " : "");
	else if (now - a.backups[a.nbackups - 1].end_time > max_age_s)
		strbuf_printf(&why, "%sthe newest backup is %.0f s old (at most %.0f s)",
		              why.len ? "; " : "", now - a.backups[a.nbackups - 1].end_time,
		              max_age_s);
	out->first_gap = a.ngaps ? xasprintf("between %s and %s%s", a.gaps[0].before,
	                                     a.gaps[0].after, a.ngaps > 1 ? " (and more gaps)" : "")
	                         : xstrdup("");
	if (a.ngaps)
		strbuf_printf(&why, "%sWAL missing from the archive %s", why.len ? "; " : "",
		              out->first_gap);
	/* The segment before the one the primary writes is complete: barman has it within a
	 * cron cycle. Anything older missing means streaming has stopped. */
	current = primary_wal_file(rt);
	if (!current) {
		strbuf_printf(&why, "%sthe primary's WAL position is unknown: %s", why.len ? "; " : "",
		              error_last());
		error_clear();
	} else if (barman_wal_segno(current, a.seg_size, &seg) == 0 &&
	           (!a.have_wal || seg > a.last_seg + 2)) {
		out->behind = xasprintf("barman's archive ends at %s, the primary writes %s: the WAL "
		                        "between has not reached barman",
		                        a.have_wal ? a.last_wal : "(nothing)", current);
		strbuf_printf(&why, "%s%s", why.len ? "; " : "", out->behind);
	}
	if (!out->behind)
		out->behind = xstrdup("");
	out->check_failed = xstrdup(green ? "" : failed ? failed : "?");
	out->ok = why.len == 0;
	out->backups = a.nbackups;
	out->newest_age_s = a.nbackups ? now - a.backups[a.nbackups - 1].end_time : -1;
	out->wal_gaps = a.ngaps;
	out->figure = barman_archive_describe(&a, now);
	out->detail = strbuf_detach(&why);
	free(current);
	free(failed);
	barman_archive_free(&a);
	return 0;
}

void backups_report_free(struct backups_report *r)
{
	free(r->figure);
	free(r->detail);
	free(r->check_failed);
	free(r->first_gap);
	free(r->behind);
	memset(r, 0, sizeof(*r));
}
