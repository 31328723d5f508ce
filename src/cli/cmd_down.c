#include <stdio.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "roles/cluster.h"
#include "train/record.h"
#include "train/tmux.h"
#include "util/error.h"
#include "util/proc.h"

static int down_run(const struct cli_args *args)
{
	struct lab_rt rt;
	struct lab lab;
	long long t0 = proc_now_ms();
	struct train_record record;
	enum lab_presence was;
	int rc = 0;

	if (cli_require_root("down") < 0 || cli_open_lab(&lab, &rt, args->pos[0]) < 0)
		return EXIT_HARNESS;
	if (cli_lock_lab("down", &rt, false) < 0) {
		rc = EXIT_HARNESS;
		goto cleanup;
	}
	was = cluster_presence(&rt);
	/* A fault a killed run left applied is undone on the host first: on hosts pgdrill
	 * did not build, taking the lab apart does not undo it. */
	if (was != LAB_ABSENT) {
		int failed = cli_revert_left_faults("down", &rt, NULL);

		if (failed < 0 || (failed > 0 && !rt.ops->destroy_undoes_faults)) {
			if (failed > 0)
				fprintf(stderr,
				        "pgdrill down: %d fault%s could not be reverted (see above); the "
				        "lab stays recorded: revert by hand, then run down again\n",
				        failed, failed == 1 ? "" : "s");
			rc = EXIT_HARNESS;
			goto cleanup;
		}
		if (failed > 0)
			printf("down: %d fault%s could not be reverted one by one; taking the lab "
			       "apart removes %s with its hosts\n",
			       failed, failed == 1 ? "" : "s", failed == 1 ? "it" : "them");
	}
	/* pgdrill's own files on hosts it did not build; a host that cannot be reached is
	 * named with the command, and the lab is forgotten all the same. */
	if (was != LAB_ABSENT && rt.ops->forget && rt.ops->forget(&rt, stdout) > 0)
		printf("down: pgdrill's files stay on the hosts named above\n");
	/* a trainee's tmux session of the lab ends with it; there is none unless an exercise
	 * was started (its record is written before the session opens) */
	if (train_record_load(rt.lab_dir, &record, NULL) != PD_ENOTFOUND)
		train_tmux_close(lab.name);
	error_clear();
	if (cluster_down(rt.lab_dir) < 0) {
		cli_report_error("down");
		rc = EXIT_HARNESS;
	} else if (was == LAB_ABSENT) {
		printf("lab '%s' was not up; nothing to remove\n", lab.name);
	} else {
		printf("lab '%s' removed in %.2f s\n", lab.name,
		       (double)(proc_now_ms() - t0) / 1000.0);
	}
cleanup:
	lab_rt_free(&rt);
	lab_free(&lab);
	return rc;
}

const struct cli_command cmd_down = {
    .name = "down",
    .usage = "LAB.yaml",
    .summary = "Remove everything of a lab: processes, mounts, namespaces, route, files.",
    .details = "Works from the lab's state file alone, so it also cleans up after a 'pgdrill "
               "up' that was killed (even with SIGKILL). Running it twice is harmless.",
    .options = NULL,
    .min_args = 1,
    .max_args = 1,
    .run = down_run,
};
