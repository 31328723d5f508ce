/* pg_hba.conf breakage with a reload: the node keeps running but refuses clients (or
 * keeps its old rules, when the new file cannot be parsed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault/fault.h"
#include "roles/pg.h"
#include "util/error.h"
#include "util/strbuf.h"

#define HBA "data/pg_hba.conf"

static int reload(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	return pg_run_once(rt, h, "SELECT pg_reload_conf()");
}

static int restore_hba(struct lab_rt *rt, struct fault *f)
{
	const struct lab_host_rt *h = lab_rt_host(rt, f->host);

	if (!h)
		return error_set("no host %s in the lab", f->host);
	if (host_put_string(rt, h, HBA, f->saved, 0600, "postgres") < 0)
		return -1;
	return reload(rt, h);
}

int fault_break_hba(struct fault_set *fs, const struct lab_host_rt *h, const char *mode)
{
	char *old = NULL, *broken;
	char how[160];
	struct fault *f;

	if (strcmp(mode, "reject") != 0 && strcmp(mode, "syntax") != 0)
		return error_set("break_hba mode must be 'reject' or 'syntax'; found '%s'", mode);
	if (host_get_file(fs->rt, h, HBA, &old, NULL) < 0)
		return -1;
	/* Remote application clients and health checks are refused; the local socket (the
	 * harness, the agent), repmgr and replication keep working, as when someone edits
	 * the application's lines by mistake. */
	if (strcmp(mode, "reject") == 0) {
		const char *first_host = strstr(old, "\nhost ");
		int at = first_host ? (int)(first_host - old) + 1 : (int)strlen(old);

		broken = xasprintf("%.*s# pgdrill drill: application clients and health checks "
		                   "refused\nhost all %s 0.0.0.0/0 reject\nhost all %s 0.0.0.0/0 "
		                   "reject\n%s",
		                   at, old, fs->rt->lab->credentials.app_user,
		                   fs->rt->lab->credentials.healthcheck_user, old + at);
	} else {
		broken = xasprintf("%s\n# pgdrill drill: a line PostgreSQL cannot parse\n"
		                   "host all all not-an-address scram-sha-256\n",
		                   old);
	}
	if (host_put_string(fs->rt, h, HBA, broken, 0600, "postgres") < 0 ||
	    reload(fs->rt, h) < 0) {
		host_put_string(fs->rt, h, HBA, old, 0600, "postgres");
		free(old);
		free(broken);
		return -1;
	}
	free(broken);
	snprintf(how, sizeof(how), "pg_hba.conf %s, then pg_reload_conf()",
	         strcmp(mode, "reject") == 0 ? "rejects every remote client"
	                                     : "gets a line with a syntax error");
	f = fault_add(fs, "break_hba", h, mode, restore_hba, how);
	f->saved = old;
	return f->id;
}
