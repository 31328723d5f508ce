#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab.h"

static int load_text(struct lab *lab, const char *text, struct diag_list *dl)
{
	diag_list_init(dl, "t.yaml");
	return lab_load_buffer(lab, text, strlen(text), dl);
}

static const char minimal[] = "name: mini\nhosts:\n  - {name: p1, role: primary}\n"
                              "  - {name: p2, role: standby}\n";

/* Every built-in default parses (schema_init_record aborts otherwise) and lands. */
static void test_defaults(void **state)
{
	struct diag_list dl;
	struct lab lab;

	(void)state;
	assert_int_equal(load_text(&lab, minimal, &dl), 0);
	assert_int_equal(lab.provider.kind, PROVIDER_NETNS);
	assert_int_equal(lab.postgres.port, 5432);
	assert_int_equal(lab.repmgr.monitor_interval, 1000);
	assert_int_equal(lab.repmgr.reconnect_attempts, 3);
	assert_true(lab.objectives.max_lag == 16ULL * 1024 * 1024);
	assert_int_equal(lab.objectives.rpo, 0);
	assert_string_equal(lab.provider.state_dir, "/var/lib/pgdrill");
	assert_true(LAB_HOST(&lab, 0)->disk == 512ULL * 1024 * 1024);
	assert_null(lab.credentials.superuser_password);
	assert_false(schema_field_given(&lab_schema, &lab, "provider"));
	assert_true(schema_field_given(&lab_schema, &lab, "hosts"));
	lab_free(&lab);
	diag_list_free(&dl);
}

static void collect_keys(const struct schema *s, struct strbuf *md, int *missing)
{
	size_t i;
	char needle[96];

	for (i = 0; i < s->nfields; i++) {
		snprintf(needle, sizeof(needle), "| `%s` |", s->fields[i].key);
		if (!strstr(strbuf_str(md), needle)) {
			fprintf(stderr, "docs lack key %s.%s\n", s->name, s->fields[i].key);
			(*missing)++;
		}
		assert_non_null(s->fields[i].doc);
		if (s->fields[i].sub)
			collect_keys(s->fields[i].sub, md, missing);
	}
}

static void test_markdown_covers_every_key(void **state)
{
	struct strbuf md = STRBUF_INIT;
	int missing = 0;

	(void)state;
	schema_emit_markdown(&lab_schema, &md);
	collect_keys(&lab_schema, &md, &missing);
	assert_int_equal(missing, 0);
	assert_non_null(strstr(strbuf_str(&md), "## listener"));
	strbuf_free(&md);
}

/* `pgdrill show` prints a lab that loads back to the same lab. */
static void test_yaml_round_trip(void **state)
{
	struct strbuf first = STRBUF_INIT, second = STRBUF_INIT;
	struct diag_list dl;
	struct lab lab;
	FILE *f;

	(void)state;
	f = fopen(TEST_DATA_DIR "/../labs/tutorial.yaml", "r");
	assert_non_null(f);
	{
		char buf[8192];
		size_t n = fread(buf, 1, sizeof(buf), f);

		fclose(f);
		diag_list_init(&dl, "tutorial.yaml");
		assert_int_equal(lab_load_buffer(&lab, buf, n, &dl), 0);
	}
	lab.credentials.app_password = strdup("s3cret \"quoted\"");
	schema_emit(&lab_schema, &lab, SCHEMA_YAML, true, &first);
	lab_free(&lab);
	diag_list_free(&dl);

	assert_int_equal(load_text(&lab, strbuf_str(&first), &dl), 0);
	assert_string_equal(lab.credentials.app_password, "s3cret \"quoted\"");
	schema_emit(&lab_schema, &lab, SCHEMA_YAML, true, &second);
	assert_string_equal(strbuf_str(&first), strbuf_str(&second));
	lab_free(&lab);
	diag_list_free(&dl);
	strbuf_free(&first);
	strbuf_free(&second);
}

static void test_json(void **state)
{
	struct strbuf out = STRBUF_INIT;
	struct diag_list dl;
	struct json_object *root, *hosts, *h0, *v;
	struct lab lab;

	(void)state;
	assert_int_equal(load_text(&lab,
	                           "name: j\ncredentials: {app_password: hidden}\nhosts:\n"
	                           "  - {name: p1, role: primary, settings: {work_mem: 4MB}}\n"
	                           "  - {name: p2, role: standby}\n",
	                           &dl),
	                 0);
	schema_emit(&lab_schema, &lab, SCHEMA_JSON, false, &out);
	root = json_tokener_parse(strbuf_str(&out));
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "hosts", &hosts));
	assert_int_equal(json_object_array_length(hosts), 2);
	h0 = json_object_array_get_idx(hosts, 0);
	assert_true(json_object_object_get_ex(h0, "address", &v));
	assert_string_equal(json_object_get_string(v), "10.213.0.11");
	assert_true(json_object_object_get_ex(h0, "disk_bytes", &v));
	assert_int_equal(json_object_get_int64(v), 512 * 1024 * 1024);
	assert_true(json_object_object_get_ex(root, "credentials", &v));
	assert_true(json_object_object_get_ex(v, "app_password", &v));
	assert_string_equal(json_object_get_string(v), "********");
	json_object_put(root);
	strbuf_free(&out);
	lab_free(&lab);
	diag_list_free(&dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_markdown_covers_every_key),
	    cmocka_unit_test(test_yaml_round_trip),
	    cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
