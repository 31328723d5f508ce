#include "roles/pg.h"

#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/secrets.h"
#include "util/error.h"
#include "util/strbuf.h"

/* How pgdrill reaches a node as postgres: over the node's own socket (peer
 * authentication), or over the network from the client network with the superuser's
 * password when the provider says so. */
struct admin_reach {
	char *where, port[16], timeout[16];
	struct lab_secrets secrets;
	const char *keys[9], *vals[9];
	bool remote;
	int back; /* the thread's own network namespace, while in the lab's */
};

static int reach_begin(const struct lab_rt *rt, const struct lab_host_rt *h, const char *sock_rel,
                       long port, const char *db, int timeout_s, struct admin_reach *a)
{
	static const char *const keys[] = {"host",    "port",    "user",     "dbname",
	                                   "connect_timeout", "application_name", "options",
	                                   "password"};
	size_t i;

	memset(a, 0, sizeof(*a));
	a->back = -1;
	a->remote = rt->ops->admin_over_network;
	a->where = a->remote ? xstrdup(h->addr) : host_path(h, sock_rel);
	snprintf(a->port, sizeof(a->port), "%ld", port);
	snprintf(a->timeout, sizeof(a->timeout), "%d", timeout_s > 0 ? timeout_s : 2);
	for (i = 0; i < 8; i++)
		a->keys[i] = keys[i];
	a->vals[0] = a->where;
	a->vals[1] = a->port;
	a->vals[2] = "postgres";
	a->vals[3] = db;
	a->vals[4] = a->timeout;
	a->vals[5] = "pgdrill";
	/* A dry run only reads: its SQL runs in read-only transactions. */
	a->vals[6] = rt->dry ? "-c default_transaction_read_only=on" : "";
	if (a->remote) {
		if (secrets_load(&a->secrets, rt) < 0 || lab_client_enter(rt, &a->back) < 0) {
			secrets_free(&a->secrets);
			free(a->where);
			return -1;
		}
		a->vals[7] = a->secrets.superuser;
	}
	return 0;
}

static void reach_end(const struct lab_rt *rt, struct admin_reach *a)
{
	if (a->remote)
		lab_client_leave(rt, a->back);
	secrets_free(&a->secrets);
	free(a->where);
}

static void drop_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

void pg_quiet(PGconn *c)
{
	if (c)
		PQsetNoticeProcessor(c, drop_notice, NULL);
}

static struct notice_recorder *_Atomic notice_to;

void pg_record_notices(struct notice_recorder *r)
{
	atomic_store(&notice_to, r);
}

static bool worth_recording(const char *message)
{
	static const char *const severities[] = {"WARNING:", "ERROR:", "FATAL:", "PANIC:"};
	size_t i;

	for (i = 0; i < sizeof(severities) / sizeof(severities[0]); i++)
		if (strncmp(message, severities[i], strlen(severities[i])) == 0)
			return true;
	return false;
}

static void record_notice(void *where, const char *message)
{
	struct notice_recorder *r = atomic_load(&notice_to);
	char line[512];
	size_t i;

	if (!r || !message || !worth_recording(message))
		return;
	snprintf(line, sizeof(line), "%s", message);
	line[strcspn(line, "\n")] = '\0';
	for (i = 0; line[i]; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	r->record(r->ud, where, line);
}

void pg_notices_from(PGconn *c, const char *where)
{
	if (c)
		PQsetNoticeProcessor(c, record_notice, (void *)where);
}

PGconn *pg_connect_node(const struct lab_rt *rt, const struct lab_host_rt *h, const char *sock_rel,
                        long port, const char *db, int timeout_s)
{
	struct admin_reach a;
	PGconn *c;

	if (reach_begin(rt, h, sock_rel, port, db, timeout_s, &a) < 0)
		return NULL;
	c = PQconnectdbParams(a.keys, a.vals, 0);
	reach_end(rt, &a);
	if (PQstatus(c) != CONNECTION_OK) {
		char *msg = xstrdup(PQerrorMessage(c));

		msg[strcspn(msg, "\n")] = '\0';
		error_set("host %s: cannot connect to PostgreSQL: %s", h->def->name, msg);
		free(msg);
		PQfinish(c);
		return NULL;
	}
	pg_notices_from(c, h->def->name);
	return c;
}

PGconn *pg_admin_connect(const struct lab_rt *rt, const struct lab_host_rt *h, const char *db,
                         int timeout_s)
{
	return pg_connect_node(rt, h, "run", rt->lab->postgres.port, db, timeout_s);
}

/* The SQL as an error may show it: a password literal never leaves pgdrill, in a
 * terminal, a CI log or a journal. Owned. */
char *pg_sql_for_display(const char *sql)
{
	const char *pw = strstr(sql, " PASSWORD ");

	if (!pw)
		pw = strstr(sql, " password ");
	if (!pw)
		return xstrdup(sql);
	return xasprintf("%.*s PASSWORD (hidden)", (int)(pw - sql), sql);
}

PGresult *pg_query_within(PGconn *c, const char *sql, int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	PGresult *last = NULL, *r;

	if (!PQsendQuery(c, sql)) {
		char *msg = xstrdup(PQerrorMessage(c));

		msg[strcspn(msg, "\n")] = '\0';
		error_set("cannot send the query: %s", msg);
		free(msg);
		return NULL;
	}
	for (;;) {
		while (!PQisBusy(c)) {
			r = PQgetResult(c);
			if (!r)
				return last ? last : (error_set("the server sent no result"), NULL);
			PQclear(last);
			last = r;
		}
		long long left = deadline - proc_now_ms();
		struct pollfd p = {.fd = PQsocket(c), .events = POLLIN};

		if (left <= 0 || poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (left > 0 && errno == EINTR)
				continue;
			PQclear(last);
			error_set("no answer within %.1f s", timeout_ms / 1000.0);
			return NULL;
		}
		if (!PQconsumeInput(c)) {
			char *msg = xstrdup(PQerrorMessage(c));

			msg[strcspn(msg, "\n")] = '\0';
			PQclear(last);
			error_set("the connection broke: %s", msg);
			free(msg);
			return NULL;
		}
	}
}

static PGresult *run(const struct lab_host_rt *h, PGconn *c, const char *sql)
{
	PGresult *r = pg_query_within(c, sql, PG_ADMIN_TIMEOUT_MS);
	ExecStatusType st = PQresultStatus(r);

	if (!r) {
		char *shown = pg_sql_for_display(sql), *why = xstrdup(error_last());

		error_set("host %s: SQL failed: %s\n  SQL: %s", h->def->name, why, shown);
		free(why);
		free(shown);
		return NULL;
	}
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		char *msg = xstrdup(PQerrorMessage(c)), *shown = pg_sql_for_display(sql);

		msg[strcspn(msg, "\n")] = '\0';
		error_set("host %s: SQL failed (SQLSTATE %s): %s\n  SQL: %s", h->def->name,
		          state ? state : "none", msg, shown);
		free(msg);
		free(shown);
		PQclear(r);
		return NULL;
	}
	return r;
}

int pg_exec(const struct lab_host_rt *h, PGconn *c, const char *sql)
{
	PGresult *r = run(h, c, sql);

	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

int pg_value(const struct lab_host_rt *h, PGconn *c, const char *sql, char **out)
{
	PGresult *r = run(h, c, sql);

	if (!r)
		return -1;
	*out = (PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0))
	           ? xstrdup(PQgetvalue(r, 0, 0))
	           : NULL;
	PQclear(r);
	return 0;
}

int pg_run_once(const struct lab_rt *rt, const struct lab_host_rt *h, const char *sql)
{
	PGconn *c;
	int rc;

	if (rt->dry) {
		char *shown = pg_sql_for_display(sql);

		host_dry_say(rt, h, "run as the superuser: %s", shown);
		free(shown);
		return 0;
	}
	c = pg_admin_connect(rt, h, "postgres", 5);
	if (!c)
		return -1;
	rc = pg_exec(h, c, sql);
	PQfinish(c);
	return rc;
}

int pg_wait_ready(const struct lab_rt *rt, const struct lab_host_rt *h, const struct host_proc *pm,
                  int timeout_ms)
{
	long long deadline = proc_now_ms() + timeout_ms;
	struct admin_reach a;
	int rc = -1;

	while (proc_now_ms() < deadline) {
		PGPing ping;

		if (reach_begin(rt, h, "run", rt->lab->postgres.port, "postgres", 1, &a) < 0)
			return -1;
		ping = PQpingParams(a.keys, a.vals, 0);
		reach_end(rt, &a);
		if (ping == PQPING_OK) {
			rc = 0;
			break;
		}
		if (pm && !host_proc_alive(rt, h, pm))
			return error_set("host %s: PostgreSQL exited during start", h->def->name);
		usleep(20000);
	}
	if (rc < 0)
		error_set("host %s: PostgreSQL did not accept connections within %d s",
		          h->def->name, timeout_ms / 1000);
	return rc;
}
