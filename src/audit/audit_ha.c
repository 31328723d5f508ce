/* The audit's rules over failover: the timers the lab declares for repmgr and haproxy,
 * what failover time they imply against the RTO objective, and the write listeners in
 * haproxy.cfg as it is on the proxy host. */
#include "audit/audit_rules.h"

#include <stdlib.h>
#include <string.h>

#include "lab/failover_timing.h"
#include "lab/risks.h"
#include "provider/host.h"
#include "util/error.h"

static const struct lab_listener *first_write_listener(const struct lab *lab)
{
	size_t i;

	for (i = 0; i < lab->haproxy.listeners.count; i++)
		if (LAB_LISTENER(lab, i)->target == TARGET_PRIMARY &&
		    LAB_LISTENER(lab, i)->check != CHECK_PGSQL)
			return LAB_LISTENER(lab, i);
	return lab->haproxy.listeners.count ? LAB_LISTENER(lab, 0) : NULL;
}

static void failover_time_rule(struct lab_rt *rt, struct audit *a)
{
	const struct lab *lab = rt->lab;
	const struct lab_repmgr *r = &lab->repmgr;
	const struct lab_listener *l = first_write_listener(lab);
	struct failover_timing t;
	double lo, hi, rto;
	char *listener, *where, *title;
	struct diag_list dl;

	failover_timing(r->monitor_interval, r->reconnect_interval, r->reconnect_attempts,
	                l ? l->check_interval : 0, l ? l->rise : 0, &t);
	/* Detection, the follower's once-a-second look for the new primary (a synchronous
	 * commit waits for it), then haproxy's rise checks. */
	lo = t.detect_lo;
	hi = t.detect_hi + 1.0 + t.route_hi;
	rto = (double)lab->objectives.rto / 1000.0;
	listener = l ? xasprintf("; haproxy %s: check every %lld ms, rise %ld", l->name,
	                               (long long)l->check_interval, l->rise)
	                   : xstrdup("");
	where = xasprintf("lab file: repmgr monitor_interval %ld s, reconnect_attempts %ld, "
	                  "reconnect_interval %ld s%s; objectives.rto %.0f s%s",
	                  repmgr_seconds(r->monitor_interval), r->reconnect_attempts,
	                  repmgr_seconds(r->reconnect_interval), listener, rto,
	                  rt->ops->builds_hosts ? "" : " (repmgr.conf on the hosts not read)");

	free(listener);
	if (r->failover != FAILOVER_AUTOMATIC) {
		audit_add(a, AUDIT_WARNING, "failover-manual",
		          "no automatic failover: the RTO is how fast a person promotes", where,
		          "writes stop until someone runs the promotion; at night, that is long",
		          "write the promote command down (pgdrill status prints the repair steps) "
		          "and drill it (kill_primary), or set repmgr failover: automatic");
		free(where);
		return;
	}
	title = xasprintf("the timers imply writes back %.0f-%.0f s after the primary dies, "
	                  "against an RTO objective of %.0f s",
	                  lo, hi, rto);
	audit_add(a, hi > rto ? AUDIT_HIGH : AUDIT_INFO, "failover-time", title, where,
	          hi > rto ? "a primary lost at a bad moment misses the objective before anyone "
	                     "can act"
	                   : "measure it: pgdrill run LAB scenarios/kill_primary.lua",
	          hi > rto ? "fewer reconnect attempts or a shorter interval (mind the warning "
	                     "below), or an objective the cluster can meet"
	                   : "");
	free(title);
	diag_list_init(&dl, "lab file");
	if (lab_risks(lab, &dl) > 0)
		audit_add(a, AUDIT_HIGH, "failover-cancelled",
		          "repmgrd can cancel a failover for good", dl.items[0].message,
		          "the cluster stays without a primary until a person acts",
		          "(reconnect_attempts - 1) x reconnect_interval of at least 2 x "
		          "monitor_interval (docs/failover.md)");
	diag_list_free(&dl);
	free(where);
}

/* One `listen`/`backend` section of haproxy.cfg: its name, and the first line of the
 * two settings that matter here. */
struct section {
	char name[64];
	int line;
	int pgsql_check_line;
	char pgsql_check[160];
	bool shutdown_sessions;
};

static void judge_section(const struct lab_rt *rt, const char *host, const struct section *s,
                          struct audit *a)
{
	const struct lab_listener *l = lab_listener_by_name(rt->lab, s->name);
	char *where;

	if (!l || l->target != TARGET_PRIMARY)
		return; /* not a write listener */
	if (s->pgsql_check_line) {
		where = xasprintf("%s:haproxy.cfg:%d: %s (listen %s)", host, s->pgsql_check_line,
		                  s->pgsql_check, s->name);
		audit_add(a, AUDIT_HIGH, "haproxy-pgsql-check",
		          "a write listener whose check cannot tell a primary from a standby", where,
		          "every server that accepts a login is UP: writes go to standbys and fail "
		          "(the kill_primary drill shows it)",
		          "check pg_is_in_recovery() (a tcp-check sending a query, or an HTTP agent "
		          "such as pgdrill's)");
		free(where);
	}
	/* pgsql-check's own finding says more; pgdrill's agent (http-agent) fences. */
	if (!s->pgsql_check_line && l->check == CHECK_TCP) {
		where = xasprintf("%s:haproxy.cfg:%d: listen %s (tcp-check: pg_is_in_recovery() "
		                  "only)",
		                  host, s->line, s->name);
		audit_add(a, AUDIT_WARNING, "no-fencing",
		          "a write listener that would route writes to a returning old primary",
		          where,
		          "repmgr promotes but does not fence: an old primary started again as it "
		          "was (a reboot, a hurried pg_ctl start) passes this check beside the new "
		          "one, and writes split between two timelines (partition_primary shows it)",
		          "check with pgdrill's agent (http-agent: a primary whose peer is a primary "
		          "on a newer timeline answers 503), or fence in the promote command");
		free(where);
	}
	if (!s->shutdown_sessions) {
		where = xasprintf("%s:haproxy.cfg:%d: listen %s (no on-marked-down)", host, s->line,
		                  s->name);
		audit_add(a, AUDIT_WARNING, "haproxy-shutdown-sessions",
		          "sessions stay on a server after it is marked down", where,
		          "clients hang on the old primary instead of reconnecting to the new one",
		          "default-server ... on-marked-down shutdown-sessions");
		free(where);
	}
}

static void haproxy_rules(struct lab_rt *rt, struct audit *a)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	struct section s;
	char *text = NULL;
	const char *line;
	size_t len = 0;
	int n = 0;
	bool open = false;

	if (!proxy)
		return;
	if (!rt->ops->builds_hosts) {
		audit_skip(a, "haproxy", "haproxy.cfg is read only on hosts pgdrill built");
		return;
	}
	if (host_get_file(rt, proxy, "conf/haproxy.cfg", &text, &len) < 0) {
		audit_skip(a, "haproxy", error_last());
		error_clear();
		return;
	}
	for (line = text; *line; line += strcspn(line, "\n") + (line[strcspn(line, "\n")] != 0)) {
		char one[256], word[32] = "", name[64] = "";

		n++;
		snprintf(one, sizeof(one), "%.*s", (int)strcspn(line, "\n"), line);
		if (one[0] != ' ' && one[0] != '\t' && one[0] != '#' && one[0]) {
			if (open)
				judge_section(rt, proxy->def->name, &s, a);
			open = sscanf(one, "%31s %63s", word, name) == 2 &&
			       (strcmp(word, "listen") == 0 || strcmp(word, "backend") == 0);
			memset(&s, 0, sizeof(s));
			snprintf(s.name, sizeof(s.name), "%s", name);
			s.line = n;
			continue;
		}
		if (!open)
			continue;
		if (strstr(one, "option pgsql-check") && !s.pgsql_check_line) {
			s.pgsql_check_line = n;
			snprintf(s.pgsql_check, sizeof(s.pgsql_check), "%s", one + strspn(one, " \t"));
		}
		if (strstr(one, "on-marked-down shutdown-sessions"))
			s.shutdown_sessions = true;
	}
	if (open)
		judge_section(rt, proxy->def->name, &s, a);
	free(text);
}

void audit_ha_rules(struct lab_rt *rt, struct audit *a)
{
	failover_time_rule(rt, a);
	haproxy_rules(rt, a);
}
