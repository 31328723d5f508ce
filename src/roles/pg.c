#include "roles/pg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "roles/secrets.h"
#include "util/error.h"
#include "util/strbuf.h"

/* Over the node's own socket (peer authentication), or over the network from the
 * client network with the superuser's password when the provider says so. */
PGconn *pg_admin_connect(const struct lab_rt *rt, const struct lab_host_rt *h, const char *db,
                         int timeout_s)
{
	bool remote = rt->ops->admin_over_network;
	char *where = remote ? xstrdup(h->addr) : host_path(h, "run");
	char port[16], timeout[16];
	struct lab_secrets s = {0};
	const char *keys[] = {"host",           "port",     "user", "dbname", "connect_timeout",
	                      "application_name", "password", NULL};
	const char *vals[] = {where, port, "postgres", db, timeout, "pgdrill", NULL, NULL};
	PGconn *c = NULL;
	int back = -1;

	snprintf(port, sizeof(port), "%ld", rt->lab->postgres.port);
	snprintf(timeout, sizeof(timeout), "%d", timeout_s > 0 ? timeout_s : 2);
	if (remote) {
		if (secrets_load(&s, rt) < 0 || lab_client_enter(rt, &back) < 0) {
			free(where);
			secrets_free(&s);
			return NULL;
		}
		vals[6] = s.superuser;
	}
	c = PQconnectdbParams(keys, vals, 0);
	if (remote)
		lab_client_leave(rt, back);
	secrets_free(&s);
	free(where);
	if (PQstatus(c) != CONNECTION_OK) {
		char *msg = xstrdup(PQerrorMessage(c));

		msg[strcspn(msg, "\n")] = '\0';
		error_set("host %s: cannot connect to PostgreSQL: %s", h->def->name, msg);
		free(msg);
		PQfinish(c);
		return NULL;
	}
	return c;
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

		error_replace("host %s: SQL failed: %s\n  SQL: %s", h->def->name, why, shown);
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
	PGconn *c = pg_admin_connect(rt, h, "postgres", 5);
	int rc;

	if (!c)
		return -1;
	rc = pg_exec(h, c, sql);
	PQfinish(c);
	return rc;
}

int pg_wait_ready(const struct lab_rt *rt, const struct lab_host_rt *h,
                  const struct host_proc *pm, int timeout_ms)
{
	char *sock = host_path(h, "run");
	char port[16];
	const char *keys[] = {"host", "port", "user", "dbname", "connect_timeout", NULL};
	const char *vals[] = {sock, port, "postgres", "postgres", "1", NULL};
	long long deadline = proc_now_ms() + timeout_ms;
	int rc = -1;

	snprintf(port, sizeof(port), "%ld", rt->lab->postgres.port);
	while (proc_now_ms() < deadline) {
		if (PQpingParams(keys, vals, 0) == PQPING_OK) {
			rc = 0;
			break;
		}
		if (pm && !host_proc_alive(rt, h, pm)) {
			free(sock);
			return error_set("host %s: PostgreSQL exited during start", h->def->name);
		}
		usleep(20000);
	}
	free(sock);
	if (rc < 0)
		error_set("host %s: PostgreSQL did not accept connections within %d s",
		          h->def->name, timeout_ms / 1000);
	return rc;
}
