#include "roles/failover_evidence.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/host.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/timestamp.h"

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

bool log_time_postgres(const char *line, double *t)
{
	const char *p = line;

	if (!time_datetime(&p, t) || !expect(&p, ' '))
		return false;
	return strncmp(p, "UTC ", 4) == 0 || strncmp(p, "GMT ", 4) == 0;
}

bool log_time_rfc5424(const char *line, double *t)
{
	const char *p = line;
	int prio, oh, om, sign;

	if (!expect(&p, '<'))
		return false;
	for (prio = 0; *p >= '0' && *p <= '9' && prio < 4; p++)
		prio++;
	if (prio == 0 || !expect(&p, '>') || !expect(&p, '1') || !expect(&p, ' ') ||
	    !time_datetime(&p, t))
		return false;
	if (*p == 'Z')
		return p[1] == ' ';
	if (*p != '+' && *p != '-')
		return false;
	sign = *p++ == '+' ? 1 : -1;
	if (!time_digits(&p, 2, &oh) || !expect(&p, ':') || !time_digits(&p, 2, &om) || *p != ' ' ||
	    oh > 23 || om > 59)
		return false;
	*t -= sign * (oh * 3600 + om * 60);
	return true;
}

/* The time of the first line at or after `from` (and, when `until` is a number, not after
 * it) that contains `needle`; NAN when none. */
static double first_line(const char *text, bool (*stamp)(const char *, double *),
                         const char *needle, double from, double until)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *hit = strstr(line, needle);
		double t;

		if (hit && (size_t)(hit - line) < len && stamp(line, &t) && t >= from) {
			if (!isnan(until) && t > until)
				return NAN;
			return t;
		}
		line = end ? end + 1 : NULL;
	}
	return NAN;
}

static char *log_of(const struct lab_rt *rt, const struct lab_host_rt *h, const char *what)
{
	char *text = NULL;

	if (host_get_log(rt, h, what, &text) < 0) {
		error_clear();
		return NULL;
	}
	return text;
}

void failover_evidence_collect(const struct lab_rt *rt, const char *listener, double from,
                               double until, struct failover_evidence *e)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	char *text, *needle;
	size_t i;

	e->host = NULL;
	e->promote_requested = e->promoted = e->routed = NAN;
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];
		double asked, ready;

		if (!lab_host_is_postgres(h->def) || !(text = log_of(rt, h, "postgres")))
			continue;
		asked = first_line(text, log_time_postgres, "LOG:  received promote request", from,
		                   until);
		if (!isnan(asked) && (isnan(e->promote_requested) || asked < e->promote_requested)) {
			/* Recovery ends (pg_is_in_recovery() turns false) between the startup
			 * process's "archive recovery complete" and the postmaster's "ready to
			 * accept connections", which a loaded machine logs up to a second later
			 * (measured: haproxy had routed writes 0.3 s before it): the first of
			 * them. */
			ready = fmin(first_line(text, log_time_postgres, "LOG:  archive recovery complete",
			                        asked, NAN),
			             first_line(text, log_time_postgres,
			                        "LOG:  database system is ready to accept connections",
			                        asked, NAN));
			e->host = h->def->name;
			e->promote_requested = asked;
			e->promoted = ready;
		}
		free(text);
	}
	if (!e->host || !proxy || !listener || !(text = log_of(rt, proxy, "haproxy")))
		return;
	needle = xasprintf("Server %s/%s is UP", listener, e->host);
	e->routed = first_line(text, log_time_rfc5424, needle, e->promote_requested, NAN);
	free(needle);
	free(text);
}
