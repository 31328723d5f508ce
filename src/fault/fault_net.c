/* Network partitions and packet loss with nftables inside the host's own namespace:
 * loopback keeps working, the lab network (or the part of it named) does not, or loses a
 * random share of its packets. (This kernel has no netem: latency is not offered.) */
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

static int heal_partition(struct lab_rt *rt, struct fault *f)
{
	char *script = xasprintf("delete table inet %s\n", f->saved);
	int rc = nft(rt, lab_rt_host(rt, f->host), script);

	free(script);
	return rc;
}

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
static int drop_traffic(struct fault_set *fs, const char *kind, const struct lab_host_rt *h,
                        const char *direction, const struct lab_host_rt *const *peers,
                        size_t npeers, int percent)
{
	bool in = strcmp(direction, "both") == 0 || strcmp(direction, "in") == 0;
	bool out = strcmp(direction, "both") == 0 || strcmp(direction, "out") == 0;
	struct strbuf sb = STRBUF_INIT, addrs = STRBUF_INIT, names = STRBUF_INIT;
	char table[48], action[48] = "drop", how[256], target[128];
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
	snprintf(table, sizeof(table), "pgdrill_%s_%zu", kind, fs->count + 1);
	if (percent < 100)
		snprintf(action, sizeof(action), "numgen random mod 100 < %d drop", percent);
	if (npeers)
		peer_sets(peers, npeers, &addrs, &names);
	strbuf_printf(&sb, "table inet %s {\n", table);
	if (in)
		strbuf_printf(&sb,
		              "  chain input { type filter hook input priority -10; policy accept;"
		              " iifname \"eth0\" %s%s%s%s; }\n",
		              npeers ? "ip saddr " : "", npeers ? strbuf_str(&addrs) : "",
		              npeers ? " " : "", action);
	if (out)
		strbuf_printf(
		    &sb,
		    "  chain output { type filter hook output priority -10; policy accept;"
		    " oifname \"eth0\" %s%s%s%s; }\n",
		    npeers ? "ip daddr " : "", npeers ? strbuf_str(&addrs) : "", npeers ? " " : "",
		    action);
	strbuf_puts(&sb, "}\n");
	rc = nft(fs->rt, h, strbuf_str(&sb));
	strbuf_free(&sb);
	if (rc == 0) {
		snprintf(how, sizeof(how),
		         "nftables drops %s%s traffic on eth0%s%s (silently: no reset)",
		         percent < 100 ? "a random share of " : "",
		         strcmp(direction, "both") == 0 ? "all" : direction, dir_words,
		         npeers ? strbuf_str(&names) : "");
		snprintf(target, sizeof(target), "%s%s%s", direction, npeers ? " " : "",
		         npeers ? strbuf_str(&names) : "");
		if (percent < 100) {
			size_t n = strlen(target);

			snprintf(target + n, sizeof(target) - n, " %d%%", percent);
		}
		f = fault_add(fs, kind, h, target, heal_partition, how);
		f->saved = xstrdup(table);
		rc = f->id;
	}
	strbuf_free(&addrs);
	strbuf_free(&names);
	return rc;
}

int fault_partition(struct fault_set *fs, const struct lab_host_rt *h, const char *direction,
                    const struct lab_host_rt *const *peers, size_t npeers)
{
	return drop_traffic(fs, "partition", h, direction, peers, npeers, 100);
}

int fault_loss(struct fault_set *fs, const struct lab_host_rt *h, int percent,
               const struct lab_host_rt *const *peers, size_t npeers)
{
	return drop_traffic(fs, "loss", h, "both", peers, npeers, percent);
}

static int link_up(struct lab_rt *rt, struct fault *f)
{
	char *argv[] = {"ip", "link", "set", "eth0", "up", NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = 10000};
	struct proc_result res;
	int rc;

	if (host_run(rt, lab_rt_host(rt, f->host), &spec, &res) < 0)
		return -1;
	rc = res.status == 0 ? 0 : error_set("host %s: ip link set eth0 up: %s", f->host, res.err);
	proc_result_free(&res);
	return rc;
}

int fault_link_down(struct fault_set *fs, const struct lab_host_rt *h)
{
	char *argv[] = {"ip", "link", "set", "eth0", "down", NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = 10000};
	struct proc_result res;
	int rc;

	if (host_run(fs->rt, h, &spec, &res) < 0)
		return -1;
	rc = res.status == 0
	         ? 0
	         : error_set("host %s: ip link set eth0 down: %s", h->def->name, res.err);
	proc_result_free(&res);
	if (rc < 0)
		return -1;
	return fault_add(fs, "link_down", h, "eth0", link_up,
	                 "ip link set eth0 down inside the host (the cable pulled: peers see "
	                 "no reset)")
	    ->id;
}
