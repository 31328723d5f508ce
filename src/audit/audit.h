/* The readiness audit: what the live configuration of a lab's cluster risks, each finding
 * with its evidence (a file and line on a host, or the query that showed it), what it
 * leads to, and the fix. `pgdrill audit` prints them; CI gates on a severity. */
#ifndef PGDRILL_AUDIT_AUDIT_H
#define PGDRILL_AUDIT_AUDIT_H

#include <stddef.h>

#include "provider/provider.h"
#include "util/strbuf.h"

enum audit_severity { AUDIT_INFO, AUDIT_WARNING, AUDIT_HIGH, AUDIT_CRITICAL };

extern const char *const audit_severity_names[]; /* "info", ..., NULL */

struct audit_finding {
	enum audit_severity severity;
	char *rule;        /* a stable name, e.g. "hba-trust" */
	char *title;       /* one line: what is wrong */
	char *evidence;    /* where it shows: "postgres1:pg_hba.conf:3: host all all ... trust" */
	char *consequence; /* what it leads to */
	char *fix;         /* what to change */
};

struct audit {
	struct audit_finding *items;
	size_t count, cap;
	size_t skipped; /* rules that could not look (a host that did not answer) */
	struct strbuf notes; /* why they could not, one line each */
};

void audit_init(struct audit *a);
void audit_free(struct audit *a);
void audit_add(struct audit *a, enum audit_severity sev, const char *rule, const char *title,
               const char *evidence, const char *consequence, const char *fix);
/* A rule that could not look: said in the output, never silently passed. */
void audit_skip(struct audit *a, const char *rule, const char *why);
/* The severity named NAME, or -1. */
int audit_severity_parse(const char *name);
/* How many findings are at or above SEV. */
size_t audit_count_at_least(const struct audit *a, enum audit_severity sev);

/* Every rule over the lab `rt` (up): the PostgreSQL nodes' own view (pg_hba.conf as the
 * server parsed it, replication settings, repmgr's conninfo), the failover timers the
 * lab declares, haproxy's configuration on its host, barman's backups and archive, the
 * hosts' password files and sudo rights, and the restores drilled in RUNS_DIR. */
void audit_lab(struct lab_rt *rt, const char *runs_dir, struct audit *a);

void audit_format_text(const struct lab_rt *rt, const struct audit *a, struct strbuf *out);
void audit_format_json(const struct lab_rt *rt, const struct audit *a, struct strbuf *out);

#endif
