#include "roles/health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/haproxy.h"
#include "roles/status.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

static void assess(const struct lab_rt *rt, struct health *out, bool survivors)
{
	const struct lab_host_rt *proxy = lab_rt_by_role(rt, ROLE_PROXY);
	struct lab_status st;
	char down[256] = "";
	bool *is_down = xcalloc(rt->nhosts, sizeof(*is_down));
	size_t i;

	memset(out, 0, sizeof(*out));
	status_collect_views(rt, &st, false);
	out->primaries = st.primaries;
	out->primary = st.primaries == 1 ? status_primary(&st) : NULL;
	if (st.primaries != 1) {
		snprintf(out->why, sizeof(out->why), "%d servers accept writes (expected 1)",
		         st.primaries);
		goto done;
	}
	for (i = 0; i < st.count; i++) {
		const struct host_status *h = &st.hosts[i];

		if (h->host->def->role != ROLE_PRIMARY && h->host->def->role != ROLE_STANDBY)
			continue;
		if (h->host == out->primary)
			continue;
		if (!h->reachable && survivors) {
			size_t n = strlen(down);

			snprintf(down + n, sizeof(down) - n, "%s%s", n ? ", " : "",
			         h->host->def->name);
			is_down[h->host->index] = true;
			continue;
		}
		if (!h->reachable) {
			snprintf(out->why, sizeof(out->why), "%s does not answer",
			         h->host->def->name);
			goto done;
		}
		/* Both ends: a receiver that the primary refuses (the WAL it asks for is gone)
		 * says 'streaming' for a moment every second, and the primary never does. */
		if (strcmp(h->wal_receiver, "streaming") != 0 ||
		    strcmp(h->upstream, out->primary->addr) != 0 || !h->sender_streaming) {
			snprintf(
			    out->why, sizeof(out->why),
			    "%s is not streaming from the primary %s (receiver '%s' from '%s'%s)",
			    h->host->def->name, out->primary->def->name, h->wal_receiver,
			    h->upstream,
			    h->sender_streaming ? "" : "; the primary does not see it streaming");
			goto done;
		}
	}
	if (proxy) {
		char *csv = NULL;

		if (haproxy_stats(rt, proxy, &csv) < 0) {
			snprintf(out->why, sizeof(out->why), "%s", error_last());
			error_clear();
			goto done;
		}
		if (!haproxy_routing_converged(rt, csv, out->primary->def->name, is_down, out->why,
		                               sizeof(out->why))) {
			free(csv);
			goto done;
		}
		free(csv);
	}
	out->healthy = true;
	snprintf(out->why, sizeof(out->why),
	         "one primary (%s), standbys streaming, haproxy agrees%s%s",
	         out->primary->def->name, down[0] ? "; down: " : "", down);
done:
	free(is_down);
	status_free(&st);
}

void health_assess(const struct lab_rt *rt, struct health *out)
{
	assess(rt, out, false);
}

void health_assess_survivors(const struct lab_rt *rt, struct health *out)
{
	assess(rt, out, true);
}

int health_wait(const struct lab_rt *rt, int timeout_ms, struct health *out)
{
	long long deadline = proc_now_ms() + timeout_ms;

	for (;;) {
		health_assess(rt, out);
		if (out->healthy)
			return 0;
		if (proc_now_ms() >= deadline)
			return -1;
		usleep(200000);
	}
}
