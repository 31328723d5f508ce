/* The journal's events: a long one (a failed heal's steps to repair the lab by hand) is
 * kept whole, in the journal and on the live output, up to the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal/journal.h"
#include "util/strbuf.h"

/* The text of the scenario's last event. */
static const char *last_event(struct journal *j)
{
	json_object *s = json_object_array_get_idx(j->scenarios, 0);
	json_object *events = json_object_object_get(s, "events");

	return json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(events, json_object_array_length(events) - 1), "text"));
}

static void test_long_events_kept_whole(void **state)
{
	char *live = NULL, *steps = xmalloc(5001), *huge = xmalloc(200001);
	size_t live_len = 0;
	FILE *out = open_memstream(&live, &live_len);
	struct journal j;

	(void)state;
	memset(steps, 's', 5000);
	steps[4999] = 'E';
	steps[5000] = '\0';
	memset(huge, 'h', 200000);
	huge[200000] = '\0';
	assert_int_equal(journal_open(&j, "/nonexistent", "lab", out), 0);
	journal_begin_scenario(&j, "s", "s.lua");
	journal_event(&j, "heal", NULL, "to repair it by hand:\n%s", steps);
	assert_int_equal(strlen(last_event(&j)), strlen("to repair it by hand:\n") + 5000);
	assert_int_equal(last_event(&j)[strlen(last_event(&j)) - 1], 'E');
	journal_event(&j, "note", NULL, "short %d", 1);
	assert_string_equal(last_event(&j), "short 1");
	/* Beyond the cap, cut (64 KB). */
	journal_event(&j, "heal", NULL, "%s", huge);
	assert_int_equal(strlen(last_event(&j)), (64u << 10) - 1);
	fclose(out);
	assert_non_null(strstr(live, "sssE\n"));
	journal_free(&j);
	free(live);
	free(steps);
	free(huge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_long_events_kept_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
