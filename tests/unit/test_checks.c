/* The checkers on hand-built histories: each case is a story a drill can tell. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/checks.h"

#define A 0x0ad5000bu /* 10.213.0.11 */
#define B 0x0ad5000cu /* 10.213.0.12 */
#define MS 1000LL
#define S 1000000LL

static int64_t next_id;

static void op(struct history *h, int kind, int64_t start, int64_t end, int outcome,
               uint32_t server, int tl, const char *error)
{
	struct op_record r = {.start_us = start,
	                      .end_us = end,
	                      .id = ++next_id,
	                      .server = server,
	                      .timeline = tl,
	                      .kind = (uint8_t)kind,
	                      .outcome = (uint8_t)outcome};

	if (error)
		snprintf(r.error, sizeof(r.error), "%s", error);
	history_add(h, &r, error ? "message for the error" : NULL);
}

/* Writes every 10 ms in [from, to) on one server, each taking 1 ms. */
static void writes(struct history *h, int64_t from, int64_t to, uint32_t server, int tl)
{
	int64_t t;

	for (t = from; t < to; t += 10 * MS)
		op(h, OP_WRITE, t, t + MS, OP_OK, server, tl, NULL);
}

/* The ids of every ok (and optionally indeterminate) write, sorted. */
static int64_t *ids_of(const struct history *h, bool with_indeterminate, size_t *n)
{
	int64_t *ids = malloc((h->count + 1) * sizeof(*ids));
	size_t i;

	*n = 0;
	for (i = 0; i < h->count; i++)
		if (h->ops[i].kind == OP_WRITE &&
		    (h->ops[i].outcome == OP_OK ||
		     (with_indeterminate && h->ops[i].outcome == OP_INDETERMINATE)))
			ids[(*n)++] = h->ops[i].id;
	return ids; /* ids grow with time: already ascending */
}

/* A primary on A dies at 10 s; writes fail 100 ms apart until B answers at 12.5 s. */
static void clean_failover(struct history *h)
{
	int64_t t;

	writes(h, 0, 10 * S, A, 1);
	op(h, OP_WRITE, 10 * S, 10 * S + 5 * MS, OP_INDETERMINATE, 0, 0, "lost");
	for (t = 10 * S + 100 * MS; t < 12500 * MS; t += 100 * MS)
		op(h, OP_WRITE, t, t + MS, OP_FAILED, 0, 0, "conn");
	writes(h, 12500 * MS, 20 * S, B, 2);
	op(h, OP_READ, 5 * S, 5 * S + MS, OP_OK, B, 1, NULL);
	op(h, OP_READ, 15 * S, 15 * S + MS, OP_OK, B, 2, NULL);
}

static void test_clean_failover(void **state)
{
	struct history h = {0};
	struct verdict v;
	struct split_brain sb;
	struct lost_writes lw;
	struct continuity c;
	int64_t *ids;
	size_t n;

	(void)state;
	clean_failover(&h);
	check_rto_verdict(&h, 10 * S, 10 * S, &v);
	assert_true(v.passed);
	/* Last ok ended at 9.991 s, first ok again at 12.501 s. */
	assert_non_null(strstr(v.figure, "writes unavailable 2.510 s"));
	assert_non_null(strstr(v.figure, "reads 10.000 s"));
	check_split_brain(&h, &sb);
	assert_false(sb.found);
	assert_int_equal(sb.nspans, 2);
	ids = ids_of(&h, false, &n);
	check_lost_writes(&h, ids, n, &lw);
	assert_int_equal(lw.lost, 0);
	assert_int_equal(lw.acked, 1750);
	assert_int_equal(lw.indeterminate, 1);
	assert_int_equal(lw.indeterminate_present, 0);
	check_lost_verdict(&lw, 0, &v);
	assert_true(v.passed);
	lost_writes_free(&lw);
	free(ids);
	check_continuity(&h, &c);
	assert_int_equal(c.ops[OP_WRITE][OP_OK], 1750);
	assert_int_equal(c.ops[OP_WRITE][OP_FAILED], 24);
	assert_int_equal(c.ops[OP_WRITE][OP_INDETERMINATE], 1);
	assert_int_equal(c.write_gap.failed_inside, 25);
	assert_true(c.p50_us == MS && c.max_us == MS);
	check_continuity_verdict(&h, &c, 3 * S, &v);
	assert_true(v.passed);
	assert_non_null(strstr(v.detail, "conn x24"));
	check_continuity_verdict(&h, &c, 2 * S, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.detail, "could not write from 9.991 s to 12.501 s"));
	history_free(&h);
}

static void test_lost_acknowledged_write(void **state)
{
	struct history h = {0};
	struct lost_writes lw;
	struct verdict v;
	int64_t *ids, gone;
	size_t n, i;

	(void)state;
	clean_failover(&h);
	ids = ids_of(&h, false, &n);
	/* The new primary lacks the last two writes A acknowledged before it died. */
	gone = ids[998];
	for (i = 998; i + 2 < n; i++)
		ids[i] = ids[i + 2];
	check_lost_writes(&h, ids, n - 2, &lw);
	assert_int_equal(lw.lost, 2);
	assert_true(lw.lost_ids[0] == gone && lw.lost_ids[1] == gone + 1);
	assert_true(lw.window_us == 10 * MS + MS);
	check_lost_verdict(&lw, 0, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.figure, "2 of 1750 acknowledged writes lost"));
	{
		char want[64];

		snprintf(want, sizeof(want), "lost ids: %lld %lld", (long long)gone,
		         (long long)gone + 1);
		assert_non_null(strstr(v.detail, want));
	}
	/* An RPO of 11 ms tolerates exactly this loss; 10 ms does not. */
	check_lost_verdict(&lw, 11 * MS, &v);
	assert_true(v.passed);
	check_lost_verdict(&lw, 10 * MS, &v);
	assert_false(v.passed);
	lost_writes_free(&lw);
	free(ids);
	history_free(&h);
}

static void test_indeterminate_write_that_appears(void **state)
{
	struct history h = {0};
	struct lost_writes lw;
	struct verdict v;
	int64_t *ids;
	size_t n;

	(void)state;
	clean_failover(&h);
	ids = ids_of(&h, true, &n); /* the unanswered write did commit */
	check_lost_writes(&h, ids, n, &lw);
	assert_int_equal(lw.lost, 0);
	assert_int_equal(lw.indeterminate, 1);
	assert_int_equal(lw.indeterminate_present, 1);
	check_lost_verdict(&lw, 0, &v);
	assert_true(v.passed);
	assert_non_null(strstr(v.figure, "1 indeterminate (1 of them committed)"));
	lost_writes_free(&lw);
	free(ids);
	history_free(&h);
}

static void test_failed_write_that_appears(void **state)
{
	struct history h = {0};
	struct lost_writes lw;
	struct verdict v;
	int64_t present[1];

	(void)state;
	op(&h, OP_WRITE, 0, MS, OP_FAILED, A, 1, "57014");
	present[0] = next_id;
	check_lost_writes(&h, present, 1, &lw);
	assert_int_equal(lw.failed_present, 1);
	check_lost_verdict(&lw, 0, &v);
	assert_non_null(strstr(v.detail, "1 writes reported as failed were committed"));
	lost_writes_free(&lw);
	history_free(&h);
}

static void test_two_overlapping_primaries(void **state)
{
	struct history h = {0};
	struct split_brain sb;
	struct verdict v;

	(void)state;
	writes(&h, 0, 10 * S, A, 1);
	writes(&h, 8 * S + 5 * MS, 20 * S, B, 2); /* B promoted while A still takes writes */
	check_split_brain(&h, &sb);
	assert_true(sb.found);
	assert_false(sb.same_timeline);
	assert_true(sb.a.server == A && sb.b.server == B);
	assert_int_equal(sb.a_writes_after, 199); /* A's writes from 8.01 s to 9.99 s */
	check_split_brain_verdict(&sb, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.figure, "10.213.0.11 (timeline 1) and 10.213.0.12 (timeline 2)"));
	assert_non_null(strstr(v.detail, "199 of 10.213.0.11's writes started after"));
	history_free(&h);
}

static void test_same_timeline_on_two_servers(void **state)
{
	struct history h = {0};
	struct split_brain sb;
	struct verdict v;

	(void)state;
	writes(&h, 0, 5 * S, A, 2);
	writes(&h, 6 * S, 10 * S, B, 2); /* not at once, but a diverged history */
	check_split_brain(&h, &sb);
	assert_true(sb.found && sb.same_timeline);
	check_split_brain_verdict(&sb, &v);
	assert_non_null(strstr(v.figure, "both acknowledged writes on timeline 2"));
	history_free(&h);
}

static void test_switch_back_is_not_split_brain(void **state)
{
	struct history h = {0};
	struct split_brain sb;

	(void)state;
	writes(&h, 0, 5 * S, A, 1);
	writes(&h, 6 * S, 10 * S, B, 2);
	writes(&h, 11 * S, 15 * S, A, 3); /* switched back: a new timeline */
	check_split_brain(&h, &sb);
	assert_false(sb.found);
	assert_int_equal(sb.nspans, 3);
	history_free(&h);
}

static void test_gap_exactly_at_the_objective(void **state)
{
	struct history h = {0};
	struct verdict v;

	(void)state;
	op(&h, OP_WRITE, 0, 2 * S, OP_OK, A, 1, NULL);
	op(&h, OP_WRITE, 2 * S + MS, 3 * S, OP_FAILED, 0, 0, "conn");
	op(&h, OP_WRITE, 6 * S, 7 * S, OP_OK, B, 2, NULL); /* gap: 2 s .. 7 s */
	check_rto_verdict(&h, 2500 * MS, 5 * S, &v);
	assert_true(v.passed);
	check_rto_verdict(&h, 2500 * MS, 5 * S - 1, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.detail, "1 attempts failed"));
	history_free(&h);
}

static void test_never_recovered(void **state)
{
	struct history h = {0};
	struct verdict v;

	(void)state;
	writes(&h, 0, S, A, 1);
	op(&h, OP_WRITE, 2 * S, 3 * S, OP_FAILED, 0, 0, "conn");
	check_rto_verdict(&h, 1500 * MS, 60 * S, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.figure, "at least 2.009 s"));
	assert_non_null(strstr(v.detail, "no write succeeded after the fault"));
	history_free(&h);
}

/* A short blip at the first fault, then a second fault after which writes never came
 * back: the RTO is the open gap, not the blip. */
static void test_second_fault_never_recovered(void **state)
{
	struct history h = {0};
	struct verdict v;
	struct continuity c;
	int64_t t;

	(void)state;
	writes(&h, 0, 2 * S, A, 1);
	op(&h, OP_WRITE, 2 * S, 2 * S + 19 * MS, OP_FAILED, 0, 0, "conn");
	writes(&h, 2030 * MS, 3 * S, A, 1);
	for (t = 3 * S; t < 50 * S; t += 100 * MS)
		op(&h, OP_WRITE, t, t + 2 * S, OP_INDETERMINATE, 0, 0, "lost");
	check_rto_verdict(&h, 2 * S, 60 * S, &v);
	assert_false(v.passed);
	/* From the last ok (2.991 s) to the last attempt's end (51.9 s). */
	assert_non_null(strstr(v.figure, "at least 48.909 s"));
	assert_non_null(strstr(v.figure, "still failing at 51.900 s"));
	assert_non_null(strstr(v.detail, "never came back"));
	check_continuity(&h, &c);
	assert_false(c.write_gap.recovered);
	history_free(&h);
}

static void test_empty_history(void **state)
{
	struct history h = {0};
	struct verdict v;
	struct split_brain sb;
	struct lost_writes lw;
	struct continuity c;

	(void)state;
	check_rto_verdict(&h, 0, S, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.figure, "no write ever succeeded"));
	check_split_brain(&h, &sb);
	assert_false(sb.found);
	check_lost_writes(&h, NULL, 0, &lw);
	assert_int_equal(lw.acked + lw.lost + lw.indeterminate, 0);
	check_lost_verdict(&lw, 0, &v);
	assert_true(v.passed);
	check_continuity(&h, &c);
	check_continuity_verdict(&h, &c, S, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.detail, "no write ever succeeded"));
}

static void test_writes_routed_to_a_standby(void **state)
{
	struct history h = {0};
	struct continuity c;
	struct verdict v;
	int64_t t;

	(void)state;
	for (t = 0; t < S; t += 10 * MS) {
		op(&h, OP_WRITE, t, t + MS, OP_OK, A, 1, NULL);
		op(&h, OP_WRITE, t + MS, t + 2 * MS, OP_FAILED, B, 0, OP_ERR_READ_ONLY);
	}
	check_continuity(&h, &c);
	assert_int_equal(c.read_only, 100);
	check_continuity_verdict(&h, &c, 10 * S, &v);
	assert_false(v.passed);
	assert_non_null(strstr(v.detail, "haproxy sent 100 writes to a standby"));
	assert_non_null(strstr(v.detail, "25006 x100 (message for the error)"));
	history_free(&h);
}

static void test_percentiles(void **state)
{
	struct history h = {0};
	struct continuity c;
	int i;

	(void)state;
	for (i = 1; i <= 100; i++)
		op(&h, OP_WRITE, i * S, i * S + i * MS, OP_OK, A, 1, NULL);
	check_continuity(&h, &c);
	assert_true(c.p50_us == 50 * MS && c.p95_us == 95 * MS && c.p99_us == 99 * MS &&
	            c.max_us == 100 * MS);
	history_free(&h);
}

static void test_file_round_trip(void **state)
{
	char path[] = "/tmp/pgdrill-history-XXXXXX";
	struct history h = {0}, back = {0};
	FILE *f;
	int fd;
	size_t i;

	(void)state;
	clean_failover(&h);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	history_write_header(f, 42);
	for (i = 0; i < h.count; i++)
		history_write(f, &h.ops[i],
		              h.ops[i].error[0] ? "server closed\tthe connection\n" : NULL);
	fclose(f);
	assert_int_equal(history_load(&back, path), 0);
	assert_int_equal(back.count, h.count);
	for (i = 0; i < h.count; i++) { /* field by field: the struct has padding */
		const struct op_record *a = &h.ops[i], *b = &back.ops[i];

		assert_true(a->start_us == b->start_us && a->end_us == b->end_us && a->id == b->id);
		assert_true(a->server == b->server && a->timeline == b->timeline);
		assert_true(a->client == b->client && a->kind == b->kind &&
		            a->outcome == b->outcome);
		assert_true(a->reconnect == b->reconnect);
		assert_string_equal(a->error, b->error);
	}
	assert_int_equal(back.nerrors, 2);
	assert_string_equal(back.errors[0].message, "server closed the connection ");
	/* A damaged line is refused with its place. */
	f = fopen(path, "a");
	fputs("12\tnot a record\n", f);
	fclose(f);
	history_free(&back);
	assert_int_equal(history_load(&back, path), -1);
	unlink(path);
	history_free(&back);
	history_free(&h);
}

/* history_format writes what the loader reads back, also at the edges: extreme and
 * negative numbers, and a message too long for a line (cut, the line still ends). */
static void test_format_edges(void **state)
{
	struct op_record r = {.start_us = INT64_MIN,
	                      .end_us = INT64_MAX,
	                      .client = 65535,
	                      .kind = OP_READ,
	                      .id = -1,
	                      .outcome = OP_INDETERMINATE,
	                      .server = 0x0AD5000B,
	                      .timeline = -7,
	                      .reconnect = true,
	                      .error = "57P01"};
	char line[HISTORY_LINE_MAX + 1], message[2000];
	size_t len;

	(void)state;
	len = history_format(line, &r, "a\tb");
	line[len] = '\0';
	assert_string_equal(line, "-9223372036854775808\t9223372036854775807\t65535\tread\t-1\t"
	                          "indeterminate\t57P01\t10.213.0.11\t-7\t1\ta b\n");
	memset(message, 'x', sizeof(message) - 1);
	message[sizeof(message) - 1] = '\0';
	len = history_format(line, &r, message);
	assert_int_equal(len, HISTORY_LINE_MAX);
	assert_true(line[len - 1] == '\n' && line[len - 2] == 'x');
	r = (struct op_record){.kind = OP_WRITE, .outcome = OP_OK};
	len = history_format(line, &r, NULL);
	line[len] = '\0';
	assert_string_equal(line, "0\t0\t0\twrite\t0\tok\t-\t-\t0\t0\t\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_clean_failover),
	    cmocka_unit_test(test_lost_acknowledged_write),
	    cmocka_unit_test(test_indeterminate_write_that_appears),
	    cmocka_unit_test(test_failed_write_that_appears),
	    cmocka_unit_test(test_two_overlapping_primaries),
	    cmocka_unit_test(test_same_timeline_on_two_servers),
	    cmocka_unit_test(test_switch_back_is_not_split_brain),
	    cmocka_unit_test(test_gap_exactly_at_the_objective),
	    cmocka_unit_test(test_never_recovered),
	    cmocka_unit_test(test_second_fault_never_recovered),
	    cmocka_unit_test(test_empty_history),
	    cmocka_unit_test(test_writes_routed_to_a_standby),
	    cmocka_unit_test(test_percentiles),
	    cmocka_unit_test(test_file_round_trip),
	    cmocka_unit_test(test_format_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
