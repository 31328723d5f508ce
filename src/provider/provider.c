#include "provider/provider.h"

#include "provider/host.h"

#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/strbuf.h"

static const struct provider_ops *const providers[] = {&provider_netns, &provider_existing};

int provider_destroy_lab(const char *lab_dir)
{
	const struct provider_ops *ops = &provider_netns;
	struct state_entry *e = NULL;
	size_t n = 0, i, k;
	int rc = state_load(lab_dir, &e, &n);

	if (rc == PD_ENOTFOUND) {
		error_clear();
		return ops->destroy(lab_dir); /* no state: only the directory can be left */
	}
	if (rc < 0)
		return -1;
	for (i = 0; i < n; i++) {
		const char *name;

		if (e[i].kind != STATE_LAB)
			continue;
		/* "lab NAME SUBNET [PROVIDER]": the provider is the last word of the rest. */
		name = strrchr(e[i].rest, ' ');
		name = name ? name + 1 : e[i].rest;
		if (strchr(e[i].rest, ' ') == NULL)
			break; /* an older state file: netns */
		for (k = 0; k < sizeof(providers) / sizeof(providers[0]); k++)
			if (strcmp(providers[k]->name, name) == 0)
				break;
		if (k == sizeof(providers) / sizeof(providers[0])) {
			state_entries_free(e, n);
			return error_set("%s/state names the provider '%s', which this pgdrill does "
			                 "not know; nothing was removed",
			                 lab_dir, name);
		}
		ops = providers[k];
		break;
	}
	state_entries_free(e, n);
	return ops->destroy(lab_dir);
}

int lab_rt_init(struct lab_rt *rt, const struct lab *lab)
{
	size_t i;

	memset(rt, 0, sizeof(*rt));
	rt->state.fd = -1;
	rt->lab = lab;
	if (lab->provider.kind == PROVIDER_LIBVIRT)
		return error_set("provider '%s' is not available in this version of pgdrill; use "
		                 "provider.kind: netns or existing",
		                 provider_kind_names[lab->provider.kind]);
	rt->ops = lab->provider.kind == PROVIDER_EXISTING ? &provider_existing : &provider_netns;
	rt->lab_dir = state_lab_dir(lab->provider.state_dir, lab->name);
	rt->hosts_file = xasprintf("%s/etc-hosts", rt->lab_dir);
	/* '.' occurs in no lab or host name, and "br" and "client" are no host's: the
	 * namespaces of two labs can never share a name ("ha-test" + "br" against "ha" +
	 * "test-br" did). */
	rt->client_netns = xasprintf("pgd-%s.client", lab->name);
	rt->client_netns_path = xasprintf("/run/netns/%s", rt->client_netns);
	/* The client namespace takes the subnet's .2; validation keeps hosts off .0-.1. */
	units_format_ipv4(lab->provider.subnet.network + 2, rt->client_addr,
	                  sizeof(rt->client_addr));
	rt->nhosts = lab->hosts.count;
	rt->hosts = xcalloc(rt->nhosts, sizeof(*rt->hosts));
	for (i = 0; i < rt->nhosts; i++) {
		struct lab_host_rt *h = &rt->hosts[i];

		h->def = LAB_HOST(lab, i);
		h->index = (int)i;
		h->netns = xasprintf("pgd-%s.%s", lab->name, h->def->name);
		h->netns_path = xasprintf("/run/netns/%s", h->netns);
		h->host_root = xasprintf("%s/hosts/%s", rt->lab_dir, h->def->name);
		h->log_dir = xasprintf("%s/logs/%s", rt->lab_dir, h->def->name);
		units_format_ipv4(h->def->address, h->addr, sizeof(h->addr));
	}
	return rt->ops->rt_init ? rt->ops->rt_init(rt) : 0;
}

void lab_rt_free(struct lab_rt *rt)
{
	size_t i;

	if (rt->ops && rt->ops->rt_free)
		rt->ops->rt_free(rt);
	for (i = 0; i < rt->nhosts; i++) {
		free(rt->hosts[i].netns);
		free(rt->hosts[i].netns_path);
		free(rt->hosts[i].host_root);
		free(rt->hosts[i].log_dir);
		host_places_free(&rt->hosts[i].places);
	}
	free(rt->hosts);
	free(rt->lab_dir);
	free(rt->hosts_file);
	free(rt->client_netns);
	free(rt->client_netns_path);
	state_close(&rt->state);
	memset(rt, 0, sizeof(*rt));
	rt->state.fd = -1;
}

const struct lab_host_rt *lab_rt_host(const struct lab_rt *rt, const char *name)
{
	size_t i;

	for (i = 0; i < rt->nhosts; i++)
		if (strcmp(rt->hosts[i].def->name, name) == 0)
			return &rt->hosts[i];
	return NULL;
}

const struct lab_host_rt *lab_rt_by_role(const struct lab_rt *rt, enum host_role role)
{
	size_t i;

	for (i = 0; i < rt->nhosts; i++)
		if (rt->hosts[i].def->role == (int)role)
			return &rt->hosts[i];
	return NULL;
}

