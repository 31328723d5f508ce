/* barman's catalogue read as recoverable windows and gaps: xlog.db and backup.info texts
 * shaped like barman 3.4 writes them (taken from a lab's barman host, shortened). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "roles/barman_archive.h"
#include "util/error.h"

/* 2026-11-27 20:00:00 UTC */
#define T0 1795809600.0

static char *info(const char *begin_wal, const char *end_wal, const char *begin, const char *end,
                  const char *status)
{
	char *s = malloc(1024);

	snprintf(s, 1024,
	         "backup_label='START WAL LOCATION: 0/15000028'\nbegin_offset=40\n"
	         "begin_time=%s\nbegin_wal=%s\ncompression=None\nend_time=%s\nend_wal=%s\n"
	         "status=%s\ntimeline=5\nxlog_segment_size=16777216\n",
	         begin, begin_wal, end, end_wal, status);
	return s;
}

static void test_names_and_times(void **state)
{
	unsigned long long n;
	double t;

	(void)state;
	assert_int_equal(barman_wal_segno("000000050000000000000015", 16 << 20, &n), 0);
	assert_int_equal(n, 0x15);
	assert_int_equal(barman_wal_segno("0000000500000001000000FF", 16 << 20, &n), 0);
	assert_int_equal(n, 256 + 255);
	/* Segment 0x100 does not exist with 16 MB segments. */
	assert_int_equal(barman_wal_segno("000000050000000100000100", 16 << 20, &n), -1);
	assert_int_equal(barman_wal_segno("00000005.history", 16 << 20, &n), -1);
	assert_int_equal(barman_wal_segno("00000005000000000000001B.partial", 16 << 20, &n), -1);
	assert_int_equal(barman_parse_time("2026-11-27 20:00:00+00:00", &t), 0);
	assert_true(t == T0);
	assert_int_equal(barman_parse_time("2026-11-27 21:00:00.5+01", &t), 0);
	assert_true(t == T0 + 0.5);
	assert_int_equal(barman_parse_time("2026-11-27 20:00:00 UTC", &t), 0);
	assert_true(t == T0);
	assert_int_equal(barman_parse_time("2026-11-27 19:30:00-00:30", &t), 0);
	assert_true(t == T0);
	assert_int_equal(barman_parse_time("2026-11-27", &t), -1);
	assert_int_equal(barman_parse_time("2026-13-27 20:00:00", &t), -1);
	assert_int_equal(barman_parse_time("2026-11-27 20:00:00; DROP", &t), -1);
}

/* A failover that barman followed without losing a segment: TL 5 up to 0x18 (partial),
 * TL 6 from 0x18 on. One window from the backup's end to the newest segment. */
static void test_continuous_across_timelines(void **state)
{
	const char *xlogdb = "00000005.history\t169\t1795809600.0\tNone\n"
	                     "000000050000000000000015\t16777216\t1795809610.0\tNone\n"
	                     "000000050000000000000016\t16777216\t1795809620.0\tNone\n"
	                     "000000050000000000000017\t16777216\t1795809630.0\tNone\n"
	                     "00000006.history\t212\t1795809640.0\tNone\n"
	                     "000000050000000000000018.partial\t16777216\t1795809640.0\tNone\n"
	                     "000000060000000000000018\t16777216\t1795809650.0\tNone\n"
	                     "000000060000000000000019\t16777216\t1795809660.0\tNone\n";
	const char *ids[] = {"20261127T200000"};
	char *infos[] = {info("000000050000000000000015", "000000050000000000000015",
	                      "2026-11-27 20:00:01+00:00", "2026-11-27 20:00:05+00:00", "DONE")};
	struct barman_archive a;
	char *d;

	(void)state;
	assert_int_equal(barman_archive_parse(&a, xlogdb, ids, (const char *const *)infos, 1), 0);
	assert_int_equal(a.nbackups, 1);
	assert_int_equal(a.ngaps, 0);
	assert_int_equal(a.nwindows, 1);
	assert_true(a.windows[0].from == T0 + 5);
	assert_true(a.windows[0].to == T0 + 60);
	assert_string_equal(a.last_wal, "000000060000000000000019");
	assert_non_null(barman_archive_backup_for(&a, T0 + 30));
	assert_null(barman_archive_backup_for(&a, T0 + 2)); /* before the backup ended */
	assert_null(barman_archive_backup_for(&a, T0 + 61)); /* not archived yet */
	d = barman_archive_describe(&a, T0 + 65);
	assert_string_equal(d, "1 backup, newest 20261127T200000 (60 s old); PITR possible from "
	                       "2026-11-27 20:00:05 UTC to 2026-11-27 20:01:00 UTC; WAL archive "
	                       "continuous to 000000060000000000000019");
	free(d);
	barman_archive_free(&a);
	free(infos[0]);
}

/* receive-wal reset after a failover once the new primary had moved on: 0x1A and 0x1B
 * never reached barman. The old backup restores up to 0x19; only a backup taken after the
 * gap covers what follows; a failed backup counts for nothing. */
static void test_gap_splits_windows(void **state)
{
	const char *xlogdb = "000000050000000000000015\t16777216\t1795809610.0\tNone\n"
	                     "000000050000000000000016\t16777216\t1795809620.0\tNone\n"
	                     "000000060000000000000019\t16777216\t1795809630.0\tNone\n"
	                     "00000005000000000000001C.partial\t16777216\t1795809640.0\tNone\n"
	                     "00000006000000000000001C\t16777216\t1795809650.0\tNone\n"
	                     "00000006000000000000001D\t16777216\t1795809700.0\tNone\n"
	                     "00000006000000000000001E\t16777216\t1795809710.0\tNone\n";
	const char *ids[] = {"20261127T200000", "20261127T200100", "20261127T200200"};
	char *infos[] = {info("000000050000000000000015", "000000050000000000000015",
	                      "2026-11-27 20:00:01+00:00", "2026-11-27 20:00:05+00:00", "DONE"),
	                 info("00000006000000000000001D", "00000006000000000000001D",
	                      "2026-11-27 20:01:35+00:00", "2026-11-27 20:01:36+00:00", "DONE"),
	                 info("00000006000000000000001E", "00000006000000000000001E",
	                      "2026-11-27 20:01:45+00:00", "2026-11-27 20:01:46+00:00", "FAILED")};
	struct barman_archive a;
	const struct barman_backup *b;
	char *d;
	size_t i;

	(void)state;
	assert_int_equal(barman_archive_parse(&a, xlogdb, ids, (const char *const *)infos, 3), 0);
	assert_int_equal(a.nbackups, 2);
	assert_int_equal(a.ngaps, 2);
	assert_int_equal(a.gaps[0].first, 0x17);
	assert_int_equal(a.gaps[0].last, 0x18);
	assert_string_equal(a.gaps[0].before, "000000050000000000000016");
	assert_string_equal(a.gaps[0].after, "000000060000000000000019");
	assert_int_equal(a.gaps[1].first, 0x1A);
	assert_int_equal(a.gaps[1].last, 0x1B);
	/* The first run (0x15-0x16) restores from the old backup; 0x19 alone has no backup;
	 * 0x1C-0x1E from the new one. */
	assert_int_equal(a.nwindows, 2);
	assert_true(a.windows[0].to == T0 + 20);
	assert_string_equal(a.windows[1].backup, "20261127T200100");
	b = barman_archive_backup_for(&a, T0 + 15);
	assert_non_null(b);
	assert_string_equal(b->id, "20261127T200000");
	assert_null(barman_archive_backup_for(&a, T0 + 40)); /* inside the gap */
	b = barman_archive_backup_for(&a, T0 + 105);
	assert_non_null(b);
	assert_string_equal(b->id, "20261127T200100");
	d = barman_archive_describe(&a, T0 + 120);
	assert_non_null(strstr(d, "2 backups"));
	assert_non_null(strstr(d, "and from 2026-11-27 20:01:36 UTC to 2026-11-27 20:01:50 UTC"));
	assert_non_null(
	    strstr(d, "WAL missing between 000000050000000000000016 and 000000060000000000000019"));
	free(d);
	barman_archive_free(&a);
	for (i = 0; i < 3; i++)
		free(infos[i]);
}

/* No WAL at all under a backup, and a catalogue that does not parse. */
static void test_missing_and_broken(void **state)
{
	const char *ids[] = {"20261127T200000"};
	char *infos[] = {info("000000050000000000000015", "000000050000000000000015",
	                      "2026-11-27 20:00:01+00:00", "2026-11-27 20:00:05+00:00", "DONE")};
	char *broken = info("nonsense", "000000050000000000000015", "2026-11-27 20:00:01+00:00",
	                    "2026-11-27 20:00:05+00:00", "DONE");
	struct barman_archive a;
	char *d;

	(void)state;
	assert_int_equal(barman_archive_parse(&a, "", ids, (const char *const *)infos, 1), 0);
	assert_int_equal(a.ngaps, 1);
	assert_int_equal(a.nwindows, 0);
	d = barman_archive_describe(&a, T0 + 10);
	assert_non_null(strstr(d, "no point in time is recoverable"));
	free(d);
	barman_archive_free(&a);
	error_clear();
	assert_int_equal(barman_archive_parse(&a, "", ids, (const char *const *)&broken, 1), -1);
	assert_non_null(strstr(error_last(), "does not say where its WAL begins"));
	error_clear();
	assert_int_equal(barman_archive_parse(&a, "000000050000000000000015\t1\tsoon\tNone\n", ids,
	                                      (const char *const *)infos, 1),
	                 -1);
	assert_non_null(strstr(error_last(), "no archive time"));
	error_clear();
	free(infos[0]);
	free(broken);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_and_times),
	    cmocka_unit_test(test_continuous_across_timelines),
	    cmocka_unit_test(test_gap_splits_windows),
	    cmocka_unit_test(test_missing_and_broken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
