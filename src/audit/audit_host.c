/* The audit's rules over the hosts themselves: the password files pgdrill wrote, which
 * only their owner may read, and what the postgres and barman users may run with sudo. */
#include "audit/audit_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/host.h"
#include "util/error.h"
#include "util/proc.h"

#define HOST_CHECK_TIMEOUT_MS 10000

/* Password files: "MODE OWNER PATH" from the host's stat; any bit for group or others is
 * a finding. */
static void secrets_rules(struct lab_rt *rt, struct audit *a)
{
	size_t i;

	if (!rt->ops->builds_hosts) {
		audit_skip(a, "secrets-readable", "password files are checked on hosts pgdrill built");
		return;
	}
	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];
		char *path = host_path(h, "conf/pgpass");
		char *argv[] = {"stat", "-c", "%a %U", "--", path, NULL};
		struct proc_spec spec = {.argv = argv, .timeout_ms = HOST_CHECK_TIMEOUT_MS};
		struct proc_result res = {0};
		unsigned long mode;
		char owner[64], *where;

		if (!host_exists(rt, h, "conf/pgpass")) {
			free(path);
			continue;
		}
		if (host_run(rt, h, &spec, &res) < 0 || res.status != 0 ||
		    sscanf(res.out, "%lo %63s", &mode, owner) != 2) {
			audit_skip(a, "secrets-readable", error_pending() ? error_last() : res.err);
			error_clear();
		} else if (mode & 077) {
			where = xasprintf("%s:%s: mode %03lo, owner %s", h->def->name, path, mode, owner);
			audit_add(a, AUDIT_HIGH, "secrets-readable",
			          "a password file is readable by other users", where,
			          "any local user (or a compromised service) reads the cluster's "
			          "passwords; libpq also ignores a .pgpass others can read",
			          "chmod 600 it");
			free(where);
		}
		proc_result_free(&res);
		free(path);
	}
}

/* `sudo -n -l -U USER` as root on the host: rights are a finding, "not allowed" is none. */
static void sudo_rule(struct lab_rt *rt, const struct lab_host_rt *h, const char *user,
                      struct audit *a)
{
	char *argv[] = {"sudo", "-n", "-l", "-U", (char *)user, NULL};
	struct proc_spec spec = {.argv = argv, .timeout_ms = HOST_CHECK_TIMEOUT_MS};
	struct proc_result res = {0};
	const char *rights;

	if (host_run(rt, h, &spec, &res) < 0 || res.status == 127) {
		char *why = xasprintf("%s: sudo -l -U %s: %s", h->def->name, user,
		                      error_pending() ? error_last() : "sudo is not installed");

		audit_skip(a, "sudo-rights", why);
		error_clear();
		free(why);
	} else if ((rights = strstr(res.out, "may run the following commands"))) {
		char *tail = proc_tail(rights, 4);
		char *where = xasprintf("%s: sudo -l -U %s: %s", h->def->name, user, tail);
		char *title = xasprintf("the %s user may run commands with sudo", user);

		for (char *p = where; *p; p++)
			if (*p == '\n')
				*p = ' ';
		audit_add(a, AUDIT_HIGH, "sudo-rights", title, where,
		          "whoever gets into the database server's account (COPY ... PROGRAM, an "
		          "extension, a stolen password) gets those commands too, often root",
		          "remove the rule from /etc/sudoers.d; give the service's start and stop "
		          "to an operator account instead");
		free(title);
		free(where);
		free(tail);
	}
	proc_result_free(&res);
}

/* Each account once: on hosts that share this machine (its /etc/sudoers), asked once. */
static void sudo_rules(struct lab_rt *rt, struct audit *a)
{
	bool shared = host_can_start(rt), asked_pg = false, asked_barman = false;
	size_t i;

	for (i = 0; i < rt->nhosts; i++) {
		const struct lab_host_rt *h = &rt->hosts[i];

		if (lab_host_is_postgres(h->def) && !(shared && asked_pg)) {
			sudo_rule(rt, h, "postgres", a);
			asked_pg = true;
		}
		if (h->def->role == ROLE_BARMAN && !(shared && asked_barman)) {
			sudo_rule(rt, h, "barman", a);
			asked_barman = true;
		}
	}
}

void audit_host_rules(struct lab_rt *rt, struct audit *a)
{
	secrets_rules(rt, a);
	sudo_rules(rt, a);
}
