/* Every file under tests/labs/invalid is loaded and its diagnostics compared, exactly,
 * with the file beside it named *.expected (file:line:col: error: message). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/lab.h"

#define INVALID_DIR TEST_DATA_DIR "/labs/invalid"

static char *slurp(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_invalid_files(void **state)
{
	char *names[256];
	size_t count = 0, i, failures = 0;
	struct dirent *de;
	DIR *d = opendir(INVALID_DIR);

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) && count < 256) {
		size_t n = strlen(de->d_name);

		if (n > 5 && strcmp(de->d_name + n - 5, ".yaml") == 0)
			names[count++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, count, sizeof(names[0]), name_cmp);
	assert_true(count >= 40);
	for (i = 0; i < count; i++) {
		char path[512], expected_path[600], display[300];
		struct diag_list dl;
		struct lab lab;
		char *expected, *got = NULL;
		size_t got_len = 0;
		FILE *mem;

		snprintf(path, sizeof(path), "%s/%s", INVALID_DIR, names[i]);
		snprintf(expected_path, sizeof(expected_path), "%s.expected", path);
		snprintf(display, sizeof(display), "tests/labs/invalid/%s", names[i]);
		expected = slurp(expected_path);
		if (!expected) {
			fprintf(stderr, "%s: no .expected file beside it\n", display);
			failures++;
			free(names[i]);
			continue;
		}
		diag_list_init(&dl, display);
		assert_int_equal(lab_load_file(&lab, path, &dl), -1);
		mem = open_memstream(&got, &got_len);
		diag_print(&dl, mem);
		fclose(mem);
		if (strcmp(got, expected) != 0) {
			fprintf(stderr, "%s: diagnostics differ\n--- expected\n%s--- got\n%s",
			        display, expected, got);
			failures++;
		}
		free(got);
		free(expected);
		diag_list_free(&dl);
		free(names[i]);
	}
	assert_int_equal(failures, 0);
}

static void test_tutorial(void **state)
{
	struct diag_list dl;
	struct lab lab;
	const struct lab_host *p;

	(void)state;
	diag_list_init(&dl, "labs/tutorial.yaml");
	assert_int_equal(lab_load_file(&lab, TEST_DATA_DIR "/../labs/tutorial.yaml", &dl), 0);
	assert_int_equal(dl.count, 0);
	assert_string_equal(lab.name, "tutorial");
	assert_int_equal(lab.hosts.count, 6);
	assert_int_equal(lab_count_role(&lab, ROLE_SPARE), 1);
	assert_int_equal(lab.postgres.synchronous, SYNC_ANY);
	p = lab_host_by_role(&lab, ROLE_PRIMARY);
	assert_string_equal(p->name, "postgres1");
	assert_int_equal(lab_count_role(&lab, ROLE_STANDBY), 2);
	assert_int_equal(lab.haproxy.listeners.count, 4);
	assert_int_equal(LAB_LISTENER(&lab, 1)->check, CHECK_HTTP_AGENT);
	assert_int_equal(LAB_LISTENER(&lab, 2)->check, CHECK_PGSQL);
	assert_int_equal(LAB_LISTENER(&lab, 3)->target, TARGET_REPLICA);
	assert_true(lab_host_by_name(&lab, "barman")->disk == 1024ULL * 1024 * 1024);
	lab_free(&lab);
	diag_list_free(&dl);
}

static void test_missing_and_huge_file(void **state)
{
	char path[] = "/tmp/pgdrill-huge-XXXXXX";
	struct diag_list dl;
	struct lab lab;
	FILE *f;
	int fd, i;

	(void)state;
	diag_list_init(&dl, "nope.yaml");
	assert_int_equal(lab_load_file(&lab, "/nonexistent/nope.yaml", &dl), -1);
	assert_string_equal(dl.items[0].message,
	                    "cannot read the lab file: No such file or directory");
	diag_list_free(&dl);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	for (i = 0; i < 40000; i++)
		fputs("# padding padding padding padding padding padding\n", f);
	fclose(f);
	diag_list_init(&dl, path);
	assert_int_equal(lab_load_file(&lab, path, &dl), -1);
	assert_int_equal(dl.count, 1);
	assert_non_null(strstr(dl.items[0].message, "lab files are limited to 1048576 bytes"));
	diag_list_free(&dl);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tutorial),
	    cmocka_unit_test(test_invalid_files),
	    cmocka_unit_test(test_missing_and_huge_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
