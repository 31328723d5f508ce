/* Evidence that a fault bit. A drill passes only when its fault visibly took effect: a
 * kill whose process lived on, a partition that dropped nothing or a disk that never
 * filled proves nothing about the cluster. Each fault's evidence goes into the journal
 * (an "effect" event with what was seen) and into the drill's checks, so that a fault
 * without effect fails the drill with "the fault had no effect: ...". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/fault.h"
#include "util/error.h"
#include "util/strbuf.h"

static const char *const logs[] = FAULT_LOGS;
#define NLOGS (sizeof(logs) / sizeof(logs[0]))

void fault_effect(struct fault_set *fs, int id, const char *what, int bit, const char *seen)
{
	if (fs->rt->dry)
		return; /* nothing was done: nothing to see */
	struct fault *f;
	json_object *d;
	char name[192], *detail;

	if (id < 1 || (size_t)id > fs->count || (!what && fs->items[id - 1].effect_seen))
		return;
	f = &fs->items[id - 1];
	if (!what)
		f->effect_seen = true;
	d = json_object_new_object();
	json_object_object_add(d, "id", json_object_new_int(f->id));
	if (what)
		json_object_object_add(d, "expected", json_object_new_string(what));
	json_object_object_add(d, "bit", bit < 0 ? NULL : json_object_new_boolean(bit > 0));
	json_object_object_add(d, "seen", json_object_new_string(seen));
	journal_event(fs->j, "effect", d, "#%d %s on %s%s%s%s %s: %s", f->id, f->kind, f->host,
	              what ? " (expected: " : "", what ? what : "", what ? ")" : "",
	              bit > 0    ? "took effect"
	              : bit == 0 ? "had NO effect"
	                         : "could not be observed",
	              seen);
	if (what)
		snprintf(name, sizeof(name), "fault #%d %s: %s", f->id, f->kind, what);
	else
		snprintf(name, sizeof(name), "fault #%d %s %s took effect", f->id, f->kind,
		         f->target);
	detail = bit > 0    ? NULL
	         : bit == 0 ? xasprintf("the fault had no effect: %s on %s: %s", f->kind, f->host,
	                                seen)
	                    : xasprintf("the fault's effect could not be observed: %s on %s: %s",
	                                f->kind, f->host, seen);
	journal_check(fs->j, name, bit > 0, seen, detail ? detail : "", NULL);
	free(detail);
}

void fault_mark_logs(struct fault_set *fs, struct fault *f)
{
	const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);
	size_t i;

	for (i = 0; i < NLOGS; i++) {
		long long size;

		f->log_mark[i] = -1;
		if (h && host_log_size(fs->rt, h, logs[i], &size) == 0)
			f->log_mark[i] = size;
		error_clear(); /* a host without that service has no such log */
	}
}

/* The line of `text` around `at`, as one owned string. */
static char *line_at(const char *text, const char *at)
{
	const char *from = at, *to = at + strcspn(at, "\n");

	while (from > text && from[-1] != '\n')
		from--;
	return xasprintf("%.*s", (int)(to - from > 300 ? 300 : to - from), from);
}

char *fault_logs_since(struct fault_set *fs, const struct fault *f, const char *needle)
{
	const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);
	char *found = NULL;
	size_t i;

	for (i = 0; h && i < NLOGS && !found; i++) {
		char *text = NULL, *at;
		long long size;

		/* Only what was written after the mark (all of a log replaced since). */
		if (f->log_mark[i] < 0 ||
		    host_get_log_from(fs->rt, h, logs[i], f->log_mark[i], &text, &size) < 0) {
			error_clear();
			continue;
		}
		if ((at = strstr(text, needle))) {
			char *line = line_at(text, at);

			found = xasprintf("%s.log: %s", logs[i], line);
			free(line);
		}
		free(text);
	}
	return found;
}

void fault_effect_before_revert(struct fault_set *fs, struct fault *f)
{
	if (fs->rt->dry)
		return; /* nothing was done: nothing to see */
	struct strbuf seen = STRBUF_INIT;
	void *state;
	int bit;

	if (f->effect_seen || !f->type || !f->type->effect)
		return;
	state = xcalloc(1, f->type->state_size);
	bit = fault_parse_state(f->type, f->state, state);
	if (bit == 0)
		bit = f->type->effect(fs, f, state, &seen);
	if (bit < 0) {
		strbuf_printf(&seen, "%s%s", seen.len ? "; " : "", error_last());
		error_clear();
	}
	fault_effect(fs, f->id, NULL, bit, strbuf_str(&seen));
	strbuf_free(&seen);
	free(state);
}
