#include "roles/doctor.h"

#include <stdlib.h>
#include <string.h>

#include "provider/host.h"
#include "roles/discover.h"
#include "util/error.h"
#include "util/strbuf.h"

#define DOCTOR_TIMEOUT_MS 20000

/* A tool pgdrill runs on a host, and what stops without it. `essential`: the host's role
 * cannot be checked or healed at all. */
struct tool {
	const char *name;
	const char *stops;
	bool essential;
};

/* The delay fault's rule; pgdrill's delayer, copied to the host, runs beside it. */
#define DELAY_TOOL                                                                                 \
	{"iptables", "delay (pgdrill's delayer, copied there, also needs libnetfilter-queue1)", false}

static const struct tool postgres_tools[] = {
    {"pg_ctl", "every drill (the heal restarts PostgreSQL)", true},
    {"psql", "every drill (the checks)", true},
    {"repmgr", "every drill (the heal and the failover checks)", true},
    {"nft", "partition, loss", false},
    {"fallocate", "fill_disk", false},
    {"ip", "link_down", false},
    DELAY_TOOL,
    {NULL, NULL, false},
};
static const struct tool proxy_tools[] = {
    {"haproxy", "every drill (writes go through haproxy)", true},
    {"nft", "partition, loss", false},
    DELAY_TOOL,
    {NULL, NULL, false},
};
static const struct tool barman_tools[] = {
    {"barman", "barman_restore and the backup checks", true},
    {NULL, NULL, false},
};
static const struct tool spare_tools[] = {
    {"pg_ctl", "barman_restore (the restored server runs there)", true},
    {"rsync", "barman_restore (barman copies the backup there with rsync over SSH)", false},
    {NULL, NULL, false},
};

static const struct tool *tools_of(const struct lab_host *h)
{
	switch (h->role) {
	case ROLE_PRIMARY:
	case ROLE_STANDBY:
	case ROLE_WITNESS:
		return postgres_tools;
	case ROLE_PROXY:
		return proxy_tools;
	case ROLE_BARMAN:
		return barman_tools;
	default:
		return spare_tools;
	}
}

/* Runs `script` on the host as root; 0 with its output, -1 with the error set. */
static int ask(const struct lab_rt *rt, const struct lab_host_rt *h, const char *script,
               struct proc_result *res)
{
	char *argv[] = {"sh", "-c", (char *)script, NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = DOCTOR_TIMEOUT_MS, .reads_only = true};

	return host_run(rt, h, &spec, res);
}

/* One line per missing tool; the first essential one blocks. */
static int check_tools(const struct lab_rt *rt, const struct lab_host_rt *h, FILE *out,
                       struct doctor_report *rep)
{
	const struct tool *t = tools_of(h->def);
	struct strbuf script = STRBUF_INIT;
	struct proc_result res;
	int rc = 0;
	size_t i;

	for (i = 0; t[i].name; i++)
		strbuf_printf(&script, "command -v %s >/dev/null || echo %s; ", t[i].name, t[i].name);
	strbuf_puts(&script, "true");
	if (ask(rt, h, strbuf_str(&script), &res) < 0) {
		strbuf_free(&script);
		return -1;
	}
	for (i = 0; t[i].name; i++) {
		const char *p = res.out;
		size_t n = strlen(t[i].name);
		bool missing = false;

		for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (strncmp(p, t[i].name, n) == 0 && (p[n] == '\n' || !p[n]))
				missing = true;
		if (!missing)
			continue;
		if (out)
			fprintf(out, "    %s: '%s' is not installed (in the PATH of root): stops %s\n",
			        h->def->name, t[i].name, t[i].stops);
		if (t[i].essential) {
			rep->blocking++;
			if (rc == 0)
				rc = error_set("host %s: '%s' is not installed; it stops %s",
				               h->def->name, t[i].name, t[i].stops);
		} else {
			rep->warnings++;
		}
	}
	proc_result_free(&res);
	strbuf_free(&script);
	return rc;
}

/* What the host's role runs, as a few words: PostgreSQL asked with pg_isready at the
 * host's own address (a process count would be the machine's when hosts share one), the
 * proxy by its process. A service that is not running is a warning: the drill would start
 * on a broken cluster. */
static const char *check_service(const struct lab_rt *rt, const struct lab_host_rt *h,
                                 struct doctor_report *rep)
{
	struct proc_result res;
	struct host_proc p;
	char *script;
	int rc;

	if (lab_host_is_postgres(h->def)) {
		script = xasprintf("pg_isready -q -h %s -p %ld", h->addr, rt->lab->postgres.port);
		rc = ask(rt, h, script, &res);
		free(script);
		if (rc < 0 || res.status != 0) {
			error_clear();
			rep->warnings++;
			proc_result_free(&res);
			return "PostgreSQL does NOT accept connections";
		}
		proc_result_free(&res);
		return "PostgreSQL accepts connections";
	}
	if (h->def->role == ROLE_PROXY) {
		if (host_find_procs(rt, h, "haproxy", NULL, &p, 1) == 0) {
			error_clear();
			rep->warnings++;
			return "haproxy does NOT run";
		}
		return "haproxy runs";
	}
	return "nothing to ask";
}

/* pgdrill acts as root on the host: logged in as root, or sudo without a password. */
static int check_root(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	struct proc_result res;
	int rc = ask(rt, h, "id -u", &res);

	if (rc == 0 && (res.status != 0 || strcmp(res.out, "0\n") != 0))
		rc = error_set("host %s: pgdrill cannot act as root there ('id -u' printed '%.20s', "
		               "exit %d%s%.200s); give the login user sudo without a password or "
		               "log in as root",
		               h->def->name, res.out, res.status, *res.err ? ": " : "", res.err);
	proc_result_free(&res);
	return rc;
}

/* 0 when the host answers, pgdrill is root there, its role's tools are present and
 * nothing its services say contradicts the lab. */
static int check_host(const struct lab_rt *rt, struct lab_host_rt *h, FILE *out,
                      struct strbuf *facts, struct doctor_report *rep)
{
	struct discover_counts found;
	const char *said;
	int rc;

	if (host_reach(rt, h) < 0 || check_root(rt, h) < 0) {
		rep->blocking++;
		if (out)
			fprintf(out, "  %-12s %-9s UNUSABLE: %s\n", h->def->name,
			        host_role_names[h->def->role], error_last());
		return -1;
	}
	if (check_tools(rt, h, out, rep) < 0)
		return -1;
	said = check_service(rt, h, rep);
	if (out)
		fprintf(out, "  %-12s %-9s reached, root, %s\n", h->def->name,
		        host_role_names[h->def->role], said);
	rc = discover_host(rt, h, out, facts, &found);
	rep->blocking += found.blocking;
	rep->warnings += found.warnings;
	if (rc < 0)
		return -1;
	rep->hosts_ok++;
	return 0;
}

int doctor_check(struct lab_rt *rt, FILE *out, struct strbuf *facts,
                 struct doctor_report *rep)
{
	char *first = NULL;
	size_t i;

	memset(rep, 0, sizeof(*rep));
	for (i = 0; i < rt->nhosts; i++) {
		if (check_host(rt, &rt->hosts[i], out, facts, rep) < 0 && !first)
			first = xstrdup(error_last());
		error_clear();
	}
	if (first) {
		error_set("%s%s", first,
		          rep->blocking > 1 ? " (and more problems, listed above)" : "");
		free(first);
		return -1;
	}
	return 0;
}
