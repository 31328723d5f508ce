#include "fault/fault.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "util/error.h"
#include "util/strbuf.h"

static const struct fault_kind *const kinds[] = {
    &fault_kind_pause,     &fault_kind_fill_disk, &fault_kind_break_hba,
    &fault_kind_partition, &fault_kind_loss, &fault_kind_link_down, &fault_kind_barman_restore,
    &fault_kind_delay, &fault_kind_haproxy_check,
};

static const struct fault_kind *kind_named(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i]->name, name) == 0)
			return kinds[i];
	return NULL;
}

void fault_set_init(struct fault_set *fs, struct lab_rt *rt, struct journal *j)
{
	memset(fs, 0, sizeof(*fs));
	fs->rt = rt;
	fs->j = j;
	fs->asked = -1;
}

static unsigned serial;

void fault_next_token(char token[32])
{
	/* The PID and a counter: unique among the runs a state file sees, since a run
	 * reverts what an earlier one left before it injects anything. */
	snprintf(token, 32, "%ld-%u", (long)getpid(), serial + 1);
}

static struct fault *new_fault(struct fault_set *fs, const char *kind,
                               const struct lab_host_rt *h)
{
	struct fault *f;

	fs->items = xrealloc(fs->items, (fs->count + 1) * sizeof(*fs->items));
	f = &fs->items[fs->count++];
	memset(f, 0, sizeof(*f));
	f->id = (int)fs->count;
	snprintf(f->kind, sizeof(f->kind), "%s", kind);
	snprintf(f->host, sizeof(f->host), "%s", h->def->name);
	fault_next_token(f->token);
	serial++;
	f->start = journal_now(fs->j);
	f->end = f->start;
	return f;
}

static void drop_last(struct fault_set *fs)
{
	free(fs->items[fs->count - 1].state);
	fs->count--;
}

static int record(struct fault_set *fs, const struct fault *f)
{
	if (fs->rt->state.frozen)
		return 0; /* a dry run: the fault is not applied */
	if (fs->rt->state.fd < 0)
		return error_set("the lab's state file is not open: a fault that is not recorded "
		                 "could outlive pgdrill");
	return state_append(&fs->rt->state, STATE_FAULT, "%s %s %s %s", f->token, f->kind,
	                    f->host, f->state);
}

static bool plain_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

struct fault *fault_begin(struct fault_set *fs, const struct fault_kind *type,
                          const struct lab_host_rt *h, const char *state)
{
	struct fault *f;

	if (!plain_text(state) || !*state) {
		error_set("%s on %s: a fault state must be one line of text", type->name,
		          h->def->name);
		return NULL;
	}
	f = new_fault(fs, type->name, h);
	f->type = type;
	f->state = xstrdup(state);
	if (record(fs, f) < 0) {
		drop_last(fs);
		return NULL;
	}
	return f;
}

int fault_restate(struct fault_set *fs, struct fault *f, const char *state)
{
	if (!plain_text(state) || !*state)
		return error_set("%s on %s: a fault state must be one line of text", f->kind,
		                 f->host);
	free(f->state);
	f->state = xstrdup(state);
	return record(fs, f);
}

static void announce(struct fault_set *fs, const struct fault *f, const char *how)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "id", json_object_new_int(f->id));
	json_object_object_add(d, "fault", json_object_new_string(f->kind));
	json_object_object_add(d, "host", json_object_new_string(f->host));
	json_object_object_add(d, "target", json_object_new_string(f->target));
	json_object_object_add(d, "mechanism", json_object_new_string(how));
	json_object_object_add(d, "reversible", json_object_new_boolean(f->type != NULL));
	/* How long the fault took to put in place: a switchover's or a restore's own time. */
	if (fs->asked >= 0)
		json_object_object_add(d, "applying_s",
		                       json_object_new_double(journal_now(fs->j) - fs->asked));
	journal_event(fs->j, "fault", d, "#%d %s on %s (%s): %s%s", f->id, f->kind, f->host,
	              f->target, how, fs->rt->dry ? " [dry run: not applied]" : "");
}

int fault_applied(struct fault_set *fs, struct fault *f, const char *target, const char *how)
{
	snprintf(f->target, sizeof(f->target), "%s", target);
	f->start = journal_now(fs->j);
	f->end = -1;
	f->active = true;
	announce(fs, f, how);
	return f->id;
}

int fault_parse_proc(const char *text, struct host_proc *out)
{
	long pid;
	int used = 0;

	if (sscanf(text, "%ld %llu%n", &pid, &out->start, &used) != 2 || text[used] || pid <= 1 ||
	    pid > 1 << 22)
		return error_set("'%s' is not 'PID STARTTIME'", text);
	out->pid = (pid_t)pid;
	return 0;
}

int fault_parse_state(const struct fault_kind *type, const char *text, void *state)
{
	memset(state, 0, type->state_size);
	if (!plain_text(text))
		return error_set("%s: the recorded state holds a control character", type->name);
	return type->parse(text, state);
}

/* Undoes a fault of `type` on h from its state text. */
static int undo(struct lab_rt *rt, const struct fault_kind *type, const struct lab_host_rt *h,
                const char *text)
{
	void *state = xcalloc(1, type->state_size);
	int rc = fault_parse_state(type, text, state);

	if (rc == 0 && rt->dry && type->by_hand) {
		/* Nothing was applied for the revert to find: what it would do, as a DBA
		 * would type it. */
		char *cmd = type->by_hand(h, state);

		host_dry_say(rt, h, "revert %s: %s", type->name, cmd);
		free(cmd);
	} else if (rc == 0) {
		rc = type->revert(rt, h, state);
	}
	free(state);
	return rc;
}

static int record_reverted(struct lab_rt *rt, const char *token)
{
	return state_append(&rt->state, STATE_REVERTED, "%s", token);
}

int fault_failed(struct fault_set *fs, struct fault *f)
{
	char *why = xstrdup(error_pending() ? error_last() : "failed");
	const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);

	/* Whatever part of it was applied goes; the apply's error is the one to tell. */
	error_clear();
	if (h && undo(fs->rt, f->type, h, f->state) == 0)
		record_reverted(fs->rt, f->token);
	error_clear();
	drop_last(fs);
	error_set("%s", why);
	free(why);
	return -1;
}

int fault_note(struct fault_set *fs, const char *kind, const struct lab_host_rt *h,
               const char *target, const char *how)
{
	struct fault *f = new_fault(fs, kind, h);

	snprintf(f->target, sizeof(f->target), "%s", target);
	announce(fs, f, how);
	return f->id;
}

static int revert(struct fault_set *fs, struct fault *f)
{
	const struct lab_host_rt *h = lab_rt_host(fs->rt, f->host);
	json_object *d;
	int rc;

	if (!f->active)
		return 0;
	fault_effect_before_revert(fs, f);
	rc = h ? undo(fs->rt, f->type, h, f->state) : error_set("no host %s in the lab", f->host);
	if (rc == 0)
		rc = record_reverted(fs->rt, f->token);
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
	} else if (fs->rt->dry) {
		journal_event(fs->j, "revert", d, "#%d %s on %s: its revert printed [dry run]", f->id,
		              f->kind, f->host);
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

	for (i = 0; i < fs->count; i++)
		free(fs->items[i].state);
	free(fs->items);
	memset(fs, 0, sizeof(*fs));
}


/* "fault TOKEN KIND HOST STATE...": the entry's arg is the token, the rest the others. */
struct recorded {
	const char *token;
	char kind[32], host[64];
	const char *state;
};

static bool split_recorded(const struct state_entry *e, struct recorded *r)
{
	int used = 0;

	r->token = e->arg;
	if (sscanf(e->rest, "%31s %63s %n", r->kind, r->host, &used) != 2 || used == 0)
		return false;
	r->state = e->rest + used;
	return true;
}

/* Whether the fault entry i is still applied: no later "reverted" nor later record of
 * the same token (a restate supersedes it). */
static bool still_applied(const struct state_entry *e, size_t n, size_t i)
{
	size_t k;

	for (k = i + 1; k < n; k++)
		if ((e[k].kind == STATE_REVERTED || e[k].kind == STATE_FAULT) &&
		    strcmp(e[k].arg, e[i].arg) == 0)
			return false;
	return true;
}

size_t fault_count_recorded(const struct state_entry *e, size_t n)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		count += e[i].kind == STATE_FAULT && still_applied(e, n, i);
	return count;
}

static void sayf(void (*say)(void *, const char *), void *ud, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sayf(void (*say)(void *, const char *), void *ud, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(ud, line);
}

static int revert_recorded_one(struct lab_rt *rt, const struct recorded *r,
                               void (*say)(void *, const char *), void *ud)
{
	const struct fault_kind *type = kind_named(r->kind);
	const struct lab_host_rt *h = lab_rt_host(rt, r->host);
	void *state;
	char *manual;
	int rc;

	if (!type || !h) {
		sayf(say, ud, "fault %s (%s on %s) is of no known kind or host: revert it by hand",
		     r->token, r->kind, r->host);
		return -1;
	}
	state = xcalloc(1, type->state_size);
	if (fault_parse_state(type, r->state, state) < 0) {
		sayf(say, ud, "fault %s (%s on %s): its record is not of its kind's form (%s): "
		     "revert it by hand",
		     r->token, r->kind, r->host, error_last());
		error_clear();
		free(state);
		return -1;
	}
	sayf(say, ud, "reverting %s on %s, which the state file records as still applied",
	     r->kind, r->host);
	rc = type->revert(rt, h, state);
	if (rc == 0)
		rc = record_reverted(rt, r->token);
	if (rc < 0) {
		manual = type->by_hand(h, state);
		sayf(say, ud, "could not revert %s on %s: %s; revert it by hand on %s: %s", r->kind,
		     r->host, error_last(), r->host, manual);
		free(manual);
		error_clear();
	}
	free(state);
	return rc;
}

int fault_revert_recorded(struct lab_rt *rt, const struct state_entry *e, size_t n,
                          void (*say)(void *ud, const char *line), void *ud)
{
	size_t i;
	int failed = 0;

	for (i = n; i-- > 0;) {
		struct recorded r;

		if (e[i].kind != STATE_FAULT || !still_applied(e, n, i))
			continue;
		if (!split_recorded(&e[i], &r)) {
			sayf(say, ud, "a fault record of the state file cannot be read: '%s %s'",
			     e[i].arg, e[i].rest);
			failed++;
			continue;
		}
		failed += revert_recorded_one(rt, &r, say, ud) < 0;
	}
	return failed;
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
