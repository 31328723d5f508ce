/* Network partitions and packet loss with nftables inside the host's own namespace:
 * loopback keeps working, the lab network (or the part of it named) does not, or loses a
 * random share of its packets. (Latency: fault_delay.c; this kernel has no netem.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/fault.h"
#include "util/error.h"
#include "util/strbuf.h"

#define NFT_TABLE "pgdrill_partition"

static int nft(const struct lab_rt *rt, const struct lab_host_rt *h, const char *script)
{
	char *argv[] = {"nft", "-f", "-", NULL};
	struct proc_spec spec = {.argv = argv, .input = script, .timeout_ms = 10000};
	struct proc_result res;
	int rc = 0;

	if (host_run(rt, h, &spec, &res) < 0)
		return -1;
	if (res.status != 0) {
		char *tail = proc_tail(res.err, 4);

		rc = error_set("host %s: nft failed (exit %d): %s", h->def->name, res.status, tail);
		free(tail);
	}
	proc_result_free(&res);
	return rc;
}

/* The nftables table of a partition or loss: pgdrill_KIND_TOKEN (TOKEN with '_'). */
struct net_state {
	char table[64];
};

static int table_parse(const char *text, void *state)
{
	struct net_state *s = state;
	const char *rest;

	if (strncmp(text, "pgdrill_partition_", 18) == 0)
		rest = text + 18;
	else if (strncmp(text, "pgdrill_loss_", 13) == 0)
		rest = text + 13;
	else
		rest = NULL;
	if (!rest || !*rest || strlen(text) >= sizeof(s->table) ||
	    strspn(rest, "0123456789_") != strlen(rest))
		return error_set("'%s' is not an nftables table of pgdrill's", text);
	snprintf(s->table, sizeof(s->table), "%s", text);
	return 0;
}

static int heal_partition(struct lab_rt *rt, const struct lab_host_rt *h, const void *state)
{
	const struct net_state *s = state;
	/* Adding first makes the deletion succeed when the table is gone already. */
	char *script = xasprintf("add table inet %s\ndelete table inet %s\n", s->table, s->table);
	int rc = nft(rt, h, script);

	free(script);
	return rc;
}

static char *heal_by_hand(const struct lab_host_rt *h, const void *state)
{
	const struct net_state *s = state;

	(void)h;
	return xasprintf("nft delete table inet %s", s->table);
}

/* The table's drop rules count what they drop: the partition bit when they dropped
 * anything (a lab's daemons talk every second: repmgrd, haproxy's checks, streaming). */
static int dropped(struct fault_set *fs, const struct fault *f, const void *state,
                   struct strbuf *seen)
{
	const struct net_state *s = state;
	const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);
	char *argv[] = {"nft", "list", "table", "inet", (char *)s->table, NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = 10000};
	struct proc_result res;
	unsigned long long packets = 0, bytes = 0;
	int rules = 0;
	const char *at;

	if (!h)
		return error_set("no host %s in the lab", f->host);
	if (host_run(fs->rt, h, &spec, &res) < 0)
		return -1;
	if (res.status != 0) {
		char *tail = proc_tail(res.err, 2);

		error_set("host %s: nft list table inet %s (exit %d): %s", h->def->name, s->table,
		          res.status, tail);
		free(tail);
		proc_result_free(&res);
		return -1;
	}
	for (at = res.out; (at = strstr(at, "counter packets ")); rules++) {
		unsigned long long p = 0, b = 0;

		if (sscanf(at, "counter packets %llu bytes %llu", &p, &b) == 2) {
			packets += p;
			bytes += b;
		}
		at += strlen("counter packets ");
	}
	proc_result_free(&res);
	if (rules == 0)
		return error_set("host %s: table %s has no counter", h->def->name, s->table);
	strbuf_printf(seen, "nftables dropped %llu packet%s (%llu bytes) on %s", packets,
	              packets == 1 ? "" : "s", bytes, f->host);
	return packets > 0;
}

const struct fault_kind fault_kind_partition = {
    .name = "partition",
    .state_size = sizeof(struct net_state),
    .parse = table_parse,
    .revert = heal_partition,
    .by_hand = heal_by_hand,
    .effect = dropped,
};

const struct fault_kind fault_kind_loss = {
    .name = "loss",
    .state_size = sizeof(struct net_state),
    .parse = table_parse,
    .revert = heal_partition,
    .by_hand = heal_by_hand,
    .effect = dropped,
};

/* "{ 10.0.0.1, 10.0.0.2 }" for a rule, "postgres2, postgres3" for people. */
static void peer_sets(const struct lab_host_rt *const *peers, size_t n, struct strbuf *addrs,
                      struct strbuf *names)
{
	size_t i;

	strbuf_puts(addrs, "{ ");
	for (i = 0; i < n; i++) {
		strbuf_printf(addrs, "%s%s", i ? ", " : "", peers[i]->addr);
		strbuf_printf(names, "%s%s", i ? ", " : "", peers[i]->def->name);
	}
	strbuf_puts(addrs, " }");
}

/* Drops `percent` of the host's eth0 traffic in `direction` (all of it at 100), only that
 * exchanged with the peers when there are any: a table per fault, so that two of them on
 * one host revert one at a time. */
static int drop_traffic(struct fault_set *fs, const struct fault_kind *type,
                        const struct lab_host_rt *h,
                        const char *direction, const struct lab_host_rt *const *peers,
                        size_t npeers, int percent)
{
	bool in = strcmp(direction, "both") == 0 || strcmp(direction, "in") == 0;
	bool out = strcmp(direction, "both") == 0 || strcmp(direction, "out") == 0;
	struct strbuf sb = STRBUF_INIT, addrs = STRBUF_INIT, names = STRBUF_INIT;
	const char *kind = type->name;
	char table[64], action[48], how[256], target[128], token[32], *dash;
	char keep_in[48] = "", keep_out[48] = "";
	const char *iface = fs->rt->ops->builds_hosts ? "\"eth0\"" : "!= \"lo\"";
	const char *dir_words = !npeers                         ? ""
	                        : strcmp(direction, "in") == 0  ? " from "
	                        : strcmp(direction, "out") == 0 ? " to "
	                                                        : " to and from ";
	struct fault *f;
	int rc;

	if (!in && !out)
		return error_set("%s direction must be 'both', 'in' or 'out'; found '%s'", kind,
		                 direction);
	if (percent < 1 || percent > 100)
		return error_set("%s: the share of packets dropped must be 1..100 %%; found %d",
		                 kind, percent);
	fault_next_token(token);
	if ((dash = strchr(token, '-')))
		*dash = '_';
	snprintf(table, sizeof(table), "pgdrill_%s_%s", kind, token);
	if (percent < 100)
		snprintf(action, sizeof(action), "numgen random mod 100 < %d counter drop", percent);
	else
		snprintf(action, sizeof(action), "counter drop");
	if (npeers)
		peer_sets(peers, npeers, &addrs, &names);
	/* A host pgdrill did not build is reached over SSH, and must stay reachable for the
	 * revert: its SSH port is exempt, and its interfaces are all but loopback. */
	if (!fs->rt->ops->builds_hosts) {
		snprintf(keep_in, sizeof(keep_in), " tcp dport %ld accept;", h->def->ssh.port);
		snprintf(keep_out, sizeof(keep_out), " tcp sport %ld accept;", h->def->ssh.port);
	}
	strbuf_printf(&sb, "table inet %s {\n", table);
	if (in)
		strbuf_printf(&sb,
		              "  chain input { type filter hook input priority -10; policy accept;%s"
		              " iifname %s %s%s%s%s; }\n",
		              keep_in, iface, npeers ? "ip saddr " : "",
		              npeers ? strbuf_str(&addrs) : "", npeers ? " " : "", action);
	if (out)
		strbuf_printf(
		    &sb,
		    "  chain output { type filter hook output priority -10; policy accept;%s"
		    " oifname %s %s%s%s%s; }\n",
		    keep_out, iface, npeers ? "ip daddr " : "", npeers ? strbuf_str(&addrs) : "",
		    npeers ? " " : "", action);
	strbuf_puts(&sb, "}\n");
	f = fault_begin(fs, type, h, table);
	rc = f ? nft(fs->rt, h, strbuf_str(&sb)) : -1;
	strbuf_free(&sb);
	if (rc < 0 && f)
		fault_failed(fs, f);
	if (rc == 0) {
		snprintf(how, sizeof(how),
		         "nftables drops %s%s traffic on %s%s%s (silently: no reset)",
		         percent < 100 ? "a random share of " : "",
		         strcmp(direction, "both") == 0 ? "all" : direction,
		         fs->rt->ops->builds_hosts ? "eth0" : "all but lo (SSH kept)", dir_words,
		         npeers ? strbuf_str(&names) : "");
		snprintf(target, sizeof(target), "%s%s%s", direction, npeers ? " " : "",
		         npeers ? strbuf_str(&names) : "");
		if (percent < 100) {
			size_t n = strlen(target);

			snprintf(target + n, sizeof(target) - n, " %d%%", percent);
		}
		rc = fault_applied(fs, f, target, how);
	}
	strbuf_free(&addrs);
	strbuf_free(&names);
	return rc;
}

int fault_partition(struct fault_set *fs, const struct lab_host_rt *h, const char *direction,
                    const struct lab_host_rt *const *peers, size_t npeers)
{
	return drop_traffic(fs, &fault_kind_partition, h, direction, peers, npeers, 100);
}

int fault_loss(struct fault_set *fs, const struct lab_host_rt *h, int percent,
               const struct lab_host_rt *const *peers, size_t npeers)
{
	return drop_traffic(fs, &fault_kind_loss, h, "both", peers, npeers, percent);
}

static int set_link(const struct lab_rt *rt, const struct lab_host_rt *h, const char *updown)
{
	char *argv[] = {"ip", "link", "set", "eth0", (char *)updown, NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = 10000};
	struct proc_result res;
	int rc;

	if (host_run(rt, h, &spec, &res) < 0)
		return -1;
	rc = res.status == 0 ? 0
	                     : error_set("host %s: ip link set eth0 %s: %s", h->def->name, updown,
	                                 res.err);
	proc_result_free(&res);
	return rc;
}

/* The interface is always eth0: the state is its name, for the record. */
static int link_parse(const char *text, void *state)
{
	(void)state;
	return strcmp(text, "eth0") == 0 ? 0 : error_set("'%s' is not eth0", text);
}

static int link_up(struct lab_rt *rt, const struct lab_host_rt *h, const void *state)
{
	(void)state;
	return set_link(rt, h, "up");
}

static char *link_up_by_hand(const struct lab_host_rt *h, const void *state)
{
	(void)h;
	(void)state;
	return xstrdup("ip link set eth0 up");
}

const struct fault_kind fault_kind_link_down = {
    .name = "link_down",
    .state_size = 1,
    .parse = link_parse,
    .revert = link_up,
    .by_hand = link_up_by_hand,
};

/* The kernel's own word on the link, as the evidence that it is down. */
static void link_state_effect(struct fault_set *fs, const struct lab_host_rt *h, int id)
{
	char *argv[] = {"ip", "-o", "link", "show", "eth0", NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = 10000};
	struct proc_result res;
	char *seen;

	if (host_run(fs->rt, h, &spec, &res) < 0) {
		fault_effect(fs, id, NULL, -1, error_last());
		error_clear();
		return;
	}
	res.out[strcspn(res.out, "\n")] = '\0';
	if (res.status == 0 && strstr(res.out, " state DOWN ") && !strstr(res.out, ",UP"))
		fault_effect(fs, id, NULL, 1, "ip link show eth0: down, state DOWN");
	else {
		seen = xasprintf("ip link show eth0 (exit %d): %.200s", res.status, res.out);
		fault_effect(fs, id, NULL, 0, seen);
		free(seen);
	}
	proc_result_free(&res);
}

int fault_link_down(struct fault_set *fs, const struct lab_host_rt *h)
{
	struct fault *f;
	int id;

	/* The link is also the way pgdrill reaches the host: nothing could bring it back. */
	if (!fs->rt->ops->builds_hosts)
		return error_set("link_down on host %s: a host pgdrill reaches over SSH would be cut "
		                 "off from pgdrill as well, and nothing could revert it; it needs a "
		                 "host pgdrill builds (netns, or a hypervisor's console)",
		                 h->def->name);
	f = fault_begin(fs, &fault_kind_link_down, h, "eth0");

	if (!f)
		return -1;
	if (set_link(fs->rt, h, "down") < 0)
		return fault_failed(fs, f);
	id = fault_applied(fs, f, "eth0",
	                   "ip link set eth0 down inside the host (the cable pulled: peers see "
	                   "no reset)");
	link_state_effect(fs, h, id);
	return id;
}
