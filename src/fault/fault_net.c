/* Network partitions with nftables inside the host's own namespace: loopback keeps
 * working, the lab network does not. (This kernel has no netem: latency and loss need
 * another mechanism and are not offered yet.) */
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
	return nft(rt, lab_rt_host(rt, f->host), "delete table inet " NFT_TABLE "\n");
}

int fault_partition(struct fault_set *fs, const struct lab_host_rt *h, const char *direction)
{
	bool in = strcmp(direction, "both") == 0 || strcmp(direction, "in") == 0;
	bool out = strcmp(direction, "both") == 0 || strcmp(direction, "out") == 0;
	struct strbuf sb = STRBUF_INIT;
	char how[128];
	int rc;

	if (!in && !out)
		return error_set("partition direction must be 'both', 'in' or 'out'; found '%s'",
		                 direction);
	strbuf_puts(&sb, "table inet " NFT_TABLE " {\n");
	if (in)
		strbuf_puts(&sb,
		            "  chain input { type filter hook input priority -10; policy accept;"
		            " iifname \"eth0\" drop; }\n");
	if (out)
		strbuf_puts(&sb,
		            "  chain output { type filter hook output priority -10; policy accept;"
		            " oifname \"eth0\" drop; }\n");
	strbuf_puts(&sb, "}\n");
	rc = nft(fs->rt, h, strbuf_str(&sb));
	strbuf_free(&sb);
	if (rc < 0)
		return -1;
	snprintf(how, sizeof(how), "nftables drops %s traffic on eth0 (silently: no reset)",
	         strcmp(direction, "both") == 0 ? "all"
	         : direction == NULL            ? ""
	                                        : direction);
	return fault_add(fs, "partition", h, direction, heal_partition, how)->id;
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
