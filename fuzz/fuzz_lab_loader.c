/* libFuzzer target: any bytes through the whole lab loader (YAML, field tables,
 * validation, then YAML and JSON output of whatever loaded) and, for a lab that
 * validates, through every configuration file pgdrill would write for it: each must keep
 * its file's line grammar and pg_hba.conf its one documented trust line (abort()
 * otherwise, so the fuzzer reports the input). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "lab/lab.h"
#include "roles/render.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rendering(const struct lab *lab)
{
	struct rendered_config *c;
	struct lab_rt rt;
	size_t n, i;

	if (lab_rt_init(&rt, lab) < 0) {
		error_clear(); /* a provider this build has no runtime for */
		return;
	}
	n = render_configs(&rt, &c);
	for (i = 0; i < n; i++) {
		const char *why = render_check(&rt, &c[i]);

		if (why) {
			fprintf(stderr, "a valid lab renders a broken file: %s\n--- %s ---\n%s\n", why,
			        c[i].name, c[i].text);
			abort();
		}
	}
	rendered_configs_free(c, n);
	lab_rt_free(&rt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag_list dl;
	struct lab lab;

	diag_list_init(&dl, "fuzz.yaml");
	if (lab_load_buffer(&lab, (const char *)data, size, &dl) == 0) {
		struct strbuf out = STRBUF_INIT;

		schema_emit(&lab_schema, &lab, SCHEMA_YAML, false, &out);
		schema_emit(&lab_schema, &lab, SCHEMA_JSON, false, &out);
		strbuf_free(&out);
		check_rendering(&lab);
		lab_free(&lab);
	}
	diag_list_free(&dl);
	return 0;
}
