#include "roles/barman.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/pg.h"
#include "roles/step.h"
#include "util/error.h"
#include "util/strbuf.h"

/* Seconds between two runs of `barman cron`: it moves streamed WAL into the archive and
 * restarts receive-wal; each run costs a Python start (~0.4 s of CPU). */
#define BARMAN_CRON_INTERVAL "5"

char *barman_conf(const struct lab_rt *rt, const struct lab_host_rt *b,
                  const struct lab_host_rt *primary)
{
	const struct lab_barman *cfg = &rt->lab->barman;
	struct strbuf sb = STRBUF_INIT;
	char *home = host_path(b, "barman"), *confd = host_path(b, "conf/barman.d");
	char *log = host_log_path(b, "barman");

	strbuf_printf(&sb, BARMAN_CONF_HEADER "%s.\n[barman]\n", rt->lab->name);
	strbuf_puts(&sb, "barman_user = barman\n");
	strbuf_printf(&sb, "barman_home = %s\n", home);
	strbuf_printf(&sb, "barman_lock_directory = %s\n", home);
	strbuf_printf(&sb, "log_file = %s\n", log);
	strbuf_puts(&sb, "log_level = INFO\n");
	strbuf_printf(&sb, "configuration_files_directory = %s\n", confd);
	free(home);
	free(confd);
	free(log);
	strbuf_printf(&sb, "\n[%s]\n", cfg->server_name);
	strbuf_printf(&sb, "description = \"lab %s\"\n", rt->lab->name);
	strbuf_printf(&sb,
	              "conninfo = host=%s port=%ld user=barman dbname=postgres "
	              "connect_timeout=5\n",
	              primary->addr, rt->lab->postgres.port);
	strbuf_printf(&sb,
	              "streaming_conninfo = host=%s port=%ld user=streaming_barman "
	              "connect_timeout=5\n",
	              primary->addr, rt->lab->postgres.port);
	strbuf_puts(&sb, "backup_method = postgres\n");
	strbuf_printf(&sb, "streaming_archiver = %s\n", cfg->streaming_archiver ? "on" : "off");
	strbuf_printf(&sb, "slot_name = %s\n", cfg->slot_name);
	strbuf_puts(&sb, "create_slot = auto\n");
	strbuf_printf(&sb, "retention_policy = REDUNDANCY %ld\n", cfg->retention_backups);
	strbuf_puts(&sb, "minimum_redundancy = 0\n");
	strbuf_puts(&sb, "immediate_checkpoint = true\n");
	return strbuf_detach(&sb);
}

bool barman_conf_is_pgdrills(const char *text)
{
	return text && strncmp(text, BARMAN_CONF_HEADER, strlen(BARMAN_CONF_HEADER)) == 0;
}

static char *conf_path(const struct lab_host_rt *b)
{
	return host_path(b, "conf/barman.conf");
}

static char *pgpass_env(const struct lab_host_rt *b)
{
	char *path = host_path(b, "conf/pgpass"), *env = xasprintf("PGPASSFILE=%s", path);

	free(path);
	return env;
}

static int run_barman(const struct lab_rt *rt, const struct lab_host_rt *b, const char *step,
                      char *const *args, bool quiet, int *status, char **out)
{
	char *conf = conf_path(b), *env0 = pgpass_env(b);
	char *argv[] = {"barman", "-c", conf, quiet ? "-q" : NULL, NULL};
	char *env[] = {env0, NULL};
	struct step_cmd cmd = {.user = "barman",
	                       .argv = argv,
	                       .args = args,
	                       .env = env,
	                       .log = "barman",
	                       .timeout_ms = 180000,
	                       .status = status,
	                       /* the queries (list-server, list-backups, check) are the
	                        * calls that are not quiet */
	                       .reads_only = !quiet};
	int rc = step_run(rt, b, step, &cmd, out);
	free(conf);
	free(env0);
	return rc;
}

int barman_cmd(const struct lab_rt *rt, const struct lab_host_rt *b, const char *step,
               char *const *args, char **out)
{
	return run_barman(rt, b, step, args, true, NULL, out);
}

int barman_query(const struct lab_rt *rt, const struct lab_host_rt *b, const char *step,
                 char *const *args, char **out)
{
	return run_barman(rt, b, step, args, false, NULL, out);
}

int barman_check(const struct lab_rt *rt, const struct lab_host_rt *b, bool *green, char **failed)
{
	char *args[] = {"check", rt->lab->barman.server_name, NULL};
	char *out = NULL, *line, *save = NULL;
	struct strbuf sb = STRBUF_INIT;
	int status = -1;

	if (run_barman(rt, b, "barman check", args, false, &status, &out) < 0)
		return -1;
	/* "\tname: FAILED (why)" per failed check; barman exits 1 when there is one. */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, ": FAILED"))
			strbuf_printf(&sb, "%s%s", sb.len ? "; " : "", line + strspn(line, " \t"));
	*green = status == 0 && sb.len == 0;
	if (!*green && sb.len == 0)
		strbuf_printf(&sb, "barman check exited with status %d", status);
	*failed = strbuf_detach(&sb);
	free(out);
	return 0;
}

int barman_setup(struct lab_rt *rt, const struct lab_host_rt *b, const struct lab_host_rt *primary,
                 const struct lab_secrets *s)
{
	char *conf = conf_path(b), *text = barman_conf(rt, b, primary);
	char *pw = NULL, *env0 = pgpass_env(b);
	char *loop = xasprintf(
	    "while :; do barman -c '%s' -q cron; sleep " BARMAN_CRON_INTERVAL "; done", conf);
	char *argv[] = {"sh", "-c", loop, NULL};
	char *env[] = {env0, NULL};
	struct proc_spec spec = {.argv = argv, .user = "barman", .env = env};
	char *slot_args[] = {"receive-wal", "--create-slot", rt->lab->barman.server_name, NULL};
	struct host_proc cron;
	int rc = -1;

	{
		struct strbuf sb = STRBUF_INIT;

		secrets_pgpass_line(&sb, "*", "barman", s->barman);
		secrets_pgpass_line(&sb, "*", "streaming_barman", s->barman);
		pw = strbuf_detach(&sb);
	}
	if (host_mkdir(rt, b, "barman", 0750, "barman") < 0 ||
	    host_mkdir(rt, b, "conf/barman.d", 0750, "barman") < 0 ||
	    host_put_string(rt, b, "conf/barman.conf", text, 0640, "barman") < 0 ||
	    host_put_string(rt, b, "conf/pgpass", pw, 0600, "barman") < 0)
		goto cleanup;
	if (barman_cmd(rt, b, "barman receive-wal --create-slot", slot_args, NULL) < 0)
		goto cleanup;
	if (host_spawn(rt, b, &spec, "barman-cron", &cron) < 0)
		goto cleanup;
	rc = 0;
cleanup:
	free(conf);
	free(text);
	free(pw);
	free(env0);
	free(loop);
	return rc;
}

int barman_wait_streaming(const struct lab_rt *rt, const struct lab_host_rt *primary,
                          int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	PGconn *c = pg_admin_connect(rt, primary, "postgres", 5);
	char *n = NULL;
	int rc = -1;

	if (!c)
		return -1;
	while (proc_now_ms() < deadline) {
		if (pg_value(primary, c,
		             "SELECT count(*) FROM pg_stat_replication WHERE usename = "
		             "'streaming_barman' AND state = 'streaming'",
		             &n) < 0)
			break;
		rc = n && strcmp(n, "0") != 0 ? 0 : -1;
		free(n);
		n = NULL;
		if (rc == 0)
			break;
		usleep(100000);
	}
	PQfinish(c);
	if (rc < 0)
		error_set("host %s, step 'barman receive-wal': barman's WAL receiver did not "
		          "start streaming within %d s (see the barman log)",
		          primary->def->name, timeout_ms / 1000);
	return rc;
}

int barman_first_backup(const struct lab_rt *rt, const struct lab_host_rt *b,
                        const struct lab_host_rt *primary)
{
	char *server = rt->lab->barman.server_name;
	/* A backup needs one archived WAL file first. Barman archives a streamed segment
	 * only once the next one has begun, and an idle primary writes no WAL: `barman
	 * switch-wal --archive` waited 20 s here. So: switch, write a WAL record into the
	 * new segment, archive. */
	static const char nudge_sql[] = "SELECT pg_switch_wal(), "
	                                "pg_logical_emit_message(false, 'pgdrill', 'barman')";
	char *archive_args[] = {"archive-wal", server, NULL};
	char *backup_args[] = {"backup", "--wait", "--wait-timeout", "120", server, NULL};
	char *xlogdb = xasprintf("barman/%s/wals/xlog.db", server), *text = NULL;
	long long deadline = proc_now_ms() + 60000;
	int rc = -1;

	if (barman_wait_streaming(rt, primary, 30000) < 0)
		goto cleanup;
	while (proc_now_ms() < deadline) {
		if (pg_run_once(rt, primary, nudge_sql) < 0)
			goto cleanup;
		if (barman_cmd(rt, b, "barman archive-wal", archive_args, NULL) < 0)
			goto cleanup;
		if (host_get_file(rt, b, xlogdb, &text, NULL) == 0 && text[0] != '\0')
			break;
		error_clear();
		free(text);
		text = NULL;
		usleep(200000);
	}
	if (!text || !text[0]) {
		char *log = host_log_path(b, "barman");

		error_set("host %s, step 'barman archive-wal': no WAL file reached barman's "
		          "archive within 60 s (see %s)",
		          b->def->name, log);
		free(log);
		goto cleanup;
	}
	rc = barman_cmd(rt, b, "barman backup", backup_args, NULL);
cleanup:
	free(xlogdb);
	free(text);
	return rc;
}
