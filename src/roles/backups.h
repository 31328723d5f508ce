/* Whether the lab's backups would save the day: barman's own check green, a backup recent
 * enough, and the WAL archive continuous from the oldest backup to the segment the primary
 * writes now (so that any point in time since the oldest backup restores). */
#ifndef PGDRILL_ROLES_BACKUPS_H
#define PGDRILL_ROLES_BACKUPS_H

#include <stdbool.h>

#include "provider/provider.h"

struct backups_report {
	bool ok;
	char *figure; /* owned: backups, their age, the recoverable windows */
	char *detail; /* owned: what is wrong, "" when nothing */
	size_t backups;
	double newest_age_s; /* -1 when there is no backup */
	size_t wal_gaps;
	/* The parts of `detail`, one by one, for the audit's separate findings; owned, ""
	 * when that part is fine. */
	char *check_failed; /* what `barman check` reported failing */
	char *first_gap;    /* "between A and B" */
	char *behind;       /* the archive stops short of what the primary writes */
};

/* -1 (error set) only when barman could not be asked at all; a bad answer is a report
 * with ok = false. */
int backups_assess(const struct lab_rt *rt, double max_age_s, struct backups_report *out);
void backups_report_free(struct backups_report *r);

#endif
