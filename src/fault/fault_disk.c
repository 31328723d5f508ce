/* Disk full: a ballast file that leaves the host's disk with a chosen free space. */
#include <stdio.h>
#include <stdlib.h>

#include "fault/fault.h"
#include "util/error.h"
#include "util/strbuf.h"

static int remove_ballast(struct lab_rt *rt, struct fault *f)
{
	const struct lab_host_rt *h = lab_rt_host(rt, f->host);

	return h ? host_remove(rt, h, f->path) : error_set("no host %s in the lab", f->host);
}

int fault_fill_disk(struct fault_set *fs, const struct lab_host_rt *h, unsigned long long leave)
{
	/* At the root of the host's disk: relative to the host, as every host path is. */
	char *rel = xasprintf("pgdrill-ballast-%zu", fs->count + 1);
	unsigned long long avail, size;
	char how[128];
	struct fault *f;

	if (host_free_space(fs->rt, h, rel, &avail) < 0)
		goto fail;
	if (avail <= leave) {
		error_set("host %s: only %llu bytes free, less than the %llu to leave", h->def->name,
		          avail, leave);
		goto fail;
	}
	size = avail - leave;
	if (host_allocate(fs->rt, h, rel, size) < 0)
		goto fail;
	snprintf(how, sizeof(how), "ballast file of %llu bytes, %llu bytes left free", size, leave);
	f = fault_add(fs, "fill_disk", h, "disk", remove_ballast, how);
	f->path = rel;
	return f->id;
fail:
	free(rel);
	return -1;
}
