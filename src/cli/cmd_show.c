#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "provider/provider.h"
#include "provider/state.h"
#include "roles/discover.h"
#include "roles/render.h"
#include "util/error.h"
#include "util/fsutil.h"

static const struct cli_option show_options[] = {
    {"json", 'j', NULL, "print JSON instead of YAML"},
    {"secrets", 0, NULL, "print passwords given in the file instead of masking them"},
    {"configs", 0, "DIR",
     "write every configuration file pgdrill would put on the hosts to DIR/HOST/ (DIR must "
     "not exist yet) instead"},
    {0},
};

/* The configuration files of every host into DIR/HOST/FILE: a new directory, so that
 * nothing of the user's is overwritten. */
static int write_configs(const struct lab *lab, const char *dir)
{
	struct rendered_config *c;
	struct lab_rt rt;
	size_t n, i;
	int rc = 0;

	if (lab_rt_init(&rt, lab) < 0) {
		cli_report_error("show");
		return -1;
	}
	if (mkdir(dir, 0755) < 0) {
		fprintf(stderr, "pgdrill show: cannot make %s: %s (give a directory that does not "
		                "exist yet)\n",
		        dir, strerror(errno));
		lab_rt_free(&rt);
		return -1;
	}
	n = render_configs(&rt, &c);
	for (i = 0; i < n && rc == 0; i++) {
		char *host_dir = xasprintf("%s/%s", dir, c[i].host->def->name);
		char *path = xasprintf("%s/%s", host_dir, c[i].name);

		rc = fs_mkdir_p(host_dir, 0755, NULL);
		if (rc == 0)
			rc = fs_write_string(path, c[i].text, 0644, NULL);
		if (rc == 0)
			printf("%s\n", path);
		else
			cli_report_error("show");
		free(host_dir);
		free(path);
	}
	rendered_configs_free(c, n);
	lab_rt_free(&rt);
	return rc;
}

/* Beside what the lab declares, what `up` found on hosts pgdrill did not build, as YAML
 * comments (the output stays a lab file). */
static void show_discovered(const struct lab *lab)
{
	char *dir, *facts = NULL;

	if (lab->provider.kind != PROVIDER_EXISTING)
		return;
	dir = state_lab_dir(lab->provider.state_dir, lab->name);
	if (state_load_discovered(dir, &facts) == 0) {
		printf("# Discovered on the hosts at `up` (`pgdrill status` asks again):\n");
		discover_print(stdout, "#   ", facts);
	}
	error_clear(); /* not up: nothing was discovered */
	free(facts);
	free(dir);
}

static int show_run(const struct cli_args *args)
{
	struct strbuf out = STRBUF_INIT;
	struct lab lab;

	if (cli_load_lab(&lab, args->pos[0]) < 0)
		return EXIT_HARNESS;
	if (cli_opt(args, "configs")) {
		int rc = write_configs(&lab, cli_opt(args, "configs")) < 0 ? EXIT_HARNESS : 0;

		lab_free(&lab);
		return rc;
	}
	if (!cli_flag(args, "json"))
		printf("# %s, resolved with pgdrill's defaults\n", args->pos[0]);
	schema_emit(&lab_schema, &lab, cli_flag(args, "json") ? SCHEMA_JSON : SCHEMA_YAML,
	            cli_flag(args, "secrets"), &out);
	fputs(strbuf_str(&out), stdout);
	strbuf_free(&out);
	if (!cli_flag(args, "json"))
		show_discovered(&lab);
	lab_free(&lab);
	return 0;
}

const struct cli_command cmd_show = {
    .name = "show",
    .usage = "[options] LAB.yaml",
    .summary = "Print the lab with every default filled in.",
    .details = "The YAML output is itself a valid lab file (with passwords masked unless "
               "--secrets is given). With --configs, the files pgdrill would write on each "
               "host (postgresql.conf, pg_hba.conf, repmgr.conf, haproxy.cfg, barman.conf) "
               "go to a directory instead, to be read before anything runs.",
    .options = show_options,
    .min_args = 1,
    .max_args = 1,
    .run = show_run,
};
