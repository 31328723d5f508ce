/* pg_hba.conf breakage with a reload: the node keeps running but refuses clients (or
 * keeps its old rules, when the new file cannot be parsed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault/fault.h"
#include "roles/client.h"
#include "roles/pg.h"
#include "roles/secrets.h"
#include "util/proc.h"
#include "util/error.h"
#include "util/strbuf.h"

#define HBA "data/pg_hba.conf"

static int reload(const struct lab_rt *rt, const struct lab_host_rt *h)
{
	return pg_run_once(rt, h, "SELECT pg_reload_conf()");
}

/* The original file, saved on the host beside its disk's root: pgdrill-hba-TOKEN.orig. */
struct hba_state {
	char saved[64];
};

#define SAVED_PREFIX "pgdrill-hba-"

static int hba_parse(const char *text, void *state)
{
	struct hba_state *s = state;
	size_t n = strlen(SAVED_PREFIX), len = strlen(text);

	if (strncmp(text, SAVED_PREFIX, n) != 0 || len >= sizeof(s->saved) || len < n + 6 ||
	    strcmp(text + len - 5, ".orig") != 0 ||
	    strspn(text + n, "0123456789-") != len - n - 5)
		return error_set("'%s' is not a saved pg_hba.conf of pgdrill's", text);
	snprintf(s->saved, sizeof(s->saved), "%s", text);
	return 0;
}

/* The saved original goes back and is reloaded; the copy goes last, so that a revert cut
 * short is done again whole. */
static int restore_hba(struct lab_rt *rt, const struct lab_host_rt *h, const void *state)
{
	const struct hba_state *s = state;
	char *old = NULL;
	int rc = host_get_file(rt, h, s->saved, &old, NULL);

	if (rc == PD_ENOTFOUND) {
		error_clear(); /* put back and removed already */
		return 0;
	}
	if (rc == 0)
		rc = host_put_string(rt, h, HBA, old, 0600, "postgres");
	if (rc == 0)
		rc = reload(rt, h);
	if (rc == 0)
		rc = host_remove(rt, h, s->saved);
	free(old);
	return rc;
}

static char *restore_by_hand(const struct lab_host_rt *h, const void *state)
{
	const struct hba_state *s = state;
	char *saved = host_path(h, s->saved), *hba = host_path(h, HBA);
	char *cmd = xasprintf("cp %s %s && psql -U postgres -c 'SELECT pg_reload_conf()' && rm %s",
	                      saved, hba, saved);

	free(saved);
	free(hba);
	return cmd;
}

const struct fault_kind fault_kind_break_hba = {
    .name = "break_hba",
    .state_size = sizeof(struct hba_state),
    .parse = hba_parse,
    .revert = restore_hba,
    .by_hand = restore_by_hand,
};

/* "reject": the application, connecting to the node from the clients' network as it
 * does, is refused by a pg_hba.conf line (tried again until the reload has been read). */
static void refused_effect(struct fault_set *fs, const struct lab_host_rt *h, int id)
{
	if (fs->rt->dry)
		return; /* nothing was done: nothing to see */
	const struct lab *lab = fs->rt->lab;
	const char *user = lab->credentials.app_user;
	long port = lab->postgres.port;
	long long deadline = proc_now_ms() + 5000;
	char *seen = NULL;
	int refused = 0; /* -1: could not be tried */

	while (!refused) {
		PGconn *c = client_connect_app(fs->rt, h->addr, port, 5);

		free(seen);
		if (!c) {
			seen = xstrdup(error_last());
			error_clear();
			refused = -1;
			break;
		}
		refused = PQstatus(c) != CONNECTION_OK &&
		          strstr(PQerrorMessage(c), "pg_hba.conf rejects") != NULL;
		seen = PQstatus(c) == CONNECTION_OK
		           ? xasprintf("%s could still connect to %s:%ld", user, h->addr, port)
		           : xasprintf("%s at %s:%ld: %s", user, h->addr, port, PQerrorMessage(c));
		seen[strcspn(seen, "\n")] = '\0';
		PQfinish(c);
		if (proc_now_ms() >= deadline)
			break;
		if (!refused)
			usleep(100000);
	}
	fault_effect(fs, id, NULL, refused, seen);
	free(seen);
}

/* "syntax": PostgreSQL read the new file, refused it and said so in its log. */
static void not_reloaded_effect(struct fault_set *fs, const struct fault *f, int id)
{
	if (fs->rt->dry)
		return; /* nothing was done: nothing to see */
	long long deadline = proc_now_ms() + 5000;
	char *line;

	while (!(line = fault_logs_since(fs, f, "pg_hba.conf was not reloaded")) &&
	       proc_now_ms() < deadline)
		usleep(50000);
	fault_effect(fs, id, NULL, line != NULL,
	             line ? line : "postgres.log never said 'pg_hba.conf was not reloaded'");
	free(line);
}

int fault_break_hba(struct fault_set *fs, const struct lab_host_rt *h, const char *mode)
{
	int id;

	char *old = NULL, *broken;
	char how[160], token[32], saved[64];
	struct fault *f;
	int rc;

	if (strcmp(mode, "reject") != 0 && strcmp(mode, "syntax") != 0)
		return error_set("break_hba mode must be 'reject' or 'syntax'; found '%s'", mode);
	if (host_get_file(fs->rt, h, HBA, &old, NULL) < 0)
		return -1;
	/* The original is kept on the host itself before anything changes, so that the
	 * revert needs nothing but the state file's line, whoever runs it. */
	fault_next_token(token);
	snprintf(saved, sizeof(saved), SAVED_PREFIX "%s.orig", token);
	if (host_put_string(fs->rt, h, saved, old, 0600, NULL) < 0) {
		free(old);
		return -1;
	}
	f = fault_begin(fs, &fault_kind_break_hba, h, saved);
	if (!f) {
		host_remove(fs->rt, h, saved);
		free(old);
		return -1;
	}
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
	free(old);
	fault_mark_logs(fs, f);
	rc = host_put_string(fs->rt, h, HBA, broken, 0600, "postgres");
	if (rc == 0)
		rc = reload(fs->rt, h);
	free(broken);
	if (rc < 0)
		return fault_failed(fs, f);
	snprintf(how, sizeof(how), "pg_hba.conf %s, then pg_reload_conf()",
	         strcmp(mode, "reject") == 0 ? "rejects every remote client"
	                                     : "gets a line with a syntax error");
	id = fault_applied(fs, f, mode, how);
	if (strcmp(mode, "reject") == 0)
		refused_effect(fs, h, id);
	else
		not_reloaded_effect(fs, &fs->items[id - 1], id);
	return id;
}
