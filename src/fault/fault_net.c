/* Network partitions with nftables inside the host's own namespace: loopback keeps
 * working, the lab network (or the part of it named) does not. (This kernel has no netem: latency
 * and loss need another mechanism and are not offered yet.) */
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

int fault_partition(struct fault_set *fs, const struct lab_host_rt *h, const char *direction,
                    const struct lab_host_rt *const *peers, size_t npeers)
{
	bool in = strcmp(direction, "both") == 0 || strcmp(direction, "in") == 0;
	bool out = strcmp(direction, "both") == 0 || strcmp(direction, "out") == 0;
	struct strbuf sb = STRBUF_INIT, addrs = STRBUF_INIT, names = STRBUF_INIT;
	/* A table per fault, so that two partitions on one host revert one at a time. */
	char table[48], how[256], target[128];
	struct fault *f;
	int rc;

	if (!in && !out)
		return error_set("partition direction must be 'both', 'in' or 'out'; found '%s'",
		                 direction);
	snprintf(table, sizeof(table), NFT_TABLE "_%zu", fs->count + 1);
	if (npeers)
		peer_sets(peers, npeers, &addrs, &names);
	strbuf_printf(&sb, "table inet %s {\n", table);
	if (in)
		strbuf_printf(&sb,
		              "  chain input { type filter hook input priority -10; policy accept;"
		              " iifname \"eth0\" %s%s drop; }\n",
		              npeers ? "ip saddr " : "", npeers ? strbuf_str(&addrs) : "");
	if (out)
		strbuf_printf(
		    &sb,
		    "  chain output { type filter hook output priority -10; policy accept;"
		    " oifname \"eth0\" %s%s drop; }\n",
		    npeers ? "ip daddr " : "", npeers ? strbuf_str(&addrs) : "");
	strbuf_puts(&sb, "}\n");
	rc = nft(fs->rt, h, strbuf_str(&sb));
	strbuf_free(&sb);
	if (rc == 0) {
		snprintf(how, sizeof(how),
		         "nftables drops %s traffic on eth0%s%s (silently: no reset)",
		         strcmp(direction, "both") == 0 ? "all" : direction,
		         npeers ? (strcmp(direction, "in") == 0    ? " from "
		                   : strcmp(direction, "out") == 0 ? " to "
		                                                   : " to and from ")
		                : "",
		         npeers ? strbuf_str(&names) : "");
		snprintf(target, sizeof(target), "%s%s%s", direction, npeers ? " " : "",
		         npeers ? strbuf_str(&names) : "");
		f = fault_add(fs, "partition", h, target, heal_partition, how);
		f->saved = xstrdup(table);
		rc = f->id;
	}
	strbuf_free(&addrs);
	strbuf_free(&names);
	return rc;
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
