#include "fault/fault.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/error.h"
#include "util/strbuf.h"

void fault_set_init(struct fault_set *fs, struct lab_rt *rt, struct journal *j)
{
	memset(fs, 0, sizeof(*fs));
	fs->rt = rt;
	fs->j = j;
}

struct fault *fault_add(struct fault_set *fs, const char *kind, const struct lab_host_rt *h,
                        const char *target, fault_revert_fn revert, const char *how)
{
	struct fault *f;
	json_object *d = json_object_new_object();

	fs->items = xrealloc(fs->items, (fs->count + 1) * sizeof(*fs->items));
	f = &fs->items[fs->count++];
	memset(f, 0, sizeof(*f));
	f->id = (int)fs->count;
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	snprintf(f->host, sizeof(f->host), "%s", h->def->name);
	snprintf(f->target, sizeof(f->target), "%s", target);
	f->start = journal_now(fs->j);
	f->end = revert ? -1 : f->start;
	f->active = revert != NULL;
	f->revert = revert;
	json_object_object_add(d, "id", json_object_new_int(f->id));
	json_object_object_add(d, "fault", json_object_new_string(kind));
	json_object_object_add(d, "host", json_object_new_string(f->host));
	json_object_object_add(d, "target", json_object_new_string(target));
	json_object_object_add(d, "mechanism", json_object_new_string(how));
	json_object_object_add(d, "reversible", json_object_new_boolean(revert != NULL));
	journal_event(fs->j, "fault", d, "#%d %s on %s (%s): %s", f->id, kind, f->host, target,
	              how);
	return f;
}

static int revert(struct fault_set *fs, struct fault *f)
{
	json_object *d;
	int rc;

	if (!f->active)
		return 0;
	rc = f->revert(fs->rt, f);
	f->active = false;
	f->end = journal_now(fs->j);
	d = json_object_new_object();
	json_object_object_add(d, "id", json_object_new_int(f->id));
	json_object_object_add(d, "ok", json_object_new_boolean(rc == 0));
	json_object_object_add(d, "duration", json_object_new_double(f->end - f->start));
	if (rc < 0) {
		json_object_object_add(d, "error", json_object_new_string(error_last()));
		journal_event(fs->j, "revert", d, "#%d %s on %s FAILED: %s", f->id, f->kind,
		              f->host, error_last());
		error_clear();
	} else {
		journal_event(fs->j, "revert", d, "#%d %s on %s reverted after %.2f s", f->id,
		              f->kind, f->host, f->end - f->start);
	}
	return rc;
}

int fault_revert_one(struct fault_set *fs, int id)
{
	if (id < 1 || (size_t)id > fs->count)
		return error_set("no fault #%d in this drill", id);
	return revert(fs, &fs->items[id - 1]);
}

int fault_revert_all(struct fault_set *fs)
{
	size_t i;
	int failed = 0;

	for (i = fs->count; i-- > 0;)
		failed += revert(fs, &fs->items[i]) < 0;
	return failed;
}

void fault_set_free(struct fault_set *fs)
{
	size_t i;

	for (i = 0; i < fs->count; i++) {
		free(fs->items[i].saved);
		free(fs->items[i].path);
	}
	free(fs->items);
	memset(fs, 0, sizeof(*fs));
}

int signal_number(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {{"KILL", SIGKILL}, {"TERM", SIGTERM}, {"INT", SIGINT},   {"QUIT", SIGQUIT},
	            {"HUP", SIGHUP},   {"STOP", SIGSTOP}, {"CONT", SIGCONT}, {"USR1", SIGUSR1},
	            {"USR2", SIGUSR2}, {"ABRT", SIGABRT}};
	size_t i;

	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcasecmp(name, sigs[i].name) == 0)
			return sigs[i].sig;
	return -1;
}
