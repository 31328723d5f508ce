/* haproxy's health check of one listener replaced by another style, haproxy restarted:
 * the fault of a well-meant config change (pgsql-check on a write listener sends writes
 * to standbys, because it only sees that PostgreSQL answers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "roles/haproxy.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

/* The listener whose check changed: all the revert needs is its name, for the record
 * (the revert writes the lab's own config back whole). */
struct check_state {
	char listener[64];
};

static int check_parse(const char *text, void *state)
{
	struct check_state *s = state;
	size_t len = strlen(text);

	if (len == 0 || len >= sizeof(s->listener) ||
	    strspn(text, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len)
		return error_set("'%s' is not a listener name", text);
	memcpy(s->listener, text, len + 1);
	return 0;
}

static const struct lab_host_rt *proxy_of(const struct lab_rt *rt)
{
	const struct lab_host_rt *p = lab_rt_by_role(rt, ROLE_PROXY);

	if (!p)
		error_set("lab '%s' has no haproxy host", rt->lab->name);
	return p;
}

/* The lab's own config goes back and haproxy restarts with it, whatever was changed in
 * between (by the fault, or by a person repairing it). */
static int check_restore(struct lab_rt *rt, const struct lab_host_rt *h, const void *state)
{
	(void)state;
	return haproxy_restart(rt, h, NULL);
}

static char *check_by_hand(const struct lab_host_rt *h, const void *state)
{
	(void)state;
	return xasprintf("pgdrill down and up again (the lab's haproxy.cfg is generated); or on "
	                 "%s: put back the listener's check in the config and restart haproxy",
	                 h->def->name);
}

const struct fault_kind fault_kind_haproxy_check = {
    .name = "haproxy_check",
    .state_size = sizeof(struct check_state),
    .parse = check_parse,
    .revert = check_restore,
    .by_hand = check_by_hand,
};

/* A server haproxy now holds UP although its check should have kept it out (a standby
 * in a write listener, the primary in a read listener), as seen in `show stat`; the
 * evidence waits for haproxy's first checks (bounded). */
static void routing_effect(struct fault_set *fs, const struct lab_host_rt *proxy,
                           const struct lab_listener *l, int id)
{
	if (fs->rt->dry)
		return; /* nothing was done: nothing to see */
	const struct lab_rt *rt = fs->rt;
	const struct lab_host_rt *primary = lab_rt_by_role(rt, ROLE_PRIMARY);
	long long deadline = proc_now_ms() + 10000;
	char *seen = NULL;
	int bit = 0;

	while (!bit && proc_now_ms() < deadline) {
		char *csv = NULL;
		size_t i;

		if (haproxy_stats(rt, proxy, &csv) < 0) {
			error_clear();
			usleep(100000);
			continue;
		}
		for (i = 0; i < rt->nhosts && !bit; i++) {
			const struct lab_host_rt *h = &rt->hosts[i];
			char *st = haproxy_server_status(csv, l->name, h->def->name);
			bool wrong = l->target == TARGET_REPLICA ? h == primary : h != primary;

			if (st && wrong && strncmp(st, "UP", 2) == 0) {
				free(seen);
				seen = xasprintf("haproxy holds %s %s in %s (meant for %s)", h->def->name,
				                 st, l->name, listener_target_names[l->target]);
				bit = 1;
			}
			free(st);
		}
		free(csv);
		if (!bit)
			usleep(100000);
	}
	if (!bit)
		seen = xasprintf("after 10 s haproxy still holds only the right servers UP in %s",
		                 l->name);
	fault_effect(fs, id, NULL, bit, seen);
	free(seen);
}

int fault_haproxy_check(struct fault_set *fs, const char *listener, const char *style)
{
	const struct lab_host_rt *proxy = proxy_of(fs->rt);
	const struct lab_listener *l = lab_listener_by_name(fs->rt->lab, listener);
	char how[192], *cfg;
	struct fault *f;
	int s, id;

	if (!proxy)
		return -1;
	if (!l)
		return error_set("lab '%s' has no haproxy listener '%s'", fs->rt->lab->name,
		                 listener);
	for (s = 0; check_style_names[s] && strcmp(check_style_names[s], style) != 0; s++)
		;
	if (!check_style_names[s])
		return error_set("unknown check style '%s': pgsql-check, tcp-check or http-agent",
		                 style);
	/* Only a haproxy pgdrill configured can be given its own config back. */
	if (!fs->rt->ops->builds_hosts)
		return error_set("haproxy_check: the haproxy of lab '%s' is not configured by "
		                 "pgdrill, which could not put its config back",
		                 fs->rt->lab->name);
	f = fault_begin(fs, &fault_kind_haproxy_check, proxy, l->name);
	if (!f)
		return -1;
	cfg = haproxy_cfg_checked(fs->rt, proxy, l->name, (enum check_style)s);
	if (haproxy_restart(fs->rt, proxy, cfg) < 0) {
		free(cfg);
		return fault_failed(fs, f);
	}
	free(cfg);
	snprintf(how, sizeof(how), "haproxy.cfg: listener %s checks its servers with %s, haproxy "
	         "restarted", l->name, style);
	id = fault_applied(fs, f, l->name, how);
	routing_effect(fs, proxy, l, id);
	return id;
}
