#include "audit/audit.h"
#include "audit/audit_rules.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

const char *const audit_severity_names[] = {"info", "warning", "high", "critical", NULL};

void audit_init(struct audit *a)
{
	memset(a, 0, sizeof(*a)); /* an empty strbuf is all zeros */
}

void audit_free(struct audit *a)
{
	size_t i;

	for (i = 0; i < a->count; i++) {
		free(a->items[i].rule);
		free(a->items[i].title);
		free(a->items[i].evidence);
		free(a->items[i].consequence);
		free(a->items[i].fix);
	}
	free(a->items);
	strbuf_free(&a->notes);
	memset(a, 0, sizeof(*a));
}

void audit_add(struct audit *a, enum audit_severity sev, const char *rule, const char *title,
               const char *evidence, const char *consequence, const char *fix)
{
	struct audit_finding *f;

	if (a->count == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->items = xrealloc(a->items, a->cap * sizeof(*a->items));
	}
	f = &a->items[a->count++];
	f->severity = sev;
	f->rule = xstrdup(rule);
	f->title = xstrdup(title);
	f->evidence = xstrdup(evidence ? evidence : "");
	f->consequence = xstrdup(consequence ? consequence : "");
	f->fix = xstrdup(fix ? fix : "");
}

void audit_skip(struct audit *a, const char *rule, const char *why)
{
	a->skipped++;
	strbuf_printf(&a->notes, "%s: not checked: %s\n", rule, why);
}

int audit_severity_parse(const char *name)
{
	int i;

	for (i = 0; audit_severity_names[i]; i++)
		if (strcmp(name, audit_severity_names[i]) == 0)
			return i;
	return -1;
}

size_t audit_count_at_least(const struct audit *a, enum audit_severity sev)
{
	size_t i, n = 0;

	for (i = 0; i < a->count; i++)
		n += a->items[i].severity >= sev;
	return n;
}

/* Most severe first; in the order found within one severity. */
static size_t *by_severity(const struct audit *a)
{
	size_t *order = xcalloc(a->count ? a->count : 1, sizeof(*order)), n = 0, i;
	int s;

	for (s = AUDIT_CRITICAL; s >= AUDIT_INFO; s--)
		for (i = 0; i < a->count; i++)
			if ((int)a->items[i].severity == s)
				order[n++] = i;
	return order;
}

void audit_format_text(const struct lab_rt *rt, const struct audit *a, struct strbuf *out)
{
	size_t *order = by_severity(a), i;
	int s;

	strbuf_printf(out, "audit of lab '%s' (%s, %zu hosts):", rt->lab->name, rt->ops->name,
	              rt->nhosts);
	for (s = AUDIT_CRITICAL; s >= AUDIT_INFO; s--) {
		size_t n = 0;

		for (i = 0; i < a->count; i++)
			n += (int)a->items[i].severity == s;
		strbuf_printf(out, " %zu %s%s", n, audit_severity_names[s], s > AUDIT_INFO ? "," : "");
	}
	strbuf_puts(out, "\n");
	for (i = 0; i < a->count; i++) {
		const struct audit_finding *f = &a->items[order[i]];
		char sev[16];
		size_t k;

		for (k = 0; audit_severity_names[f->severity][k] && k < sizeof(sev) - 1; k++)
			sev[k] = (char)(audit_severity_names[f->severity][k] & ~0x20);
		sev[k] = '\0';
		strbuf_printf(out, "\n%-8s %s  [%s]\n", sev, f->title, f->rule);
		if (*f->evidence)
			strbuf_printf(out, "         evidence:    %s\n", f->evidence);
		if (*f->consequence)
			strbuf_printf(out, "         consequence: %s\n", f->consequence);
		if (*f->fix)
			strbuf_printf(out, "         fix:         %s\n", f->fix);
	}
	if (a->skipped)
		strbuf_printf(out, "\n%s", strbuf_str(&a->notes));
	free(order);
}

void audit_format_json(const struct lab_rt *rt, const struct audit *a, struct strbuf *out)
{
	json_object *root = json_object_new_object(), *list = json_object_new_array();
	json_object *counts = json_object_new_object(), *skipped = json_object_new_array();
	size_t *order = by_severity(a), i;
	const char *line = strbuf_str(&a->notes);
	int s;

	json_object_object_add(root, "lab", json_object_new_string(rt->lab->name));
	json_object_object_add(root, "provider", json_object_new_string(rt->ops->name));
	for (s = AUDIT_INFO; s <= AUDIT_CRITICAL; s++) {
		size_t n = 0;

		for (i = 0; i < a->count; i++)
			n += (int)a->items[i].severity == s;
		json_object_object_add(counts, audit_severity_names[s],
		                       json_object_new_int64((int64_t)n));
	}
	json_object_object_add(root, "counts", counts);
	for (i = 0; i < a->count; i++) {
		const struct audit_finding *f = &a->items[order[i]];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "severity",
		                       json_object_new_string(audit_severity_names[f->severity]));
		json_object_object_add(o, "rule", json_object_new_string(f->rule));
		json_object_object_add(o, "title", json_object_new_string(f->title));
		json_object_object_add(o, "evidence", json_object_new_string(f->evidence));
		json_object_object_add(o, "consequence", json_object_new_string(f->consequence));
		json_object_object_add(o, "fix", json_object_new_string(f->fix));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "findings", list);
	while (line && *line) {
		size_t len = strcspn(line, "\n");
		char *one = xasprintf("%.*s", (int)len, line);

		json_object_array_add(skipped, json_object_new_string(one));
		free(one);
		line += len + (line[len] != '\0');
	}
	json_object_object_add(root, "not_checked", skipped);
	strbuf_printf(out, "%s\n",
	              json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
	                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	free(order);
}

/* The risks the lab file accepts: their findings become info, with the reason; an
 * accepted risk that matches nothing is said (a misspelt rule would hide nothing). */
static void apply_accepted(const struct lab *lab, struct audit *a)
{
	size_t r, i, n = a->count;

	for (r = 0; r < lab->audit.accept.count; r++) {
		const struct lab_accepted_risk *acc = LAB_ACCEPTED(lab, r);
		size_t hits = 0;

		for (i = 0; i < n; i++) {
			struct audit_finding *f = &a->items[i];
			char *title;

			if (strcmp(f->rule, acc->rule) != 0 ||
			    (acc->where && !strstr(f->evidence, acc->where)))
				continue;
			hits++;
			if (f->severity == AUDIT_INFO)
				continue;
			title = xasprintf("accepted risk (was %s; %s): %s",
			                  audit_severity_names[f->severity], acc->reason, f->title);
			free(f->title);
			f->title = title;
			f->severity = AUDIT_INFO;
		}
		if (hits == 0) {
			char *where = xasprintf("lab file: audit.accept rule %s%s%s", acc->rule,
			                        acc->where ? ", where " : "", acc->where ? acc->where : "");

			audit_add(a, AUDIT_INFO, "accept-unused", "an accepted risk matches no finding",
			          where,
			          "if it names the rule or the evidence wrong, the risk it meant is "
			          "reported at full severity; if the risk is gone, the entry is stale",
			          "name a rule and evidence as pgdrill audit reports them, or remove it");
			free(where);
		}
	}
}

void audit_lab(struct lab_rt *rt, const char *runs_dir, struct audit *a)
{
	audit_pg_rules(rt, a);
	audit_ha_rules(rt, a);
	audit_backup_rules(rt, a);
	audit_host_rules(rt, a);
	audit_drill_rules(rt, runs_dir, a);
	apply_accepted(rt->lab, a);
}
