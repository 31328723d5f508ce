#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/common.h"
#include "cli/matrix.h"
#include "fault/fault.h"
#include "journal/journal.h"
#include "lua/engine.h"
#include "report/report.h"
#include "roles/cluster.h"
#include "roles/heal.h"
#include "roles/heal_manual.h"
#include "roles/pg.h"
#include "roles/provenance.h"
#include "util/error.h"
#include "util/fsutil.h"
#include "util/strbuf.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const struct cli_option run_options[] = {
    {"keep", 'k', NULL, "leave the lab up afterwards (a lab that was up already stays up)"},
    {"runs-dir", 0, "DIR", "where run directories go (default: runs)"},
    {"repeat", 0, "N", "run the scenarios N times in a row on the same lab, each round with "
                       "its own run directory (ongoing drills)"},
    {"until-fail", 0, NULL, "with --repeat: stop after the first round in which a drill failed "
                            "or ended in error"},
    {"audit", 0, NULL, "end each round with the readiness audit of the lab (pgdrill audit): "
                       "its findings go into the journal and the report"},
    {"keep-runs", 0, "N", "after each round, keep only this lab's newest N run directories"},
    {"dry-run", 0, NULL,
     "on a lab that is up, print every action each fault (and its revert) would take on "
     "which host, and change nothing: what only reads runs, SQL in read-only transactions, "
     "no check is evaluated, no client writes, no run directory is written"},
    {"matrix", 0, "KEY=V1,V2,...",
     "run the drills once per value of one lab setting (e.g. "
     "repmgr.reconnect_attempts=1,2,3), each on a lab built fresh with it and taken down "
     "after, and print what each value gave: RTO, outcomes, failed checks"},
    {0},
};

static void heal_say(void *ud, const char *what)
{
	journal_event(ud, "heal", NULL, "%s", what);
}

static char *scenario_name(const char *path)
{
	const char *base = strrchr(path, '/');
	char *name = xstrdup(base ? base + 1 : path), *dot = strrchr(name, '.');

	if (dot)
		*dot = '\0';
	return name;
}

/* A command a fault or the heal ran, into the journal: the runbook the drill proved.
 * A value after "password=" is not written down. */
static void journal_command(void *ud, const char *phase, const struct lab_host_rt *h,
                            const struct proc_spec *spec, const struct proc_result *res,
                            double seconds)
{
	char *cmd = proc_argv_string(spec->argv), *p = cmd;
	json_object *d = json_object_new_object();

	while ((p = strstr(p, "password="))) {
		p += strlen("password=");
		while (*p && *p != ' ' && *p != '\'')
			*p++ = '*';
	}
	json_object_object_add(d, "phase", json_object_new_string(phase));
	json_object_object_add(d, "host", json_object_new_string(h->def->name));
	json_object_object_add(d, "user", json_object_new_string(spec->user ? spec->user : "root"));
	json_object_object_add(d, "command", json_object_new_string(cmd));
	json_object_object_add(d, "seconds", json_object_new_double(seconds));
	json_object_object_add(d, "status", json_object_new_int(res->status));
	journal_event(ud, "command", d, "%s on %s as %s: %s (%.2f s, exit %d)", phase,
	              h->def->name, spec->user ? spec->user : "root", cmd, seconds, res->status);
	free(cmd);
}

/* A warning or error a server sent one of pgdrill's sessions outside a result: in the
 * journal and the timeline, not raw on the terminal. */
static void journal_notice(void *ud, const char *where, const char *message)
{
	json_object *d = json_object_new_object();

	json_object_object_add(d, "host", json_object_new_string(where));
	json_object_object_add(d, "message", json_object_new_string(message));
	journal_event(ud, "server", d, "%s: %s", where, message);
}

/* Static: a session's message may arrive on another thread just as a drill ends. */
static struct notice_recorder notices = {journal_notice, NULL};

enum outcome { PASSED, FAILED, ERRORED };

static enum outcome run_one(struct lab_rt *rt, struct journal *j, const char *lab_file,
                            const char *path)
{
	struct engine_limits lim = ENGINE_DEFAULT_LIMITS;
	struct drill_ctx ctx = {.rt = rt, .j = j, .interrupted = &interrupted};
	struct heal_log log = {heal_say, j};
	struct command_recorder commands = {journal_command, j, NULL};
	char *name = scenario_name(path), *message = NULL;
	struct engine *e;
	struct health h;
	enum outcome out = PASSED;
	int rc;

	journal_begin_scenario(j, name, path);
	rt->commands = &commands;
	notices.ud = j;
	pg_record_notices(&notices);
	fault_set_init(&ctx.faults, rt, j);
	e = engine_new(&ctx, &lim, cli_lua_dir());
	if (!e || engine_run_file(e, path) < 0) {
		out = ERRORED;
		message = xstrdup(e ? error_last() : "cannot start Lua");
		error_clear();
		journal_event(j, "error", NULL, "%s", message);
	}
	/* Whatever happened, the clients stop, the faults go (each one's effect looked at
	 * first: a fault that did not bite fails the drill) and the lab is made healthy for
	 * the next drill. */
	ctx_stop_workloads(&ctx);
	commands.phase = NULL; /* a fault that raised half way */
	if (fault_revert_all(&ctx.faults) > 0 && out == PASSED)
		out = ERRORED;
	if (out == PASSED && j->failed_checks > 0) {
		out = FAILED;
		message = xasprintf("%d check%s failed", j->failed_checks,
		                    j->failed_checks == 1 ? "" : "s");
	}
	commands.phase = "heal";
	rc = heal_lab(rt, &log, (int)rt->lab->objectives.recovery_within * 2, &h);
	commands.phase = NULL;
	rt->commands = NULL;
	pg_record_notices(NULL);
	if (rc < 0) {
		char *steps, *why = xstrdup(error_pending() ? error_last() : h.why);

		error_clear();
		steps = heal_manual_procedure(rt, lab_file);
		journal_event(j, "heal", NULL,
		              "the lab is NOT healthy after the drill: %s\nto repair it by hand:\n%s",
		              why, steps);
		free(steps);
		free(why);
		if (out == PASSED)
			out = ERRORED;
	} else {
		journal_event(j, "heal", NULL, "lab healthy again: %s", h.why);
	}
	journal_end_scenario(j,
	                     out == PASSED   ? "passed"
	                     : out == FAILED ? "failed"
	                                     : "error",
	                     message);
	engine_free(e);
	ctx_free_workloads(&ctx);
	fault_set_free(&ctx.faults);
	free(ctx.name);
	free(message);
	free(name);
	return out;
}

/* A whole number option from 1 to max (default `def` when not given); -1 when bad. */
static long count_option(const struct cli_args *args, const char *name, long def, long max)
{
	const char *v = cli_opt(args, name);
	char *end;
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	if (*v && !*end && n >= 1 && n <= max)
		return n;
	fprintf(stderr, "pgdrill run: --%s needs a whole number from 1 to %ld; found '%s'\n", name,
	        max, v);
	return -1;
}

struct round {
	int scenarios, errors, failures;
};

/* The lab as the audit finds it after the drills (healed), for the report. */
static void audit_into_journal(struct lab_rt *rt, const char *runs, struct journal *j)
{
	struct strbuf js = STRBUF_INIT;
	json_object *found;
	struct audit a;

	printf("\nauditing lab '%s'\n", rt->lab->name);
	audit_init(&a);
	audit_lab(rt, runs, &a);
	audit_format_json(rt, &a, &js);
	if (!(found = json_tokener_parse(strbuf_str(&js))))
		fprintf(stderr, "pgdrill run: the audit's findings did not parse; left out\n");
	else {
		journal_set(j, "audit", found);
		printf("  %zu findings at warning or above (in the report)\n",
		       audit_count_at_least(&a, AUDIT_WARNING));
	}
	error_clear();
	strbuf_free(&js);
	audit_free(&a);
}

/* Every scenario once, into a run directory of its own, with the verdicts printed. */
static int run_round(struct lab_rt *rt, const struct cli_args *args, const char *runs,
                     struct round *r, struct matrix_tally *tally)
{
	struct journal j;
	char *dir, *first = scenario_name(args->pos[1]);
	int i;

	memset(r, 0, sizeof(*r));
	dir = journal_run_dir(runs, rt->lab->name, args->npos == 2 ? first : "drills");
	free(first);
	if (!dir) {
		cli_report_error("run");
		return -1;
	}
	journal_open(&j, dir, rt->lab->name, stdout);
	journal_set(&j, "provenance", provenance_collect(rt, args->pos[0]));
	for (i = 1; i < args->npos && !interrupted; i++) {
		enum outcome o = run_one(rt, &j, args->pos[0], args->pos[i]);

		r->scenarios++;
		r->errors += o == ERRORED;
		r->failures += o == FAILED;
	}
	/* The round's journal is on disk before the audit, whose restore rule reads it. */
	if (cli_flag(args, "audit") && !interrupted && journal_write(&j) == 0)
		audit_into_journal(rt, runs, &j);
	if (journal_write(&j) < 0)
		cli_report_error("run");
	else
		cli_write_report("run", &j);
	printf("\nverdicts:\n");
	for (i = 0; i < (int)json_object_array_length(j.scenarios); i++) {
		json_object *s = json_object_array_get_idx(j.scenarios, i);

		printf("  %-22s %s\n", json_object_get_string(json_object_object_get(s, "name")),
		       json_object_get_string(json_object_object_get(s, "outcome")));
	}
	printf("journal: %s/journal.json\njunit:   %s/junit.xml\nreport:  %s/report.html\n", dir,
	       dir, dir);
	if (tally)
		matrix_tally_add(tally, j.scenarios);
	journal_free(&j);
	free(dir);
	return 0;
}

/* The counts of `pgdrill run`, parsed and checked once. */
struct run_counts {
	long repeat;    /* rounds */
	long keep_runs; /* 0: keep every run directory */
};

/* The drills on the lab at `path` (with `set` over it: a --matrix value, on a lab built
 * for it alone), round after round; the exit code. The scenarios were checked already. */
static int run_lab(const struct cli_args *args, const struct run_counts *n, const char *set,
                   struct matrix_tally *tally)
{
	const char *path = args->pos[0];
	const char *runs = cli_opt(args, "runs-dir") ? cli_opt(args, "runs-dir") : "runs";
	struct lab_rt rt;
	struct lab lab;
	bool brought_up = false, until_fail = cli_flag(args, "until-fail");
	long repeat = n->repeat, keep_runs = n->keep_runs;
	int round, errors = 0, failures = 0, rc = EXIT_HARNESS;

	if (cli_open_lab_set(&lab, &rt, path, set) < 0)
		return EXIT_HARNESS;
	switch (cli_take_lab("run", &rt, path, "the drills", on_signal, &interrupted)) {
	case -1:
		goto cleanup;
	case LAB_ABSENT:
		brought_up = true;
		break;
	case LAB_UP:
		if (set) {
			fprintf(stderr,
			        "pgdrill run: --matrix builds a lab of its own for each value, and lab "
			        "'%s' is up: take it down first ('pgdrill down %s')\n",
			        lab.name, path);
			goto cleanup;
		}
		if (state_open(&rt.state, lab.provider.state_dir, lab.name) < 0) {
			cli_report_error("run");
			goto cleanup;
		}
		if (cli_heal_left_faults("run", &rt, path) < 0)
			goto cleanup;
		break;
	}
	for (round = 1; round <= repeat && !interrupted; round++) {
		long long t0 = proc_now_ms();
		struct round r;

		if (repeat > 1)
			printf("\n== round %d of %ld\n", round, repeat);
		if (run_round(&rt, args, runs, &r, tally) < 0)
			goto down;
		errors += r.errors;
		failures += r.failures;
		if (repeat > 1)
			printf("round %d of %ld: %d passed, %d failed, %d in error, %.1f s\n", round, repeat,
			       r.scenarios - r.failures - r.errors, r.failures, r.errors,
			       (double)(proc_now_ms() - t0) / 1000.0);
		if (keep_runs > 0 && journal_prune_runs(runs, lab.name, (int)keep_runs) < 0)
			cli_report_error("run");
		if (until_fail && (r.errors || r.failures) && round < repeat) {
			printf("stopping after round %d: --until-fail\n", round);
			break;
		}
	}
	if (interrupted)
		printf("interrupted: the faults were reverted; scenarios after it did not run\n");
	rc = errors || interrupted ? EXIT_HARNESS : failures ? EXIT_OBJECTIVE_MISSED : 0;
down:
	if (brought_up && (set || !cli_flag(args, "keep"))) {
		state_close(&rt.state);
		if (cluster_down(rt.lab_dir) < 0) {
			cli_report_error("run");
			rc = EXIT_HARNESS;
		} else {
			printf("lab '%s' removed (use --keep to leave it up)\n", lab.name);
		}
	}
cleanup:
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

/* Bad input changes nothing: every scenario is read and compiled before any lab is
 * loaded, locked or built (a syntax error fails now, not after the lab came up). */
static int check_scenarios(const struct cli_args *args)
{
	int i;

	for (i = 1; i < args->npos; i++) {
		FILE *f = fopen(args->pos[i], "r");
		struct stat st;

		if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
			fprintf(stderr, "pgdrill run: cannot read scenario %s%s\n", args->pos[i],
			        f ? ": not a regular file" : "");
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		if (engine_check_file(args->pos[i], cli_lua_dir()) < 0) {
			cli_report_error("run");
			return -1;
		}
	}
	return 0;
}

static int run_matrix(const struct cli_args *args, const struct run_counts *n,
                      const char *spec)
{
	struct matrix m;
	struct matrix_tally tally[MATRIX_MAX_VALUES];
	size_t i, ran = 0;
	int rc = 0;

	if (matrix_parse(spec, &m) < 0) {
		cli_report_error("run");
		return EXIT_HARNESS;
	}
	/* Every value is checked against the lab before any lab is built. */
	for (i = 0; i < m.nvalues; i++) {
		char *set = xasprintf("%s=%s", m.key, m.values[i]);
		struct diag_list dl;
		struct lab lab;
		int bad;

		/* Errors only: each value's warnings come once, when its lab is opened. */
		diag_list_init(&dl, args->pos[0]);
		bad = lab_load_file_set(&lab, args->pos[0], set, &dl);
		if (bad == 0) {
			lab_free(&lab);
		} else {
			diag_print(&dl, stderr);
			fprintf(stderr, "pgdrill run: --matrix: the lab does not validate with %s; "
			                "nothing was run\n", set);
		}
		diag_list_free(&dl);
		free(set);
		if (bad) {
			matrix_free(&m);
			return EXIT_HARNESS;
		}
	}
	memset(tally, 0, sizeof(tally));
	for (i = 0; i < m.nvalues && !interrupted; i++) {
		char *set = xasprintf("%s=%s", m.key, m.values[i]);
		int one;

		printf("\n=== %s = %s (%zu of %zu)\n", m.key, m.values[i], i + 1, m.nvalues);
		fflush(stdout);
		one = run_lab(args, n, set, &tally[i]);
		free(set);
		ran++;
		if (one == EXIT_HARNESS && tally[i].scenarios == 0) {
			/* The value or the lab refused before any drill ran: the next would too. */
			rc = EXIT_HARNESS;
			break;
		}
		if (one > rc)
			rc = one;
	}
	matrix_print(stdout, &m, tally, ran);
	for (i = 0; i < ran; i++)
		matrix_tally_free(&tally[i]);
	matrix_free(&m);
	return interrupted ? EXIT_HARNESS : rc;
}

/* One scenario in a dry run: its faults and their reverts printed, not done; no heal
 * (nothing changed). 0 when the script ran to its end. */
static int dry_one(struct lab_rt *rt, struct journal *j, const char *path)
{
	struct engine_limits lim = ENGINE_DEFAULT_LIMITS;
	struct drill_ctx ctx = {.rt = rt, .j = j, .interrupted = &interrupted};
	char *name = scenario_name(path), *actions;
	unsigned before = rt->dry->actions;
	struct engine *e;
	int rc = 0;

	journal_begin_scenario(j, name, path);
	fault_set_init(&ctx.faults, rt, j);
	e = engine_new(&ctx, &lim, cli_lua_dir());
	if (!e || engine_run_file(e, path) < 0) {
		printf("  the dry run of %s stopped: %s\n", name, e ? error_last() : "cannot start Lua");
		error_clear();
		rc = -1;
	}
	fault_revert_all(&ctx.faults);
	actions = xasprintf("%u action%s on the hosts printed, none taken",
	                    rt->dry->actions - before, rt->dry->actions - before == 1 ? "" : "s");
	journal_end_scenario(j, rc == 0 ? "dry run" : "dry run stopped", actions);
	free(actions);
	engine_free(e);
	ctx_free_workloads(&ctx);
	fault_set_free(&ctx.faults);
	free(ctx.name);
	free(name);
	return rc;
}

/* --dry-run: the scenarios on a lab that is up, nothing changed on its hosts. */
static int run_dry(const struct cli_args *args)
{
	struct dry_run dry = {.out = stdout};
	struct journal j;
	struct lab_rt rt;
	struct lab lab;
	int i, errors = 0;

	if (cli_flag(args, "keep") || cli_flag(args, "audit") || cli_opt(args, "repeat") ||
	    cli_opt(args, "matrix") || cli_opt(args, "keep-runs")) {
		fprintf(stderr, "pgdrill run: --dry-run goes with no other option than --runs-dir "
		                "(it writes nothing)\n");
		return EXIT_HARNESS;
	}
	if (check_scenarios(args) < 0 || cli_open_up_lab("run", &lab, &rt, args->pos[0]) < 0)
		return EXIT_HARNESS;
	if (cli_lock_lab("run", &rt, false) < 0) {
		lab_rt_free(&rt);
		lab_free(&lab);
		return EXIT_HARNESS;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rt.dry = &dry;
	rt.state.frozen = true; /* no fault is recorded: none is applied */
	printf("dry run on lab '%s': every action on a host is printed, none is taken\n",
	       lab.name);
	journal_open(&j, "(a dry run writes no run directory)", lab.name, stdout);
	for (i = 1; i < args->npos && !interrupted; i++)
		errors += dry_one(&rt, &j, args->pos[i]) < 0;
	printf("dry run: %u action%s in all, none taken%s\n", dry.actions,
	       dry.actions == 1 ? "" : "s",
	       errors ? "; a scenario stopped early (above): what it needed from a real fault "
	                "is not there in a dry run"
	              : "");
	journal_free(&j);
	lab_rt_free(&rt);
	lab_free(&lab);
	return errors || interrupted ? EXIT_HARNESS : 0;
}

static int run_run(const struct cli_args *args)
{
	const char *spec = cli_opt(args, "matrix");
	struct run_counts n;

	n.repeat = count_option(args, "repeat", 1, 100000);
	n.keep_runs = n.repeat < 0 ? -1 : count_option(args, "keep-runs", 0, 100000);
	if (n.repeat < 0 || n.keep_runs < 0)
		return EXIT_HARNESS;
	if (cli_flag(args, "until-fail") && n.repeat == 1) {
		fprintf(stderr, "pgdrill run: --until-fail goes with --repeat N\n");
		return EXIT_HARNESS;
	}
	if (spec && cli_flag(args, "keep")) {
		fprintf(stderr, "pgdrill run: --matrix takes each value's lab down after its drills; "
		                "it does not go with --keep\n");
		return EXIT_HARNESS;
	}
	if (cli_flag(args, "dry-run"))
		return run_dry(args);
	if (cli_require_root("run") < 0 || check_scenarios(args) < 0)
		return EXIT_HARNESS;
	return spec ? run_matrix(args, &n, spec) : run_lab(args, &n, NULL, NULL);
}

const struct cli_command cmd_run = {
    .name = "run",
    .usage = "[options] LAB.yaml SCENARIO.lua...",
    .summary = "Run drills on a lab (bringing it up if needed) and write their journal.",
    .details = "Each scenario runs in a Lua sandbox; its faults are reverted and the lab healed "
               "when it ends, however it ends (also on Ctrl-C). Writes journal.json and "
               "junit.xml to a run directory. Exit code 0 when every objective was met, 1 when "
               "one was missed, 2 when a drill or pgdrill itself failed. A scenario acts as "
               "root on the lab's hosts (host:exec{user = \"root\"}): run only scenarios "
               "you would run as root yourself.",
    .options = run_options,
    .min_args = 2,
    .max_args = -1,
    .run = run_run,
};
