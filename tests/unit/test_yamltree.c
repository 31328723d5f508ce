#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lab/yamltree.h"

static struct ynode *parse(const char *text, struct diag_list *dl)
{
	diag_list_init(dl, "t.yaml");
	return yamltree_parse(text, strlen(text), dl);
}

static void test_positions(void **state)
{
	struct diag_list dl;
	struct ynode *root = parse("name: x\nhosts:\n  - {name: a, role: primary}\n", &dl);

	(void)state;
	assert_non_null(root);
	assert_int_equal(root->kind, YNODE_MAP);
	assert_int_equal(YNODE_PAIRS(root), 2);
	assert_string_equal(YNODE_KEY(root, 1)->value, "hosts");
	assert_int_equal(YNODE_VAL(root, 1)->kind, YNODE_SEQ);
	assert_int_equal(YNODE_VAL(root, 1)->items[0]->at.line, 3);
	assert_int_equal(YNODE_VAL(root, 1)->items[0]->at.col, 5);
	assert_int_equal(YNODE_KEY(YNODE_VAL(root, 1)->items[0], 1)->at.col, 15);
	assert_int_equal(dl.count, 0);
	yamltree_free(root);
	diag_list_free(&dl);
}

static void test_quoted_flag(void **state)
{
	struct diag_list dl;
	struct ynode *root = parse("a: 'true'\nb: true\n", &dl);

	(void)state;
	assert_true(YNODE_VAL(root, 0)->quoted);
	assert_false(YNODE_VAL(root, 1)->quoted);
	yamltree_free(root);
	diag_list_free(&dl);
}

static void expect_error(const char *text, int line, int col, const char *needle)
{
	struct diag_list dl;
	struct ynode *root = parse(text, &dl);

	assert_null(root);
	assert_int_equal(dl.count, 1);
	assert_int_equal(dl.items[0].at.line, line);
	assert_int_equal(dl.items[0].at.col, col);
	assert_non_null(strstr(dl.items[0].message, needle));
	diag_list_free(&dl);
}

/* A --matrix value over the file: replaces a scalar (no longer quoted), adds the maps
 * missing on its way, refuses a path through a sequence or onto a mapping. */
static void test_set(void **state)
{
	struct diag_list dl;
	struct ynode *root = parse("repmgr: {reconnect_attempts: '3'}\nhosts: [a]\n", &dl);
	struct src_loc none = {0, 0};
	char err[128];

	(void)state;
	assert_int_equal(yamltree_set(root, "repmgr.reconnect_attempts", "1", none, err,
	                              sizeof(err)),
	                 0);
	assert_string_equal(YNODE_VAL(YNODE_VAL(root, 0), 0)->value, "1");
	assert_int_equal(YNODE_VAL(YNODE_VAL(root, 0), 0)->quoted, 0);
	assert_int_equal(YNODE_PAIRS(YNODE_VAL(root, 0)), 1);
	assert_int_equal(yamltree_set(root, "haproxy.connect_timeout", "500ms", none, err,
	                              sizeof(err)),
	                 0);
	assert_string_equal(YNODE_KEY(root, 2)->value, "haproxy");
	assert_string_equal(YNODE_VAL(YNODE_VAL(root, 2), 0)->value, "500ms");
	assert_int_equal(yamltree_set(root, "hosts.x", "1", none, err, sizeof(err)), -1);
	assert_string_equal(err, "hosts is not a mapping of keys");
	assert_int_equal(yamltree_set(root, "repmgr", "1", none, err, sizeof(err)), -1);
	assert_string_equal(err, "repmgr holds more than a single value");
	yamltree_free(root);
	diag_list_free(&dl);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("", 1, 1, "empty");
	expect_error("# nothing\n", 1, 1, "empty");
	expect_error("a: &x 1\nb: *x\n", 1, 4, "anchors");
	expect_error("a: [1\n", 2, 1, "YAML syntax");
	expect_error("a:\n\t- b\n", 2, 1, "tabs");
	expect_error("a: 1\n---\nb: 2\n", 2, 1, "second");
}

static void test_limits(void **state)
{
	struct diag_list dl;
	size_t n = YAMLTREE_MAX_BYTES + 1, i;
	char *big = malloc(n + 1), *deep;
	struct ynode *root;

	(void)state;
	memset(big, '#', n);
	big[n] = '\0';
	diag_list_init(&dl, "big.yaml");
	assert_null(yamltree_parse(big, n, &dl));
	assert_non_null(strstr(dl.items[0].message, "limited to"));
	diag_list_free(&dl);
	free(big);

	deep = malloc(2 * 100 + 1);
	for (i = 0; i < 100; i++) {
		deep[i] = '[';
		deep[100 + i] = ']';
	}
	deep[200] = '\0';
	root = parse(deep, &dl);
	assert_null(root);
	assert_non_null(strstr(dl.items[0].message, "nesting deeper"));
	diag_list_free(&dl);
	free(deep);
}

static void test_nul_and_junk(void **state)
{
	static const char junk[] = "a: b\n\x00\x01\xff\xfe";
	struct diag_list dl;

	(void)state;
	diag_list_init(&dl, "junk");
	assert_null(yamltree_parse(junk, sizeof(junk) - 1, &dl));
	assert_int_equal(dl.count, 1);
	diag_list_free(&dl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_positions),    cmocka_unit_test(test_quoted_flag),
	    cmocka_unit_test(test_errors),       cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_set),
	    cmocka_unit_test(test_nul_and_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
