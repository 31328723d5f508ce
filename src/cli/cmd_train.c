/* pgdrill train: exercises a person solves by hand on a lab pgdrill broke for them. The
 * exercise's breaking runs like a drill (its faults recorded in the state file), but the
 * faults stay: the trainee repairs the lab with the real tools, and the exercise's goals
 * say when it is repaired. Then (or on giving up) what is still recorded is reverted and
 * the lab healed for the next exercise or drill. */
#include <dirent.h>
#include <libpq-fe.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "fault/fault.h"
#include "journal/journal.h"
#include "lab/model.h"
#include "lua/engine.h"
#include "lua/train.h"
#include "provider/state.h"
#include "roles/cluster.h"
#include "roles/heal.h"
#include "roles/heal_manual.h"
#include "roles/pg.h"
#include "roles/status.h"
#include "train/detect.h"
#include "train/record.h"
#include "train/shells.h"
#include "train/tmux.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/units.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const struct cli_option train_options[] = {
    {"no-watch", 0, NULL,
     "break the lab, print the briefing and return (then 'pgdrill train LAB status' says "
     "whether it is fixed)"},
    {"watch-for", 0, "DURATION", "how long to watch for the fix before giving the terminal back "
                                 "(default 2h; the exercise goes on)"},
    {"runs-dir", 0, "DIR", "where the record of the breaking goes (default: runs)"},
    {"no-tmux", 0, NULL, "do not prepare a tmux session with a shell on every host (it is "
                         "prepared when tmux is installed)"},
    {0},
};

static const char *exercises_dir(void)
{
	const char *d = getenv("PGDRILL_EXERCISES_DIR");

	return d && *d ? d : PGDRILL_SOURCE_DIR "/exercises";
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An exercise loaded: its file declared itself into `def` through the train module. */
struct loaded {
	struct drill_ctx ctx;
	struct train_def def;
	struct engine *e;
};

static void loaded_free(struct loaded *x)
{
	if (x->e)
		engine_free(x->e);
	ctx_free_workloads(&x->ctx);
	fault_set_free(&x->ctx.faults);
	free(x->ctx.name);
	train_def_free(&x->def);
	memset(&x->ctx, 0, sizeof(x->ctx));
	x->e = NULL; /* freeing twice is harmless */
}

/* Loads exercise NAME for the lab RT (NULL: only to read what it declares): -1 with the
 * error set ("file:line: message" for a mistake in the file). */
static int load_exercise(struct loaded *x, const char *name, struct lab_rt *rt,
                         struct journal *j)
{
	struct engine_limits lim = ENGINE_DEFAULT_LIMITS;
	char *path;
	int rc;

	memset(x, 0, sizeof(*x));
	train_def_init(&x->def);
	if (!train_name_ok(name))
		return error_set("'%.80s' is not an exercise name (lower-case letters, digits, '_'); "
		                 "'pgdrill train LAB.yaml' lists them",
		                 name);
	path = xasprintf("%s/%s.lua", exercises_dir(), name);
	x->ctx.rt = rt;
	x->ctx.j = j;
	x->ctx.interrupted = &interrupted;
	x->ctx.train = &x->def;
	fault_set_init(&x->ctx.faults, rt, j);
	x->e = engine_new(&x->ctx, &lim, cli_lua_dir());
	if (!x->e) {
		free(path);
		return error_set("cannot start Lua");
	}
	if (access(path, R_OK) < 0) {
		rc = error_set("no exercise '%s' (looked for %s); 'pgdrill train LAB.yaml' lists them",
		               name, path);
	} else if ((rc = engine_run_file(x->e, path)) == 0 &&
	           (!x->def.title || !x->def.brief || !x->def.solution ||
	            x->def.breaks_ref == LUA_NOREF || x->def.ngoals == 0)) {
		rc = error_set("%s: an exercise needs train.exercise, train.brief, train.solution, "
		               "train.breaks and at least one train.goal",
		               path);
	}
	free(path);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_exercises(void)
{
	DIR *d = opendir(exercises_dir());
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	if (!d) {
		fprintf(stderr, "pgdrill train: cannot read the exercises in %s\n", exercises_dir());
		return EXIT_HARNESS;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 4 && strcmp(de->d_name + len - 4, ".lua") == 0) {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xasprintf("%.*s", (int)(len - 4), de->d_name);
		}
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	printf("exercises (pgdrill train LAB.yaml NAME):\n");
	for (i = 0; i < n; i++) {
		struct loaded x;

		if (load_exercise(&x, names[i], NULL, NULL) < 0) {
			printf("  %-22s (cannot be loaded: %s)\n", names[i], error_last());
			error_clear();
		} else {
			printf("  %-22s %s%s\n", names[i], x.def.title,
			       x.def.failover == FAILOVER_MANUAL ? " (a lab with failover: manual)" : "");
		}
		loaded_free(&x);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* The goals and forbidden states, each once, printed when `verbose` or when it changed
 * since `was` (a bit per goal; may be NULL). Returns 1 when every goal holds, 0 when not,
 * -1 when a forbidden state was seen (its name and detail into `why`). */
static int evaluate(struct loaded *x, const char *lab_file, bool verbose, unsigned *was,
                    struct strbuf *why)
{
	unsigned now = 0;
	size_t i;
	int all = 1;

	for (i = 0; i < x->def.nforbids; i++) {
		struct strbuf detail = STRBUF_INIT;

		if (train_eval(x->e, &x->def.forbids[i], &detail)) {
			char *name = train_expand(&x->def, x->def.forbids[i].name, lab_file);

			strbuf_printf(why, "%s (%s)", name, strbuf_str(&detail));
			strbuf_free(&detail);
			free(name);
			return -1;
		}
		strbuf_free(&detail);
	}
	for (i = 0; i < x->def.ngoals; i++) {
		struct strbuf detail = STRBUF_INIT;
		int held = train_eval(x->e, &x->def.goals[i], &detail);

		now |= (unsigned)held << i;
		all &= held;
		if (verbose || (was && ((*was >> i) & 1u) != (unsigned)held)) {
			char *name = train_expand(&x->def, x->def.goals[i].name, lab_file);

			printf("  [%c] %s%s%s\n", held ? 'x' : ' ', name, detail.len ? ": " : "",
			       strbuf_str(&detail));
			free(name);
		}
		strbuf_free(&detail);
	}
	if (was)
		*was = now;
	fflush(stdout);
	return all;
}

static void say_heal(void *ud, const char *what)
{
	(void)ud;
	printf("  heal: %s\n", what);
}

/* One line of the debrief's timeline, gathered from several sources before it is sorted. */
struct moment {
	double t; /* seconds since the epoch */
	const char *kind;
	char *text;
	json_object *data;
};

static int by_time(const void *a, const void *b)
{
	double d = ((const struct moment *)a)->t - ((const struct moment *)b)->t;

	return d < 0 ? -1 : d > 0;
}

static struct moment *add_moment(struct moment *m, size_t *n, double t, const char *kind,
                                 char *text, json_object *data)
{
	m = xrealloc(m, (*n + 1) * sizeof(*m));
	m[*n] = (struct moment){t, kind, text, data};
	(*n)++;
	return m;
}

/* What repmgr recorded since the lab was broken (promote, follow, rejoin...), from the
 * primary's repmgr.events: the cluster's side of what the trainee did. */
static struct moment *repmgr_moments(struct lab_rt *rt, double since, struct moment *m,
                                     size_t *n)
{
	const struct lab_host_rt *p = status_current_primary(rt, NULL);
	PGconn *c = p ? pg_admin_connect(rt, p, "repmgr", 5) : NULL;
	char *sql;
	PGresult *res;
	int i;

	if (!c) {
		error_clear();
		return m;
	}
	sql = xasprintf("SELECT extract(epoch FROM e.event_timestamp)::float8, "
	                "coalesce(n.node_name, e.node_id::text), e.event, "
	                "CASE WHEN e.successful THEN 'ok' ELSE 'failed' END, coalesce(e.details, '') "
	                "FROM repmgr.events e LEFT JOIN repmgr.nodes n USING (node_id) "
	                "WHERE e.event_timestamp >= to_timestamp(%.3f) ORDER BY 1 LIMIT 200",
	                since);
	res = pg_query_within(c, sql, 10000);
	for (i = 0; res && PQresultStatus(res) == PGRES_TUPLES_OK && i < PQntuples(res); i++)
		m = add_moment(m, n, strtod(PQgetvalue(res, i, 0), NULL), "repmgr",
		               xasprintf("%s: %s (%s) %s", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		                         PQgetvalue(res, i, 3), PQgetvalue(res, i, 4)),
		               NULL);
	if (res)
		PQclear(res);
	error_clear();
	PQfinish(c);
	free(sql);
	return m;
}

/* The exercise as a second scenario in the breaking's run directory: the trainee's
 * commands and repmgr's events on one timeline, each goal a verdict, the time to fix a
 * figure; report.html rendered again with both. */
static void debrief(struct lab_rt *rt, const char *lab_file, struct loaded *x,
                    const struct train_record *r, const struct train_command *cmds, size_t nc,
                    long detected)
{
	bool solved = strcmp(r->outcome, "solved") == 0;
	struct moment *m = NULL;
	size_t nm = 0, i;
	struct journal j;
	char *name, *file, *figure;

	if (!r->run[0])
		return;
	if (journal_resume(&j, r->run, rt->lab->name) < 0) {
		printf("(no debrief in the report: %s)\n", error_last());
		error_clear();
		return;
	}
	name = xasprintf("%s, by hand", r->exercise);
	file = xasprintf("exercises/%s.lua", r->exercise);
	journal_begin_scenario(&j, name, file);
	json_object_object_add(journal_scenario(&j), "title", json_object_new_string(x->def.title));
	json_object_object_add(journal_scenario(&j), "start",
	                       json_object_new_double(r->broken - j.t0_unix));
	m = add_moment(m, &nm, r->broken, "note", xstrdup("the lab is broken; the trainee is briefed"),
	               NULL);
	for (i = 0; i < nc; i++) {
		json_object *d;

		if (cmds[i].t < r->broken)
			continue;
		d = json_object_new_object();
		json_object_object_add(d, "host", json_object_new_string(cmds[i].host));
		json_object_object_add(d, "user", json_object_new_string(cmds[i].user));
		json_object_object_add(d, "command", json_object_new_string(cmds[i].text));
		m = add_moment(m, &nm, cmds[i].t, "trainee",
		               xasprintf("on %s as %s: %s%s", cmds[i].host, cmds[i].user, cmds[i].text,
		                         (long)i == detected ? " (the cause found: time to detect)" : ""),
		               d);
	}
	m = repmgr_moments(rt, r->broken, m, &nm);
	qsort(m, nm, sizeof(*m), by_time);
	for (i = 0; i < nm; i++) {
		journal_event_at(&j, m[i].t - j.t0_unix, m[i].kind, m[i].data, "%s", m[i].text);
		free(m[i].text);
	}
	free(m);
	journal_event(&j, "note", NULL, "%s after %.0f s, %d hint%s taken", r->outcome,
	              r->ended - r->broken, r->hints, r->hints == 1 ? "" : "s");
	for (i = 0; i < x->def.ngoals; i++) {
		struct strbuf detail = STRBUF_INIT;
		int held = train_eval(x->e, &x->def.goals[i], &detail);
		char *goal = train_expand(&x->def, x->def.goals[i].name, lab_file);

		journal_check(&j, goal, held, NULL, strbuf_str(&detail), NULL);
		free(goal);
		strbuf_free(&detail);
	}
	if (r->why[0])
		journal_check(&j, "nothing forbidden was done", false, NULL, r->why, NULL);
	figure = detected >= 0 ? xasprintf("%.0f s", cmds[detected].t - r->broken)
	                       : xstrdup("not seen");
	journal_check(&j, "time to detect", detected >= 0, figure,
	              detected >= 0 ? cmds[detected].text : "no command of the trainee showed the cause",
	              detected >= 0 ? journal_measure(cmds[detected].t - r->broken, "s", NAN,
	                                              "from the briefing to the first command "
	                                              "that looked at the cause")
	                            : NULL);
	free(figure);
	figure = xasprintf("%.0f s", r->ended - r->broken);
	journal_check(&j, "time to fix", solved, figure, NULL,
	              journal_measure(r->ended - r->broken, "s", NAN,
	                              "from the briefing to the goals holding"));
	free(figure);
	journal_end_scenario(&j, solved ? "passed" : "failed", r->outcome);
	if (journal_write(&j) == 0) {
		cli_write_report("train", &j);
		printf("  debrief:      %s/report.html\n", r->run);
	} else {
		cli_report_error("train");
	}
	journal_free(&j);
	free(name);
	free(file);
}

/* The commands of pgdrill exec and of the shells, in the order they were run. */
static int command_order(const void *a, const void *b)
{
	double d = ((const struct train_command *)a)->t - ((const struct train_command *)b)->t;

	return d < 0 ? -1 : d > 0;
}

/* The exercise is over: the record says how, what is still recorded as broken is
 * reverted and the lab healed, and the trainee gets the debrief. */
static int finish(struct lab_rt *rt, const char *lab_file, struct loaded *x,
                  struct train_record *r, const char *outcome, const char *why)
{
	struct heal_log log = {say_heal, NULL};
	struct train_command *cmds = NULL;
	struct health h;
	char *solution;
	size_t nc;
	long detected;
	int rc = 0;

	if (cli_lock_lab("train", rt, false) < 0)
		return -1;
	r->ended = unix_now();
	snprintf(r->outcome, sizeof(r->outcome), "%s", outcome);
	snprintf(r->why, sizeof(r->why), "%s", why ? why : "");
	if (train_record_save(rt->lab_dir, r, &x->def) < 0) {
		cli_report_error("train");
		return -1;
	}
	printf("\n%s: %s\n", x->def.title,
	       strcmp(outcome, "solved") == 0 ? "SOLVED"
	       : strcmp(outcome, "failed") == 0 ? "FAILED"
	                                          : "given up");
	if (why)
		printf("  what was seen: %s\n", why);
	nc = train_commands_load(rt->lab_dir, &cmds);
	nc = train_shells_load(rt->lab_dir, r->broken, &cmds, nc);
	qsort(cmds, nc, sizeof(*cmds), command_order);
	detected = train_detect(&x->def, lab_file, cmds, nc, r->broken);
	if (detected >= 0)
		printf("  time to detect: %.0f s (on %s: %.80s)\n", cmds[detected].t - r->broken,
		       cmds[detected].host, cmds[detected].text);
	else
		printf("  time to detect: not seen (no command looked at the cause)\n");
	printf("  %-14s%.0f s\n  hints taken:  %d of %zu\n  score:        %d of 100\n",
	       strcmp(outcome, "solved") == 0 ? "time to fix:" : "time spent:", r->ended - r->broken, r->hints, x->def.nhints,
	       strcmp(outcome, "solved") == 0 ? (r->hints * 25 > 100 ? 0 : 100 - r->hints * 25) : 0);
	debrief(rt, lab_file, x, r, cmds, nc, detected);
	free(cmds);
	solution = train_expand(&x->def, x->def.solution, lab_file);
	printf("\nwhat a DBA would type:\n%s\n", solution);
	free(solution);
	printf("\nputting the lab back for the next exercise or drill\n");
	train_tmux_close(rt->lab->name);
	if (state_open(&rt->state, rt->lab->provider.state_dir, rt->lab->name) < 0 ||
	    cli_revert_left_faults("train", rt, NULL) != 0) {
		cli_report_error("train");
		return -1;
	}
	if (heal_empty_spares(rt, &log) < 0 ||
	    heal_lab(rt, &log, (int)rt->lab->objectives.recovery_within * 2, &h) < 0) {
		char *steps;

		fprintf(stderr, "pgdrill train: the lab is NOT healthy: %s\n",
		        error_pending() ? error_last() : h.why);
		error_clear();
		steps = heal_manual_procedure(rt, lab_file);
		fprintf(stderr, "to repair it by hand:\n%s\n", steps);
		free(steps);
		rc = -1;
	} else {
		printf("  lab healthy again: %s\n", h.why);
	}
	return rc;
}

/* The exercise running on the lab, with what its breaking remembered: -1 (reported) when
 * none runs. */
static int open_running(struct lab_rt *rt, struct loaded *x, struct train_record *r,
                        const char *lab_file)
{
	struct train_def memory;
	size_t i;
	int rc;

	train_def_init(&memory);
	rc = train_record_load(rt->lab_dir, r, &memory);
	if (rc == PD_ENOTFOUND) {
		error_clear();
		fprintf(stderr,
		        "pgdrill train: no exercise was started on lab '%s'; 'pgdrill train %s' "
		        "lists them\n",
		        rt->lab->name, lab_file);
		train_def_free(&memory);
		return -1;
	}
	if (rc < 0 || load_exercise(x, r->exercise, rt, NULL) < 0) {
		cli_report_error("train");
		train_def_free(&memory);
		return -1;
	}
	for (i = 0; i < memory.nmemory; i++)
		train_remember(&x->def, memory.keys[i], memory.values[i]);
	train_def_free(&memory);
	return 0;
}

static void print_ended(const struct train_record *r)
{
	printf("exercise '%s' is over: %s after %.0f s, %d hint%s%s%s\n", r->exercise, r->outcome,
	       r->ended - r->broken, r->hints, r->hints == 1 ? "" : "s", r->why[0] ? "; " : "",
	       r->why);
}

/* One look at the goals; the exercise finishes when they all hold or a forbidden state
 * is seen. 0 solved, 1 not yet (or failed), -1 harness trouble. */
static int look(struct lab_rt *rt, const char *lab_file, struct loaded *x, struct train_record *r,
                bool verbose, unsigned *was)
{
	struct strbuf why = STRBUF_INIT;
	int all = evaluate(x, lab_file, verbose, was, &why), rc;

	if (all == 0) {
		strbuf_free(&why);
		return 1;
	}
	rc = finish(rt, lab_file, x, r, all > 0 ? "solved" : "failed",
	            all > 0 ? NULL : strbuf_str(&why));
	strbuf_free(&why);
	return rc < 0 ? -1 : all > 0 ? 0 : 1;
}

/* Watches until the goals hold, the exercise ended elsewhere (give-up), Ctrl-C, or the
 * watch's time is up. */
static int watch(struct lab_rt *rt, const char *lab_file, struct loaded *x,
                 struct train_record *r, int64_t watch_ms)
{
	long long until = proc_now_ms() + watch_ms;
	unsigned was = 0;
	int rc;

	printf("\nwatching the lab (Ctrl-C gives the terminal back; the exercise goes on):\n");
	if ((rc = look(rt, lab_file, x, r, true, &was)) <= 0)
		return rc;
	while (!interrupted && proc_now_ms() < until) {
		struct train_record now;
		int i;

		for (i = 0; i < 30 && !interrupted; i++)
			usleep(100 * 1000);
		if (interrupted)
			break;
		if (train_record_load(rt->lab_dir, &now, NULL) < 0 || now.outcome[0]) {
			error_clear();
			printf("the exercise ended elsewhere\n");
			return 1;
		}
		r->hints = now.hints;
		if ((rc = look(rt, lab_file, x, r, false, &was)) <= 0)
			return rc;
	}
	printf("\nstopped watching; 'pgdrill train %s status' looks again\n", lab_file);
	return 1;
}

static int start(const struct cli_args *args, const char *name)
{
	const char *lab_file = args->pos[0];
	const char *runs = cli_opt(args, "runs-dir") ? cli_opt(args, "runs-dir") : "runs";
	struct train_record r = {0}, old;
	int64_t watch_ms = 2 * 3600 * 1000;
	struct journal j;
	struct loaded x;
	struct lab_rt rt;
	struct lab lab;
	char *dir = NULL, *label, *abs_dir, *brief;
	const struct lab_host_rt *node, *proxy;
	int rc = EXIT_HARNESS, broke;

	if (cli_opt(args, "watch-for") &&
	    (units_parse_duration(cli_opt(args, "watch-for"), &watch_ms) < 0 || watch_ms <= 0)) {
		error_clear();
		fprintf(stderr, "pgdrill train: --watch-for needs a duration like 30m; found '%s'\n",
		        cli_opt(args, "watch-for"));
		return EXIT_HARNESS;
	}
	if (cli_require_root("train") < 0 || cli_open_lab(&lab, &rt, lab_file) < 0)
		return EXIT_HARNESS;
	memset(&x, 0, sizeof(x));
	train_def_init(&x.def);
	label = xasprintf("train-%s", name);
	/* What the file declares is checked before the lab is touched. */
	if (load_exercise(&x, name, NULL, NULL) < 0) {
		cli_report_error("train");
		goto cleanup;
	}
	if (x.def.failover >= 0 && x.def.failover != lab.repmgr.failover) {
		fprintf(stderr,
		        "pgdrill train: exercise '%s' needs a lab with repmgr.failover: %s, and lab "
		        "'%s' has %s (labs/training.yaml is one with manual failover)\n",
		        name, x.def.failover == FAILOVER_MANUAL ? "manual" : "automatic", lab.name,
		        lab.repmgr.failover == FAILOVER_MANUAL ? "manual" : "automatic");
		goto cleanup;
	}
	loaded_free(&x);
	switch (cli_take_lab("train", &rt, lab_file, "the exercise", on_signal, &interrupted)) {
	case -1:
		goto cleanup;
	case LAB_ABSENT:
		break;
	case LAB_UP:
		if (train_record_load(rt.lab_dir, &old, NULL) == 0 && !old.outcome[0]) {
			fprintf(stderr,
			        "pgdrill train: exercise '%s' is running on lab '%s': solve it, or "
			        "'pgdrill train %s give-up'\n",
			        old.exercise, lab.name, lab_file);
			goto cleanup;
		}
		error_clear();
		if (state_open(&rt.state, lab.provider.state_dir, lab.name) < 0) {
			cli_report_error("train");
			goto cleanup;
		}
		if (cli_heal_left_faults("train", &rt, lab_file) < 0)
			goto cleanup;
		break;
	}
	if (!(dir = journal_run_dir(runs, lab.name, label))) {
		cli_report_error("train");
		goto cleanup;
	}
	journal_open(&j, dir, lab.name, NULL); /* no live timeline: the cause stays hidden */
	journal_begin_scenario(&j, label, name);
	if (load_exercise(&x, name, &rt, &j) < 0) {
		cli_report_error("train");
		journal_free(&j);
		goto cleanup;
	}
	printf("breaking the lab for '%s'...\n", x.def.title);
	fflush(stdout);
	broke = train_break(x.e, &x.def);
	ctx_stop_workloads(&x.ctx);
	if (broke < 0) {
		char *msg = xstrdup(error_last());

		error_clear();
		fprintf(stderr, "pgdrill train: the exercise could not break the lab: %s\n", msg);
		journal_end_scenario(&j, "error", msg);
		free(msg);
		fault_revert_all(&x.ctx.faults);
		cli_heal_left_faults("train", &rt, lab_file);
	} else {
		journal_end_scenario(&j, "passed", "the lab is broken for the exercise");
	}
	if (journal_write(&j) == 0)
		cli_write_report("train", &j);
	journal_free(&j);
	if (broke < 0)
		goto cleanup;
	snprintf(r.exercise, sizeof(r.exercise), "%s", name);
	r.broken = unix_now();
	if ((abs_dir = realpath(dir, NULL)) && strlen(abs_dir) < sizeof(r.run))
		snprintf(r.run, sizeof(r.run), "%s", abs_dir); /* else no debrief in the report */
	free(abs_dir);
	train_commands_reset(rt.lab_dir);
	train_shells_reset(rt.lab_dir);
	if (train_record_save(rt.lab_dir, &r, &x.def) < 0) {
		cli_report_error("train");
		goto cleanup;
	}
	brief = train_expand(&x.def, x.def.brief, lab_file);
	node = lab_rt_by_role(&rt, ROLE_PRIMARY);
	proxy = lab_rt_by_role(&rt, ROLE_PROXY);
	printf("\n== %s\n\n%s\n\n", x.def.title, brief);
	free(brief);
	printf("You work on the lab's hosts with the real tools: a shell on one is\n"
	       "  pgdrill exec %s %s -- bash\n"
	       "where psql, pg_ctl and repmgr -f \"$REPMGR_CONF\" find their server.\n",
	       lab_file, node ? node->def->name : "HOST");
	if (proxy)
		printf("haproxy's host (its config in $HAPROXY_CFG):\n"
		       "  pgdrill exec --user root %s %s -- bash\n",
		       lab_file, proxy->def->name);
	printf("'pgdrill train %s status' shows the goals, 'pgdrill train %s hint' gives a hint "
	       "(each costs 25 points), 'pgdrill train %s give-up' shows the solution.\n"
	       "What pgdrill did is in %s (no peeking).\n",
	       lab_file, lab_file, lab_file, dir);
	if (!cli_flag(args, "no-tmux") && train_tmux_available()) {
		if (train_tmux_open(&rt, lab_file) == 0)
			printf("A tmux session with a shell on every host is ready: "
			       "tmux -L pgdrill-%s attach\n",
			       lab.name);
		else
			printf("(no tmux session: %s)\n", error_last());
		error_clear();
	}
	fflush(stdout);
	rc = 0;
	if (!cli_flag(args, "no-watch")) {
		state_unlock_lab(); /* a give-up from another shell takes it */
		state_close(&rt.state);
		rc = watch(&rt, lab_file, &x, &r, watch_ms) < 0 ? EXIT_HARNESS : 0;
	}
cleanup:
	loaded_free(&x);
	free(label);
	free(dir);
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

static int hint(struct lab_rt *rt, const char *lab_file, struct loaded *x, struct train_record *r)
{
	/* Under the lab's lock, from the record as it is now: a hint taken while the watcher
	 * finishes the exercise counts once, or not at all. */
	if (cli_lock_lab("train", rt, false) < 0)
		return EXIT_HARNESS;
	if (train_record_load(rt->lab_dir, r, &x->def) < 0) {
		cli_report_error("train");
		return EXIT_HARNESS;
	}
	if (r->outcome[0]) {
		print_ended(r);
		return EXIT_HARNESS;
	}
	if (r->hints >= (int)x->def.nhints) {
		printf("no more hints (%zu given); 'pgdrill train %s give-up' shows the solution\n",
		       x->def.nhints, lab_file);
		return 0;
	}
	char *text = train_expand(&x->def, x->def.hints[r->hints].text, lab_file);

	printf("hint %d of %zu: %s\n", r->hints + 1, x->def.nhints, text);
	free(text);
	r->hints++;
	if (train_record_save(rt->lab_dir, r, &x->def) < 0) {
		cli_report_error("train");
		return EXIT_HARNESS;
	}
	return 0;
}

static int train_run(const struct cli_args *args)
{
	const char *lab_file = args->pos[0], *what = args->npos > 1 ? args->pos[1] : NULL;
	struct train_record r;
	struct loaded x;
	struct lab_rt rt;
	struct lab lab;
	int rc = EXIT_HARNESS;

	if (!what)
		return list_exercises();
	if (strcmp(what, "status") && strcmp(what, "hint") && strcmp(what, "give-up"))
		return start(args, what);
	if (cli_open_up_lab("train", &lab, &rt, lab_file) < 0)
		return EXIT_HARNESS;
	memset(&x, 0, sizeof(x));
	train_def_init(&x.def);
	if (open_running(&rt, &x, &r, lab_file) < 0)
		goto cleanup;
	if (r.outcome[0]) {
		print_ended(&r);
		rc = strcmp(what, "status") != 0         ? EXIT_HARNESS
		     : strcmp(r.outcome, "solved") == 0 ? 0
		                                         : EXIT_OBJECTIVE_MISSED;
		if (strcmp(what, "status") != 0)
			fprintf(stderr, "pgdrill train: no exercise runs on the lab; start one\n");
		goto cleanup;
	}
	if (strcmp(what, "hint") == 0) {
		rc = hint(&rt, lab_file, &x, &r);
	} else if (strcmp(what, "give-up") == 0) {
		rc = finish(&rt, lab_file, &x, &r, "gave-up", NULL) < 0 ? EXIT_HARNESS : 0;
	} else {
		printf("exercise '%s': %s, for %.0f s, %d hint%s taken\n", r.exercise, x.def.title,
		       unix_now() - r.broken, r.hints, r.hints == 1 ? "" : "s");
		rc = look(&rt, lab_file, &x, &r, true, NULL);
		rc = rc < 0 ? EXIT_HARNESS : rc == 0 ? 0 : EXIT_OBJECTIVE_MISSED;
	}
cleanup:
	loaded_free(&x);
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

const struct cli_command cmd_train = {
    .name = "train",
    .usage = "[options] LAB.yaml [EXERCISE | status | hint | give-up]",
    .summary = "Exercises a person solves by hand: the lab is broken, you repair it.",
    .details =
        "Without EXERCISE, lists the exercises (exercises/*.lua). With one, brings the lab up if "
        "needed, breaks it without saying how, prints the briefing, and watches until the "
        "exercise's goals hold. 'status' looks at the goals once (exit 0 when solved, 1 when "
        "not yet or failed), 'hint' gives the next hint, 'give-up' shows the solution. When the "
        "exercise ends, what pgdrill broke is reverted and the lab healed.",
    .options = train_options,
    .min_args = 1,
    .max_args = 2,
    .run = train_run,
};
