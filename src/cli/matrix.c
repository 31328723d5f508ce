#include "cli/matrix.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/strbuf.h"

static bool key_ok(const char *key)
{
	const char *p = key;

	if (!*key || strlen(key) >= 96)
		return false;
	for (; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' &&
		    !(*p == '.' && p > key && p[1] && p[1] != '.'))
			return false;
	return true;
}

static bool value_ok(const char *v)
{
	if (!*v || strlen(v) > 64)
		return false;
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f || *v == '"' || *v == '\'' || *v == '#' ||
		    *v == ':' || *v == '{' || *v == '[' || *v == '&' || *v == '*')
			return false;
	return true;
}

int matrix_parse(const char *spec, struct matrix *m)
{
	const char *eq = strchr(spec, '='), *v;

	memset(m, 0, sizeof(*m));
	if (!eq)
		return error_set("--matrix needs KEY=VALUE1,VALUE2,...; found '%s'", spec);
	snprintf(m->key, sizeof(m->key), "%.*s", (int)(eq - spec < 95 ? eq - spec : 95), spec);
	if ((size_t)(eq - spec) >= sizeof(m->key) || !key_ok(m->key))
		return error_set("--matrix: '%.*s' is not a lab setting: a dotted path of lowercase "
		                 "names, like repmgr.reconnect_attempts",
		                 (int)(eq - spec), spec);
	for (v = eq + 1;; v += strcspn(v, ",") + 1) {
		char *value = xasprintf("%.*s", (int)strcspn(v, ","), v);

		if (!value_ok(value)) {
			error_set("--matrix %s: '%s' is not a plain value (1 to 64 characters, none of "
			          "them a control character, quote or YAML sign)",
			          m->key, value);
			free(value);
			matrix_free(m);
			return -1;
		}
		if (m->nvalues == MATRIX_MAX_VALUES) {
			free(value);
			matrix_free(m);
			return error_set("--matrix %s: at most %d values", m->key, MATRIX_MAX_VALUES);
		}
		m->values[m->nvalues++] = value;
		if (!v[strcspn(v, ",")])
			break;
	}
	return 0;
}

void matrix_free(struct matrix *m)
{
	size_t i;

	for (i = 0; i < m->nvalues; i++)
		free(m->values[i]);
	m->nvalues = 0;
}

static void count_failed(struct matrix_tally *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nfailed_checks; i++)
		if (strcmp(t->failed_checks[i].name, name) == 0) {
			t->failed_checks[i].count++;
			return;
		}
	if (t->nfailed_checks == MATRIX_MAX_FAILED) {
		t->other_failed++;
		return;
	}
	snprintf(t->failed_checks[t->nfailed_checks].name, sizeof(t->failed_checks[0].name), "%s",
	         name);
	t->failed_checks[t->nfailed_checks++].count = 1;
}

static void tally_check(struct matrix_tally *t, json_object *c)
{
	const char *name = json_object_get_string(json_object_object_get(c, "name"));
	json_object *m = json_object_object_get(c, "measure");

	if (!name)
		return;
	if (!json_object_get_boolean(json_object_object_get(c, "passed")))
		count_failed(t, name);
	if (strcmp(name, "rto") != 0 || !m)
		return;
	if (json_object_get_double(json_object_object_get(m, "recovered")) == 0 &&
	    json_object_object_get(m, "recovered")) {
		t->never_recovered++;
		return;
	}
	t->rto = xrealloc(t->rto, (t->nrto + 1) * sizeof(*t->rto));
	t->rto[t->nrto++] = json_object_get_double(json_object_object_get(m, "value"));
}

void matrix_tally_add(struct matrix_tally *t, json_object *scenarios)
{
	size_t i, k;

	for (i = 0; scenarios && i < json_object_array_length(scenarios); i++) {
		json_object *s = json_object_array_get_idx(scenarios, i);
		const char *out = json_object_get_string(json_object_object_get(s, "outcome"));
		json_object *checks = json_object_object_get(s, "checks");

		t->scenarios++;
		t->passed += out && strcmp(out, "passed") == 0;
		t->failed += out && strcmp(out, "failed") == 0;
		t->errors += !out || strcmp(out, "error") == 0;
		for (k = 0; checks && k < json_object_array_length(checks); k++)
			tally_check(t, json_object_array_get_idx(checks, k));
	}
}

void matrix_tally_free(struct matrix_tally *t)
{
	free(t->rto);
	memset(t, 0, sizeof(*t));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void rto_cell(const struct matrix_tally *t, char *out, size_t len)
{
	double *v;
	double median;

	if (!t->nrto) {
		snprintf(out, len, "%s", t->never_recovered ? "never recovered" : "-");
		return;
	}
	v = xmalloc(t->nrto * sizeof(*v));
	memcpy(v, t->rto, t->nrto * sizeof(*v));
	qsort(v, t->nrto, sizeof(*v), cmp_double);
	median = t->nrto % 2 ? v[t->nrto / 2] : (v[t->nrto / 2 - 1] + v[t->nrto / 2]) / 2;
	snprintf(out, len, "%.3f s (%.3f-%.3f, n=%zu)%s", median, v[0], v[t->nrto - 1], t->nrto,
	         t->never_recovered ? " +never" : "");
	free(v);
}

void matrix_print(FILE *out, const struct matrix *m, const struct matrix_tally *t, size_t ran)
{
	size_t i, k;

	fprintf(out, "\nmatrix over %s:\n", m->key);
	fprintf(out, "  %-12s %-6s %-6s %-6s %-6s %-34s %s\n", "value", "drills", "passed", "failed",
	        "error", "RTO median (min-max)", "failed checks");
	for (i = 0; i < ran; i++) {
		struct strbuf fc = STRBUF_INIT;
		char rto[96];

		rto_cell(&t[i], rto, sizeof(rto));
		for (k = 0; k < t[i].nfailed_checks; k++)
			strbuf_printf(&fc, "%s%s x%d", k ? "; " : "", t[i].failed_checks[k].name,
			              t[i].failed_checks[k].count);
		if (t[i].other_failed)
			strbuf_printf(&fc, "; %d more", t[i].other_failed);
		fprintf(out, "  %-12s %-6d %-6d %-6d %-6d %-34s %s\n", m->values[i], t[i].scenarios,
		        t[i].passed, t[i].failed, t[i].errors, rto, fc.len ? strbuf_str(&fc) : "-");
		strbuf_free(&fc);
	}
}
