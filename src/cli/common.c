#include "cli/common.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "journal/journal.h"
#include "report/report.h"
#include "roles/heal.h"
#include "roles/heal_manual.h"
#include "util/fsutil.h"
#include "lab/risks.h"
#include "provider/provider.h"
#include "roles/cluster.h"
#include "util/error.h"

int cli_load_lab(struct lab *lab, const char *path)
{
	return cli_load_lab_set(lab, path, NULL);
}

int cli_load_lab_set(struct lab *lab, const char *path, const char *set)
{
	struct diag_list dl;
	int rc;

	diag_list_init(&dl, path);
	rc = lab_load_file_set(lab, path, set, &dl);
	if (rc < 0) {
		diag_print(&dl, stderr);
		fprintf(stderr, "%s: %zu problem%s; nothing was changed\n", path, dl.count,
		        dl.count == 1 ? "" : "s");
	} else if (lab_risks(lab, &dl) > 0) {
		diag_print_warnings(&dl, stderr);
	}
	diag_list_free(&dl);
	return rc;
}

static int open_rt(struct lab *lab, struct lab_rt *rt, const char *path)
{
	if (lab_rt_init(rt, lab) < 0) {
		fprintf(stderr, "%s: %s\n", path, error_last());
		error_clear();
		lab_rt_free(rt);
		lab_free(lab);
		return -1;
	}
	return 0;
}

/* An existing lab that is up is reached as `up` recorded it: when the lab file says
 * otherwise now, the recorded inventory wins (with a word about it), so that `down`
 * reverts and forgets on the hosts that `up` and the drills touched. */
static int use_recorded_inventory(struct lab *lab, struct lab_rt *rt, const char *path)
{
	char *inv = state_inventory_path(rt->lab_dir);
	struct state_entry *e = NULL;
	struct lab recorded;
	struct diag_list dl;
	size_t n = 0;
	int rc = 0;

	/* Only from a lab directory pgdrill can trust (root's, its state file sound). */
	if (access(inv, F_OK) != 0 || state_load_trusted(rt->lab_dir, &e, &n) < 0) {
		error_clear();
		goto out;
	}
	diag_list_init(&dl, inv);
	if (lab_load_file(&recorded, inv, &dl) < 0) {
		diag_print(&dl, stderr);
		fprintf(stderr, "%s: the inventory recorded at 'up' does not load; using %s\n", inv,
		        path);
	} else if (strcmp(recorded.name, lab->name) != 0 || !lab->source ||
	           strcmp(recorded.source, lab->source) == 0) {
		lab_free(&recorded);
	} else {
		fprintf(stderr, "%s: changed since 'up'; the hosts are reached as recorded then (%s)\n",
		        path, inv);
		lab_rt_free(rt);
		lab_free(lab);
		*lab = recorded;
		rc = open_rt(lab, rt, inv);
	}
	diag_list_free(&dl);
out:
	state_entries_free(e, n);
	free(inv);
	return rc;
}

int cli_open_lab(struct lab *lab, struct lab_rt *rt, const char *path)
{
	return cli_open_lab_set(lab, rt, path, NULL);
}

int cli_open_lab_set(struct lab *lab, struct lab_rt *rt, const char *path, const char *set)
{
	if (cli_load_lab_set(lab, path, set) < 0 || open_rt(lab, rt, path) < 0)
		return -1;
	if (!rt->ops->builds_hosts)
		return use_recorded_inventory(lab, rt, path);
	return 0;
}

int cli_open_up_lab(const char *cmd, struct lab *lab, struct lab_rt *rt, const char *path)
{
	if (cli_require_root(cmd) < 0 || cli_open_lab(lab, rt, path) < 0)
		return -1;
	if (cluster_presence(rt) == LAB_UP)
		return 0;
	fprintf(stderr, "pgdrill %s: lab '%s' is not up; run 'pgdrill up %s'\n", cmd, lab->name,
	        path);
	lab_rt_free(rt);
	lab_free(lab);
	return -1;
}

int cli_require_root(const char *cmd)
{
	if (geteuid() == 0)
		return 0;
	fprintf(stderr,
	        "pgdrill %s: needs root (a lab is made of network namespaces, mounts and "
	        "processes of other users); run it as root\n",
	        cmd);
	return -1;
}

int cli_lock_lab(const char *cmd, const struct lab_rt *rt, bool create)
{
	int rc = state_lock_lab(rt->lab_dir, create);

	if (rc == PD_ENOTFOUND) {
		error_clear(); /* nothing there to protect */
		return 0;
	}
	if (rc < 0)
		cli_report_error(cmd);
	return rc;
}

static void say_line(void *ud, const char *line)
{
	printf("%s: %s\n", (const char *)ud, line);
}

int cli_revert_left_faults(const char *cmd, struct lab_rt *rt, size_t *found)
{
	struct state_entry *e = NULL;
	size_t n = 0, left;
	bool opened = false;
	int rc = state_load_trusted(rt->lab_dir, &e, &n);

	if (found)
		*found = 0;
	if (rc == PD_ENOTFOUND) {
		error_clear(); /* no state: no fault */
		return 0;
	}
	if (rc < 0) {
		cli_report_error(cmd);
		return -1;
	}
	left = rc == 0 ? fault_count_recorded(e, n) : 0;
	if (found)
		*found = left;
	if (left > 0) {
		/* Each revert is recorded as it happens. */
		if (rt->state.fd < 0) {
			if (state_open(&rt->state, rt->lab->provider.state_dir, rt->lab->name) < 0) {
				cli_report_error(cmd);
				state_entries_free(e, n);
				return -1;
			}
			opened = true;
		}
		rc = fault_revert_recorded(rt, e, n, say_line, (void *)cmd);
		if (opened)
			state_close(&rt->state);
	}
	state_entries_free(e, n);
	return rc;
}

void cli_report_error(const char *cmd)
{
	fflush(stdout); /* progress first, then what went wrong */
	fprintf(stderr, "pgdrill %s: %s\n", cmd, error_last());
}

static void heal_print(void *ud, const char *what)
{
	(void)ud;
	printf("  heal: %s\n", what);
}

/* An earlier run that died (SIGKILL, a lost machine) may have left faults applied: they
 * are reverted from the state file and the lab healed before any drill. */
int cli_heal_left_faults(const char *cmd, struct lab_rt *rt, const char *lab_file)
{
	struct heal_log log = {heal_print, NULL};
	struct health h;
	size_t found = 0;
	int failed = cli_revert_left_faults(cmd, rt, &found);

	if (failed < 0)
		return -1;
	if (failed > 0) {
		fprintf(stderr,
		        "pgdrill %s: %d fault%s left by an earlier run could not be reverted (see "
		        "above); revert by hand, or 'pgdrill down' the lab\n",
		        cmd, failed, failed == 1 ? "" : "s");
		return -1;
	}
	if (found == 0)
		return 0;
	printf("healing lab '%s' after the reverts\n", rt->lab->name);
	if (heal_lab(rt, &log, (int)rt->lab->objectives.recovery_within * 2, &h) < 0) {
		char *steps;

		fprintf(stderr, "pgdrill %s: the lab is NOT healthy: %s\n", cmd,
		        error_pending() ? error_last() : h.why);
		error_clear();
		steps = heal_manual_procedure(rt, lab_file);
		fprintf(stderr, "to repair it by hand:\n%s\n", steps);
		free(steps);
		return -1;
	}
	printf("  lab healthy again: %s\n", h.why);
	return 0;
}

/* report.html beside the journal, rendered from it as `pgdrill report` would. */
void cli_write_report(const char *cmd, struct journal *j)
{
	struct report_run run = {.dir = j->dir, .journal = j->root};
	struct strbuf html = STRBUF_INIT;
	char *path = xasprintf("%s/report.html", j->dir);

	report_html(&run, 1, &html);
	if (fs_write_string(path, strbuf_str(&html), 0644, NULL) < 0)
		cli_report_error(cmd);
	strbuf_free(&html);
	free(path);
}

int cli_take_lab(const char *cmd, struct lab_rt *rt, const char *lab_file, const char *what,
                 void (*on_signal)(int), volatile sig_atomic_t *interrupted)
{
	struct up_options uo = {.progress = stdout, .interrupted = interrupted};
	struct sigaction act = {.sa_handler = on_signal};
	struct up_report report;
	enum lab_presence found;

	if (cli_lock_lab(cmd, rt, true) < 0)
		return -1;
	/* A closed terminal ends it as Ctrl-C does: faults reverted, lab healed. */
	sigaction(SIGINT, &act, NULL);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGHUP, &act, NULL);
	found = cluster_presence(rt);
	if (found == LAB_PARTIAL) {
		fprintf(stderr, "pgdrill %s: lab '%s' is half built; run 'pgdrill down %s' first\n",
		        cmd, rt->lab->name, lab_file);
		return -1;
	}
	if (found == LAB_ABSENT) {
		printf("bringing up lab '%s' for %s\n", rt->lab->name, what);
		if (cluster_up(rt, &uo, &report) < 0) {
			cli_report_error(cmd);
			return -1;
		}
	}
	return (int)found;
}

const char *cli_lua_dir(void)
{
	const char *d = getenv("PGDRILL_LUA_DIR");

	return d && *d ? d : PGDRILL_SOURCE_DIR "/lua";
}
