#include "train/tmux.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/argv.h"
#include "util/error.h"
#include "util/proc.h"
#include "util/strbuf.h"

#define TMUX_TIMEOUT_MS 10000

/* tmux on the lab's own socket; 0 when it exited 0, else -1 with tmux's words. */
static int tmux(const char *lab_name, const char *const *args)
{
	struct argv a = ARGV_INIT;
	struct proc_spec spec = {.timeout_ms = TMUX_TIMEOUT_MS};
	struct proc_result res;
	int rc;

	argv_add(&a, "tmux");
	argv_add(&a, "-L");
	argv_addf(&a, "pgdrill-%s", lab_name);
	for (; *args; args++)
		argv_add(&a, *args);
	spec.argv = argv_get(&a);
	rc = proc_run(&spec, &res);
	if (rc == 0) {
		if (res.status != 0) {
			res.err[strcspn(res.err, "\n")] = '\0';
			rc = error_set("tmux %s: exit %d: %s", argv_get(&a)[3], res.status, res.err);
		}
		proc_result_free(&res);
	}
	argv_free(&a);
	return rc;
}

bool train_tmux_available(void)
{
	char *argv[] = {"tmux", "-V", NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = TMUX_TIMEOUT_MS};
	struct proc_result res;
	bool ok;

	if (proc_run(&spec, &res) < 0) {
		error_clear();
		return false;
	}
	ok = res.status == 0;
	proc_result_free(&res);
	return ok;
}

/* What a pane runs: a shell on the host, as postgres on a PostgreSQL host (where psql,
 * pg_ctl and repmgr find their server), as root elsewhere. PGDRILL_TRAIN_PANE: the shell
 * is pgdrill's doing, not a command of the trainee's (its lines are). */
/* bash --norc: a lab host's shell does not run this machine's ~/.bashrc (a pyenv or conda
 * set-up there is not the lab's, and one killed half way by the end of the exercise left
 * pyenv's rehash lock behind, hanging every later root login), and nothing there can undo
 * the history settings exec gives the shell. */
static char *pane_command(const char *self, const char *lab_file, const struct lab_host_rt *h)
{
	return xasprintf("PGDRILL_TRAIN_PANE=1 '%s' exec %s'%s' %s -- bash --norc", self,
	                 lab_host_is_postgres(h->def) ? "" : "--user root ", lab_file, h->def->name);
}

int train_tmux_open(const struct lab_rt *rt, const char *lab_file)
{
	const char *name = rt->lab->name;
	char self[PATH_MAX], *abs = realpath(lab_file, NULL), target[96];
	size_t i;
	int rc = 0;

	if (!abs)
		return error_set("%s: %s", lab_file, strerror(errno));
	/* quoted for tmux's shell: names of the lab's files and hosts with a quote are not
	 * taken */
	if (proc_self_exe(self, sizeof(self)) < 0 || strchr(self, '\'') || strchr(abs, '\'')) {
		free(abs);
		return error_pending() ? -1 : error_set("a path with a quote in it: no tmux session");
	}
	train_tmux_close(name);
	snprintf(target, sizeof(target), "%s:hosts", name);
	for (i = 0; i < rt->nhosts && rc == 0; i++) {
		char *cmd = pane_command(self, abs, &rt->hosts[i]);
		const char *first[] = {"new-session", "-d", "-s", name, "-n", "hosts", "-x", "200",
		                       "-y", "60", cmd, NULL};
		const char *more[] = {"split-window", "-t", target, cmd, NULL};
		const char *tiled[] = {"select-layout", "-t", target, "tiled", NULL};
		const char *title[] = {"select-pane", "-t", target, "-T", rt->hosts[i].def->name,
		                       NULL};

		rc = tmux(name, i == 0 ? first : more);
		/* every split halves a pane: tiled again, the next one has room */
		if (rc == 0)
			rc = tmux(name, tiled);
		if (rc == 0)
			rc = tmux(name, title);
		free(cmd);
	}
	if (rc == 0) {
		const char *border[] = {"set-option", "-t", name, "pane-border-status", "top", NULL};

		rc = tmux(name, border);
	}
	if (rc < 0)
		train_tmux_close(name);
	free(abs);
	return rc;
}

void train_tmux_close(const char *lab_name)
{
	const char *kill[] = {"kill-server", NULL};

	/* no server of the lab's: nothing to end */
	tmux(lab_name, kill);
	error_clear();
}
