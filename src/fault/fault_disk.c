/* Disk full: a ballast file that leaves the host's disk with a chosen free space. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/fault.h"
#include "util/error.h"
#include "util/strbuf.h"

#define BALLAST_PREFIX "pgdrill-ballast-"

/* The ballast file, relative to the host's root: pgdrill-ballast-TOKEN. */
struct disk_state {
	char rel[64];
};

static int disk_parse(const char *text, void *state)
{
	struct disk_state *s = state;
	size_t n = strlen(BALLAST_PREFIX);

	if (strncmp(text, BALLAST_PREFIX, n) != 0 || strlen(text) >= sizeof(s->rel) ||
	    !text[n] || strspn(text + n, "0123456789-") != strlen(text + n))
		return error_set("'%s' is not a ballast file of pgdrill's", text);
	snprintf(s->rel, sizeof(s->rel), "%s", text);
	return 0;
}

static int remove_ballast(struct lab_rt *rt, const struct lab_host_rt *h, const void *state)
{
	const struct disk_state *s = state;

	return host_remove(rt, h, s->rel);
}

static char *remove_by_hand(const struct lab_host_rt *h, const void *state)
{
	const struct disk_state *s = state;
	char *path = host_path(h, s->rel), *cmd = xasprintf("rm -f %s", path);

	free(path);
	return cmd;
}

/* Below this, a disk is full for any service that writes pages or WAL segments. */
#define FULL_BELOW (64ull << 10)

/* The disk was full for a service: one of them logged ENOSPC after the ballast went in,
 * or (a service that has not written yet) almost nothing is left free now. */
static int disk_was_full(struct fault_set *fs, const struct fault *f, const void *state,
                         struct strbuf *seen)
{
	const struct disk_state *s = state;
	const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);
	unsigned long long avail;
	char *line = fault_logs_since(fs, f, "No space left on device");

	if (line) {
		strbuf_puts(seen, line);
		free(line);
		return 1;
	}
	if (!h || host_free_space(fs->rt, h, s->rel, &avail) < 0)
		return h ? -1 : error_set("no host %s in the lab", f->host);
	strbuf_printf(seen, "%s%llu bytes free on %s's disk; no service logged 'No space left on device'",
	              avail < FULL_BELOW ? "" : "still ", avail, f->host);
	return avail < FULL_BELOW;
}

const struct fault_kind fault_kind_fill_disk = {
    .name = "fill_disk",
    .state_size = sizeof(struct disk_state),
    .parse = disk_parse,
    .revert = remove_ballast,
    .by_hand = remove_by_hand,
    .effect = disk_was_full,
};

int fault_fill_disk(struct fault_set *fs, const struct lab_host_rt *h, unsigned long long leave)
{
	unsigned long long avail, size;
	char how[128], rel[64], token[32];
	struct fault *f;

	/* At the root of the host's disk, named after the fault's token (unique across runs,
	 * so that a ballast an earlier run left is never mistaken for this one). */
	fault_next_token(token);
	snprintf(rel, sizeof(rel), BALLAST_PREFIX "%s", token);
	f = fault_begin(fs, &fault_kind_fill_disk, h, rel);
	if (!f)
		return -1;
	if (host_free_space(fs->rt, h, rel, &avail) < 0)
		return fault_failed(fs, f);
	if (avail <= leave) {
		error_set("host %s: only %llu bytes free, less than the %llu to leave", h->def->name,
		          avail, leave);
		return fault_failed(fs, f);
	}
	size = avail - leave;
	fault_mark_logs(fs, f);
	if (host_allocate(fs->rt, h, rel, size) < 0)
		return fault_failed(fs, f);
	snprintf(how, sizeof(how), "ballast file of %llu bytes, %llu bytes left free", size, leave);
	return fault_applied(fs, f, "disk", how);
}
