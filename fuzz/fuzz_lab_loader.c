/* libFuzzer target: any bytes through the whole lab loader (YAML, field tables,
 * validation, then YAML and JSON output of whatever loaded). */
#include <stddef.h>
#include <stdint.h>

#include "lab/lab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		lab_free(&lab);
	}
	diag_list_free(&dl);
	return 0;
}
