#include "cli/common.h"

#include <stdio.h>
#include <unistd.h>

#include "provider/provider.h"
#include "util/error.h"

int cli_load_lab(struct lab *lab, const char *path)
{
	struct diag_list dl;
	int rc;

	diag_list_init(&dl, path);
	rc = lab_load_file(lab, path, &dl);
	if (rc < 0) {
		diag_print(&dl, stderr);
		fprintf(stderr, "%s: %zu problem%s; nothing was changed\n", path, dl.count,
		        dl.count == 1 ? "" : "s");
	}
	diag_list_free(&dl);
	return rc;
}

int cli_open_lab(struct lab *lab, struct lab_rt *rt, const char *path)
{
	if (cli_load_lab(lab, path) < 0)
		return -1;
	if (lab_rt_init(rt, lab) < 0) {
		fprintf(stderr, "%s: %s\n", path, error_last());
		lab_rt_free(rt);
		lab_free(lab);
		return -1;
	}
	return 0;
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

void cli_report_error(const char *cmd)
{
	fflush(stdout); /* progress first, then what went wrong */
	fprintf(stderr, "pgdrill %s: %s\n", cmd, error_last());
}
