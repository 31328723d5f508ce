/* What barman can restore: its base backups and its WAL archive, read from barman's own
 * catalogue (each backup's backup.info and the archive's xlog.db), turned into recoverable
 * windows ("point-in-time recovery possible from T1 to T2") and the gaps between them.
 *
 * A WAL segment counts when barman archived it whole; a .partial file (the end of an old
 * timeline, or what receive-wal streams now) does not. The archive is continuous when
 * every segment from the oldest backup's first to the newest archived one is there, on
 * whichever timeline. */
#ifndef PGDRILL_ROLES_BARMAN_ARCHIVE_H
#define PGDRILL_ROLES_BARMAN_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "provider/provider.h"

struct barman_backup {
	char id[32];
	double usable_to; /* the end of its recoverable window; 0: its own WAL is incomplete */
	unsigned long long begin_seg, end_seg; /* WAL segment numbers, timeline left out */
	double begin_time, end_time;           /* seconds since the epoch */
};

/* Segments first..last are missing from the archive. */
struct barman_gap {
	unsigned long long first, last;
	char before[32], after[32]; /* the archived segments around it, by name */
};

/* Any target time in [from, to] restores from `backup` with the archived WAL. */
struct barman_window {
	double from, to;
	char backup[32];
};

struct barman_archive {
	struct barman_backup *backups; /* status DONE, oldest first */
	size_t nbackups;
	struct barman_gap *gaps;
	size_t ngaps;
	struct barman_window *windows;
	size_t nwindows;
	unsigned long long last_seg; /* the newest archived segment (valid when have_wal) */
	char last_wal[32];
	double last_wal_time;
	bool have_wal;
	unsigned long long seg_size; /* bytes per WAL segment (backup.info says; else 16 MB) */
};

/* From the text of xlog.db and of each backup's backup.info, named by the backup's id
 * (pure: for tests). A backup whose status is not DONE is left out. -1 with the error set
 * when a text does not parse. */
int barman_archive_parse(struct barman_archive *a, const char *xlogdb, const char *const *ids,
                         const char *const *backup_infos, size_t ninfos);
/* Reads the catalogue of the lab's barman server on host b. */
int barman_archive_read(const struct lab_rt *rt, const struct lab_host_rt *b,
                        struct barman_archive *a);
void barman_archive_free(struct barman_archive *a);

/* One line: "3 backups, newest 20261127T202434 (12 s old); PITR possible from ... to ...;
 * WAL missing from ... to ..." (owned). `now` dates the newest backup. */
char *barman_archive_describe(const struct barman_archive *a, double now);
/* The backup to restore for target time t: the newest one that ended by t and whose WAL
 * reaches t without a gap; NULL when t is in no recoverable window. */
const struct barman_backup *barman_archive_backup_for(const struct barman_archive *a, double t);

/* The segment number of a WAL file name (24 hex digits: timeline, log, segment) for the
 * given segment size; -1 when it is not one. */
int barman_wal_segno(const char *name, unsigned long long seg_size, unsigned long long *segno);
/* "YYYY-MM-DD HH:MM:SS[.frac][+HH[:MM]|-HH[:MM]|Z| UTC]" (PostgreSQL's and barman's
 * timestamps) to seconds since the epoch; -1 when it is not one. */
int barman_parse_time(const char *text, double *out);

#endif
